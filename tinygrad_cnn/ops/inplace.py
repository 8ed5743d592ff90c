"""In-place ops: ``add_``, ``mul_``, ``zero_``, ``x += y``, ``x[i] = v`` …

Each writes its result into the tensor's own memory, with PyTorch's autograd
rules:

* outside ``no_grad()``, a **leaf that requires grad** cannot be modified in
  place (its ``.grad`` would no longer belong to the values it holds); inside
  ``no_grad()`` — optimizer steps, initialisation — it can;
* on a **non-leaf**, the op is recorded: it is computed as its out-of-place
  twin, whose node becomes the tensor's ``grad_fn`` (δ flows back through it
  to the tensor's old producer), then the values are written back;
* on a **view** of a tensor in the graph (``y[0].mul_(2)``, ``y.t().add_(b)``)
  the op is recorded on the base instead, as ``base[positions] = result``
  (an ``index_put`` node), and the view is read back out of the new base;
  the positions are found from the view's memory addresses inside the base;
* each write **bumps the tensor's version**. A node that saved the tensor for
  its backward remembers the version it saw, and ``backward()`` raises,
  naming the node, if the tensor was written since — the δ it would compute
  from the new values would be wrong.

>>> import tinygrad_cnn as tg
>>> w = tg.ones(2, requires_grad=True)
>>> with tg.no_grad():
...     w -= 0.5 * tg.ones(2)
>>> w
tensor([0.5000, 0.5000], requires_grad=True)
"""
import numpy as np

from .. import _state
from .._errors import ShapeError, describe
from ..dtypes import from_numpy_dtype
from ..tensor import Tensor
from . import activation, elementwise, unary
from .indexing import GetItem, IndexPut


def write_back(tensor, result, op):
    """Make ``tensor`` hold ``result`` (an out-of-place op's output) in place."""
    if _state.grad_enabled:
        if tensor.requires_grad and tensor.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place "
                "operation. Wrap the update in tinygrad_cnn.no_grad() (as optimizers do), or "
                "compute out of place (w = w - lr * w.grad)")
    if result.shape != tensor.shape:
        raise ShapeError(f"{op}: output with shape {tensor.shape} doesn't match the broadcast "
                         f"shape {result.shape}")
    if _category(result._data.dtype) > _category(tensor._data.dtype):
        raise RuntimeError(f"{op}: result type {from_numpy_dtype(result._data.dtype)} can't be "
                           f"cast to the desired output type {tensor.dtype}")
    node = result.grad_fn
    if node is not None and node.saved_tensors:
        # the node may hold this tensor's array for its backward: keep the old values for it
        node.saved_tensors = tuple(s.copy() if s is tensor._data else s
                                   for s in node.saved_tensors)
        if node.saved_versions:
            node.saved_versions = tuple(v for v in node.saved_versions
                                        if v[0] is not tensor._version_box)
    if tensor._base is not None and _state.grad_enabled and \
            (result.requires_grad or tensor.requires_grad):
        return _write_through_base(tensor, result, op)
    np.copyto(tensor._data, result._data, casting="unsafe")
    tensor._version_box.count += 1
    tensor._version_box.last_op = op
    if node is not None:                  # δ now flows back through the in-place op's node
        tensor.grad_fn = node
        tensor.requires_grad = True
    elif tensor.grad_fn is not None:      # overwritten by constants: no longer depends on the graph
        tensor.grad_fn = None
        tensor.requires_grad = False
    return tensor


def _write_through_base(view, result, op):
    """An in-place op on a view of a tensor in the graph (``y[0].mul_(2)``,
    ``y.t().add_(1)``): record it on the base as ``base[positions] = result``
    (an index_put node), then read the view back out of the new base, so δ
    reaches both the base's old producer and the op's inputs."""
    base = view._base
    positions = _positions_in(base._data, view._data, op)
    write_back(base, IndexPut.apply(base, result, positions), op)    # bumps the shared version
    view.grad_fn = GetItem.apply(base, positions).grad_fn
    view.requires_grad = view.grad_fn is not None
    return view


def _positions_in(base, view, op):
    """Where each element of the NumPy view ``view`` sits in ``base`` (whose
    memory it shares): a tuple of index arrays shaped like ``view``, found by
    matching the elements' memory addresses."""
    base_addresses = _addresses(base).reshape(-1)
    order = np.argsort(base_addresses, kind="stable")
    wanted = _addresses(view).reshape(-1)
    found = order[np.searchsorted(base_addresses[order], wanted)]
    if np.unique(found).size != found.size:
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location (an expanded view); "
                           "clone() it first")
    return np.unravel_index(found.reshape(view.shape), base.shape)


def _addresses(array):
    """The memory address of every element of ``array``, shaped like it."""
    start = array.__array_interface__["data"][0]
    if array.ndim == 0:
        return np.array(start)
    return start + np.tensordot(np.array(array.strides), np.indices(array.shape), axes=1)


