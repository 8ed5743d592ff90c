"""`Tensor`: a NumPy array that remembers how it was made.

A tensor made by an op while grad mode is on has a ``grad_fn``: the graph node
(a `Function` instance) that made it. ``loss.backward()`` walks those nodes
back to the leaves (tensors made by the user with ``requires_grad=True``) and
fills their ``.grad``.

This file holds what a tensor *is* — its array, dtype, device, autograd state
and Python protocols. What a tensor *does* lives with the ops, one family per
file in ``tinygrad_cnn/ops/``: ``x.exp()`` and ``tinygrad_cnn.exp(x)`` are the
same function, bound here as a method (see `_bind_methods`).

Dtypes follow PyTorch: Python floats become the default float dtype
(float32), Python ints int64; NumPy arrays keep their dtype; only
floating-point tensors can require grad.
"""
import weakref

import numpy as np

from . import _state
from ._autograd_state import HookHandle as _HookHandle, set_grad as _set_grad
from ._errors import DTypeError
from ._tensor_str import tensor_repr
from .device import CPU, resolve_device
from .dtypes import DType, from_numpy_dtype, to_dtype


def _to_array(data, dtype=None, copy=True):
    """Convert user data to an ndarray with PyTorch's default dtypes."""
    if isinstance(dtype, DType):
        dtype = dtype.numpy_dtype
    elif dtype is not None:
        dtype = to_dtype(dtype, "tensor").numpy_dtype
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray):
        array = np.array(data, dtype=dtype, copy=copy) if (copy or dtype is not None) else data
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
            data = [d._data if isinstance(d, Tensor) else d for d in data]
        array = np.array(data, dtype=dtype)
        if dtype is None:
            if array.dtype.kind == "f" and not isinstance(data, np.generic):
                array = array.astype(_state.default_dtype.numpy_dtype)   # Python floats
            elif array.dtype.kind in "iu" and not isinstance(data, np.generic):
                array = array.astype(np.int64)                          # Python ints → int64
    from_numpy_dtype(array.dtype)            # raises a clear error for complex, str, object
    return array


def _check_grad_dtype(op, array, requires_grad):
    if requires_grad and array.dtype.kind != "f":
        raise DTypeError(f"{op}: only floating-point tensors can require grad, "
                         f"got dtype {from_numpy_dtype(array.dtype)}")


class _Version:
    """How many times a tensor's memory was written in place. Views share one;
    a graph node remembers the count it saw, and backward refuses to use an
    array written after that (the δ it would compute would be wrong)."""

    __slots__ = ("count", "last_op")

    def __init__(self):
        self.count = 0
        self.last_op = None       # the in-place op that wrote last, for backward's error


