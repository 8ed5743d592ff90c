"""Softmax and log-softmax along a dim, the two ops that turn scores into
probabilities (used by ``nn.functional.softmax``, ``cross_entropy`` …, and as
``x.softmax(dim)`` / ``tinygrad_cnn.softmax(x, dim)``), and their normaliser
`logsumexp`.

docs/derivations.md, "Softmax and cross-entropy": with y = softmax(x),
∂y_i/∂x_j = y_i(1[i = j] − y_j), so δ_x = y ⊙ (δ − Σ_j δ_j y_j).
"""
import numpy as np

from .._errors import describe
from ..function import Function
from ._helpers import dim_aliases, normalize_dims
from .reductions import _dims


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


class Logsumexp(Function):
    """z = ln Σ_{dims} eˣ, computed as m + ln Σ e^{x−m} with m the max (no
    overflow), so ∂L/∂x = δ ⊙ e^{x−z} = δ ⊙ softmax(x)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim=False):
        ctx.axes = normalize_dims("logsumexp", dim, x.ndim)
        if x.size == 0:
            out = np.full(np.sum(x, axis=ctx.axes, keepdims=True).shape, -np.inf, x.dtype)
        else:
            peak = np.max(x, axis=ctx.axes, keepdims=True)
            peak = np.where(np.isfinite(peak), peak, 0)             # all −∞ stays −∞
            with np.errstate(divide="ignore"):
                out = peak + np.log(np.sum(np.exp(x - peak), axis=ctx.axes, keepdims=True))
        ctx.save_for_backward(x, out)
        ctx.keepdim = keepdim
        return out if keepdim else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx, delta):
        x, out = ctx.saved_tensors
        if not ctx.keepdim:
            delta = np.expand_dims(delta, ctx.axes)
        return delta * np.exp(x - out)


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
        raise NotImplementedError(f"softmax: not implemented for {input.dtype} input; give "
                                  f"dtype= or convert with .float()")
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


@dim_aliases
def logsumexp(input, dim, keepdim=False):
    """ln Σ eˣ over ``dim`` (int or tuple), without overflow.

    >>> import tinygrad_cnn as tg
    >>> tg.logsumexp(tg.tensor([1000.0, 1000.0], dtype=tg.float64), dim=0)
    tensor(1000.6931, dtype=tinygrad_cnn.float64)
    """
    if input._data.dtype.kind != "f":
        input = input.to(np.float32)
    return Logsumexp.apply(input, dim=_dims(dim, None), keepdim=keepdim)


TENSOR_METHODS = ("log_softmax", "logsumexp", "softmax")
