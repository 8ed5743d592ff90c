"""`explain_backward`: the textbook's back-propagation steps, with real numbers.

For a small convolution or pooling layer and input, it computes δ^{l-1} and
the parameter gradients by the formulas of DERIVATIONS.md, one printed step at
a time, and checks every result against the autograd engine (``F.conv2d`` /
``F.max_pool2d`` / ``F.avg_pool2d`` and ``backward``).

Convolution (``z = W ⊗ a + b``; stride S, padding P, dilation D):

1. stride: insert S−1 zeros between neighbouring entries of δ^l (the stride-1
   map it skipped);
2. dilation: insert D−1 zeros between the kernel's taps (K_eff = K + (K−1)(D−1));
3. ``δ^{(l-1,d)} = Σ_p rot180(W^{(p,d)}) ⊗̃ δ^{(p)}``
   ``= Σ_p pad_{K_eff−1}(δ^{(p)}) ⊗ rot180(W^{(p,d)})`` on the padded input, then
   crop P from each border (times f'(z^{l-1}) if the previous layer has an
   activation — not part of this layer);
4. ``∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}`` (on the padded input, zero-inserted δ);
5. ``∂L/∂b^{(p)} = Σ_{i,j} δ^{(p)}_{ij}``.

Pooling: max pooling routes each δ to the recorded argmax of its window;
average pooling spreads δ/(k·k) over the window (``up(δ)/k²``).
"""
import sys
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_cnn as tg
from .._errors import ShapeError, describe
from ..nn import functional as F
from .conv_matrix import cross_correlate, rot180, same_padding

_CONV_KINDS = {"conv", "conv2d"}
_MAX_KINDS = {"max_pool", "max_pool2d", "maxpool", "maxpool2d"}
_AVG_KINDS = {"avg_pool", "avg_pool2d", "avgpool", "avgpool2d"}


@dataclass
class BackwardSteps:
    """What `explain_backward` computed.

    ``steps`` maps each step's name to its array, in the order printed;
    ``autograd`` holds the engine's gradients the steps were checked against.
    ``result["delta_prev"]`` is a shortcut for ``result.steps["delta_prev"]``.
    """

    kind: str
    steps: dict = field(default_factory=dict)
    autograd: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.steps[name]


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _array(value):
    if value is None:
        return None
    return np.array(value._data if isinstance(value, tg.Tensor) else value, dtype=np.float64)


def _channels_first(op, name, array):
    """(H, W) → (1, H, W); (C, H, W) kept; (1, C, H, W) → (C, H, W)."""
    if array.ndim == 2:
        return array[None]
    if array.ndim == 3:
        return array
    if array.ndim == 4 and array.shape[0] == 1:
        return array[0]
    raise ShapeError(f"{op}: {name} must be (H, W), (C, H, W) or (1, C, H, W) — one sample — "
                     f"got {describe(array)}")


class _Printer:
    """Prints titled arrays and check marks to ``file``."""

    def __init__(self, file, squeeze):
        self.file = sys.stdout if file is None else file
        self.squeeze = squeeze
        self.steps_shown = 0

    def step(self, title, array):
        """Print the next numbered step: the rule it applies, then its array."""
        self.steps_shown += 1
        self.array(f"step {self.steps_shown}  {title}", array)

    def text(self, line=""):
        print(line, file=self.file)

    def array(self, title, array):
        shown = self.squeeze(array)
        self.text(title)
        body = np.array2string(np.asarray(shown), precision=4, suppress_small=True,
                               floatmode="maxprec", separator=" ")
        for line in body.splitlines():
            self.text("    " + line)

    def check(self, name, mine, engine):
        if not np.allclose(mine, engine, rtol=1e-7, atol=1e-9):
            raise AssertionError(f"explain_backward: step '{name}' disagrees with autograd:\n"
                                 f"formula:\n{mine}\nautograd:\n{engine}")
        self.text("    ✓ matches autograd")


