"""The error function of probability theory, entry by entry: erf and erfc
(also in ``torch.special``; the exact GELU, x·Φ(x), is built on erf).

Both are a `Unary` (``z = f(x)``, ``∂L/∂x = δ ⊙ f'(x)``), like the
functions of `unary`.
"""
import math

import numpy as np

from .unary import Unary, as_float

_erf_scalar = np.frompyfunc(math.erf, 1, 1)
_erfc_scalar = np.frompyfunc(math.erfc, 1, 1)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class Erf(Unary):
    """z = erf x = (2/√π) ∫₀ˣ e^{−t²} dt, so ∂L/∂x = δ ⊙ (2/√π) e^{−x²}.

    Entry by entry with Python's ``math.erf`` (correctly rounded in float64;
    no SciPy needed)."""

    @staticmethod
    def f(x):
        return np.asarray(_erf_scalar(x), dtype=np.float64).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(x, z):
        return _TWO_OVER_SQRT_PI * np.exp(-x * x)


class Erfc(Unary):
    """z = erfc x = 1 − erf x, so ∂L/∂x = −δ ⊙ (2/√π) e^{−x²}.

    Computed directly with ``math.erfc``, so large x keeps its precision."""

    @staticmethod
    def f(x):
        return np.asarray(_erfc_scalar(x), dtype=np.float64).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(x, z):
        return -_TWO_OVER_SQRT_PI * np.exp(-x * x)



def erf(input):
    """erf x = (2/√π) ∫₀ˣ e^{−t²} dt entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.erf(tg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8427])
    """
    return Erf.apply(as_float(input))


def erfc(input):
    """erfc x = 1 − erf x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.erfc(tg.tensor([0.0]))
    tensor([1.])
    """
    return Erfc.apply(as_float(input))


TENSOR_METHODS = ("erf", "erfc")
