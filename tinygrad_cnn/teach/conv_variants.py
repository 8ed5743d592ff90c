"""Narrow, wide and same convolution, in 1-D and 2-D (the chapter's §5.1, exercise 5-2).

The chapter defines convolution with the kernel flipped (a true convolution):
``y_t = Σ_k w_k · x_{t−k}`` (0-based), and names three sizes by how much zero
padding P is added on each side of an input of length M, kernel length K:

* narrow (窄卷积): P = 0, output M − K + 1;
* wide (宽卷积): P = K − 1, output M + K − 1;
* same (等宽卷积): P = (K − 1)/2, output M (K odd; for an even K the extra
  zero goes on the right, as PyTorch's ``padding='same'`` does).

With ``cross_correlation=True`` the kernel is not flipped: what a CNN layer
computes (``W ⊗ X``). Only the wide true convolution commutes,
``conv1d(x, w, "wide") == conv1d(w, x, "wide")`` (exercise 5-2).
"""
import numpy as np

from .._errors import ShapeError, describe
from .conv_matrix import cross_correlate

MODES = ("narrow", "wide", "same")


def _padding(mode, kernel):
    """(before, after) zeros for one axis of a kernel of length ``kernel``."""
    if mode == "narrow":
        return 0, 0
    if mode == "wide":
        return kernel - 1, kernel - 1
    if mode == "same":
        return (kernel - 1) // 2, kernel - 1 - (kernel - 1) // 2
    raise ValueError(f"conv: mode must be one of {MODES}, got {mode!r}")


def conv2d(x, w, mode="narrow", cross_correlation=False):
    """2-D narrow / wide / same convolution of a map ``x`` (M, N) with a kernel ``w`` (U, V).

    True convolution (kernel flipped) unless ``cross_correlation=True``.
    Output (M−U+1, N−V+1), (M+U−1, N+V−1) or (M, N).

    >>> x, w = np.arange(9.0).reshape(3, 3), np.array([[1.0, 0.0], [0.0, -1.0]])
    >>> conv2d(x, w)                                     # narrow: (3−2+1)×(3−2+1)
    array([[4., 4.],
           [4., 4.]])
    >>> conv2d(x, w, "wide").shape, conv2d(x, w, "same").shape
    ((4, 4), (3, 3))
    >>> bool(np.array_equal(conv2d(x, w, "wide"), conv2d(w, x, "wide")))   # exercise 5-2
    True
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 2 or w.ndim != 2:
        raise ShapeError(f"conv2d: x and w must be 2-D (rows, columns), got x {describe(x)}, "
                         f"w {describe(w)}")
    (top, bottom), (left, right) = _padding(mode, w.shape[0]), _padding(mode, w.shape[1])
    padded = np.pad(x, ((top, bottom), (left, right)))
    if padded.shape[0] < w.shape[0] or padded.shape[1] < w.shape[1]:
        raise ShapeError(f"conv2d: a {mode} convolution needs the kernel to fit in the padded "
                         f"input, got x {describe(x)} and w {describe(w)}; use mode='wide'")
    kernel = w if cross_correlation else np.flip(w, axis=(0, 1))
    return cross_correlate(kernel, padded)


def conv1d(x, w, mode="narrow", cross_correlation=False):
    """1-D narrow / wide / same convolution: ``y_t = Σ_k w_k x_{t−k}`` on the padded x.

    >>> x, w = [1.0, 2.0, 3.0, 4.0], [1.0, 0.0, -1.0]
    >>> conv1d(x, w), conv1d(x, w, "wide"), conv1d(x, w, "same")
    (array([2., 2.]), array([ 1.,  2.,  2.,  2., -3., -4.]), array([ 2.,  2.,  2., -3.]))
    >>> conv1d(x, w, cross_correlation=True)             # what a CNN computes: w not flipped
    array([-2., -2.])
    >>> bool(np.array_equal(conv1d(x, w, "wide"), np.convolve(x, w)))
    True
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 1 or w.ndim != 1:
        raise ShapeError(f"conv1d: x and w must be 1-D, got x {describe(x)}, w {describe(w)}")
    return conv2d(x[None], w[None], mode, cross_correlation)[0]