# --------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------
def explain_backward(layer_or_kind, x, weight=None, bias=None, *, kernel_size=None, stride=None,
                     padding=0, dilation=1, delta=None, file=None):
    """Print the textbook's backward steps for one small layer, checked against autograd.

    ``layer_or_kind`` is an ``nn.Conv2d`` / ``nn.MaxPool2d`` / ``nn.AvgPool2d``
    module (its weight, bias, stride … are used), or one of the strings
    ``"conv2d"``, ``"max_pool2d"``, ``"avg_pool2d"`` with the keywords.
    ``x`` is one sample: (H, W), (C, H, W) or (1, C, H, W). ``delta`` is
    δ^l = ∂L/∂z^l shaped like the layer's output (default: all ones). Steps
    are printed to ``file`` (default stdout). Arrays in the result have the
    layout you passed: a 2-D x (and a 2-D kernel) give 2-D maps.

    Shape: conv weight (U, V) or (C_out, C_in, U, V), bias (C_out,);
    ``delta`` (H_out, W_out) or (C_out, H_out, W_out).

    The worked example of DERIVATIONS.md, 3×3 input, 2×2 kernel, δ all ones:

    >>> import io
    >>> w = np.array([[1.0, 2.0], [3.0, 4.0]])          # w11 w12 / w21 w22
    >>> out = explain_backward("conv2d", np.arange(9.0).reshape(3, 3), w, file=io.StringIO())
    >>> out["delta_prev"]                                # [[w11, w11+w12, w12], ...]
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    >>> out["grad_weight"]                               # a ⊗ δ: window sums of x
    array([[ 8., 12.],
           [20., 24.]])
    """
    kind, options = _resolve(layer_or_kind, weight, bias, kernel_size, stride, padding, dilation)
    x = _array(x)
    if x is None:
        raise TypeError("explain_backward: x (the layer's input) is required")
    if kind == "conv2d":
        return _explain_conv(x, delta, file, **options)
    return _explain_pool(kind, x, delta, file, **options)


def _resolve(layer_or_kind, weight, bias, kernel_size, stride, padding, dilation):
    """Turn a module or a kind string plus keywords into (kind, options)."""
    if isinstance(layer_or_kind, str):
        kind = layer_or_kind.lower()
        if kind in _CONV_KINDS:
            if weight is None:
                raise TypeError("explain_backward('conv2d', x, weight): "
                                "the kernel weight is required")
            return "conv2d", dict(weight=_array(weight), bias=_array(bias),
                                  has_bias=bias is not None,
                                  stride=_pair(1 if stride is None else stride),
                                  padding=_pair(padding), dilation=_pair(dilation))
        if kind in _MAX_KINDS or kind in _AVG_KINDS:
            if kernel_size is None:
                raise TypeError(f"explain_backward('{kind}', x, kernel_size=...): "
                                "kernel_size is required")
            kernel = _pair(kernel_size)
            return ("max_pool2d" if kind in _MAX_KINDS else "avg_pool2d",
                    dict(kernel_size=kernel, stride=kernel if stride is None else _pair(stride),
                         padding=_pair(padding)))
        raise ValueError(f"explain_backward: unknown kind {layer_or_kind!r}; use 'conv2d', "
                         "'max_pool2d' or 'avg_pool2d', or pass an nn.Conv2d / MaxPool2d / "
                         "AvgPool2d module")

    module = layer_or_kind
    name = type(module).__name__
    if name == "Conv2d":
        if getattr(module, "groups", 1) != 1:
            raise NotImplementedError("explain_backward: grouped convolutions (groups > 1) are "
                                      "not explained; every output channel must read every "
                                      "input channel")
        padding = module.padding
        if padding == "valid":
            padding = 0
        elif padding == "same":          # raises, explaining why, when (K-1)·D is odd
            padding = same_padding(tuple(module.kernel_size), tuple(module.dilation))
        return "conv2d", dict(weight=_array(module.weight), bias=_array(module.bias),
                              has_bias=module.bias is not None, stride=_pair(module.stride),
                              padding=_pair(padding), dilation=_pair(module.dilation))
    if name in ("MaxPool2d", "AvgPool2d"):
        if name == "AvgPool2d" and not getattr(module, "count_include_pad", True) \
                and _pair(module.padding) != (0, 0):
            raise NotImplementedError("explain_backward: AvgPool2d(count_include_pad=False) "
                                      "with padding is not explained; every window is divided "
                                      "by k·k here")
        kernel = _pair(module.kernel_size)
        module_stride = getattr(module, "stride", None)
        return ("max_pool2d" if name == "MaxPool2d" else "avg_pool2d",
                dict(kernel_size=kernel,
                     stride=kernel if module_stride is None else _pair(module_stride),
                     padding=_pair(getattr(module, "padding", 0))))
    raise TypeError(f"explain_backward: cannot explain a {name}; pass an nn.Conv2d, "
                    "nn.MaxPool2d or nn.AvgPool2d, or a kind string")


