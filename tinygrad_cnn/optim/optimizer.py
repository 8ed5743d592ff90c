"""`Optimizer`: parameter groups, per-parameter state, and checkpoints of both.

An optimizer turns each parameter's gradient ∂L/∂θ (``p.grad``, filled by
``loss.backward()``) into an in-place update of each parameter's array. Updates run on the NumPy
arrays directly, record no graph, and keep each parameter's dtype (a float32
model stays float32: hyperparameters are plain Python floats, which NumPy
never lets upcast an array).

Layout follows PyTorch so that training loops read the same:

* ``param_groups``: a list of dicts, each with ``'params'`` and its own
  options (``lr``, ``momentum`` …), defaults filled in from the constructor;
* ``state``: a dict parameter → dict of that parameter's buffers
  (``momentum_buffer``; ``step``, ``exp_avg``, ``exp_avg_sq`` …);
* ``state_dict()``: the same with parameters replaced by their index in the
  order they appear across groups; ``load_state_dict`` maps them back.
"""
import copy
from collections import OrderedDict

import numpy as np

from .. import _state
from ..tensor import Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: subclasses define ``step()`` using ``self.param_groups`` and ``self.state``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn, optim
    >>> model = nn.Linear(2, 1)
    >>> opt = optim.SGD([{"params": [model.weight]},
    ...                  {"params": [model.bias], "lr": 0.5}], lr=0.1)
    >>> [group["lr"] for group in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        _check_ordered(params)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (missing ones from defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        _check_ordered(params)
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        already = {id(p) for existing in self.param_groups for p in existing["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in already for p in params):
            raise ValueError("some parameters appear in more than one parameter group "
                             "(or twice in one)")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient before the next backward (which adds to it)."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad._data[...] = 0

    def step(self, closure=None):
        raise NotImplementedError

    def _evaluate(self, closure):
        if closure is None:
            return None
        with _state.enable_grad():
            return closure()

    # ----- checkpoints ---------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index, …]}]}``.

        Arrays are copies, so the dict is a snapshot that later steps do not change.

        >>> from tinygrad_cnn import nn, optim
        >>> opt = optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        >>> opt.state_dict()["param_groups"][0]["params"]
        [0, 1]
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = OrderedDict()
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state:
                    state[index_of[id(param)]] = {
                        name: (value.copy() if isinstance(value, np.ndarray) else value)
                        for name, value in self.state[param].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by `state_dict` (checked before anything changes)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter group(s), "
                             f"the optimizer has {len(self.param_groups)}")
        params_by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({len(saved['params'])} "
                                 f"vs {len(group['params'])} parameters)")
            for index, param in zip(saved["params"], group["params"]):
                params_by_index[int(index)] = param

        new_state = {}
        for index, entries in state_dict["state"].items():
            param = params_by_index.get(int(index))
            if param is None:
                raise ValueError(f"loaded optimizer state refers to parameter {index}, which "
                                 "no parameter group contains")
            new_state[param] = {name: _state_value(name, value, param)
                                for name, value in entries.items()}

        for group, saved in zip(self.param_groups, saved_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = copy.deepcopy(value)
        self.state = new_state

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for name in sorted(k for k in group if k != "params"):
                lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)


def _check_ordered(params):
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be organized in ordered collections, "
                        "but the ordering of tensors in sets changes between runs; use a list")


def _state_value(name, value, param):
    """A loaded state entry: arrays are copied and cast to the parameter's dtype
    (and shape-checked), the step counter becomes an int."""
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return int(np.asarray(value).item())
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        array = np.array(value, dtype=param.dtype, copy=True)
        if array.shape != param.shape:
            raise ValueError(f"loaded optimizer state '{name}' has shape {array.shape}, "
                             f"its parameter has shape {tuple(param.shape)}")
        return array
    return copy.deepcopy(value)
