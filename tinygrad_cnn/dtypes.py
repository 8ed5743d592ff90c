"""Dtypes with PyTorch's names, and PyTorch's type-promotion rule.

``tinygrad_cnn.float32`` (alias ``float``), ``float64`` (``double``),
``float16`` (``half``), ``int64`` (``long``), ``int32`` (``int``), ``int16``
(``short``), ``int8``, ``uint8`` and ``bool`` are `DType` objects. Each wraps
a NumPy dtype, so it works wherever NumPy expects one
(``array.astype(tg.float32)``), and compares equal to it
(``tg.float32 == np.float32``).

**Promotion follows PyTorch, not NumPy.** Operands fall in three categories,
bool < integer < floating point, and the result takes the highest category
present:

* tensors with at least one dimension decide the dtype among themselves:
  the wider type within a category (``float16`` with ``float32`` gives
  ``float32``), the floating type across categories (``int64`` with
  ``float16`` gives ``float16`` — NumPy would say ``float64``);
* a 0-dim tensor or a Python/NumPy scalar never *widens* within a category:
  ``float32_tensor * np.float64(0.5)`` stays ``float32``;
* when a scalar or 0-dim tensor is of a higher category, the result is, for
  a Python or NumPy scalar, the default dtype of that category (float32 for
  floats, int64 for ints), and for a 0-dim tensor its own dtype;
* true division of integers gives the default float dtype.

>>> import numpy as np, tinygrad_cnn as tg
>>> tg.float32, tg.float is tg.float32, tg.float32 == np.float32
(tinygrad_cnn.float32, True, True)
>>> (tg.ones(2) * np.float64(0.5)).dtype
tinygrad_cnn.float32
>>> (tg.tensor([1, 2]) / 2).dtype
tinygrad_cnn.float32
"""
import builtins

import numpy as np

from . import _state


class DType:
    """A tensor element type: PyTorch's name, NumPy's storage.

    >>> import tinygrad_cnn as tg
    >>> tg.float64.is_floating_point, tg.float64.itemsize, str(tg.int64)
    (True, 8, 'int64')
    """

    __slots__ = ("name", "numpy_dtype")

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)

    # NumPy reads ``.dtype`` from any object passed where a dtype is expected
    @property
    def dtype(self):
        return self.numpy_dtype

    is_floating_point = property(lambda self: self.numpy_dtype.kind == "f")
    is_signed = property(lambda self: self.numpy_dtype.kind in "if")
    itemsize = property(lambda self: self.numpy_dtype.itemsize)
    kind = property(lambda self: self.numpy_dtype.kind)

    def __repr__(self):
        return f"tinygrad_cnn.{self.name}"

    def __str__(self):          # the bare name, as error messages print every dtype
        return self.name

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return self.numpy_dtype == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.numpy_dtype)

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = DType("float16", np.float16)
float32 = float = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
uint8 = DType("uint8", np.uint8)
int8 = DType("int8", np.int8)
int16 = short = DType("int16", np.int16)
int32 = int = DType("int32", np.int32)
int64 = long = DType("int64", np.int64)
bool = DType("bool", np.bool_)

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_FROM_NUMPY = {d.numpy_dtype: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32,
                long=int64)


def _by_name(name):
    return _BY_NAME[name]


def to_dtype(spec, op="dtype"):
    """Any dtype spelling → a `DType`: a DType, a NumPy dtype or type,
    Python's ``float``/``int``/``bool``, or a name (``'float32'``, ``'torch.long'``).

    >>> import numpy as np, tinygrad_cnn as tg
    >>> to_dtype(np.float64), to_dtype("long"), to_dtype(builtins.float)
    (tinygrad_cnn.float64, tinygrad_cnn.int64, tinygrad_cnn.float32)
    """
    if isinstance(spec, DType):
        return spec
    if spec is builtins.float:
        return _state.default_dtype
    if spec is builtins.int:
        return int64
    if spec is builtins.bool:
        return bool
    if isinstance(spec, str):
        name = spec.rsplit(".", 1)[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
    try:
        found = _FROM_NUMPY.get(np.dtype(spec))
    except TypeError:
        found = None
    if found is None:
        supported = ", ".join(d.name for d in _ALL)
        raise TypeError(f"{op}: unsupported dtype {spec!r}; tinygrad_cnn supports {supported}")
    return found


def from_numpy_dtype(numpy_dtype):
    """The `DType` of a NumPy array's dtype (raises for complex, object, …)."""
    found = _FROM_NUMPY.get(numpy_dtype)
    if found is None:
        return to_dtype(numpy_dtype)
    return found


def get_default_dtype():
    """The dtype Python floats become (``float32`` unless changed)."""
    return _state.default_dtype


def set_default_dtype(dtype):
    """Make Python floats (and float factories) use ``dtype``: float32 or float64.

    >>> import tinygrad_cnn as tg
    >>> tg.set_default_dtype(tg.float64); tg.tensor([1.5]).dtype
    tinygrad_cnn.float64
    >>> tg.set_default_dtype(tg.float32)
    """
    dtype = to_dtype(dtype, "set_default_dtype")
    if not dtype.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {dtype}")
    _state.default_dtype = dtype


# ----- promotion --------------------------------------------------------------
def _category(numpy_dtype):
    return {"b": 0, "u": 1, "i": 1, "f": 2}.get(numpy_dtype.kind, 3)


def _scalar_category(value):
    if isinstance(value, (builtins.bool, np.bool_)):
        return 0
    if isinstance(value, (builtins.int, np.integer)):
        return 1
    return 2


def promote_types(a, b):
    """PyTorch's ``promote_types`` on NumPy dtypes: within one category the wider
    type (NumPy's rule: ``uint8`` with ``int8`` gives ``int16``), across
    categories the dtype of the higher one (``int64`` with ``float16`` gives
    ``float16``, where NumPy would give ``float64``).

    >>> promote_types(np.dtype(np.int64), np.dtype(np.float16))
    dtype('float16')
    """
    category_a, category_b = _category(a), _category(b)
    if category_a == category_b:
        return np.promote_types(a, b)
    return a if category_a > category_b else b


def _promote_all(numpy_dtypes):
    result = numpy_dtypes[0]
    for numpy_dtype in numpy_dtypes[1:]:
        result = promote_types(result, numpy_dtype)
    return result


def result_dtype(*operands):
    """The NumPy dtype of an op over ``operands`` (arrays, 0-dim arrays, scalars)
    by PyTorch's rule (see the module docstring).

    >>> import numpy as np
    >>> result_dtype(np.ones(2, np.float16), np.ones(2, np.float32))
    dtype('float32')
    >>> result_dtype(np.ones(2, np.int64), 2.5), result_dtype(np.ones(2, np.float32), np.float64(1))
    (dtype('float32'), dtype('float32'))
    >>> result_dtype(np.ones(2, np.int64), np.ones(2, np.float32))
    dtype('float32')
    """
    dims, zero_dims, scalars = [], [], []
    for value in operands:
        if isinstance(value, np.ndarray):
            (dims if value.ndim else zero_dims).append(value.dtype)
        else:
            scalars.append(value)
    result = _promote_all(dims) if dims else None
    category = _category(result) if dims else -1
    if zero_dims:
        zero = _promote_all(zero_dims)
        if _category(zero) > category:
            result, category = zero, _category(zero)
    if scalars:
        scalar_category = max(_scalar_category(s) for s in scalars)
        if scalar_category > category:
            category = scalar_category
            result = (np.dtype(np.bool_), np.dtype(np.int64),
                      _state.default_dtype.numpy_dtype)[scalar_category]
    return result


_state.default_dtype = float32
