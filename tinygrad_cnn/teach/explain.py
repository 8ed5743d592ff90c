"""`explain_backward`: the textbook's back-propagation steps, with real numbers.

For one small layer and one sample, it computes δ^{l-1} and the parameter
gradients by the chapter's formulas (docs/derivations.md), one step at a
time, and checks each result against the autograd engine. Every layer of the
chapter is covered, one family per file:

* convolution (stride, padding, dilation, groups): `explain_conv`;
* max and average pooling, LeNet-5's trainable subsampling S2: `explain_pool`;
* fully connected, softmax with cross-entropy: `explain_dense`.

This file holds the entry point, which turns a module or a kind string into
the layer's arguments, and the helpers the three share: the sample layout,
δ's default, the index base of the printed subscripts, and the f′ ⊙ step of
the previous layer's activation. The result is a `BackwardSteps` (steps.py).
"""
import sys

import numpy as np

import tinygrad_cnn as tg
from .._errors import ShapeError, describe
from .steps import Step, check_step

KINDS = {
    "conv2d": ("conv", "conv2d"),
    "max_pool2d": ("max_pool", "max_pool2d", "maxpool", "maxpool2d"),
    "avg_pool2d": ("avg_pool", "avg_pool2d", "avgpool", "avgpool2d"),
    "subsample": ("subsample", "subsampling", "s2"),
    "linear": ("linear", "fc", "dense"),
    "cross_entropy": ("cross_entropy", "softmax_cross_entropy", "softmax"),
}


def _relu(z):
    """f(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


def _relu_derivative(z):
    """f′(z) = 1[z > 0] (0 at the kink, as the engine takes it)."""
    return (z > 0).astype(np.float64)


def _sigmoid(z):
    """f(z) = σ(z) = 1 / (1 + e⁻ᶻ)."""
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_derivative(z):
    """f′(z) = σ(z)(1 − σ(z))."""
    return (1.0 / (1.0 + np.exp(-z))) * (1.0 - 1.0 / (1.0 + np.exp(-z)))


def _tanh_derivative(z):
    """f′(z) = 1 − tanh²(z) (f is np.tanh)."""
    return 1.0 - np.tanh(z) ** 2


#: name → (f, f′, the rule as text, the rule in LaTeX), as the chapter writes them
ACTIVATIONS = {
    "relu": (_relu, _relu_derivative, "f'(z) = 1[z > 0]", r"f'(z) = \mathbb{1}[z > 0]"),
    "sigmoid": (_sigmoid, _sigmoid_derivative,
                "f'(z) = σ(z)(1 − σ(z))", r"f'(z) = \sigma(z)(1-\sigma(z))"),
    "tanh": (np.tanh, _tanh_derivative, "f'(z) = 1 − tanh²(z)", r"f'(z) = 1 - \tanh^2 z"),
}


def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def as_array(value):
    if value is None:
        return None
    return np.array(value._data if isinstance(value, tg.Tensor) else value, dtype=np.float64)


def channels_first(op, name, array):
    """(H, W) → (1, H, W); (C, H, W) kept; (1, C, H, W) → (C, H, W)."""
    if array.ndim == 2:
        return array[None]
    if array.ndim == 3:
        return array
    if array.ndim == 4 and array.shape[0] == 1:
        return array[0]
    raise ShapeError(f"{op}: {name} must be (H, W), (C, H, W) or (1, C, H, W) — one sample — "
                     f"got {describe(array)}")


def take_delta(op, delta, out_shape, layout=channels_first):
    """δ^l: ones by default, else checked against the layer's output shape."""
    if delta is None:
        return np.ones(out_shape)
    delta = as_array(delta)
    delta = layout(op, "delta", delta) if layout else delta
    if delta.shape != out_shape:
        raise ShapeError(f"{op}: delta must have the layer's output shape {out_shape}, "
                         f"got {describe(delta)}")
    return delta


def subscript(base, *indices):
    """Subscripts in the chosen index base: (0, 1) → "12" 1-based, "01" 0-based;
    a comma separates them once an index has two digits."""
    shown = [str(i + base) for i in indices]
    return ("," if any(len(s) > 1 for s in shown) else "").join(shown)


def index_note(base):
    return ("subscripts are 1-based, as in the chapter: a_11 is a[0, 0], w_11 is W[0, 0]"
            if base == 1 else "subscripts are 0-based, as in NumPy: a_00 is a[0, 0]")


def activation_input(op, activation, z_prev):
    """The layer's input a^{l-1}: z_prev itself, or f(z_prev) when an activation is named."""
    if activation is None:
        return z_prev
    if activation not in ACTIVATIONS:
        raise ValueError(f"{op}: activation must be one of {sorted(ACTIVATIONS)} or None, "
                         f"got {activation!r}")
    return ACTIVATIONS[activation][0](z_prev)


