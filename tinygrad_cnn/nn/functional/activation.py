"""Activations and softmax: `relu`, `sigmoid`, `tanh`, `leaky_relu`; the smooth
ones `gelu`, `elu`, `selu`, `celu`, `silu`, `mish`, `softplus`, `logsigmoid`,
`softsign`, `tanhshrink`; the piecewise ones `hardtanh`, `relu6`,
`hardsigmoid`, `hardswish`, `threshold`, `prelu`; and `glu`, `softmax`,
`log_softmax`, `softmin`. The backward rules are in `nn.activation_ops`,
`nn.activation_ops_smooth` and `nn.activation_ops_piecewise`.

``inplace=True`` (wherever PyTorch has it) writes the result into the input,
with PyTorch's in-place rules (see `tinygrad_cnn.ops.inplace`): refused on a
leaf that requires grad, recorded in the graph on a non-leaf.
"""
import warnings

import numpy as np

from ..._errors import DTypeError, ShapeError, describe
from ...ops.inplace import write_back
from ..activation_ops import Glu, LeakyRelu, LogSoftmax, Softmax, Softmin
from ..activation_ops_piecewise import Hardsigmoid, Hardswish, Hardtanh, Prelu, Relu6, Threshold
from ..activation_ops_smooth import (
    SELU_ALPHA, SELU_SCALE, Celu, Elu, Gelu, LogSigmoid, Mish, Selu, Silu, Softplus, Softsign,
    Tanhshrink,
)


def _in_place(input, result, inplace, op):
    """``inplace=True``: the result written into ``input``, which is returned."""
    return write_back(input, result, op + "_") if inplace else result


