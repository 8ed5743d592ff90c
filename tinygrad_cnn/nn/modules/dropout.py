"""`Dropout` (single entries) and `Dropout2d` (whole channels): zero at random while
training, scale the rest by 1/(1−p)."""
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each entry with probability p and scale the rest by
    1/(1-p); in eval mode, the identity.

    >>> import tinygrad_cnn as tg
    >>> drop = Dropout(0.5).eval()
    >>> drop(tg.ones(3))
    tensor([1., 1., 1.])
    """

    def forward(self, input):
        return F.dropout(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """In training, zero each whole channel (an (H, W) map of one sample) with
    probability p and scale the kept maps by 1/(1-p); in eval mode, the identity.

    Shape: (N, C, H, W) → (N, C, H, W).

    >>> import tinygrad_cnn as tg
    >>> drop = Dropout2d(0.25)
    >>> drop
    Dropout2d(p=0.25, inplace=False)
    >>> drop.eval()(tg.ones(1, 2, 1, 1)).shape
    (1, 2, 1, 1)
    """

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)
