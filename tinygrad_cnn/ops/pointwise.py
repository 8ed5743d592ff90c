"""Pointwise ops between two tensors beyond + − × ÷: `maximum`, `minimum`,
`fmax`, `fmin`, `atan2`, `hypot`, `logaddexp`, `xlogy`, `lerp`, and `clamp`
with tensor bounds (`clamp_min`, `clamp_max`). The remainders and rounded
division (`fmod`, `remainder`, `floor_divide`, ``div(rounding_mode=…)``) are
in `division`.

All broadcast like the arithmetic ops (with PyTorch's type promotion), so each
input's gradient is summed back to its own shape (`unbroadcast`). Where the two
inputs of `maximum`/`minimum` are equal, δ is split evenly between them
(PyTorch's rule), so the gradient of ``maximum(x, x)`` is δ, not 2δ.
"""
import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._helpers import check_broadcast, shape_of, unbroadcast
from .activation import logistic
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


class Selecting(Binary):
    """A Binary op whose partials are weights that pick an input (1, ½ at a
    tie, 0): where a weight is 0 the gradient is 0, not δ · 0 (an inf or NaN
    δ would give NaN there; PyTorch selects too)."""

    @staticmethod
    def backward(ctx, delta):
        a, b, out = ctx.saved_tensors
        d_a, d_b = ctx.partials(a, b, out)
        with np.errstate(all="ignore"):
            return (unbroadcast(np.where(d_a == 0, 0, delta * d_a), shape_of(a))
                    if ctx.needs_input_grad[0] else None,
                    unbroadcast(np.where(d_b == 0, 0, delta * d_b), shape_of(b))
                    if ctx.needs_input_grad[1] else None)


class Maximum(Selecting):
    """z = max(a, b) entrywise (NaN if either is NaN), so ∂L/∂a = δ where a > b,
    δ/2 where a = b, 0 where a < b (and δ to both where a NaN decides)."""

    f = staticmethod(np.maximum)

    @staticmethod
    def partials(a, b, z):
        return (np.where(a == b, 0.5, 1.0 - (a < b)), np.where(a == b, 0.5, 1.0 - (a > b)))


class Minimum(Selecting):
    """z = min(a, b) entrywise; δ to the smaller input, split evenly at ties."""

    f = staticmethod(np.minimum)

    @staticmethod
    def partials(a, b, z):
        return (np.where(a == b, 0.5, 1.0 - (a > b)), np.where(a == b, 0.5, 1.0 - (a < b)))


class Fmax(Selecting):
    """z = max(a, b) ignoring a NaN (NaN only if both are), so δ goes to a where
    a ≥ b or b is NaN, and to b elsewhere (no split at ties: PyTorch's rule)."""

    f = staticmethod(np.fmax)

    @staticmethod
    def partials(a, b, z):
        to_a = (a >= b) | np.isnan(b)
        return to_a, ~to_a


class Fmin(Selecting):
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
    """z = ln(eᵃ + eᵇ), so ∂L/∂a = δ ⊙ e^{a−z} = δ ⊙ σ(a − b) and
    ∂L/∂b = δ ⊙ σ(b − a). (Written with σ: at a = b = 10³⁰⁸, z − a rounds to 0
    and e^{a−z} would give 1 instead of ½.)"""

    f = staticmethod(np.logaddexp)

    @staticmethod
    def partials(a, b, z):
        return logistic(a - b), logistic(b - a)


class Xlogy(Binary):
    """z = a · ln b, and 0 where a = 0 (even if b = 0), so
    ∂L/∂a = δ ⊙ ln b (0 where a = 0) and ∂L/∂b = δ ⊙ a / b."""

    @staticmethod
    def f(a, b):
        return np.where(a == 0, 0.0, a * np.log(b)).astype(np.result_type(a, b), copy=False)

    @staticmethod
    def partials(a, b, z):
        return np.where(a == 0, 0.0, np.log(b)), a / b


