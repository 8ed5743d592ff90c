"""Elementwise ops: arithmetic (+ − × ÷ ** @ and negation) and the unary
functions (exp, log, sqrt, tanh, sigmoid, relu, abs, clamp, dtype casts).

Binary ops broadcast like NumPy. Broadcasting copies an input along the new or
size-1 axes, so its gradient is the sum of δ over those axes: `unbroadcast`
is that sum, the adjoint of broadcasting. ``δ`` (``delta``) is always
``∂L/∂output``; each backward returns ``∂L/∂input`` for every input.
"""
import numpy as np

from .._errors import ShapeError, describe
from ..function import Function
from ._helpers import check_broadcast, shape_of, unbroadcast


class Add(Function):
    """z = a + b, so ∂L/∂a = δ and ∂L/∂b = δ (each summed to its own shape)."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast("add", a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        return np.add(a, b)

    @staticmethod
    def backward(ctx, delta):
        shape_a, shape_b = ctx.shapes
        return (unbroadcast(delta, shape_a) if ctx.needs_input_grad[0] else None,
                unbroadcast(delta, shape_b) if ctx.needs_input_grad[1] else None)


class Sub(Function):
    """z = a − b, so ∂L/∂a = δ and ∂L/∂b = −δ."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast("sub", a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, delta):
        shape_a, shape_b = ctx.shapes
        return (unbroadcast(delta, shape_a) if ctx.needs_input_grad[0] else None,
                unbroadcast(-delta, shape_b) if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = a ⊙ b, so ∂L/∂a = δ ⊙ b and ∂L/∂b = δ ⊙ a."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast("mul", a, b)
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, delta):
        a, b = ctx.saved_tensors
        return (unbroadcast(delta * b, shape_of(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(delta * a, shape_of(b)) if ctx.needs_input_grad[1] else None)


class Div(Function):
    """z = a / b, so ∂L/∂a = δ / b and ∂L/∂b = −δ ⊙ a / b² = −δ ⊙ z / b."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast("div", a, b)
        out = np.divide(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, delta):
        a, b, out = ctx.saved_tensors
        return (unbroadcast(delta / b, shape_of(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(-delta * out / b, shape_of(b)) if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """z = a^b, so ∂L/∂a = δ ⊙ b·a^(b−1) and ∂L/∂b = δ ⊙ z·ln a."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast("pow", a, b)
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, delta):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(delta * b * np.power(a, b - 1), shape_of(a))
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = unbroadcast(delta * out * np.log(a), shape_of(b))
        return grad_a, grad_b


class Neg(Function):
    """z = −a, so ∂L/∂a = −δ."""

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, delta):
        return -delta


class MatMul(Function):
    """Z = A B (batched like ``np.matmul``), so ∂L/∂A = δ Bᵀ and ∂L/∂B = Aᵀ δ.

    Shape:
        A: (*, n, k) or (k,);  B: (*, k, m) or (k,);  Z: (*, n, m).
        Batch dimensions broadcast; their gradient is summed back.
    """

    @staticmethod
    def forward(ctx, a, b):
        a_ndim, b_ndim = np.ndim(a), np.ndim(b)
        if a_ndim == 0 or b_ndim == 0:
            raise ShapeError(f"matmul: both operands need at least 1 dimension, "
                             f"got {describe(a)} @ {describe(b)}")
        inner_a = a.shape[-1]
        inner_b = b.shape[-2] if b_ndim > 1 else b.shape[0]
        if inner_a != inner_b:
            raise ShapeError(f"matmul: inner dimensions differ ({inner_a} != {inner_b}) "
                             f"in {describe(a)} @ {describe(b)}")
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise ShapeError(f"matmul: batch dimensions cannot be broadcast in "
                             f"{describe(a)} @ {describe(b)}") from None
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, delta):
        a, b = ctx.saved_tensors
        # treat vectors as a row (A) / a column (B) matrix, as matmul does
        a2 = a[None, :] if a.ndim == 1 else a                 # (*, n, k)
        b2 = b[:, None] if b.ndim == 1 else b                 # (*, k, m)
        delta2 = delta
        if a.ndim == 1:
            delta2 = np.expand_dims(delta2, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            delta2 = np.expand_dims(delta2, -1)               # (*, n, m)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(delta2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ delta2, b2.shape).reshape(b.shape)
        return grad_a, grad_b


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
        return delta / (2 * out)


class Tanh(Function):
    """z = tanh x, so ∂L/∂x = δ ⊙ (1 − z²)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return delta * (1 - out * out)


class Sigmoid(Function):
    """z = σ(x) = 1 / (1 + e⁻ˣ), so ∂L/∂x = δ ⊙ z(1 − z).

    Computed as ½(1 + tanh(x/2)), the same function without overflow for very
    negative x.
    """

    @staticmethod
    def forward(ctx, x):
        out = 0.5 * (1 + np.tanh(0.5 * x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return delta * out * (1 - out)


class Relu(Function):
    """z = max(x, 0), so ∂L/∂x = δ ⊙ 1[x > 0] (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, delta):
        (out,) = ctx.saved_tensors
        return delta * (out > 0)


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
        return delta * inside, None, None


class Cast(Function):
    """z = x converted to another float dtype; ∂L/∂x = δ converted back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, delta):
        return delta.astype(ctx.in_dtype), None
