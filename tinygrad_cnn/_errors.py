"""Helpers that make error messages name the op, the shapes and the dtypes."""
import numpy as np


def describe(value):
    """'(2, 3) float32' for an array or Tensor, repr for anything else."""
    array = value if isinstance(value, np.ndarray) else getattr(value, "_data", None)
    if isinstance(array, np.ndarray):
        return f"{tuple(array.shape)} {array.dtype}"
    return repr(value)


def describe_all(*values):
    return ", ".join(describe(v) for v in values)


class ShapeError(ValueError):
    """An op received arrays whose shapes do not fit together."""


class DTypeError(TypeError):
    """An op received an array of a dtype it cannot handle."""
