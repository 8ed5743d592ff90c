"""The triangles and diagonals of matrices (the last two dims, or a chosen
pair): tril, triu, diagonal, diag_embed, and diag (either way between a
vector and a matrix).

No arithmetic: each entry of the output is one entry of the input (or 0), so
backward puts δ back at that entry and 0 elsewhere.
"""
import numpy as np

from .._errors import describe
from ..function import Function
from ._helpers import normalize_dims


class Tril(Function):
    """z = x with the entries above diagonal k of the last two dims set to 0,
    so ∂L/∂x = δ with the same entries zeroed."""

    keep = staticmethod(np.tril)

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return ctx.keep(x, k)

    @staticmethod
    def backward(ctx, delta):
        return ctx.keep(delta, ctx.k), None


class Triu(Tril):
    """z = x with the entries below diagonal k of the last two dims set to 0,
    so ∂L/∂x = δ with the same entries zeroed."""

    keep = staticmethod(np.triu)


def _diagonal_positions(shape, offset, axis1, axis2):
    """Row and column indices of diagonal ``offset`` of dims (axis1, axis2)."""
    rows, cols = shape[axis1], shape[axis2]
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    steps = np.arange(length)
    return steps - min(offset, 0), steps + max(offset, 0)


class Diagonal(Function):
    """z = the entries x[…, i, i + offset, …] of dims (dim1, dim2), put last (a
    view of x), so ∂L/∂x = 0 except δ on that diagonal.

    Shape:
        x: (*, n, m, *) with n, m at dim1, dim2;  z: (*, *, length of the diagonal).
    """

    @staticmethod
    def forward(ctx, x, offset, axis1, axis2):
        ctx.in_shape, ctx.where = x.shape, (offset, axis1, axis2)
        view = np.diagonal(x, offset, axis1, axis2)       # a view, as in PyTorch:
        view.flags.writeable = x.flags.writeable          # writing into it writes into x
        return view

    @staticmethod
    def backward(ctx, delta):
        offset, axis1, axis2 = ctx.where
        grad = np.zeros(ctx.in_shape, delta.dtype)
        rows, cols = _diagonal_positions(ctx.in_shape, offset, axis1, axis2)
        np.moveaxis(grad, (axis1, axis2), (-2, -1))[..., rows, cols] = delta
        return grad, None, None, None


class DiagEmbed(Function):
    """z = a matrix (last two dims) with x on diagonal ``offset`` and 0
    elsewhere, so ∂L/∂x = δ's entries on that diagonal.

    Shape:
        x: (*, n);  z: (*, n + |offset|, n + |offset|).
    """

    @staticmethod
    def forward(ctx, x, offset):
        size = x.shape[-1] + abs(offset)
        out = np.zeros(x.shape[:-1] + (size, size), x.dtype)
        ctx.positions = _diagonal_positions(out.shape, offset, -2, -1)
        out[(..., *ctx.positions)] = x
        return out

    @staticmethod
    def backward(ctx, delta):
        return delta[(..., *ctx.positions)], None


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def _check_matrix(op, input):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got "
                           f"{describe(input)}")


def tril(input, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest 0.

    >>> import tinygrad_cnn as tg
    >>> tg.tril(tg.ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    _check_matrix("tril", input)
    return Tril.apply(input, int(diagonal))


def triu(input, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest 0.

    >>> import tinygrad_cnn as tg
    >>> tg.triu(tg.ones(2, 2))
    tensor([[1., 1.],
            [0., 1.]])
    """
    _check_matrix("triu", input)
    return Triu.apply(input, int(diagonal))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """Diagonal ``offset`` of dims (dim1, dim2), as the last dim.

    >>> import tinygrad_cnn as tg
    >>> tg.diagonal(tg.tensor([[1, 2], [3, 4]])), tg.diagonal(tg.tensor([[1, 2], [3, 4]]), 1)
    (tensor([1, 4]), tensor([2]))
    """
    (axis1,), (axis2,) = (normalize_dims("diagonal", d, input.ndim) for d in (dim1, dim2))
    if axis1 == axis2:
        raise RuntimeError(f"diagonal: dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), axis1, axis2)


def diag_embed(input, offset=0):
    """Matrices (last two dims) with ``input``'s last dim on diagonal ``offset``.

    >>> import tinygrad_cnn as tg
    >>> tg.diag_embed(tg.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    return DiagEmbed.apply(input, int(offset))


def diag(input, diagonal=0):
    """A 1-D input → the square matrix with it on diagonal ``diagonal``; a 2-D
    input → that diagonal as 1-D.

    >>> import tinygrad_cnn as tg
    >>> tg.diag(tg.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    >>> tg.diag(tg.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {describe(input)}")


TENSOR_METHODS = ("diag", "diag_embed", "diagonal", "tril", "triu")
