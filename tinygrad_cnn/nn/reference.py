"""The textbook procedures, literally, with plain Python loops.

This module is meant to be read next to DERIVATIONS.md: every function is one
step of the chapter's recipe (pad, insert zeros for the stride, rotate the
kernel 180°, cross-correlate), written on NumPy arrays one entry at a time.
It is slow on purpose and used in two places: the tests check that the fast
ops in `conv_ops` and `pool_ops` give exactly these numbers, and the docs
quote it.

Arrays are NCHW, weights (C_out, C_in/groups, kH, kW) as in PyTorch; ``stride``,
``padding`` and ``dilation`` are ints or (height, width) pairs.

The worked example of DERIVATIONS.md (3×3 input, 2×2 kernel, δ all ones):

>>> import numpy as np
>>> W = np.array([[[[1., 2.], [3., 4.]]]])            # w11=1, w12=2, w21=3, w22=4
>>> conv2d_input_grad(np.ones((1, 1, 2, 2)), W, (1, 1, 3, 3))[0, 0]
array([[ 1.,  3.,  2.],
       [ 4., 10.,  6.],
       [ 3.,  7.,  4.]])
"""
import numpy as np


def _pair(value):
    return (value, value) if isinstance(value, (int, np.integer)) else tuple(value)


# --------------------------------------------------------------------------
# the building blocks, on one 2-D map
# --------------------------------------------------------------------------
def pad(x, top, bottom, left, right, value=0.0):
    """Surround a 2-D map with ``value``.

    >>> pad(np.ones((1, 1)), 1, 1, 1, 1)
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    rows, cols = x.shape
    out = np.full((rows + top + bottom, cols + left + right), value, dtype=float)
    for i in range(rows):
        for j in range(cols):
            out[top + i, left + j] = x[i, j]
    return out


def insert_zeros(x, stride_h, stride_w):
    """Put S-1 zeros between neighbouring entries (undoing a stride S).

    >>> insert_zeros(np.array([[1., 2.], [3., 4.]]), 2, 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    rows, cols = x.shape
    out = np.zeros(((rows - 1) * stride_h + 1, (cols - 1) * stride_w + 1))
    for i in range(rows):
        for j in range(cols):
            out[i * stride_h, j * stride_w] = x[i, j]
    return out


def rot180(w):
    """Flip a 2-D kernel along both axes.

    >>> rot180(np.array([[1., 2.], [3., 4.]]))
    array([[4., 3.],
           [2., 1.]])
    """
    rows, cols = w.shape
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = w[rows - 1 - i, cols - 1 - j]
    return out


def cross_correlate(x, w, stride=(1, 1)):
    """Narrow ("valid") cross-correlation ``y_{ij} = Σ_u Σ_v w_{uv} x_{iS+u, jS+v}``.

    >>> cross_correlate(np.arange(9.).reshape(3, 3), np.array([[1., 0.], [0., 1.]]))
    array([[ 4.,  6.],
           [10., 12.]])
    """
    (rows, cols), (k_rows, k_cols), (sh, sw) = x.shape, w.shape, stride
    out = np.zeros(((rows - k_rows) // sh + 1, (cols - k_cols) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(k_rows):
                for v in range(k_cols):
                    out[i, j] += w[u, v] * x[i * sh + u, j * sw + v]
    return out


def _groups_of(c_out, c_in, groups):
    """For output channel p, the input channels d it reads (with their index in W)."""
    per_out, per_in = c_out // groups, c_in // groups
    return [[(k, (p // per_out) * per_in + k) for k in range(per_in)] for p in range(c_out)]


# --------------------------------------------------------------------------
# convolution layer
# --------------------------------------------------------------------------
def conv2d(a, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Forward: ``z^{(p)} = Σ_d W^{(p,d)} ⊗ pad_P(a^{(d)}) + b^{(p)}`` (dilated
    kernel: ``insert_zeros(W, D)``, the taps D apart).

    >>> conv2d(np.arange(9.).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    stride, (ph, pw), dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, c_in = a.shape[:2]
    c_out = weight.shape[0]
    out = None
    for b in range(n):
        for p, inputs in enumerate(_groups_of(c_out, c_in, groups)):
            z = bias[p] if bias is not None else 0.0
            for k, d in inputs:
                kernel = insert_zeros(weight[p, k], *dilation)
                z = z + cross_correlate(pad(a[b, d], ph, ph, pw, pw), kernel, stride)
            if out is None:
                out = np.zeros((n, c_out) + z.shape)
            out[b, p] = z
    return out


def conv2d_input_grad(delta, weight, input_shape, stride=1, padding=0, dilation=1, groups=1):
    """Rule 1: ``δ^{(l-1,d)} = crop_P( Σ_p rot180(W^{(p,d)}) ⊗̃ insert_zeros(δ^{(p)}, S) )``.

    The full (wide) cross-correlation pads the zero-inserted δ with K-1 zeros
    on each side. When the stride left rows of the padded input unread, the
    result is short of them; they get zero gradient.
    """
    stride, (ph, pw), dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, c_in, h, w = input_shape
    c_out = weight.shape[0]
    grad = np.zeros(input_shape)
    for b in range(n):
        for d in range(c_in):
            total = np.zeros((h + 2 * ph, w + 2 * pw))          # δ of the padded input
            for p, inputs in enumerate(_groups_of(c_out, c_in, groups)):
                for k, reads in inputs:
                    if reads != d:
                        continue
                    kernel = rot180(insert_zeros(weight[p, k], *dilation))
                    k_rows, k_cols = kernel.shape
                    spread = insert_zeros(delta[b, p], *stride)
                    full = cross_correlate(
                        pad(spread, k_rows - 1, k_rows - 1, k_cols - 1, k_cols - 1), kernel)
                    total[:full.shape[0], :full.shape[1]] += full
            grad[b, d] = total[ph:ph + h, pw:pw + w]                # crop P
    return grad


def conv2d_weight_grad(a, delta, weight_shape, stride=1, padding=0, dilation=1, groups=1):
    """Rule 2: ``∂L/∂W^{(p,d)} = pad_P(a^{(d)}) ⊗ insert_zeros(δ^{(p)}, S)``,
    i.e. ``∂L/∂w_{uv} = Σ_{m,n} δ_{mn} a_{mS+uD, nS+vD}``; with dilation D the
    kernel's taps are every D-th entry of that correlation."""
    stride, (ph, pw), dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, c_in = a.shape[:2]
    c_out, _, k_rows, k_cols = weight_shape
    grad = np.zeros(weight_shape)
    for b in range(n):
        for p, inputs in enumerate(_groups_of(c_out, c_in, groups)):
            spread = insert_zeros(delta[b, p], *stride)
            for k, d in inputs:
                full = cross_correlate(pad(a[b, d], ph, ph, pw, pw), spread)
                for u in range(k_rows):
                    for v in range(k_cols):
                        grad[p, k, u, v] += full[u * dilation[0], v * dilation[1]]
    return grad


def conv2d_bias_grad(delta):
    """Rule 3: ``∂L/∂b^{(p)} = Σ_{n,i,j} δ^{(p)}_{ij}``."""
    n, c_out, rows, cols = delta.shape
    grad = np.zeros(c_out)
    for b in range(n):
        for p in range(c_out):
            for i in range(rows):
                for j in range(cols):
                    grad[p] += delta[b, p, i, j]
    return grad


def conv_transpose2d(a, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution: rule 1 used forward, ``z = Mᵀ a + b``
    (weight (C_in, C_out/groups, kH, kW), as PyTorch)."""
    stride, padding_hw = _pair(stride), _pair(padding)
    dilation, output_padding = _pair(dilation), _pair(output_padding)
    n, _, h, w = a.shape
    sizes = tuple((size - 1) * s - 2 * p + d * (k - 1) + extra + 1 for size, s, p, d, k, extra in
                  zip((h, w), stride, padding_hw, dilation, weight.shape[2:], output_padding))
    z = conv2d_input_grad(a, weight, (n, weight.shape[1] * groups) + sizes, stride, padding_hw,
                          dilation, groups)
    if bias is not None:
        z = z + bias[None, :, None, None]
    return z


# --------------------------------------------------------------------------
# pooling layer
# --------------------------------------------------------------------------
def pool_output_size(size, kernel, stride, padding, dilation=1, ceil_mode=False):
    """PyTorch's rule: ``⌊(size + 2P - D(k-1) - 1 [+ S-1]) / S⌋ + 1``; with
    ``ceil_mode`` a last window starting beyond the input and left padding is dropped.

    >>> pool_output_size(5, 2, 2, 0), pool_output_size(5, 2, 2, 0, ceil_mode=True)
    (2, 3)
    """
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def max_pool2d(a, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max pooling; returns the output and, for every output entry, the
    recorded (row, col) of its maximum in the unpadded input. Window (i, j)
    reads rows ``i·S + u·D - P``; only the taps inside the input are scanned
    (padding is never selected), in row-major order, keeping a new value when
    ``value > best`` (so ties keep the first) or when it is NaN (so a NaN
    window records its last NaN) — PyTorch's scan."""
    (kh, kw) = _pair(kernel_size)
    (sh, sw) = _pair(stride if stride is not None else kernel_size)
    (ph, pw) = _pair(padding)
    (dh, dw) = _pair(dilation)
    n, c, h, w = a.shape
    h_out = pool_output_size(h, kh, sh, ph, dh, ceil_mode)
    w_out = pool_output_size(w, kw, sw, pw, dw, ceil_mode)
    out = np.zeros((n, c, h_out, w_out))
    where = np.zeros((n, c, h_out, w_out, 2), dtype=int)
    for b in range(n):
        for d in range(c):
            for i in range(h_out):
                for j in range(w_out):
                    best, best_at = -np.inf, None
                    for u in range(kh):
                        for v in range(kw):
                            row, col = i * sh + u * dh - ph, j * sw + v * dw - pw
                            if not (0 <= row < h and 0 <= col < w):
                                continue                       # padding: never the maximum
                            value = a[b, d, row, col]
                            if best_at is None or value > best or np.isnan(value):
                                best, best_at = value, (row, col)
                    out[b, d, i, j] = best
                    where[b, d, i, j] = best_at
    return out, where


def max_pool2d_backward(delta, where, input_shape):
    """δ goes to the recorded position of each window's maximum; every other
    position gets 0 (overlapping windows add up)."""
    grad = np.zeros(input_shape)
    n, c, h_out, w_out = delta.shape
    for b in range(n):
        for d in range(c):
            for i in range(h_out):
                for j in range(w_out):
                    row, col = where[b, d, i, j]
                    grad[b, d, row, col] += delta[b, d, i, j]
    return grad


def _avg_divisor(i, j, kh, kw, sh, sw, ph, pw, h, w, count_include_pad):
    """n_{ij} as PyTorch counts it: the window's rows × columns inside the
    padded input (a ceil_mode window can overhang it), or inside the input
    alone without ``count_include_pad``."""
    low_h, high_h = (0, h) if not count_include_pad else (-ph, h + ph)
    low_w, high_w = (0, w) if not count_include_pad else (-pw, w + pw)
    rows = sum(1 for u in range(kh) if low_h <= i * sh + u - ph < high_h)
    cols = sum(1 for v in range(kw) if low_w <= j * sw + v - pw < high_w)
    return rows * cols


def avg_pool2d(a, kernel_size, stride=None, padding=0, count_include_pad=True, ceil_mode=False,
               divisor_override=None):
    """Average pooling over zero-padded windows: the window's sum divided by
    ``divisor_override``, else by its size inside the padded input (k·k but
    for ceil_mode windows), or by its real (non-pad) entries when
    ``count_include_pad=False``."""
    (kh, kw) = _pair(kernel_size)
    (sh, sw) = _pair(stride if stride is not None else kernel_size)
    (ph, pw) = _pair(padding)
    n, c, h, w = a.shape
    h_out = pool_output_size(h, kh, sh, ph, 1, ceil_mode)
    w_out = pool_output_size(w, kw, sw, pw, 1, ceil_mode)
    out = np.zeros((n, c, h_out, w_out))
    for b in range(n):
        for d in range(c):
            for i in range(h_out):
                for j in range(w_out):
                    total = 0.0
                    for u in range(kh):
                        for v in range(kw):
                            row, col = i * sh + u - ph, j * sw + v - pw
                            if 0 <= row < h and 0 <= col < w:   # padding adds 0
                                total += a[b, d, row, col]
                    divisor = divisor_override or _avg_divisor(i, j, kh, kw, sh, sw, ph, pw, h,
                                                               w, count_include_pad)
                    out[b, d, i, j] = total / divisor
    return out


def avg_pool2d_backward(delta, input_shape, kernel_size, stride=None, padding=0,
                        count_include_pad=True, divisor_override=None):
    """δ is spread evenly: δ/n_{ij} to every real position of window (i, j).

    >>> avg_pool2d_backward(np.array([[[[2., 8.], [4., 6.]]]]), (1, 1, 4, 4), 2)[0, 0]
    array([[0.5, 0.5, 2. , 2. ],
           [0.5, 0.5, 2. , 2. ],
           [1. , 1. , 1.5, 1.5],
           [1. , 1. , 1.5, 1.5]])
    """
    (kh, kw) = _pair(kernel_size)
    (sh, sw) = _pair(stride if stride is not None else kernel_size)
    (ph, pw) = _pair(padding)
    n, c, h, w = input_shape
    grad = np.zeros(input_shape)
    for b in range(n):
        for d in range(c):
            for i in range(delta.shape[2]):
                for j in range(delta.shape[3]):
                    divisor = divisor_override or _avg_divisor(i, j, kh, kw, sh, sw, ph, pw, h,
                                                               w, count_include_pad)
                    for u in range(kh):
                        for v in range(kw):
                            row, col = i * sh + u - ph, j * sw + v - pw
                            if 0 <= row < h and 0 <= col < w:
                                grad[b, d, row, col] += delta[b, d, i, j] / divisor
    return grad
