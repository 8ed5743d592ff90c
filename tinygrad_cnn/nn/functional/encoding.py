"""Class indices as vectors: `one_hot`."""
import numpy as np

from ..._errors import DTypeError, describe
from ...tensor import Tensor


def one_hot(tensor, num_classes=-1):
    """``out[..., c] = 1`` where ``tensor[...] == c``, else 0: int64, one more
    dim of size ``num_classes`` (-1: the largest index + 1). Outside the graph:
    indices have no gradient.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.one_hot(tg.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if not isinstance(tensor, Tensor) or tensor._data.dtype.kind not in "iu":
        got = describe(tensor) if isinstance(tensor, Tensor) else type(tensor).__name__
        raise DTypeError(f"one_hot: expected a tensor of class indices (int64), got {got}")
    indices = tensor._data.astype(np.int64)
    if indices.size and indices.min() < 0:
        raise RuntimeError(f"one_hot: class indices must be >= 0, got {int(indices.min())}")
    largest = int(indices.max()) if indices.size else -1
    if num_classes == -1:
        if not indices.size:
            raise RuntimeError("one_hot: cannot infer num_classes from an empty tensor; pass it")
        num_classes = largest + 1
    elif largest >= num_classes:
        raise RuntimeError(f"one_hot: class index {largest} is out of range for "
                           f"num_classes={num_classes}")
    out = (indices[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, None)
