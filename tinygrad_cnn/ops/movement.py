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


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.flatten(x, 1)`` and ``x.flatten(1)`` are the same function
# --------------------------------------------------------------------------
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(input, *shape):
    """The same entries (row-major) in a new shape; one size may be −1."""
    return Reshape.apply(input, _shape_arg(shape))


def view(input, *shape):
    """`reshape` (NumPy returns a view whenever the memory layout allows)."""
    return Reshape.apply(input, _shape_arg(shape))


def view_as(input, other):
    return Reshape.apply(input, other.shape)


def reshape_as(input, other):
    return Reshape.apply(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    shape = input.shape
    if not shape:
        return Flatten.apply(input, (1,))
    start, end = normalize_dims("flatten", start_dim, len(shape))[0], \
        normalize_dims("flatten", end_dim, len(shape))[0]
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim}")
    merged = int(np.prod(shape[start:end + 1]))
    return Flatten.apply(input, shape[:start] + (merged,) + shape[end + 1:])


def squeeze(input, dim=None):
    """Drop size-1 dims (only ``dim``, when given)."""
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        axes = normalize_dims("squeeze", dim, input.ndim)
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in axes and s == 1))
    return Squeeze.apply(input, shape)


def unsqueeze(input, dim):
    """Insert a size-1 dim at ``dim``."""
    (axis,) = normalize_dims("unsqueeze", dim, input.ndim + 1)
    return Unsqueeze.apply(input, input.shape[:axis] + (1,) + input.shape[axis:])


def transpose(input, dim0, dim1):
    """Swap two dims."""
    (axis0,), (axis1,) = (normalize_dims("transpose", d, input.ndim) for d in (dim0, dim1))
    return Transpose.apply(input, axis0, axis1)


def t(input):
    """Transpose a matrix (a vector or scalar is returned as it is)."""
    if input.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got {describe(input)}; "
                         "use transpose(dim0, dim1)")
    return input if input.ndim < 2 else Transpose.apply(input, 0, 1)


def permute(input, *dims):
    """Reorder the dims: ``permute(x, (0, 2, 3, 1))`` or ``x.permute(0, 2, 3, 1)``."""
    return Permute.apply(input, _shape_arg(dims))


def cat(tensors, dim=0):
    """Concatenate along an existing dim."""
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim=0):
    """Stack along a new dim."""
    return Stack.apply(*tensors, dim=dim)


def pad(input, pad, value=0.0):
    """Constant padding, PyTorch's ``F.pad`` convention (last dim first)."""
    return Pad.apply(input, tuple(pad), value)


swapaxes = swapdims = transpose
concat = concatenate = cat

TENSOR_METHODS = ("flatten", "permute", "reshape", "reshape_as", "squeeze", "swapaxes",
                  "swapdims", "t", "transpose", "unsqueeze", "view", "view_as")
