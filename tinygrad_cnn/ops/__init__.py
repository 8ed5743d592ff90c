"""The core ops, one family per file. Every op is a `Function`: ``forward``
right above ``backward``, NumPy arrays in and out, the local rule in the
docstring. These ops know nothing of ``nn``; the CNN layers live in
``tinygrad_cnn.nn.functional``.

- `elementwise`: arithmetic and unary functions
- `reductions`: sum, mean, max/min
- `movement`: reshape, transpose, permute, cat, stack, pad
- `indexing`: ``x[index]``, where
"""
from ._helpers import check_broadcast, normalize_dims, shape_of, unbroadcast
from .elementwise import (
    Abs, Add, Cast, Clamp, Div, Exp, Log, MatMul, Mul, Neg, Pow, Relu, Sigmoid, Sqrt, Sub, Tanh,
)
from .indexing import GetItem, Where
from .movement import Cat, Flatten, Pad, Permute, Reshape, Squeeze, Stack, Transpose, Unsqueeze
from .reductions import Amax, Amin, MaxDim, Mean, MinDim, Sum
