"""Reductions: sum, mean, amax/amin (δ shared among ties) and max/min along a
dim (δ to the returned index)."""
from collections import namedtuple

import numpy as np

from .._errors import DTypeError, describe
from ..function import Function
from ..tensor import Tensor
from ._helpers import _grad_of_reduction, normalize_dims


class Sum(Function):
    """z = Σ_{dims} x, so ∂L/∂x = δ copied back along the summed dims."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims("sum", dim, x.ndim)
        ctx.in_shape, ctx.keepdim = x.shape, keepdim
        return np.sum(x, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, delta):
        return _grad_of_reduction(delta, ctx.in_shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    """z = (1/n) Σ_{dims} x, so ∂L/∂x = δ / n, copied back along the dims."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims("mean", dim, x.ndim)
        ctx.in_shape, ctx.keepdim = x.shape, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.mean(x, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, delta):
        return _grad_of_reduction(delta / ctx.count, ctx.in_shape, ctx.axes, ctx.keepdim)


class Amax(Function):
    """z = max_{dims} x. δ is shared evenly among the entries equal to the
    maximum (PyTorch's rule for ``amax`` and for ``max()`` without ``dim``)."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims(ctx.name, dim, x.ndim)
        if x.size == 0:
            raise ValueError(f"{ctx.name}: cannot reduce an empty tensor {describe(x)}")
        out = ctx.reduce(x, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x == out)
        ctx.keepdim = keepdim
        return out if keepdim else np.squeeze(out, axis=ctx.axes)

    reduce = staticmethod(np.max)

    @staticmethod
    def backward(ctx, delta):
        (is_extreme,) = ctx.saved_tensors
        if not ctx.keepdim:
            delta = np.expand_dims(delta, ctx.axes)
        ties = is_extreme.sum(axis=ctx.axes, keepdims=True)
        return delta * is_extreme / ties


class Amin(Amax):
    """z = min_{dims} x; δ shared evenly among the entries equal to the minimum."""

    reduce = staticmethod(np.min)


class MaxDim(Function):
    """values = max of x along ``dim``; δ goes to the index returned with it
    (the first maximum), as PyTorch's ``max(dim)``."""

    name = "max"
    pick = staticmethod(np.argmax)

    @staticmethod
    def forward(ctx, x, dim, keepdim=False):
        (axis,) = normalize_dims(ctx.name, dim, x.ndim)
        if x.shape and x.shape[axis] == 0:
            raise ValueError(f"{ctx.name}: cannot reduce an empty dimension of {describe(x)}")
        index = np.expand_dims(ctx.pick(x, axis=axis), axis)
        ctx.indices = index if keepdim else np.squeeze(index, axis)
        ctx.axis, ctx.in_shape, ctx.keepdim = axis, x.shape, keepdim
        values = np.take_along_axis(x, index, axis)
        return values if keepdim else np.squeeze(values, axis)

    @staticmethod
    def backward(ctx, delta):
        index = ctx.indices if ctx.keepdim else np.expand_dims(ctx.indices, ctx.axis)
        if not ctx.keepdim:
            delta = np.expand_dims(delta, ctx.axis)
        grad = np.zeros(ctx.in_shape, dtype=delta.dtype)
        np.put_along_axis(grad, index, delta, ctx.axis)
        return grad, None, None


class MinDim(MaxDim):
    """values = min of x along ``dim``; δ goes to the returned index."""

    name = "min"
    pick = staticmethod(np.argmin)


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.sum(x, 1)`` and ``x.sum(1)`` are the same function
# --------------------------------------------------------------------------
MinMax = namedtuple("MinMax", ["values", "indices"])


def _dims(dim, axis):
    """``axis`` is PyTorch's alias of ``dim``; an empty tuple means every dim."""
    if axis is not None:
        dim = axis
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return None
    return dim


def _summable(op, input, dtype):
    if dtype is not None:
        return input.to(dtype)
    if input._data.dtype.kind in "biu":          # integer sums are int64, as in PyTorch
        return input.to(np.int64)
    return input


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Σ over ``dim`` (every dim when None or ()); integers sum to int64."""
    return Sum.apply(_summable("sum", input, dtype), dim=_dims(dim, axis), keepdim=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Average over ``dim``; the input must be floating point (or ``dtype=`` given)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise DTypeError(f"mean: could not infer output dtype: input dtype must be floating "
                         f"point, got {describe(input)}; use x.float().mean() or dtype=")
    return Mean.apply(input, dim=_dims(dim, axis), keepdim=keepdim)


def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, dim=_dims(dim, None), keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, dim=_dims(dim, None), keepdim=keepdim)


def _extreme(op, node, input, dim, keepdim, other, pairwise):
    if isinstance(dim, Tensor) or other is not None:     # torch.max(a, b): elementwise
        return pairwise(input, dim if other is None else other)
    if dim is None:
        return (Amax if op == "max" else Amin).apply(input)
    values = node.apply(input, dim, keepdim)
    (axis,) = normalize_dims(op, dim, input.ndim)
    indices = getattr(np, "arg" + op)(input._data, axis=axis)   # the entry δ goes to
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return MinMax(values, Tensor._make(np.asarray(indices, dtype=np.int64), None))


def max(input, dim=None, keepdim=False, *, other=None):
    """``max(x)`` → the largest entry; ``max(x, dim)`` → (values, indices), a
    named tuple; ``max(x, y)`` → the elementwise maximum."""
    from .pointwise import maximum
    return _extreme("max", MaxDim, input, dim, keepdim, other, maximum)


def min(input, dim=None, keepdim=False, *, other=None):
    """``min(x)`` → the smallest entry; ``min(x, dim)`` → (values, indices);
    ``min(x, y)`` → the elementwise minimum."""
    from .pointwise import minimum
    return _extreme("min", MinDim, input, dim, keepdim, other, minimum)


def argmax(input, dim=None, keepdim=False):
    if dim is None:
        return Tensor._make(np.asarray(input._data.argmax()), None)
    return Tensor._make(np.asarray(input._data.argmax(axis=dim, keepdims=keepdim)), None)


def argmin(input, dim=None, keepdim=False):
    if dim is None:
        return Tensor._make(np.asarray(input._data.argmin()), None)
    return Tensor._make(np.asarray(input._data.argmin(axis=dim, keepdims=keepdim)), None)


def all(input, dim=None, keepdim=False):
    axes = None if _dims(dim, None) is None else normalize_dims("all", dim, input.ndim)
    return Tensor._make(np.asarray(input._data.astype(bool).all(axis=axes, keepdims=keepdim)),
                        None)


def any(input, dim=None, keepdim=False):
    axes = None if _dims(dim, None) is None else normalize_dims("any", dim, input.ndim)
    return Tensor._make(np.asarray(input._data.astype(bool).any(axis=axes, keepdims=keepdim)),
                        None)


TENSOR_METHODS = ("all", "amax", "amin", "any", "argmax", "argmin", "max", "mean", "min", "sum")
