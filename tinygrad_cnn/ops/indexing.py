"""Indexing: ``x[index]`` (basic and advanced), ``x[index] = value`` and ``where``.

Where an index mixes integers with index tensors, PyTorch applies the integers
first, as plain selections, and only then the index tensors; NumPy counts an
integer as one more advanced index, which moves the indexed axes elsewhere
(``x[:, 0, :, idx]`` is (A, C, K) in PyTorch but (K, A, C) in NumPy). Such an
index is done here in PyTorch's two steps (`TwoSteps`).
"""
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from .._errors import ShapeError, describe
from ..function import Function
from ..tensor import Tensor
from ._helpers import shape_of, unbroadcast


def _is_advanced(index):
    if isinstance(index, TwoSteps):
        return True
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, Sequence)) and not isinstance(p, str) for p in parts)


#: ``x[first][second]``: the integer selections, then the index tensors
TwoSteps = namedtuple("TwoSteps", ["first", "second"])


def _is_integer(part):
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _is_array(part):
    return isinstance(part, (np.ndarray, list))


def _pytorch_order(index, ndim):
    """``index`` as PyTorch applies it: a `TwoSteps` when integers and index
    arrays mix, else unchanged."""
    parts = index if isinstance(index, tuple) else (index,)
    if not (any(_is_integer(p) for p in parts) and any(_is_array(p) for p in parts)):
        return index

    def width(part):                      # how many of x's dims a part consumes
        if part is None or part is Ellipsis:
            return 0
        if _is_array(part) and np.asarray(part).dtype == np.bool_:
            return np.asarray(part).ndim
        return 1
    consumed = sum(width(p) for p in parts)
    expanded = []
    for part in parts:
        if part is Ellipsis:
            expanded.extend([slice(None)] * (ndim - consumed))
        else:
            expanded.append(part)
    first, second = [], []
    for part in expanded:
        if _is_integer(part):
            first.append(part)            # selected now: the dim is gone for step two
        elif _is_array(part):
            first.extend([slice(None)] * width(part))
            second.append(part)
        elif part is None:
            first.append(None)
            second.append(slice(None))    # the new size-1 dim is there in step two
        else:
            first.append(part)
            second.append(slice(None))
    return TwoSteps(tuple(first), tuple(second))


def _read(x, index):
    if isinstance(index, TwoSteps):
        return x[index.first][index.second]
    out = x[index]
    if isinstance(out, np.generic):    # ints only: NumPy copies one element out, PyTorch's
        out = x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]   # is a 0-d view
    return out


class GetItem(Function):
    """z = x[index]. δ is written back to the positions it was read from; an
    index repeated in an integer array reads a position twice, so its δs add up."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.in_dtype, ctx.index = x.shape, x.dtype, index
        try:
            return _read(x, index)
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor {describe(x)})") from None

    @staticmethod
    def backward(ctx, delta):
        grad = np.zeros(ctx.in_shape, dtype=delta.dtype)
        if isinstance(ctx.index, TwoSteps):   # δ into the selected part, then that part
            np.add.at(grad[ctx.index.first], ctx.index.second, delta)
        elif _is_advanced(ctx.index):
            np.add.at(grad, ctx.index, delta)     # accumulates repeated indices
        else:
            grad[ctx.index] = delta               # plain slicing never repeats
        return grad, None


class Where(Function):
    """z = a where cond else b, so ∂L/∂a = δ where cond, ∂L/∂b = δ elsewhere."""

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond)
        if cond.dtype != np.bool_:
            raise TypeError(f"where: condition must be a bool tensor, got {describe(cond)}")
        try:
            out = np.where(cond, a, b)
        except ValueError:
            raise ShapeError(f"where: shapes cannot be broadcast together: condition "
                             f"{describe(cond)}, {describe(a)}, {describe(b)}") from None
        ctx.save_for_backward(cond)
        ctx.shapes = (shape_of(a), shape_of(b))
        return out

    @staticmethod
    def backward(ctx, delta):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=delta.dtype)
        return (None,
                unbroadcast(np.where(cond, delta, zero), ctx.shapes[0]) if ctx.needs_input_grad[1] else None,
                unbroadcast(np.where(cond, zero, delta), ctx.shapes[1]) if ctx.needs_input_grad[2] else None)


class IndexPut(Function):
    """z = x with ``z[index] = value`` (``x[index] = value`` recorded in the graph):
    ∂L/∂x = δ with the overwritten positions zeroed, ∂L/∂value = δ[index]
    (summed back to value's shape, which was broadcast)."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, ctx.value_shape = index, shape_of(value)
        out = x.copy()
        try:
            if isinstance(index, TwoSteps):
                out[index.first][index.second] = value    # out[first] is a view of out
            else:
                out[index] = value
        except (IndexError, ValueError) as error:
            raise IndexError(f"setitem: {error} (tensor {describe(x)}, value "
                             f"{describe(value)})") from None
        return out

    @staticmethod
    def backward(ctx, delta):
        grad_x = grad_value = None
        index = ctx.index
        if ctx.needs_input_grad[0]:
            grad_x = delta.copy()
            if isinstance(index, TwoSteps):
                grad_x[index.first][index.second] = 0
            else:
                grad_x[index] = 0
        if ctx.needs_input_grad[1]:
            grad_value = unbroadcast(np.asarray(_read(delta, index)), ctx.value_shape)
        return grad_x, grad_value, None


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def _part(part):
    """A Tensor index as NumPy takes it; a one-element integer tensor of 0 dims
    counts as an integer, as in PyTorch."""
    if isinstance(part, Tensor):
        part = part._data
        if part.ndim == 0 and part.dtype.kind in "iu":
            return int(part)
    return part


def _index_arg(index, ndim):
    for part in index if isinstance(index, tuple) else (index,):
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError(f"index: a slice step must be greater than zero, got {part.step} "
                             "(PyTorch's rule; reverse a dim with flip)")
    if isinstance(index, Tensor):
        index = _part(index)
    elif isinstance(index, tuple):
        index = tuple(_part(i) for i in index)
    elif isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        index = [_part(i) for i in index]
    return _pytorch_order(index, ndim)


def getitem(input, index):
    """``x[index]``: ints, slices, None, ``...``, bool masks and index tensors,
    the result's axes ordered as in PyTorch.

    >>> import tinygrad_cnn as tg
    >>> x = tg.zeros(2, 3, 4, 5)
    >>> x[:, 0, :, tg.tensor([0, 1, 2])].shape        # NumPy would give (3, 2, 4)
    (2, 4, 3)
    """
    return GetItem.apply(input, _index_arg(index, input.ndim))


def setitem(input, index, value):
    """``x[index] = value``, in place. Recorded in the graph when ``value`` or
    ``x`` requires grad (see `ops.inplace`)."""
    from .inplace import write_back
    if isinstance(value, Tensor):
        value = value if value.requires_grad else value._data
    result = IndexPut.apply(input, value, _index_arg(index, input.ndim))
    write_back(input, result, "setitem")


def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other`` (broadcast)."""
    from .elementwise import promote
    if input is None and other is None:
        data = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(Tensor._make(i, None) for i in np.nonzero(data))
    input, other = promote("where", input, other)
    return Where.apply(condition._data if isinstance(condition, Tensor) else condition,
                       input, other)


TENSOR_METHODS = ()
