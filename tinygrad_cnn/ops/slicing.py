"""The pieces of a tensor along one dim: select (one slice, the dim
removed), narrow (a run of entries), split (pieces of a size, or of listed
sizes), chunk (a number of pieces) and unbind (every slice).

Each piece is a basic-index slice ``x[..., start:stop]``, so it is a `GetItem`
node, whose backward puts δ back into the piece's place in a zero gradient.
"""
import numpy as np

from .._errors import describe
from ._helpers import dim_aliases, normalize_dims


@dim_aliases
def select(input, dim, index):
    """The slice at position ``index`` of dim ``dim`` (that dim removed): ``x[:, index]``.

    >>> import tinygrad_cnn as tg
    >>> tg.select(tg.tensor([[1, 2], [3, 4]]), 1, 0)
    tensor([1, 3])
    """
    (axis,) = normalize_dims("select", dim, input.ndim)
    size = input.shape[axis]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} out of range for tensor of size "
                         f"{input.shape} at dimension {dim}")
    return input[(slice(None),) * axis + (int(index),)]


@dim_aliases
def narrow(input, dim, start, length):
    """The ``length`` entries from ``start`` along ``dim`` (negative start counts
    from the end): ``x.narrow(1, 2, 3)`` is ``x[:, 2:5]``.

    >>> import tinygrad_cnn as tg
    >>> tg.arange(6).narrow(0, 1, 3)
    tensor([1, 2, 3])
    """
    (axis,) = normalize_dims("narrow", dim, input.ndim)
    size = input.shape[axis]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"narrow: start ({start}) out of range for dim {dim} of size {size}")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({size}) of {describe(input)}")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


@dim_aliases
def split(tensor, split_size_or_sections, dim=0):
    """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or
    of the listed sizes (which must add up to the dim's size).

    >>> import tinygrad_cnn as tg
    >>> [p.tolist() for p in tg.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    >>> [p.tolist() for p in tg.arange(5).split([1, 4])]
    [[0], [1, 2, 3, 4]]
    """
    (axis,) = normalize_dims("split", dim, tensor.ndim)
    size = tensor.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and size):
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step or 1)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to "
                               f"{size} (input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(narrow(tensor, axis, int(start), length) for start, length in zip(starts, sizes))


@dim_aliases
def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of ⌈size / chunks⌉ along ``dim`` (so possibly fewer).

    >>> import tinygrad_cnn as tg
    >>> [p.tolist() for p in tg.arange(5).chunk(3)]
    [[0, 1], [2, 3], [4]]
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunk expects `chunks` to be greater than 0, got: {chunks}")
    (axis,) = normalize_dims("chunk", dim, input.ndim)
    size = input.shape[axis]
    if size == 0:                         # PyTorch: ``chunks`` empty pieces
        return tuple(narrow(input, axis, 0, 0) for _ in range(chunks))
    return split(input, -(-size // chunks), axis)          # ⌈size / chunks⌉


@dim_aliases
def unbind(input, dim=0):
    """The slices along ``dim``, each without that dim.

    >>> import tinygrad_cnn as tg
    >>> tg.unbind(tg.tensor([[1, 2], [3, 4]]), 1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    (axis,) = normalize_dims("unbind", dim, input.ndim)
    return tuple(select(input, axis, i) for i in range(input.shape[axis]))


TENSOR_METHODS = ("chunk", "narrow", "select", "split", "unbind")
