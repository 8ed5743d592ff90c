"""Activation layers: `ReLU`, `LeakyReLU`, `Sigmoid`, `Tanh`."""
from .. import functional as F
from .module import Module


class ReLU(Module):
    """a = max(0, z); f'(z) = 1 where z > 0, else 0.

    ``inplace`` is accepted for PyTorch compatibility; the result is always a
    new tensor.

    >>> import tinygrad_cnn as tg
    >>> ReLU()(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """a = z where z > 0, else negative_slope · z.

    >>> import tinygrad_cnn as tg
    >>> LeakyReLU(0.1)(tg.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """a = σ(z) = 1 / (1 + e^{-z}); f'(z) = σ(z)(1 - σ(z)).

    >>> import tinygrad_cnn as tg
    >>> Sigmoid()(tg.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """a = tanh(z); f'(z) = 1 - tanh²(z).

    >>> import tinygrad_cnn as tg
    >>> Tanh()(tg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.tanh(input)
