"""Rounding and sign: sign (sgn), round, floor, ceil, trunc (fix) and frac.

Each is a step function, flat between its jumps, so its gradient is 0 —
except frac = x − trunc x, whose slope is 1 between jumps, so it passes δ.
Unlike the float functions in `unary`, integers keep their dtype (and skip the
graph: nothing to differentiate), as in PyTorch.
"""
import numpy as np

from ..function import Function
from ..tensor import Tensor
from .unary import Unary


class Step(Function):
    """A step function z = f(x): flat between its jumps, so ∂L/∂x = 0 —
    zeros, not δ · 0 (which an inf or NaN δ would turn into NaN; PyTorch
    returns zeros too). Subclasses set ``f``."""

    @staticmethod
    def forward(ctx, x):
        return ctx.f(x)

    @staticmethod
    def backward(ctx, delta):
        return np.zeros_like(delta)


class Sign(Step):
    """z = sign x ∈ {−1, 0, 1} (a step), so ∂L/∂x = 0."""
    f = staticmethod(np.sign)


class Floor(Step):
    """z = ⌊x⌋ (a step), so ∂L/∂x = 0."""
    f = staticmethod(np.floor)


class Ceil(Step):
    """z = ⌈x⌉ (a step), so ∂L/∂x = 0."""
    f = staticmethod(np.ceil)


class Trunc(Step):
    """z = x rounded toward 0 (a step), so ∂L/∂x = 0."""
    f = staticmethod(np.trunc)


class Frac(Unary):
    """z = x − trunc x, so ∂L/∂x = δ."""

    @staticmethod
    def f(x):
        return x - np.trunc(x)

    @staticmethod
    def derivative(x, z):
        return np.ones_like(x)


class Round(Function):
    """z = x rounded half to even at ``decimals`` places (a step), so ∂L/∂x = 0."""

    @staticmethod
    def forward(ctx, x, decimals=0):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, delta):
        return np.zeros_like(delta), None


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.floor(x)`` and ``x.floor()`` are the same function
# --------------------------------------------------------------------------
def _step(node, name, input):
    """``node`` applied to a float tensor; integers keep their dtype, outside the graph."""
    if input._data.dtype.kind in "iub":
        if input._data.dtype == np.bool_:
            raise NotImplementedError(f"{name}: not implemented for bool tensors")
        return Tensor._make(np.asarray(node.f(input._data)).astype(input._data.dtype), None)
    return node.apply(input)


def sign(input):
    """sign x ∈ {−1, 0, 1} entrywise; integers keep their dtype, sign of a bool is itself.

    >>> import tinygrad_cnn as tg
    >>> tg.sign(tg.tensor([-1.5, 0.0, 2.25]))
    tensor([-1.,  0.,  1.])
    """
    if input._data.dtype == np.bool_:                   # sign of True is True
        return Tensor._make(input._data.copy(), None)
    return _step(Sign, "sign", input)


def floor(input):
    """⌊x⌋ entrywise; integers keep their dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.floor(tg.tensor([-1.5, 2.25]))
    tensor([-2.,  2.])
    """
    return _step(Floor, "floor", input)


def ceil(input):
    """⌈x⌉ entrywise; integers keep their dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.ceil(tg.tensor([-1.5, 2.25]))
    tensor([-1.,  3.])
    """
    return _step(Ceil, "ceil", input)


def trunc(input):
    """x rounded toward 0 entrywise; integers keep their dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.trunc(tg.tensor([-1.5, 2.25]))
    tensor([-1.,  2.])
    """
    return _step(Trunc, "trunc", input)


def frac(input):
    """x − trunc x entrywise (the sign of x kept); not defined for integers, as in PyTorch.

    >>> import tinygrad_cnn as tg
    >>> tg.frac(tg.tensor([-1.5, 2.25]))
    tensor([-0.5000,  0.2500])
    """
    if input._data.dtype.kind in "iub":
        raise NotImplementedError(f"frac: not implemented for integer dtype {input.dtype}")
    return _step(Frac, "frac", input)


def sgn(input):
    """``sign`` for real tensors (PyTorch's ``sgn`` extends it to complex numbers).

    >>> import tinygrad_cnn as tg
    >>> tg.sgn(tg.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return sign(input)


def round(input, *, decimals=0):
    """Round half to even (as PyTorch), at ``decimals`` places.

    >>> import tinygrad_cnn as tg
    >>> tg.round(tg.tensor([0.5, 1.5, 2.567]), decimals=0)
    tensor([0., 2., 3.])
    >>> tg.round(tg.tensor([2.567]), decimals=2)
    tensor([2.5700])
    """
    if input._data.dtype == np.bool_:
        raise NotImplementedError("round: not implemented for bool tensors")
    if input._data.dtype.kind in "iu":
        if decimals != 0:
            raise TypeError(f"round: decimals is not supported for integer dtype {input.dtype}")
        return Tensor._make(input._data.copy(), None)
    return Round.apply(input, int(decimals))


fix = trunc

TENSOR_METHODS = ("ceil", "fix", "floor", "frac", "round", "sgn", "sign", "trunc")
