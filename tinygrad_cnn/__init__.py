"""tinygrad_cnn: a small NumPy autograd framework for learning how
back-propagation flows through a convolutional network.

It is PyTorch for learners: the names below are PyTorch's (``import
tinygrad_cnn as torch`` runs typical CPU programs), and ``torch.exp(x)`` and
``x.exp()`` are one function.

>>> import tinygrad_cnn as tg
>>> w = tg.tensor([2.0, -1.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> w.grad
tensor([ 4., -2.])
"""
from ._errors import CheckpointError, DTypeError, IDXError, ShapeError
from ._state import (
    enable_grad, inference_mode, is_grad_enabled, manual_seed, no_grad, set_grad_enabled,
)
from .dtypes import (
    DType, bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8,
    int16, int32, int64, long, set_default_dtype, short, uint8,
)
from .device import DeviceError, device, get_default_device, set_default_device
from .tensor import Tensor
from .creation import (
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
    LongTensor, ShortTensor, arange, as_tensor, asarray, empty, empty_like, eye, from_numpy,
    full, full_like, is_floating_point, is_tensor, linspace, logspace, normal, numel, ones,
    ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros,
    zeros_like,
)
from ._threads import get_num_threads, set_num_threads
from .ops.elementwise import (
    add, bmm, div, divide, matmul, mm, mul, multiply, neg, negative, pow, sub, subtract,
    true_divide,
)
from .ops.conversion import clone
from .ops.unary import (
    abs, absolute, clamp, clip, exp, exp2, expm1, log, log10, log1p, log2, reciprocal, rsqrt, sqrt,
    square,
)
from .ops.special import erf, erfc
from .ops.trig import (
    acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin, asinh, atan, atanh, cos,
    cosh, sin, sinh, tan,
)
from .ops.rounding import ceil, fix, floor, frac, round, sgn, sign, trunc
from .ops.activation import relu, sigmoid, tanh
from .ops.pointwise import (
    arctan2, atan2, clamp_max, clamp_min, fmax, fmin, hypot, lerp, logaddexp, maximum, minimum,
    xlogy,
)
from .ops.division import floor_divide, fmod, remainder
from .ops.comparison import (
    allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge, greater,
    greater_equal, gt, isclose, isfinite, isinf, isnan, isneginf, isposinf, isreal, le, less,
    less_equal, logical_and, logical_not, logical_or, logical_xor, lt, nan_to_num, ne, not_equal,
)
from .ops.reductions import (
    all, amax, amin, aminmax, any, argmax, argmin, count_nonzero, max, mean, min, prod, sum,
)
from .ops.statistics import std, std_mean, var, var_mean
from .ops.cumulative import cumprod, cumsum, logcumsumexp
from .ops.sorting import argsort, kthvalue, median, mode, msort, nanmedian, sort, topk
from .ops.linalg import addmm, cross, dot, einsum, mv, norm, outer
from .ops.combined import addcdiv, addcmul
from .ops.softmax import log_softmax, logsumexp, softmax
from .ops.indexing import where
from .ops.movement import (
    cat, concat, concatenate, flatten, meshgrid, moveaxis, movedim, pad, permute, reshape, squeeze,
    stack, swapaxes, swapdims, t, transpose, unflatten, unsqueeze,
)
from .ops.slicing import chunk, narrow, select, split, unbind
from .ops.rearrange import broadcast_to, flip, fliplr, flipud, repeat_interleave, roll, tile
from .ops.diagonals import diag, diag_embed, diagonal, tril, triu
from .ops.scatter_gather import (
    argwhere, gather, index_add, index_fill, index_select, masked_fill, masked_select, nonzero,
    scatter, scatter_add, take, take_along_dim,
)
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from . import accelerator, autograd, backends, cuda, linalg
from ._allocator import keep_freed_memory
from ._random import Generator

bool_ = bool               # the name this package used before it followed PyTorch's

keep_freed_memory()        # see _allocator.py: spares each training step its page faults

__version__ = "0.1.0"

# Subpackages load on first use (``tg.nn``, ``tg.viz`` …) so that
# ``import tinygrad_cnn`` stays fast; ``import tinygrad_cnn.nn`` works as usual.
_SUBPACKAGES = ("data", "models", "nn", "optim", "teach", "utils", "viz", "vision")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
