"""Pooling: `max_pool2d`, `avg_pool2d`, `max_unpool2d`, `adaptive_avg_pool2d`,
`adaptive_max_pool2d`; the backward rules are in `nn.pool_ops` and `nn.adaptive_pool_ops`."""
import numpy as np

from ..._errors import DTypeError, ShapeError, describe
from ...creation import tensor
from ..adaptive_pool_ops import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    adaptive_output_size,
)
from ..conv_args import CallContext, pair
from ..pool_ops import AvgPool2d, MaxPool2d, MaxUnpool2d, pool_geometry


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max pooling over k×k windows whose taps are D apart (stride defaults to
    the kernel size; padding is -∞, at most half the kernel, never selected).
    Backward routes δ to each window's recorded maximum: ties go to the first
    position in row-major order, a window holding NaN routes it to its last
    NaN (see `pool_ops.MaxPool2d`). ``ceil_mode`` rounds the output size up,
    keeping a last window only if it starts inside the input or left padding.
    ``return_indices=True`` also returns each maximum's flat index ``r·W + c``
    in its plane (int64), as `max_unpool2d` takes them.

    Shape:
        input: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out),
        ``H_out = ⌊(H + 2P - D(k-1) - 1 [+ S-1 if ceil_mode]) / S⌋ + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.max_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> F.max_pool2d(tg.arange(9.0).reshape(1, 3, 3), 2, ceil_mode=True, return_indices=True)
    (tensor([[[4., 5.],
             [7., 8.]]]), tensor([[[4, 5],
             [7, 8]]]))
    """
    kernel, stride, padding, dilation, out_size = pool_geometry(
        "max_pool2d", input, kernel_size, stride, padding, dilation, bool(ceil_mode))
    recorded = [] if return_indices else None
    output = MaxPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                             dilation=dilation, out_size=out_size, indices_out=recorded)
    return (output, tensor(recorded[0])) if return_indices else output


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Average pooling over zero-padded k×k windows; backward spreads
    ``δ_{ij} / n_{ij}`` over window (i, j). ``n_{ij}`` is ``divisor_override``
    if given, else the window's size clipped to the padded input (k·k except
    where a ``ceil_mode`` window overhangs), or its real entries only when
    ``count_include_pad=False`` — PyTorch's counts.

    Shape:
        input: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out),
        ``H_out = ⌊(H + 2P - k [+ S-1 if ceil_mode]) / S⌋ + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.avg_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    >>> F.avg_pool2d(tg.ones(1, 1, 3, 3), 2, ceil_mode=True, divisor_override=1)
    tensor([[[[4., 2.],
              [2., 1.]]]])
    """
    op = "avg_pool2d"
    kernel, stride, padding, _, out_size = pool_geometry(op, input, kernel_size, stride, padding,
                                                         1, bool(ceil_mode))
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got "
                         f"{divisor_override!r}; input {describe(input)}")
    return AvgPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                           out_size=out_size, count_include_pad=bool(count_include_pad),
                           divisor_override=divisor_override)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of `max_pool2d`: each value goes to the flat
    position ``indices`` recorded for it (``return_indices=True``), every other
    entry is 0. Backward reads δ back from those positions.

    The output size defaults to ``(H - 1)·S - 2P + k`` (what the pool's input
    was, up to the rows its windows dropped); ``output_size`` (H_out, W_out),
    optionally with N and C in front, picks another within S of it.

    Shape:
        input, indices: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out) or (C, H_out, W_out).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> x = tg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> pooled, where = F.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    >>> F.max_unpool2d(pooled, where, 2, stride=1, padding=1, output_size=(2, 2))
    tensor([[[[1., 2.],
              [3., 4.]]]])
    """
    op = "max_unpool2d"
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    indices_array = getattr(indices, "_data", None)
    if indices_array is None or indices_array.dtype != np.int64:
        raise DTypeError(f"{op}: indices must be an int64 tensor (from max_pool2d's "
                         f"return_indices), got {describe(indices)}; input {describe(input)}")
    if indices_array.shape != input.shape:
        raise ShapeError(f"{op}: indices {describe(indices)} must have the input's shape "
                         f"{describe(input)}")
    where = CallContext(input=input)
    kernel = pair(op, "kernel_size", kernel_size, 1, where)
    stride = kernel if stride is None or stride == () else pair(op, "stride", stride, 1, where)
    padding = pair(op, "padding", padding, 0, where)
    default = tuple((size - 1) * s - 2 * p + k
                    for size, s, p, k in zip(input.shape[-2:], stride, padding, kernel))
    if output_size is None:
        out_size = default
    else:
        out_size = tuple(int(size) for size in tuple(output_size)[-2:])
        if len(tuple(output_size)) not in (2, input.ndim) or any(
                not d - s < size < d + s for size, d, s in zip(out_size, default, stride)):
            raise ValueError(f"{op}: output_size {tuple(output_size)} must be (H_out, W_out) "
                             f"within the stride {stride} of the default {default}{where}")
    if min(out_size) < 1:
        raise ShapeError(f"{op}: the output would be {out_size}, too small{where}")
    plane = out_size[0] * out_size[1]
    if indices_array.size and (indices_array.min() < 0 or indices_array.max() >= plane):
        raise ValueError(f"{op}: found an index outside the {out_size[0]}x{out_size[1]} output "
                         f"planes (indices range {indices_array.min()} … {indices_array.max()})"
                         f"{where}")
    return MaxUnpool2d.apply(input, indices, out_size=out_size)


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
    tensor([[[[0.5000, 2.0000, 3.5000]]]])
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
