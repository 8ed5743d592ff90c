"""Reductions: sum, mean, prod, amax/amin (δ shared among ties), max/min
along a dim (δ to the returned index), aminmax, argmax/argmin, all/any,
count_nonzero.

(var and std are in `statistics`; logsumexp beside softmax in `softmax`;
norms in `linalg`; sort, median and friends in `sorting`; cumsum and cumprod
in `cumulative`.)"""
from collections import namedtuple

import numpy as np

from .._errors import DTypeError, describe
from ..function import Function
from ..tensor import Tensor
from ._helpers import _grad_of_reduction, dim_aliases, normalize_dims


class Sum(Function):
    """z = Σ_{dims} x, so ∂L/∂x = δ copied back along the summed dims."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims("sum", dim, x.ndim)
        ctx.in_shape, ctx.keepdim = x.shape, keepdim
        return np.sum(x, axis=ctx.axes, keepdims=keepdim, dtype=x.dtype)   # int32 stays int32

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


class Prod(Function):
    """z = Π_{dim} x, so ∂L/∂x_i = δ ⊙ Π_{j≠i} x_j: the product of the others,
    taken as (product of those before i) · (product of those after i), which
    stays exact when some x_j are 0 (z/x_i would divide by zero)."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims("prod", dim, x.ndim)
        ctx.save_for_backward(x)
        ctx.keepdim = keepdim
        return np.prod(x, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, delta):
        (x,) = ctx.saved_tensors
        axes, kept = ctx.axes, [a for a in range(x.ndim) if a not in ctx.axes]
        rows = np.transpose(x, kept + list(axes)).reshape(
            [x.shape[a] for a in kept] + [-1])                      # (*kept, n)
        ones = np.ones(rows.shape[:-1] + (1,), rows.dtype)
        before = np.cumprod(np.concatenate([ones, rows], -1), -1)[..., :-1]   # Π_{j<i}
        after = np.cumprod(np.concatenate([ones, rows[..., ::-1]], -1), -1)[..., -2::-1]  # Π_{j>i}
        others = (before * after).reshape([x.shape[a] for a in kept + list(axes)])
        others = np.transpose(others, np.argsort(kept + list(axes)))  # back to x's layout
        return _grad_of_reduction(delta, x.shape, axes, ctx.keepdim) * others


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
        if ctx.selects:                          # 0 beside the extremes even for an inf δ
            return np.where(is_extreme, delta / ties, 0)
        with np.errstate(invalid="ignore"):      # PyTorch's amax: an inf δ · 0 gives NaN
            return delta * is_extreme / ties

    #: ``max()`` of a whole tensor selects the extremes, ``amax`` multiplies δ by
    #: the 0/1 mask: the same numbers unless δ holds inf or NaN (PyTorch's two rules).
    selects = False


class Amin(Amax):
    """z = min_{dims} x; δ shared evenly among the entries equal to the minimum."""

    reduce = staticmethod(np.min)


class MaxAll(Amax):
    """``max()`` without a dim: amax over every entry, δ selected (see `Amax`)."""

    name, selects = "amax", True


class MinAll(Amin):
    """``min()`` without a dim: amin over every entry, δ selected (see `Amax`)."""

    name, selects = "amin", True


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