class Tensor:
    """An n-dimensional array with autograd.

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    """

    __slots__ = ("_data", "_grad", "grad_fn", "requires_grad", "_hooks", "_version_box", "_base",
                 "__weakref__")
    __array_priority__ = 1000        # ndarray ⊕ Tensor defers to Tensor's reflected op

    def __init__(self, *data, requires_grad=False, dtype=None, device=None):
        """``Tensor(data)`` is PyTorch's legacy constructor: the data (copied) in
        the default float dtype unless ``dtype`` says otherwise (`tensor` keeps
        the data's own dtype). ``Tensor(2, 3)`` is a (2, 3) tensor — of zeros
        here, uninitialised in PyTorch — and ``Tensor()`` an empty one.

        >>> import tinygrad_cnn as tg
        >>> tg.Tensor([1, 2]), tg.Tensor(2, 3).shape, tg.Tensor().shape
        (tensor([1., 2.]), (2, 3), (0,))
        """
        resolve_device(device, "Tensor")
        dtype = _state.default_dtype if dtype is None else dtype
        if data and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                        for s in data):
            array = np.zeros(tuple(int(s) for s in data), dtype=to_dtype(dtype).numpy_dtype)
        elif len(data) > 1:
            raise TypeError(f"Tensor: expected data or sizes (ints), got {len(data)} arguments")
        else:
            array = _to_array(data[0] if data else (), dtype)
        _check_grad_dtype("Tensor", array, requires_grad)
        self._data = array
        self._grad = None
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        self._hooks = None
        self._version_box = _Version()
        self._base = None

    @classmethod
    def _make(cls, array, grad_fn):
        """Wrap an array without copying; used by ops (``grad_fn`` may be None)."""
        out = object.__new__(Tensor)
        out._data = array
        out._grad = None
        out.grad_fn = grad_fn
        out.requires_grad = grad_fn is not None
        out._hooks = None
        out._version_box = _Version()
        out._base = None
        return out

    # ----- basic attributes ---------------------------------------------------
    @property
    def data(self):
        """This tensor's values as a new Tensor that shares its memory but is cut
        from the graph (PyTorch's ``.data``): writing into it changes ``self``
        and is never recorded. ``t.numpy()`` gives the NumPy array itself."""
        return Tensor._make(self._data, None)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: from_numpy_dtype(self._data.dtype))
    is_leaf = property(lambda self: self.grad_fn is None)
    grad = property(lambda self: self._grad, lambda self, grad: _set_grad(self, grad),
                    doc="∂L/∂(this tensor) after backward; one assigned must match its shape")
    device = property(lambda self: CPU)
    is_cuda = property(lambda self: False)
    _version = property(lambda self: self._version_box.count)
    itemsize = property(lambda self: self._data.itemsize)
    nbytes = property(lambda self: self._data.nbytes)

    def size(self, dim=None):
        """The shape, or the length of one dim."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def numpy(self, force=False):
        """The underlying NumPy array (shared, not copied), also for a tensor that
        requires grad (PyTorch asks for ``.detach().numpy()`` there; both work here)."""
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"item: only one-element tensors can be converted to a Python "
                             f"scalar, got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __repr__(self):
        return tensor_repr(self)

    # ----- Python protocols ----------------------------------------------------
    def _scalar(self, what):
        if self._data.size != 1:
            raise (RuntimeError if what == "bool" else ValueError)(
                f"{what}: only one-element tensors can be converted to a Python scalar, "
                f"this one has shape {self.shape}" +
                ("; its truth value is ambiguous: use .any() or .all()" if what == "bool" else ""))
        return self._data.item()

    def __bool__(self): return bool(self._scalar("bool"))
    def __int__(self): return int(self._scalar("int"))
    def __float__(self): return float(self._scalar("float"))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            f"index (got shape {self.shape}, dtype {self.dtype})")
        return int(self._data.item())

    def __format__(self, spec):
        """A 0-dim tensor formats as its number (``f'{loss:.4f}'``); others only
        with an empty spec, as their repr (PyTorch's rule)."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ "
                            f"(a tensor of shape {self.shape}); format t.item() or a 0-dim "
                            "tensor instead")
        return repr(self)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self._data.shape[0]):
            yield self[i]

    def __contains__(self, value):
        return bool((self._data == (value._data if isinstance(value, Tensor) else value)).any())

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self.requires_grad))

    # ----- autograd -------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute ∂self/∂leaf for every leaf that requires grad, adding it to
        the leaf's ``.grad``. ``gradient`` (δ of this tensor) is needed unless
        the tensor has one element. The graph's saved arrays are freed unless
        ``retain_graph=True``."""
        _engine.backward(self, gradient, bool(retain_graph), create_graph=create_graph,
                         inputs=inputs)

    def detach(self):
        """The same data, cut from the graph (shares memory and version counter)."""
        out = Tensor._make(self._data, None)
        out._version_box = self._version_box
        return out

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_: you can only change requires_grad flags of leaf "
                               "variables; use .detach() for a non-leaf tensor")
        _check_grad_dtype("requires_grad_", self._data, requires_grad)
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always do)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has "
                               "requires_grad=False")

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def register_hook(self, hook):
        """Call ``hook(δ)`` with this tensor's gradient (a Tensor) during backward;
        if it returns a tensor or array, that replaces δ. Returns a handle with
        ``.remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor "
                               "that does not require grad")
        if self.grad_fn is not None:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # ----- arithmetic operators (the functions live in ops/elementwise.py) -------------
    def __add__(self, other): return _ops.add(self, other)
    def __radd__(self, other): return _ops.add(other, self)
    def __sub__(self, other): return _ops.sub(self, other)
    def __rsub__(self, other): return _ops.sub(other, self)
    def __mul__(self, other): return _ops.mul(self, other)
    def __rmul__(self, other): return _ops.mul(other, self)
    def __truediv__(self, other): return _ops.div(self, other)
    def __rtruediv__(self, other): return _ops.div(other, self)
    def __pow__(self, other): return _ops.pow(self, other)
    def __rpow__(self, other): return _ops.pow(other, self)
    def __floordiv__(self, other): return _ops.division.floor_divide(self, other)
    def __rfloordiv__(self, other): return _ops.division.floor_divide(other, self)
    def __mod__(self, other): return _ops.division.remainder(self, other)
    def __rmod__(self, other): return _ops.division.remainder(other, self)
    def __neg__(self): return _ops.neg(self)
    def __matmul__(self, other): return _ops.matmul(self, other)
    def __rmatmul__(self, other): return _ops.matmul(other, self)
    def __abs__(self): return _ops.abs(self)

    # in place: ``a += b`` writes into a's memory, like PyTorch (ops/inplace.py)
    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)
    def __itruediv__(self, other): return self.div_(other)
    def __ipow__(self, other): return self.pow_(other)
    def __ifloordiv__(self, other): return self.floor_divide_(other)
    def __imod__(self, other): return self.remainder_(other)

    # comparisons give bool tensors outside the graph
    def __eq__(self, other):
        if other is None:                 # PyTorch: ``t == None`` is False, not a tensor
            return False
        return Tensor._make(np.asarray(self._data == _raw(other)), None)

    def __ne__(self, other):
        if other is None:
            return True
        return Tensor._make(np.asarray(self._data != _raw(other)), None)

    def __lt__(self, other): return Tensor._make(np.asarray(self._data < _raw(other)), None)
    def __le__(self, other): return Tensor._make(np.asarray(self._data <= _raw(other)), None)
    def __gt__(self, other): return Tensor._make(np.asarray(self._data > _raw(other)), None)
    def __ge__(self, other): return Tensor._make(np.asarray(self._data >= _raw(other)), None)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def __invert__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"bitwise_not: only integer and bool tensors, got {self.dtype}")
        return Tensor._make(np.invert(self._data), None)

    def __and__(self, other): return Tensor._make(np.asarray(self._data & _raw(other)), None)
    def __or__(self, other): return Tensor._make(np.asarray(self._data | _raw(other)), None)
    def __xor__(self, other): return Tensor._make(np.asarray(self._data ^ _raw(other)), None)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem(self, index, value)

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)


def _rebuild(array, requires_grad):
    out = Tensor._make(array, None)
    out.requires_grad = requires_grad
    return out


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _bind_methods(*modules):
    """Make each op family's functions Tensor methods: ``x.exp()`` is
    ``tinygrad_cnn.exp(x)``, one function with the tensor as its first argument.
    Each module lists the names in ``TENSOR_METHODS``."""
    for module in modules:
        for name in module.TENSOR_METHODS:
            setattr(Tensor, name, getattr(module, name))


from . import engine as _engine  # noqa: E402  (these modules import Tensor)
from . import ops as _ops  # noqa: E402

_bind_methods(*_ops.FAMILIES)