def relu(input, inplace=False):
    """``max(x, 0)`` (the core op ``Tensor.relu``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.relu(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    out = input.relu()
    return _in_place(input, out, inplace, "relu")


def sigmoid(input):
    """``1 / (1 + e⁻ˣ)`` (the core op ``Tensor.sigmoid``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.sigmoid(tg.tensor([0.0]))
    tensor([0.5000])
    """
    return input.sigmoid()


def tanh(input):
    """``tanh x`` (the core op ``Tensor.tanh``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.tanh(tg.tensor([0.0]))
    tensor([0.])
    """
    return input.tanh()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` for x > 0, ``negative_slope · x`` otherwise.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.leaky_relu(tg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    out = LeakyRelu.apply(input, negative_slope=float(negative_slope))
    return _in_place(input, out, inplace, "leaky_relu")


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``dim`` (``dtype``: cast the input first).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.softmax(tg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    input = _cast(input, dtype)
    return Softmax.apply(input, dim=_dim("softmax", dim, input, _stacklevel))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x − log Σ_j e^{x_j}`` along ``dim``, computed stably.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.log_softmax(tg.tensor([1e4, 0.0]), dim=0)
    tensor([     0., -10000.])
    """
    input = _cast(input, dtype)
    return LogSoftmax.apply(input, dim=_dim("log_softmax", dim, input, _stacklevel))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(−x)`` along ``dim``: most weight on the smallest entries.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.softmin(tg.tensor([0.0, 1e4]), dim=0)
    tensor([1., 0.])
    """
    input = _cast(input, dtype)
    return Softmin.apply(input, dim=_dim("softmin", dim, input, _stacklevel))


# ----- smooth --------------------------------------------------------------------------
def gelu(input, approximate="none"):
    """``x·Φ(x)`` (Φ: the standard normal CDF); ``approximate='tanh'``:
    ``x·(1 + tanh(√(2/π)(x + 0.044715 x³)))/2``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.gelu(tg.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    _floating("gelu", input)
    return Gelu.apply(input, approximate=approximate)


def elu(input, alpha=1.0, inplace=False):
    """``x`` for x > 0, ``α(eˣ − 1)`` otherwise.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.elu(tg.tensor([-1e4, 2.0]))
    tensor([-1.,  2.])
    """
    _floating("elu", input)
    out = Elu.apply(input, alpha=float(alpha))
    return _in_place(input, out, inplace, "elu")


def selu(input, inplace=False):
    """``λ·elu(x, α)`` with PyTorch's λ ≈ 1.0507, α ≈ 1.6733 (self-normalising).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.selu(tg.tensor([-1e4, 1.0]))                        # −λα, λ
    tensor([-1.7581,  1.0507])
    """
    _floating("selu", input)
    out = Selu.apply(input, alpha=SELU_ALPHA, scale=SELU_SCALE)
    return _in_place(input, out, inplace, "selu")


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, α(e^{x/α} − 1))``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.celu(tg.tensor([-1e4, 2.0]), alpha=0.5)
    tensor([-0.5000,  2.0000])
    """
    _floating("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 (celu divides x by alpha)")
    out = Celu.apply(input, alpha=float(alpha), input_scale=1.0 / alpha)
    return _in_place(input, out, inplace, "celu")


def silu(input, inplace=False):
    """``x·σ(x)`` (also called swish).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.silu(tg.tensor([0.0, 1e4]))
    tensor([    0., 10000.])
    """
    _floating("silu", input)
    out = Silu.apply(input)
    return _in_place(input, out, inplace, "silu")


def mish(input, inplace=False):
    """``x·tanh(softplus(x))``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.mish(tg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """
    _floating("mish", input)
    out = Mish.apply(input)
    return _in_place(input, out, inplace, "mish")


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + e^{βx}) / β``, and x itself where βx > threshold.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.softplus(tg.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    _floating("softplus", input)
    return Softplus.apply(input, beta=float(beta), threshold=float(threshold))


def logsigmoid(input):
    """``log σ(x) = −softplus(−x)``, finite for any x.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.logsigmoid(tg.tensor([0.0, -1e4]))
    tensor([-6.9315e-01, -1.0000e+04])
    """
    _floating("logsigmoid", input)
    return LogSigmoid.apply(input)


def softsign(input):
    """``x / (1 + |x|)``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.softsign(tg.tensor([-3.0, 1.0]))
    tensor([-0.7500,  0.5000])
    """
    _floating("softsign", input)
    return Softsign.apply(input)


def tanhshrink(input):
    """``x − tanh x``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.tanhshrink(tg.tensor([0.0]))
    tensor([0.])
    """
    _floating("tanhshrink", input)
    return Tanhshrink.apply(input)


# ----- piecewise -------------------------------------------------------------------------
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clip(x, min_val, max_val)``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.hardtanh(tg.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    _floating("hardtanh", input)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    out = Hardtanh.apply(input, min_val=float(min_val), max_val=float(max_val))
    return _in_place(input, out, inplace, "hardtanh")


def relu6(input, inplace=False):
    """``min(max(x, 0), 6)``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.relu6(tg.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    _floating("relu6", input)
    out = Relu6.apply(input, min_val=0.0, max_val=6.0)
    return _in_place(input, out, inplace, "relu6")


def hardsigmoid(input, inplace=False):
    """``clip(x/6 + 1/2, 0, 1)``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.hardsigmoid(tg.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    _floating("hardsigmoid", input)
    out = Hardsigmoid.apply(input)
    return _in_place(input, out, inplace, "hardsigmoid")


def hardswish(input, inplace=False):
    """``x · hardsigmoid(x)``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.hardswish(tg.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    _floating("hardswish", input)
    out = Hardswish.apply(input)
    return _in_place(input, out, inplace, "hardswish")


def threshold(input, threshold, value, inplace=False):
    """``value`` where x ≤ threshold, else x.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.threshold(tg.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    _floating("threshold", input)
    out = Threshold.apply(input, threshold=float(threshold), value=float(value))
    return _in_place(input, out, inplace, "threshold")


def prelu(input, weight):
    """``x`` for x > 0, ``a_c · x`` otherwise, with ``weight`` a (one slope, or one
    per channel in dim 1).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.prelu(tg.tensor([[-1.0, -1.0], [2.0, -4.0]]), tg.tensor([0.5, 0.25]))
    tensor([[-0.5000, -0.2500],
            [ 2.0000, -1.0000]])
    """
    _floating("prelu", input)
    if weight.dtype != input.dtype:
        raise DTypeError(f"prelu: weight {describe(weight)} must have the input's dtype "
                         f"({describe(input)})")
    if weight.numel() != 1:
        if input.ndim == 0:
            raise ValueError(f"prelu: a zero-dim input takes one slope, got weight "
                             f"{describe(weight)}")
        channels = input.shape[1] if input.ndim > 1 else 1
        if weight.ndim != 1 or weight.shape[0] != channels:
            raise ShapeError(f"prelu: weight must hold 1 slope or one per channel (input dim 1 "
                             f"has {channels}), got weight {describe(weight)} for input "
                             f"{describe(input)}")
    return Prelu.apply(input, weight)


def glu(input, dim=-1):
    """Gated linear unit ``a ⊙ σ(b)``, where a and b are the two halves of x along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.glu(tg.tensor([[2.0, 4.0, 0.0, 0.0]]))               # σ(0) = 1/2
    tensor([[1., 2.]])
    """
    _floating("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu: glu does not support scalars because the halving size "
                           "must be even")
    axis = _dim("glu", dim, input)
    if input.shape[axis] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {axis} is "
                           f"size {input.shape[axis]} (input {describe(input)})")
    return Glu.apply(input, dim=axis)


def _floating(op, input):
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")


def _cast(input, dtype):
    return input if dtype is None else input.to(dtype)


def _dim(op, dim, input, stacklevel=None):
    """``dim`` normalised to 0 … ndim−1. ``None`` (softmax family only) picks PyTorch's
    implicit dim — 0 for 0-, 1- and 3-D input, else 1 — with PyTorch's warning."""
    if dim is None and stacklevel is not None:
        warnings.warn(f"{op}: Implicit dimension choice for {op} has been deprecated. Change "
                      "the call to include dim=X as an argument.", UserWarning,
                      stacklevel=stacklevel)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -max(input.ndim, 1) <= dim < max(input.ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for {describe(input)}")
    return int(dim) % max(input.ndim, 1)
