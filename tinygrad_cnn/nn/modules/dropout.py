"""`Dropout`: zero entries at random while training, scale the rest by 1/(1−p)."""
from .. import functional as F
from .module import Module


class Dropout(Module):
    """In training, zero each entry with probability p and scale the rest by
    1/(1-p); in eval mode, the identity.

    >>> import tinygrad_cnn as tg
    >>> drop = Dropout(0.5).eval()
    >>> drop(tg.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
