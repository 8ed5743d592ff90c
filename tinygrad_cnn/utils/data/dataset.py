"""Data-set classes with PyTorch's names, and ``random_split``.

* ``Dataset``: the map-style base; a subclass defines ``__getitem__(i)`` and ``__len__``.
* ``IterableDataset``: the stream-style base; a subclass defines ``__iter__``.
* ``TensorDataset(*tensors)``: sample i is ``(t[i] for t in tensors)``.
* ``Subset(dataset, indices)``, ``ConcatDataset(datasets)``, ``ChainDataset(datasets)``.
* ``random_split(dataset, lengths, generator=None)``: disjoint random ``Subset``s.

The data sets in ``tinygrad_cnn.data`` are not subclasses of ``Dataset`` but
offer the same ``__len__`` / ``__getitem__`` interface, which is all that
``DataLoader``, ``Subset`` and the rest need (duck typing, as in PyTorch).
"""
import bisect
import math
import typing
import warnings

import numpy as np

from tinygrad_cnn._random import numpy_generator

T_co = typing.TypeVar("T_co", covariant=True)  # the sample type, for annotations like Dataset[int]


class Dataset(typing.Generic[T_co]):
    """Base class of map-style data sets: ``ds[i]`` gives sample i.

    Subclass it and define ``__getitem__`` (and ``__len__``, which the default
    samplers need). ``a + b`` is ``ConcatDataset([a, b])``. As in PyTorch it is
    generic, so ``class Pairs(Dataset[tuple])`` type-checks.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, index):
        ...         return index * index
        >>> [Squares()[i] for i in range(4)], len(Squares() + Squares())
        ([0, 1, 4, 9], 8)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Base class of stream-style data sets: iterating yields the samples.

    ``DataLoader`` batches what ``__iter__`` yields, in order; shuffling and
    samplers do not apply. ``a + b`` is ``ChainDataset([a, b])``.

    Example:
        >>> class Countdown(IterableDataset):
        ...     def __iter__(self):
        ...         return iter([3, 2, 1])
        >>> list(Countdown() + Countdown())
        [3, 2, 1, 3, 2, 1]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Wrap Tensors (or arrays) that share their first dim; sample i is their i-th rows.

    Shape:
        every tensor (N, ...); a sample is a tuple of their rows (...).

    Example:
        >>> import tinygrad_cnn as tg
        >>> ds = TensorDataset(tg.arange(6.0).reshape(3, 2), tg.tensor([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2., 3.]), tensor(1)))
    """

    def __init__(self, *tensors):
        sizes = [tensor.shape[0] for tensor in tensors]
        # PyTorch asserts here, so the exception type is AssertionError too.
        assert all(size == sizes[0] for size in sizes), (
            f"Size mismatch between tensors: first dims {sizes}; all must have the same size N")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> evens = Subset(list("abcdef"), [0, 2, 4])
        >>> len(evens), evens[1], evens[[0, 2]]
        (3, 'c', ['a', 'e'])
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style data sets one after another.

    Example:
        >>> both = ConcatDataset([[10, 11, 12], [20, 21]])
        >>> len(both), both[3], both[-1], both.cumulative_sizes
        (5, 20, 21, [3, 5])
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        # PyTorch asserts these, so the exception type is AssertionError too.
        assert len(self.datasets) > 0, "datasets should not be an empty iterable"
        for dataset in self.datasets:
            assert not isinstance(dataset, IterableDataset), "ConcatDataset does not support IterableDataset"
        self.cumulative_sizes = list(np.cumsum([len(dataset) for dataset in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index = len(self) + index
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several iterable data sets one after another.

    Example:
        >>> list(ChainDataset([range(2), range(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


def _lengths_from_fractions(fractions, total):
    """floor(total * f) each, then the remainder handed out one by one from the front."""
    for position, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(f"Fraction at index {position} is not between 0 and 1")
    lengths = [int(math.floor(total * fraction)) for fraction in fractions]
    for position in range(total - sum(lengths)):
        lengths[position % len(lengths)] += 1
    for position, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {position} is 0. "
                          f"This might result in an empty dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given lengths.

    Args:
        dataset: a map-style data set (needs ``len``).
        lengths: the sizes, as ints summing to ``len(dataset)``, or as fractions
            summing to 1; ``floor(len * f)`` each, the remainder then given one
            by one to the first splits (PyTorch's rule).
        generator: a ``tinygrad_cnn.Generator``; None draws from the global
            stream, so ``manual_seed`` makes the split reproducible.

    Raises:
        ValueError: the lengths do not add up, or a fraction is outside [0, 1].

    Example:
        >>> import tinygrad_cnn as tg
        >>> train, val = random_split(range(10), [0.8, 0.2], generator=tg.Generator().manual_seed(0))
        >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
        (8, 2, True)
    """
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, total)
    if sum(lengths) != total:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths {list(lengths)} sum to {sum(lengths)}, the data set has {total})")
    order = numpy_generator(generator).permutation(total).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets
