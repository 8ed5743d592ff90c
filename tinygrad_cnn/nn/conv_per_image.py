"""Convolution's three maps as one small GEMM per image, for thin layers.

`conv_ops` computes a convolution as one GEMM for the whole batch:
``z (C_out, N·H_out·W_out) = W_mat @ cols``. For a layer with few output
channels and short windows (LeNet's: ``W_mat`` is 6×25 and 16×150) that GEMM
is long and thin, and BLAS runs it far below its rate; it also leaves z and δ
in a (C, N, …) layout that costs a transpose each way. Here the columns are
laid out image by image, ``cols[n, (c, u, v), (i, j)] = a_pad[n, c, iS+uD,
jS+vD]``, and each image gets its own GEMM — the same sums, in NCHW:

* forward ``z_n = W_mat @ cols_n + b`` (`forward_per_image`);
* rule 2 ``∂L/∂W = Σ_n δ_n @ cols_nᵀ`` (`weight_grad_per_image`);
* rule 1 ``Mᵀδ``: ``W_matᵀ @ δ_n`` gives what every window entry sent back,
  and `col2im_add_per_image` adds it where it was read (`input_grad_per_image`).

The images are independent, so the batch is split across the thread pool
(`tinygrad_cnn._threads`): each chunk copies its windows and runs its GEMMs.
The sum over images in rule 2 is taken afterwards in one fixed order, so
no result depends on the thread count. `tinygrad_cnn.nn.reference` has the
loop-by-loop rules these are tested against.
"""
import numpy as np

from .._threads import run_in_batch_chunks

#: Use one GEMM per image when ``C_out/G · C_in/G·kH·kW`` (the size of the
#: weight matrix) is at most this: below it the batch-wide GEMM is too thin.
MAX_WEIGHT_ENTRIES = 4096


