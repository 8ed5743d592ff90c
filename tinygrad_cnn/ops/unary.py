"""Unary math functions beyond the basic ones in `elementwise`: powers and
logarithms (square, rsqrt, reciprocal, log2, log10, log1p, exp2, expm1), the
error function (erf, erfc), rounding (sign, round, floor, ceil, trunc, frac),
and the trigonometric and hyperbolic functions with their inverses.

Each op is a `Unary`: its forward is ``z = f(x)`` and its backward is the
chain rule for one input, ``∂L/∂x = δ ⊙ f'(x)``; a subclass names ``f`` and
writes ``f'`` (from x, or from the output z when that is cheaper) beside it.
Integer input gives the default float dtype, as in PyTorch, except for the
rounding functions, which keep integers as they are.
"""
import math

import numpy as np

from .. import _state
from ..function import Function
from ..tensor import Tensor


class Unary(Function):
    """z = f(x), so ∂L/∂x = δ ⊙ f'(x). Subclasses set ``f`` and ``derivative(x, z)``."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(all="ignore"):          # log(0) = −inf, asin(2) = nan, as in PyTorch
            out = ctx.f(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, delta):
        x, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return delta * ctx.derivative(x, out)


def _unary(name, f, derivative, doc):
    """One `Unary` subclass: ``f`` and its derivative ``f'(x, z)``, named for graphs."""
    return type(name, (Unary,), {"__doc__": doc, "f": staticmethod(f),
                                 "derivative": staticmethod(derivative)})


# --- powers, exponentials and logarithms ------------------------------------
Square = _unary("Square", np.square, lambda x, z: 2 * x, "z = x², so ∂L/∂x = δ ⊙ 2x.")
Reciprocal = _unary("Reciprocal", lambda x: 1 / x, lambda x, z: -z * z,
                    "z = 1/x, so ∂L/∂x = −δ ⊙ z².")
Rsqrt = _unary("Rsqrt", lambda x: 1 / np.sqrt(x), lambda x, z: -0.5 * z * z * z,
               "z = 1/√x, so ∂L/∂x = −δ ⊙ z³/2.")
Log2 = _unary("Log2", np.log2, lambda x, z: 1 / (x * math.log(2)),
              "z = log₂ x, so ∂L/∂x = δ / (x ln 2).")
Log10 = _unary("Log10", np.log10, lambda x, z: 1 / (x * math.log(10)),
               "z = log₁₀ x, so ∂L/∂x = δ / (x ln 10).")
Log1p = _unary("Log1p", np.log1p, lambda x, z: 1 / (1 + x),
               "z = ln(1 + x) (exact for small x), so ∂L/∂x = δ / (1 + x).")
Exp2 = _unary("Exp2", np.exp2, lambda x, z: z * math.log(2), "z = 2ˣ, so ∂L/∂x = δ ⊙ z ln 2.")
Expm1 = _unary("Expm1", np.expm1, lambda x, z: z + 1,
               "z = eˣ − 1 (exact for small x), so ∂L/∂x = δ ⊙ (z + 1).")


# --- the error function -----------------------------------------------------
_erf_scalar = np.frompyfunc(math.erf, 1, 1)
_erfc_scalar = np.frompyfunc(math.erfc, 1, 1)


def _erf(x):
    """erf x = (2/√π) ∫₀ˣ e^{−t²} dt, entry by entry with Python's ``math.erf``
    (correctly rounded in float64; no SciPy needed)."""
    return np.asarray(_erf_scalar(x), dtype=np.float64).astype(x.dtype, copy=False)


def _erfc(x):
    """erfc x = 1 − erf x, computed directly so large x keeps its precision."""
    return np.asarray(_erfc_scalar(x), dtype=np.float64).astype(x.dtype, copy=False)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
Erf = _unary("Erf", _erf, lambda x, z: _TWO_OVER_SQRT_PI * np.exp(-x * x),
             "z = erf x, so ∂L/∂x = δ ⊙ (2/√π) e^{−x²}.")
Erfc = _unary("Erfc", _erfc, lambda x, z: -_TWO_OVER_SQRT_PI * np.exp(-x * x),
              "z = erfc x = 1 − erf x, so ∂L/∂x = −δ ⊙ (2/√π) e^{−x²}.")


# --- trigonometric and hyperbolic -------------------------------------------
Sin = _unary("Sin", np.sin, lambda x, z: np.cos(x), "z = sin x, so ∂L/∂x = δ ⊙ cos x.")
Cos = _unary("Cos", np.cos, lambda x, z: -np.sin(x), "z = cos x, so ∂L/∂x = −δ ⊙ sin x.")
Tan = _unary("Tan", np.tan, lambda x, z: 1 + z * z, "z = tan x, so ∂L/∂x = δ ⊙ (1 + z²).")
Asin = _unary("Asin", np.arcsin, lambda x, z: 1 / np.sqrt(1 - x * x),
              "z = asin x, so ∂L/∂x = δ / √(1 − x²).")
Acos = _unary("Acos", np.arccos, lambda x, z: -1 / np.sqrt(1 - x * x),
              "z = acos x, so ∂L/∂x = −δ / √(1 − x²).")
Atan = _unary("Atan", np.arctan, lambda x, z: 1 / (1 + x * x),
              "z = atan x, so ∂L/∂x = δ / (1 + x²).")
