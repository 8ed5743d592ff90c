"""tinygrad_cnn: a small NumPy autograd framework for learning how
back-propagation flows through a convolutional network.

>>> import tinygrad_cnn as tg
>>> w = tg.tensor([2.0, -1.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> w.grad
tensor([ 4., -2.])
"""
from ._errors import DTypeError, ShapeError
from ._errors import CheckpointError, IDXError
from ._state import enable_grad, is_grad_enabled, manual_seed, no_grad, set_grad_enabled
from .tensor import (
    Tensor, arange, bool_, cat, empty, empty_like, float16, float32, float64, from_numpy,
    full, int32, int64, ones, ones_like, pad, rand, rand_like, randn, randn_like, stack,
    tensor, where, zeros, zeros_like,
)
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from ._allocator import keep_freed_memory

keep_freed_memory()        # see _allocator.py: spares each training step its page faults

__version__ = "0.1.0"

# Subpackages load on first use (``tg.nn``, ``tg.viz`` …) so that
# ``import tinygrad_cnn`` stays fast; ``import tinygrad_cnn.nn`` works as usual.
_SUBPACKAGES = ("data", "models", "nn", "optim", "teach", "viz")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DTypeError", "Function", "GradcheckError", "ShapeError", "Tensor", "arange", "bool_",
    "cat", "empty", "empty_like", "enable_grad", "float16", "float32", "float64",
    "from_numpy", "full", "gradcheck", "int32", "int64", "is_grad_enabled", "manual_seed",
    "load", "no_grad", "ones", "ones_like", "pad", "rand", "rand_like", "randn", "randn_like",
    "save", "set_grad_enabled", "stack", "tensor", "where", "zeros", "zeros_like",
]
