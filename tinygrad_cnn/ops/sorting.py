"""Order statistics: `sort`, `argsort`, `msort`, `topk`, `kthvalue`, `median`,
`nanmedian`, `mode`.

Each finds *indices* first (not differentiable: a permutation), then reads the
values at those indices with `gather`, whose backward sends δ to the entries
that were picked. So δ of a sorted tensor goes back to where each entry came
from, and δ of a median to the one entry returned as its index. NaN sorts as
the largest value, as in PyTorch.
"""
from collections import namedtuple

import numpy as np

from .._errors import describe
from ..tensor import Tensor
from ._helpers import dim_aliases, normalize_dims
from .reductions import Amax
from .scatter_gather import gather

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])


def _refuse_bool(op, input):
    """PyTorch's topk, kthvalue and median have no bool kernels."""
    if input._data.dtype == np.bool_ and op in ("topk", "kthvalue", "median", "nanmedian"):
        raise (RuntimeError if op == "topk" else NotImplementedError)(
            f"{op}: not implemented for bool tensors")


def _axis(op, input, dim):
    _refuse_bool(op, input)
    return normalize_dims(op, dim, input.ndim)[0] if input.ndim else 0


def _order(data, axis, descending):
    """A stable sorting permutation along ``axis``: equal entries keep their
    order, NaN counts as the largest."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    # stable descending = the stable ascending order of the reversed array, reversed back
    n = data.shape[axis]
    reversed_order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - reversed_order, axis)


def _picked(input, axis, indices, keepdim=True):
    """(values, indices) with the values read by `gather` (δ flows back to them)."""
    index = Tensor._make(np.ascontiguousarray(indices, dtype=np.int64), None)
    if input.ndim == 0:
        return input.clone(), Tensor._make(np.zeros((), np.int64), None)
    values = gather(input, axis, index)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return values, index


@dim_aliases
def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values along ``dim`` and the indices they came from, a named tuple.
    Always stable here (equal entries keep their order; ``stable`` is accepted).

    >>> import tinygrad_cnn as tg
    >>> tg.sort(tg.tensor([3.0, 1.0, 2.0]), descending=True)
    sort(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
    """
    axis = _axis("sort", input, dim)
    if input.ndim == 0:
        return SortResult(*_picked(input, 0, None))
    return SortResult(*_picked(input, axis, _order(input._data, axis, descending)))


@dim_aliases
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable).

    >>> import tinygrad_cnn as tg
    >>> tg.argsort(tg.tensor([3, 1, 2]))
    tensor([1, 2, 0])
    """
    axis = _axis("argsort", input, dim)
    if input.ndim == 0:
        return Tensor._make(np.zeros((), np.int64), None)
    return Tensor._make(_order(input._data, axis, descending).astype(np.int64), None)


def msort(input):
    """Sorted along the first dim (values only).

    >>> import tinygrad_cnn as tg
    >>> tg.msort(tg.tensor([[2, 1], [0, 3]]))
    tensor([[0, 1],
            [2, 3]])
    """
    return sort(input, dim=0).values


@dim_aliases
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices,
    in sorted order.

    >>> import tinygrad_cnn as tg
    >>> tg.topk(tg.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    topk(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    axis = _axis("topk", input, dim)
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {size} "
                           f"in {describe(input)}")
    if input.ndim == 0:
        return TopkResult(*_picked(input, 0, None))
    order = _order(input._data, axis, descending=largest)
    return TopkResult(*_picked(input, axis, np.take(order, np.arange(k), axis=axis)))


@dim_aliases
def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest entry (k from 1) along ``dim`` and its index.

    >>> import tinygrad_cnn as tg
    >>> tg.kthvalue(tg.tensor([4.0, 1.0, 3.0]), 2)
    kthvalue(values=tensor(3.), indices=tensor(2))
    """
    axis = _axis("kthvalue", input, dim)
    size = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue: k ({k}) is out of range for dimension {dim} of size "
                           f"{size} in {describe(input)}")
    if input.ndim == 0:
        return KthvalueResult(*_picked(input, 0, None))
    order = _order(input._data, axis, descending=False)
    return KthvalueResult(*_picked(input, axis, np.take(order, [k - 1], axis=axis), keepdim))


