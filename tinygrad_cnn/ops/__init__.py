"""The core ops, one family per file. Every op is a `Function`: ``forward``
right above ``backward``, NumPy arrays in and out, the local rule in the
docstring. Beside the op classes each file defines the functions users call —
``tinygrad_cnn.exp(x)`` — which are also the Tensor's methods (``x.exp()``):
one function each, listed in the file's ``TENSOR_METHODS``. These ops know
nothing of ``nn``; the CNN layers live in ``tinygrad_cnn.nn.functional``.

- `elementwise`: arithmetic (+ − × ÷ ** @, with PyTorch's type promotion)
- `unary`: exp, log, sqrt, square, rsqrt, log2 …, abs, clamp
- `special`: erf, erfc
- `trig`: sin, cos, tan, asin …, sinh, cosh, asinh …
- `rounding`: sign, round, floor, ceil, trunc, frac
- `activation`: tanh, sigmoid, relu
- `pointwise`: maximum, minimum, fmax, atan2, hypot, logaddexp, lerp, clamp with tensor bounds
- `division`: fmod, remainder, floor_divide, div(rounding_mode=…)
- `comparison`: isclose, isnan …, logical_* and bitwise_*, nan_to_num
- `reductions`: sum, mean, prod, max/min, argmax, all/any, count_nonzero
- `statistics`: var, std, var_mean, std_mean
- `cumulative`: cumsum, cumprod, logcumsumexp
- `sorting`: sort, argsort, topk, kthvalue, median, mode
- `linalg`: einsum, outer, dot, mv, addmm, cross, norm
- `softmax`: softmax, log_softmax, logsumexp
- `movement`: reshape, view, flatten, squeeze, transpose, permute, movedim, cat, stack, pad …
- `slicing`: select, narrow, split, chunk, unbind
- `rearrange`: expand, repeat, tile, repeat_interleave, flip, roll
- `diagonals`: tril, triu, diagonal, diag, diag_embed
- `indexing`: ``x[index]``, ``x[index] = v``, where
- `scatter_gather`: gather, scatter, index_select, masked_fill, take, nonzero …
- `factories`: ``x.new_zeros(…)`` and friends
- `conversion`: ``to(dtype or device)``, ``type``, ``float()``, ``long()`` …, ``cpu()``,
  clone, contiguous
- `inplace`: ``add_``, ``x += y`` … and the version counter's rules
- `combined`: addcmul, addcdiv
"""
from . import (
    activation, combined, comparison, conversion, cumulative, diagonals, division, elementwise,
    factories, indexing,
    inplace, linalg, movement, pointwise, rearrange, reductions, rounding, scatter_gather, slicing,
    softmax, sorting, special, statistics, trig, unary,
)
from ._helpers import check_broadcast, normalize_dims, shape_of, unbroadcast
from .activation import Relu, Sigmoid, Tanh, relu, sigmoid, tanh
from .elementwise import (
    Add, Cast, Div, MatMul, Mul, Neg, Pow, Sub, add, div, matmul, mul, neg, pow, sub,
)
from .conversion import Clone
from .indexing import GetItem, IndexPut, Where, getitem, setitem, where
from .movement import Cat, Flatten, Pad, Permute, Reshape, Squeeze, Stack, Transpose, Unsqueeze
from .reductions import Amax, Amin, MaxDim, Mean, MinDim, MinMax, Sum
from .unary import Abs, Clamp, Exp, Log, Sqrt, abs, clamp, exp, log, sqrt

#: the modules whose ``TENSOR_METHODS`` become Tensor methods
FAMILIES = (elementwise, unary, special, trig, rounding, activation, pointwise, division, comparison,
            reductions, statistics, cumulative, sorting, linalg, softmax, movement, slicing,
            rearrange, diagonals, indexing, scatter_gather, factories, conversion, inplace,
            combined)
