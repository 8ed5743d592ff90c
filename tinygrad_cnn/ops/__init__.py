"""The core ops, one family per file. Every op is a `Function`: ``forward``
right above ``backward``, NumPy arrays in and out, the local rule in the
docstring. Beside the op classes each file defines the functions users call —
``tinygrad_cnn.exp(x)`` — which are also the Tensor's methods (``x.exp()``):
one function each, listed in the file's ``TENSOR_METHODS``. These ops know
nothing of ``nn``; the CNN layers live in ``tinygrad_cnn.nn.functional``.

- `elementwise`: arithmetic (with PyTorch's type promotion) and unary functions
- `pointwise`: maximum, minimum
- `reductions`: sum, mean, max/min, argmax, all/any
- `movement`: reshape, transpose, permute, flatten, cat, stack, pad
- `indexing`: ``x[index]``, ``x[index] = v``, where
- `inplace`: ``add_``, ``x += y`` … and the version counter's rules
"""
from . import elementwise, indexing, inplace, movement, pointwise, reductions
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
FAMILIES = (elementwise, pointwise, reductions, movement, indexing, inplace)
