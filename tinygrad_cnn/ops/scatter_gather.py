"""Indexing by index tensors along a dim: `gather`, `take_along_dim`,
`scatter`, `scatter_add`, `index_select`, `index_add`, `index_fill`,
`masked_fill`, `masked_select`, `take`, `nonzero`.

Reading and writing are each other's adjoints: where forward *reads* x at the
positions an index names (gather, index_select), backward *adds* δ into those
positions (a scatter-add, so a position read twice gets both δs); where forward
*writes* a source into x (scatter, index_add), the source's gradient is δ read
back from the positions it went to (a gather).
"""
import numpy as np

from .._errors import describe
from ..function import Function
from ..tensor import Tensor
from ._helpers import dim_aliases, normalize_dims


def _positions(index, axis):
    """Open grids for every axis of ``index`` with ``index`` itself on ``axis``:
    the full NumPy index of the entries gather/scatter touch."""
    grids = list(np.ogrid[tuple(slice(size) for size in index.shape)])
    grids[axis] = index
    return tuple(grids)


class Gather(Function):
    """z[i][j][k] = x[index[i][j][k]][j][k] (for dim = 0), so ∂L/∂x is δ added
    into the positions that were read (``np.add.at``: repeats accumulate).

    Shape:
        x: (*); index and z: index's shape, index.size(d) ≤ x.size(d) for d ≠ dim.
    """

    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.in_shape, ctx.axis, ctx.index = x.shape, axis, index
        return x[_positions(index, axis)]

    @staticmethod
    def backward(ctx, delta):
        grad = np.zeros(ctx.in_shape, delta.dtype)
        np.add.at(grad, _positions(ctx.index, ctx.axis), delta)
        return grad, None, None


class Scatter(Function):
    """z = x with z[index[i][j]][j] = src[i][j] (dim = 0), or += with ``add``.
    ∂L/∂x = δ (zeroed where overwritten, unless adding); ∂L/∂src = δ gathered
    from the positions src went to."""

    @staticmethod
    def forward(ctx, x, axis, index, src, add):
        where = _positions(index, axis)
        ctx.where, ctx.add, ctx.index_shape = where, add, index.shape
        ctx.src_shape = np.shape(src)
        values = src[tuple(slice(size) for size in index.shape)] if np.ndim(src) else src
        out = x.copy()
        if index.size == 0:
            return out
        if add:
            np.add.at(out, where, values)
        else:
            out[where] = values
        return out

    @staticmethod
    def backward(ctx, delta):
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_x = delta.copy()
            if not ctx.add and 0 not in ctx.index_shape:
                grad_x[ctx.where] = 0
        if ctx.needs_input_grad[3]:
            grad_src = np.zeros(ctx.src_shape, delta.dtype)
            if 0 not in ctx.index_shape:
                grad_src[tuple(slice(size) for size in ctx.index_shape)] = delta[ctx.where]
        return grad_x, None, None, grad_src, None