def _median_indices(data, axis, ignore_nan):
    """Index of the lower median along ``axis``: the ⌊(n−1)/2⌋-th smallest; with
    a NaN present the (first) NaN, unless NaNs are ignored (nanmedian)."""
    order = _order(data, axis, descending=False)
    nan = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    count = data.shape[axis] - (nan.sum(axis=axis, keepdims=True) if ignore_nan else 0)
    position = np.maximum((count - 1) // 2, 0)
    index = np.take_along_axis(order, np.broadcast_to(position, order.shape[:axis] + (1,) +
                                                      order.shape[axis + 1:]), axis)
    if not ignore_nan:
        first_nan = np.argmax(nan, axis=axis, keepdims=True)
        index = np.where(nan.any(axis=axis, keepdims=True), first_nan, index)
    return index


@dim_aliases
def median(input, dim=None, keepdim=False):
    """The lower median (of an even count, the smaller middle entry, as
    PyTorch); NaN if there is a NaN. Without ``dim``, one value whose δ is
    shared among the entries equal to it; with ``dim``, (values, indices).

    >>> import tinygrad_cnn as tg
    >>> tg.median(tg.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    >>> tg.median(tg.tensor([[4.0, 1.0, 3.0]]), dim=1)
    median(values=tensor([3.]), indices=tensor([2]))
    """
    return _median("median", input, dim, keepdim, ignore_nan=False)


@dim_aliases
def nanmedian(input, dim=None, keepdim=False):
    """`median` ignoring NaNs (NaN only where every entry is NaN).

    >>> import tinygrad_cnn as tg
    >>> tg.nanmedian(tg.tensor([float('nan'), 1.0, 3.0]))
    tensor(1.)
    """
    return _median("nanmedian", input, dim, keepdim, ignore_nan=True)


def _median(op, input, dim, keepdim, ignore_nan):
    _refuse_bool(op, input)
    if dim is None:
        if input.numel() == 0:
            return Tensor._make(np.full((), np.nan, input._data.dtype), None)
        flat = input.reshape(-1)
        index = _median_indices(flat._data, 0, ignore_nan)
        value = flat._data[index[0]]
        if not input.requires_grad:
            return Tensor._make(np.asarray(value), None)
        # δ shared among the entries equal to the median, as PyTorch's median() does
        return _SharedAmong.apply(input, value)
    axis = _axis(op, input, dim)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{op}: expected a non-empty dimension {dim}, got {describe(input)}")
    if input.ndim == 0:
        return MedianResult(*_picked(input, 0, None))
    return MedianResult(*_picked(input, axis, _median_indices(input._data, axis, ignore_nan),
                                 keepdim))


class _SharedAmong(Amax):
    """z = the entry of x equal to ``value`` (a median); δ shared evenly among
    the entries equal to it (`Amax`'s tie rule), 0 elsewhere even for an inf δ."""

    name, selects = "median", True

    @staticmethod
    def forward(ctx, x, value):
        ctx.axes, ctx.keepdim = tuple(range(x.ndim)), False
        is_value = (x == value) | (np.isnan(x) & np.isnan(value))
        ctx.save_for_backward(is_value)
        return np.asarray(value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, delta):
        return Amax.backward(ctx, delta), None


@dim_aliases
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest among equally frequent
    ones) and the index of its last occurrence, as PyTorch's CPU kernel.

    >>> import tinygrad_cnn as tg
    >>> tg.mode(tg.tensor([2, 1, 2, 1, 3]))
    mode(values=tensor(1), indices=tensor(3))
    """
    axis = _axis("mode", input, dim)
    if input.ndim == 0:
        return ModeResult(*_picked(input, 0, None))
    data = np.moveaxis(input._data, axis, -1)
    rows = data.reshape(-1, data.shape[-1])
    picks = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):                 # one row at a time: counting is per row
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]           # unique sorts: the smallest at ties
        picks[r] = np.flatnonzero(row == best)[-1]
    index = np.expand_dims(picks.reshape(data.shape[:-1]), axis)
    return ModeResult(*_picked(input, axis, index, keepdim))


TENSOR_METHODS = ("argsort", "kthvalue", "median", "mode", "msort", "nanmedian", "sort", "topk")
