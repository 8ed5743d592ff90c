"""Transposed convolution: the forward use of conv2d's input-gradient map.

With M the matrix of a conv2d (exercise 5-7), conv2d's backward is
``δ^{l-1} = Mᵀ δ^l``. `ConvTranspose2d` computes ``z = Mᵀ a + b`` with that
code (`conv_ops.conv2d_input_grad`) and its backward runs conv2d's forward and
weight-gradient maps: the same three functions of `conv_ops`, read in the
other direction.
"""
import numpy as np

from ..function import Function
from .conv_ops import conv2d_forward, conv2d_input_grad, conv2d_weight_grad


def conv_transpose_output_size(input_shape, kernel_size, stride, padding, output_padding,
                               dilation):
    """``H_out = (H - 1)·S - P_top - P_bottom + D·(kH - 1) + output_padding + 1`` per dim."""
    top, bottom, left, right = padding
    return tuple(
        (size - 1) * s - before - after + d * (k - 1) + extra + 1
        for size, s, before, after, d, k, extra in zip(
            input_shape[-2:], stride, (top, left), (bottom, right), dilation, kernel_size,
            output_padding))


class ConvTranspose2d(Function):
    """Transposed convolution: the forward use of conv2d's input-gradient map.

    With M the matrix of a conv2d (exercise 5-7), conv2d's backward is
    ``δ^{l-1} = Mᵀ δ^l``; this op computes ``z = Mᵀ a + b`` with the same code
    (`conv2d_input_grad`): ``z = crop_P( Σ rot180(W) ⊗̃ insert_zeros(a, S) ) + b``.
    Its own backward is therefore M again: ``δ_a = M δ = W ⊗ δ`` (conv2d's
    forward), and ``∂L/∂W = δ ⊗ a`` (conv2d's weight gradient with the roles
    of input and δ exchanged), ``∂L/∂b = Σ δ``.

    Shape:
        a: (N, C_in, H, W) or unbatched (C_in, H, W);
        weight: (C_in, C_out/groups, kH, kW) (PyTorch's layout);
        z: (N, C_out, H_out, W_out) (or (C_out, H_out, W_out)) with
        ``H_out = (H-1)·S - 2P + D·(kH-1) + output_padding + 1``.
    """

    name = "conv_transpose2d"

    @staticmethod
    def forward(ctx, a, weight, bias=None, *, stride=(1, 1), padding=(0, 0, 0, 0),
                output_padding=(0, 0), dilation=(1, 1), groups=1):
        ctx.unbatched = a.ndim == 3                                 # (C_in, H, W): a batch of one
        a = a[None] if ctx.unbatched else a
        n = a.shape[0]
        c_out = weight.shape[1] * groups
        out_hw = conv_transpose_output_size(a.shape, weight.shape[2:], stride, padding,
                                            output_padding, dilation)
        ctx.options = (stride, padding, dilation, groups)
        ctx.save_for_backward(a, weight)
        z = conv2d_input_grad(a, weight, (n, c_out) + out_hw, stride, padding, dilation, groups)
        if bias is not None:
            z = z + bias[:, None, None]
        return z[0] if ctx.unbatched else z

    @staticmethod
    def backward(ctx, delta):
        a, weight = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.options
        delta = delta[None] if ctx.unbatched else delta
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_a = conv2d_forward(delta, weight, None, stride, padding, dilation, groups)
            # output_padding can add a row conv2d would read as one more window: drop it
            grad_a = grad_a[:, :, :a.shape[2], :a.shape[3]]
            grad_a = grad_a[0] if ctx.unbatched else grad_a
        if ctx.needs_input_grad[1]:
            grad_weight = conv2d_weight_grad(delta, a, weight.shape, stride, padding, dilation,
                                             groups)
        if ctx.needs_input_grad[2]:
            grad_bias = np.einsum("nchw->c", delta)                 # Σ over n, i, j
        return grad_a, grad_weight, grad_bias
