"""The trigonometric and hyperbolic functions and their inverses: sin, cos,
tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh (and NumPy's spellings
arcsin … arctanh). The two-argument atan2 is in `pointwise`.

Each op is a `Unary` (see `unary`): z = f(x), so ∂L/∂x = δ ⊙ f'(x), with
``f`` and ``f'`` side by side. Integer input gives the default float dtype,
as in PyTorch.
"""
import numpy as np

from .unary import Unary, as_float


class Sin(Unary):
    """z = sin x, so ∂L/∂x = δ ⊙ cos x."""
    f = staticmethod(np.sin)

    @staticmethod
    def derivative(x, z):
        return np.cos(x)


class Cos(Unary):
    """z = cos x, so ∂L/∂x = −δ ⊙ sin x."""
    f = staticmethod(np.cos)

    @staticmethod
    def derivative(x, z):
        return -np.sin(x)


class Tan(Unary):
    """z = tan x, so ∂L/∂x = δ ⊙ (1 + z²)."""
    f = staticmethod(np.tan)

    @staticmethod
    def derivative(x, z):
        return 1 + z * z


class Asin(Unary):
    """z = asin x, so ∂L/∂x = δ / √(1 − x²)."""
    f = staticmethod(np.arcsin)

    @staticmethod
    def derivative(x, z):
        return 1 / np.sqrt(1 - x * x)


class Acos(Unary):
    """z = acos x, so ∂L/∂x = −δ / √(1 − x²)."""
    f = staticmethod(np.arccos)

    @staticmethod
    def derivative(x, z):
        return -1 / np.sqrt(1 - x * x)


class Atan(Unary):
    """z = atan x, so ∂L/∂x = δ / (1 + x²)."""
    f = staticmethod(np.arctan)

    @staticmethod
    def derivative(x, z):
        return 1 / (1 + x * x)


class Sinh(Unary):
    """z = sinh x, so ∂L/∂x = δ ⊙ cosh x."""
    f = staticmethod(np.sinh)

    @staticmethod
    def derivative(x, z):
        return np.cosh(x)


class Cosh(Unary):
    """z = cosh x, so ∂L/∂x = δ ⊙ sinh x."""
    f = staticmethod(np.cosh)

    @staticmethod
    def derivative(x, z):
        return np.sinh(x)


class Asinh(Unary):
    """z = asinh x, so ∂L/∂x = δ / √(x² + 1)."""
    f = staticmethod(np.arcsinh)

    @staticmethod
    def derivative(x, z):
        return 1 / np.sqrt(x * x + 1)


class Acosh(Unary):
    """z = acosh x, so ∂L/∂x = δ / √(x² − 1)."""
    f = staticmethod(np.arccosh)

    @staticmethod
    def derivative(x, z):
        return 1 / np.sqrt(x * x - 1)


class Atanh(Unary):
    """z = atanh x, so ∂L/∂x = δ / (1 − x²)."""
    f = staticmethod(np.arctanh)

    @staticmethod
    def derivative(x, z):
        return 1 / (1 - x * x)


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.sin(x)`` and ``x.sin()`` are the same function
# --------------------------------------------------------------------------

def sin(input):
    """sin x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.sin(tg.tensor([0.0]))
    tensor([0.])
    """
    return Sin.apply(as_float(input))


def cos(input):
    """cos x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.cos(tg.tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(as_float(input))


def tan(input):
    """tan x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.tan(tg.tensor([0.0]))
    tensor([0.])
    """
    return Tan.apply(as_float(input))


def asin(input):
    """asin x (NaN outside [−1, 1]) entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.asin(tg.tensor([1.0]))
    tensor([1.5708])
    """
    return Asin.apply(as_float(input))


def acos(input):
    """acos x (NaN outside [−1, 1]) entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.acos(tg.tensor([1.0]))
    tensor([0.])
    """
    return Acos.apply(as_float(input))


def atan(input):
    """atan x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.atan(tg.tensor([1.0]))
    tensor([0.7854])
    """
    return Atan.apply(as_float(input))


def sinh(input):
    """sinh x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.sinh(tg.tensor([0.0]))
    tensor([0.])
    """
    return Sinh.apply(as_float(input))


def cosh(input):
    """cosh x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.cosh(tg.tensor([0.0]))
    tensor([1.])
    """
    return Cosh.apply(as_float(input))


def asinh(input):
    """asinh x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.asinh(tg.tensor([0.0]))
    tensor([0.])
    """
    return Asinh.apply(as_float(input))


def acosh(input):
    """acosh x (NaN below 1) entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.acosh(tg.tensor([1.0]))
    tensor([0.])
    """
    return Acosh.apply(as_float(input))


def atanh(input):
    """atanh x (±inf at ±1) entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.atanh(tg.tensor([0.0]))
    tensor([0.])
    """
    return Atanh.apply(as_float(input))


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

TENSOR_METHODS = (
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "asin",
    "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan",
)
