"""Activations and softmax: `relu`, `sigmoid`, `tanh`, `leaky_relu`, `softmax`, `log_softmax`."""
import numpy as np

from ..._errors import describe
from ..activation_ops import LeakyRelu, LogSoftmax, Softmax


def relu(input):
    """``max(x, 0)`` (the core op ``Tensor.relu``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.relu(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return input.relu()


def sigmoid(input):
    """``1 / (1 + e⁻ˣ)`` (the core op ``Tensor.sigmoid``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.sigmoid(tg.tensor([0.0]))
    tensor([0.5])
    """
    return input.sigmoid()


def tanh(input):
    """``tanh x`` (the core op ``Tensor.tanh``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.tanh(tg.tensor([0.0]))
    tensor([0.])
    """
    return input.tanh()


def leaky_relu(input, negative_slope=0.01):
    """``x`` for x > 0, ``negative_slope · x`` otherwise.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.leaky_relu(tg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    return LeakyRelu.apply(input, negative_slope=float(negative_slope))


def softmax(input, dim):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.softmax(tg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5, 0.5])
    """
    return Softmax.apply(input, dim=_dim("softmax", dim, input))


def log_softmax(input, dim):
    """``x − log Σ_j e^{x_j}`` along ``dim``, computed stably.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.log_softmax(tg.tensor([1e4, 0.0]), dim=0)
    tensor([     0., -10000.])
    """
    return LogSoftmax.apply(input, dim=_dim("log_softmax", dim, input))


def _dim(op, dim, input):
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -max(input.ndim, 1) <= dim < max(input.ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for {describe(input)}")
    return int(dim) % max(input.ndim, 1)
