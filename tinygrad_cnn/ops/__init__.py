"""The core ops, one family per file. Every op is a `Function`: ``forward``
right above ``backward``, NumPy arrays in and out, the local rule in the
docstring. Beside the op classes each file defines the functions users call —
``tinygrad_cnn.exp(x)`` — which are also the Tensor's methods (``x.exp()``):
one function each, listed in the file's ``TENSOR_METHODS``. These ops know
nothing of ``nn``; the CNN layers live in ``tinygrad_cnn.nn.functional``.

- `elementwise`: arithmetic (with PyTorch's type promotion) and the basic unary
  functions (exp, log, sqrt, tanh, sigmoid, relu, abs, clamp)
- `unary`: square, rsqrt, log2 …, erf, rounding, trigonometric and hyperbolic
- `pointwise`: maximum, minimum, fmax, atan2, hypot, fmod, remainder, lerp …
- `comparison`: isclose, isnan …, logical_* and bitwise_*, nan_to_num
- `reductions`: sum, mean, prod, max/min, argmax, all/any, count_nonzero
- `statistics`: var, std, var_mean, std_mean
- `cumulative`: cumsum, cumprod, logcumsumexp
- `sorting`: sort, argsort, topk, kthvalue, median, mode
- `linalg`: einsum, outer, dot, mv, addmm, cross, norm
- `softmax`: softmax, log_softmax, logsumexp
- `movement`: reshape, transpose, permute, movedim, cat, stack, pad, split, chunk …
- `rearrange`: expand, repeat, tile, flip, roll, tril/triu, diagonal, diag
- `indexing`: ``x[index]``, ``x[index] = v``, where
- `scatter_gather`: gather, scatter, index_select, masked_fill, take, nonzero …
- `factories`: ``x.new_zeros(…)`` and friends
- `inplace`: ``add_``, ``x += y`` … and the version counter's rules
"""
from . import (
    comparison, cumulative, elementwise, factories, indexing, inplace, linalg, movement, pointwise,
    rearrange, reductions, scatter_gather, softmax, sorting, statistics, unary,
)
from ._helpers import check_broadcast, normalize_dims, shape_of, unbroadcast
from .elementwise import (
    Abs, Add, Cast, Clamp, Clone, Div, Exp, Log, MatMul, Mul, Neg, Pow, Relu, Sigmoid, Sqrt,
    Sub, Tanh, abs, add, clamp, div, exp, log, matmul, mul, neg, pow, relu, sigmoid, sqrt, sub,
    tanh,
)
from .indexing import GetItem, IndexPut, Where, getitem, setitem, where
from .movement import Cat, Flatten, Pad, Permute, Reshape, Squeeze, Stack, Transpose, Unsqueeze
from .reductions import Amax, Amin, MaxDim, Mean, MinDim, MinMax, Sum

#: the modules whose ``TENSOR_METHODS`` become Tensor methods
FAMILIES = (elementwise, unary, pointwise, comparison, reductions, statistics, cumulative, sorting,
            linalg,
            softmax, movement, rearrange, indexing, scatter_gather, factories, inplace)
