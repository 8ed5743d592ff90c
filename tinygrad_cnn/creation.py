"""Making tensors: from data (`tensor`, `as_tensor`, `from_numpy`), filled
(`zeros`, `ones`, `full`, `eye`, ranges) and random (`rand`, `randn`, `randint`,
`randperm`, `normal`), with PyTorch's signatures: sizes as varargs or one
tuple, and the keywords ``dtype=``, ``device=``, ``requires_grad=``.

Float factories use the default dtype (`set_default_dtype`, float32 unless
changed). Random factories draw from the global generator (`manual_seed`) or
from ``generator=``.

>>> import tinygrad_cnn as tg
>>> tg.zeros(2, 3).shape, tg.zeros((2, 3), dtype=tg.long).dtype, tg.eye(2)
((2, 3), tinygrad_cnn.int64, tensor([[1., 0.],
        [0., 1.]]))
"""
import builtins

import numpy as np

from . import _state, dtypes
from .device import resolve_device
from .dtypes import to_dtype
from .tensor import Tensor, _check_grad_dtype, _to_array


def _shape_arg(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(size)
    for s in shape:
        if isinstance(s, Tensor):
            s = s.item()
        if isinstance(s, builtins.bool) or not isinstance(s, (builtins.int, np.integer)) or s < 0:
            raise ValueError(f"{op}: sizes must be non-negative ints, got {tuple(size)}")
    return tuple(builtins.int(s) for s in shape)


def _numpy_dtype(dtype, op, default=None):
    if dtype is None:
        return (default or _state.default_dtype).numpy_dtype
    return to_dtype(dtype, op).numpy_dtype


def _leaf(op, array, requires_grad, device):
    resolve_device(device, op)
    _check_grad_dtype(op, array, requires_grad)
    out = Tensor._make(array, None)
    out.requires_grad = builtins.bool(requires_grad)
    return out


def _rng(generator):
    return _state.rng if generator is None else generator.numpy_generator


# ----- from data ----------------------------------------------------------------------
def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Make a tensor from data (always copied). Python floats → the default
    float dtype, ints → int64; NumPy arrays keep their dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([1.0, 2.0]).dtype, tg.tensor(3).dtype
    (tinygrad_cnn.float32, tinygrad_cnn.int64)
    """
    return _leaf("tensor", _to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares memory with a NumPy array or Tensor when no
    conversion is needed."""
    if isinstance(data, Tensor) and (dtype is None or to_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or to_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array):
    """Wrap a NumPy array without copying (changes to one show in the other).

    >>> import numpy as np, tinygrad_cnn as tg
    >>> a = np.zeros(2); t = tg.from_numpy(a); a[0] = 5; t
    tensor([5., 0.], dtype=tinygrad_cnn.float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    _to_array(array, copy=False)             # refuses dtypes a tensor cannot hold
    return Tensor._make(array, None)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()


# ----- filled -------------------------------------------------------------------------
def _filled(op, size, dtype, device, requires_grad, make, default=None):
    shape = _shape_arg(size, op)
    return _leaf(op, make(shape, _numpy_dtype(dtype, op, default)), requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False):
    return _filled("zeros", size, dtype, device, requires_grad, np.zeros)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    return _filled("ones", size, dtype, device, requires_grad, np.ones)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False, memory_format=None):
    return _filled("empty", size, dtype, device, requires_grad, np.empty)


def full(size, fill_value, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """A tensor of ``fill_value``; its dtype is inferred from the value like PyTorch
    (bool → bool, int → int64, float → the default float dtype)."""
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    return _filled("full", (size,), dtype, device, requires_grad,
                   lambda shape, dt: np.full(shape, fill_value, dtype=dt))


def eye(n, m=None, dtype=None, device=None, requires_grad=False, out=None):
    """The n×m identity matrix (m = n by default)."""
    return _filled("eye", (n, n if m is None else m), dtype, device, requires_grad,
                   lambda shape, dt: np.eye(*shape, dtype=dt))


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False, out=None):
    """[start, end) in steps; int64 unless an argument is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        floats = any(isinstance(v, (builtins.float, np.floating)) for v in (start, end, step))
        dtype = _state.default_dtype if floats else np.int64
    numpy_dtype = _numpy_dtype(dtype, "arange")
    count = builtins.max(0, builtins.int(np.ceil((end - start) / step)))
    array = (start + step * np.arange(count, dtype=np.float64)).astype(numpy_dtype) \
        if numpy_dtype.kind == "f" else np.arange(start, end, step, dtype=numpy_dtype)
    return _leaf("arange", array, requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False, out=None):
    """``steps`` values evenly spaced from ``start`` to ``end`` inclusive."""
    if isinstance(steps, builtins.bool) or not isinstance(steps, (builtins.int, np.integer)) \
            or steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps!r}")
    array = np.linspace(start, end, steps, dtype=np.float64)
    return _leaf("linspace", array.astype(_numpy_dtype(dtype, "linspace")), requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False,
             out=None):
    """``base ** linspace(start, end, steps)``."""
    array = np.power(base, np.linspace(start, end, steps, dtype=np.float64))
    return _leaf("logspace", array.astype(_numpy_dtype(dtype, "logspace")), requires_grad, device)


