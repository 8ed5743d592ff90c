"""Ops that copy entries into a new arrangement: `expand`/`broadcast_to`,
`repeat`/`tile`, `repeat_interleave`, `flip`/`fliplr`/`flipud`, `roll`.
The triangles and diagonals of matrices (tril, triu, diagonal, diag,
diag_embed) are in `diagonals`.

No arithmetic: backward sends δ back the way each entry came, adding up the δs
of an entry that was copied to several places (expand, repeat).
"""
import numpy as np

from .._errors import describe
from ..function import Function
from ..tensor import Tensor
from ._helpers import dim_aliases, normalize_dims, unbroadcast
from .scatter_gather import index_select


class Expand(Function):
    """z = x broadcast to ``shape`` (a view; new or size-1 dims repeat), so
    ∂L/∂x = δ summed over the repeated dims (`unbroadcast`)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, delta):
        return unbroadcast(delta, ctx.in_shape), None


class Repeat(Function):
    """z = x tiled ``repeats[d]`` times along each dim d, so ∂L/∂x = the sum of
    δ's tiles: δ reshaped to (r₀, s₀, r₁, s₁, …) and summed over every rᵢ.

    Shape:
        x: (s₀, …) (padded with leading 1s to len(repeats));  z: (r₀·s₀, r₁·s₁, …).
    """

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.in_shape = x.shape
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, delta):
        shape = (1,) * (delta.ndim - len(ctx.in_shape)) + ctx.in_shape
        tiles = ()
        for r_times_s, s in zip(delta.shape, shape):
            tiles += (r_times_s // s if s else 0, s)
        summed = delta.reshape(tiles).sum(axis=tuple(range(0, len(tiles), 2)))
        return summed.reshape(ctx.in_shape), None


class Flip(Function):
    """z = x reversed along ``dims``, so ∂L/∂x = δ reversed along them again."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.flip(x, axes).copy()

    @staticmethod
    def backward(ctx, delta):
        return np.flip(delta, ctx.axes), None


