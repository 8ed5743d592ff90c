"""Split a data set into mini-batches of Tensors, like ``torch.utils.data.DataLoader``.

    loader = DataLoader(EmbeddedFashionMNIST(), batch_size=64, shuffle=True, seed=0)
    for images, labels in loader:   # images: Tensor (B, 1, 28, 28) float32
        ...                         # labels: Tensor (B,) int64
"""

import numbers

import numpy as np


class DataLoader:
    """Iterate over a data set in batches of ``(images, labels)`` Tensors.

    Args:
        dataset: anything with ``__len__`` and ``__getitem__(i) -> (image, label)``.
            When it also has ``.data`` and ``.targets`` arrays (all the data sets
            in ``tinygrad_cnn.data`` do), batches are cut from those arrays with
            one fancy-indexing step instead of a per-sample loop.
        batch_size: number of samples per batch, B (a positive int).
        shuffle: visit the samples in a new random order every epoch.
        seed: seed of the loader's own ``np.random.default_rng``; two loaders
            with the same seed give the same sequence of epochs.
        drop_last: skip the final batch if it has fewer than ``batch_size`` samples.

    Shape:
        images: (B, 1, 28, 28) float32 for the image data sets here (in general
        (B, *sample_shape); float64 samples are cast to float32, the
        framework's working dtype); labels: (B,) int64.

    Example:
        >>> from tinygrad_cnn.data import EmbeddedFashionMNIST
        >>> loader = DataLoader(EmbeddedFashionMNIST(train=False), batch_size=300, drop_last=True)
        >>> len(loader)
        3
        >>> images, labels = next(iter(loader))
        >>> images.shape, images.dtype, labels.shape, labels.dtype
        ((300, 1, 28, 28), tinygrad_cnn.float32, (300,), tinygrad_cnn.int64)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, seed=None, drop_last=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"DataLoader: batch_size must be a positive int, got {batch_size!r} "
                            f"({type(batch_size).__name__})")
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must have __len__ and __getitem__, "
                            f"got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        # The loader's own generator: each epoch's permutation advances it once,
        # so successive epochs differ but the whole sequence repeats for a seed.
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        """Number of batches per epoch."""
        num_samples = len(self.dataset)
        if self.drop_last:
            return num_samples // self.batch_size
        return -(-num_samples // self.batch_size)  # ceil division

    def epoch_indices(self):
        """Return the sample indices of one epoch, in visiting order (advances the rng if shuffling)."""
        num_samples = len(self.dataset)
        if self.shuffle:
            return self.rng.permutation(num_samples)
        return np.arange(num_samples)

    def collate(self, indices):
        """Gather the samples at ``indices`` into one (images, labels) pair of arrays.

        Example:
            >>> pairs = [(np.full((1, 2, 2), i, np.float32), i) for i in range(5)]
            >>> images, labels = DataLoader(pairs).collate(np.array([4, 0]))
            >>> images.shape, labels.tolist()
            ((2, 1, 2, 2), [4, 0])
        """
        data = getattr(self.dataset, "data", None)
        targets = getattr(self.dataset, "targets", None)
        if isinstance(data, np.ndarray) and isinstance(targets, np.ndarray):
            # Fast path: one fancy-indexing copy per batch.
            return data[indices], targets[indices]  # (B, ...), (B,)
        samples = [self.dataset[int(i)] for i in indices]
        images = np.stack([np.asarray(image) for image, _ in samples])  # (B, ...)
        labels = np.array([label for _, label in samples])              # (B,)
        return images, labels

    def __iter__(self):
        from tinygrad_cnn.creation import from_numpy

        indices = self.epoch_indices()
        for start in range(0, len(indices), self.batch_size):
            batch_indices = indices[start:start + self.batch_size]
            if self.drop_last and len(batch_indices) < self.batch_size:
                break
            images, labels = self.collate(batch_indices)
            if images.dtype == np.float64:
                images = images.astype(np.float32)
            # collate made fresh arrays, so the Tensors may share them
            yield from_numpy(np.ascontiguousarray(images)), from_numpy(labels.astype(np.int64))

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})")
