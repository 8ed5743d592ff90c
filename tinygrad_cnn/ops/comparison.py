"""Comparisons and tests, whose results are bool tensors outside the graph:
`eq` … `ge`, `isclose`, `allclose`, `equal`, `isnan`, `isinf`, `isfinite`,
`isposinf`, `isneginf`, the `logical_*` and `bitwise_*` families; and
`nan_to_num`, which replaces non-finite values and passes δ where it kept x.
"""
import builtins

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import promote


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _bool(array):
    return Tensor._make(np.asarray(array, dtype=np.bool_), None)


def _compare(ufunc, input, other):
    """``ufunc`` of the two arrays (a number broadcasts), as a bool tensor."""
    return _bool(ufunc(_array(input), _array(other)))


def eq(input, other):
    """input = other entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.eq(tg.tensor([1, 2, 3]), 2).tolist()
    [False, True, False]
    """
    return _compare(np.equal, input, other)


def ne(input, other):
    """input ≠ other entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.ne(tg.tensor([1, 2, 3]), 2).tolist()
    [True, False, True]
    """
    return _compare(np.not_equal, input, other)


def lt(input, other):
    """input < other entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.lt(tg.tensor([1, 2, 3]), 2).tolist()
    [True, False, False]
    """
    return _compare(np.less, input, other)


def le(input, other):
    """input ≤ other entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.le(tg.tensor([1, 2, 3]), 2).tolist()
    [True, True, False]
    """
    return _compare(np.less_equal, input, other)


def gt(input, other):
    """input > other entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.gt(tg.tensor([1, 2, 3]), 2).tolist()
    [False, False, True]
    """
    return _compare(np.greater, input, other)


