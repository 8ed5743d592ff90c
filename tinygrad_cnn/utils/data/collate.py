"""Turn a list of samples into one batch: ``default_collate`` and ``default_convert``.

``default_collate`` follows ``torch.utils.data.default_collate`` rule by rule,
looking at the first sample of the batch to decide:

    sample is                  batch becomes
    Tensor                     Tensor stacked on a new dim 0, (B, *shape)
    NumPy array (numeric)      Tensor stacked, keeping the array's dtype
    NumPy scalar               Tensor (B,) of that dtype
    Python float               Tensor (B,) float64
    Python int / bool          Tensor (B,) int64 / bool
    str or bytes               the samples unchanged (a list, or a tuple inside a tuple)
    dict                       dict of the collated values, key by key
    namedtuple                 the same namedtuple of collated fields
    tuple / list               a *list* (tuple) or list of the collated columns:
                               [(x0, y0), (x1, y1)] -> [collate([x0, x1]), collate([y0, y1])]

``default_convert`` (used when ``batch_size=None`` turns batching off) only
turns NumPy arrays and scalars into Tensors, recursing into dicts and sequences.
"""
import collections.abc
import numbers

import numpy as np

from tinygrad_cnn.creation import from_numpy
from tinygrad_cnn.ops.movement import stack
from tinygrad_cnn.tensor import Tensor

COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                 "dicts or lists; found {}")


def _is_numeric_array(array):
    return array.dtype.kind in "biufc"


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _stack_tensors(batch):
    shapes = [tuple(t.shape) for t in batch]
    for position, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} "
                               f"at entry 0 and {list(shape)} at entry {position}")
    if any(t.requires_grad for t in batch):
        return stack(list(batch), dim=0)  # keeps the graph, as torch.stack does
    return from_numpy(np.stack([t._data for t in batch]))  # (B, *shape)


def default_collate(batch):
    """Collate a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Args:
        batch: a list of samples, all of the same structure.

    Returns:
        The batch: Tensors stacked along a new first dim; containers keep their
        structure (a tuple becomes a list, like PyTorch).

    Example:
        >>> import numpy as np
        >>> images, labels = default_collate([(np.zeros((1, 2, 2), np.float32), 3),
        ...                                   (np.ones((1, 2, 2), np.float32), 7)])
        >>> images.shape, images.dtype, labels.tolist(), labels.dtype
        ((2, 1, 2, 2), tinygrad_cnn.float32, [3, 7], tinygrad_cnn.int64)
        >>> default_collate([{"x": 0.5, "name": "a"}, {"x": 1.5, "name": "b"}])
        {'x': tensor([0.5000, 1.5000], dtype=tinygrad_cnn.float64), 'name': ['a', 'b']}
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack_tensors(batch)
    if isinstance(first, np.ndarray):
        if not _is_numeric_array(first):
            raise TypeError(COLLATE_ERROR.format(first.dtype.str))
        return default_collate([from_numpy(np.asarray(array)) for array in batch])
    if isinstance(first, np.generic):
        if not _is_numeric_array(np.asarray(first)):
            raise TypeError(COLLATE_ERROR.format(np.asarray(first).dtype.str))
        return from_numpy(np.array(batch))  # (B,) in the scalars' dtype
    if isinstance(first, float):
        return from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(first, numbers.Integral):
        return _python_numbers(batch)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in first}
        try:
            return type(first)(collated)
        except TypeError:  # a Mapping type that cannot be built from a dict
            return collated
    if _is_namedtuple(first):
        return type(first)(*(default_collate(column) for column in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        length = len(first)
        if any(len(sample) != length for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(column) for column in zip(*batch)]  # columns are tuples
        if isinstance(first, tuple):
            return columns  # PyTorch returns a list for tuples, for backwards compatibility
        try:
            return type(first)(columns)
        except TypeError:
            return columns
    raise TypeError(COLLATE_ERROR.format(type(first)))


def _python_numbers(batch):
    """Python ints (and bools) as ``torch.tensor`` types them: int64, bool, float32 if mixed."""
    array = np.array(batch)
    if array.dtype.kind in "iu":
        return from_numpy(array.astype(np.int64))
    if array.dtype.kind == "f":
        return from_numpy(array.astype(np.float32))  # ints mixed with floats: the default dtype
    return from_numpy(array)


def default_convert(data):
    """Turn NumPy arrays and scalars in ``data`` into Tensors; leave the rest alone.

    What ``DataLoader(batch_size=None)`` applies to each sample
    (``torch.utils.data.default_convert``).

    Example:
        >>> import numpy as np
        >>> default_convert((np.arange(3), 5, "x"))
        [tensor([0, 1, 2]), 5, 'x']
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return from_numpy(data) if _is_numeric_array(data) else data
    if isinstance(data, np.generic):
        return from_numpy(np.array(data)) if _is_numeric_array(np.asarray(data)) else data
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]  # a list, as in PyTorch
    if isinstance(data, collections.abc.Sequence):
        converted = [default_convert(value) for value in data]
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data
