"""``tinygrad_cnn.data.DataLoader`` is ``tinygrad_cnn.utils.data.DataLoader``.

The loader lives in ``tinygrad_cnn/utils/data/dataloader.py`` under PyTorch's
name; this module keeps the older import path working. Its ``seed=`` argument
is kept too (deprecated; ``generator=tinygrad_cnn.Generator().manual_seed(s)``
is the PyTorch spelling and gives the same batches).

    >>> from tinygrad_cnn.data import DataLoader, EmbeddedFashionMNIST
    >>> import tinygrad_cnn.utils.data
    >>> DataLoader is tinygrad_cnn.utils.data.DataLoader
    True
"""
from tinygrad_cnn.utils.data.dataloader import DataLoader

__all__ = ["DataLoader"]
