"""`summary`: a layer-by-layer table of shapes, parameters, MACs, connections and activations.

The cost of a convolution layer (exercise 5-4), for one sample, output
H_out×W_out×C_out, kernel K_h×K_w, groups g:

* multiply-accumulates (MACs): ``H_out·W_out·C_out·(C_in/g)·K_h·K_w``
  (a linear layer: ``in·out``), biases not counted;
* parameters: ``C_out·(C_in/g)·K_h·K_w (+ C_out for the bias)``;
* activations: the elements of the layer's output, ``H_out·W_out·C_out``.

Both MAC formulas are one rule: every output element costs one MAC per weight
it reads, and an output channel (a linear layer's output unit) reads
``weight.numel / C_out`` weights. So ``MACs = (output elements / C_out) ·
weight.numel``.
"""
from dataclasses import dataclass, field

import tinygrad_cnn as tg
from .. import nn


@dataclass
class LayerRow:
    """One call of a leaf module. Counts are per sample."""

    name: str                 # module path, e.g. "features.0"
    type: str                 # class name, e.g. "Conv2d"
    output_shape: tuple       # with the batch dim of the input
    params: int
    macs: int
    activations: int
    connections: int = 0


@dataclass
class ModelSummary:
    """What `summary` measured; ``str()`` gives the table."""

    input_shape: tuple
    rows: list = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0

    @property
    def total_macs(self):
        return sum(row.macs for row in self.rows)

    @property
    def total_activations(self):
        return sum(row.activations for row in self.rows)

    @property
    def total_connections(self):
        return sum(row.connections for row in self.rows)

    def grouped(self, depth=1):
        """The same summary with the rows summed over modules that share the
        first ``depth`` parts of their name (``c3.conv_three`` and
        ``c3.conv_four`` → one row ``c3``), in order; a row's output shape
        and activations are its last module's.

        >>> from tinygrad_cnn import nn
        >>> model = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), nn.Flatten())
        >>> [(row.name, row.type, row.params, row.connections)
        ...  for row in summary(model, (1, 1, 5, 5)).grouped().rows]
        [('0', 'Conv2d', 20, 180), ('1', 'Flatten', 0, 0)]
        """
        groups = {}
        for row in self.rows:
            key = ".".join(row.name.split(".")[:depth])
            if key not in groups:
                groups[key] = LayerRow(key, row.type, row.output_shape, 0, 0, 0, 0)
            group = groups[key]
            if group.type != row.type and group.connections and row.connections:
                group.type = "block"                     # several connecting layers inside
            elif not group.connections and row.connections:
                group.type = row.type                    # named by the layer that connects
            group.output_shape = row.output_shape
            group.params += row.params
            group.macs += row.macs
            group.activations = row.activations          # the block's output
            group.connections += row.connections
        return ModelSummary(self.input_shape, list(groups.values()), self.total_params,
                            self.trainable_params)

    def __str__(self):
        header = ("Layer (type)", "Output shape", "Params", "MACs", "Connections", "Activations")
        lines = [(f"{row.name} ({row.type})", str(list(row.output_shape)), f"{row.params:,}",
                  f"{row.macs:,}", f"{row.connections:,}", f"{row.activations:,}")
                 for row in self.rows]
        widths = [max(len(cells[i]) for cells in [header] + lines) for i in range(len(header))]

        def format_row(cells):      # names and shapes to the left, numbers to the right
            return "  ".join([cell.ljust(width) if i < 2 else cell.rjust(width)
                              for i, (cell, width) in enumerate(zip(cells, widths))])

        rule = "=" * len(format_row(header))
        body = [rule, format_row(header), rule] + [format_row(cells) for cells in lines] + [rule]
        body += [f"Input shape: {list(self.input_shape)}  (MACs and activations are per sample)",
                 f"Total params: {self.total_params:,}",
                 f"Trainable params: {self.trainable_params:,}",
                 f"Total MACs: {self.total_macs:,}",
                 f"Total connections: {self.total_connections:,}",
                 f"Total activations: {self.total_activations:,}",
                 rule]
        return "\n".join(body)

    def __repr__(self):
        return str(self)


def _count(parameters):
    return sum(int(p._data.size) for p in parameters)


