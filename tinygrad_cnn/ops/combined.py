"""Sums with a scaled product or quotient: `addcmul` and `addcdiv` (the updates
of Adam-like optimizers written as one call). Composed of tensor ops, so
their gradients are those ops' rules chained:

    addcmul(x, a, b, value=v) = x + v·a ⊙ b,    addcdiv(x, a, b, value=v) = x + v·a / b.
"""
from ..tensor import Tensor


def _checked(op, tensors):
    for name, value in zip(("input", "tensor1", "tensor2"), tensors):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 ⊙ tensor2 (broadcast).

    >>> import tinygrad_cnn as tg
    >>> tg.addcmul(tg.tensor([1.0, 1.0]), tg.tensor([2.0, 3.0]), tg.tensor([4.0, 5.0]), value=0.5)
    tensor([5.0000, 8.5000])
    """
    _checked("addcmul", (input, tensor1, tensor2))
    return input + value * (tensor1 * tensor2)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 / tensor2 (broadcast); integer tensor1 and
    tensor2 are refused, as PyTorch refuses them (a true division).

    >>> import tinygrad_cnn as tg
    >>> tg.addcdiv(tg.tensor([1.0]), tg.tensor([3.0]), tg.tensor([2.0]), value=2)
    tensor([4.])
    """
    _checked("addcdiv", (input, tensor1, tensor2))
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError("addcdiv: integer division of tensors is not supported; "
                           "make tensor1 or tensor2 a float tensor")
    return input + value * (tensor1 / tensor2)


TENSOR_METHODS = ("addcdiv", "addcmul")
