"""The layouts a convolution's GEMMs need: im2col and its adjoint col2im.

``im2col`` lays the windows of the (padded) input out as the columns of one
matrix, so that a convolution is one matrix product (`conv_ops`); ``col2im``
is its adjoint, ``Mᵀ``'s scatter: every column entry is added back onto the
input position it was read from, overlapping windows summing up.

* `pad2d`: zero padding (threads split the batch);
* `im2col`: ``cols[c, u, v, n, i, j] = padded[n, c, i·S + u·D, j·S + v·D]``
  (`columns_of` pads and picks the way: a strided copy, or on small maps one
  gather from a table of the positions read);
* `col2im_add`: one strided-slice add per kernel tap; `col2im_add_wide` the
  same adds in long rows (stride 1); `col2im_matrix`: the same sum as one
  product with the 0/1 matrix of which window entry reads which input
  position, for maps so small that per-tap adds would be all overhead;
* `delta_rows`: δ in the layout of im2col's columns.

`nn.fold_ops` (``F.unfold``/``F.fold``) uses the same maps.
"""
import functools

import numpy as np

from .._threads import run_in_batch_chunks


def pad2d(a, padding):
    """Zero-pad the last two axes by (top, bottom, left, right); no copy when all are 0."""
    top, bottom, left, right = padding
    if not any(padding):
        return a
    n, c, h, w = a.shape
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=a.dtype)

    def copy(start, stop):                     # images start:stop (threads split the batch)
        padded[start:stop, :, top:top + h, left:left + w] = a[start:stop]
    run_in_batch_chunks(n, copy, padded.nbytes)
    return padded


def _tap(padded, u, v, out_size, stride, dilation):
    """The entries of ``padded`` that kernel tap (u, v) multiplies, for every
    output position: a strided view ``(N, C, H_out, W_out)`` with
    ``view[..., i, j] = padded[..., i·S + u·D, j·S + v·D]``."""
    (h_out, w_out), (sh, sw), (dh, dw) = out_size, stride, dilation
    return padded[:, :, u * dh: u * dh + (h_out - 1) * sh + 1: sh,
                  v * dw: v * dw + (w_out - 1) * sw + 1: sw]


#: Bytes of window columns built at a time. Chunking the batch keeps the
#: im2col buffer (K² times the input it covers) small, so a step holds little
#: more than its activations, and under glibc's mmap threshold, so the buffer
#: is reused from the heap instead of being page-faulted in at every step.
WORKSPACE_BYTES = 8 * 2**20