Sinh = _unary("Sinh", np.sinh, lambda x, z: np.cosh(x), "z = sinh x, so ∂L/∂x = δ ⊙ cosh x.")
Cosh = _unary("Cosh", np.cosh, lambda x, z: np.sinh(x), "z = cosh x, so ∂L/∂x = δ ⊙ sinh x.")
Asinh = _unary("Asinh", np.arcsinh, lambda x, z: 1 / np.sqrt(x * x + 1),
               "z = asinh x, so ∂L/∂x = δ / √(x² + 1).")
Acosh = _unary("Acosh", np.arccosh, lambda x, z: 1 / np.sqrt(x * x - 1),
               "z = acosh x, so ∂L/∂x = δ / √(x² − 1).")
Atanh = _unary("Atanh", np.arctanh, lambda x, z: 1 / (1 - x * x),
               "z = atanh x, so ∂L/∂x = δ / (1 − x²).")


# --- rounding: steps, so the gradient is 0 (frac = x − trunc x passes δ) ----
def _zero(x, z):
    return np.zeros_like(x)


Sign = _unary("Sign", np.sign, _zero, "z = sign x ∈ {−1, 0, 1} (a step), so ∂L/∂x = 0.")
Floor = _unary("Floor", np.floor, _zero, "z = ⌊x⌋ (a step), so ∂L/∂x = 0.")
Ceil = _unary("Ceil", np.ceil, _zero, "z = ⌈x⌉ (a step), so ∂L/∂x = 0.")
Trunc = _unary("Trunc", np.trunc, _zero, "z = x rounded toward 0 (a step), so ∂L/∂x = 0.")
Frac = _unary("Frac", lambda x: x - np.trunc(x), lambda x, z: np.ones_like(x),
              "z = x − trunc x, so ∂L/∂x = δ.")


class Round(Function):
    """z = x rounded half to even at ``decimals`` places (a step), so ∂L/∂x = 0."""

    @staticmethod
    def forward(ctx, x, decimals=0):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, delta):
        return np.zeros_like(delta), None


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.sin(x)`` and ``x.sin()`` are the same function
# --------------------------------------------------------------------------
def _as_float(input):
    """Integer and bool input become the default float dtype (PyTorch)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor, got {type(input).__name__}")
    if input._data.dtype.kind != "f":
        return Tensor._make(input._data.astype(_state.default_dtype.numpy_dtype), None)
    return input


def _float_function(node, name):
    def function(input):
        return node.apply(_as_float(input))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"Entrywise ``{name}`` ({node.__doc__.split(',')[0]}); integer "
                        f"input gives the default float dtype.\n\n"
                        f"    >>> import tinygrad_cnn as tg\n"
                        f"    >>> tg.{name}(tg.tensor([0.5])).shape\n"
                        f"    (1,)\n")
    return function




def square(input):
    """x² entrywise; integers stay integers (PyTorch's ``square`` is ``x * x``).

    >>> import tinygrad_cnn as tg
    >>> tg.square(tg.tensor([-2, 3]))
    tensor([4, 9])
    """
    if input._data.dtype.kind in "iub":                 # bool squares to int64, as in PyTorch
        data = input._data.astype(np.int64) if input._data.dtype == np.bool_ else input._data
        return Tensor._make(np.square(data), None)
    return Square.apply(_as_float(input))


reciprocal = _float_function(Reciprocal, "reciprocal")
rsqrt = _float_function(Rsqrt, "rsqrt")
log2 = _float_function(Log2, "log2")
log10 = _float_function(Log10, "log10")
log1p = _float_function(Log1p, "log1p")
exp2 = _float_function(Exp2, "exp2")
expm1 = _float_function(Expm1, "expm1")
erf = _float_function(Erf, "erf")
erfc = _float_function(Erfc, "erfc")
sin = _float_function(Sin, "sin")
cos = _float_function(Cos, "cos")
tan = _float_function(Tan, "tan")
asin = _float_function(Asin, "asin")
acos = _float_function(Acos, "acos")
atan = _float_function(Atan, "atan")
sinh = _float_function(Sinh, "sinh")
cosh = _float_function(Cosh, "cosh")
asinh = _float_function(Asinh, "asinh")
acosh = _float_function(Acosh, "acosh")
atanh = _float_function(Atanh, "atanh")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _rounding(node, name, integers):
    def function(input):
        if input._data.dtype.kind in "iub":
            if not integers:
                raise NotImplementedError(f"{name}: not implemented for integer dtype {input.dtype}")
            if input._data.dtype == np.bool_:
                if name == "sign":                   # sign of True is True
                    return Tensor._make(input._data.copy(), None)
                raise NotImplementedError(f"{name}: not implemented for bool tensors")
            return Tensor._make(np.asarray(node.f(input._data)).astype(input._data.dtype), None)
        return node.apply(input)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"Entrywise ``{name}`` ({node.__doc__.split(',')[0]}); integers keep "
                        f"their dtype.\n\n"
                        f"    >>> import tinygrad_cnn as tg\n"
                        f"    >>> tg.{name}(tg.tensor([-1.5, 2.25])).shape\n"
                        f"    (2,)\n")
    return function


sign = _rounding(Sign, "sign", integers=True)
floor = _rounding(Floor, "floor", integers=True)
ceil = _rounding(Ceil, "ceil", integers=True)
trunc = _rounding(Trunc, "trunc", integers=True)
frac = _rounding(Frac, "frac", integers=False)
fix = trunc


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


TENSOR_METHODS = (
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "asin",
    "asinh", "atan", "atanh", "ceil", "cos", "cosh", "erf", "erfc", "exp2", "expm1", "fix",
    "floor", "frac", "log10", "log1p", "log2", "reciprocal", "round", "rsqrt", "sgn", "sign",
    "sin", "sinh", "square", "tan", "trunc",
)
