"""Running sums and products along a dim: `cumsum`, `cumprod`, `logcumsumexp`.

z_k = x_1 ⊕ … ⊕ x_k, so each x_i feeds every z_k with k ≥ i: backward adds
up δ_k over k ≥ i, a running sum *from the end*.
"""
import numpy as np

from .. import _state
from ..function import Function
from ..tensor import Tensor
from ._helpers import dim_aliases, normalize_dims


def _reverse_cumsum(array, axis):
    """Σ_{k ≥ i} a_k along ``axis``."""
    return np.flip(np.cumsum(np.flip(array, axis), axis), axis)


class Cumsum(Function):
    """z_k = Σ_{i ≤ k} x_i along ``dim``, so ∂L/∂x_i = Σ_{k ≥ i} δ_k."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        return _reverse_cumsum(delta, ctx.axis), None


class Cumprod(Function):
    """z_k = Π_{i ≤ k} x_i along ``dim``, so ∂L/∂x_i = Σ_{k ≥ i} δ_k · Π_{j ≤ k, j ≠ i} x_j.

    Without zeros that is (Σ_{k ≥ i} δ_k z_k) / x_i. A zero makes the division
    fail, so then each i is done directly: the running product with x_i
    replaced by 1, masked to k ≥ i.
    """

    @staticmethod
    def forward(ctx, x, axis):
        out = np.cumprod(x, axis=axis)
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, delta):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if np.all(x != 0):
            return _reverse_cumsum(delta * out, axis) / x, None
        moved_x, moved_delta = np.moveaxis(x, axis, 0), np.moveaxis(delta, axis, 0)
        grad = np.empty_like(moved_x)
        for i in range(moved_x.shape[0]):
            without_i = moved_x.copy()
            without_i[i] = 1
            products = np.cumprod(without_i, axis=0)[i:]          # Π_{j ≤ k, j ≠ i}, k ≥ i
            grad[i] = (moved_delta[i:] * products).sum(axis=0)
        return np.moveaxis(grad, 0, axis), None


class Logcumsumexp(Function):
    """z_k = ln Σ_{i ≤ k} e^{x_i}, so ∂L/∂x_i = Σ_{k ≥ i} δ_k e^{x_i − z_k}."""

    @staticmethod
    def forward(ctx, x, axis):
        out = np.logaddexp.accumulate(x, axis=axis)
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, delta):
        x, out = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return _reverse_cumsum(delta * np.exp(-out), ctx.axis) * np.exp(x), None


def _prepared(op, input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":             # integers accumulate in int64
        input = input.to(np.int64)
    if input.ndim == 0:
        return input.reshape(1), 0, True
    return input, normalize_dims(op, dim, input.ndim)[0], False


def _scan(op, node, numpy_scan, input, dim, dtype):
    input, axis, was_scalar = _prepared(op, input, dim, dtype)
    if input._data.dtype.kind != "f":
        out = Tensor._make(numpy_scan(input._data, axis=axis, dtype=input._data.dtype), None)
    else:
        out = node.apply(input, axis)
    return out.reshape(()) if was_scalar else out


@dim_aliases
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``; integers accumulate in int64.

    >>> import tinygrad_cnn as tg
    >>> tg.cumsum(tg.tensor([1, 2, 3]), dim=0)
    tensor([1, 3, 6])
    """
    return _scan("cumsum", Cumsum, np.cumsum, input, dim, dtype)


@dim_aliases
def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``; integers accumulate in int64.

    >>> import tinygrad_cnn as tg
    >>> tg.cumprod(tg.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 2., 6.])
    """
    return _scan("cumprod", Cumprod, np.cumprod, input, dim, dtype)


@dim_aliases
def logcumsumexp(input, dim):
    """ln of the running sum of eˣ along ``dim``, computed stably.

    >>> import tinygrad_cnn as tg
    >>> tg.logcumsumexp(tg.tensor([0.0, 0.0]), dim=0)
    tensor([0.0000, 0.6931])
    """
    if input._data.dtype.kind != "f":
        input = input.to(_state.default_dtype.numpy_dtype)
    return _scan("logcumsumexp", Logcumsumexp, None, input, dim, None)


TENSOR_METHODS = ("cumprod", "cumsum", "logcumsumexp")
