"""Samplers: the order in which ``DataLoader`` visits a map-style data set.

A sampler is any iterable of indices. ``SequentialSampler`` gives 0..N-1,
``RandomSampler`` a random order (a fresh one each epoch), ``SubsetRandomSampler``
a random order of given indices, ``WeightedRandomSampler`` draws by weight, and
``BatchSampler`` groups another sampler's indices into lists of ``batch_size``.

Randomness, as in PyTorch: with ``generator=None`` each epoch's order comes
from the global stream (so ``tinygrad_cnn.manual_seed(s)`` before two runs
makes them shuffle identically); with a ``tinygrad_cnn.Generator`` the order
comes from that generator alone, and successive epochs continue its stream.
"""
import numbers
import typing

import numpy as np

from tinygrad_cnn._random import draw_seed, numpy_generator


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


T_co = typing.TypeVar("T_co", covariant=True)


class Sampler(typing.Generic[T_co]):
    """Base class: a subclass defines ``__iter__`` yielding indices (and may define ``__len__``).

    Generic like PyTorch's (``Sampler[int]``, ``Sampler[list]``).

    Example:
        >>> class Backwards(Sampler):
        ...     def __init__(self, data_source):
        ...         self.data_source = data_source
        ...     def __iter__(self):
        ...         return iter(range(len(self.data_source) - 1, -1, -1))
        >>> list(Backwards("abc"))
        [2, 1, 0]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., N-1 in order.

    Example:
        >>> list(SequentialSampler("abcd")), len(SequentialSampler("abcd"))
        ([0, 1, 2, 3], 4)
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the N indices, new every epoch.

    Args:
        data_source: the data set (only its ``len`` is used).
        replacement: draw ``num_samples`` indices independently (repeats possible)
            instead of a permutation.
        num_samples: how many indices per epoch (default N). Without replacement
            and above N, whole permutations follow each other.
        generator: a ``tinygrad_cnn.Generator``; None: the epoch's order comes
            from a private stream seeded from the global one when the epoch starts.

    Example:
        >>> import tinygrad_cnn as tg
        >>> sampler = RandomSampler(range(5), generator=tg.Generator().manual_seed(1))
        >>> sorted(sampler), len(sampler)
        ([0, 1, 2, 3, 4], 5)
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None and not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        size = len(self.data_source)
        if self.generator is None:
            # Fix the whole epoch now, from the global stream (PyTorch does the same).
            rng = np.random.default_rng(draw_seed())
        else:
            rng = numpy_generator(self.generator)
        if size == 0:
            return
        if self.replacement:
            yield from rng.integers(0, size, self.num_samples).tolist()
            return
        for _ in range(self.num_samples // size):
            yield from rng.permutation(size).tolist()
        if self.num_samples % size:
            yield from rng.permutation(size)[:self.num_samples % size].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, new every epoch.

    Example:
        >>> import tinygrad_cnn as tg
        >>> sorted(SubsetRandomSampler([7, 3, 5], generator=tg.Generator().manual_seed(0)))
        [3, 5, 7]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for position in numpy_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights``.

    Example:
        >>> import tinygrad_cnn as tg
        >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3, generator=tg.Generator().manual_seed(0)))
        [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {weights.shape}")
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        probabilities = self.weights / self.weights.sum()
        chosen = numpy_generator(self.generator).choice(
            len(self.weights), size=self.num_samples, replace=self.replacement, p=probabilities)
        return iter(chosen.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: a positive int.
        drop_last: leave out a last list shorter than ``batch_size``.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
        >>> len(BatchSampler(range(7), batch_size=3, drop_last=True))
        2
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)  # ceil division
