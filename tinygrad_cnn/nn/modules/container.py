"""Containers: `Sequential` (run children in order) and `ModuleList` (hold them)."""
from collections import OrderedDict

from .module import Module, _addindent


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    Children are named '0', '1', … or by the keys of an OrderedDict.

    >>> from collections import OrderedDict
    >>> from tinygrad_cnn import nn
    >>> net = nn.Sequential(OrderedDict([("fc", nn.Linear(4, 2)), ("act", nn.ReLU())]))
    >>> net
    Sequential(
      (fc): Linear(in_features=4, out_features=2, bias=True)
      (act): ReLU()
    )
    >>> len(net), type(net[-1]).__name__
    (2, 'ReLU')
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def _index(self, index):
        size = len(self._modules)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a Sequential of length {size}")
        return index % size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def __setitem__(self, index, module):
        key = list(self._modules)[self._index(index)]
        setattr(self, key, module)

    def __delitem__(self, index):
        keys = list(self._modules)
        for key in (keys[index] if isinstance(index, slice) else [keys[self._index(index)]]):
            del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters are registered (no forward of its own).

    >>> from tinygrad_cnn import nn
    >>> blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(blocks), len(list(blocks.parameters()))
    (3, 6)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        size = len(self._modules)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a ModuleList of length {size}")
        return self._modules[str(index % size)]

    def __setitem__(self, index, module):
        setattr(self, str(index % len(self._modules)), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __repr__(self):
        """PyTorch's ModuleList repr: runs of identical children are shown once,
        as ``(0-2): 3 x Linear(...)``."""
        child_reprs = [repr(module) for module in self]
        if not child_reprs:
            return self._get_name() + "()"
        groups = []                            # [start, end, repr]
        for index, text in enumerate(child_reprs):
            if groups and groups[-1][2] == text:
                groups[-1][1] = index
            else:
                groups.append([index, index, text])
        lines = []
        for start, end, text in groups:
            label = f"({start}): " if start == end else f"({start}-{end}): {end - start + 1} x "
            lines.append(label + _addindent(text, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"