def ge(input, other):
    """input ≥ other entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.ge(tg.tensor([1, 2, 3]), 2).tolist()
    [False, True, True]
    """
    return _compare(np.greater_equal, input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input − other| ≤ atol + rtol·|other| entrywise (PyTorch's rule, not symmetric).

    >>> import tinygrad_cnn as tg
    >>> tg.isclose(tg.tensor([1.0, 1.1]), tg.tensor([1.0, 1.0]))
    tensor([ True, False])
    """
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        raise TypeError(f"isclose: expected two Tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a, b = promote("isclose", input, other)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype != b._data.dtype:
        raise RuntimeError(f"isclose: {a.dtype} did not match {b.dtype}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative, got {rtol}, {atol}")
    return _bool(np.isclose(_array(a), _array(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when `isclose` holds everywhere (a Python bool).

    >>> import tinygrad_cnn as tg
    >>> tg.allclose(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0 + 1e-9]))
    True
    """
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """True when both have the same shape and the same values (a Python bool).

    >>> import tinygrad_cnn as tg
    >>> tg.equal(tg.tensor([1, 2]), tg.tensor([1, 2])), tg.equal(tg.tensor([1]), tg.tensor([1, 1]))
    (True, False)
    """
    return input.shape == other.shape and builtins.bool(np.all(input._data == other._data))


def isnan(input):
    """True where input is NaN, entrywise (a bool tensor).

    >>> import tinygrad_cnn as tg
    >>> tg.isnan(tg.tensor([1.0, float('nan'), float('inf'), -float('inf')])).tolist()
    [False, True, False, False]
    """
    return _bool(np.isnan(input._data))


def isinf(input):
    """True where input is ±∞, entrywise (a bool tensor).

    >>> import tinygrad_cnn as tg
    >>> tg.isinf(tg.tensor([1.0, float('nan'), float('inf'), -float('inf')])).tolist()
    [False, False, True, True]
    """
    return _bool(np.isinf(input._data))


def isfinite(input):
    """True where input is neither NaN nor ±∞, entrywise (a bool tensor).

    >>> import tinygrad_cnn as tg
    >>> tg.isfinite(tg.tensor([1.0, float('nan'), float('inf'), -float('inf')])).tolist()
    [True, False, False, False]
    """
    return _bool(np.isfinite(input._data))


def isposinf(input):
    """True where input is +∞, entrywise (a bool tensor).

    >>> import tinygrad_cnn as tg
    >>> tg.isposinf(tg.tensor([1.0, float('nan'), float('inf'), -float('inf')])).tolist()
    [False, False, True, False]
    """
    return _bool(np.isposinf(input._data))


def isneginf(input):
    """True where input is −∞, entrywise (a bool tensor).

    >>> import tinygrad_cnn as tg
    >>> tg.isneginf(tg.tensor([1.0, float('nan'), float('inf'), -float('inf')])).tolist()
    [False, False, False, True]
    """
    return _bool(np.isneginf(input._data))


def isreal(input):
    """True where input is real: everywhere, as there are no complex tensors here.

    >>> import tinygrad_cnn as tg
    >>> tg.isreal(tg.tensor([1.0])).tolist()
    [True]
    """
    return _bool(np.isreal(input._data))


def _logical(ufunc, input, other):
    """``ufunc`` of the truth values (nonzero is True), as a bool tensor."""
    return _bool(ufunc(_array(input).astype(bool), _array(other).astype(bool)))


def logical_and(input, other):
    """Entrywise ``and`` of the truth values (nonzero is True).

    >>> import tinygrad_cnn as tg
    >>> tg.logical_and(tg.tensor([0, 0, 1, 2]), tg.tensor([0, 3, 0, 1])).tolist()
    [False, False, False, True]
    """
    return _logical(np.logical_and, input, other)


def logical_or(input, other):
    """Entrywise ``or`` of the truth values (nonzero is True).

    >>> import tinygrad_cnn as tg
    >>> tg.logical_or(tg.tensor([0, 0, 1, 2]), tg.tensor([0, 3, 0, 1])).tolist()
    [False, True, True, True]
    """
    return _logical(np.logical_or, input, other)


def logical_xor(input, other):
    """Entrywise ``xor`` of the truth values (nonzero is True).

    >>> import tinygrad_cnn as tg
    >>> tg.logical_xor(tg.tensor([0, 0, 1, 2]), tg.tensor([0, 3, 0, 1])).tolist()
    [False, True, True, False]
    """
    return _logical(np.logical_xor, input, other)


def logical_not(input):
    """True where input is zero.

    >>> import tinygrad_cnn as tg
    >>> tg.logical_not(tg.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    return _bool(np.logical_not(input._data))


def _bitwise(name, ufunc, input, other):
    """``ufunc`` of the promoted integer or bool arrays (floats are rejected)."""
    a, b = promote(name, input, other)
    arrays = [_array(v) for v in (a, b)]
    if any(array.dtype.kind == "f" for array in arrays):
        raise NotImplementedError(f"{name}: not implemented for floating-point tensors")
    return Tensor._make(np.asarray(ufunc(*arrays)), None)


def bitwise_and(input, other):
    """Entrywise bitwise ``and`` of integer or bool tensors.

    >>> import tinygrad_cnn as tg
    >>> tg.bitwise_and(tg.tensor([12]), tg.tensor([10])).item() == 8
    True
    """
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input, other):
    """Entrywise bitwise ``or`` of integer or bool tensors.

    >>> import tinygrad_cnn as tg
    >>> tg.bitwise_or(tg.tensor([12]), tg.tensor([10])).item() == 14
    True
    """
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input, other):
    """Entrywise bitwise ``xor`` of integer or bool tensors.

    >>> import tinygrad_cnn as tg
    >>> tg.bitwise_xor(tg.tensor([12]), tg.tensor([10])).item() == 6
    True
    """
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input):
    """Entrywise bitwise not (``~x``) of an integer or bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.bitwise_not(tg.tensor([0, 5]))
    tensor([-1, -6])
    """
    if input._data.dtype.kind == "f":
        raise NotImplementedError("bitwise_not: not implemented for floating-point tensors")
    return Tensor._make(np.invert(input._data), None)


class NanToNum(Function):
    """z = x with NaN, +∞, −∞ replaced by finite numbers, so ∂L/∂x = δ where x
    is finite and 0 where it was replaced."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        info = np.finfo(x.dtype)
        ctx.save_for_backward(np.isfinite(x))
        return np.nan_to_num(x, nan=nan, posinf=info.max if posinf is None else posinf,
                             neginf=info.min if neginf is None else neginf)

    @staticmethod
    def backward(ctx, delta):
        (finite,) = ctx.saved_tensors
        return np.where(finite, delta, 0), None, None, None


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan``, +∞ by ``posinf`` and −∞ by ``neginf`` (default: the
    dtype's largest and smallest finite values).

    >>> import tinygrad_cnn as tg
    >>> tg.nan_to_num(tg.tensor([float('nan'), 1.0, -float('inf')]), neginf=-9.0)
    tensor([ 0.,  1., -9.])
    """
    if input._data.dtype.kind != "f":
        return Tensor._make(input._data.copy(), None)
    return NanToNum.apply(input, nan, posinf, neginf)


TENSOR_METHODS = (
    "allclose", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "equal", "isclose",
    "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "logical_and", "logical_not",
    "logical_or", "logical_xor", "nan_to_num",
)
