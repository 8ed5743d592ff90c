"""Linear algebra beyond `matmul`: `einsum`, `outer`, `dot`, `mv`, `addmm`,
`cross`, and the norms `norm` / `vector_norm` (``torch.linalg``'s
``vector_norm``, ``norm`` and ``cross`` are in ``tinygrad_cnn.linalg``).

`einsum`'s backward is einsum again: for z = einsum("ij,jk->ik", A, B),
∂L/∂A = einsum("ik,jk->ij", δ, B) — δ takes the output's subscripts, the
other operands keep theirs, and the answer gets the operand's own.
"""
import numpy as np

from .._errors import describe
from ..function import Function
from ._helpers import _grad_of_reduction, dim_aliases, normalize_dims, unbroadcast
from .elementwise import matmul, mul


# --- einsum -------------------------------------------------------------------
def _parse_einsum(equation, shapes):
    """Explicit subscripts for ``equation``: ``...`` replaced by capital letters
    (right-aligned across operands) and the implicit output (letters used once,
    alphabetical, after the ``...`` dims) written out."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum: the equation names {len(terms)} operands but "
                         f"{len(shapes)} were given")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation]
    broadcast_rank = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            broadcast_rank = max(broadcast_rank, len(shape) - len(term.replace("...", "")))
    ellipsis = "".join(spare[:broadcast_rank])
    explicit = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            rank = len(shape) - len(term.replace("...", ""))
            term = term.replace("...", ellipsis[broadcast_rank - rank:] if rank else "")
        if len(term) != len(shape) or not term.isalpha():
            raise RuntimeError(f"einsum: subscripts {term!r} do not match an operand of shape "
                             f"{tuple(shape)}")
        explicit.append(term)
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        letters = "".join(explicit)
        output = ellipsis + "".join(sorted(c for c in set(letters)
                                           if letters.count(c) == 1 and c not in ellipsis))
    return explicit, output


class Einsum(Function):
    """z = einsum(equation, x₁, …, xₙ), so ∂L/∂xᵢ = einsum(δ and the other
    operands → xᵢ's subscripts). Letters only xᵢ has are broadcast back, and a
    repeated letter (a diagonal, "ii->i") is written onto that diagonal."""

    @staticmethod
    def forward(ctx, subscripts, *operands):
        terms, output = subscripts
        ctx.terms, ctx.output = terms, output
        ctx.save_for_backward(*operands)
        return np.asarray(np.einsum(",".join(terms) + "->" + output, *operands))

    @staticmethod
    def backward(ctx, delta):
        operands = ctx.saved_tensors
        sizes = {c: n for term, x in zip(ctx.terms, operands) for c, n in zip(term, x.shape)}
        grads = [None]
        for i, (term, x) in enumerate(zip(ctx.terms, operands)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [(t, o) for j, (t, o) in enumerate(zip(ctx.terms, operands)) if j != i]
            present = "".join(c for c in dict.fromkeys(term)
                              if c in ctx.output or any(c in t for t, _ in others))
            summed = np.einsum(",".join([ctx.output] + [t for t, _ in others]) + "->" + present,
                               delta, *(o for _, o in others))
            letters = "".join(dict.fromkeys(term))             # each letter once, in order
            full = np.einsum(present + "->" + "".join(c for c in letters if c in present),
                             summed)
            for position, c in enumerate(letters):             # letters only x has: broadcast
                if c not in present:
                    full = np.expand_dims(full, position)
            full = np.broadcast_to(full, tuple(sizes[c] for c in letters))
            grad = np.zeros(x.shape, delta.dtype)
            grids = np.ogrid[tuple(slice(sizes[c]) for c in letters)]
            grad[tuple(grids[letters.index(c)] for c in term)] = full   # diagonal if repeated
            grads.append(grad)
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``. Explicit
    (``->``) and implicit forms and ``...`` are supported.

    >>> import tinygrad_cnn as tg
    >>> a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> tg.einsum("ij,jk->ik", a, a)
    tensor([[ 7., 10.],
            [15., 22.]])
    >>> tg.einsum("ii", a)                        # the trace
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    dtypes = {o._data.dtype for o in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum: expected all operands to have the same dtype, got "
                           f"{', '.join(describe(o) for o in operands)}")
    terms, output = _parse_einsum(equation, [o.shape for o in operands])
    for c in output:
        if output.count(c) > 1 or not any(c in t for t in terms):
            raise RuntimeError(f"einsum: output subscript {c!r} appears more than once or in no "
                             f"input of {equation!r}")
    sizes = {}
    for term, o in zip(terms, operands):
        for c, n in zip(term, o.shape):
            if sizes.setdefault(c, n) != n:
                raise RuntimeError(f"einsum: subscript {c!r} has size {n} for an operand of "
                                   f"shape {o.shape} but size {sizes[c]} elsewhere in "
                                   f"{equation!r}")
    return Einsum.apply((tuple(terms), output), *operands)


# --- products -------------------------------------------------------------------
def outer(input, vec2):
    """The outer product z_ij = a_i b_j of two vectors.

    >>> import tinygrad_cnn as tg
    >>> tg.outer(tg.tensor([1, 2]), tg.tensor([3, 4]))
    tensor([[3, 4],
            [6, 8]])
    """
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expected two 1-D tensors, got {describe(input)} and "
                           f"{describe(vec2)}")
    return mul(input.reshape(-1, 1), vec2.reshape(1, -1))


def dot(input, tensor):
    """Σ a_i b_i of two 1-D tensors of the same length and dtype.

    >>> import tinygrad_cnn as tg
    >>> tg.dot(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {describe(input)} and "
                           f"{describe(tensor)}")
    if input.shape != tensor.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected {describe(input)} and "
                           f"{describe(tensor)} to have the same number of elements")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("dot: not implemented for bool tensors")
    return matmul(input, tensor)


