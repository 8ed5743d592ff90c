"""``x.new_zeros(…)`` and friends: new tensors that take their dtype (and
device) from an existing one, as PyTorch's ``Tensor.new_*`` methods do."""
import numpy as np

from ..dtypes import to_dtype
from ..tensor import Tensor, _check_grad_dtype, _to_array
from ..device import resolve_device


def _sizes(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _new(self, array, dtype, device, requires_grad, op):
    resolve_device(device, op)
    numpy_dtype = self._data.dtype if dtype is None else to_dtype(dtype, op).numpy_dtype
    array = np.asarray(array).astype(numpy_dtype, copy=False)
    _check_grad_dtype(op, array, requires_grad)
    out = Tensor._make(array, None)
    out.requires_grad = bool(requires_grad)
    return out


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size`` with this tensor's dtype (unless ``dtype`` is given).

    >>> import tinygrad_cnn as tg
    >>> tg.ones(2, dtype=tg.float64).new_zeros(3)
    tensor([0., 0., 0.], dtype=tinygrad_cnn.float64)
    """
    return _new(self, np.zeros(_sizes(size)), dtype, device, requires_grad, "new_zeros")


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size`` with this tensor's dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([1, 2]).new_ones(2)
    tensor([1, 1])
    """
    return _new(self, np.ones(_sizes(size)), dtype, device, requires_grad, "new_ones")


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of ``size`` (zeros here) with this tensor's dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([1, 2]).new_empty(2, 3).shape
    (2, 3)
    """
    return _new(self, np.zeros(_sizes(size)), dtype, device, requires_grad, "new_empty")


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere in ``size``, with this tensor's dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.zeros(1).new_full((2,), 7)
    tensor([7., 7.])
    """
    return _new(self, np.full(tuple(size), fill_value), dtype, device, requires_grad,
                "new_full")


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype (unless ``dtype`` is given).

    >>> import tinygrad_cnn as tg
    >>> tg.zeros(1, dtype=tg.float64).new_tensor([1, 2])
    tensor([1., 2.], dtype=tinygrad_cnn.float64)
    """
    return _new(self, _to_array(data), dtype, device, requires_grad, "new_tensor")


TENSOR_METHODS = ("new_empty", "new_full", "new_ones", "new_tensor", "new_zeros")
