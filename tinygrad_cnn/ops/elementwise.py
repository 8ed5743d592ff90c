"""Elementwise arithmetic: + − × ÷ ** @ and negation (add, sub, mul, div,
pow, neg, matmul, mm, bmm), clone and dtype casts, with PyTorch's type
promotion (promote, cast_to, operand). The unary functions are in `unary`
(exp, log, sqrt, abs, clamp …), `trig`, `rounding` and `activation`.

Binary ops broadcast like NumPy. Broadcasting copies an input along the new or
size-1 axes, so its gradient is the sum of δ over those axes: `unbroadcast`
is that sum, the adjoint of broadcasting. ``δ`` (``delta``) is always
``∂L/∂output``; each backward returns ``∂L/∂input`` for every input.
"""
import numpy as np

from .. import _state
from .._errors import DTypeError, ShapeError, describe
from ..dtypes import result_dtype
from ..function import Function
from ..tensor import Tensor
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
        with np.errstate(divide="ignore", invalid="ignore"):     # x/0 = ±inf, 0/0 = nan
            out = np.divide(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, delta):
        a, b, out = ctx.saved_tensors
        return (unbroadcast(delta / b, shape_of(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(-delta * out / b, shape_of(b)) if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """z = a^b, so ∂L/∂a = δ ⊙ b·a^(b−1) and ∂L/∂b = δ ⊙ z·ln a.

    At the edges PyTorch's values: ∂L/∂a = 0 where b = 0 (a⁰ is constant, even
    at a = 0), and ∂L/∂b = 0 where a = 0 and b ≥ 0 (z·ln a would be 0·(−∞))."""

    @staticmethod
    def forward(ctx, a, b):
        check_broadcast("pow", a, b)
        if np.asarray(a).dtype.kind in "iu" and isinstance(b, np.ndarray) and (b < 0).any():
            out = _integer_power(a, b)
        else:
            out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, delta):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                local = np.where(b == 0, 0, b * np.power(a, b - 1))
                grad_a = unbroadcast(delta * local, shape_of(a))
            if ctx.needs_input_grad[1]:
                local = np.where((a == 0) & (b >= 0), 0, out * np.log(a))
                grad_b = unbroadcast(delta * local, shape_of(b))
        return grad_a, grad_b


def _integer_power(a, b):
    """a ** b for integer tensors with negative exponents, as PyTorch computes
    them (NumPy refuses): 1 for a = 1, ±1 for a = −1, otherwise 0 (0 ** −1 too)."""
    negative = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(b < 0, negative, np.power(a, np.maximum(b, 0))).astype(
        np.result_type(a, b), copy=False)


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


class Cast(Function):
    """z = x converted to another float dtype; ∂L/∂x = δ converted back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, delta):
        return delta.astype(ctx.in_dtype), None


# --------------------------------------------------------------------------
# the functions: ``tinygrad_cnn.exp(x)`` and ``x.exp()`` are the same function
# --------------------------------------------------------------------------
def operand(value, op):
    """A second operand as an op takes it: Tensors pass; NumPy scalars become
    Python numbers (PyTorch treats both as *weak*: they never widen a tensor);
    arrays and lists become constant Tensors."""
    if isinstance(value, Tensor) or type(value) in (int, float, bool):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Tensor._make(np.asarray(value), None)
    raise TypeError(f"{op}: unsupported operand type {type(value).__name__}")


def cast_to(value, numpy_dtype):
    """``value`` (Tensor or Python number) in ``numpy_dtype``; differentiable for floats."""
    if not isinstance(value, Tensor) or value._data.dtype == numpy_dtype:
        return value
    if value.requires_grad and numpy_dtype.kind == "f":
        return Cast.apply(value, numpy_dtype)
    return Tensor._make(value._data.astype(numpy_dtype), None)


_WEAK_SCALARS = (int, float, bool)


def promote(op, a, b):
    """Both operands in the dtype PyTorch's promotion rule gives (see `dtypes`)."""
    a, b = operand(a, op), operand(b, op)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
            return a, b                                     # the common case, no work
        if type(b) in _WEAK_SCALARS and a._data.dtype.kind == "f":
            return a, b                # a Python number never widens a float tensor
    elif type(a) in _WEAK_SCALARS and isinstance(b, Tensor) and b._data.dtype.kind == "f":
        return a, b
    arrays = [v._data if isinstance(v, Tensor) else v for v in (a, b)]
    check_broadcast(op, *arrays)                  # name the shapes before any cast
    target = result_dtype(*arrays)
    return cast_to(a, target), cast_to(b, target)


def _float_operands(op, a, b):
    """Promoted, then integers and bools made the default float dtype (true division)."""
    a, b = promote(op, a, b)
    tensor = a if isinstance(a, Tensor) else b
    if tensor._data.dtype.kind != "f":
        target = _state.default_dtype.numpy_dtype
        a, b = cast_to(a, target), cast_to(b, target)
    return a, b


def _as_tensor(value, op):
    value = operand(value, op)
    return value if isinstance(value, Tensor) else Tensor._make(np.asarray(value), None)


def add(input, other, *, alpha=1):
    """input + alpha·other, with PyTorch's type promotion.

    >>> import tinygrad_cnn as tg
    >>> tg.add(tg.tensor([1, 2]), tg.tensor([0.5, 0.5]), alpha=2)
    tensor([2., 3.])
    """
    if alpha != 1:
        other = mul(other, alpha)
    a, b = promote("add", input, other)
    return Add.apply(a, b)


def sub(input, other, *, alpha=1):
    """input − alpha·other, with PyTorch's type promotion.

    >>> import tinygrad_cnn as tg
    >>> tg.sub(tg.tensor([5, 7]), 2)
    tensor([3, 5])
    """
    if alpha != 1:
        other = mul(other, alpha)
    if any(isinstance(v, Tensor) and v._data.dtype == np.bool_ for v in (input, other)):
        raise RuntimeError("sub: subtraction of bool tensors is not supported; use logical_xor")
    a, b = promote("sub", input, other)
    return Sub.apply(a, b)


def mul(input, other):
    """input ⊙ other, with PyTorch's type promotion.

    >>> import tinygrad_cnn as tg
    >>> tg.mul(tg.tensor([1, 2]), 1.5)
    tensor([1.5000, 3.0000])
    """
    a, b = promote("mul", input, other)
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode=None):
    """input / other (true division: integers give the default float dtype);
    ``rounding_mode='trunc'`` or ``'floor'`` rounds the quotient (see `division`).

    >>> import tinygrad_cnn as tg
    >>> tg.div(tg.tensor([7, -7]), 2), tg.div(tg.tensor([7, -7]), 2, rounding_mode="floor")
    (tensor([ 3.5000, -3.5000]), tensor([ 3, -4]))
    """
    if rounding_mode is not None:
        from .division import rounded_div
        return rounded_div(input, other, rounding_mode)
    a, b = _float_operands("div", input, other)
    return Div.apply(a, b)


def pow(input, exponent):
    """input ** exponent (either may be a number), with PyTorch's type promotion.

    >>> import tinygrad_cnn as tg
    >>> tg.pow(tg.tensor([2, 3]), 2), tg.pow(2, tg.tensor([0.5]))
    (tensor([4, 9]), tensor([1.4142]))
    """
    a, b = promote("pow", input, exponent)
    if all(not isinstance(v, Tensor) or v._data.dtype == np.bool_ for v in (a, b)):
        raise NotImplementedError("pow: not implemented for bool tensors")
    if not isinstance(a, Tensor):
        a = _as_tensor(a, "pow")
        a = cast_to(a, b._data.dtype)
    return Pow.apply(a, b)


def neg(input):
    """−input entrywise; bool tensors are rejected (PyTorch).

    >>> import tinygrad_cnn as tg
    >>> tg.neg(tg.tensor([1, -2]))
    tensor([-1,  2])
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("neg: negation of a bool tensor is not supported; use logical_not")
    return Neg.apply(input)


def matmul(input, other):
    """Matrix product (batched and broadcast like ``np.matmul``); both operands
    must have the same dtype, as in PyTorch.

    >>> import tinygrad_cnn as tg
    >>> tg.matmul(tg.tensor([[1, 2], [3, 4]]), tg.tensor([1, 1]))
    tensor([3, 7])
    """
    input, other = _as_tensor(input, "matmul"), _as_tensor(other, "matmul")
    if input._data.dtype != other._data.dtype:
        raise DTypeError(f"matmul: expected both operands to have the same dtype, "
                         f"got {describe(input)} @ {describe(other)}")
    return MatMul.apply(input, other)


def mm(input, mat2):
    """Product of two matrices (2-D only; `matmul` broadcasts).

    >>> import tinygrad_cnn as tg
    >>> tg.mm(tg.eye(2), tg.ones(2, 3)).shape
    (2, 3)
    """
    if input.ndim != 2 or mat2.ndim != 2:
        raise ShapeError(f"mm: both arguments must be matrices, got {describe(input)} and "
                         f"{describe(mat2)}")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched product of (B, n, k) and (B, k, m) without broadcasting.

    >>> import tinygrad_cnn as tg
    >>> tg.bmm(tg.ones(4, 2, 3), tg.ones(4, 3, 5)).shape
    (4, 2, 5)
    """
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"bmm: expected (B, n, k) and (B, k, m) with the same B, got "
                         f"{describe(input)} and {describe(mat2)}")
    return matmul(input, mat2)


multiply, negative, subtract, true_divide = mul, neg, sub, div
divide = div

TENSOR_METHODS = (
    "add", "bmm", "div", "divide", "matmul", "mm", "mul", "multiply", "neg", "negative", "pow",
    "sub", "subtract", "true_divide",
)
