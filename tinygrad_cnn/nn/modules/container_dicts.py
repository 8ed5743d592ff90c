"""Keyed and parameter containers: `ModuleDict`, `ParameterList`, `ParameterDict`.

They register what they hold, so ``parameters()``, ``state_dict()`` (keys such
as ``heads.cls.weight`` or ``scales.0``), ``to()`` and the optimizers see it,
as in PyTorch; none has a forward of its own.
"""
from ..parameter import Parameter
from .module import Module


class _Keyed(Module):
    """The dict protocol over one of the module's registries (``_entries``
    names it); subclasses say how a value is stored (``__setitem__``)."""

    _entries = None

    def _store(self):
        return getattr(self, self._entries)

    def __getitem__(self, key):
        return self._store()[key]

    def __delitem__(self, key):
        del self._store()[key]

    def __len__(self):
        return len(self._store())

    def __iter__(self):
        return iter(self._store())

    def __contains__(self, key):
        return key in self._store()

    def keys(self):
        return self._store().keys()

    def values(self):
        return self._store().values()

    def items(self):
        return self._store().items()

    def update(self, pairs):
        """Add (name, value) pairs from a mapping or an iterable of pairs."""
        for key, value in (pairs.items() if hasattr(pairs, "items") else pairs):
            self[key] = value

    def pop(self, key):
        value = self._store()[key]
        del self._store()[key]
        return value

    def clear(self):
        self._store().clear()


class ModuleDict(_Keyed):
    """Modules by name, in insertion order, like a dict.

    >>> from tinygrad_cnn import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    >>> list(heads), sorted(heads.state_dict())[:2]
    (['cls', 'box'], ['box.bias', 'box.weight'])
    """

    _entries = "_modules"

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key, module):
        self.add_module(key, module)


def _as_parameter(value):
    """A Parameter as it is; a plain tensor becomes one (PyTorch's rule)."""
    return value if isinstance(value, Parameter) or value is None else Parameter(value)


def _parameter_line(key, param):
    """One line of PyTorch's ParameterList repr (indented 4 in all, as there)."""
    size = "x".join(str(s) for s in param.shape) or "()"
    return f"  ({key}): Parameter containing: [{param.dtype!r} of size {size}]"


class ParameterList(Module):
    """Parameters in a list, registered as ``'0'``, ``'1'``, …; tensors put in
    are made Parameters.

    >>> import tinygrad_cnn as tg
    >>> scales = tg.nn.ParameterList([tg.ones(2), tg.zeros(3)])
    >>> len(scales), [name for name, _ in scales.named_parameters()]
    (2, ['0', '1'])
    """

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, index):
        size = len(self._parameters)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a ParameterList of length {size}")
        return str(index % size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._parameters.values())[index])
        return self._parameters[self._key(index)]

    def __setitem__(self, index, value):
        self.register_parameter(self._key(index), _as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(_parameter_line(key, p) for key, p in self._parameters.items())


class ParameterDict(_Keyed):
    """Parameters by name, like a dict; tensors put in are made Parameters.

    >>> import tinygrad_cnn as tg
    >>> gains = tg.nn.ParameterDict({"a": tg.ones(2)})
    >>> gains["b"] = tg.zeros(1)
    >>> list(gains), gains["a"].requires_grad
    (['a', 'b'], True)
    """

    _entries = "_parameters"

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def extra_repr(self):
        return "\n".join(_parameter_line(key, p) for key, p in self._parameters.items())
