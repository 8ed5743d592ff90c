"""``DataLoader``: iterate over a data set in mini-batches, as ``torch.utils.data.DataLoader``.

One epoch, for a map-style data set::

    sampler          -> 3, 0, 4, 1, 2, ...        (SequentialSampler, or RandomSampler if shuffle)
    batch_sampler    -> [3, 0], [4, 1], [2]       (BatchSampler(sampler, batch_size, drop_last))
    fetch            -> [ds[3], ds[0]], ...       (one __getitem__ per index)
    collate_fn       -> [images (B, ...), labels (B,)]   (default_collate)

An ``IterableDataset`` is read in order and cut into groups of ``batch_size``.

Loading always happens in the calling thread. ``num_workers > 0`` is accepted
(and validated like PyTorch) so that PyTorch programs run, but no worker
processes are started: the batches, and the random numbers drawn while making
them, are exactly those of ``num_workers=0``.

Fast path: with the default collate, a batch is cut from the data set's
arrays with one fancy-indexing step instead of B calls to ``__getitem__``, for

* the package's own data sets (``tinygrad_cnn.data``, and
  ``tinygrad_cnn.vision.datasets`` without a transform), whose ``ds[i]`` is
  ``(data[i], int(targets[i]))``;
* ``TensorDataset``, and ``Subset``s of any of these;
* objects that are *not* ``Dataset`` subclasses but have ``.data`` and integer
  ``.targets`` arrays and no ``transform``: the contract of tinygrad_cnn's
  older loader, which promised ``ds[i] == (data[i], targets[i])``.

A ``Dataset`` subclass with its own ``__getitem__`` always has it called, as
in PyTorch. The fast path gives the same batches as collating.
"""
import itertools
import numbers

import numpy as np

from tinygrad_cnn._random import Generator
from tinygrad_cnn.creation import from_numpy
from tinygrad_cnn.tensor import Tensor
from tinygrad_cnn.utils.data.collate import default_collate, default_convert
from tinygrad_cnn.utils.data.dataset import Dataset, IterableDataset, Subset, TensorDataset
from tinygrad_cnn.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler


