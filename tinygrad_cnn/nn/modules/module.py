"""`Module`: the bookkeeping behind layers (containers live in `container`,
checkpoint loading and saving in `_state_dict`, small helpers in `_module_helpers`).

A layer of the textbook (z^l = W^l a^{l-1} + b^l) is a function with state: its
parameters W^l and b^l, and sometimes buffers that are not trained, such as
batch normalisation's running mean. `Module` keeps that state, finds it again
for the optimizer (``parameters()``) and for checkpoints (``state_dict()``),
with PyTorch's names: ``features.0.weight``, ``bn1.running_mean``.

Nothing here computes: the maths lives in `tinygrad_cnn.nn.functional`.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn
>>> class TwoLayer(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.hidden = nn.Linear(4, 3)
...         self.out = nn.Linear(3, 2)
...     def forward(self, x):
...         return self.out(self.hidden(x).relu())
>>> net = TwoLayer()
>>> [name for name, _ in net.named_parameters()]
['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
>>> net(tg.ones(5, 4)).shape
(5, 2)
"""
from collections import OrderedDict

import numpy as np

from ... import _state
from ..._errors import DTypeError, ShapeError
from ...device import resolve_device
from ...dtypes import DType, to_dtype
from ...tensor import Tensor
from ..parameter import Parameter
from . import _state_dict
from ._module_helpers import _addindent, _check_name, _is_dtype_name, _name_module_in
from ._state_dict import IncompatibleKeys  # noqa: F401  (re-exported: load_state_dict's result)


