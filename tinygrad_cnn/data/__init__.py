"""Data sets and batching: IDX files, MNIST / Fashion-MNIST, an embedded subset, DataLoader.

    >>> from tinygrad_cnn.data import EmbeddedFashionMNIST, DataLoader
    >>> train_set = EmbeddedFashionMNIST(train=True)
    >>> len(train_set), train_set.classes[0]
    (6000, 'T-shirt/top')
"""

from tinygrad_cnn.data.datasets import (
    DEBIAN_FASHION_MNIST_ROOT,
    FASHION_MNIST_CLASSES,
    MNIST,
    MNIST_CLASSES,
    EmbeddedFashionMNIST,
    FashionMNIST,
    ImageClassificationDataset,
)
from tinygrad_cnn.data.idx import read_idx, write_idx
from tinygrad_cnn.data.loader import DataLoader

__all__ = [
    "DEBIAN_FASHION_MNIST_ROOT",
    "FASHION_MNIST_CLASSES",
    "MNIST",
    "MNIST_CLASSES",
    "DataLoader",
    "EmbeddedFashionMNIST",
    "FashionMNIST",
    "ImageClassificationDataset",
    "read_idx",
    "write_idx",
]