def get_worker_info():
    """Information about the current loader worker: always None (PyTorch's answer in the main process).

    Example:
        >>> get_worker_info() is None
        True
    """
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``torch.utils.data.DataLoader``).

    Args:
        dataset: a map-style data set (``__getitem__``, and ``__len__`` for the
            default samplers) or an ``IterableDataset``.
        batch_size: samples per batch, B; None turns batching off (each sample
            goes through ``default_convert`` alone).
        shuffle: visit the samples in a new random order each epoch.
        sampler: an iterable of indices to use instead (excludes ``shuffle``).
        batch_sampler: an iterable of index lists (excludes ``batch_size``,
            ``shuffle``, ``sampler``, ``drop_last``).
        num_workers: accepted for PyTorch programs; loading still happens in
            the calling thread (see the module docstring).
        collate_fn: builds a batch from a list of samples; default ``default_collate``.
        pin_memory: accepted and ignored (there is no accelerator memory).
        drop_last: leave out a last batch smaller than ``batch_size``.
        timeout: accepted (must be >= 0) and ignored: there are no workers to wait for.
        worker_init_fn: with ``num_workers > 0``, called as ``worker_init_fn(0)``
            at the start of each epoch, as if by a single worker, in this thread.
        multiprocessing_context, pin_memory_device, in_order: accepted and ignored.
        generator: a ``tinygrad_cnn.Generator`` for the shuffle; None uses the
            global stream, so two runs after the same ``tinygrad_cnn.manual_seed``
            shuffle identically.
        prefetch_factor: only with ``num_workers > 0`` (as in PyTorch); ignored.
        persistent_workers: only with ``num_workers > 0`` (as in PyTorch); ignored.
        seed: tinygrad_cnn's older spelling, kept for existing code (deprecated;
            PyTorch has no such argument): ``seed=s`` is
            ``generator=tinygrad_cnn.Generator().manual_seed(s)``.

    Raises:
        ValueError: for PyTorch's invalid combinations (``sampler`` with
            ``shuffle``, ``batch_sampler`` with the batching options, a bad
            ``batch_size`` …), with PyTorch's messages.
        TypeError: ``dataset`` is neither map-style nor an ``IterableDataset``.

    Shape:
        For the image data sets here: images (B, 1, 28, 28) float32, labels (B,) int64.

    Example:
        >>> from tinygrad_cnn.data import EmbeddedFashionMNIST
        >>> loader = DataLoader(EmbeddedFashionMNIST(train=False), batch_size=300, drop_last=True)
        >>> len(loader)
        3
        >>> images, labels = next(iter(loader))
        >>> images.shape, images.dtype, labels.shape, labels.dtype
        ((300, 1, 28, 28), tinygrad_cnn.float32, (300,), tinygrad_cnn.int64)
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True, seed=None):
        is_iterable = isinstance(dataset, IterableDataset)
        if not is_iterable and not hasattr(dataset, "__getitem__"):
            raise TypeError("DataLoader: dataset must have __len__ and __getitem__ (a map-style data set) "
                            f"or be an IterableDataset, got {type(dataset).__name__}")
        prefetch_factor = _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if seed is not None:
            if generator is not None:
                raise ValueError("DataLoader: pass generator= or the older seed=, not both")
            generator = Generator().manual_seed(seed)

        if is_iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value is not None and value is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None and not is_iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            if is_iterable:  # only validate: an iterable data set is cut into groups in __iter__
                BatchSampler(range(0), batch_size, drop_last)
            else:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self.auto_collation = batch_sampler is not None or (is_iterable and batch_size is not None)
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self.auto_collation else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers

    def __len__(self):
        """Number of batches per epoch (samples, with ``batch_size=None``)."""
        if isinstance(self.dataset, IterableDataset):
            num_samples = len(self.dataset)
            if self.batch_size is None:
                return num_samples
            if self.drop_last:
                return num_samples // self.batch_size
            return -(-num_samples // self.batch_size)  # ceil division
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if self.num_workers > 0 and self.worker_init_fn is not None:
            self.worker_init_fn(0)
        if isinstance(self.dataset, IterableDataset):
            yield from self._iterate_stream()
        elif self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
        else:
            take = _array_batch_maker(self.dataset) if self.collate_fn is default_collate else None
            for batch_indices in self.batch_sampler:
                if take is not None:
                    yield take(np.asarray(batch_indices, dtype=np.int64))
                else:
                    yield self.collate_fn(self._fetch(batch_indices))

    def _fetch(self, batch_indices):
        getitems = getattr(self.dataset, "__getitems__", None)  # PyTorch's batched-fetch hook
        if getitems is not None:
            return getitems(list(batch_indices))
        return [self.dataset[index] for index in batch_indices]

    def _iterate_stream(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            for sample in samples:
                yield self.collate_fn(sample)
            return
        while True:
            batch = list(itertools.islice(samples, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"sampler={type(self.sampler).__name__}, drop_last={self.drop_last}, "
                f"num_workers={self.num_workers})")


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    """PyTorch's checks of the worker options; returns prefetch_factor (2 by default with workers)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral):
        raise TypeError(f"DataLoader: num_workers must be an int, got {num_workers!r}")
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; "
                         "use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
    if num_workers > 0 and prefetch_factor is None:
        prefetch_factor = 2
    elif prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    return prefetch_factor


# ----- fast path ------------------------------------------------------------------

def _array_backed_classes():
    """Classes whose ``ds[i]`` is exactly ``(data[i], int(targets[i]))`` (imported late: no cycles)."""
    from tinygrad_cnn.data.datasets import ImageClassificationDataset
    from tinygrad_cnn.vision.datasets import MNIST
    return ImageClassificationDataset, MNIST


def _getitem_owner(dataset):
    """The class in ``dataset``'s MRO that defines the ``__getitem__`` Python will call."""
    for cls in type(dataset).__mro__:
        if "__getitem__" in vars(cls):
            return cls
    return None


def _as_array(value):
    if isinstance(value, Tensor):
        return value._data
    return value if isinstance(value, np.ndarray) else None


def _array_batch_maker(dataset):
    """Return ``take(indices) -> batch`` equal to ``default_collate([dataset[i] for i in indices])``,
    cut straight from the data set's arrays; or None when that equality is not guaranteed."""
    owner = _getitem_owner(dataset)
    if owner is Subset:
        take_from_source = _array_batch_maker(dataset.dataset)
        if take_from_source is None:
            return None
        positions = np.asarray(dataset.indices, dtype=np.int64)
        return lambda indices: take_from_source(positions[indices])
    if owner is TensorDataset:
        if not all(isinstance(t, (Tensor, np.ndarray)) for t in dataset.tensors):
            return None
        return lambda indices: [t[indices] if isinstance(t, Tensor) else from_numpy(t[indices])
                                for t in dataset.tensors]
    if owner not in _array_backed_classes() and isinstance(dataset, Dataset):
        # A Dataset subclass with its own __getitem__: call it, as PyTorch does. Objects
        # that are not Dataset subclasses keep the older tinygrad_cnn contract: with
        # .data and .targets arrays, ds[i] is (data[i], targets[i]).
        return None
    if getattr(dataset, "transform", None) is not None or getattr(dataset, "target_transform", None) is not None:
        return None
    data, targets = _as_array(getattr(dataset, "data", None)), _as_array(getattr(dataset, "targets", None))
    if data is None or targets is None or targets.dtype.kind not in "iu" or not len(data) == len(targets) == len(dataset):
        return None
    # Fancy indexing copies, so the Tensors own fresh arrays.
    return lambda indices: [from_numpy(data[indices]), from_numpy(targets[indices].astype(np.int64))]
