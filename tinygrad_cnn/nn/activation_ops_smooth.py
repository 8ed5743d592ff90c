"""Smooth activations: the exponential family (elu, selu, celu), the gated
ones (gelu, silu, mish), softplus, logsigmoid, softsign and tanhshrink.

Each is elementwise, so its backward is docs/derivations.md's
``δ^{l} = f'(z^{l}) ⊙ (…)`` with its own f': every op below multiplies δ by
the derivative written in its docstring. The exponentials are evaluated only
where they cannot overflow, so every op is finite for inputs of any size.
"""
import math

import numpy as np

from ..function import Function

#: SELU's constants (Klambauer et al. 2017), as PyTorch has them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def softplus(x):
    """``log(1 + e^x) = max(x, 0) + log(1 + e^{−|x|})``: the second form never overflows.

    >>> softplus(np.array([0.0, 1e4]))
    array([6.93147181e-01, 1.00000000e+04])
    """
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    """σ(x) = e^{−softplus(−x)}: no overflow for large |x|."""
    return np.exp(-softplus(-x))


_math_erfc = np.frompyfunc(math.erfc, 1, 1)   # NumPy has no erfc; math.erfc is exact in float64


def _normal_cdf(x):
    """Φ(x) = erfc(−x/√2) / 2, which keeps its relative precision in the far
    left tail (½(1 + erf(x/√2)) cancels there: gelu(−4.4) came out 0.3 % off
    in float32)."""
    tail = np.asarray(_math_erfc(x * (-1 / math.sqrt(2))), dtype=np.float64)
    return (0.5 * tail).astype(x.dtype, copy=False)


class Elu(Function):
    """``f(x) = s·x`` for x > 0, ``s·α·(e^{x·i} − 1)`` otherwise, with scale s = 1
    and input scale i = 1 for ELU; so ``f'(x) = s`` for x > 0, ``s·α·i·e^{x·i}``
    otherwise (the left derivative at 0, as PyTorch).

    SELU and CELU are the same rule with other constants (`Selu`, `Celu`).
    """

    @staticmethod
    def forward(ctx, x, *, alpha, scale=1.0, input_scale=1.0):
        negative = x <= 0                                    # NaN counts as positive, as PyTorch
        # e^{x·i} − 1 where used (no overflow), by expm1: e^{x·i} then − 1 cancels
        # for tiny x (ELU(−1e−8) came out 0 in float32)
        exponent = np.minimum(x, 0) * input_scale
        ctx.save_for_backward(negative, exponent)
        ctx.coefficients = (alpha, scale, input_scale)
        return np.where(negative, (scale * alpha) * np.expm1(exponent), scale * x)

    @staticmethod
    def backward(ctx, delta):
        negative, exponent = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefficients
        exp = np.exp(exponent)                               # e^{x·i}, exact far to the left
        return delta * np.where(negative, (scale * alpha * input_scale) * exp, scale)


class Selu(Elu):
    """``selu(x) = λ·elu(x, α)`` with λ ≈ 1.0507, α ≈ 1.6733, so
    ``f'(x) = λ`` for x > 0 and ``λ·α·e^x`` otherwise."""

    name = "selu"


class Celu(Elu):
    """``celu(x) = max(0, x) + min(0, α(e^{x/α} − 1))``, so ``f'(x) = 1`` for
    x > 0 and ``e^{x/α}`` otherwise."""

    name = "celu"


