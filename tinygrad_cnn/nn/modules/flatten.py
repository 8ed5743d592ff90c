"""`Flatten`: merge dims into one, e.g. a conv stack's maps into a vector for
`Linear`; `Unflatten`, its inverse."""
from .. import functional as F
from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (default: all but the batch dim).

    >>> import tinygrad_cnn as tg
    >>> Flatten()(tg.zeros(64, 16, 5, 5)).shape
    (64, 400)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (the inverse of `Flatten`).

    >>> import tinygrad_cnn as tg
    >>> Unflatten(1, (16, 5, 5))(tg.zeros(64, 400)).shape
    (64, 16, 5, 5)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
