"""Checkpoints: the machinery behind `Module.state_dict` and
`Module.load_state_dict`, as functions of a module.

A state_dict is an OrderedDict from PyTorch's dotted names
(``features.0.weight``, ``bn1.running_mean``) to Tensors: each module's
parameters, then its persistent buffers, then its children's, depth first.
Loading checks every entry (keys, shapes, dtypes) before it writes any, so a
bad checkpoint leaves the module as it was.

>>> from tinygrad_cnn import nn
>>> [name for name, _ in state_entries(nn.Sequential(nn.Linear(2, 1)))]
['0.weight', '0.bias']
"""
from collections import OrderedDict, namedtuple

import numpy as np

from ...tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def state_entries(module, prefix=""):
    """(name, Tensor) of every parameter and persistent buffer, in PyTorch's
    state_dict order: each module's parameters, then its buffers, then its
    children. Shared tensors appear under every name (as in PyTorch)."""
    for name, param in module._parameters.items():
        if param is not None:
            yield prefix + name, param
    for name, buffer in module._buffers.items():
        if buffer is not None and name not in module._non_persistent_buffers:
            yield prefix + name, buffer
    for name, child in module._modules.items():
        if child is not None:
            yield from state_entries(child, prefix + name + ".")


def state_dict(module, destination=None, prefix="", keep_vars=False):
    """`Module.state_dict`: detached Tensors sharing memory, or the Parameters
    themselves with ``keep_vars``."""
    if destination is None:
        destination = OrderedDict()
    for name, value in state_entries(module, prefix):
        destination[name] = value if keep_vars else Tensor._make(value._data, None)
    return destination


def load_state_dict(module, state_dict, strict=True):
    """`Module.load_state_dict`: check every entry, then write them all (or none)."""
    if not hasattr(state_dict, "items"):
        raise TypeError(f"load_state_dict: expected a mapping of name -> array, "
                        f"got {type(state_dict).__name__}")
    targets = OrderedDict(state_entries(module))
    missing = [name for name in targets if name not in state_dict]
    unexpected = [name for name in state_dict if name not in targets]
    problems = []
    if strict and unexpected:
        problems.append("Unexpected key(s) in state_dict: "
                        + ", ".join(f'"{k}"' for k in unexpected) + ".")
    if strict and missing:
        problems.append("Missing key(s) in state_dict: "
                        + ", ".join(f'"{k}"' for k in missing) + ".")

    planned = []                           # (target Tensor, source array)
    for name, target in targets.items():
        if name not in state_dict:
            continue
        source, problem = _source_array(name, state_dict[name], target)
        if problem:
            problems.append(problem)
        else:
            planned.append((target, source))
    if problems:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(problems))

    for target, source in planned:         # all checks passed: now write
        np.copyto(target._data, source, casting="unsafe")
    return IncompatibleKeys(missing, unexpected)


def _source_array(name, value, target):
    """The checkpoint value for ``target`` as an array, or a message saying why not."""
    if isinstance(value, Tensor):
        array = value._data
    else:
        try:
            array = np.asarray(value)
        except Exception as error:             # noqa: BLE001 - reported with the key
            return None, f'cannot read value for "{name}": {error}'
    target_shape = tuple(target.shape)
    if array.dtype.kind not in "biuf":
        return None, (f'dtype mismatch for "{name}": cannot copy values of dtype {array.dtype} '
                      f"into a parameter of dtype {target.dtype}")
    if target.dtype.kind in "iub" and array.dtype.kind == "f":
        return None, (f'dtype mismatch for "{name}": cannot copy floating values '
                      f"(dtype {array.dtype}) into an integer buffer of dtype {target.dtype}")
    if tuple(array.shape) != target_shape:
        return None, (f'size mismatch for "{name}": copying a param with shape '
                      f"{tuple(array.shape)} from checkpoint, the shape in current model "
                      f"is {target_shape}.")
    return array, None
