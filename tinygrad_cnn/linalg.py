"""``tinygrad_cnn.linalg``: the functions of ``torch.linalg`` that exist here
(`vector_norm`, `norm`, `cross`). The ops themselves live in `ops/linalg.py`."""
from .ops.linalg import cross as _cross
from .ops.linalg import vector_norm


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """The 2-norm (or ``ord``-norm) of the entries over ``dim``; ``'fro'`` on a
    matrix is the same 2-norm of its entries.

    >>> import tinygrad_cnn as tg
    >>> tg.linalg.norm(tg.tensor([[3.0, 4.0]]))
    tensor(5.)
    """
    if ord is None or ord == "fro":
        ord = 2
    elif isinstance(ord, str) or (A.ndim == 2 and dim is None):
        raise NotImplementedError(f"linalg.norm: the matrix norm ord={ord!r} is not "
                                  "implemented here; use ord=None or 'fro', or vector_norm")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def cross(input, other, *, dim=-1):
    """The cross product along ``dim`` (default −1, unlike ``tinygrad_cnn.cross``).

    >>> import tinygrad_cnn as tg
    >>> tg.linalg.cross(tg.tensor([0.0, 1.0, 0.0]), tg.tensor([0.0, 0.0, 1.0]))
    tensor([1., 0., 0.])
    """
    return _cross(input, other, dim)


__all__ = ["cross", "norm", "vector_norm"]
