"""Pointwise ops between two tensors beyond arithmetic: `maximum`, `minimum`.

Both broadcast like the arithmetic ops. Where the two inputs are equal, δ is
split evenly between them (PyTorch's rule), so the gradient of
``maximum(x, x)`` is δ, not 2δ.
"""
import numpy as np

from ..function import Function
from ._helpers import check_broadcast, shape_of, unbroadcast
from .elementwise import promote


class Maximum(Function):
    """z = max(a, b) entrywise, so ∂L/∂a = δ ⊙ (1[a > b] + ½·1[a = b]), and
    ∂L/∂b the same with a and b exchanged."""

    pick = staticmethod(np.maximum)

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast(ctx.name, a, b)
        ctx.save_for_backward(a, b)
        return ctx.pick(a, b)

    @staticmethod
    def backward(ctx, delta):
        a, b = ctx.saved_tensors
        a_wins = (a > b) if ctx.pick is np.maximum else (a < b)
        share_a = np.where(a == b, 0.5, a_wins.astype(delta.dtype))   # ties share δ
        return (unbroadcast(delta * share_a, shape_of(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(delta * (1 - share_a), shape_of(b)) if ctx.needs_input_grad[1] else None)


class Minimum(Maximum):
    """z = min(a, b) entrywise; δ to the smaller input, split evenly at ties."""

    pick = staticmethod(np.minimum)


def maximum(input, other):
    """The entrywise larger of two tensors (NaN if either is NaN)."""
    return Maximum.apply(*promote("maximum", input, other))


def minimum(input, other):
    """The entrywise smaller of two tensors (NaN if either is NaN)."""
    return Minimum.apply(*promote("minimum", input, other))


TENSOR_METHODS = ("maximum", "minimum")
