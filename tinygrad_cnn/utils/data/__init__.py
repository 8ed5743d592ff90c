"""Data sets, samplers, collation and ``DataLoader`` with ``torch.utils.data``'s names.

``from torch.utils.data import DataLoader, Dataset`` becomes
``from tinygrad_cnn.utils.data import DataLoader, Dataset``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(tg.arange(10.0).reshape(5, 2), tg.tensor([0, 1, 0, 1, 1]))
    >>> [labels.tolist() for _, labels in DataLoader(ds, batch_size=2)]
    [[0, 1], [0, 1], [1]]
"""
from tinygrad_cnn.utils.data.collate import default_collate, default_convert
from tinygrad_cnn.utils.data.dataloader import DataLoader, get_worker_info
from tinygrad_cnn.utils.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from tinygrad_cnn.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert",
    "get_worker_info", "random_split",
]
