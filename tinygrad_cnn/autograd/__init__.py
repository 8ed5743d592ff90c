"""``tinygrad_cnn.autograd``: PyTorch's ``torch.autograd`` names.

* `Function` — the one op contract (the same class as ``tinygrad_cnn.Function``);
* `grad` — gradients of outputs with respect to chosen inputs, returned
  rather than added to ``.grad``;
* `backward` — ``backward()`` from several tensors at once.

>>> import tinygrad_cnn as tg
>>> x = tg.tensor([1.0, 2.0], requires_grad=True)
>>> (dx,) = tg.autograd.grad((x * x).sum(), x)
>>> dx, x.grad
(tensor([2., 4.]), None)
"""
from .. import engine as _engine
from .._state import enable_grad, inference_mode, no_grad, set_grad_enabled
from ..function import Function
from ..gradcheck import gradcheck
from ..tensor import Tensor

__all__ = ["Function", "backward", "enable_grad", "grad", "gradcheck", "inference_mode",
           "no_grad", "set_grad_enabled"]


def _as_tuple(value):
    if value is None:
        return None
    return (value,) if isinstance(value, Tensor) else tuple(value)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """∂(outputs)/∂(inputs), one Tensor (or None if unused) per input. Nothing
    is added to any ``.grad``; the graph is freed unless ``retain_graph=True``.

    Raises for an input the outputs do not depend on unless ``allow_unused=True``
    (then its gradient is None, or zeros with ``materialize_grads=True``)."""
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not supported")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; only tensors with "
                               "requires_grad=True can be differentiated with respect to")
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} "
                         "outputs; give one per output")
    unused_ok = bool(allow_unused) or materialize_grads
    results = _engine.run_backward(list(outputs), list(grad_outputs), bool(retain_graph),
                                   create_graph=create_graph, capture=list(inputs),
                                   allow_unused=unused_ok)
    if materialize_grads:
        from ..creation import zeros_like
        results = tuple(zeros_like(t) if g is None else g for t, g in zip(inputs, results))
    return results


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Back-propagate from every tensor in ``tensors`` (δ from ``grad_tensors``),
    adding into the leaves' ``.grad`` as ``Tensor.backward`` does."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    _engine.run_backward(list(tensors), list(grad_tensors), bool(retain_graph),
                         create_graph=create_graph, inputs=inputs)
