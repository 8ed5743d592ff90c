"""im2col and col2im: `unfold` and `fold`; the ops are in `nn.fold_ops`."""
from ..._errors import DTypeError, ShapeError, describe
from ..conv_args import pair
from ..fold_ops import Fold, Unfold


def _blocks(op, size, kernel, dilation, padding, stride, context):
    """The number of windows per dim, ``(H + 2P - D(k-1) - 1) // S + 1``; each must be >= 1."""
    blocks = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                   for s, k, d, p, st in zip(size, kernel, dilation, padding, stride))
    if min(blocks) < 1:
        raise ShapeError(f"{op}: kernel {kernel} with dilation {dilation} does not fit the "
                         f"padded size {tuple(s + 2 * p for s, p in zip(size, padding))} "
                         f"(spatial size {tuple(size)}, padding {padding}){context}")
    return blocks


def _options(op, kernel_size, dilation, padding, stride, context):
    return (pair(op, "kernel_size", kernel_size, 1, context),
            pair(op, "dilation", dilation, 1, context),
            pair(op, "padding", padding, 0, context),
            pair(op, "stride", stride, 1, context))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: every window of the padded input as one column. Column l =
    (i, j) (row-major) holds window (i, j); row (c, u, v) (channel-major) its
    tap (u, v) of channel c. Backward adds δ's columns back where they were
    read (`fold_ops.Unfold`).

    Shape:
        input: (N, C, H, W) or (C, H, W) → (N, C·kH·kW, L) or (C·kH·kW, L),
        ``L = H_out·W_out``, ``H_out = (H + 2P - D(kH-1) - 1) // S + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.unfold(tg.arange(9.0).reshape(1, 1, 3, 3), 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    op = "unfold"
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    context = f"; input {describe(input)}"
    if any(size == 0 for size in input.shape[-3:]):
        raise ShapeError(f"{op}: expected non-zero C, H and W (only the batch may be empty)"
                         f"{context}")
    kernel, dilation, padding, stride = _options(op, kernel_size, dilation, padding, stride,
                                                 context)
    blocks = _blocks(op, input.shape[-2:], kernel, dilation, padding, stride, context)
    return Unfold.apply(input, kernel_size=kernel, dilation=dilation, padding=padding,
                        stride=stride, blocks=blocks)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the adjoint of `unfold`: adds each column's entries back onto
    the positions of an (H, W) image its window covers (overlaps add up), then
    crops the padding. ``fold(unfold(x))`` is x times how many windows cover
    each entry. Backward gathers δ into columns (`fold_ops.Fold`).

    Shape:
        input: (N, C·kH·kW, L) or (C·kH·kW, L) → (N, C, H, W) or (C, H, W),
        ``output_size = (H, W)``; L must equal the number of windows on it.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.fold(tg.ones(1, 4, 4), (3, 3), 2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    op = "fold"
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-D (C·kH·kW, L) or 3-D (N, C·kH·kW, L) input, "
                         f"got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    context = f"; input {describe(input)}"
    output_size = pair(op, "output_size", output_size, 1, context)
    kernel, dilation, padding, stride = _options(op, kernel_size, dilation, padding, stride,
                                                 context)
    rows, length = input.shape[-2:]
    if rows == 0 or rows % (kernel[0] * kernel[1]):
        raise ShapeError(f"{op}: the input's dim -2 ({rows}) must be a positive multiple of "
                         f"kH·kW = {kernel[0] * kernel[1]} (kernel {kernel}){context}")
    blocks = _blocks(op, output_size, kernel, dilation, padding, stride, context)
    if length != blocks[0] * blocks[1]:
        raise ShapeError(f"{op}: the input holds {length} columns, but output_size "
                         f"{output_size} with kernel {kernel}, dilation {dilation}, padding "
                         f"{padding}, stride {stride} has {blocks[0]}x{blocks[1]} = "
                         f"{blocks[0] * blocks[1]} windows{context}")
    return Fold.apply(input, output_size=output_size, kernel_size=kernel, dilation=dilation,
                      padding=padding, stride=stride, blocks=blocks)