def activation_step(result, activation, z_prev, grad_input, squeeze, labels=()):
    """The previous layer's f′ ⊙ step: δ^{l-1} = f′(z^{l-1}) ⊙ ∂L/∂a^{l-1}, checked
    by running the engine's activation backward on the same ∂L/∂a^{l-1}."""
    _, derivative, text, latex = ACTIVATIONS[activation]
    slope = derivative(z_prev)
    ones_t = tg.tensor(z_prev, requires_grad=True)
    getattr(ones_t, activation)().backward(tg.ones(*z_prev.shape, dtype=tg.float64))
    result.add(check_step(Step("activation_slope", f"f'(z^{{l-1}}) of the previous layer's "
                               f"{activation}: {text}", rf"f'(z^{{l-1}}),\ {latex}",
                               squeeze(slope), labels), squeeze(ones_t.grad._data)))
    z_t = tg.tensor(z_prev, requires_grad=True)
    getattr(z_t, activation)().backward(tg.tensor(grad_input))
    delta_prev = slope * grad_input
    result.autograd["delta_prev"] = squeeze(z_t.grad._data)
    result.add(check_step(Step("delta_prev", "δ^{l-1} = f'(z^{l-1}) ⊙ ∂L/∂a^{l-1}:",
                               r"\delta^{l-1} = f'(z^{l-1}) \odot \partial L/\partial a^{l-1}",
                               squeeze(delta_prev), labels), result.autograd["delta_prev"]))


def _kind_of(name):
    for kind, aliases in KINDS.items():
        if name.lower() in aliases:
            return kind
    raise ValueError(f"explain_backward: unknown kind {name!r}; use one of "
                     f"{', '.join(repr(k) for k in KINDS)}, or pass an nn.Conv2d, MaxPool2d, "
                     "AvgPool2d or Linear module")


def explain_backward(layer_or_kind, x, weight=None, bias=None, *, kernel_size=None, stride=None,
                     padding=0, dilation=1, groups=1, beta=None, target=None, delta=None,
                     activation=None, equations=None, index_base=1, file=None):
    """Show the textbook's backward steps for one small layer, checked against autograd.

    ``layer_or_kind`` is a module (``nn.Conv2d``, ``nn.MaxPool2d``,
    ``nn.AvgPool2d``, ``nn.Linear``, or a trainable subsampling module with
    ``beta`` and ``bias`` parameters such as LeNet-5's S2) or a kind string:

    * ``"conv2d"``: ``weight`` (U, V) or (C_out, C_in/groups, U, V), ``bias``,
      ``stride``, ``padding``, ``dilation``, ``groups``;
    * ``"max_pool2d"``, ``"avg_pool2d"``: ``kernel_size``, ``stride``, ``padding``;
    * ``"subsample"`` (S2, ``S = β·down(a) + b`` over 2×2 windows): ``beta``, ``bias`` (C,);
    * ``"linear"``: ``weight`` (out, in), ``bias`` (out,);
    * ``"cross_entropy"``: ``x`` are the logits (classes,) or (N, classes),
      ``target`` the class index (or N indices).

    ``x`` is one sample: (H, W), (C, H, W) or (1, C, H, W) for the map
    layers, (in,) for ``"linear"``. ``delta`` is δ^l = ∂L/∂z^l shaped like the
    layer's output (default all ones). With ``activation="relu" | "sigmoid" |
    "tanh"``, ``x`` is z^{l-1}, the previous layer's net input, the layer reads
    a^{l-1} = f(z^{l-1}), and the last step is δ^{l-1} = f′(z^{l-1}) ⊙ ∂L/∂a^{l-1}.
    ``equations`` (default: when the layer is small) adds the per-entry
    equations; ``index_base`` (1, the chapter's, or 0) sets their subscripts.

    The steps are printed to ``file`` (default stdout; ``file=False`` prints
    nothing) and returned as a `BackwardSteps`: iterate or index it for the
    steps, ``result["delta_prev"]`` for an array; it renders as text,
    Markdown and HTML. Arrays keep the layout you passed: a 2-D x and kernel
    give 2-D maps.

    The worked example of docs/derivations.md, 3×3 input, 2×2 kernel, δ all ones:

    >>> w = np.array([[1.0, 2.0], [3.0, 4.0]])          # w11 w12 / w21 w22
    >>> out = explain_backward("conv2d", np.arange(9.0).reshape(3, 3), w, file=False)
    >>> out["delta_prev"]                                # [[w11, w11+w12, w12], ...]
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    >>> out["grad_weight"]                               # a ⊗ δ: window sums of x
    array([[ 8., 12.],
           [20., 24.]])
    >>> [step.name for step in out][:3], out.checks
    (['delta_padded', 'rot180_kernel', 'delta_prev'], ['delta_prev', 'grad_weight', 'grad_bias'])
    >>> print(out[2].equations[1][0])                    # the notes' ∂E/∂a12, 1-based
    ∂L/∂a_12 = δ_11·w_12 + δ_12·w_11 = 1·2 + 1·1 = 3
    """
    from .explain_conv import explain_conv
    from .explain_dense import explain_cross_entropy, explain_linear
    from .explain_pool import explain_pool, explain_subsample

    if index_base not in (0, 1):
        raise ValueError(f"explain_backward: index_base must be 0 or 1, got {index_base!r}")
    options = dict(equations=equations, base=index_base)
    kind, layer = _resolve(layer_or_kind, weight, bias, kernel_size, stride, padding, dilation,
                           groups, beta)
    x = as_array(x)
    if x is None:
        raise TypeError("explain_backward: x (the layer's input) is required")
    if kind == "conv2d":
        result = explain_conv(x, delta, activation, **layer, **options)
    elif kind in ("max_pool2d", "avg_pool2d"):
        result = explain_pool(kind, x, delta, activation, **layer, **options)
    elif kind == "subsample":
        result = explain_subsample(x, delta, activation, **layer, **options)
    elif kind == "linear":
        result = explain_linear(x, delta, activation, **layer, **options)
    else:
        if target is None:
            raise TypeError("explain_backward('cross_entropy', logits, target=...): "
                            "the target class is required")
        result = explain_cross_entropy(x, target, **options)
    if file is not False:
        print(result.to_text(), file=sys.stdout if file is None else file)
    return result


