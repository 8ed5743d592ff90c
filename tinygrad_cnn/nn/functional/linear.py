"""Fully connected layer and its companion: `linear`, `flatten` (dropout is in `dropout`)."""
import numpy as np

from ..._errors import DTypeError, ShapeError, describe
from ..activation_ops import Linear


def linear(input, weight, bias=None):
    """Fully connected layer ``z = a Wᵀ + b`` (weight (out, in), as PyTorch).

    Shape:
        input: (*, in);  weight: (out, in);  bias: (out,);  output: (*, out).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.linear(tg.tensor([[1.0, 2.0]]), tg.tensor([[1.0, 1.0], [0.0, 1.0]]), tg.tensor([0.5, 0.0]))
    tensor([[3.5000, 2.0000]])
    """
    if input.ndim < 1 or weight.ndim != 2:
        raise ShapeError(f"linear: expected input (*, in) and a 2-D weight (out, in), got input "
                         f"{describe(input)} and weight {describe(weight)}")
    if input.shape[-1] != weight.shape[1]:
        hint = ""
        if input.ndim > 2 and int(np.prod(input.shape[1:])) == weight.shape[1]:
            hint = (f"; the input's dims after the batch hold {weight.shape[1]} values: did you "
                    "forget nn.Flatten() (or x.flatten(1)) before this layer?")
        raise ShapeError(f"linear: input has {input.shape[-1]} features but weight "
                         f"{tuple(weight.shape)} expects {weight.shape[1]} (= weight.shape[1]); "
                         f"input {describe(input)}{hint}")
    if input.dtype != weight.dtype:
        raise DTypeError(f"linear: input and weight must have the same dtype, got input "
                         f"{describe(input)} and weight {describe(weight)}")
    if bias is not None and (tuple(bias.shape) != (weight.shape[0],) or bias.dtype != input.dtype):
        raise ShapeError(f"linear: bias must be ({weight.shape[0]},) {input.dtype}, "
                         f"got {describe(bias)}")
    return Linear.apply(input, weight, bias)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (PyTorch's functional default
    ``start_dim=0``; ``nn.Flatten`` uses 1).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.flatten(tg.ones(2, 3, 4), 1).shape
    (2, 12)
    """
    return input.flatten(start_dim, end_dim)

