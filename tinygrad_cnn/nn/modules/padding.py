"""Padding layers: `ZeroPad2d`, `ConstantPad2d`, `ReflectionPad2d`, `ReplicationPad2d`,
`CircularPad2d`, each one call to `nn.functional.pad` with its mode."""
from .. import functional as F
from .module import Module


def _quadruple(padding):
    """``p`` → ``(p, p, p, p)``; a 4-tuple (left, right, top, bottom) stays."""
    if isinstance(padding, (tuple, list)):
        if len(padding) != 4:
            raise ValueError(f"padding must be an int or 4 ints (left, right, top, bottom), "
                             f"got {padding!r}")
        return tuple(int(p) for p in padding)
    return (int(padding),) * 4


class _PadNd(Module):
    mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad2d(_PadNd):
    """Pads the last two dims with ``value`` (negative entries crop).

    Shape: (N, C, H, W) or (C, H, W) → (…, H + top + bottom, W + left + right).

    >>> import tinygrad_cnn as tg
    >>> pad = ConstantPad2d((1, 0, 0, 1), 7.0)
    >>> pad
    ConstantPad2d(padding=(1, 0, 0, 1), value=7.0)
    >>> pad(tg.ones(1, 1, 1, 2))
    tensor([[[[7., 1., 1.],
              [7., 7., 7.]]]])
    """

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros, the padding conv layers apply.

    Shape: (N, C, H, W) or (C, H, W) → (…, H + top + bottom, W + left + right).

    >>> import tinygrad_cnn as tg
    >>> pad = ZeroPad2d(1)
    >>> pad
    ZeroPad2d((1, 1, 1, 1))
    >>> pad(tg.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad2d(_PadNd):
    """Pads the last two dims by mirroring at the edges (the edge itself not
    repeated); each pad must be smaller than that dim.

    Shape: (N, C, H, W) or (C, H, W) → (…, H + top + bottom, W + left + right).

    >>> import tinygrad_cnn as tg
    >>> ReflectionPad2d((2, 0, 0, 0))(tg.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[3., 2., 1., 2., 3.]]])
    """

    mode = "reflect"


class ReplicationPad2d(_PadNd):
    """Pads the last two dims by repeating the edge entries.

    Shape: (N, C, H, W) or (C, H, W) → (…, H + top + bottom, W + left + right).

    >>> import tinygrad_cnn as tg
    >>> ReplicationPad2d((2, 1, 0, 0))(tg.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[1., 1., 1., 2., 3., 3.]]])
    """

    mode = "replicate"


class CircularPad2d(_PadNd):
    """Pads the last two dims by wrapping around (the opposite edge continues).

    Shape: (N, C, H, W) or (C, H, W) → (…, H + top + bottom, W + left + right).

    >>> import tinygrad_cnn as tg
    >>> CircularPad2d((2, 1, 0, 0))(tg.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[2., 3., 1., 2., 3., 1.]]])
    """

    mode = "circular"
