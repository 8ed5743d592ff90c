"""Reductions: sum, mean, amax/amin (δ shared among ties) and max/min along a
dim (δ to the returned index)."""
import numpy as np

from .._errors import describe
from ..function import Function
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