def images_per_chunk(n, rows, pixels, itemsize):
    return max(1, min(n, WORKSPACE_BYTES // max(1, rows * pixels * itemsize)))


def im2col(padded, kernel_size, out_size, stride, dilation):
    """The windows of ``padded`` as the columns of one matrix:
    ``cols[c, u, v, n, i, j] = padded[n, c, i·S + u·D, j·S + v·D]``.

    Reshaped to ``(C·kH·kW, N·H_out·W_out)``, column (n, i, j) is the window
    that output pixel (i, j) of image n reads, so ``W_mat (C_out, C·kH·kW) @
    cols`` is the whole convolution of the batch in one GEMM. The windows are
    a strided view (`sliding_window_view`); one copy lays them out.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    (h_out, w_out) = out_size
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, span, axis=(2, 3))
    windows = windows[:, :, :(h_out - 1) * sh + 1:sh, :(w_out - 1) * sw + 1:sw, ::dh, ::dw]
    windows = windows.transpose(1, 4, 5, 0, 2, 3)               # (C, kH, kW, N, H_out, W_out)
    cols = np.empty(windows.shape, dtype=padded.dtype)

    def copy(start, stop):                     # images start:stop (threads split the batch)
        cols[:, :, :, start:stop] = windows[:, :, :, start:stop]
    run_in_batch_chunks(padded.shape[0], copy, cols.nbytes)
    return cols


#: Maps of at most this many positions (8×8) count as small. Their rows are a
#: few entries long, so a strided copy or add per row is all overhead: there
#: `columns_of` gathers the windows with one index table and `col2im_matrix`
#: scatters them back with one small 0/1 product (on bigger maps that matrix,
#: K²·H_out·W_out × H·W, would be mostly zeros).
SMALL_MAP_PIXELS = 64


@functools.lru_cache(maxsize=64)
def _plane_positions(padded_size, kernel_size, out_size, stride, dilation):
    """Where im2col reads in one (H_pad·W_pad) plane: entry (u, v, 0, i, j)
    is position (i·S + u·D, j·S + v·D), flattened. Read-only, cached per
    geometry (a few KiB)."""
    wp, (kh, kw), (h_out, w_out) = padded_size[1], kernel_size, out_size
    (sh, sw), (dh, dw) = stride, dilation
    u, v, i, j = np.indices((kh, kw, h_out, w_out), sparse=True)
    positions = ((i * sh + u * dh) * wp + j * sw + v * dw).reshape(kh, kw, 1, h_out * w_out)
    positions.flags.writeable = False
    return positions


def window_positions(n, padded_size, kernel_size, out_size, stride, dilation):
    """Where im2col reads, as flat positions in the (N·H_pad·W_pad) axis of a
    channel-major padded input: entry (u, v, n, i, j) is image n's position
    (i·S + u·D, j·S + v·D): the cached plane table shifted by n planes."""
    plane = _plane_positions(padded_size, kernel_size, out_size, stride, dilation)
    images = (np.arange(n) * (padded_size[0] * padded_size[1])).reshape(1, 1, n, 1)
    return (plane + images).ravel()


def columns_of(a, padding, kernel_size, out_size, stride, dilation):
    """``im2col(pad2d(a, padding), …)``: the window columns of ``a``, shape
    (C, kH, kW, N, H_out, W_out). On small maps the padded input is laid out
    channel-major, ``(C, N·H_pad·W_pad)``, and one `np.take` with the cached
    `window_positions` gathers every column at once."""
    n, c, h, w = a.shape
    if h * w > SMALL_MAP_PIXELS:
        return im2col(pad2d(a, padding), kernel_size, out_size, stride, dilation)
    top, bottom, left, right = padding
    padded_size = (h + top + bottom, w + left + right)
    padded = np.zeros((c, n) + padded_size, dtype=a.dtype)         # (C, N, H_pad, W_pad)
    padded[:, :, top:top + h, left:left + w] = a.transpose(1, 0, 2, 3)
    positions = window_positions(n, padded_size, tuple(kernel_size), tuple(out_size),
                                 tuple(stride), tuple(dilation))
    cols = np.take(padded.reshape(c, -1), positions, axis=1)
    return cols.reshape((c,) + tuple(kernel_size) + (n,) + tuple(out_size))


def col2im_add(cols, grad_padded, stride, dilation):
    """The adjoint of `im2col`: add every column entry back onto the input
    position it was read from. Windows overlap when S < K, so positions read
    by several taps sum their contributions — one strided-slice add per tap."""
    kh, kw = cols.shape[1:3]
    out_size = cols.shape[4:]

    def add(start, stop):                      # images start:stop (threads split the batch)
        for u in range(kh):
            for v in range(kw):
                _tap(grad_padded[start:stop], u, v, out_size, stride, dilation)[...] += (
                    cols[:, u, v, start:stop].transpose(1, 0, 2, 3))   # (C, N, ·) → (N, C, ·)
    run_in_batch_chunks(grad_padded.shape[0], add, cols.nbytes)


def col2im_add_wide(cols, grad_padded, dilation, out_width):
    """`col2im_add` for stride 1, on columns laid out with rows as wide as the
    padded input: ``cols[c, u, v, n, i, j]`` for j < W_out, and exact zeros
    for W_out ≤ j < W_pad (the GEMM was given δ padded with zero columns).

    Tap (u, v) sends entry (i, j) to padded position (i + uD, j + vD), i.e.
    flat position ``i·W_pad + j + (uD·W_pad + vD)`` of the (H_pad·W_pad)
    plane: with rows W_pad wide that is one shift of the whole plane, so each
    tap is a single long add instead of one short add per output row. The
    zero columns land on real positions and add nothing. Same sums, same
    order of taps as `col2im_add` (the tests check the two agree)."""
    c, kh, kw, n, h_out, row_width = cols.shape
    grad_flat = grad_padded.reshape(grad_padded.shape[:2] + (-1,))     # (N, C, H_pad·W_pad)
    cols_flat = cols.reshape((c, kh, kw, n, h_out * row_width))
    length = (h_out - 1) * row_width + out_width        # up to the last real column
    (dh, dw) = dilation

    def add(start, stop):                      # images start:stop (threads split the batch)
        for u in range(kh):
            for v in range(kw):
                shift = u * dh * row_width + v * dw
                grad_flat[start:stop, :, shift:shift + length] += (
                    cols_flat[:, u, v, start:stop, :length].transpose(1, 0, 2))  # (C, N, ·)→(N, C, ·)
    run_in_batch_chunks(n, add, cols.nbytes)


def delta_rows(delta, groups):
    """δ (N, C_out, H_out, W_out) → (G, C_out/G, N·H_out·W_out), the layout of `im2col`."""
    n, c_out = delta.shape[:2]
    rows = np.empty((c_out, n) + delta.shape[2:], dtype=delta.dtype)   # (C_out, N, H_out, W_out)

    def copy(start, stop):                     # images start:stop (threads split the batch)
        rows[:, start:stop] = delta[start:stop].transpose(1, 0, 2, 3)
    run_in_batch_chunks(n, copy, rows.nbytes)
    return rows.reshape(groups, c_out // groups, -1)






@functools.lru_cache(maxsize=64)
def scatter_matrix(kernel_size, out_size, input_size, padding, stride, dilation, dtype):
    """The 0/1 matrix ``S`` of im2col's reads: ``S[(u, v, i, j), (y, x)] = 1``
    exactly when kernel tap (u, v) of output position (i, j) reads input
    position (y, x) (``y = i·S + u·D − P_top``, likewise x); taps that read the
    zero padding have no 1. ``cols @ S`` is then col2im followed by the crop.

    Shape: (kH·kW·H_out·W_out, H·W), built once per geometry and cached.
    """
    (kh, kw), (h_out, w_out), (h, w) = kernel_size, out_size, input_size
    (sh, sw), (dh, dw) = stride, dilation
    top, left = padding[0], padding[2]
    matrix = np.zeros((kh, kw, h_out, w_out, h, w), dtype=dtype)
    u, v, i, j = np.indices((kh, kw, h_out, w_out), sparse=False)
    y, x = i * sh + u * dh - top, j * sw + v * dw - left
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    matrix[u[inside], v[inside], i[inside], j[inside], y[inside], x[inside]] = 1
    matrix.flags.writeable = False
    return matrix.reshape(kh * kw * h_out * w_out, h * w)


def col2im_matrix(cols, input_size, padding, stride, dilation):
    """`col2im_add` and the crop as one matrix product, for small maps:
    ``δ^{l-1}[n, c] = cols[n, c] @ S`` with S the `scatter_matrix`.

    Shape:
        cols: (C, kH, kW, N, H_out, W_out) → returns (N, C, H, W).
    """
    c, kh, kw, n, h_out, w_out = cols.shape
    matrix = scatter_matrix((kh, kw), (h_out, w_out), tuple(input_size), tuple(padding),
                            tuple(stride), tuple(dilation), cols.dtype.str)
    per_image = cols.transpose(3, 0, 1, 2, 4, 5).reshape(n * c, kh * kw * h_out * w_out)
    return (per_image @ matrix).reshape((n, c) + tuple(input_size))
