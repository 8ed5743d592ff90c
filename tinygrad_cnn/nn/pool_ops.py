"""Pooling: max and average, each one op whose backward up-samples δ.

DERIVATIONS.md, "Pooling layer": pooling has no parameters, and its backward
sends each output's δ back to the window it summarised —

* max pooling: to the position of the window's maximum, recorded in forward;
* average pooling: evenly, δ/(k·k) to every position of the window.

Windows are strided views of the padded input (``sliding_window_view``), so
forward needs no Python loop over pixels. Backward loops over the k×k offsets
(u, v) inside the window: for one offset, the input positions it covers in
every window form a strided slice, and one slice-add routes δ there.
Overlapping windows (stride < kernel) therefore accumulate, as they must.
`tinygrad_cnn.nn.reference` has the entry-by-entry version.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._errors import DTypeError, ShapeError, describe
from ..function import Function
from .conv_ops import pair


def pool_geometry(op, input, kernel_size, stride, padding):
    """Normalise and check pooling arguments; returns (kernel, stride, padding) as pairs."""
    if input.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W), got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    kernel = pair(op, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None or stride == () else pair(op, "stride", stride, 1)
    padding = pair(op, "padding", padding, 0)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel} (as in PyTorch)")
    for size, k, p, dim in zip(input.shape[2:], kernel, padding, "HW"):
        if k > size + 2 * p:
            raise ShapeError(f"{op}: kernel {kernel} is larger than the padded input along "
                             f"{dim} ({size} + 2·{p}); input {describe(input)}")
    return kernel, stride, padding


def _pad(x, padding, value):
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _windows(padded, kernel, stride):
    """(N, C, H_out, W_out, kH, kW): a view, ``[..., i, j, u, v] = padded[..., iS+u, jS+v]``."""
    return sliding_window_view(padded, kernel, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]


def _offset(grad_padded, u, v, out_size, stride):
    """The input positions that offset (u, v) of every window covers: a strided view."""
    (h_out, w_out), (sh, sw) = out_size, stride
    return grad_padded[:, :, u:u + (h_out - 1) * sh + 1:sh, v:v + (w_out - 1) * sw + 1:sw]


class MaxPool2d(Function):
    """``z_{ij} = max_{u,v} a_{iS+u, jS+v}`` over k×k windows (padding is -∞).

    Backward: ``δ^{l-1}`` is δ at the position recorded for each window's
    maximum and 0 elsewhere (overlapping windows add). Ties: the first
    position of the window in row-major order wins, the textbook's "record
    the position" rule (``argmax`` returns the first maximum).

    Shape:
        a: (N, C, H, W) → z: (N, C, H_out, W_out), ``H_out = (H + 2P - k) // S + 1``.
    """

    name = "max_pool2d"

    @staticmethod
    def forward(ctx, a, *, kernel_size, stride, padding):
        (kh, kw) = kernel_size
        padded = _pad(a, padding, -np.inf)
        out_size = _windows(padded, kernel_size, stride).shape[2:4]
        offsets = [(u, v) for u in range(kh) for v in range(kw)]       # row-major
        z = _offset(padded, 0, 0, out_size, stride).copy()             # (N, C, H_out, W_out)
        for u, v in offsets[1:]:
            np.maximum(z, _offset(padded, u, v, out_size, stride), out=z)
        ctx.geometry = (a.shape, kernel_size, stride, padding, out_size)
        if ctx.needs_input_grad[0]:
            # record the position of each window's maximum: the first offset
            # (row-major) holding it, so ties go to the first position
            where = np.zeros(z.shape, dtype=np.min_scalar_type(kh * kw))
            found = np.zeros(z.shape, dtype=bool)
            for index, (u, v) in enumerate(offsets):
                first_hit = _offset(padded, u, v, out_size, stride) == z
                first_hit &= ~found
                found |= first_hit
                where += first_hit * where.dtype.type(index)
            ctx.save_for_backward(where)
        return z

    @staticmethod
    def backward(ctx, delta):
        (where,) = ctx.saved_tensors
        (n, c, h, w), (kh, kw), stride, (ph, pw), out_size = ctx.geometry
        grad_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=delta.dtype)
        overlapping = stride[0] < kh or stride[1] < kw
        for u in range(kh):
            for v in range(kw):
                # δ of the windows whose maximum sat at offset (u, v), 0 for the others
                view = _offset(grad_padded, u, v, out_size, stride)
                if overlapping:                       # a position may get δ from several windows
                    view += delta * (where == u * kw + v)
                else:                                 # each position is in one window: write it
                    np.multiply(delta, where == u * kw + v, out=view)
        return grad_padded[:, :, ph:ph + h, pw:pw + w]


class AvgPool2d(Function):
    """``z_{ij} = (1/n_{ij}) Σ_{u,v} a_{iS+u, jS+v}`` over zero-padded k×k
    windows, ``n_{ij} = k·k``, or the number of non-pad entries when
    ``count_include_pad=False``.

    Backward: ``δ^{l-1}`` receives ``δ_{ij} / n_{ij}`` at every position of
    window (i, j) — for non-overlapping windows, ``up(δ) / (k·k)``, the
    Kronecker product with a block of ones; overlapping windows add.

    Shape:
        a: (N, C, H, W) → z: (N, C, H_out, W_out), ``H_out = (H + 2P - k) // S + 1``.
    """

    name = "avg_pool2d"

    @staticmethod
    def forward(ctx, a, *, kernel_size, stride, padding, count_include_pad=True):
        (kh, kw), (ph, pw) = kernel_size, padding
        if count_include_pad or (ph == 0 and pw == 0):
            divisor = np.array(kh * kw, dtype=a.dtype)
        else:   # count the real entries of each window: pool a map of ones
            ones = _pad(np.ones((1, 1) + a.shape[2:], dtype=a.dtype), padding, 0)
            divisor = _windows(ones, kernel_size, stride).sum(axis=(-2, -1))[0, 0]
        windows = _windows(_pad(a, padding, 0), kernel_size, stride)   # (N, C, H_out, W_out, kH, kW)
        ctx.geometry = (a.shape, kernel_size, stride, padding, windows.shape[2:4])
        ctx.divisor = divisor
        return windows.sum(axis=(-2, -1)) / divisor

    @staticmethod
    def backward(ctx, delta):
        (n, c, h, w), (kh, kw), stride, (ph, pw), out_size = ctx.geometry
        share = delta / ctx.divisor                                  # δ_{ij} / n_{ij}
        grad_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=delta.dtype)
        for u in range(kh):
            for v in range(kw):
                view = _offset(grad_padded, u, v, out_size, stride)
                view += share
        return grad_padded[:, :, ph:ph + h, pw:pw + w]
