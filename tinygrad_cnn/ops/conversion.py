"""Conversions: dtype (``to``, ``type``, ``float()``, ``long()`` …), device
(``to(device)``, ``cpu()``, ``cuda()``), copies and memory layout (``clone``,
``contiguous``).

Each is a Tensor method (see ``TENSOR_METHODS``). Between float dtypes ``to``
is differentiable (the `Cast` op: δ converted back); to an integer or bool
dtype it leaves the graph, as in PyTorch.

>>> import tinygrad_cnn as tg
>>> x = tg.tensor([1.5, -2.0], requires_grad=True)
>>> x.double().dtype, x.long().tolist(), x.type()
(tinygrad_cnn.float64, [1, -2], 'tinygrad_cnn.FloatTensor')
"""
import builtins

import numpy as np

from ..device import resolve_device
from ..dtypes import DType, to_dtype
from ..function import Function
from ..tensor import Tensor
from .elementwise import Cast

class Clone(Function):
    """z = a copy of x, so ∂L/∂x = δ."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, delta):
        return delta


def clone(input, *, memory_format=None):
    """A copy of input that does not share memory; δ passes back unchanged.

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([1.0, 2.0])
    >>> y = tg.clone(x)
    >>> y[0] = 5.0
    >>> x
    tensor([1., 2.])
    """
    return Clone.apply(input)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
_TENSOR_TYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def to(input, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """PyTorch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other_tensor)`` (its dtype and device). Differentiable between float
    dtypes; returns the tensor itself when nothing changes (unless ``copy=True``).

    >>> import tinygrad_cnn as tg
    >>> x = tg.ones(2)
    >>> x.to("cpu") is x, x.to(tg.float64).dtype, x.to("cpu", tg.int64).dtype
    (True, tinygrad_cnn.float64, tinygrad_cnn.int64)
    """
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype if dtype is None else dtype
        elif isinstance(arg, DType) or (not isinstance(arg, str) and _is_dtype_like(arg)):
            dtype = arg
        else:
            device = arg
    if device is not None:
        resolve_device(device, "to")
    if dtype is None:
        return clone(input) if copy else input
    numpy_dtype = to_dtype(dtype, "to").numpy_dtype
    if numpy_dtype == input._data.dtype:
        return clone(input) if copy else input
    if numpy_dtype.kind == "f":
        return Cast.apply(input, numpy_dtype)
    return Tensor._make(input._data.astype(numpy_dtype), None)


def type(input, dtype=None):
    """``type()`` → PyTorch's type name (``'tinygrad_cnn.FloatTensor'``);
    ``type(dtype)`` → converted, like ``to(dtype)``."""
    if dtype is None:
        return "tinygrad_cnn." + _TYPE_NAMES[input.dtype.name]
    if isinstance(dtype, str) and dtype.rsplit(".", 1)[-1] in _TENSOR_TYPES:
        dtype = to_dtype(_TENSOR_TYPES[dtype.rsplit(".", 1)[-1]], "type")
    elif isinstance(dtype, builtins.type) and isinstance(getattr(dtype, "dtype", None), DType):
        dtype = dtype.dtype                          # x.type(tinygrad_cnn.FloatTensor)
    return to(input, dtype)


def type_as(input, other):
    return to(input, other.dtype)


def float(input):
    """The tensor as float32 (differentiable from another float dtype)."""
    return to(input, np.float32)


def double(input):
    """The tensor as float64 (differentiable from another float dtype)."""
    return to(input, np.float64)


def half(input):
    """The tensor as float16 (differentiable from another float dtype)."""
    return to(input, np.float16)


def long(input):
    """The tensor as int64 (outside the graph)."""
    return to(input, np.int64)


def int(input):
    """The tensor as int32 (outside the graph)."""
    return to(input, np.int32)


def short(input):
    return to(input, np.int16)


def char(input):
    return to(input, np.int8)


def byte(input):
    return to(input, np.uint8)


def bool(input):
    """The tensor as bool (nonzero → True; outside the graph)."""
    return to(input, np.bool_)


def cpu(input):
    """The tensor itself: it already lives on the CPU."""
    return input


def cuda(input, device=None, non_blocking=False):
    """Raises `tinygrad_cnn.DeviceError`: tinygrad_cnn computes on the CPU only."""
    resolve_device("cuda", "cuda")


def contiguous(input, memory_format=None):
    """``input`` itself when its memory is already in row-major order, else a
    row-major copy (δ passes back unchanged), so ``is_contiguous()`` holds after."""
    return input if input._data.flags.c_contiguous else clone(input)


def is_contiguous(input, memory_format=None):
    return builtins.bool(input._data.flags.c_contiguous)


def _is_dtype_like(value):
    if isinstance(value, (builtins.int, builtins.float)) or value is None:
        return False
    try:
        to_dtype(value)
        return True
    except TypeError:
        return False


TENSOR_METHODS = ("bool", "byte", "char", "clone", "contiguous", "cpu", "cuda", "double", "float",
                  "half", "int", "is_contiguous", "long", "short", "to", "type", "type_as")
