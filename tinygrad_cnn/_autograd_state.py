"""What a tensor's autograd attributes accept: the checks of ``t.grad = g``
and the handle `Tensor.register_hook` returns. (The engine writes ``.grad``
itself, past the checks: what it writes has the leaf's shape and dtype.)"""
from ._errors import ShapeError, describe


def set_grad(tensor, grad):
    """``t.grad = g``: None, or a Tensor of t's shape and dtype (PyTorch's checks:
    a gradient of another shape would broadcast silently in the optimizer).

    >>> import tinygrad_cnn as tg
    >>> x = tg.zeros(2, requires_grad=True)
    >>> x.grad = tg.ones(3)
    Traceback (most recent call last):
    ...
    tinygrad_cnn.ShapeError: grad: cannot assign a gradient (3,) float32 to a tensor (2,) float32: ...
    """
    if grad is not None:
        from .tensor import Tensor
        if not isinstance(grad, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None, got "
                            f"{type(grad).__name__}")
        if grad._data.shape != tensor._data.shape or grad._data.dtype != tensor._data.dtype:
            raise ShapeError(f"grad: cannot assign a gradient {describe(grad)} to a tensor "
                             f"{describe(tensor)}: shape and dtype must match")
    tensor._grad = grad


class HookHandle:
    """``handle.remove()`` takes the hook off the tensor again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