def _resolve(layer_or_kind, weight, bias, kernel_size, stride, padding, dilation, groups, beta):
    """Turn a module, or a kind string plus keywords, into (kind, layer arguments)."""
    if isinstance(layer_or_kind, str):
        kind = _kind_of(layer_or_kind)
        if kind in ("conv2d", "linear"):
            if weight is None:
                raise TypeError(f"explain_backward('{kind}', x, weight): "
                                "the weight is required")
            if kind == "linear":
                return kind, dict(weight=as_array(weight), bias=as_array(bias))
            return kind, dict(weight=as_array(weight), bias=as_array(bias),
                              has_bias=bias is not None,
                              stride=pair(1 if stride is None else stride),
                              padding=pair(padding), dilation=pair(dilation), groups=groups)
        if kind in ("max_pool2d", "avg_pool2d"):
            if kernel_size is None:
                raise TypeError(f"explain_backward('{kind}', x, kernel_size=...): "
                                "kernel_size is required")
            kernel = pair(kernel_size)
            return kind, dict(kernel_size=kernel, stride=kernel if stride is None else pair(stride),
                              padding=pair(padding))
        if kind == "subsample":
            if beta is None or bias is None:
                raise TypeError("explain_backward('subsample', x, beta=..., bias=...): "
                                "S2's coefficient β and bias b are required, one per map")
            return kind, dict(beta=as_array(beta), bias=as_array(bias))
        return kind, {}
    return _resolve_module(layer_or_kind)


def _resolve_module(module):
    from .conv_matrix import same_padding

    name = type(module).__name__
    if name == "Conv2d":
        padding = module.padding
        if padding == "valid":
            padding = 0
        elif padding == "same":          # raises, explaining why, when (K-1)·D is odd
            padding = same_padding(tuple(module.kernel_size), tuple(module.dilation))
        return "conv2d", dict(weight=as_array(module.weight), bias=as_array(module.bias),
                              has_bias=module.bias is not None, stride=pair(module.stride),
                              padding=pair(padding), dilation=pair(module.dilation),
                              groups=module.groups)
    if name in ("MaxPool2d", "AvgPool2d"):
        if name == "AvgPool2d" and not getattr(module, "count_include_pad", True) \
                and pair(module.padding) != (0, 0):
            raise NotImplementedError("explain_backward: AvgPool2d(count_include_pad=False) "
                                      "with padding is not explained; every window is divided "
                                      "by k·k here")
        kernel = pair(module.kernel_size)
        module_stride = getattr(module, "stride", None)
        return ("max_pool2d" if name == "MaxPool2d" else "avg_pool2d",
                dict(kernel_size=kernel,
                     stride=kernel if module_stride is None else pair(module_stride),
                     padding=pair(getattr(module, "padding", 0))))
    if name == "Linear":
        return "linear", dict(weight=as_array(module.weight), bias=as_array(module.bias))
    if hasattr(module, "beta") and hasattr(module, "bias"):
        return "subsample", dict(beta=as_array(module.beta), bias=as_array(module.bias))
    raise TypeError(f"explain_backward: cannot explain a {name}; pass an nn.Conv2d, "
                    "nn.MaxPool2d, nn.AvgPool2d, nn.Linear or a subsampling module with beta "
                    "and bias, or a kind string")
