"""`Optimizer`: parameter groups, per-parameter state, and checkpoints of both.

An optimizer turns each parameter's gradient g = ∂L/∂θ (``p.grad``, filled by
``loss.backward()``) into an in-place update of the parameter's array. Updates
run on the NumPy arrays directly (``p._data``), record no graph, and keep each
parameter's dtype (a float32 model stays float32: hyperparameters are read as
plain Python floats, which NumPy never lets upcast an array).

Layout follows PyTorch so that training loops read the same:

* ``param_groups``: a list of dicts, each with ``'params'`` and its own
  options (``lr``, ``momentum`` …), missing ones filled in from the
  constructor's ``defaults``. Schedulers and users edit them between steps.
* ``state``: parameter → dict of that parameter's buffers, as Tensors
  (``momentum_buffer``; ``step``, ``exp_avg``, ``exp_avg_sq`` …). ``step``
  is a 0-d float32 Tensor, as in PyTorch.
* ``state_dict()``: ``{'state': {0: {...}, 1: {...}}, 'param_groups':
  [{..., 'params': [0, 1]}]}``: parameters replaced by their index in the
  order they appear across groups; ``load_state_dict`` maps them back.
"""
import copy
from collections import defaultdict

import numpy as np

from .. import _state
from ..tensor import Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: subclasses define ``step()`` using ``self.param_groups`` and
    ``self.state``, and ``_state_names(group)``, the buffers a parameter of
    that group keeps (used to check a loaded state dict).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn, optim
    >>> model = nn.Linear(2, 1)
    >>> opt = optim.SGD([{"params": [model.weight]},
    ...                  {"params": [model.bias], "lr": 0.5}], lr=0.1)
    >>> [group["lr"] for group in opt.param_groups]
    [0.1, 0.5]
    >>> optim.Adam(model.named_parameters()).param_groups[0]["param_names"]
    ['weight', 'bias']
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
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
        """Add a group of parameters with its own options (missing ones from ``defaults``).

        >>> import tinygrad_cnn as tg
        >>> from tinygrad_cnn import optim
        >>> a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
        >>> opt = optim.SGD([a], lr=0.1, momentum=0.9)
        >>> opt.add_param_group({"params": [b], "lr": 0.01})
        >>> [(g["lr"], g["momentum"]) for g in opt.param_groups]
        [(0.1, 0.9), (0.01, 0.9)]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (the Tensors to optimize)")
        params = param_group["params"]
        _check_ordered(params)
        params = [params] if isinstance(params, Tensor) else list(params)
        group = dict(param_group)
        named = [item for item in params if isinstance(item, tuple)]
        if named:                        # from model.named_parameters(): (name, Tensor) pairs
            if len(named) != len(params):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            group["param_names"] = [name for name, _ in named]
            params = [param for _, param in named]
        if any(("param_names" in group) != ("param_names" in other)
               for other in self.param_groups):
            raise ValueError("all optimizer param groups should be with/without names. cannot "
                             f"add param group {'with' if named else 'without'} names to the "
                             "optimizer")
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
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

    def _state_names(self, group):
        """Names of the buffers a parameter of ``group`` keeps once it has stepped."""
        raise NotImplementedError

    def _evaluate(self, closure):
        if closure is None:
            return None
        with _state.enable_grad():
            return closure()

    # ----- checkpoints ---------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {name: Tensor}}, 'param_groups': [{..., 'params': [index, …]}]}``.

        Tensors are copies, so the dict is a snapshot that later steps do not change.

        >>> import tinygrad_cnn as tg
        >>> from tinygrad_cnn import nn, optim
        >>> model = nn.Linear(2, 1)
        >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> model(tg.ones(1, 2)).sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd["param_groups"][0]["params"], sd["state"][1]
        ([0, 1], {'momentum_buffer': tensor([1.])})
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state:
                    state[index_of[id(param)]] = {
                        name: _snapshot(value) for name, value in self.state[param].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by `state_dict`. Everything is checked
        first (group count and sizes, which buffers each parameter has, their
        shapes): a mismatched dict raises ValueError and changes nothing.

        >>> import tinygrad_cnn as tg
        >>> from tinygrad_cnn import optim
        >>> w = tg.ones(2, requires_grad=True)
        >>> saved = optim.SGD([w], lr=0.5, momentum=0.9).state_dict()
        >>> opt = optim.SGD([w], lr=0.1)
        >>> opt.load_state_dict(saved); opt.param_groups[0]["lr"]
        0.5
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("load_state_dict expects the dict that Optimizer.state_dict() "
                             "returns, with keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than the optimizer "
                             f"({len(self.param_groups)})")
        params_by_index, group_of_index = {}, {}
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({len(saved['params'])} "
                                 f"vs {len(group['params'])} parameters)")
            for index, param in zip(saved["params"], group["params"]):
                params_by_index[int(index)] = param
                group_of_index[int(index)] = dict(group, **saved)

        new_state = defaultdict(dict)
        name = type(self).__name__
        for index, entries in state_dict["state"].items():
            param = params_by_index.get(int(index))
            if param is None:
                raise ValueError(f"loaded optimizer state refers to parameter {index}, which "
                                 "no parameter group contains")
            missing = [key for key in self._state_names(group_of_index[int(index)])
                       if key not in entries]
            if entries and missing:
                raise ValueError(f"loaded state of parameter {index} has no {missing} that "
                                 f"{name} needs (it has {sorted(entries)}; was it saved "
                                 "from another optimizer, or with other options?)")
            new_state[param] = {key: _state_value(key, value, param, index)
                                for key, value in entries.items()}

        for group, saved in zip(self.param_groups, saved_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)
        self.state = new_state

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for name in sorted(k for k in group if k != "params"):
                lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)


# ----- helpers the update rules share ---------------------------------------------------
def zeros_state(param, fill=0.0):
    """A new state buffer: a Tensor shaped and typed like ``param``, filled with ``fill``."""
    return Tensor._make(np.full_like(param._data, fill), None)


def new_step():
    """The step counter PyTorch keeps per parameter: a 0-d float32 Tensor, 0."""
    return Tensor._make(np.zeros((), dtype=np.float32), None)


def advance(state):
    """t ← t + 1 in ``state['step']``; returns t as a Python float (as PyTorch reads it)."""
    state["step"]._data += 1
    return float(state["step"]._data)


def gradient(param, group):
    """g = ∂L/∂θ (negated with ``maximize``), plus λθ when ``weight_decay`` λ ≠ 0:
    the gradient of L + (λ/2)‖θ‖², L2 regularisation folded into the gradient."""
    grad = param.grad._data
    if group.get("maximize", False):
        grad = -grad
    weight_decay = float(group["weight_decay"])
    if weight_decay != 0:
        grad = grad + weight_decay * param._data
    return grad


def check_not_differentiable(differentiable):
    """PyTorch's ``differentiable=True`` records the step in the graph; here it cannot."""
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: tinygrad_cnn's "
                                  "optimizers update the parameter arrays in place, outside "
                                  "the autograd graph")


def _check_ordered(params):
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be organized in ordered collections, "
                        "but the ordering of tensors in sets changes between runs; use a list")


def _snapshot(value):
    if isinstance(value, Tensor):
        return Tensor._make(value._data.copy(), None)
    return copy.deepcopy(value)


def _state_value(name, value, param, index):
    """A loaded state entry as a fresh Tensor: ``step`` a 0-d float32 counter,
    buffers cast to the parameter's dtype and shape-checked."""
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return Tensor._make(np.array(value, dtype=np.float32).reshape(()), None)
    if value is None or isinstance(value, (bool, int, float, str)):
        return copy.deepcopy(value)
    array = np.array(value, dtype=param._data.dtype, copy=True)
    if array.shape != param._data.shape:
        raise ValueError(f"loaded optimizer state '{name}' of parameter {index} has shape "
                         f"{array.shape}, its parameter has shape {tuple(param._data.shape)}")
    return Tensor._make(array, None)