def use_per_image(weight_shape, groups):
    c_out, c_in_g, kh, kw = weight_shape
    return (c_out // groups) * c_in_g * kh * kw <= MAX_WEIGHT_ENTRIES


def _windows(padded, kernel_size, out_size, stride, dilation):
    """The strided view ``(N, C, kH, kW, H_out, W_out)`` of every window entry."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    (h_out, w_out) = out_size
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, span, axis=(2, 3))
    windows = windows[:, :, :(h_out - 1) * sh + 1:sh, :(w_out - 1) * sw + 1:sw, ::dh, ::dw]
    return windows.transpose(0, 1, 4, 5, 2, 3)                  # (N, C, kH, kW, H_out, W_out)


def forward_per_image(padded, weight, bias, out_size, stride, dilation, groups):
    """``z_n = W_mat @ cols_n + b`` for every image n; returns (z, cols).

    Shape:
        padded: (N, C_in, H_pad, W_pad);  weight: (C_out, C_in/G, kH, kW);
        z: (N, C_out, H_out, W_out);  cols: (N, G, C_in/G·kH·kW, H_out·W_out).
    """
    n = padded.shape[0]
    c_out, c_in_g, kh, kw = weight.shape
    rows, pixels = c_in_g * kh * kw, out_size[0] * out_size[1]
    w_mat = weight.reshape(groups, c_out // groups, rows)          # (G, C_out/G, rows)
    windows = _windows(padded, (kh, kw), out_size, stride, dilation)
    cols = np.empty(windows.shape, dtype=padded.dtype)             # (N, C_in, kH, kW, H_out, W_out)
    cols_mat = cols.reshape(n, groups, rows, pixels)
    z = np.empty((n, groups, c_out // groups, pixels), dtype=padded.dtype)

    def images(start, stop):                   # images start:stop (threads split the batch)
        cols[start:stop] = windows[start:stop]                     # im2col of these images
        np.matmul(w_mat, cols_mat[start:stop], out=z[start:stop])  # (n, G, C_out/G, pixels)
        if bias is not None:
            z[start:stop] += bias.reshape(groups, -1, 1)           # + b^{(p)}
    run_in_batch_chunks(n, images, cols.nbytes)
    return z.reshape((n, c_out) + tuple(out_size)), cols_mat


def im2col_per_image(padded, kernel_size, out_size, stride, dilation, groups):
    """``cols[n, g, (c, u, v), (i, j)] = a_pad[n, g·C_in/G + c, iS+uD, jS+vD]``:
    the columns `weight_grad_per_image` reads when forward did not keep them."""
    windows = _windows(padded, kernel_size, out_size, stride, dilation)
    cols = np.empty(windows.shape, dtype=padded.dtype)             # (N, C_in, kH, kW, H_out, W_out)

    def copy(start, stop):                     # images start:stop (threads split the batch)
        cols[start:stop] = windows[start:stop]
    run_in_batch_chunks(padded.shape[0], copy, cols.nbytes)
    rows = padded.shape[1] // groups * kernel_size[0] * kernel_size[1]
    return cols.reshape(padded.shape[0], groups, rows, out_size[0] * out_size[1])


def weight_grad_per_image(delta, cols, groups):
    """``∂L/∂W = Σ_n δ_n @ cols_nᵀ``: one product per image, then the sum
    over images in a fixed order (the same whatever the thread count).

    Shape:
        delta: (N, C_out, H_out, W_out);  cols: (N, G, rows, H_out·W_out)
        → (G, C_out/G, rows).
    """
    n, c_out = delta.shape[:2]
    rows = cols.shape[2]
    delta_mat = delta.reshape(n, groups, c_out // groups, delta.shape[2] * delta.shape[3])     # (N, G, C_out/G, pixels)
    per_image = np.empty((n, groups, c_out // groups, rows), dtype=delta.dtype)

    def images(start, stop):                   # images start:stop (threads split the batch)
        np.matmul(delta_mat[start:stop], cols[start:stop].swapaxes(-1, -2),
                  out=per_image[start:stop])
    run_in_batch_chunks(n, images, cols.nbytes)
    return per_image.sum(axis=0)                                   # Σ_n


def col2im_add_per_image(cols, grad_padded, stride, dilation):
    """Add every window entry back onto the input position it was read from
    (overlapping windows sum), for the images of ``cols`` (N, C, kH, kW, H_out, W_out)."""
    kh, kw = cols.shape[2:4]
    (h_out, w_out), (sh, sw), (dh, dw) = cols.shape[4:], stride, dilation
    for u in range(kh):
        for v in range(kw):
            grad_padded[:, :, u * dh:u * dh + (h_out - 1) * sh + 1:sh,
                        v * dw:v * dw + (w_out - 1) * sw + 1:sw] += cols[:, :, u, v]


def col2im_add_wide(cols, grad_padded, dilation, out_width):
    """`col2im_add_per_image` for stride 1, with rows as wide as the padded
    input: ``cols[n, c, u, v, i·W_pad + j]`` holds entry (i, j) for j < W_out
    and exact zeros for W_out ≤ j < W_pad (δ was given zero columns).

    Tap (u, v) sends entry (i, j) to padded position (i + uD, j + vD), flat
    ``i·W_pad + j + (uD·W_pad + vD)``: with rows W_pad wide, one shift of the
    whole plane, so each tap is one long add instead of one short add per
    row; the zero columns land on real positions and add nothing."""
    n, c, kh, kw, plane = cols.shape
    row_width = grad_padded.shape[3]
    grad_flat = grad_padded.reshape(n, c, grad_padded.shape[2] * row_width)   # (N, C, H_pad·W_pad)
    length = plane - (row_width - out_width)                       # up to the last real column
    (dh, dw) = dilation
    for u in range(kh):
        for v in range(kw):
            shift = u * dh * row_width + v * dw
            grad_flat[:, :, shift:shift + length] += cols[:, :, u, v, :length]


def input_grad_per_image(delta, weight, grad_padded, stride, dilation, groups):
    """Rule 1 as ``Mᵀδ``: ``cols_n = W_matᵀ @ δ_n``, then `col2im_add_per_image`
    (`col2im_add_wide` for stride 1) into ``grad_padded`` (zeros on entry).

    Shape:
        delta: (N, C_out, H_out, W_out);  weight: (C_out, C_in/G, kH, kW);
        grad_padded: (N, C_in, H_pad, W_pad).
    """
    n, c_out, h_out, w_out = delta.shape
    _, c_in_g, kh, kw = weight.shape
    rows = c_in_g * kh * kw
    w_mat_t = weight.reshape(groups, c_out // groups, rows).swapaxes(-1, -2)   # (G, rows, C_out/G)
    # stride 1: rows as wide as the padded input (`col2im_add_wide`), unless
    # an inf/NaN weight would turn the zero columns into NaN
    wide = stride == (1, 1) and bool(np.isfinite(weight).all())
    row_width = grad_padded.shape[3] if wide else w_out

    def images(start, stop):                   # images start:stop (threads split the batch)
        part = delta[start:stop]
        if wide:                               # δ with zero columns out to the padded width
            part = np.zeros((stop - start, c_out, h_out, row_width), dtype=delta.dtype)
            part[..., :w_out] = delta[start:stop]
        delta_mat = part.reshape(stop - start, groups, c_out // groups, h_out * row_width)
        cols = np.matmul(w_mat_t, delta_mat)                       # (n, G, rows, pixels)
        cols = cols.reshape(stop - start, groups * c_in_g, kh, kw, h_out * row_width)
        if wide:
            col2im_add_wide(cols, grad_padded[start:stop], dilation, w_out)
        else:
            col2im_add_per_image(cols.reshape(cols.shape[:4] + (h_out, w_out)),
                                 grad_padded[start:stop], stride, dilation)
    run_in_batch_chunks(n, images, n * rows * groups * h_out * row_width * delta.itemsize)