class IndexSelect(Function):
    """z = the slices x[…, index[k], …] along ``dim``, so ∂L/∂x = δ's slices added
    back into the slices they came from (a slice chosen twice gets both)."""

    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.in_shape, ctx.axis, ctx.index = x.shape, axis, index
        return np.take(x, index, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        grad = np.zeros(ctx.in_shape, delta.dtype)
        np.add.at(np.moveaxis(grad, ctx.axis, 0), ctx.index, np.moveaxis(delta, ctx.axis, 0))
        return grad, None, None


class IndexAdd(Function):
    """z = x with source's slices added at x[…, index[k], …] (scaled by alpha),
    so ∂L/∂x = δ and ∂L/∂source = alpha · δ's slices at index."""

    @staticmethod
    def forward(ctx, x, axis, index, source, alpha):
        ctx.axis, ctx.index, ctx.alpha = axis, index, alpha
        out = x.copy()
        np.add.at(np.moveaxis(out, axis, 0), index, np.moveaxis(source * alpha, axis, 0))
        return out

    @staticmethod
    def backward(ctx, delta):
        grad_source = np.take(delta, ctx.index, axis=ctx.axis) * ctx.alpha
        return delta, None, None, grad_source, None


class IndexFill(Function):
    """z = x with the slices at ``index`` along ``dim`` set to ``value``, so
    ∂L/∂x = δ with those slices zeroed."""

    @staticmethod
    def forward(ctx, x, axis, index, value):
        ctx.axis, ctx.index = axis, index
        out = x.copy()
        np.moveaxis(out, axis, 0)[index] = value
        return out

    @staticmethod
    def backward(ctx, delta):
        grad = delta.copy()
        np.moveaxis(grad, ctx.axis, 0)[ctx.index] = 0
        return grad, None, None, None


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def _index_tensor(op, index, ndim=None, error=RuntimeError):
    array = index._data if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype != np.int64:
        raise RuntimeError(f"{op}: expected an int64 (long) index tensor, got dtype "
                           f"{array.dtype}")
    if ndim is not None and array.ndim != ndim and not (array.ndim == 0 and ndim == 1):
        raise error(f"{op}: index must have {ndim} dimension(s), got {array.ndim}")
    return array


def _check_index_shape(op, input, axis, index, src=None):
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(f"{op}: index {describe(index)} must have as many dimensions as "
                           f"the input {describe(input)}")
    for d, size in enumerate(index.shape):
        if d != axis and size > (input.shape[d] if input.ndim else 1):
            raise RuntimeError(f"{op}: index {describe(index)} is larger than the input "
                               f"{describe(input)} in dimension {d}")
        if src is not None and np.ndim(src) and size > src.shape[d]:
            raise RuntimeError(f"{op}: index {describe(index)} is larger than src "
                               f"{describe(src)} in dimension {d}")
    limit = input.shape[axis] if input.ndim else 1
    if index.size and (index.min() < -limit or index.max() >= limit):
        raise RuntimeError(f"{op}: index out of range for dim {axis} of size {limit} "
                           f"(got values from {index.min()} to {index.max()})")


@dim_aliases
def gather(input, dim, index, *, sparse_grad=False):
    """z[i][j] = input[index[i][j]][j] for dim 0, input[i][index[i][j]] for dim 1.

    >>> import tinygrad_cnn as tg
    >>> tg.gather(tg.tensor([[1, 2], [3, 4]]), 1, tg.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    index = _index_tensor("gather", index)
    (axis,) = normalize_dims("gather", dim, input.ndim)
    _check_index_shape("gather", input, axis, index)
    if input.ndim == 0:
        return Gather.apply(input.reshape(1), 0, index.reshape(-1)).reshape(index.shape)
    return Gather.apply(input, axis, index)


@dim_aliases
def take_along_dim(input, indices, dim=None):
    """`gather` with broadcasting between input and indices (NumPy's
    ``take_along_axis``); with ``dim=None`` both are flattened first.

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([[10, 30, 20]])
    >>> tg.take_along_dim(x, tg.argsort(x, dim=1), dim=1)
    tensor([[10, 20, 30]])
    """
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    index = _index_tensor("take_along_dim", indices)
    (axis,) = normalize_dims("take_along_dim", dim, input.ndim)
    shape = list(np.broadcast_shapes(*(tuple(s for d, s in enumerate(a.shape) if d != axis)
                                       for a in (input, index))))
    in_shape, index_shape = shape.copy(), shape.copy()
    in_shape.insert(axis, input.shape[axis])
    index_shape.insert(axis, index.shape[axis])
    return gather(input.expand(*in_shape), axis, Tensor._make(
        np.broadcast_to(index, index_shape), None))


@dim_aliases
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with input[index[i][j]][j] = src[i][j] (dim 0); ``src`` may be a
    number (or ``value=``). With repeated indices the result is unspecified (as
    in PyTorch); ``reduce='add'`` adds instead.

    >>> import tinygrad_cnn as tg
    >>> tg.scatter(tg.zeros(2, 3), 1, tg.tensor([[2], [0]]), tg.tensor([[5.0], [7.0]]))
    tensor([[0., 0., 5.],
            [7., 0., 0.]])
    """
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be None or 'add' here, got {reduce!r}")
    return _scatter("scatter", input, dim, index, value if src is None else src, reduce == "add")


@dim_aliases
def scatter_add(input, dim, index, src):
    """input with src[i][j] added at input[index[i][j]][j] (dim 0); repeated
    indices add up.

    >>> import tinygrad_cnn as tg
    >>> tg.scatter_add(tg.zeros(3), 0, tg.tensor([0, 2, 0]), tg.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    return _scatter("scatter_add", input, dim, index, src, True)


def _scatter(op, input, dim, index, src, add):
    if src is None:
        raise TypeError(f"{op}: expected src (a Tensor) or value (a number)")
    index = _index_tensor(op, index)
    (axis,) = normalize_dims(op, dim, input.ndim)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}: expected src of dtype {input.dtype}, got {src.dtype}")
        if src.ndim != index.ndim and index.size:
            raise RuntimeError(f"{op}: src {describe(src)} and index {describe(index)} must "
                               f"have the same number of dimensions")
        src_arg = src
    else:
        src_arg = np.asarray(src, dtype=input._data.dtype)
    _check_index_shape(op, input, axis, index, src_arg._data if isinstance(src_arg, Tensor)
                       else src_arg)
    return Scatter.apply(input, axis, index, src_arg, add)


@dim_aliases
def index_select(input, dim, index):
    """The slices of ``input`` at positions ``index`` (1-D) along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> tg.index_select(tg.tensor([[1, 2, 3], [4, 5, 6]]), 1, tg.tensor([2, 0]))
    tensor([[3, 1],
            [6, 4]])
    """
    index = _index_tensor("index_select", index, ndim=1, error=IndexError).reshape(-1)
    (axis,) = normalize_dims("index_select", dim, input.ndim)
    limit = input.shape[axis] if input.ndim else 1
    if index.size and (index.min() < 0 or index.max() >= limit):
        raise IndexError(f"index_select: index out of range in dim {dim} of {describe(input)} "
                         f"(got {index.min()} to {index.max()}; no negative indices)")
    if input.ndim == 0:
        return IndexSelect.apply(input.reshape(1), 0, index).reshape(index.shape[:0])
    return IndexSelect.apply(input, axis, index)


@dim_aliases
def index_add(input, dim, index, source, *, alpha=1):
    """input with ``alpha · source``'s slices added at positions ``index`` along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> tg.index_add(tg.zeros(3, 2), 0, tg.tensor([0, 0]), tg.ones(2, 2))
    tensor([[2., 2.],
            [0., 0.],
            [0., 0.]])
    """
    index = _index_tensor("index_add", index, ndim=1).reshape(-1)
    (axis,) = normalize_dims("index_add", dim, input.ndim)
    expected = input.shape[:axis] + (index.size,) + input.shape[axis + 1:]
    if source.shape != expected:
        raise RuntimeError(f"index_add: source {describe(source)} must have shape {expected} "
                           f"for index of length {index.size} and input {describe(input)}")
    return IndexAdd.apply(input, axis, index, source, alpha)


@dim_aliases
def index_fill(input, dim, index, value):
    """input with the slices at positions ``index`` along ``dim`` set to ``value``.

    >>> import tinygrad_cnn as tg
    >>> tg.index_fill(tg.zeros(2, 3), 1, tg.tensor([1]), -1.0)
    tensor([[ 0., -1.,  0.],
            [ 0., -1.,  0.]])
    """
    index = _index_tensor("index_fill", index, ndim=1).reshape(-1)
    (axis,) = normalize_dims("index_fill", dim, input.ndim)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill: value must be a 0-dim tensor, got {describe(value)}")
        value = value.item()
    return IndexFill.apply(input, axis, index, value)


def masked_fill(input, mask, value):
    """``value`` where ``mask`` (bool, broadcast to input) is True, input elsewhere.

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([1.0, -2.0, 3.0])
    >>> tg.masked_fill(x, x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    from .indexing import where
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: only supports boolean masks, got "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, "
                               f"got {describe(value)}")
        value = value.to(input.dtype)
    else:
        value = Tensor._make(np.asarray(value, dtype=input._data.dtype), None)
    try:
        np.broadcast_shapes(mask.shape, input.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: mask {describe(mask)} cannot be broadcast to "
                           f"{describe(input)}") from None
    return where(mask, value, input)


def masked_select(input, mask):
    """The entries of input (broadcast with the bool ``mask``) where mask is True, as 1-D.

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([[1, -2], [3, -4]])
    >>> tg.masked_select(x, x > 0)
    tensor([1, 3])
    """
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected a bool mask tensor")
    try:
        shape = np.broadcast_shapes(mask.shape, input.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: mask {describe(mask)} and {describe(input)} cannot "
                           f"be broadcast together") from None
    return input.expand(*shape)[np.broadcast_to(mask._data, shape)]


def take(input, index):
    """The entries of the flattened input at ``index`` (any shape; negative counts
    from the end).

    >>> import tinygrad_cnn as tg
    >>> tg.take(tg.tensor([[4, 3], [5, 7]]), tg.tensor([0, 3, -1]))
    tensor([4, 7, 7])
    """
    index = _index_tensor("take", index)
    if index.size and (index.min() < -input.numel() or index.max() >= input.numel()):
        raise IndexError(f"take: index out of range for {describe(input)} "
                         f"with {input.numel()} elements")
    return input.reshape(-1)[index]


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero entries: an (n, ndim) int64 tensor, or with
    ``as_tuple=True`` one 1-D tensor per dim.

    >>> import tinygrad_cnn as tg
    >>> tg.nonzero(tg.tensor([[0, 1], [2, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    if as_tuple:
        data = input._data if input.ndim else input._data.reshape(1)
        return tuple(Tensor._make(i.astype(np.int64), None) for i in np.nonzero(data))
    return Tensor._make(np.argwhere(input._data).astype(np.int64), None)


def argwhere(input):
    """``nonzero(input)``.

    >>> import tinygrad_cnn as tg
    >>> tg.argwhere(tg.tensor([0, 3])).tolist()
    [[1]]
    """
    return nonzero(input)


TENSOR_METHODS = (
    "argwhere", "gather", "index_add", "index_fill", "index_select", "masked_fill",
    "masked_select", "nonzero", "scatter", "scatter_add", "take", "take_along_dim",
)