class Roll(Function):
    """z = x shifted cyclically by ``shifts`` along ``dims``, so ∂L/∂x = δ rolled back."""

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(x, shifts, axes)

    @staticmethod
    def backward(ctx, delta):
        return np.roll(delta, tuple(-s for s in ctx.shifts), ctx.axes), None, None


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def _sizes(sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(int(s) for s in sizes[0])
    return tuple(int(s) for s in sizes)


def expand(input, *sizes):
    """A view with size-1 dims repeated to ``sizes`` (−1 keeps a size; new dims
    may be added in front).

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({input.ndim})")
    lead = len(sizes) - input.ndim
    shape = []
    for d, size in enumerate(sizes):
        old = input.shape[d - lead] if d >= lead else None
        if size == -1:
            if old is None:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, new dimension "
                                   f"(sizes {sizes})")
            size = old
        if size < 0 or (old is not None and old != 1 and old != size):
            raise RuntimeError(f"expand: the expanded size {size} must match the existing size "
                               f"{old} at non-singleton dimension {d}; target sizes {sizes}, "
                               f"tensor {describe(input)}")
        shape.append(size)
    return Expand.apply(input, tuple(shape))


def expand_as(input, other):
    """`expand` to ``other``'s shape.

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([1, 2]).expand_as(tg.zeros(2, 2)).shape
    (2, 2)
    """
    return expand(input, other.shape)


def broadcast_to(input, size):
    """`expand` to ``size``.

    >>> import tinygrad_cnn as tg
    >>> tg.broadcast_to(tg.tensor([1, 2]), (2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, tuple(size))


def repeat(input, *repeats):
    """Tile ``repeats[d]`` copies along each dim (at least ``ndim`` values; extra
    ones add leading dims).

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    repeats = _sizes(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(repeats)}) can not be smaller "
                           f"than number of dimensions of tensor ({input.ndim})")
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"repeat: repeats cannot be negative, got {repeats}")
    return Repeat.apply(input, repeats)


def tile(input, dims):
    """`repeat`, padding ``dims`` with leading 1s when shorter than ``ndim``.

    >>> import tinygrad_cnn as tg
    >>> tg.tile(tg.tensor([[1, 2]]), (2,))
    tensor([[1, 2, 1, 2]])
    """
    dims = tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


@dim_aliases
def repeat_interleave(input, repeats, dim=None, *, output_size=None):
    """Repeat each entry (or slice along ``dim``) ``repeats`` times in place:
    an int, or one count per entry. Without ``dim`` the input is flattened.

    >>> import tinygrad_cnn as tg
    >>> tg.repeat_interleave(tg.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    >>> tg.tensor([[1, 2], [3, 4]]).repeat_interleave(tg.tensor([1, 2]), dim=0)
    tensor([[1, 2],
            [3, 4],
            [3, 4]])
    """
    if dim is None:
        input, dim = input.reshape(-1), 0
    (axis,) = normalize_dims("repeat_interleave", dim, input.ndim)
    size = input.shape[axis] if input.ndim else 1
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, size)):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along "
                           f"dim {dim} ({size}), got {counts.shape}")
    if counts.dtype.kind not in "iu" or (counts.size and counts.min() < 0):
        raise RuntimeError("repeat_interleave: repeats must be non-negative integers")
    source = np.repeat(np.arange(size), np.broadcast_to(counts.reshape(-1), (size,)))
    if output_size is not None and output_size != source.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the "
                           f"total of repeats {source.size}")
    return index_select(input, axis, Tensor._make(source.astype(np.int64), None))


def _flip_axes(op, input, dims):
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return normalize_dims(op, dims, input.ndim) if input.ndim else ()


def flip(input, *args, dims=None):
    """Reverse the order of entries along ``dims`` (a sequence, or as the
    Tensor method, one argument per dim: ``x.flip(0, 1)``).

    >>> import tinygrad_cnn as tg
    >>> tg.flip(tg.tensor([[1, 2], [3, 4]]), [0, 1])
    tensor([[4, 3],
            [2, 1]])
    """
    if dims is None:
        if not args:
            raise TypeError("flip: missing the dims to flip")
        dims = args[0] if len(args) == 1 else args
    elif args:
        raise TypeError("flip: give dims once, as arguments or as dims=")
    return Flip.apply(input, _flip_axes("flip", input, dims))


def fliplr(input):
    """Flip left–right: along dim 1 (needs ≥ 2 dims).

    >>> import tinygrad_cnn as tg
    >>> tg.fliplr(tg.tensor([[1, 2]]))
    tensor([[2, 1]])
    """
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got {describe(input)}")
    return flip(input, (1,))


def flipud(input):
    """Flip up–down: along dim 0 (needs ≥ 1 dim).

    >>> import tinygrad_cnn as tg
    >>> tg.flipud(tg.tensor([1, 2]))
    tensor([2, 1])
    """
    if input.ndim < 1:
        raise RuntimeError(f"flipud: input must be >= 1-d, got {describe(input)}")
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    """Shift entries cyclically by ``shifts`` along ``dims`` (without dims: over
    the flattened tensor, shape kept).

    >>> import tinygrad_cnn as tg
    >>> tg.roll(tg.tensor([1, 2, 3, 4]), 1)
    tensor([4, 1, 2, 3])
    """
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, shifts must be one int, got {shifts}")
        return Roll.apply(input.reshape(-1), shifts, (0,)).reshape(input.shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims: {len(dims)}")
    axes = tuple(normalize_dims("roll", d, input.ndim)[0] for d in dims)
    return Roll.apply(input, shifts, axes)


TENSOR_METHODS = (
    "broadcast_to", "expand", "expand_as", "flip", "fliplr", "flipud", "repeat",
    "repeat_interleave", "roll", "tile",
)