class Lerp(Function):
    """z = a + w(e − a), so ∂L/∂a = δ ⊙ (1 − w), ∂L/∂e = δ ⊙ w, ∂L/∂w = δ ⊙ (e − a).
    The forward takes PyTorch's second form e − (e − a)(1 − w) for |w| ≥ ½."""

    @staticmethod
    def forward(ctx, a, end, weight):
        for other in (end, weight):
            check_broadcast("lerp", a, other)
        np.broadcast_shapes(shape_of(a), shape_of(end), shape_of(weight))
        ctx.save_for_backward(a, end, weight)
        # PyTorch's two forms: from a for |w| < ½, from e otherwise (exact at w = 1,
        # and a = ±inf with e finite gives ±inf rather than inf − inf = NaN)
        with np.errstate(all="ignore"):          # the form not taken may hold inf − inf
            difference = end - a
            return np.where(np.abs(weight) < 0.5, a + weight * difference,
                            end - difference * (1 - weight))

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


def apply_binary(node, name, input, other, *, floats=False, zero_divisor_error=False):
    """``node`` applied with the arithmetic ops' argument handling: PyTorch's
    promotion (to a float dtype when ``floats``), a Python number made a tensor
    of the other operand's dtype, and integer results computed outside the graph
    (nothing to differentiate), where ``zero_divisor_error`` rejects a 0 divisor."""
    a, b = (_float_operands if floats else promote)(name, input, other)
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a, dtype=b._data.dtype), None)
    if not isinstance(b, Tensor):
        b = Tensor._make(np.asarray(b, dtype=a._data.dtype), None)
    if a._data.dtype.kind in "iub" and not floats:
        if zero_divisor_error and np.any(b._data == 0):
            raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")
        return Tensor._make(np.asarray(node.f(a._data, b._data)), None)
    return node.apply(a, b)


def _reject_integers(name, input, other):
    """hypot and logaddexp are float-only in PyTorch."""
    kinds = {v._data.dtype.kind for v in (input, other) if isinstance(v, Tensor)}
    if kinds <= set("iub"):
        raise NotImplementedError(f"{name}: not implemented for integer or bool tensors")


def fmax(input, other):
    """max(input, other) entrywise, ignoring NaN (NaN only where both are).

    >>> import tinygrad_cnn as tg
    >>> tg.fmax(tg.tensor([1.0, float('nan')]), tg.tensor([float('nan'), 2.0]))
    tensor([1., 2.])
    """
    _check_tensors("fmax", input, other)
    return apply_binary(Fmax, "fmax", input, other)


def fmin(input, other):
    """min(input, other) entrywise, ignoring NaN.

    >>> import tinygrad_cnn as tg
    >>> tg.fmin(tg.tensor([1.0, float('nan')]), tg.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    _check_tensors("fmin", input, other)
    return apply_binary(Fmin, "fmin", input, other)


def atan2(input, other):
    """The angle of the point (other, input), in (−π, π].

    >>> import tinygrad_cnn as tg
    >>> tg.atan2(tg.tensor([1.0]), tg.tensor([0.0]))
    tensor([1.5708])
    """
    _check_tensors("atan2", input, other)
    return apply_binary(Atan2, "atan2", input, other, floats=True)


arctan2 = atan2


def hypot(input, other):
    """√(input² + other²) without overflow.

    >>> import tinygrad_cnn as tg
    >>> tg.hypot(tg.tensor([3.0]), tg.tensor([4.0]))
    tensor([5.])
    """
    _check_tensors("hypot", input, other)
    _reject_integers("hypot", input, other)
    return apply_binary(Hypot, "hypot", input, other)


def logaddexp(input, other):
    """ln(e^input + e^other), computed stably.

    >>> import tinygrad_cnn as tg
    >>> tg.logaddexp(tg.tensor([1000.0], dtype=tg.float64), tg.tensor([1000.0], dtype=tg.float64))
    tensor([1000.6931], dtype=tinygrad_cnn.float64)
    """
    _check_tensors("logaddexp", input, other)
    _reject_integers("logaddexp", input, other)
    return apply_binary(Logaddexp, "logaddexp", input, other, floats=True)


def xlogy(input, other):
    """input · ln(other), 0 where input is 0.

    >>> import tinygrad_cnn as tg
    >>> tg.xlogy(tg.tensor([0.0, 2.0]), tg.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    return apply_binary(Xlogy, "xlogy", input, other, floats=True)


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


TENSOR_METHODS = ("arctan2", "atan2", "clamp_max", "clamp_min", "fmax", "fmin", "hypot", "lerp",
                  "logaddexp", "maximum", "minimum", "xlogy")
