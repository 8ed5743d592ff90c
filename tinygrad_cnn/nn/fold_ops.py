"""Unfold (im2col) and Fold (col2im): the convolution-as-matrix lesson as two ops.

docs/derivations.md writes a convolution as one matrix product: lay every window
of the padded input out as a column, and ``z = W_mat @ cols``. `Unfold` is
that layout step on its own; `Fold` is its adjoint, adding every column entry
back onto the input position it came from. Each is the other's backward:

* Unfold: ``cols[n, (c, u, v), (i, j)] = a_pad[n, c, iS + uD, jS + vD]``, a
  gather, so ``δ^{l-1}`` is the scatter-add of δ's columns (`col2im_add`);
* Fold: ``z_pad[n, c, iS + uD, jS + vD] += cols[n, (c, u, v), (i, j)]``, a
  scatter-add, so its δ is gathered back into columns (`im2col`).

Rows of ``cols`` run over (c, u, v) channel-major, columns over the windows
(i, j) row-major — PyTorch's layout, so ``F.unfold(x, k).transpose(1, 2) @
W.reshape(C_out, -1).T`` is a convolution, as in its documentation. Both
reuse conv2d's helpers in `conv_ops`.
"""
import numpy as np

from ..function import Function
from .im2col import col2im_add, im2col, pad2d


def _to_columns(cols6):
    """(C, kH, kW, N, H_out, W_out) → (N, C·kH·kW, H_out·W_out): PyTorch's layout."""
    c, kh, kw, n, h_out, w_out = cols6.shape
    return cols6.reshape(c * kh * kw, n, h_out * w_out).transpose(1, 0, 2)


def _from_columns(cols, channels, kernel_size, blocks):
    """(N, C·kH·kW, L) → (C, kH, kW, N, H_out, W_out), the layout of `col2im_add`."""
    n = cols.shape[0]
    return cols.transpose(1, 0, 2).reshape((channels,) + tuple(kernel_size) + (n,) + blocks)


class Unfold(Function):
    """im2col: ``cols[n, (c, u, v), (i, j)] = a_pad[n, c, iS + uD, jS + vD]``.

    Backward: each input entry receives the δ of every column entry that
    copied it (overlapping windows add): ``δ^{l-1} = crop_P(col2im(δ))``.

    Shape:
        a: (N, C, H, W) or (C, H, W) → cols: (N, C·kH·kW, L) or (C·kH·kW, L),
        ``L = H_out·W_out`` with
        ``H_out = (H + 2P - D(kH-1) - 1) // S + 1``.
    """

    name = "unfold"

    @staticmethod
    def forward(ctx, a, *, kernel_size, dilation, padding, stride, blocks):
        ctx.unbatched = a.ndim == 3                          # (C, H, W): a batch of one
        a = a[None] if ctx.unbatched else a
        ph, pw = padding
        ctx.geometry = (a.shape, kernel_size, dilation, padding, stride, blocks)
        cols6 = im2col(pad2d(a, (ph, ph, pw, pw)), kernel_size, blocks, stride, dilation)
        cols = _to_columns(cols6)                            # (N, C·kH·kW, L)
        return cols[0] if ctx.unbatched else cols

    @staticmethod
    def backward(ctx, delta):
        (n, c, h, w), kernel_size, dilation, (ph, pw), stride, blocks = ctx.geometry
        delta = delta[None] if ctx.unbatched else delta
        grad_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=delta.dtype)
        col2im_add(_from_columns(delta, c, kernel_size, blocks), grad_padded, stride, dilation)
        grad = grad_padded[:, :, ph:ph + h, pw:pw + w]       # crop P
        return grad[0] if ctx.unbatched else grad


class Fold(Function):
    """col2im: ``z_pad[n, c, iS + uD, jS + vD] += cols[n, (c, u, v), (i, j)]``,
    then the padding P is cropped.

    Backward: z adds each column entry into one position, so that entry's δ
    is the δ at that position: ``δ_cols = im2col(pad_P(δ))``.

    Shape:
        cols: (N, C·kH·kW, L) or (C·kH·kW, L) → z: (N, C, H, W) or (C, H, W)
        (``output_size`` = (H, W)).
    """

    name = "fold"

    @staticmethod
    def forward(ctx, cols, *, output_size, kernel_size, dilation, padding, stride, blocks):
        ctx.unbatched = cols.ndim == 2                       # (C·kH·kW, L): a batch of one
        cols = cols[None] if ctx.unbatched else cols
        (h, w), (ph, pw), (kh, kw) = output_size, padding, kernel_size
        n, channels = cols.shape[0], cols.shape[1] // (kh * kw)
        ctx.geometry = (kernel_size, dilation, padding, stride, blocks)
        z_padded = np.zeros((n, channels, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        col2im_add(_from_columns(cols, channels, kernel_size, blocks), z_padded, stride, dilation)
        z = z_padded[:, :, ph:ph + h, pw:pw + w]
        return z[0] if ctx.unbatched else z

    @staticmethod
    def backward(ctx, delta):
        kernel_size, dilation, (ph, pw), stride, blocks = ctx.geometry
        delta = delta[None] if ctx.unbatched else delta
        cols6 = im2col(pad2d(delta, (ph, ph, pw, pw)), kernel_size, blocks, stride, dilation)
        grad = _to_columns(cols6)
        return grad[0] if ctx.unbatched else grad
