"""`Tensor`: a NumPy array that remembers how it was made.

A tensor made by an op while grad mode is on has a ``grad_fn``: the graph node
(a `Function` instance) that made it. ``loss.backward()`` walks those nodes
back to the leaves (tensors made by the user with ``requires_grad=True``) and
fills their ``.grad``.

Dtypes follow PyTorch: Python floats and lists of floats become float32,
Python ints int64; NumPy arrays keep their dtype. Only floating-point tensors
can require grad.
"""
import weakref
from collections import namedtuple

import numpy as np

from . import _state
from ._errors import DTypeError

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

MinMax = namedtuple("MinMax", ["values", "indices"])


def _to_array(data, dtype=None, copy=True):
    """Convert user data to an ndarray with PyTorch's default dtypes."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray):
        array = np.array(data, dtype=dtype, copy=copy) if (copy or dtype is not None) else data
    else:
        array = np.array(data, dtype=dtype)
        if dtype is None:
            if array.dtype == np.float64:
                array = array.astype(np.float32)       # Python floats → float32
            elif array.dtype.kind in "iu":
                array = array.astype(np.int64)         # Python ints → int64
            elif array.dtype.kind not in "fb":
                raise DTypeError(f"tensor: cannot make a tensor from data of dtype {array.dtype}")
    return array


def _check_grad_dtype(op, array, requires_grad):
    if requires_grad and array.dtype.kind != "f":
        raise DTypeError(f"{op}: only floating-point tensors can require grad, "
                         f"got dtype {array.dtype}")


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

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "_hooks", "__weakref__")
    __array_priority__ = 1000        # ndarray ⊕ Tensor defers to Tensor's reflected op

    def __init__(self, data, requires_grad=False, dtype=None):
        array = _to_array(data, dtype)
        _check_grad_dtype("Tensor", array, requires_grad)
        self._data = array
        self.grad = None
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        self._hooks = None

    @classmethod
    def _make(cls, array, grad_fn):
        """Wrap an array without copying; used by ops (``grad_fn`` may be None)."""
        out = object.__new__(Tensor)
        out._data = array
        out.grad = None
        out.grad_fn = grad_fn
        out.requires_grad = grad_fn is not None
        out._hooks = None
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
    dtype = property(lambda self: self._data.dtype)
    is_leaf = property(lambda self: self.grad_fn is None)

    def size(self, dim=None):
        """The shape, or the length of one dim."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def numpy(self):
        """The underlying NumPy array (shared, not copied)."""
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"scalar, got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self._data.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"bool value of a tensor with {self._data.size} elements "
                               "is ambiguous; use .any() or .all()")
        return bool(self._data)

    __hash__ = object.__hash__

    # ----- autograd -------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=False):
        """Compute ∂self/∂leaf for every leaf that requires grad, adding it to
        the leaf's ``.grad``. ``gradient`` (δ of this tensor) is needed unless
        the tensor has one element. The graph's saved arrays are freed unless
        ``retain_graph=True``."""
        _engine.backward(self, gradient, retain_graph)

    def detach(self):
        """The same data, cut from the graph (shares memory)."""
        return Tensor._make(self._data, None)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off grad on a non-leaf tensor; "
                               "use .detach()")
        _check_grad_dtype("requires_grad_", self._data, requires_grad)
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always do)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("retain_grad: tensor does not require grad")

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

    # ----- in-place updates (no graph; for optimizers, init and data) ----------
    def _check_inplace(self, op):
        if _state.grad_enabled and self.requires_grad:
            raise RuntimeError(
                f"{op}: a tensor that requires grad cannot be modified in place while grad "
                "mode is on (it would corrupt the graph); wrap the update in tg.no_grad()")

    def zero_(self):
        self._check_inplace("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace("fill_")
        self._data[...] = value
        return self

    def copy_(self, source):
        self._check_inplace("copy_")
        source = source._data if isinstance(source, Tensor) else np.asarray(source)
        if source.shape != self.shape:
            raise ValueError(f"copy_: source shape {source.shape} does not match "
                             f"{self.shape}")
        self._data[...] = source
        return self

    def add_(self, other, alpha=1):
        self._check_inplace("add_")
        self._data += alpha * (other._data if isinstance(other, Tensor) else other)
        return self

    def sub_(self, other, alpha=1):
        return self.add_(other, alpha=-alpha)

    def mul_(self, other):
        self._check_inplace("mul_")
        self._data *= other._data if isinstance(other, Tensor) else other
        return self

    def uniform_(self, low=0.0, high=1.0):
        self._check_inplace("uniform_")
        self._data[...] = _state.rng.uniform(low, high, self.shape)
        return self

    def normal_(self, mean=0.0, std=1.0):
        self._check_inplace("normal_")
        self._data[...] = _state.rng.normal(mean, std, self.shape)
        return self

    # ----- arithmetic -------------------------------------------------------------
    def __add__(self, other): return _ops.Add.apply(self, _operand(other))
    def __radd__(self, other): return _ops.Add.apply(_operand(other), self)
    def __sub__(self, other): return _ops.Sub.apply(self, _operand(other))
    def __rsub__(self, other): return _ops.Sub.apply(_operand(other), self)
    def __mul__(self, other): return _ops.Mul.apply(self, _operand(other))
    def __rmul__(self, other): return _ops.Mul.apply(_operand(other), self)
    def __truediv__(self, other): return _ops.Div.apply(self, _operand(other))
    def __rtruediv__(self, other): return _ops.Div.apply(_operand(other), self)
    def __pow__(self, other): return _ops.Pow.apply(self, _operand(other))
    def __rpow__(self, other): return _ops.Pow.apply(_operand(other), self)
    def __neg__(self): return _ops.Neg.apply(self)
    def __matmul__(self, other): return _ops.MatMul.apply(self, _operand(other))
    def __rmatmul__(self, other): return _ops.MatMul.apply(_operand(other), self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    neg = __neg__
    matmul = __matmul__

    # comparisons give bool tensors outside the graph
    def __eq__(self, other): return Tensor._make(self._data == _raw(other), None)
    def __ne__(self, other): return Tensor._make(self._data != _raw(other), None)
    def __lt__(self, other): return Tensor._make(self._data < _raw(other), None)
    def __le__(self, other): return Tensor._make(self._data <= _raw(other), None)
    def __gt__(self, other): return Tensor._make(self._data > _raw(other), None)
    def __ge__(self, other): return Tensor._make(self._data >= _raw(other), None)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def exp(self): return _ops.Exp.apply(self)
    def log(self): return _ops.Log.apply(self)
    def sqrt(self): return _ops.Sqrt.apply(self)
    def tanh(self): return _ops.Tanh.apply(self)
    def sigmoid(self): return _ops.Sigmoid.apply(self)
    def relu(self): return _ops.Relu.apply(self)
    def abs(self): return _ops.Abs.apply(self)
    __abs__ = abs

    def clamp(self, min=None, max=None):
        return _ops.Clamp.apply(self, min, max)

    clip = clamp

    # ----- dtype -----------------------------------------------------------------
    def to(self, dtype):
        """Convert to ``dtype`` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind != "f":                 # integers and bools leave the graph
            return Tensor._make(self._data.astype(dtype), None)
        return _ops.Cast.apply(self, dtype)

    def float(self): return self.to(float32)
    def double(self): return self.to(float64)
    def long(self): return Tensor._make(self._data.astype(np.int64), None)
    def contiguous(self): return self

    # ----- reductions -----------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        return _ops.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False):
        return _ops.Mean.apply(self, dim=dim, keepdim=keepdim)

    def amax(self, dim=None, keepdim=False):
        return _ops.Amax.apply(self, dim=dim, keepdim=keepdim)

    def amin(self, dim=None, keepdim=False):
        return _ops.Amin.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False):
        """``max()`` → the largest entry; ``max(dim)`` → (values, indices)."""
        if dim is None:
            return self.amax()
        values = _ops.MaxDim.apply(self, dim, keepdim)
        return MinMax(values, Tensor._make(values.grad_fn.indices if values.grad_fn else
                                           self._data.argmax(axis=dim, keepdims=keepdim), None))

    def min(self, dim=None, keepdim=False):
        """``min()`` → the smallest entry; ``min(dim)`` → (values, indices)."""
        if dim is None:
            return self.amin()
        values = _ops.MinDim.apply(self, dim, keepdim)
        return MinMax(values, Tensor._make(values.grad_fn.indices if values.grad_fn else
                                           self._data.argmin(axis=dim, keepdims=keepdim), None))

    def argmax(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(self._data.argmax(axis=dim, keepdims=keepdim)), None)

    def argmin(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(self._data.argmin(axis=dim, keepdims=keepdim)), None)

    def all(self): return Tensor._make(np.asarray(self._data.all()), None)
    def any(self): return Tensor._make(np.asarray(self._data.any()), None)

    # ----- shape movement ---------------------------------------------------------
    def reshape(self, *shape):
        return _ops.Reshape.apply(self, _shape_arg(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        shape = self.shape
        if not shape:
            return _ops.Flatten.apply(self, (1,))
        start, end = start_dim % len(shape), end_dim % len(shape)
        merged = int(np.prod(shape[start:end + 1]))
        return _ops.Flatten.apply(self, shape[:start] + (merged,) + shape[end + 1:])

    def squeeze(self, dim=None):
        if dim is None:
            shape = tuple(s for s in self.shape if s != 1)
        else:
            axes = _ops.normalize_dims("squeeze", dim, self.ndim)
            shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        return _ops.Squeeze.apply(self, shape)

    def unsqueeze(self, dim):
        (axis,) = _ops.normalize_dims("unsqueeze", dim, self.ndim + 1)
        return _ops.Unsqueeze.apply(self, self.shape[:axis] + (1,) + self.shape[axis:])

    def transpose(self, dim0, dim1):
        return _ops.Transpose.apply(self, dim0, dim1)

    def permute(self, *dims):
        return _ops.Permute.apply(self, _shape_arg(dims))

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def __getitem__(self, index):
        return _ops.GetItem.apply(self, _index_arg(index))

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _operand(value):
    """Second operand of an arithmetic op: Tensors pass, numbers stay numbers
    (NumPy keeps the tensor's dtype for them), arrays become constant Tensors."""
    if isinstance(value, (Tensor, int, float, np.generic)):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Tensor._make(np.asarray(value), None)
    raise TypeError(f"unsupported operand type for a Tensor op: {type(value).__name__}")


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _index_arg(index):
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


# ----- construction ---------------------------------------------------------------
def tensor(data, requires_grad=False, dtype=None):
    """Make a tensor from data (copied). Python floats → float32, ints → int64.

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> tg.tensor(3).dtype
    dtype('int64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array):
    """Wrap a NumPy array without copying (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array, None)


def _sized(name, size, dtype, requires_grad, make):
    shape = _shape_arg(size)
    dtype = np.dtype(dtype) if dtype is not None else float32
    array = make(shape, dtype)
    _check_grad_dtype(name, array, requires_grad)
    out = Tensor._make(array, None)
    out.requires_grad = bool(requires_grad)
    return out


def zeros(*size, dtype=None, requires_grad=False):
    return _sized("zeros", size, dtype, requires_grad, np.zeros)


def ones(*size, dtype=None, requires_grad=False):
    return _sized("ones", size, dtype, requires_grad, np.ones)


def empty(*size, dtype=None, requires_grad=False):
    return _sized("empty", size, dtype, requires_grad, np.empty)


def full(size, fill_value, dtype=None, requires_grad=False):
    return _sized("full", (size,), dtype, requires_grad,
                  lambda shape, dt: np.full(shape, fill_value, dtype=dt))


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples from the global generator (see `manual_seed`)."""
    return _sized("randn", size, dtype, requires_grad,
                  lambda shape, dt: _state.rng.standard_normal(shape).astype(dt, copy=False))


def rand(*size, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the global generator."""
    return _sized("rand", size, dtype, requires_grad,
                  lambda shape, dt: _state.rng.random(shape).astype(dt, copy=False))


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, end, step))
        dtype = float32 if floats else int64
    return _sized("arange", (), dtype, requires_grad,
                  lambda shape, dt: np.arange(start, end, step, dtype=dt))


def _like(factory):
    def like(other, dtype=None, requires_grad=False):
        return factory(*other.shape, dtype=dtype if dtype is not None else other.dtype,
                       requires_grad=requires_grad)
    like.__name__ = factory.__name__ + "_like"
    like.__doc__ = f"``{factory.__name__}`` with the shape (and dtype) of ``other``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
randn_like = _like(randn)
rand_like = _like(rand)


def cat(tensors, dim=0):
    """Concatenate along an existing dim."""
    return _ops.Cat.apply(*tensors, dim=dim)


def stack(tensors, dim=0):
    """Stack along a new dim."""
    return _ops.Stack.apply(*tensors, dim=dim)


def where(condition, input, other):
    """``input`` where ``condition`` else ``other`` (broadcast)."""
    return _ops.Where.apply(_raw(condition), _operand(input), _operand(other))


def pad(input, pad, value=0.0):
    """Constant padding, PyTorch's ``F.pad`` convention (last dim first)."""
    return _ops.Pad.apply(input, tuple(pad), value)


from . import engine as _engine  # noqa: E402  (these modules import Tensor)
from . import ops as _ops  # noqa: E402
