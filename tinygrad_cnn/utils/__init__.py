"""PyTorch's ``torch.utils`` counterpart; only ``utils.data`` for now.

    >>> from tinygrad_cnn.utils.data import DataLoader, TensorDataset
"""
from tinygrad_cnn.utils import data

__all__ = ["data"]
