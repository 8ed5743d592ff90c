"""The core ops: elementwise arithmetic, reductions and shape movement.

Every op is a `Function`: ``forward`` right above ``backward``, NumPy arrays in
and out, the local rule in the docstring. ``δ`` (``delta``) is always
``∂L/∂output``; each backward returns ``∂L/∂input`` for every input.

Binary ops broadcast like NumPy. Broadcasting copies an input along the new or
size-1 axes, so its gradient is the sum of δ over those axes: `unbroadcast`
is that sum, the adjoint of broadcasting.

These ops know nothing of ``nn``; the CNN layers live in
``tinygrad_cnn.nn.functional``.
"""
from collections.abc import Sequence

import numpy as np

from ._errors import ShapeError, describe
from .function import Function


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes).reshape(shape)


def shape_of(value):
    """Shape of an array, () for a Python number (cheaper than ``np.shape``)."""
    return getattr(value, "shape", ())


def check_broadcast(op, a, b):
    """Raise a `ShapeError` naming ``op`` when ``a`` and ``b`` cannot broadcast.
    (A Python number broadcasts against anything, so only two arrays are checked.)"""
    shape_a, shape_b = shape_of(a), shape_of(b)
    if shape_a != shape_b and shape_a and shape_b:
        try:
            np.broadcast_shapes(shape_a, shape_b)
        except ValueError:
            raise ShapeError(f"{op}: shapes cannot be broadcast together: "
                             f"{describe(a)} and {describe(b)}") from None


def normalize_dims(op, dim, ndim):
    """``dim`` (None, int or tuple of ints, negatives allowed) → sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s)")
        axes.append(int(d) % max(ndim, 1))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(axes)) if ndim else ()


def _grad_of_reduction(delta, in_shape, axes, keepdim):
    """Put back the reduced axes of δ so it broadcasts against the input."""
    if not keepdim:
        delta = np.expand_dims(delta, axes)
    return np.broadcast_to(delta, in_shape)


# --------------------------------------------------------------------------
# arithmetic
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# elementwise functions
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------
class Sum(Function):
    """z = Σ_{dims} x, so ∂L/∂x = δ copied back along the summed dims."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims("sum", dim, x.ndim)
        ctx.in_shape, ctx.keepdim = x.shape, keepdim
        return np.sum(x, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, delta):
        return _grad_of_reduction(delta, ctx.in_shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    """z = (1/n) Σ_{dims} x, so ∂L/∂x = δ / n, copied back along the dims."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims("mean", dim, x.ndim)
        ctx.in_shape, ctx.keepdim = x.shape, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.mean(x, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, delta):
        return _grad_of_reduction(delta / ctx.count, ctx.in_shape, ctx.axes, ctx.keepdim)


class Amax(Function):
    """z = max_{dims} x. δ is shared evenly among the entries equal to the
    maximum (PyTorch's rule for ``amax`` and for ``max()`` without ``dim``)."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes = normalize_dims(ctx.name, dim, x.ndim)
        if x.size == 0:
            raise ValueError(f"{ctx.name}: cannot reduce an empty tensor {describe(x)}")
        out = ctx.reduce(x, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x == out)
        ctx.keepdim = keepdim
        return out if keepdim else np.squeeze(out, axis=ctx.axes)

    reduce = staticmethod(np.max)

    @staticmethod
    def backward(ctx, delta):
        (is_extreme,) = ctx.saved_tensors
        if not ctx.keepdim:
            delta = np.expand_dims(delta, ctx.axes)
        ties = is_extreme.sum(axis=ctx.axes, keepdims=True)
        return delta * is_extreme / ties


class Amin(Amax):
    """z = min_{dims} x; δ shared evenly among the entries equal to the minimum."""

    reduce = staticmethod(np.min)


class MaxDim(Function):
    """values = max of x along ``dim``; δ goes to the index returned with it
    (the first maximum), as PyTorch's ``max(dim)``."""

    name = "max"
    pick = staticmethod(np.argmax)

    @staticmethod
    def forward(ctx, x, dim, keepdim=False):
        (axis,) = normalize_dims(ctx.name, dim, x.ndim)
        if x.shape and x.shape[axis] == 0:
            raise ValueError(f"{ctx.name}: cannot reduce an empty dimension of {describe(x)}")
        index = np.expand_dims(ctx.pick(x, axis=axis), axis)
        ctx.indices = index if keepdim else np.squeeze(index, axis)
        ctx.axis, ctx.in_shape, ctx.keepdim = axis, x.shape, keepdim
        values = np.take_along_axis(x, index, axis)
        return values if keepdim else np.squeeze(values, axis)

    @staticmethod
    def backward(ctx, delta):
        index = ctx.indices if ctx.keepdim else np.expand_dims(ctx.indices, ctx.axis)
        if not ctx.keepdim:
            delta = np.expand_dims(delta, ctx.axis)
        grad = np.zeros(ctx.in_shape, dtype=delta.dtype)
        np.put_along_axis(grad, index, delta, ctx.axis)
        return grad, None, None


class MinDim(MaxDim):
    """values = min of x along ``dim``; δ goes to the returned index."""

    name = "min"
    pick = staticmethod(np.argmin)


# --------------------------------------------------------------------------
# shape movement: no arithmetic, δ is moved back the way the data came
# --------------------------------------------------------------------------
class Reshape(Function):
    """z = x with a new shape (same entries, row-major); ∂L/∂x = δ reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(f"{ctx.name}: cannot reshape {describe(x)} "
                             f"({x.size} elements) into {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, delta):
        return delta.reshape(ctx.in_shape), None


class Flatten(Reshape):
    """Reshape that merges dims ``start_dim..end_dim`` (named for drawings)."""


class Squeeze(Reshape):
    """Reshape that drops size-1 dims."""


class Unsqueeze(Reshape):
    """Reshape that inserts a size-1 dim."""


class Transpose(Function):
    """z = x with two axes swapped; ∂L/∂x = δ with them swapped back."""

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, delta):
        return np.swapaxes(delta, *ctx.dims), None, None


class Permute(Function):
    """z = x with its axes reordered by ``dims``; ∂L/∂x = δ with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} is not a permutation of the "
                             f"{x.ndim} axes of {describe(x)}")
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, delta):
        return np.transpose(delta, np.argsort([d % delta.ndim for d in ctx.dims])), None


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, Sequence)) and not isinstance(p, str) for p in parts)


