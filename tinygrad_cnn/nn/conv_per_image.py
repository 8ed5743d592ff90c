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
  and `col2im_add_per_image` adds it where it was read (`input_grad_per_image`);
  for stride 1 the same sum is split into a GEMM over δ's row shifts and
  kH plane adds (`input_grad_row_shifts`).

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


def weight_grad_per_image(delta, cols, groups, out=None):
    """``∂L/∂W = Σ_n δ_n @ cols_nᵀ``: one product per image, then the sum
    over images in a fixed order (the same whatever the thread count).

    Shape:
        delta: (N, C_out, H_out, W_out);  cols: (N, G, rows, H_out·W_out)
        → (G, C_out/G, rows), written into ``out`` when given.
    """
    n, c_out = delta.shape[:2]
    rows = cols.shape[2]
    pixels = delta.shape[2] * delta.shape[3]
    delta_mat = delta.reshape(n, groups, c_out // groups, pixels)   # (N, G, C_out/G, pixels)
    per_image = np.empty((n, groups, c_out // groups, rows), dtype=delta.dtype)

    def images(start, stop):                   # images start:stop (threads split the batch)
        np.matmul(delta_mat[start:stop], cols[start:stop].swapaxes(-1, -2),
                  out=per_image[start:stop])
    run_in_batch_chunks(n, images, cols.nbytes)
    return per_image.sum(axis=0, out=out)                          # Σ_n


def col2im_add_per_image(cols, grad_padded, stride, dilation):
    """Add every window entry back onto the input position it was read from
    (overlapping windows sum), for the images of ``cols`` (N, C, kH, kW, H_out, W_out)."""
    kh, kw = cols.shape[2:4]
    (h_out, w_out), (sh, sw), (dh, dw) = cols.shape[4:], stride, dilation
    for u in range(kh):
        for v in range(kw):
            grad_padded[:, :, u * dh:u * dh + (h_out - 1) * sh + 1:sh,
                        v * dw:v * dw + (w_out - 1) * sw + 1:sw] += cols[:, :, u, v]


def input_grad_row_shifts(delta, weight, grad_padded, dilation, groups):
    """Rule 1 for stride 1, ``δ^{l-1}[c, r, s] = Σ_{p,u,v} W[p, c, u, v] · δ[p, r - uD, s - vD]``
    (padded coordinates), with the sum split in two so that neither half
    copies or scatters much:

    * over (p, v), a GEMM: with ``δ_v[p, v, i, s] = δ[p, i, s - vD]`` (each
      row of δ shifted right by vD, zero elsewhere, rows W_pad wide),
      ``rows[c, u, i, s] = Σ_{p,v} W[p, c, u, v] · δ_v[p, v, i, s]``;
    * over u, kH whole-plane adds: ``δ^{l-1}[c, i + uD, s] += rows[c, u, i, s]``.

    The plain `col2im_add_per_image` makes kH·kW adds of short rows; here
    there are kW copies of δ and kH long adds. ``grad_padded`` (zeros on
    entry) is (N, C_in, H_out + D(kH-1), W_out + D(kW-1)).
    """
    n, c_out, h_out, w_out = delta.shape
    _, c_in_g, kh, kw = weight.shape
    (dh, dw), c_out_g = dilation, c_out // groups
    row_width, plane = grad_padded.shape[3], h_out * grad_padded.shape[3]
    # w_mat[g, (c, u), (p, v)] = W[g·C_out/G + p, c, u, v]
    w_mat = weight.reshape(groups, c_out_g, c_in_g, kh, kw).transpose(0, 2, 3, 1, 4).reshape(
        groups, c_in_g * kh, c_out_g * kw)
    grad_flat = grad_padded.reshape(n, groups * c_in_g, grad_padded.shape[2] * row_width)

    def images(start, stop):                   # images start:stop (threads split the batch)
        count = stop - start
        shifted = np.zeros((count, c_out, kw, h_out, row_width), dtype=delta.dtype)   # δ_v
        for v in range(kw):
            shifted[:, :, v, :, v * dw:v * dw + w_out] = delta[start:stop]
        rows = np.matmul(w_mat, shifted.reshape(count, groups, c_out_g * kw, plane))
        rows = rows.reshape(count, groups * c_in_g, kh, plane)    # (n, C_in, kH, H_out·W_pad)
        for u in range(kh):
            shift = u * dh * row_width
            grad_flat[start:stop, :, shift:shift + plane] += rows[:, :, u]
    run_in_batch_chunks(n, images, n * c_out * kw * plane * delta.itemsize)


def input_grad_per_image(delta, weight, grad_padded, stride, dilation, groups):
    """Rule 1 as ``Mᵀδ``: ``cols_n = W_matᵀ @ δ_n``, then `col2im_add_per_image`
    into ``grad_padded`` (zeros on entry); for stride 1 `input_grad_row_shifts`,
    unless an inf/NaN weight would meet its zeros (inf·0 is NaN).

    Shape:
        delta: (N, C_out, H_out, W_out);  weight: (C_out, C_in/G, kH, kW);
        grad_padded: (N, C_in, H_pad, W_pad).
    """
    if stride == (1, 1) and np.isfinite(weight).all():
        return input_grad_row_shifts(delta, weight, grad_padded, dilation, groups)
    n, c_out, h_out, w_out = delta.shape
    _, c_in_g, kh, kw = weight.shape
    rows = c_in_g * kh * kw
    w_mat_t = weight.reshape(groups, c_out // groups, rows).swapaxes(-1, -2)   # (G, rows, C_out/G)
    delta_mat = delta.reshape(n, groups, c_out // groups, h_out * w_out)

    def images(start, stop):                   # images start:stop (threads split the batch)
        cols = np.matmul(w_mat_t, delta_mat[start:stop])           # (n, G, rows, pixels)
        cols = cols.reshape(stop - start, groups * c_in_g, kh, kw, h_out, w_out)
        col2im_add_per_image(cols, grad_padded[start:stop], stride, dilation)
    run_in_batch_chunks(n, images, n * rows * groups * h_out * w_out * delta.itemsize)