# ----- random -------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Uniform samples in [0, 1) from the global generator (see `manual_seed`)."""
    return _filled("rand", size, dtype, device, requires_grad,
                   lambda shape, dt: _rng(generator).random(shape).astype(dt, copy=False))


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Standard normal samples from the global generator (see `manual_seed`)."""
    return _filled("randn", size, dtype, device, requires_grad,
                   lambda shape, dt: _rng(generator).standard_normal(shape).astype(dt, copy=False))


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: expected randint(high, size) or randint(low, high, size) "
                            "with size a tuple")
        low, high, size = 0, low, high
    shape = _shape_arg((size,), "randint")
    if high <= low:
        raise ValueError(f"randint: expects low < high, got low={low}, high={high}")
    array = _rng(generator).integers(low, high, shape).astype(
        _numpy_dtype(dtype, "randint", to_dtype(np.int64)))
    return _leaf("randint", array, requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """A random permutation of 0 … n−1 (int64)."""
    array = _rng(generator).permutation(n).astype(_numpy_dtype(dtype, "randperm",
                                                               to_dtype(np.int64)))
    return _leaf("randperm", array, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False, out=None):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers (then ``size``)."""
    mean_array = mean._data if isinstance(mean, Tensor) else np.asarray(mean)
    std_array = std._data if isinstance(std, Tensor) else np.asarray(std)
    if np.any(std_array < 0):
        raise ValueError("normal: expects std >= 0.0")
    shape = np.broadcast_shapes(mean_array.shape, std_array.shape) if size is None \
        else _shape_arg((size,), "normal")
    if dtype is None:
        tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
        dtype = tensors[0].dtype if tensors else None
    numpy_dtype = _numpy_dtype(dtype, "normal")
    array = (mean_array + std_array * _rng(generator).standard_normal(shape)).astype(numpy_dtype)
    return _leaf("normal", array, requires_grad, device)


# ----- *_like -------------------------------------------------------------------------
def _like(factory):
    def like(input, dtype=None, device=None, requires_grad=False, memory_format=None, **kwargs):
        return factory(*input.shape, dtype=dtype if dtype is not None else input.dtype,
                       device=device, requires_grad=requires_grad, **kwargs)
    like.__name__ = like.__qualname__ = factory.__name__ + "_like"
    like.__doc__ = f"``{factory.__name__}`` with the shape (and dtype) of ``input``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
randn_like = _like(randn)
rand_like = _like(rand)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    return full(input.shape, fill_value, dtype=dtype if dtype is not None else input.dtype,
                device=device, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype if dtype is not None else input.dtype,
                   device=device, requires_grad=requires_grad)


# ----- legacy typed constructors ------------------------------------------------------------
class _LegacyType(type):
    """The metaclass of `FloatTensor` and friends, PyTorch's legacy tensor types:
    calling one makes a tensor of its dtype, and ``isinstance(t, FloatTensor)``
    asks whether ``t`` is a float32 tensor. No object is ever of these classes."""

    def __call__(cls, *data, device=None):
        if len(data) == 1 and not isinstance(data[0], (builtins.int, np.integer)):
            return tensor(data[0], dtype=cls.dtype, device=device)
        return zeros(*data, dtype=cls.dtype, device=device)      # FloatTensor(2, 3): a shape

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'tinygrad_cnn.{cls.__name__}'>"


def _typed(name, dtype):
    doc = (f"``{name}(data)`` → a {dtype.name} tensor of the data; ``{name}(2, 3)`` → "
           f"uninitialised (here: zero) of that shape; ``isinstance(t, {name})`` → whether "
           f"``t`` is a {dtype.name} tensor.\n\n"
           f"    >>> import tinygrad_cnn as tg\n"
           f"    >>> isinstance(tg.{name}([1]), tg.{name}), tg.{name}(2).dtype\n"
           f"    (True, tinygrad_cnn.{dtype.name})\n")
    return _LegacyType(name, (), {"dtype": dtype, "__doc__": doc, "__module__": "tinygrad_cnn"})


FloatTensor = _typed("FloatTensor", dtypes.float32)
DoubleTensor = _typed("DoubleTensor", dtypes.float64)
HalfTensor = _typed("HalfTensor", dtypes.float16)
LongTensor = _typed("LongTensor", dtypes.int64)
IntTensor = _typed("IntTensor", dtypes.int32)
ShortTensor = _typed("ShortTensor", dtypes.int16)
CharTensor = _typed("CharTensor", dtypes.int8)
ByteTensor = _typed("ByteTensor", dtypes.uint8)
BoolTensor = _typed("BoolTensor", dtypes.bool)
