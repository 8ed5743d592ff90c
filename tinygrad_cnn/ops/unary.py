"""Unary functions of one tensor, z = f(x) entry by entry: exponentials,
logarithms and powers (exp, log, sqrt, square, rsqrt, reciprocal, log2, log10,
log1p, exp2, expm1), abs and clamp.

The trigonometric and hyperbolic functions are in `trig`, the error function
in `special`, the rounding functions in `rounding`, and tanh, sigmoid and relu
in `activation`.

Most ops here are a `Unary`: its forward is ``z = f(x)`` and its backward is
the chain rule for one input, ``∂L/∂x = δ ⊙ f'(x)``. A subclass names ``f``
and writes ``f'`` right under it, from x or from the output z when that is
cheaper. Integer input gives the default float dtype, as in PyTorch.
"""
import math

import numpy as np

from .. import _state
from ..function import Function
from ..tensor import Tensor


class Unary(Function):
    """z = f(x), so ∂L/∂x = δ ⊙ f'(x). A subclass sets ``f`` and
    ``derivative(x, z)``, which returns f'(x) (z = f(x) is given too)."""

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


def as_float(input):
    """``input`` itself, or in the default float dtype when it holds integers
    or bools (PyTorch's rule for the float functions)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor, got {type(input).__name__}")
    if input._data.dtype.kind != "f":
        return Tensor._make(input._data.astype(_state.default_dtype.numpy_dtype), None)
    return input


# --- exponentials, logarithms and square roots --------------------------------
class Exp(Function):
    """z = eˣ, so ∂L/∂x = δ ⊙ z."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return delta * out


class Log(Function):
    """z = ln x, so ∂L/∂x = δ / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, delta):
        (x,) = ctx.saved_tensors
        return delta / x


class Sqrt(Function):
    """z = √x, so ∂L/∂x = δ / (2z)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):   # √ at 0: ∞, as in PyTorch
            return delta / (2 * out)


# --- powers, exponentials and logarithms as `Unary` ops -------------------------
class Square(Unary):
    """z = x², so ∂L/∂x = δ ⊙ 2x."""
    f = staticmethod(np.square)

    @staticmethod
    def derivative(x, z):
        return 2 * x


class Reciprocal(Unary):
    """z = 1/x, so ∂L/∂x = −δ ⊙ z²."""

    @staticmethod
    def f(x):
        return 1 / x

    @staticmethod
    def derivative(x, z):
        return -z * z


class Rsqrt(Unary):
    """z = 1/√x, so ∂L/∂x = −δ ⊙ z³/2."""

    @staticmethod
    def f(x):
        return 1 / np.sqrt(x)

    @staticmethod
    def derivative(x, z):
        return -0.5 * z * z * z


class Log2(Unary):
    """z = log₂ x, so ∂L/∂x = δ / (x ln 2)."""
    f = staticmethod(np.log2)

    @staticmethod
    def derivative(x, z):
        return 1 / (x * math.log(2))


class Log10(Unary):
    """z = log₁₀ x, so ∂L/∂x = δ / (x ln 10)."""
    f = staticmethod(np.log10)

    @staticmethod
    def derivative(x, z):
        return 1 / (x * math.log(10))


class Log1p(Unary):
    """z = ln(1 + x) (exact for small x), so ∂L/∂x = δ / (1 + x)."""
    f = staticmethod(np.log1p)

    @staticmethod
    def derivative(x, z):
        return 1 / (1 + x)


class Exp2(Unary):
    """z = 2ˣ, so ∂L/∂x = δ ⊙ z ln 2."""
    f = staticmethod(np.exp2)

    @staticmethod
    def derivative(x, z):
        return z * math.log(2)


class Expm1(Unary):
    """z = eˣ − 1 (exact for small x), so ∂L/∂x = δ ⊙ (z + 1)."""
    f = staticmethod(np.expm1)

    @staticmethod
    def derivative(x, z):
        return z + 1


