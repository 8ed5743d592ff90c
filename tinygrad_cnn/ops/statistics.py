"""Spread: `var` and `std` (with PyTorch's ``correction`` / ``unbiased``, a dim
or a tuple of dims, ``keepdim``), and `var_mean` / `std_mean`.

With x̄ the mean over the reduced dims and n their size,
var = Σ (x − x̄)² / (n − c). x̄ depends on x too, but Σ (x − x̄) = 0, so that
path adds nothing to the gradient: ∂var/∂x = 2(x − x̄) / (n − c).
"""
import builtins

import numpy as np

from .._errors import describe
from ..function import Function
from ._helpers import _grad_of_reduction, dim_aliases, normalize_dims
from .reductions import _dims, mean


class Var(Function):
    """z = Σ_{dims} (x − x̄)² / (n − c), c the ``correction`` (1: Bessel's), so
    ∂L/∂x = δ ⊙ 2(x − x̄) / (n − c) (x̄'s own dependence on x sums to zero)."""

    @staticmethod
    def forward(ctx, x, dim=None, correction=1, keepdim=False):
        ctx.axes = normalize_dims("var", dim, x.ndim)
        n = int(np.prod([x.shape[a] for a in ctx.axes]))
        # float16/32 are summed in float64, as PyTorch's CPU reductions do: a float32
        # mean of values near 1e6 is off by ulps of 1e6, which var squares (2 % off)
        wide = np.float64 if x.itemsize < 8 else x.dtype
        centered = x - x.mean(axis=ctx.axes, keepdims=True, dtype=wide)
        ctx.centered = centered.astype(x.dtype, copy=False)
        ctx.divisor, ctx.keepdim = n - correction, keepdim
        with np.errstate(divide="ignore", invalid="ignore"):     # PyTorch: max(0, n − c) here,
            spread = np.sum(centered ** 2, axis=ctx.axes,        # n − c in backward
                            keepdims=keepdim) / builtins.max(n - correction, 0)
        return spread.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, delta):
        delta = _grad_of_reduction(delta, ctx.centered.shape, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return delta * 2 * ctx.centered / ctx.divisor


class Std(Var):
    """z = √var, so ∂L/∂x = δ ⊙ (x − x̄) / ((n − c) z), and 0 where z = 0
    (a constant input: PyTorch's choice at the kink of √)."""

    @staticmethod
    def forward(ctx, x, dim=None, correction=1, keepdim=False):
        ctx.std = np.sqrt(Var.forward(ctx, x, dim, correction, keepdim))
        return ctx.std

    @staticmethod
    def backward(ctx, delta):
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = np.where(ctx.std == 0, 0, delta / (2 * ctx.std))
        return Var.backward(ctx, scaled)


# --------------------------------------------------------------------------
# the functions
# --------------------------------------------------------------------------
def _correction(op, input, dim, unbiased, correction):
    """PyTorch's spellings: ``var(x, dim, unbiased)``, ``var(x, unbiased)``, ``correction=``."""
    if isinstance(dim, bool):                       # var(x, False): the old unbiased form
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give either unbiased or correction, not both")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: std and var only support floating point dtypes, got "
                           f"{describe(input)}")
    return dim, (1 if unbiased is None or unbiased else 0) if correction is None else correction


@dim_aliases
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """Σ (x − x̄)² / (n − correction) over ``dim`` (default ``correction=1``,
    Bessel's; ``unbiased=False`` means 0).

    >>> import tinygrad_cnn as tg
    >>> tg.var(tg.tensor([1.0, 2.0, 3.0, 4.0])), tg.var(tg.tensor([1.0, 3.0]), correction=0)
    (tensor(1.6667), tensor(1.))
    """
    dim, correction = _correction("var", input, _dims(dim, axis), unbiased, correction)
    return Var.apply(input, dim=dim, correction=correction, keepdim=keepdim)


@dim_aliases
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """√var: the standard deviation, with `var`'s arguments.

    >>> import tinygrad_cnn as tg
    >>> tg.std(tg.tensor([1.0, 3.0]), correction=0)
    tensor(1.)
    """
    dim, correction = _correction("std", input, _dims(dim, axis), unbiased, correction)
    return Std.apply(input, dim=dim, correction=correction, keepdim=keepdim)


@dim_aliases
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over the same dims.

    >>> import tinygrad_cnn as tg
    >>> tg.var_mean(tg.tensor([1.0, 3.0]))
    (tensor(2.), tensor(2.))
    """
    variance = var(input, dim, unbiased, keepdim, correction=correction)
    return variance, mean(input, None if isinstance(dim, bool) else _dims(dim, None), keepdim)


@dim_aliases
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over the same dims.

    >>> import tinygrad_cnn as tg
    >>> tg.std_mean(tg.tensor([1.0, 3.0]), correction=0)
    (tensor(1.), tensor(2.))
    """
    deviation = std(input, dim, unbiased, keepdim, correction=correction)
    return deviation, mean(input, None if isinstance(dim, bool) else _dims(dim, None), keepdim)


TENSOR_METHODS = ("std", "var")
