"""Shape movement: reshape (and its named forms view, flatten/unflatten,
squeeze/unsqueeze), transpose, permute, movedim, cat, stack, constant padding
and meshgrid. No arithmetic: δ is moved back the way the data came.

The pieces of a tensor (select, narrow, split, chunk, unbind) are in `slicing`."""
import numpy as np

from .._errors import ShapeError, describe
from ..function import Function
from ._helpers import dim_aliases, normalize_dims


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
    """`reshape` that shares memory: a shape the layout cannot give without a
    copy (after a transpose, say) is refused, as PyTorch refuses it."""
    shape = _shape_arg(shape)
    data = input._data
    try:
        viewed = data.reshape(shape)
    except (ValueError, TypeError):
        viewed = None                          # a wrong shape: Reshape says what is wrong
    if viewed is not None and viewed.size and not np.may_share_memory(viewed, data):
        raise RuntimeError(f"view: shape {tuple(shape)} does not fit the memory layout of "
                           f"{describe(input)} (its strides are {data.strides}) without a "
                           "copy; use .reshape(...), or .contiguous().view(...)")
    return Reshape.apply(input, shape)


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


@dim_aliases
def squeeze(input, dim=None):
    """Drop size-1 dims (only ``dim``, when given)."""
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        axes = normalize_dims("squeeze", dim, input.ndim)
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in axes and s == 1))
    return Squeeze.apply(input, shape)


@dim_aliases
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


@dim_aliases
def _one_dtype(tensors):
    """The tensors in the dtype PyTorch's promotion gives them together (cat's
    rule: float32 with int64 is float32, not NumPy's float64)."""
    tensors = list(tensors)
    if len({t._data.dtype for t in tensors}) <= 1:
        return tensors
    from ..dtypes import result_dtype
    from .elementwise import cast_to
    target = result_dtype(*(t._data for t in tensors))
    return [cast_to(t, target) for t in tensors]


def cat(tensors, dim=0):
    """Concatenate along an existing dim."""
    return Cat.apply(*_one_dtype(tensors), dim=dim)


@dim_aliases
def stack(tensors, dim=0):
    """Stack along a new dim."""
    return Stack.apply(*_one_dtype(tensors), dim=dim)


def pad(input, pad, value=0.0):
    """Constant padding, PyTorch's ``F.pad`` convention (last dim first)."""
    return Pad.apply(input, tuple(pad), value)


@dim_aliases
def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be −1).

    >>> import tinygrad_cnn as tg
    >>> tg.unflatten(tg.zeros(2, 6), 1, (2, 3)).shape
    (2, 2, 3)
    """
    (axis,) = normalize_dims("unflatten", dim, input.ndim)
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != input.shape[axis]) or (
            -1 in sizes and (known == 0 or input.shape[axis] % known)):
        raise RuntimeError(f"unflatten: provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({input.shape[axis]}) in {describe(input)}")
    sizes = tuple(input.shape[axis] // known if s == -1 else s for s in sizes)
    return Reshape.apply(input, input.shape[:axis] + sizes + input.shape[axis + 1:])


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints or tuples); the
    others keep their order.

    >>> import tinygrad_cnn as tg
    >>> tg.movedim(tg.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    source = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    destination = (destination,) if isinstance(destination, (int, np.integer)) else \
        tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: invalid source or destination dims: source ({source}) "
                           f"and destination ({destination}) must have the same length")
    src = [normalize_dims("movedim", d, input.ndim)[0] for d in source]
    dst = [normalize_dims("movedim", d, input.ndim)[0] for d in destination]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in {name} ({tuple(dims)})")
    order = [None] * input.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(input.ndim) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return Permute.apply(input, tuple(order))


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors: output i varies along dim i (``'ij'``,
    PyTorch's default) or, for the first two, swapped (``'xy'``).

    >>> import tinygrad_cnn as tg
    >>> rows, cols = tg.meshgrid(tg.tensor([1, 2]), tg.tensor([3, 4, 5]), indexing="ij")
    >>> rows.shape, cols[0].tolist()
    ((2, 3), [3, 4, 5])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got {describe(t)}")
    vectors = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(vectors) >= 2
    order = [1, 0] + list(range(2, len(vectors))) if swap else list(range(len(vectors)))
    shape = tuple(vectors[i].shape[0] for i in order)
    grids = []
    for i, vector in enumerate(vectors):
        position = order.index(i)
        view_shape = [1] * len(vectors)
        view_shape[position] = -1
        grids.append(vector.reshape(view_shape).expand(shape))
    return tuple(grids)


swapaxes = swapdims = transpose
concat = concatenate = cat
moveaxis = movedim

TENSOR_METHODS = ("flatten", "moveaxis", "movedim", "permute", "reshape", "reshape_as", "squeeze",
                  "swapaxes", "swapdims", "t", "transpose", "unflatten", "unsqueeze", "view",
                  "view_as")
