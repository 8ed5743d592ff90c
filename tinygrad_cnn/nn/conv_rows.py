"""Convolution by kernel rows, for layers of stride 1 in height (MEC).

`im2col` copies every input entry K² times, once per kernel tap. With stride
1 in height, the windows of kernel row u are those of row 0 moved down u·D
rows, so only the kernel's *column* taps need copying, for every padded row:

    X[c, v, y, n, j] = a_pad[n, c, y, j·S + v·D]          (C·kW, H_pad·N·W_out)

and the im2col of kernel row u is the block of rows ``u·D … u·D + H_out − 1``
of X: a view, no copy. The convolution is then kH GEMMs,

    z (C_out, H_out·N·W_out) = Σ_u W_u @ X_u,      W_u[p, (d, v)] = w[p, d, u, v],

(run as one GEMM with the kernel rows stacked, `forward_by_rows`), and rule 2
is kH GEMMs: ``∂L/∂W[:, :, u, :] = δ_rows @ X_uᵀ``. The flops
are im2col's; the copy is kH times smaller (3× for a 3×3 kernel), so it is
faster and stays in cache. (Cho & Brand, "MEC: memory-efficient convolution
for deep neural network", 2017.) The columns come out ordered (i, n, j), so z
and δ are laid out as ``(C_out, H_out, N, W_out)`` for the GEMMs.

`conv_ops` uses these maps for stride-1 layers with one group on maps bigger
than `im2col.SMALL_MAP_PIXELS`; the tests check them against
`nn.reference` and against the im2col route.
"""
import numpy as np

from .._threads import run_in_batch_chunks
from . import im2col as columns


#: Layers with more output channels stay with im2col: the kH GEMMs add kH − 1
#: passes over z and a copy of the kernel, which outweigh the smaller copy
#: there (measured fwd+bwd, batch 8: 64→64 layers 2–6 % faster by rows,
#: 128- and 256-channel layers 5–17 % slower).
MAX_OUT_CHANNELS = 64


def use_rows(weight_shape, stride, groups, input_hw):
    """Whether `conv_ops` computes this layer by kernel rows."""
    return (stride[0] == 1 and groups == 1 and weight_shape[2] > 1
            and weight_shape[0] <= MAX_OUT_CHANNELS
            and input_hw[0] * input_hw[1] > columns.SMALL_MAP_PIXELS)


def row_columns(a, padding, kernel_width, out_width, stride_w, dilation_w):
    """``X[c, v, y, n, j] = a_pad[n, c, y, j·S_w + v·D_w]`` for every padded
    row y: im2col over the kernel's columns only.

    Shape:
        a: (N, C, H, W) → X: (C, kW, H_pad, N, W_out).
    """
    n, c, h, w = a.shape
    top, bottom, left, right = padding
    padded_h = h + top + bottom
    padded = columns.pad2d(a, padding)                           # (N, C, H_pad, W_pad)
    s_n, s_c, s_y, s_x = padded.strides
    windows = np.lib.stride_tricks.as_strided(
        padded, shape=(c, kernel_width, padded_h, n, out_width),
        strides=(s_c, dilation_w * s_x, s_y, s_n, stride_w * s_x), writeable=False)
    x = np.empty(windows.shape, dtype=a.dtype)

    def copy(start, stop):                     # images start:stop (threads split the batch)
        x[:, :, :, start:stop] = windows[:, :, :, start:stop]
    run_in_batch_chunks(n, copy, x.nbytes)
    return x


def _row_block(x, u, dilation_h, out_height):
    """X_u, the im2col of kernel row u: rows ``u·D … u·D + H_out − 1`` of X as
    a (C·kW, H_out·N·W_out) matrix (a view with a row stride BLAS accepts)."""
    c, kw, padded_h, n, w_out = x.shape
    x_mat = x.reshape(c * kw, padded_h * n * w_out)
    first = u * dilation_h * n * w_out
    return x_mat[:, first:first + out_height * n * w_out]


def forward_by_rows(x, weight, out_height, dilation_h):
    """``z = Σ_u W_u @ X_u``, laid out (C_out, H_out, N, W_out).

    The kH products are one GEMM: the stacked kernel rows ``[W_0; …; W_{kH−1}]``
    times all of X give ``Y_u = W_u @ X`` for every padded row, and
    ``W_u @ X_u`` is ``Y_u`` from row ``u·D`` on. One long GEMM runs 15–20 %
    faster than kH short ones (whose outputs are fresh arrays too), for
    kH·C_out × (H_pad/H_out) more entries; the sums are the same, in the same
    order.
    """
    c_out, c_in, kh, kw = weight.shape
    n, w_out = x.shape[3], x.shape[4]
    w_stacked = np.ascontiguousarray(weight.transpose(2, 0, 1, 3)).reshape(kh * c_out, c_in * kw)
    y = w_stacked @ x.reshape(c_in * kw, -1)               # (kH·C_out, H_pad·N·W_out)
    row, length = n * w_out, out_height * n * w_out

    def block(u):                                          # W_u @ X_u, a view of Y
        first = u * dilation_h * row
        return y[u * c_out:(u + 1) * c_out, first:first + length]
    z = block(0).copy() if kh == 1 else np.add(block(0), block(1))
    for u in range(2, kh):
        z += block(u)                                      # + W_u X_u
    return z.reshape(c_out, out_height, n, w_out)


def weight_grad_by_rows(delta, x, weight_shape, dilation_h, out=None):
    """``∂L/∂W[:, :, u, :] = δ_rows @ X_uᵀ`` for each kernel row u; written into
    ``out`` (the weight's shape) when given, else returned.

    Shape:
        delta: (N, C_out, H_out, W_out);  x: (C_in, kW, H_pad, N, W_out)
        → (C_out, C_in, kH, kW).
    """
    c_out, c_in, kh, kw = weight_shape
    n, _, h_out, w_out = delta.shape
    d_rows = np.empty((c_out, h_out, n, w_out), dtype=delta.dtype)

    def copy(start, stop):                     # images start:stop (threads split the batch)
        d_rows[:, :, start:stop] = delta[start:stop].transpose(1, 2, 0, 3)
    run_in_batch_chunks(n, copy, d_rows.nbytes)
    d_rows = d_rows.reshape(c_out, h_out * n * w_out)
    grad = np.empty(weight_shape, dtype=delta.dtype) if out is None else out
    for u in range(kh):
        # (X_u @ δ_rowsᵀ)ᵀ: the same sums, in the orientation BLAS runs 6–20 % faster
        product = _row_block(x, u, dilation_h, h_out) @ d_rows.T              # (C_in·kW, C_out)
        grad[:, :, u, :] = product.T.reshape(c_out, c_in, kw)
    return grad