@dim_aliases
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Σ over ``dim`` (every dim when None or ()); integers sum to int64."""
    return Sum.apply(_summable("sum", input, dtype), dim=_dims(dim, axis), keepdim=keepdim)


@dim_aliases
def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Average over ``dim``; the input must be floating point (or ``dtype=`` given)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise DTypeError(f"mean: could not infer output dtype: input dtype must be floating "
                         f"point, got {describe(input)}; use x.float().mean() or dtype=")
    return Mean.apply(input, dim=_dims(dim, axis), keepdim=keepdim)


@dim_aliases
def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, dim=_dims(dim, None), keepdim=keepdim)


@dim_aliases
def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, dim=_dims(dim, None), keepdim=keepdim)


def _extreme(op, node, input, dim, keepdim, other, pairwise):
    if isinstance(dim, Tensor) or other is not None:     # torch.max(a, b): elementwise
        return pairwise(input, dim if other is None else other)
    if dim is None:
        return (MaxAll if op == "max" else MinAll).apply(input)
    values = node.apply(input, dim, keepdim)
    (axis,) = normalize_dims(op, dim, input.ndim)
    indices = getattr(np, "arg" + op)(input._data, axis=axis)   # the entry δ goes to
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return MinMax(values, Tensor._make(np.asarray(indices, dtype=np.int64), None))


@dim_aliases
def max(input, dim=None, keepdim=False, *, other=None):
    """``max(x)`` → the largest entry; ``max(x, dim)`` → (values, indices), a
    named tuple; ``max(x, y)`` → the elementwise maximum."""
    from .pointwise import maximum
    return _extreme("max", MaxDim, input, dim, keepdim, other, maximum)


@dim_aliases
def min(input, dim=None, keepdim=False, *, other=None):
    """``min(x)`` → the smallest entry; ``min(x, dim)`` → (values, indices);
    ``min(x, y)`` → the elementwise minimum."""
    from .pointwise import minimum
    return _extreme("min", MinDim, input, dim, keepdim, other, minimum)


def _arg_extreme(op, input, dim, keepdim):
    data = input._data
    if data.dtype == np.bool_:
        raise RuntimeError(f"{op}: not implemented for bool tensors")
    if data.size == 0 and (dim is None or data.shape[normalize_dims(op, dim, data.ndim)[0]] == 0):
        raise IndexError(f"{op}: expected a non-empty dimension to reduce, got {describe(input)}")
    pick = np.argmax if op == "argmax" else np.argmin
    if dim is None:
        index = np.asarray(pick(data), dtype=np.int64)
        return Tensor._make(index.reshape((1,) * data.ndim) if keepdim else index, None)
    (axis,) = normalize_dims(op, dim, data.ndim)
    index = pick(data, axis=axis, keepdims=keepdim) if data.ndim else np.asarray(0)
    return Tensor._make(np.asarray(index, dtype=np.int64), None)


@dim_aliases
def argmax(input, dim=None, keepdim=False):
    """Index of the largest entry (the first one at ties), over all entries
    (flattened) or along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> tg.argmax(tg.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([1, 0])
    """
    return _arg_extreme("argmax", input, dim, keepdim)


@dim_aliases
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest entry (the first one at ties).

    >>> import tinygrad_cnn as tg
    >>> tg.argmin(tg.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([0, 1])
    """
    return _arg_extreme("argmin", input, dim, keepdim)


def _truth(op, input, dim, keepdim, reduce):
    dim = _dims(dim, None)
    axes = None if dim is None else normalize_dims(op, dim, input.ndim)
    result = np.asarray(reduce(input._data.astype(bool), axis=axes, keepdims=keepdim))
    if input._data.dtype == np.uint8:          # PyTorch keeps uint8 here (its old mask dtype)
        result = result.astype(np.uint8)
    return Tensor._make(result, None)


@dim_aliases
def all(input, dim=None, keepdim=False):
    """True where every entry (along ``dim``, int or tuple) is nonzero.

    >>> import tinygrad_cnn as tg
    >>> tg.all(tg.tensor([[1, 0], [2, 3]]), dim=1)
    tensor([False,  True])
    """
    return _truth("all", input, dim, keepdim, np.all)


@dim_aliases
def any(input, dim=None, keepdim=False):
    """True where some entry (along ``dim``, int or tuple) is nonzero.

    >>> import tinygrad_cnn as tg
    >>> tg.any(tg.tensor([[0, 0], [2, 0]]), dim=1)
    tensor([False,  True])
    """
    return _truth("any", input, dim, keepdim, np.any)


@dim_aliases
def count_nonzero(input, dim=None):
    """How many entries are nonzero (along ``dim``, int or tuple), as int64.

    >>> import tinygrad_cnn as tg
    >>> tg.count_nonzero(tg.tensor([[0, 1], [2, 3]]), dim=0)
    tensor([1, 2])
    """
    axes = None if dim is None else normalize_dims("count_nonzero", dim, input.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64), None)


@dim_aliases
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Π over every entry or along one ``dim``; integers multiply in int64.

    >>> import tinygrad_cnn as tg
    >>> tg.prod(tg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([ 2., 12.])
    """
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod: dim must be a single int, got {dim!r}")
    input = _summable("prod", input, dtype)
    if input._data.dtype.kind != "f":
        axes = normalize_dims("prod", dim, input.ndim)
        return Tensor._make(np.asarray(np.prod(input._data, axis=axes, keepdims=keepdim,
                                               dtype=input._data.dtype)), None)
    return Prod.apply(input, dim=dim, keepdim=keepdim)


AminMax = namedtuple("aminmax", ["min", "max"])


@dim_aliases
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over every entry or along ``dim``, a named tuple.

    >>> import tinygrad_cnn as tg
    >>> tg.aminmax(tg.tensor([3.0, -1.0, 2.0]))
    aminmax(min=tensor(-1.), max=tensor(3.))
    """
    dims = () if dim is None else dim
    return AminMax(amin(input, dims, keepdim), amax(input, dims, keepdim))


TENSOR_METHODS = ("all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "count_nonzero",
                  "max", "mean", "min", "prod", "sum")