def _per_sample(tensor):
    return int(tensor._data.size // (tensor.shape[0] if tensor.ndim else 1))


def _macs(module, input, output):
    """MACs per sample: Conv2d / Linear (output elements / C_out) · weight.numel,
    ConvTranspose2d (input elements / C_in) · weight.numel."""
    if isinstance(module, nn.ConvTranspose2d):
        weight = module.weight._data                           # (C_in, C_out/g, K_h, K_w)
        return _per_sample(input) // weight.shape[0] * weight.size
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        weight = module.weight._data                           # (C_out, C_in/g, K_h, K_w)
        return _per_sample(output) // weight.shape[0] * weight.size
    return 0


def _has_bias(module):
    return any(name == "bias" and p is not None for name, p in module.named_parameters())


def _window(module):
    kernel = getattr(module, "kernel_size", None)
    if kernel is None:
        return None
    kernel_h, kernel_w = kernel if isinstance(kernel, (tuple, list)) else (kernel, kernel)
    return kernel_h * kernel_w


def _connections(module, input, output, macs):
    """output units × (inputs read per unit + 1 for a bias); see the module docstring."""
    units = _per_sample(output)
    bias = units if _has_bias(module) else 0
    if isinstance(module, nn.ConvTranspose2d):
        return macs + bias
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        weight = module.weight._data
        return units * (weight.size // weight.shape[0]) + bias
    window = _window(module)                   # pooling, and trainable subsampling built on it
    if window is not None and input is not None and output.ndim == input.ndim:
        return units * window + bias
    return 0


def summary(model, input_shape, dtype=tg.float32):
    """Run ``model`` once on zeros of ``input_shape`` (batch dim included) and
    tabulate every leaf module: output shape, parameters, MACs, connections,
    activations.

    MACs count the multiply-accumulates of ``Conv2d``, ``ConvTranspose2d`` and
    ``Linear`` layers (bias additions excluded); connections are LeCun's
    (inputs feeding each output unit, the bias included; see the module
    docstring); activations are the elements of each leaf
    module's output. Both are **per sample**, whatever the batch size — use a
    batch of 1, the run costs one forward pass. Parameters shared by several
    calls count once in ``total_params``. The model runs under ``no_grad``;
    each leaf module's ``forward`` is wrapped for the run and restored after.

    >>> from tinygrad_cnn import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
    >>> info = summary(model, (1, 1, 28, 28))
    >>> [(row.name, row.output_shape, row.params, row.macs) for row in info.rows]
    [('0', (1, 6, 28, 28), 156, 117600), ('1', (1, 6, 28, 28), 0, 0), ('2', (1, 6, 14, 14), 0, 0)]
    >>> info.total_params, info.total_macs, info.total_activations
    (156, 117600, 10584)
    >>> [row.connections for row in info.rows]       # 28·28·6·(25+1); ReLU 0; 14·14·6·4
    [122304, 0, 4704]
    """
    rows = []
    leaves = [(name, module) for name, module in model.named_modules()
              if len(list(module.named_modules())) == 1]
    wrapped = []

    def recorder(name, module, forward):
        def forward_and_record(*args, **kwargs):
            output = forward(*args, **kwargs)
            if isinstance(output, tg.Tensor):
                input = args[0] if args and isinstance(args[0], tg.Tensor) else None
                macs = _macs(module, input, output)
                rows.append(LayerRow(name=name or type(module).__name__, type=type(module).__name__,
                                     output_shape=tuple(output.shape),
                                     params=_count(module.parameters()), macs=macs,
                                     activations=_per_sample(output),
                                     connections=_connections(module, input, output, macs)))
            return output
        return forward_and_record

    try:
        for name, module in leaves:
            # an instance attribute shadows the class's forward for this run only
            had_own = "forward" in vars(module)
            previous = vars(module).get("forward")
            object.__setattr__(module, "forward", recorder(name, module, module.forward))
            wrapped.append((module, had_own, previous))
        with tg.no_grad():
            model(tg.zeros(*input_shape, dtype=dtype))
    finally:
        for module, had_own, previous in reversed(wrapped):
            if had_own:
                object.__setattr__(module, "forward", previous)
            else:
                object.__delattr__(module, "forward")

    parameters = list({id(p): p for p in model.parameters()}.values())
    return ModelSummary(input_shape=tuple(input_shape), rows=rows,
                        total_params=_count(parameters),
                        trainable_params=_count(p for p in parameters if p.requires_grad))
