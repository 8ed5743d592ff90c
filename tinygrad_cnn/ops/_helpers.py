"""Helpers shared by the core ops: broadcasting's adjoint, dim normalisation,
and the shape check that names the op."""
import functools

import numpy as np

from .._errors import ShapeError, describe


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes).reshape(shape)


def shape_of(value):
    """Shape of an array, () for a Python number (cheaper than ``np.shape``)."""
    return getattr(value, "shape", ())


def check_broadcast(op, a, b):
    """Raise a `ShapeError` naming ``op`` when ``a`` and ``b`` cannot broadcast.
    (A Python number broadcasts against anything, so only two arrays are checked.)"""
    shape_a, shape_b = shape_of(a), shape_of(b)
    if shape_a != shape_b and shape_a and shape_b:
        try:
            np.broadcast_shapes(shape_a, shape_b)
        except ValueError:
            raise ShapeError(f"{op}: shapes cannot be broadcast together: "
                             f"{describe(a)} and {describe(b)}") from None


def normalize_dims(op, dim, ndim):
    """``dim`` (None, int or tuple of ints, negatives allowed) → sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s)")
        axes.append(int(d) % max(ndim, 1))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(axes)) if ndim else ()


def _grad_of_reduction(delta, in_shape, axes, keepdim):
    """Put back the reduced axes of δ so it broadcasts against the input."""
    if not keepdim:
        delta = np.expand_dims(delta, axes)
    return np.broadcast_to(delta, in_shape)


def dim_aliases(function):
    """Accept PyTorch's NumPy-style spellings of two arguments, as every torch
    function with a ``dim`` does: ``axis=`` for ``dim=`` and ``keepdims=`` for
    ``keepdim=``.

    >>> import tinygrad_cnn as tg
    >>> tg.cumsum(tg.tensor([1, 2]), axis=0)
    tensor([1, 3])
    """
    @functools.wraps(function)
    def with_aliases(*args, **kwargs):
        if kwargs:
            for alias, name in (("axis", "dim"), ("keepdims", "keepdim")):
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{function.__name__}: got both {name}= and its alias "
                                        f"{alias}=")
                    kwargs[name] = kwargs.pop(alias)
        return function(*args, **kwargs)
    return with_aliases
