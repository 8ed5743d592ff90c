"""The torchvision pieces MNIST tutorials use: ``datasets`` and ``transforms``.

``import tinygrad_cnn.vision as torchvision`` lets ``torchvision.datasets.MNIST``
and ``torchvision.transforms.ToTensor`` work; ``from tinygrad_cnn.vision import
datasets, transforms`` replaces ``from torchvision import datasets, transforms``.
Nothing is ever downloaded: see ``vision.datasets``.

    >>> import tinygrad_cnn.vision as torchvision
    >>> torchvision.transforms.Normalize((0.1307,), (0.3081,))
    Normalize(mean=(0.1307,), std=(0.3081,))
"""
from tinygrad_cnn.vision import datasets, transforms

__all__ = ["datasets", "transforms"]
