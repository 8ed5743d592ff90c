"""The core activation functions: tanh, sigmoid and relu.

They are here, not in ``nn``, because they are Tensor methods too
(``x.relu()``); ``nn.functional`` and the ``nn`` layers (ReLU, Sigmoid, Tanh)
call these. The other activations (gelu, elu, silu, …) live in
``nn/activation_ops*.py``. Each backward is written from the output z, which
the forward saves.
"""
import numpy as np

from ..function import Function
from .unary import as_float


class Tanh(Function):
    """z = tanh x, so ∂L/∂x = δ ⊙ (1 − z²)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return delta * (1 - out * out)


def logistic(x):
    """σ(x) = 1 / (1 + e⁻ˣ) to full relative precision for every x: with
    e = e^{−|x|} ≤ 1, σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0, so
    nothing overflows and nothing is lost by cancellation (½(1 + tanh(x/2))
    gave σ(−17) in float32 44 % too small, σ(−30) as 0).

    >>> logistic(np.array([-800.0, 0.0, 800.0]))
    array([0. , 0.5, 1. ])
    """
    e = np.exp(-np.abs(x))
    share = 1 / (1 + e)
    return np.where(x >= 0, share, e * share)


class Sigmoid(Function):
    """z = σ(x) = 1 / (1 + e⁻ˣ), so ∂L/∂x = δ ⊙ z(1 − z).

    Computed by `logistic`, the same function without overflow or
    cancellation for very negative x.
    """

    @staticmethod
    def forward(ctx, x):
        out = logistic(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return delta * out * (1 - out)


_SAME_SIZE_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def pass_where(keep, values, out=None):
    """``values`` where ``keep`` is True, else +0: ``np.where(keep, values, 0)``,
    written into ``out`` (an array of values' shape and dtype) when given.

    NumPy's `where` branches on every entry, which a ReLU's half-random mask
    makes slow; here each float's bits are ANDed with all ones (keep) or all
    zeros (drop), the same result without a branch. An inf or NaN that is
    dropped gives 0, as `where` does (``values * keep`` would give NaN).

    >>> pass_where(np.array([True, False]), np.array([2.5, np.inf]))
    array([2.5, 0. ])
    """
    keep, values = np.asarray(keep), np.asarray(values)          # 0-d results are scalars
    uint = _SAME_SIZE_UINT.get(values.dtype.itemsize)
    if values.dtype.kind != "f" or uint is None or keep.shape != values.shape:
        result = np.where(keep, values, values.dtype.type(0))
        if out is None:
            return result
        out[...] = result
        return out
    bits = np.subtract(0, keep, dtype=uint)       # 0 − 1 or 0 − 0: all ones or all zeros
    if out is None:
        bits &= values.view(uint)
        return bits.view(values.dtype)
    np.bitwise_and(bits, values.view(uint), out=out.view(uint))
    return out


class Relu(Function):
    """z = max(x, 0), so ∂L/∂x = δ where z > 0 and 0 where z ≤ 0 (0 at x = 0;
    a NaN input gives z = NaN, which is not ≤ 0, so δ passes: PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return pass_where(out != 0, delta)             # δ where z > 0 (or z is NaN): z ≥ 0


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.relu(x)`` and ``x.relu()`` are the same function
# --------------------------------------------------------------------------
def tanh(input):
    """tanh x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.tanh(tg.tensor([0.0]))
    tensor([0.])
    """
    return Tanh.apply(as_float(input))


def sigmoid(input):
    """σ(x) = 1 / (1 + e⁻ˣ) entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.sigmoid(tg.tensor([0.0]))
    tensor([0.5000])
    """
    return Sigmoid.apply(as_float(input))


def relu(input):
    """max(x, 0) entrywise; integers stay integers, bool is rejected (PyTorch).

    >>> import tinygrad_cnn as tg
    >>> tg.relu(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("relu: not implemented for bool tensors")
    return Relu.apply(input)


TENSOR_METHODS = ("relu", "sigmoid", "tanh")