class Gelu(Function):
    """``gelu(x) = x·Φ(x)`` with Φ the standard normal CDF, ``Φ(x) = (1 + erf(x/√2)) / 2``
    (computed as ``erfc(−x/√2) / 2``, the same value without cancellation),
    so ``f'(x) = Φ(x) + x·φ(x)``, ``φ(x) = e^{−x²/2} / √(2π)``.

    ``approximate='tanh'``: ``x·(1 + tanh u)/2`` with ``u = √(2/π)(x + 0.044715 x³)``,
    so ``f'(x) = (1 + tanh u)/2 + x·(1 − tanh² u)·√(2/π)(1 + 3·0.044715 x²)/2``.
    """

    @staticmethod
    def forward(ctx, x, *, approximate):
        ctx.approximate = approximate
        if approximate == "tanh":
            ctx.save_for_backward(x)
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + np.tanh(inner))
        cdf = _normal_cdf(x)                                          # Φ(x)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, delta):
        if ctx.approximate == "tanh":
            (x,) = ctx.saved_tensors
            beta = math.sqrt(2 / math.pi)
            tanh_inner = np.tanh(beta * (x + 0.044715 * x * x * x))
            slope = (0.5 * (1 + tanh_inner)
                     + 0.5 * x * (1 - tanh_inner * tanh_inner) * beta * (1 + 3 * 0.044715 * x * x))
        else:
            x, cdf = ctx.saved_tensors
            pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))    # φ(x)
            slope = cdf + x * pdf
        return delta * slope


class Silu(Function):
    """``silu(x) = x·σ(x)`` (swish), so ``f'(x) = σ(x)·(1 + x·(1 − σ(x)))``."""

    @staticmethod
    def forward(ctx, x):
        sigmoid = _sigmoid(x)
        ctx.save_for_backward(x, sigmoid)
        return x * sigmoid

    @staticmethod
    def backward(ctx, delta):
        x, sigmoid = ctx.saved_tensors
        return delta * sigmoid * (1 + x * (1 - sigmoid))


class Mish(Function):
    """``mish(x) = x·tanh(softplus(x))``, so with T = tanh(softplus(x)):
    ``f'(x) = T + x·σ(x)·(1 − T²)`` (softplus' = σ)."""

    @staticmethod
    def forward(ctx, x):
        tanh_softplus = np.tanh(softplus(x))
        ctx.save_for_backward(x, tanh_softplus)
        return x * tanh_softplus

    @staticmethod
    def backward(ctx, delta):
        x, tanh_softplus = ctx.saved_tensors
        return delta * (tanh_softplus + x * _sigmoid(x) * (1 - tanh_softplus * tanh_softplus))


class Softplus(Function):
    """``softplus(x) = log(1 + e^{βx}) / β``, and just x where βx > threshold
    (where the two agree to float precision); so ``f'(x) = σ(βx)``, or 1 above
    the threshold."""

    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        scaled = x * beta
        linear = scaled > threshold
        ctx.save_for_backward(scaled, linear)
        return np.where(linear, x, softplus(scaled) / beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, delta):
        scaled, linear = ctx.saved_tensors
        return delta * np.where(linear, 1, _sigmoid(scaled))


class LogSigmoid(Function):
    """``log σ(x) = −softplus(−x)``, so ``f'(x) = 1 − σ(x) = σ(−x)``."""

    name = "logsigmoid"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -softplus(-x)

    @staticmethod
    def backward(ctx, delta):
        (x,) = ctx.saved_tensors
        return delta * _sigmoid(-x)


class Softsign(Function):
    """``softsign(x) = x / (1 + |x|)``, so ``f'(x) = 1 / (1 + |x|)²``."""

    @staticmethod
    def forward(ctx, x):
        denominator = 1 + np.abs(x)
        ctx.save_for_backward(denominator)
        return x / denominator

    @staticmethod
    def backward(ctx, delta):
        (denominator,) = ctx.saved_tensors
        return delta / (denominator * denominator)


class Tanhshrink(Function):
    """``tanhshrink(x) = x − tanh x``, so ``f'(x) = 1 − (1 − tanh² x) = tanh² x``."""

    @staticmethod
    def forward(ctx, x):
        tanh = np.tanh(x)
        ctx.save_for_backward(tanh)
        return x - tanh

    @staticmethod
    def backward(ctx, delta):
        (tanh,) = ctx.saved_tensors
        return delta * tanh * tanh