# --- abs and clamp ------------------------------------------------------------
class Abs(Function):
    """z = |x|, so ∂L/∂x = δ ⊙ sign(x) (0 at x = 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, delta):
        (x,) = ctx.saved_tensors
        return delta * np.sign(x)


class Clamp(Function):
    """z = min(max(x, lo), hi), so ∂L/∂x = δ where lo ≤ x ≤ hi, else 0."""

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        return np.clip(x, min, max)

    @staticmethod
    def backward(ctx, delta):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return np.where(inside, delta, 0), None, None      # selected: inf δ · 0 would be NaN


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.exp(x)`` and ``x.exp()`` are the same function
# --------------------------------------------------------------------------
def exp(input):
    """eˣ entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.exp(tg.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    return Exp.apply(as_float(input))


def log(input):
    """ln x entrywise (ln 0 = −inf); integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.log(tg.tensor([1.0]))
    tensor([0.])
    """
    return Log.apply(as_float(input))


def sqrt(input):
    """√x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.sqrt(tg.tensor([4, 9]))
    tensor([2., 3.])
    """
    return Sqrt.apply(as_float(input))


def square(input):
    """x² entrywise; integers stay integers (PyTorch's ``square`` is ``x * x``).

    >>> import tinygrad_cnn as tg
    >>> tg.square(tg.tensor([-2, 3]))
    tensor([4, 9])
    """
    if input._data.dtype.kind in "iub":                 # bool squares to int64, as in PyTorch
        data = input._data.astype(np.int64) if input._data.dtype == np.bool_ else input._data
        return Tensor._make(np.square(data), None)
    return Square.apply(as_float(input))


def reciprocal(input):
    """1/x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.reciprocal(tg.tensor([2, 4]))
    tensor([0.5000, 0.2500])
    """
    return Reciprocal.apply(as_float(input))


def rsqrt(input):
    """1/√x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.rsqrt(tg.tensor([4.0]))
    tensor([0.5000])
    """
    return Rsqrt.apply(as_float(input))


def log2(input):
    """log₂ x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.log2(tg.tensor([8]))
    tensor([3.])
    """
    return Log2.apply(as_float(input))


def log10(input):
    """log₁₀ x entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.log10(tg.tensor([100.0]))
    tensor([2.])
    """
    return Log10.apply(as_float(input))


def log1p(input):
    """ln(1 + x) entrywise, exact for small x; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.log1p(tg.tensor([0.0]))
    tensor([0.])
    """
    return Log1p.apply(as_float(input))


def exp2(input):
    """2ˣ entrywise; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.exp2(tg.tensor([3]))
    tensor([8.])
    """
    return Exp2.apply(as_float(input))


def expm1(input):
    """eˣ − 1 entrywise, exact for small x; integer input gives the default float dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.expm1(tg.tensor([0.0]))
    tensor([0.])
    """
    return Expm1.apply(as_float(input))


def abs(input):
    """|x| entrywise; integers stay integers, bool is rejected (PyTorch).

    >>> import tinygrad_cnn as tg
    >>> tg.abs(tg.tensor([-2, 3]))
    tensor([2, 3])
    """
    if input._data.dtype == np.bool_:
        raise NotImplementedError("abs: not implemented for bool tensors")
    return Abs.apply(input)


def clamp(input, min=None, max=None):
    """min(max(input, min), max); δ passes where the bound did not bite.

    >>> import tinygrad_cnn as tg
    >>> tg.clamp(tg.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .pointwise import clamp_tensor
        return clamp_tensor(input, min, max)
    if any(isinstance(bound, float) for bound in (min, max)):
        input = as_float(input)          # an integer tensor and a float bound: the default float
    return Clamp.apply(input, min, max)


absolute, clip = abs, clamp

TENSOR_METHODS = (
    "abs", "absolute", "clamp", "clip", "exp", "exp2", "expm1", "log", "log10", "log1p", "log2",
    "reciprocal", "rsqrt", "sqrt", "square",
)