class GetItem(Function):
    """z = x[index]. δ is written back to the positions it was read from; an
    index repeated in an integer array reads a position twice, so its δs add up."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.in_dtype, ctx.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor {describe(x)})") from None

    @staticmethod
    def backward(ctx, delta):
        grad = np.zeros(ctx.in_shape, dtype=delta.dtype)
        if _is_advanced(ctx.index):
            np.add.at(grad, ctx.index, delta)     # accumulates repeated indices
        else:
            grad[ctx.index] = delta               # plain slicing never repeats
        return grad, None


class Cat(Function):
    """z = [x₁; x₂; …] along ``dim``; ∂L/∂xᵢ = the slice of δ that xᵢ filled."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("cat: expected at least one tensor")
        first = arrays[0]
        (axis,) = normalize_dims(ctx.name, dim, first.ndim)
        for i, array in enumerate(arrays):
            if array.ndim != first.ndim or any(
                    s != t for k, (s, t) in enumerate(zip(array.shape, first.shape)) if k != axis):
                raise ShapeError(f"cat: tensor {i} has shape {array.shape} but tensor 0 has "
                                 f"{first.shape}; all dims except dim={dim} must match")
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        return tuple(np.split(delta, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """z = the inputs stacked along a new ``dim``; ∂L/∂xᵢ = δ's i-th slice there."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("stack: expected at least one tensor")
        for i, array in enumerate(arrays):
            if array.shape != arrays[0].shape:
                raise ShapeError(f"stack: tensor {i} has shape {array.shape} but tensor 0 has "
                                 f"{arrays[0].shape}; all must match")
        (axis,) = normalize_dims(ctx.name, dim, arrays[0].ndim + 1)
        ctx.axis = axis
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        return tuple(np.moveaxis(delta, ctx.axis, 0))


class Where(Function):
    """z = a where cond else b, so ∂L/∂a = δ where cond, ∂L/∂b = δ elsewhere."""

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond)
        if cond.dtype != np.bool_:
            raise TypeError(f"where: condition must be a bool tensor, got {describe(cond)}")
        try:
            out = np.where(cond, a, b)
        except ValueError:
            raise ShapeError(f"where: shapes cannot be broadcast together: condition "
                             f"{describe(cond)}, {describe(a)}, {describe(b)}") from None
        ctx.save_for_backward(cond)
        ctx.shapes = (shape_of(a), shape_of(b))
        return out

    @staticmethod
    def backward(ctx, delta):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=delta.dtype)
        return (None,
                unbroadcast(np.where(cond, delta, zero), ctx.shapes[0]) if ctx.needs_input_grad[1] else None,
                unbroadcast(np.where(cond, zero, delta), ctx.shapes[1]) if ctx.needs_input_grad[2] else None)


class Pad(Function):
    """z = x surrounded by constant ``value``; ∂L/∂x = δ with the border cropped.

    ``pad`` follows PyTorch: pairs from the *last* dim backwards,
    ``(left, right, top, bottom, …)``.
    """

    @staticmethod
    def forward(ctx, x, pad, value=0.0):
        if len(pad) % 2 or len(pad) // 2 > x.ndim:
            raise ValueError(f"pad: expected an even number of at most {2 * x.ndim} values "
                             f"for {describe(x)}, got {tuple(pad)}")
        if any(p < 0 for p in pad):
            raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
        widths = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.crop = tuple(slice(before, before + size) for (before, _), size in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, delta):
        return delta[ctx.crop], None, None
