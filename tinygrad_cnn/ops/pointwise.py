"""Pointwise ops between two tensors beyond + − × ÷: `maximum`, `minimum`,
`fmax`, `fmin`, `atan2`, `hypot`, `logaddexp`, `xlogy`, `fmod`, `remainder`,
`floor_divide`, `lerp`, and `clamp` with tensor bounds.

All broadcast like the arithmetic ops (with PyTorch's type promotion), so each
input's gradient is summed back to its own shape (`unbroadcast`). Where the two
inputs of `maximum`/`minimum` are equal, δ is split evenly between them
(PyTorch's rule), so the gradient of ``maximum(x, x)`` is δ, not 2δ.
"""
import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._helpers import check_broadcast, shape_of, unbroadcast
from .elementwise import _float_operands, promote


class Binary(Function):
    """z = f(a, b), so ∂L/∂a = δ ⊙ ∂f/∂a and ∂L/∂b = δ ⊙ ∂f/∂b, each summed back
    to its input's shape. Subclasses set ``f`` and ``partials(a, b, z)``."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast(ctx.name, a, b)
        with np.errstate(all="ignore"):
            out = ctx.f(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, delta):
        a, b, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            d_a, d_b = ctx.partials(a, b, out)
        return (unbroadcast(delta * d_a, shape_of(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(delta * d_b, shape_of(b)) if ctx.needs_input_grad[1] else None)


class Maximum(Binary):
    """z = max(a, b) entrywise (NaN if either is NaN), so ∂L/∂a = δ where a > b,
    δ/2 where a = b, 0 where a < b (and δ to both where a NaN decides)."""

    f = staticmethod(np.maximum)

    @staticmethod
    def partials(a, b, z):
        return (np.where(a == b, 0.5, 1.0 - (a < b)), np.where(a == b, 0.5, 1.0 - (a > b)))


class Minimum(Binary):
    """z = min(a, b) entrywise; δ to the smaller input, split evenly at ties."""

    f = staticmethod(np.minimum)

    @staticmethod
    def partials(a, b, z):
        return (np.where(a == b, 0.5, 1.0 - (a > b)), np.where(a == b, 0.5, 1.0 - (a < b)))


class Fmax(Binary):
    """z = max(a, b) ignoring a NaN (NaN only if both are), so δ goes to a where
    a ≥ b or b is NaN, and to b elsewhere (no split at ties: PyTorch's rule)."""

    f = staticmethod(np.fmax)

    @staticmethod
    def partials(a, b, z):
        to_a = (a >= b) | np.isnan(b)
        return to_a, ~to_a


class Fmin(Binary):
    """z = min(a, b) ignoring a NaN; δ to a where a ≤ b or b is NaN, else to b."""

    f = staticmethod(np.fmin)

    @staticmethod
    def partials(a, b, z):
        to_a = (a <= b) | np.isnan(b)
        return to_a, ~to_a


class Atan2(Binary):
    """z = atan2(a, b), the angle of the point (b, a), so
    ∂L/∂a = δ ⊙ b/(a² + b²) and ∂L/∂b = −δ ⊙ a/(a² + b²)."""

    f = staticmethod(np.arctan2)

    @staticmethod
    def partials(a, b, z):
        r2 = a * a + b * b
        return b / r2, -a / r2


class Hypot(Binary):
    """z = √(a² + b²), so ∂L/∂a = δ ⊙ a/z and ∂L/∂b = δ ⊙ b/z."""

    f = staticmethod(np.hypot)

    @staticmethod
    def partials(a, b, z):
        return a / z, b / z


class Logaddexp(Binary):
    """z = ln(eᵃ + eᵇ), so ∂L/∂a = δ ⊙ e^{a−z} and ∂L/∂b = δ ⊙ e^{b−z}."""

    f = staticmethod(np.logaddexp)

    @staticmethod
    def partials(a, b, z):
        return np.exp(a - z), np.exp(b - z)


class Xlogy(Binary):
    """z = a · ln b, and 0 where a = 0 (even if b = 0), so
    ∂L/∂a = δ ⊙ ln b (0 where a = 0) and ∂L/∂b = δ ⊙ a / b."""

    @staticmethod
    def f(a, b):
        return np.where(a == 0, 0.0, a * np.log(b)).astype(np.result_type(a, b), copy=False)

    @staticmethod
    def partials(a, b, z):
        return np.where(a == 0, 0.0, np.log(b)), a / b


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


class Lerp(Function):
    """z = a + w(e − a), so ∂L/∂a = δ ⊙ (1 − w), ∂L/∂e = δ ⊙ w, ∂L/∂w = δ ⊙ (e − a)."""

    @staticmethod
    def forward(ctx, a, end, weight):
        for other in (end, weight):
            check_broadcast("lerp", a, other)
        np.broadcast_shapes(shape_of(a), shape_of(end), shape_of(weight))
        ctx.save_for_backward(a, end, weight)
        return a + weight * (end - a)

    @staticmethod
    def backward(ctx, delta):
        a, end, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (unbroadcast(delta * (1 - weight), shape_of(a)) if need[0] else None,
                unbroadcast(delta * weight, shape_of(end)) if need[1] else None,
                unbroadcast(delta * (end - a), shape_of(weight)) if need[2] else None)


class ClampTensor(Function):
    """z = min(max(x, lo), hi) with tensor bounds, so ∂L/∂x = δ where lo ≤ x ≤ hi,
    ∂L/∂lo = δ where x < lo, ∂L/∂hi = δ where the upper bound bit (max(x, lo) > hi)."""

    name = "clamp"

    @staticmethod
    def forward(ctx, x, lo, hi):
        np.broadcast_shapes(*(shape_of(v) for v in (x, lo, hi) if v is not None))
        out = x
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        ctx.save_for_backward(x, lo, hi)
        return out

    @staticmethod
    def backward(ctx, delta):
        x, lo, hi = ctx.saved_tensors
        below = (x < lo) if lo is not None else np.zeros(x.shape, bool)
        above = (np.maximum(x, lo) if lo is not None else x) > hi if hi is not None else \
            np.zeros(x.shape, bool)
        need = ctx.needs_input_grad
        return (unbroadcast(np.where(below | above, 0, delta), x.shape) if need[0] else None,
                unbroadcast(np.where(below & ~above, delta, 0), shape_of(lo)) if need[1] else None,
                unbroadcast(np.where(above, delta, 0), shape_of(hi)) if need[2] else None)


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def maximum(input, other):
    """The entrywise larger of two tensors (NaN if either is NaN).

    >>> import tinygrad_cnn as tg
    >>> tg.maximum(tg.tensor([1.0, 5.0]), tg.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    _check_tensors("maximum", input, other)
    return Maximum.apply(*promote("maximum", input, other))


def minimum(input, other):
    """The entrywise smaller of two tensors (NaN if either is NaN).

    >>> import tinygrad_cnn as tg
    >>> tg.minimum(tg.tensor([1.0, 5.0]), tg.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    _check_tensors("minimum", input, other)
    return Minimum.apply(*promote("minimum", input, other))


def _check_tensors(name, input, other):
    """PyTorch's signature takes two Tensors here (no Python number)."""
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        raise TypeError(f"{name}: expected two Tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")


def _binary(node, name, doc, floats=False, tensors_only=False):
    def function(input, other):
        if tensors_only:
            _check_tensors(name, input, other)
        kinds = {v._data.dtype.kind for v in (input, other) if isinstance(v, Tensor)}
        if (kinds <= set("iub") and node in (Hypot, Logaddexp)) or (
                kinds == {"b"} and node in (Fmod, Remainder)):
            raise NotImplementedError(f"{name}: not implemented for integer or bool tensors")
        a, b = (_float_operands if floats else promote)(name, input, other)
        if not isinstance(a, Tensor):
            a = Tensor._make(np.asarray(a, dtype=b._data.dtype), None)
        if not isinstance(b, Tensor):
            b = Tensor._make(np.asarray(b, dtype=a._data.dtype), None)
        if a._data.dtype.kind in "iub" and not floats:
            if node in (Fmod, Remainder) and np.any(b._data == 0):
                raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")
            return Tensor._make(np.asarray(node.f(a._data, b._data)), None)
        return node.apply(a, b)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


fmax = _binary(Fmax, "fmax", """max(input, other) entrywise, ignoring NaN (NaN only where both are).

    >>> import tinygrad_cnn as tg
    >>> tg.fmax(tg.tensor([1.0, float('nan')]), tg.tensor([float('nan'), 2.0]))
    tensor([1., 2.])
    """, tensors_only=True)
fmin = _binary(Fmin, "fmin", """min(input, other) entrywise, ignoring NaN.

    >>> import tinygrad_cnn as tg
    >>> tg.fmin(tg.tensor([1.0, float('nan')]), tg.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """, tensors_only=True)
atan2 = _binary(Atan2, "atan2", """The angle of the point (other, input), in (−π, π].

    >>> import tinygrad_cnn as tg
    >>> tg.atan2(tg.tensor([1.0]), tg.tensor([0.0]))
    tensor([1.5708])
    """, floats=True, tensors_only=True)
arctan2 = atan2
hypot = _binary(Hypot, "hypot", """√(input² + other²) without overflow.

    >>> import tinygrad_cnn as tg
    >>> tg.hypot(tg.tensor([3.0]), tg.tensor([4.0]))
    tensor([5.])
    """, tensors_only=True)
logaddexp = _binary(Logaddexp, "logaddexp", """ln(e^input + e^other), computed stably.

    >>> import tinygrad_cnn as tg
    >>> tg.logaddexp(tg.tensor([1000.0], dtype=tg.float64), tg.tensor([1000.0], dtype=tg.float64))
    tensor([1000.6931], dtype=tinygrad_cnn.float64)
    """, floats=True, tensors_only=True)
xlogy = _binary(Xlogy, "xlogy", """input · ln(other), 0 where input is 0.

    >>> import tinygrad_cnn as tg
    >>> tg.xlogy(tg.tensor([0.0, 2.0]), tg.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """, floats=True)
fmod = _binary(Fmod, "fmod", """C's remainder: input − other·trunc(input/other), the sign of input.

    >>> import tinygrad_cnn as tg
    >>> tg.fmod(tg.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """)
remainder = _binary(Remainder, "remainder", """Python's remainder: the sign of other.

    >>> import tinygrad_cnn as tg
    >>> tg.remainder(tg.tensor([-3.0, 3.0]), 2)
    tensor([1., 1.])
    """)


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


def lerp(input, end, weight):
    """input + weight·(end − input); ``weight`` is a number or a tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.lerp(tg.tensor([0.0, 10.0]), tg.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    if not isinstance(end, Tensor) or end._data.dtype != input._data.dtype:
        raise RuntimeError(f"lerp: expected end to be a Tensor of dtype {input.dtype}, got "
                        f"{getattr(end, 'dtype', type(end).__name__)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"lerp: not implemented for dtype {input.dtype}")
    if isinstance(weight, Tensor):
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(f"lerp: expected weight of dtype {input.dtype}, got {weight.dtype}")
    else:
        weight = float(weight)
    try:
        return Lerp.apply(input, end, weight)
    except ValueError:
        raise RuntimeError(f"lerp: shapes cannot be broadcast together: {input.shape}, "
                           f"{end.shape}, {shape_of(weight)}") from None


def clamp_tensor(input, min=None, max=None):
    """`clamp` with tensor bounds (each broadcast against ``input``)."""
    if input._data.dtype == np.bool_:
        raise NotImplementedError("clamp: not implemented for bool tensors")
    bounds = []
    for bound in (min, max):
        if bound is None or isinstance(bound, Tensor):
            bounds.append(bound)
        else:
            bounds.append(Tensor._make(np.asarray(bound, dtype=input._data.dtype), None))
    try:
        return ClampTensor.apply(input, *bounds)
    except ValueError:
        raise RuntimeError(f"clamp: the bounds' shapes cannot be broadcast to the input's "
                           f"{input.shape}") from None


def clamp_min(input, min):
    """max(input, min): `clamp` with only a lower bound.

    >>> import tinygrad_cnn as tg
    >>> tg.clamp_min(tg.tensor([-1.0, 2.0]), 0)
    tensor([0., 2.])
    """
    from .unary import clamp
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max): `clamp` with only an upper bound.

    >>> import tinygrad_cnn as tg
    >>> tg.clamp_max(tg.tensor([-1.0, 2.0]), 0)
    tensor([-1.,  0.])
    """
    from .unary import clamp
    return clamp(input, max=max)


TENSOR_METHODS = ("arctan2", "atan2", "clamp_max", "clamp_min", "floor_divide", "fmax", "fmin",
                  "fmod", "hypot", "lerp", "logaddexp", "maximum", "minimum", "remainder", "xlogy")
