"""Division that rounds, and the remainders it leaves: `fmod` (C's, the sign
of the dividend), `remainder` (Python's %, the sign of the divisor),
`floor_divide` (``//``) and ``div(rounding_mode='trunc' | 'floor')``.

The quotients are steps, so their gradient is 0; a remainder a − b·q(a/b) has
slope 1 in a and −q(a/b) in b between the steps. Integers stay integers and
are computed exactly, outside the graph.
"""
import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._helpers import check_broadcast, shape_of
from .elementwise import promote
from .pointwise import Binary, apply_binary


class Fmod(Binary):
    """z = a − b·trunc(a/b) (C's fmod: the sign of a), so ∂L/∂a = δ and
    ∂L/∂b = −δ ⊙ trunc(a/b)."""

    f = staticmethod(np.fmod)

    @staticmethod
    def partials(a, b, z):
        return np.ones_like(z), -np.trunc(a / b)


class Remainder(Binary):
    """z = a − b·⌊a/b⌋ (Python's %: the sign of b), so ∂L/∂a = δ and
    ∂L/∂b = −δ ⊙ ⌊a/b⌋."""

    f = staticmethod(np.remainder)

    @staticmethod
    def partials(a, b, z):
        return np.ones_like(z), -np.floor(a / b)


class DivRounded(Function):
    """z = a / b rounded toward 0 (``'trunc'``) or down (``'floor'``): a step in
    both inputs, so ∂L/∂a = ∂L/∂b = 0 (PyTorch's ``div(rounding_mode=…)``)."""

    name = "div"

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        check_broadcast("div", a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        with np.errstate(all="ignore"):
            quotient = np.true_divide(a, b)
            return np.floor(quotient) if rounding_mode == "floor" else np.trunc(quotient)

    @staticmethod
    def backward(ctx, delta):
        shape_a, shape_b = ctx.shapes
        return np.zeros(shape_a, delta.dtype), np.zeros(shape_b, delta.dtype), None



# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def fmod(input, other):
    """C's remainder: input − other·trunc(input/other), the sign of input.

    >>> import tinygrad_cnn as tg
    >>> tg.fmod(tg.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    _reject_bool("fmod", input, other)
    return apply_binary(Fmod, "fmod", input, other, zero_divisor_error=True)


def remainder(input, other):
    """Python's remainder: the sign of other.

    >>> import tinygrad_cnn as tg
    >>> tg.remainder(tg.tensor([-3.0, 3.0]), 2)
    tensor([1., 1.])
    """
    _reject_bool("remainder", input, other)
    return apply_binary(Remainder, "remainder", input, other, zero_divisor_error=True)


def _reject_bool(name, input, other):
    if {v._data.dtype.kind for v in (input, other) if isinstance(v, Tensor)} == {"b"}:
        raise NotImplementedError(f"{name}: not implemented for integer or bool tensors")


def rounded_div(input, other, rounding_mode):
    """`div` with ``rounding_mode`` ``'trunc'`` or ``'floor'``; integers stay
    integers (exactly, without going through floats)."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div: expected rounding_mode to be one of None, 'trunc', or "
                         f"'floor' but found {rounding_mode!r}")
    a, b = promote("div", input, other)
    tensor = a if isinstance(a, Tensor) else b
    if tensor._data.dtype == np.bool_:
        raise NotImplementedError("div: rounding division is not implemented for bool tensors")
    if tensor._data.dtype.kind == "f":
        return DivRounded.apply(a, b, rounding_mode)
    a_data, b_data = (v._data if isinstance(v, Tensor) else v for v in (a, b))
    if np.any(np.asarray(b_data) == 0):
        raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
    if rounding_mode == "floor":
        result = np.floor_divide(a_data, b_data)
    else:                                   # round toward 0: |a| // |b| with the sign back
        result = np.sign(a_data) * np.sign(b_data) * (np.abs(a_data) // np.abs(b_data))
    return Tensor._make(np.asarray(result).astype(tensor._data.dtype, copy=False), None)


def floor_divide(input, other):
    """⌊input / other⌋ (PyTorch ≥ 1.13 floors, like Python's ``//``); a step, so
    PyTorch defines no gradient for it, so the result is outside the graph.

    >>> import tinygrad_cnn as tg
    >>> tg.floor_divide(tg.tensor([-7, 7]), 2)
    tensor([-4,  3])
    """
    result = rounded_div(input, other, "floor")
    return result.detach() if result.requires_grad else result


TENSOR_METHODS = ("floor_divide", "fmod", "remainder")