def _category(numpy_dtype):
    return {"b": 0, "u": 1, "i": 1, "f": 2}[numpy_dtype.kind]


def inplace_version(function, name):
    """``function(x, …)`` as the in-place method ``name``: compute, then write back."""
    def method(self, *args, **kwargs):
        return write_back(self, function(self, *args, **kwargs), name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place `{function.__name__}`: writes the result into ``self``."
    return method


add_ = inplace_version(elementwise.add, "add_")
sub_ = inplace_version(elementwise.sub, "sub_")
mul_ = inplace_version(elementwise.mul, "mul_")
div_ = inplace_version(elementwise.div, "div_")
pow_ = inplace_version(elementwise.pow, "pow_")
neg_ = inplace_version(elementwise.neg, "neg_")
abs_ = inplace_version(unary.abs, "abs_")
exp_ = inplace_version(unary.exp, "exp_")
log_ = inplace_version(unary.log, "log_")
sqrt_ = inplace_version(unary.sqrt, "sqrt_")
tanh_ = inplace_version(activation.tanh, "tanh_")
sigmoid_ = inplace_version(activation.sigmoid, "sigmoid_")
relu_ = inplace_version(activation.relu, "relu_")
clamp_ = inplace_version(unary.clamp, "clamp_")
clip_ = clamp_
subtract_, multiply_, divide_, true_divide_, negative_, absolute_ = \
    sub_, mul_, div_, div_, neg_, abs_


def _constant(tensor, array):
    return Tensor._make(np.broadcast_to(np.asarray(array, dtype=tensor._data.dtype),
                                        tensor.shape), None)


def zero_(self):
    """Fill with zeros (cuts the graph at this tensor, as PyTorch's ``zero_``)."""
    return _fill(self, 0, "zero_")


def fill_(self, value):
    value = value.item() if isinstance(value, Tensor) else value
    return _fill(self, value, "fill_")


def _fill(self, value, op):
    return write_back(self, _constant(self, value), op)


def copy_(self, src, non_blocking=False):
    """Copy ``src``'s values (broadcast to this shape, cast to this dtype) in place;
    recorded in the graph when ``src`` requires grad."""
    src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src), None)
    try:
        np.broadcast_shapes(src.shape, self.shape)
    except ValueError:
        raise ShapeError(f"copy_: source {describe(src)} cannot be broadcast to "
                         f"{describe(self)}") from None
    if src.requires_grad and _state.grad_enabled:
        result = elementwise.cast_to(src, self._data.dtype) + _constant(self, 0)   # broadcast
    else:
        result = _constant(self, src._data)
    return write_back(self, result, "copy_")


def uniform_(self, a=0.0, b=1.0, generator=None):
    rng = _state.rng if generator is None else generator.numpy_generator
    return _fill_random(self, rng.uniform(a, b, self.shape), "uniform_")


def normal_(self, mean=0.0, std=1.0, generator=None):
    rng = _state.rng if generator is None else generator.numpy_generator
    return _fill_random(self, rng.normal(mean, std, self.shape), "normal_")


def _fill_random(self, values, op):
    return write_back(self, _constant(self, values), op)


# --- twins of the ops in the other families (same rules, via `inplace_version`) ---
def _twins(module, names):
    return {name + "_": inplace_version(getattr(module, name), name + "_") for name in names}


from . import (  # noqa: E402
    comparison, diagonals, division, pointwise, rounding, scatter_gather, special, trig,
)

_MORE = {
    **_twins(unary, ("exp2", "expm1", "log10", "log1p", "log2", "reciprocal", "rsqrt",
                     "square")),
    **_twins(special, ("erf", "erfc")),
    **_twins(trig, ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin",
                    "sinh", "tan")),
    **_twins(rounding, ("ceil", "floor", "frac", "round", "sgn", "sign", "trunc", "fix")),
    **_twins(pointwise, ("atan2", "clamp_max", "clamp_min", "hypot", "lerp", "logaddexp",
                         "xlogy")),
    **_twins(division, ("floor_divide", "fmod", "remainder")),
    **_twins(comparison, ("logical_and", "logical_not", "logical_or", "logical_xor",
                          "nan_to_num", "bitwise_and", "bitwise_or", "bitwise_xor")),
    **_twins(diagonals, ("tril", "triu")),
    **_twins(scatter_gather, ("index_add", "index_fill", "masked_fill", "scatter",
                              "scatter_add")),
}
globals().update(_MORE)

TENSOR_METHODS = (
    "abs_", "absolute_", "add_", "clamp_", "clip_", "copy_", "div_", "divide_", "exp_", "fill_",
    "log_", "mul_", "multiply_", "neg_", "negative_", "normal_", "pow_", "relu_", "sigmoid_",
    "sqrt_", "sub_", "subtract_", "tanh_", "true_divide_", "uniform_", "zero_",
) + tuple(sorted(_MORE))
