"""Pooling layers: `MaxPool2d`, `AvgPool2d`, `MaxUnpool2d`, `AdaptiveAvgPool2d`,
`AdaptiveMaxPool2d`."""
from .. import functional as F
from ._utils import _pair
from .module import Module


class MaxPool2d(Module):
    """Max pooling: each K×K window (taps D apart) → its maximum; δ goes back
    to where it was (ties: the first in row-major order; NaN: the last NaN).

    Shape: (N, C, H, W) or (C, H, W) → (…, H_out, W_out) with
    ``H_out = ⌊(H + 2P - D(K-1) - 1 [+ S-1 if ceil_mode]) / S⌋ + 1``;
    ``stride`` defaults to K. ``return_indices=True`` also returns the flat
    arg-max indices that `MaxUnpool2d` takes.

    >>> import tinygrad_cnn as tg
    >>> pool = MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> pool(tg.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> MaxPool2d(3, 2, ceil_mode=True)(tg.zeros(1, 1, 6, 6)).shape
    (1, 1, 3, 3)
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Average pooling: each K×K window → its mean; δ/n goes to every position
    (n = K², the real entries if ``count_include_pad=False``, or ``divisor_override``).

    Shape: (N, C, H, W) or (C, H, W) → (…, H_out, W_out) with
    ``H_out = ⌊(H + 2P - K [+ S-1 if ceil_mode]) / S⌋ + 1``; ``stride`` defaults to K.

    >>> import tinygrad_cnn as tg
    >>> AvgPool2d(2)(tg.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    >>> AvgPool2d(2, ceil_mode=True)
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(Module):
    """Puts each value back at the position `MaxPool2d(return_indices=True)`
    recorded for it, zeros elsewhere; δ is read back from those positions.

    Shape: (N, C, H, W) or (C, H, W) → (…, H_out, W_out) with
    ``H_out = (H - 1)·S - 2P + K`` unless ``output_size`` is given to forward.

    >>> import tinygrad_cnn as tg
    >>> pool, unpool = MaxPool2d(2, return_indices=True), MaxUnpool2d(2)
    >>> unpool
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    >>> unpool(*pool(tg.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])))
    tensor([[[[0., 0.],
              [4., 0.]]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size, "stride")
        self.padding = _pair(padding, "padding")

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (``None`` keeps that input dim);
    window i covers rows ⌊i·H/H_out⌋ … ⌈(i+1)·H/H_out⌉ - 1, as in PyTorch.

    Shape: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out).

    >>> import tinygrad_cnn as tg
    >>> pool = AdaptiveAvgPool2d((1, 1))
    >>> pool
    AdaptiveAvgPool2d(output_size=(1, 1))
    >>> pool(tg.arange(8.0).reshape(2, 1, 2, 2)).reshape(2)
    tensor([1.5000, 5.5000])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size over the windows of `AdaptiveAvgPool2d`;
    ``return_indices=True`` also returns the flat arg-max indices.

    Shape: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out).

    >>> import tinygrad_cnn as tg
    >>> pool = AdaptiveMaxPool2d(1)
    >>> pool
    AdaptiveMaxPool2d(output_size=1)
    >>> pool(tg.arange(8.0).reshape(2, 1, 2, 2)).reshape(2)
    tensor([3., 7.])
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"
