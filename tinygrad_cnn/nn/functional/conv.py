"""Convolution: `conv2d` and `conv_transpose2d`; the backward rules are in `nn.conv_ops`."""
from ..._errors import ShapeError
from ..conv_args import CallContext, check_conv_inputs, conv_output_size, conv_padding, pair
from ..conv_ops import Conv2d
from ..conv_transpose_ops import ConvTranspose2d, conv_transpose_output_size


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) ``z = W ⊗ a + b``; see `conv_ops.Conv2d`
    for the backward rules.

    ``stride``, ``padding``, ``dilation``: int or (h, w) pair; ``padding`` may also
    be ``'valid'`` (none) or ``'same'`` (stride 1 only; total ``(K-1)·D`` per dim,
    the odd one on the bottom/right, as PyTorch).

    Shape:
        input: (N, C_in, H, W) or (C_in, H, W);  weight: (C_out, C_in/groups, kH, kW);
        bias: (C_out,);  output: (N, C_out, H_out, W_out) or (C_out, H_out, W_out),
        ``H_out = (H + 2P - D(kH-1) - 1) // S + 1``. N may be 0.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> x = tg.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.conv2d(x, tg.ones(1, 1, 2, 2))
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    """
    check_conv_inputs("conv2d", input, weight, bias, groups, channels_axis=1)
    context = CallContext(input=input, weight=weight)
    kernel_size = tuple(weight.shape[2:])
    stride = pair("conv2d", "stride", stride, 1, context)
    dilation = pair("conv2d", "dilation", dilation, 1, context)
    padding = conv_padding("conv2d", padding, kernel_size, stride, dilation, context)
    conv_output_size("conv2d", input.shape, kernel_size, stride, padding, dilation)
    return Conv2d.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                        groups=int(groups))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution: conv2d's input-gradient map used forward
    (``z = Mᵀ a + b``); see `conv_transpose_ops.ConvTranspose2d`.

    Shape:
        input: (N, C_in, H, W) or (C_in, H, W);  weight: (C_in, C_out/groups, kH, kW);
        output: (N, C_out, H_out, W_out) or (C_out, H_out, W_out), N may be 0,
        ``H_out = (H-1)·S - 2P + D·(kH-1) + output_padding + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.conv_transpose2d(tg.ones(1, 1, 2, 2), tg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
    tensor([[[[ 1.,  3.,  2.],
              [ 4., 10.,  6.],
              [ 3.,  7.,  4.]]]])
    """
    op = "conv_transpose2d"
    check_conv_inputs(op, input, weight, bias, groups, channels_axis=0)
    context = CallContext(input=input, weight=weight)
    stride = pair(op, "stride", stride, 1, context)
    dilation = pair(op, "dilation", dilation, 1, context)
    if isinstance(padding, str):
        raise TypeError(f"{op}: padding must be an int or a pair of ints, got {padding!r} "
                         f"(no 'same'/'valid' for transposed convolution, as in PyTorch){context}")
    ph, pw = pair(op, "padding", padding, 0, context)
    output_padding = pair(op, "output_padding", output_padding, 0, context)
    if any(extra >= max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either "
                         f"the stride {stride} or the dilation {dilation}, as in PyTorch{context}")
    padding = (ph, ph, pw, pw)
    out_hw = conv_transpose_output_size(input.shape, weight.shape[2:], stride, padding,
                                        output_padding, dilation)
    if min(out_hw) < 1:
        raise ShapeError(f"{op}: the output would be {out_hw} (padding {(ph, pw)} is too "
                         f"large){context}")
    return ConvTranspose2d.apply(input, weight, bias, stride=stride, padding=padding,
                                 output_padding=output_padding, dilation=dilation,
                                 groups=int(groups))
