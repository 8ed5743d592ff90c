"""Shape movement: reshape (and its named forms flatten/squeeze/unsqueeze),
transpose, permute, cat, stack and constant padding. No arithmetic: δ is moved
back the way the data came."""
import numpy as np

from .._errors import ShapeError, describe
from ..function import Function
from ._helpers import normalize_dims


class Reshape(Function):
    """z = x with a new shape (same entries, row-major); ∂L/∂x = δ reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(f"{ctx.name}: cannot reshape {describe(x)} "
                             f"({x.size} elements) into {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, delta):
        return delta.reshape(ctx.in_shape), None


class Flatten(Reshape):
    """Reshape that merges dims ``start_dim..end_dim`` (named for drawings)."""


class Squeeze(Reshape):
    """Reshape that drops size-1 dims."""


class Unsqueeze(Reshape):
    """Reshape that inserts a size-1 dim."""


class Transpose(Function):
    """z = x with two axes swapped; ∂L/∂x = δ with them swapped back."""

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, delta):
        return np.swapaxes(delta, *ctx.dims), None, None


class Permute(Function):
    """z = x with its axes reordered by ``dims``; ∂L/∂x = δ with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} is not a permutation of the "
                             f"{x.ndim} axes of {describe(x)}")
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, delta):
        return np.transpose(delta, np.argsort([d % delta.ndim for d in ctx.dims])), None


class Cat(Function):
    """z = [x₁; x₂; …] along ``dim``; ∂L/∂xᵢ = the slice of δ that xᵢ filled."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("cat: expected at least one tensor")
        first = arrays[0]
        (axis,) = normalize_dims(ctx.name, dim, first.ndim)
        for i, array in enumerate(arrays):
            if array.ndim != first.ndim or any(
                    s != t for k, (s, t) in enumerate(zip(array.shape, first.shape)) if k != axis):
                raise ShapeError(f"cat: tensor {i} has shape {array.shape} but tensor 0 has "
                                 f"{first.shape}; all dims except dim={dim} must match")
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        return tuple(np.split(delta, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """z = the inputs stacked along a new ``dim``; ∂L/∂xᵢ = δ's i-th slice there."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("stack: expected at least one tensor")
        for i, array in enumerate(arrays):
            if array.shape != arrays[0].shape:
                raise ShapeError(f"stack: tensor {i} has shape {array.shape} but tensor 0 has "
                                 f"{arrays[0].shape}; all must match")
        (axis,) = normalize_dims(ctx.name, dim, arrays[0].ndim + 1)
        ctx.axis = axis
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        return tuple(np.moveaxis(delta, ctx.axis, 0))


class Pad(Function):
    """z = x surrounded by constant ``value``; ∂L/∂x = δ with the border cropped.

    ``pad`` follows PyTorch: pairs from the *last* dim backwards,
    ``(left, right, top, bottom, …)``.
    """

    @staticmethod
    def forward(ctx, x, pad, value=0.0):
        if len(pad) % 2 or len(pad) // 2 > x.ndim:
            raise ValueError(f"pad: expected an even number of at most {2 * x.ndim} values "
                             f"for {describe(x)}, got {tuple(pad)}")
        if any(p < 0 for p in pad):
            raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
        widths = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.crop = tuple(slice(before, before + size) for (before, _), size in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, delta):
        return delta[ctx.crop], None, None