class Module:
    """Base class of every layer and model (PyTorch's ``nn.Module``).

    Subclasses call ``super().__init__()`` first, assign their parameters,
    buffers and sub-modules as attributes, and define ``forward``. Calling
    the module runs ``forward`` inside ``tinygrad_cnn._state.scope(self)``, so
    every graph node it creates remembers which layer made it (the
    visualiser groups nodes by it).

    ``state_dict()`` returns detached Tensors that *share* memory with the
    parameters (as PyTorch's do); ``load_state_dict`` copies values in.

    >>> from tinygrad_cnn import nn
    >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    >>> list(net.state_dict())
    ['0.weight', '0.bias']
    >>> net.eval().training, net[0].training
    (False, False)
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ----- running ---------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    def __call__(self, *args, **kwargs):
        with _state.scope(self):
            try:
                return self.forward(*args, **kwargs)
            except (ShapeError, DTypeError, IndexError) as error:
                _name_module_in(error, self)       # "Sequential[3] (Linear(...)): linear: …"
                raise

    # ----- registration ------------------------------------------------------------
    def _check_initialised(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call "
                                 f"(call super().__init__() first in {type(self).__name__})")

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self._check_initialised("parameters")
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_initialised("modules")
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module "
                                f"'{name}' (nn.Module or None expected)")
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                                "(Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        """Remove ``name`` from wherever it was registered before re-assignment."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):               # only called when normal lookup fails
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for an absent one, e.g. ``bias=False``)."""
        self._check_initialised("parameters")
        _check_name(name, self, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} as parameter '{name}' "
                            "(nn.Parameter or None expected)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register state that is saved but not trained (BatchNorm's running statistics).

        >>> import tinygrad_cnn as tg
        >>> m = Module()
        >>> m.register_buffer("count", tg.zeros(1))
        >>> list(m.state_dict())
        ['count']
        """
        self._check_initialised("buffers")
        _check_name(name, self, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__} as buffer '{name}' "
                            "(Tensor or None expected)")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` as a child named ``name``."""
        self._check_initialised("modules")
        _check_name(name, self, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    # ----- walking the tree ------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(name, module)`` for this module ('' when ``prefix`` is '') and
        every descendant, depth first, in registration order."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for owner_prefix, owner in owners:
            for name, value in owner.__dict__[registry].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield owner_prefix + ("." if owner_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted name, Parameter)``; a parameter shared by two layers
        is yielded once, under its first name (PyTorch's order and names)."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ----- modes and gradients -----------------------------------------------------
    def train(self, mode=True):
        """Set training mode here and in every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """``train(False)``: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter (``.grad = None``, or zeros)."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad._data[...] = 0

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant, then on self (e.g. custom init)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- dtype -----------------------------------------------------------------------
    def _convert_floats(self, dtype):
        """Convert floating parameters, their gradients and floating buffers in
        place (the Parameter objects stay the same, so optimizers keep them)."""
        for module in self.modules():
            for value in list(module._parameters.values()) + list(module._buffers.values()):
                if value is None or value._data.dtype.kind != "f":
                    continue
                value._data = value._data.astype(dtype)
                if value.grad is not None:
                    value.grad._data = value.grad._data.astype(dtype)
        return self

    def double(self):
        """Make floating parameters and buffers float64 (in place); returns self."""
        return self._convert_floats(np.float64)

    def float(self):
        """Make floating parameters and buffers float32 (in place); returns self."""
        return self._convert_floats(np.float32)

    def half(self):
        """Make floating parameters and buffers float16 (in place); returns self."""
        return self._convert_floats(np.float16)

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """PyTorch's ``Module.to``: ``model.to(device)``, ``model.to(tg.float64)``,
        ``model.to(device, dtype)`` or ``model.to(tensor)``. Converts floating
        parameters and buffers in place and returns the module.

        >>> from tinygrad_cnn import nn
        >>> nn.Linear(2, 2).to("cpu").to("float64").weight.dtype
        tinygrad_cnn.float64
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype if dtype is None else dtype
            elif isinstance(arg, DType) or (isinstance(arg, str) and _is_dtype_name(arg)) or \
                    isinstance(arg, (type, np.dtype)):
                dtype = arg
            else:
                device = arg
        if device is not None:
            resolve_device(device, f"{self._get_name()}.to")
        if dtype is None:
            return self
        dtype = to_dtype(dtype, f"{self._get_name()}.to")
        if not dtype.is_floating_point:
            raise TypeError(f"{self._get_name()}.to only accepts floating point dtypes, "
                            f"but got desired dtype={dtype}")
        return self._convert_floats(dtype.numpy_dtype)

    def cpu(self):
        return self

    def cuda(self, device=None):
        resolve_device("cuda", f"{self._get_name()}.cuda")

    def type(self, dst_type):
        return self.to(dst_type)

    # ----- checkpoints (the machinery is in _state_dict.py) -------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict name → Tensor of every parameter and persistent buffer.

        The Tensors are detached views that share memory with the module (as in
        PyTorch): copy them (``{k: v.numpy().copy() ...}``) to keep a snapshot.
        ``keep_vars=True`` returns the Parameters themselves.

        >>> from tinygrad_cnn import nn
        >>> sd = nn.Linear(3, 2).state_dict()
        >>> [(name, value.shape) for name, value in sd.items()]
        [('weight', (2, 3)), ('bias', (2,))]
        """
        return _state_dict.state_dict(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors or NumPy arrays) into this module's parameters and buffers.

        Everything is checked before anything is written: a missing key
        (``strict``), an unexpected key (``strict``), a wrong shape or a dtype
        that cannot be cast raises a RuntimeError naming every problem, and the
        module is left unchanged. Values are cast to each parameter's dtype.
        Returns ``(missing_keys, unexpected_keys)``.

        >>> import numpy as np
        >>> from tinygrad_cnn import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer.load_state_dict({"weight": np.array([[1.0, 2.0]]), "bias": np.zeros(1)})
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> layer.weight.dtype, layer.weight.tolist()
        (tinygrad_cnn.float32, [[1.0, 2.0]])
        """
        return _state_dict.load_state_dict(self, state_dict, strict)

    # ----- printing ------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override it)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2)
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