def mv(input, vec):
    """The matrix–vector product of an (n, m) matrix and an (m,) vector.

    >>> import tinygrad_cnn as tg
    >>> tg.mv(tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got {describe(input)} and "
                           f"{describe(vec)}")
    return matmul(input, vec)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta · input + alpha · (mat1 @ mat2), input broadcast to the product's shape.

    >>> import tinygrad_cnn as tg
    >>> tg.addmm(tg.ones(2, 2), tg.eye(2), tg.eye(2), beta=2)
    tensor([[3., 2.],
            [2., 3.]])
    """
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: mat1 and mat2 must be matrices, got {describe(mat1)} and "
                           f"{describe(mat2)}")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"addmm: mat1 and mat2 shapes cannot be multiplied "
                           f"({describe(mat1)} and {describe(mat2)})")
    product = matmul(mat1, mat2)
    try:
        np.broadcast_to(np.empty(input.shape, bool), product.shape)
    except ValueError:
        raise RuntimeError(f"addmm: input {describe(input)} cannot be broadcast to the "
                           f"product's shape {product.shape}") from None
    scaled = product if alpha == 1 else product * alpha
    return scaled if beta == 0 else (input if beta == 1 else input * beta) + scaled


class Cross(Function):
    """z = a × b along a dim of size 3, so ∂L/∂a = b × δ and ∂L/∂b = δ × a."""

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.save_for_backward(a, b)
        ctx.axis = axis
        return np.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, delta):
        a, b = ctx.saved_tensors
        axis = ctx.axis
        return (unbroadcast(np.cross(b, delta, axis=axis), a.shape) if ctx.needs_input_grad[0]
                else None,
                unbroadcast(np.cross(delta, a, axis=axis), b.shape) if ctx.needs_input_grad[1]
                else None, None)


