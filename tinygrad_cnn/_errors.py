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


class CheckpointError(ValueError):
    """`tinygrad_cnn.load` cannot read a file: it is damaged, or not a checkpoint.

    The message names the file and what is wrong with it (a truncated archive,
    a damaged entry, a PyTorch or pickle file and how to convert it, …).
    Every problem with the file's *content* raises this one type; a missing or
    unreadable file raises the usual ``OSError``.

    >>> import tinygrad_cnn as tg
    >>> issubclass(tg.CheckpointError, ValueError), tg.CheckpointError.__module__
    (True, 'tinygrad_cnn')
    """


class IDXError(ValueError):
    """`tinygrad_cnn.data.read_idx` (or MNIST / FashionMNIST) cannot use an IDX file.

    The message names the file and the problem: corrupt gzip data, a bad
    header, a data length that does not match the header, or, for the MNIST
    data sets, images that are not 28×28 or labels outside 0–9.

    >>> import tinygrad_cnn as tg
    >>> issubclass(tg.IDXError, ValueError), tg.IDXError.__module__
    (True, 'tinygrad_cnn')
    """


# Both are re-exported from the package; print them as tinygrad_cnn.CheckpointError etc.
# every error class prints as tinygrad_cnn.X, the name users import it by
for _error in (ShapeError, DTypeError, CheckpointError, IDXError):
    _error.__module__ = "tinygrad_cnn"
