"""Convolution arithmetic, written out for reading (exercises 5-2, 5-5, 5-7, 5-8).

Everything here works on plain 2-D NumPy arrays, one channel, and is meant to
be read next to docs/derivations.md:

* `rot180`, `cross_correlate` (``W ⊗ X``, narrow), `cross_correlate_full`
  (``W ⊗̃ X``, wide) and `conv_full` (true wide convolution, kernel flipped);
* `conv_as_matrix`: the convolution as one sparse, weight-shared matrix M with
  ``z = M · vec(X)``; its transpose carries δ back, ``δ^{l-1} = Mᵀ · vec(δ^l)``
  (`conv_transpose_as_matrix`);
* `conv_output_size` and `same_padding`: the size arithmetic
  ``H_out = ⌊(H + 2P − D(K−1) − 1) / S⌋ + 1``.

Shapes: a kernel W is U×V, an input X is M×N (rows × columns); ``vec`` unrolls
row by row (C order), as the textbook does.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._errors import ShapeError, describe


def _as_2d(op, name, value):
    array = np.asarray(value)                       # a Tensor converts through __array__
    if array.ndim != 2:
        raise ShapeError(f"{op}: {name} must be a 2-D array (rows, columns), "
                         f"got {describe(array)}")
    return array


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


# --------------------------------------------------------------------------
# rot180, narrow and wide cross-correlation, true convolution
# --------------------------------------------------------------------------
def rot180(kernel):
    """Flip the last two axes: ``rot180(W)_{u,v} = W_{U-1-u, V-1-v}``.

    >>> rot180(np.array([[1, 2], [3, 4]]))
    array([[4, 3],
           [2, 1]])
    """
    return np.flip(np.asarray(kernel), axis=(-2, -1)).copy()


def cross_correlate(kernel, x):
    """Narrow cross-correlation ``Y = W ⊗ X`` (what a CNN calls convolution).

    ``y_{ij} = Σ_u Σ_v w_{uv} · x_{i+u, j+v}`` (0-based), output
    (M−U+1)×(N−V+1). The argument order follows the notation: kernel first.

    >>> cross_correlate(np.array([[1, 0], [0, 1]]), np.arange(9).reshape(3, 3))
    array([[ 4,  6],
           [10, 12]])
    """
    kernel = _as_2d("cross_correlate", "kernel", kernel)
    x = _as_2d("cross_correlate", "x", x)
    if kernel.shape[0] > x.shape[0] or kernel.shape[1] > x.shape[1]:
        raise ShapeError(f"cross_correlate: a narrow cross-correlation needs the kernel to fit "
                         f"inside the input, got kernel {describe(kernel)} and x {describe(x)}; "
                         "use cross_correlate_full for the wide one")
    windows = sliding_window_view(x, kernel.shape)            # (M-U+1, N-V+1, U, V)
    return np.einsum("ijuv,uv->ij", windows, kernel)


def cross_correlate_full(kernel, x):
    """Wide cross-correlation ``W ⊗̃ X``: pad X with U−1 rows and V−1 columns of
    zeros on each side, then cross-correlate. Output (M+U−1)×(N+V−1).

    Back-propagation uses it as ``δ^{l-1} = rot180(W) ⊗̃ δ^l``:

    >>> w = np.array([[1, 2], [3, 4]])
    >>> cross_correlate_full(rot180(w), np.ones((2, 2), dtype=int))
    array([[ 1,  3,  2],
           [ 4, 10,  6],
           [ 3,  7,  4]])
    """
    kernel = _as_2d("cross_correlate_full", "kernel", kernel)
    x = _as_2d("cross_correlate_full", "x", x)
    u, v = kernel.shape
    padded = np.pad(x, ((u - 1, u - 1), (v - 1, v - 1)))
    return cross_correlate(kernel, padded)


def conv_full(a, b):
    """True wide convolution ``a ∗̃ b`` (the kernel b is flipped), output
    (M+U−1)×(N+V−1); ``conv_full(a, b) = rot180(b) ⊗̃ a``. It commutes:
    ``conv_full(a, b) == conv_full(b, a)`` (exercise 5-2).

    >>> conv_full(np.array([[1, 2, 3]]), np.array([[0, 1, 0.5]]))
    array([[0. , 1. , 2.5, 4. , 1.5]])
    """
    a = _as_2d("conv_full", "a", a)
    b = _as_2d("conv_full", "b", b)
    return cross_correlate_full(rot180(b), a)


# --------------------------------------------------------------------------
# convolution as a matrix (exercises 5-5 and 5-7)
# --------------------------------------------------------------------------
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """``⌊(H + 2P − D(K−1) − 1) / S⌋ + 1``, PyTorch's formula for one axis.

    >>> conv_output_size(28, 5), conv_output_size(28, 5, padding=2)
    (24, 28)
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    """
    span = dilation * (kernel_size - 1) + 1             # effective kernel size K + (K-1)(D-1)
    out = (size + 2 * padding - span) // stride + 1
    if out < 1:
        raise ShapeError(f"conv_output_size: input size {size} with padding {padding} is smaller "
                         f"than the effective kernel size {span} (K={kernel_size}, D={dilation})")
    return out


def conv_as_matrix(weight2d, input_hw, stride=1, padding=0, dilation=1):
    """The matrix M of the convolution ``z = M · vec(X)`` (exercise 5-5).

    Row r of M belongs to output pixel r (row-major), column c to input pixel c
    of the *unpadded* input (row-major): the zeros of the padding contribute
    nothing, so their columns are simply left out. Entry (r, c) is the weight
    w_{uv} that multiplies x_c when computing z_r, or 0. Each row holds the same
    U·V weights, shifted: the sparsity is local connectivity, the repetition
    is weight sharing.

    Back-propagation through the layer is the transpose (exercise 5-7):
    ``vec(δ^{l-1}) = Mᵀ · vec(δ^l)``, which is exactly ``rot180(W) ⊗̃ δ^l``.

    Shape: weight2d (U, V); input_hw (H, W); M (H_out·W_out, H·W).

    Weights 11, 12, 21, 22 stand for w11, w12, w21, w22:

    >>> conv_as_matrix(np.array([[11, 12], [21, 22]]), (3, 3))
    array([[11, 12,  0, 21, 22,  0,  0,  0,  0],
           [ 0, 11, 12,  0, 21, 22,  0,  0,  0],
           [ 0,  0,  0, 11, 12,  0, 21, 22,  0],
           [ 0,  0,  0,  0, 11, 12,  0, 21, 22]])
    """
    weight = _as_2d("conv_as_matrix", "weight2d", weight2d)
    height, width = input_hw
    (stride_h, stride_w), (pad_h, pad_w), (dil_h, dil_w) = map(_pair, (stride, padding, dilation))
    kernel_h, kernel_w = weight.shape
    out_h = conv_output_size(height, kernel_h, stride_h, pad_h, dil_h)
    out_w = conv_output_size(width, kernel_w, stride_w, pad_w, dil_w)

    matrix = np.zeros((out_h * out_w, height * width), dtype=weight.dtype)
    for i in range(out_h):
        for j in range(out_w):
            for u in range(kernel_h):
                for v in range(kernel_w):
                    # z_ij reads x at (i·S + u·D − P, j·S + v·D − P) of the unpadded input
                    row = i * stride_h + u * dil_h - pad_h
                    col = j * stride_w + v * dil_w - pad_w
                    if 0 <= row < height and 0 <= col < width:
                        matrix[i * out_w + j, row * width + col] += weight[u, v]
    return matrix


def conv_transpose_as_matrix(weight2d, input_hw, stride=1, padding=0, dilation=1):
    """Mᵀ: maps the output pixels of `conv_as_matrix` back to input pixels.

    Used backward it carries δ (``vec(δ^{l-1}) = Mᵀ vec(δ^l)``); used forward
    it is a transposed convolution, which up-samples (H_out, W_out) → (H, W).

    >>> conv_transpose_as_matrix(np.ones((2, 2)), (3, 3)) @ np.ones(4)
    array([1., 2., 1., 2., 4., 2., 1., 2., 1.])
    """
    return conv_as_matrix(weight2d, input_hw, stride, padding, dilation).T


# --------------------------------------------------------------------------
# same padding (exercise 5-8)
# --------------------------------------------------------------------------
def same_padding(kernel_size, dilation=1):
    """The padding P that keeps the size at stride 1: ``P = (K−1)·D / 2``.

    From ``(H + 2P) − (K + (K−1)(D−1)) + 1 = H``. A tuple kernel_size gives
    a tuple. Raises ValueError when (K−1)·D is odd: no symmetric padding
    keeps the size then.

    >>> same_padding(3), same_padding(5), same_padding(3, dilation=2), same_padding((3, 5))
    (1, 2, 2, (1, 2))
    """
    if isinstance(kernel_size, (tuple, list)):
        dilations = _pair(dilation)
        return tuple(same_padding(k, d) for k, d in zip(kernel_size, dilations))
    if kernel_size < 1 or dilation < 1:
        raise ValueError(f"same_padding: kernel_size and dilation must be ≥ 1, "
                         f"got kernel_size={kernel_size}, dilation={dilation}")
    total = (kernel_size - 1) * dilation                # 2P must equal (K-1)·D
    if total % 2:
        raise ValueError(
            f"same_padding: kernel_size={kernel_size}, dilation={dilation} gives "
            f"(K-1)·D = {total}, which is odd, so no symmetric padding P keeps the size "
            f"(it would need 2P = {total}). PyTorch's padding='same' then pads "
            f"{total // 2} on the left/top and {total - total // 2} on the right/bottom: "
            "one more on the right (and bottom).")
    return total // 2
