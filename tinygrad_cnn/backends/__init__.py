"""``tinygrad_cnn.backends``: the flags and queries PyTorch programs set or ask
(``backends.mps.is_available()``, ``backends.cudnn.deterministic = True``).

NumPy on the CPU is the only backend, and it is deterministic: the same
inputs give bitwise the same results on every run, so the cuDNN flags change
nothing.
"""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
