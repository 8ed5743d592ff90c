"""Softmax and log-softmax along a dim: the two ops that turn scores into
probabilities (used by ``nn.functional.softmax``, ``cross_entropy`` …, and as
``x.softmax(dim)`` / ``tinygrad_cnn.softmax(x, dim)``).

DERIVATIONS.md, "Fully connected layer and softmax": with y = softmax(x),
∂y_i/∂x_j = y_i(1[i = j] − y_j), so δ_x = y ⊙ (δ − Σ_j δ_j y_j).
"""
import numpy as np

from .. import _state
from .._errors import describe
from ..function import Function
from ._helpers import dim_aliases


def _softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)         # exp never overflows
    exps = np.exp(shifted)
    return exps / exps.sum(axis=axis, keepdims=True)


class Softmax(Function):
    """``y_i = e^{x_i} / Σ_j e^{x_j}`` along ``dim``, so
    ``∂L/∂x = y ⊙ (δ − Σ_j δ_j y_j)``."""

    @staticmethod
    def forward(ctx, x, *, dim):
        y = _softmax(x, dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, delta):
        (y,) = ctx.saved_tensors
        return y * (delta - (delta * y).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """``y = x − log Σ_j e^{x_j}`` (computed stably with the max subtracted),
    so ``∂L/∂x = δ − softmax(x) · Σ_j δ_j``."""

    @staticmethod
    def forward(ctx, x, *, dim):
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, delta):
        (y,) = ctx.saved_tensors
        return delta - np.exp(y) * delta.sum(axis=ctx.dim, keepdims=True)


def _dim(op, dim, input):
    if dim is None:
        raise TypeError(f"{op}: missing the dim argument (the dim along which the entries sum "
                        f"to 1), e.g. {op}(x, dim=1)")
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -max(input.ndim, 1) <= dim < max(input.ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for {describe(input)}")
    return int(dim) % max(input.ndim, 1)


def _float(input, dtype):
    if dtype is not None:
        return input.to(dtype)
    if input._data.dtype.kind != "f":
        return input.to(_state.default_dtype.numpy_dtype)
    return input


@dim_aliases
def softmax(input, dim, dtype=None):
    """e^{x_i} / Σ_j e^{x_j} along ``dim`` (the entries along it sum to 1).

    >>> import tinygrad_cnn as tg
    >>> tg.softmax(tg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return Softmax.apply(_float(input, dtype), dim=_dim("softmax", dim, input))


@dim_aliases
def log_softmax(input, dim, dtype=None):
    """x − ln Σ_j e^{x_j} along ``dim``, computed stably.

    >>> import tinygrad_cnn as tg
    >>> tg.log_softmax(tg.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    return LogSoftmax.apply(_float(input, dtype), dim=_dim("log_softmax", dim, input))


TENSOR_METHODS = ("log_softmax", "softmax")