def _take_delta(op, delta, out_shape):
    """δ^l as (C, H_out, W_out): ones by default, else checked against the output."""
    if delta is None:
        return np.ones(out_shape)
    delta = _channels_first(op, "delta", _array(delta))
    if delta.shape != out_shape:
        raise ShapeError(f"{op}: delta must have the layer's output shape {out_shape} "
                         f"(C, H_out, W_out), got {describe(delta)}")
    return delta


# --------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------
def _insert_zeros(maps, step, length):
    """Put maps[..., i, j] at (i·step[0], j·step[1]) of a zero array whose last
    two dims are ``length``: stride's zero insertion, dilation's spread taps."""
    spread = np.zeros(maps.shape[:-2] + tuple(length))
    spread[..., ::step[0], ::step[1]][..., :maps.shape[-2], :maps.shape[-1]] = maps
    return spread


def _explain_conv(x, delta, file, weight, bias, has_bias, stride, padding, dilation):
    op = "explain_backward(conv2d)"
    squeeze_2d = x.ndim == 2 and weight.ndim == 2
    x = _channels_first(op, "x", x)                                   # (C_in, H, W)
    if weight.ndim == 2:
        weight = weight[None, None]
    if weight.ndim != 4 or weight.shape[1] != x.shape[0]:
        raise ShapeError(f"{op}: weight must be (U, V) or (C_out, C_in, U, V) with C_in = "
                         f"{x.shape[0]} input channels, got {describe(weight)}")
    c_out, c_in, kernel_h, kernel_w = weight.shape
    if bias is None:
        bias = np.zeros(c_out)                  # δ-wise the same; the gradient is still shown
    if bias.shape != (c_out,):
        raise ShapeError(f"{op}: bias must be ({c_out},), got {describe(bias)}")

    # the engine's answer, to check each step against
    x_t = tg.tensor(x[None], requires_grad=True)
    w_t = tg.tensor(weight, requires_grad=True)
    b_t = tg.tensor(bias, requires_grad=True)
    z_t = F.conv2d(x_t, w_t, b_t, stride=stride, padding=padding, dilation=dilation)
    z = z_t._data[0]                                                   # (C_out, H_out, W_out)
    delta = _take_delta(op, delta, z.shape)
    z_t.backward(tg.tensor(delta[None]))

    def squeeze(array):
        if not squeeze_2d:
            return array
        return array.reshape(array.shape[-2:]) if array.ndim >= 2 else array.reshape(())

    show = _Printer(file, squeeze)
    result = BackwardSteps("conv2d")
    result.autograd = {"delta_prev": squeeze(x_t.grad._data[0]),
                       "grad_weight": squeeze(w_t.grad._data),
                       "grad_bias": squeeze(b_t.grad._data)}

    span_h = dilation[0] * (kernel_h - 1) + 1                        # K_eff = K + (K-1)(D-1)
    span_w = dilation[1] * (kernel_w - 1) + 1
    x_padded = np.pad(x, ((0, 0), (padding[0],) * 2, (padding[1],) * 2))   # (C_in, H+2P, W+2P)
    # the stride-1 output size on the padded input; a stride > 1 kept every S-th entry of it
    full_h = x_padded.shape[1] - span_h + 1
    full_w = x_padded.shape[2] - span_w + 1

    show.text(f"conv2d backward: input {squeeze(x).shape}, weight {squeeze(weight).shape}, "
              f"stride {stride}, "
              f"padding {padding}, dilation {dilation}")
    show.array("forward: z^l = W ⊗ a^{l-1} + b  (from the engine):", z)
    show.array("given:   δ^l = ∂L/∂z^l:", delta)

    delta_dilated = _insert_zeros(delta, stride, (full_h, full_w))   # (C_out, full_h, full_w)
    if stride != (1, 1):
        show.step(f"stride {stride}: insert S-1 zeros between the entries of δ^l "
                   "(the stride-1 map it skipped):", delta_dilated)
    kernel = _insert_zeros(weight, dilation, (span_h, span_w))       # (C_out, C_in, K_eff, K_eff)
    if dilation != (1, 1):
        show.step(f"dilation {dilation}: insert D-1 zeros between the kernel taps:",
                   kernel)

    pad_h, pad_w = span_h - 1, span_w - 1
    delta_padded = np.pad(delta_dilated, ((0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    show.step(f"pad δ with K-1 = {(pad_h, pad_w)} zeros on each side (wide ⊗̃):",
               delta_padded)
    kernel_rotated = rot180(kernel)
    show.step("rot180(W):", kernel_rotated)

    # δ^{(l-1,d)} = Σ_p pad(δ^{(p)}) ⊗ rot180(W^{(p,d)}), on the padded input
    delta_prev_padded = np.zeros_like(x_padded)
    for d in range(c_in):
        for p in range(c_out):
            delta_prev_padded[d] += cross_correlate(kernel_rotated[p, d], delta_padded[p])
    top, left = padding
    delta_prev = delta_prev_padded[:, top:top + x.shape[1], left:left + x.shape[2]]
    if padding != (0, 0):
        show.step("Σ_p pad(δ^p) ⊗ rot180(W^{p,d}) on the padded input:",
                   delta_prev_padded)
        show.step(f"crop padding {padding} from each border: "
                   "δ^{l-1} = ∂L/∂a^{l-1}:", delta_prev)
    else:
        show.step("δ^{l-1} = Σ_p rot180(W^{p,d}) ⊗̃ δ^p = ∂L/∂a^{l-1}:", delta_prev)
    show.check("delta_prev", squeeze(delta_prev), result.autograd["delta_prev"])
    show.text("    (δ^{l-1} of the previous layer is this ⊙ f'(z^{l-1}) "
              "if it has an activation)")

    # ∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}; with dilation only every D-th tap is a real weight
    grad_kernel = np.zeros_like(kernel)
    for p in range(c_out):
        for d in range(c_in):
            grad_kernel[p, d] = cross_correlate(delta_dilated[p], x_padded[d])
    grad_weight = grad_kernel[..., ::dilation[0], ::dilation[1]]
    show.step("∂L/∂W^{p,d} = a^{l-1,d} ⊗ δ^p  (∂L/∂w_ij = Σ_mn δ_mn a_{i+m,j+n}):",
               grad_weight)
    show.check("grad_weight", squeeze(grad_weight), result.autograd["grad_weight"])

    grad_bias = delta.sum(axis=(1, 2))                              # (C_out,)
    note = "" if has_bias else "  (this layer has no bias; shown for completeness)"
    show.step("∂L/∂b^p = Σ_ij δ^p_ij:" + note, grad_bias)
    show.check("grad_bias", squeeze(grad_bias), result.autograd["grad_bias"])

    result.steps = {name: squeeze(array) for name, array in [
        ("z", z), ("delta", delta), ("delta_dilated", delta_dilated), ("kernel_dilated", kernel),
        ("delta_padded", delta_padded), ("rot180_kernel", kernel_rotated),
        ("delta_prev_padded", delta_prev_padded), ("delta_prev", delta_prev),
        ("grad_weight", grad_weight), ("grad_bias", grad_bias)]}
    return result


# --------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------
def _explain_pool(kind, x, delta, file, kernel_size, stride, padding):
    op = f"explain_backward({kind})"
    squeeze_2d = x.ndim == 2
    x = _channels_first(op, "x", x)                                   # (C, H, W)
    channels = x.shape[0]
    (k_h, k_w), (s_h, s_w), (p_h, p_w) = kernel_size, stride, padding

    x_t = tg.tensor(x[None], requires_grad=True)
    pool = F.max_pool2d if kind == "max_pool2d" else F.avg_pool2d
    z_t = pool(x_t, kernel_size, stride=stride, padding=padding)
    z = z_t._data[0]                                                   # (C, H_out, W_out)
    delta = _take_delta(op, delta, z.shape)
    z_t.backward(tg.tensor(delta[None]))

    def squeeze(array):
        return array[0] if squeeze_2d and array.shape[:1] == (1,) else array

    show = _Printer(file, squeeze)
    result = BackwardSteps(kind)
    result.autograd = {"delta_prev": squeeze(x_t.grad._data[0])}

    # max pooling pads with -inf (a padded cell never wins), average pooling with zeros
    fill = -np.inf if kind == "max_pool2d" else 0.0
    x_padded = np.pad(x, ((0, 0), (p_h, p_h), (p_w, p_w)), constant_values=fill)
    windows = sliding_window_view(x_padded, (k_h, k_w), axis=(1, 2))[:, ::s_h, ::s_w]
    windows = windows[:, :z.shape[1], :z.shape[2]]                    # (C, H_out, W_out, k_h, k_w)
    routed = np.zeros_like(x_padded)                                  # (C, H+2P, W+2P)

    show.text(f"{kind} backward: input {squeeze(x).shape}, kernel {kernel_size}, stride {stride}, "
              f"padding {padding}")
    show.array("forward: pooled output (from the engine):", z)
    show.array("given:   δ^l = ∂L/∂z^l:", delta)

    if kind == "max_pool2d":
        # the forward recorded where each window's maximum was (the first one on ties)
        flat = windows.reshape(windows.shape[:3] + (-1,)).argmax(axis=-1)    # (C, H_out, W_out)
        rows = np.arange(z.shape[1])[:, None] * s_h + flat // k_w - p_h
        cols = np.arange(z.shape[2])[None, :] * s_w + flat % k_w - p_w
        positions = np.stack([rows, cols], axis=-1)                   # (C, H_out, W_out, 2)
        show.steps_shown += 1
        show.text(f"step {show.steps_shown}  the recorded argmax of each window "
                  "(row, col in the input) and its δ:")
        for c in range(channels):
            for i in range(z.shape[1]):
                cells = "  ".join(f"{tuple(int(n) for n in positions[c, i, j])}"
                                  f" ← δ={delta[c, i, j]:g}" for j in range(z.shape[2]))
                prefix = f"channel {c}: " if channels > 1 else ""
                show.text(f"    {prefix}{cells}")
        for c in range(channels):
            for i in range(z.shape[1]):
                for j in range(z.shape[2]):
                    # δ goes to the winner; overlapping windows add up
                    row, col = positions[c, i, j] + (p_h, p_w)      # in the padded input
                    routed[c, row, col] += delta[c, i, j]
        delta_prev = routed[:, p_h:p_h + x.shape[1], p_w:p_w + x.shape[2]]
        show.step("route δ to the argmax positions, 0 elsewhere: δ^{l-1}:", delta_prev)
        result.steps["argmax_positions"] = squeeze(positions)
    else:
        share = delta / (k_h * k_w)                                   # δ/(k·k) for every cell
        show.step(f"δ/(k·k) = δ/{k_h * k_w}:", share)
        for i in range(z.shape[1]):
            for j in range(z.shape[2]):
                window = routed[:, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
                window += share[:, i:i + 1, j:j + 1]                # a view: adds into routed
        delta_prev = routed[:, p_h:p_h + x.shape[1], p_w:p_w + x.shape[2]]
        title = "spread δ/(k·k) over each window"
        if (s_h, s_w) == (k_h, k_w) and padding == (0, 0):
            title += " = up(δ)/k² (Kronecker product with a block of ones)"
        show.step(title + ": δ^{l-1}:", delta_prev)
        result.steps["delta_share"] = squeeze(share)
    show.check("delta_prev", squeeze(delta_prev), result.autograd["delta_prev"])

    result.steps = {"z": squeeze(z), "delta": squeeze(delta), **result.steps,
                    "delta_prev": squeeze(delta_prev)}
    return result
