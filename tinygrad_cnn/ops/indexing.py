"""Indexing: ``x[index]`` (basic and advanced) and ``where``."""
from collections.abc import Sequence

import numpy as np

from .._errors import ShapeError, describe
from ..function import Function
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
