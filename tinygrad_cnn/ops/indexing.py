"""Indexing: ``x[index]`` (basic and advanced) and ``where``."""
from collections.abc import Sequence

import numpy as np

from .._errors import ShapeError, describe
from ..function import Function
from ..tensor import Tensor
from ._helpers import shape_of, unbroadcast


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, Sequence)) and not isinstance(p, str) for p in parts)


class GetItem(Function):
    """z = x[index]. δ is written back to the positions it was read from; an
    index repeated in an integer array reads a position twice, so its δs add up."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.in_dtype, ctx.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor {describe(x)})") from None

    @staticmethod
    def backward(ctx, delta):
        grad = np.zeros(ctx.in_shape, dtype=delta.dtype)
        if _is_advanced(ctx.index):
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
            out[index] = value
        except (IndexError, ValueError) as error:
            raise IndexError(f"setitem: {error} (tensor {describe(x)}, value "
                             f"{describe(value)})") from None
        return out

    @staticmethod
    def backward(ctx, delta):
        grad_x = grad_value = None
        if ctx.needs_input_grad[0]:
            grad_x = delta.copy()
            grad_x[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            grad_value = unbroadcast(np.asarray(delta[ctx.index]), ctx.value_shape)
        return grad_x, grad_value, None


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def _index_arg(index):
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [i._data if isinstance(i, Tensor) else i for i in index]
    return index


def getitem(input, index):
    """``x[index]``: ints, slices, None, ``...``, bool masks and index tensors."""
    return GetItem.apply(input, _index_arg(index))


def setitem(input, index, value):
    """``x[index] = value``, in place. Recorded in the graph when ``value`` or
    ``x`` requires grad (see `ops.inplace`)."""
    from .inplace import write_back
    if isinstance(value, Tensor):
        value = value if value.requires_grad else value._data
    result = IndexPut.apply(input, value, _index_arg(index))
    write_back(input, result, "setitem")


def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other`` (broadcast)."""
    from .elementwise import promote
    if input is None and other is None:
        return tuple(Tensor._make(i, None) for i in np.nonzero(_index_arg(condition)))
    input, other = promote("where", input, other)
    return Where.apply(condition._data if isinstance(condition, Tensor) else condition,
                       input, other)


TENSOR_METHODS = ()