@dim_aliases
def cross(input, other, dim=None):
    """The cross product along ``dim`` (of size 3); without ``dim`` the first dim
    of size 3 (``linalg.cross`` uses −1).

    >>> import tinygrad_cnn as tg
    >>> tg.cross(tg.tensor([1.0, 0.0, 0.0]), tg.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if np.bool_ in (input._data.dtype, other._data.dtype):
        raise NotImplementedError("cross: not implemented for bool tensors")
    if input.ndim != other.ndim:
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got "
                           f"{describe(input)} and {describe(other)}")
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise RuntimeError(f"cross: the shapes of {describe(input)} and {describe(other)} "
                           f"cannot be broadcast together") from None
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in {describe(input)}")
    (axis,) = normalize_dims("cross", dim, len(shape))
    from_end = axis - len(shape)                      # the same dim in both, counted from the end
    if any(t.ndim < -from_end or t.shape[from_end] != 3 for t in (input, other)):
        raise RuntimeError(f"cross: inputs dimension {dim} must have length 3, got "
                           f"{describe(input)} and {describe(other)}")
    return Cross.apply(input, other, from_end)


# --- norms -------------------------------------------------------------------
class VectorNorm(Function):
    """z = (Σ |x|^p)^{1/p} over ``dims``, so ∂L/∂x = δ ⊙ x|x|^{p−2} / z^{p−1}:
    p = 2 gives δ x / z; p = 1 gives δ sign x; p = ∞ gives δ sign x on the
    entries equal to the max, shared among ties; 0 where z = 0 (PyTorch's choice)."""

    name = "norm"

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        size = np.abs(x)
        if p == np.inf:
            out = np.max(size, axis=axes, keepdims=True, initial=0)
        elif p == -np.inf:
            out = np.min(size, axis=axes, keepdims=True)
        elif p == 0:
            out = np.sum(size != 0, axis=axes, keepdims=True).astype(x.dtype)
        else:
            out = np.sum(size ** p, axis=axes, keepdims=True) ** (1 / p)
        ctx.save_for_backward(x, out)
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, delta):
        x, out = ctx.saved_tensors
        p, axes = ctx.p, ctx.axes
        delta = _grad_of_reduction(delta, x.shape, axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                local = np.zeros_like(x)
            elif np.isinf(p):
                is_extreme = np.abs(x) == out
                local = np.sign(x) * is_extreme / is_extreme.sum(axis=axes, keepdims=True)
            elif p == 1:
                local = np.sign(x)
            else:                          # x|x|^{p−2} is 0 at x = 0 (PyTorch), also for p < 2
                local = np.where(x == 0, 0, x * np.abs(x) ** (p - 2)) / out ** (p - 1)
            return np.where(out == 0, 0, delta * local), None, None, None


@dim_aliases
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The p-norm (Σ |x|^ord)^{1/ord} over ``dim`` (all entries when None);
    ``ord`` may be ``inf``, ``-inf`` or 0 (the count of nonzeros).

    >>> import tinygrad_cnn as tg
    >>> tg.linalg.vector_norm(tg.tensor([3.0, -4.0])), tg.linalg.vector_norm(tg.tensor([3.0, -4.0]), 1)
    (tensor(5.), tensor(7.))
    """
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: expected a floating point input, got "
                         f"{describe(x)}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dim is not None and isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    axes = normalize_dims("vector_norm", dim, x.ndim)
    if ord < 0 and any(x.shape[a] == 0 for a in axes):
        raise RuntimeError(f"linalg.vector_norm: cannot compute the {ord} norm of an empty "
                           f"dimension of {describe(x)}")
    return VectorNorm.apply(x, float(ord), axes, keepdim)


@dim_aliases
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over ``dim`` (``'fro'`` is p = 2 over the given dims).

    >>> import tinygrad_cnn as tg
    >>> tg.tensor([[3.0, 4.0]]).norm(), tg.tensor([[3.0, -4.0]]).norm(p=1, dim=1)
    (tensor(5.), tensor([7.]))
    """
    if p == "fro" or p is None:
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"norm: the Frobenius norm takes one or two dims, got {dim}")
        p = 2
    elif p == "nuc":
        raise NotImplementedError("norm: the nuclear norm ('nuc') is not implemented here")
    elif isinstance(p, str):
        raise RuntimeError(f"norm: unknown p {p!r}; use a number, 'fro' or 'nuc'")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


TENSOR_METHODS = ("addmm", "cross", "dot", "mv", "norm", "outer")
