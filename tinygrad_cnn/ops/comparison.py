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


def _compare(name, ufunc):
    def function(input, other):
        return _bool(ufunc(_array(input), _array(other)))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""``input {name} other`` entrywise (broadcast), a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.{name}(tg.tensor([1, 2, 3]), 2).tolist()
    {[builtins.bool(ufunc(v, 2)) for v in (1, 2, 3)]}
    """
    return function


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal)
lt = _compare("lt", np.less)
le = _compare("le", np.less_equal)
gt = _compare("gt", np.greater)
ge = _compare("ge", np.greater_equal)
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


def _test(name, numpy_test, doc_input, doc_output):
    def function(input):
        return _bool(numpy_test(input._data))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""Entrywise test, a bool tensor.

    >>> import tinygrad_cnn as tg
    >>> tg.{name}(tg.tensor({doc_input})).tolist()
    {doc_output}
    """
    return function


_SPECIALS = "[1.0, float('nan'), float('inf'), -float('inf')]"
isnan = _test("isnan", np.isnan, _SPECIALS, "[False, True, False, False]")
isinf = _test("isinf", np.isinf, _SPECIALS, "[False, False, True, True]")
isfinite = _test("isfinite", np.isfinite, _SPECIALS, "[True, False, False, False]")
isposinf = _test("isposinf", np.isposinf, _SPECIALS, "[False, False, True, False]")
isneginf = _test("isneginf", np.isneginf, _SPECIALS, "[False, False, False, True]")
isreal = _test("isreal", np.isreal, "[1.0]", "[True]")


def _logical(name, ufunc):
    def function(input, other):
        return _bool(ufunc(_array(input).astype(bool), _array(other).astype(bool)))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""Entrywise ``{name.split('_')[1]}`` of the truth values (nonzero is True).

    >>> import tinygrad_cnn as tg
    >>> tg.{name}(tg.tensor([0, 0, 1, 2]), tg.tensor([0, 3, 0, 1])).tolist()
    {[builtins.bool(ufunc(a, b)) for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]]}
    """
    return function


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


def logical_not(input):
    """True where input is zero.

    >>> import tinygrad_cnn as tg
    >>> tg.logical_not(tg.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    return _bool(np.logical_not(input._data))


def _bitwise(name, ufunc):
    def function(input, other):
        a, b = promote(name, input, other)
        arrays = [_array(v) for v in (a, b)]
        if any(array.dtype.kind == "f" for array in arrays):
            raise NotImplementedError(f"{name}: not implemented for floating-point tensors")
        return Tensor._make(np.asarray(ufunc(*arrays)), None)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""Entrywise bitwise ``{name.split('_')[1]}`` of integer or bool tensors.

    >>> import tinygrad_cnn as tg
    >>> tg.{name}(tg.tensor([12]), tg.tensor([10])).item() == {ufunc(12, 10)}
    True
    """
    return function


bitwise_and = _bitwise("bitwise_and", np.bitwise_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor)


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
