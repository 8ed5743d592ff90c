"""Pooling: `max_pool2d`, `avg_pool2d`, `adaptive_avg_pool2d`, `adaptive_max_pool2d`;
the backward rules are in `nn.pool_ops` and `nn.adaptive_pool_ops`."""
from ...tensor import tensor
from ..adaptive_pool_ops import AdaptiveAvgPool2d, AdaptiveMaxPool2d, adaptive_output_size
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


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size: output (i, j) averages input
    rows ``⌊i·H/H_out⌋ … ⌈(i+1)·H/H_out⌉ - 1`` and the columns chosen the same
    way (uneven windows when H_out does not divide H, as PyTorch). Backward:
    ``δ^{l-1} = A_Hᵀ δ A_W`` (`adaptive_pool_ops.AdaptiveAvgPool2d`).

    ``output_size``: an int, a pair, or a pair with ``None`` for "keep this dim".

    Shape:
        input: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.adaptive_avg_pool2d(tg.arange(5.0).reshape(1, 1, 1, 5), (1, 3))
    tensor([[[[0.5, 2. , 3.5]]]])
    """
    output_size = adaptive_output_size("adaptive_avg_pool2d", input, output_size)
    return AdaptiveAvgPool2d.apply(input, output_size=output_size)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size, over the windows of
    `adaptive_avg_pool2d`. With ``return_indices=True`` also returns the int64
    flat index ``r·W + c`` of each maximum in its plane (for `max_unpool2d`).
    Ties go to the first maximum in row-major order; a window holding NaN
    gives NaN and routes δ to its last NaN, as PyTorch.

    Shape:
        input: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.adaptive_max_pool2d(tg.tensor([[[[1.0, 5.0, 2.0, 0.0, 3.0]]]]), (1, 2), True)
    (tensor([[[[5., 3.]]]]), tensor([[[[1, 4]]]]))
    """
    output_size = adaptive_output_size("adaptive_max_pool2d", input, output_size)
    recorded = []
    output = AdaptiveMaxPool2d.apply(input, output_size=output_size, indices_out=recorded)
    return (output, tensor(recorded[0])) if return_indices else output
