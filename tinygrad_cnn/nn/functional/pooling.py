"""Pooling: `max_pool2d` and `avg_pool2d`; the backward rules are in `nn.pool_ops`."""
from ..pool_ops import AvgPool2d, MaxPool2d, pool_geometry


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """Max pooling over k×k windows (stride defaults to the kernel size,
    padding is -∞ and at most half the kernel). Backward routes δ to each
    window's recorded maximum; ties go to the first position in row-major order.

    Shape:
        input: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = (H + 2P - k) // S + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.max_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    kernel, stride, padding = pool_geometry("max_pool2d", input, kernel_size, stride, padding)
    return MaxPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding)


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling over zero-padded k×k windows; backward spreads δ/(k·k)
    (or δ/count of real entries when ``count_include_pad=False``) over each window.

    Shape:
        input: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = (H + 2P - k) // S + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.avg_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """
    kernel, stride, padding = pool_geometry("avg_pool2d", input, kernel_size, stride, padding)
    return AvgPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                           count_include_pad=bool(count_include_pad))
