"""Adaptive pooling: average and max over windows chosen to give a fixed output size.

Instead of a kernel and a stride, the caller asks for an output size
(H_out, W_out); output row i then summarises input rows

    R_i = [ ⌊i·H / H_out⌋ , ⌈(i+1)·H / H_out⌉ )

(columns likewise, C_j). When H_out divides H these are plain k×k windows
with k = S = H / H_out; otherwise the windows have uneven sizes and may
overlap by one row. These are PyTorch's windows, so outputs and gradients
match it entry for entry.

* adaptive average pooling is separable: ``z = A_H a A_Wᵀ`` with the
  averaging matrices ``A_H[i, r] = 1/|R_i|`` for r ∈ R_i (0 elsewhere), and
  its backward is the transpose, ``δ^{l-1} = A_Hᵀ δ A_W`` — each product is
  one loop over the windows of one axis;
* adaptive max pooling records, per window, the flat index ``r·W + c`` of
  its maximum in the input plane; backward adds δ there (windows that
  overlap add up).

Both accept a batch (N, C, H, W) or one image (C, H, W).
"""
import numpy as np

from .._errors import DTypeError, ShapeError, describe
from ..function import Function


def adaptive_output_size(op, input, output_size):
    """Check the input and normalise ``output_size`` (int, pair, ``None`` =
    keep that input dim) to a pair of ints."""
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    if any(size == 0 for size in input.shape[-3:]):
        raise ShapeError(f"{op}: expected non-zero C, H and W (only the batch may be empty), "
                         f"got input {describe(input)}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2 or not all(s is None or isinstance(s, (int, np.integer)) for s in sizes):
        raise ValueError(f"{op}: output_size must be an int, None or a pair of them, got "
                         f"{output_size!r}; input {describe(input)}")
    sizes = tuple(int(dim if s is None else s) for s, dim in zip(sizes, input.shape[-2:]))
    if min(sizes) < 0:
        raise ValueError(f"{op}: output_size must be >= 0, got {sizes}; input {describe(input)}")
    return sizes


def adaptive_windows(size, out):
    """The windows ``[start_i, end_i)`` of one dim: ``start = ⌊i·size/out⌋``,
    ``end = ⌈(i+1)·size/out⌉``.

    >>> adaptive_windows(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    """
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def average_windows(a, axis, windows):
    """``A a`` along one axis: entry i of the result is the mean of a over
    window i, ``(1/|R_i|) Σ_{r∈R_i} a_r`` (sums over slices, so a NaN or inf
    stays inside the windows that hold it)."""
    a = np.moveaxis(a, axis, -1)
    out = np.empty(a.shape[:-1] + (len(windows),), dtype=a.dtype)
    with np.errstate(invalid="ignore"):                  # inf + (-inf) = NaN, as PyTorch
        for i, (start, end) in enumerate(windows):
            out[..., i] = a[..., start:end].sum(axis=-1) / (end - start)
    return np.moveaxis(out, -1, axis)


def spread_windows(delta, axis, windows, size):
    """``Aᵀ δ`` along one axis, the adjoint of `average_windows`: every entry
    of window i receives ``δ_i / |R_i|``; overlapping windows add."""
    delta = np.moveaxis(delta, axis, -1)
    out = np.zeros(delta.shape[:-1] + (size,), dtype=delta.dtype)
    for i, (start, end) in enumerate(windows):
        out[..., start:end] += (delta[..., i] / (end - start))[..., None]
    return np.moveaxis(out, -1, axis)


class AdaptiveAvgPool2d(Function):
    """``z_{ij} = (1 / |R_i||C_j|) Σ_{r∈R_i} Σ_{c∈C_j} a_{rc} = (A_H a A_Wᵀ)_{ij}``
    with the averaging matrices ``A_H[i, r] = 1/|R_i|`` for r ∈ R_i, else 0.

    Backward: z is linear in a, ``z = A_H a A_Wᵀ``, so ``δ^{l-1} = A_Hᵀ δ A_W``:
    every input entry receives ``δ_{ij} / (|R_i||C_j|)`` from each window
    (i, j) that contains it. Both products are computed one axis at a time
    by slice sums (a matrix product would turn 0·inf into NaN).

    Shape:
        a: (N, C, H, W) or (C, H, W) → z: (N, C, H_out, W_out) or (C, H_out, W_out).
    """

    name = "adaptive_avg_pool2d"

    @staticmethod
    def forward(ctx, a, *, output_size):
        (h, w), (h_out, w_out) = a.shape[-2:], output_size
        rows, cols = adaptive_windows(h, h_out), adaptive_windows(w, w_out)
        ctx.geometry = (rows, cols, (h, w))
        z = average_windows(a, -2, rows)                          # A_H a: (…, H_out, W)
        return average_windows(z, -1, cols)                       # (A_H a) A_Wᵀ: (…, H_out, W_out)

    @staticmethod
    def backward(ctx, delta):
        rows, cols, (h, w) = ctx.geometry
        grad = spread_windows(delta, -1, cols, w)                 # δ A_W: (…, H_out, W)
        return spread_windows(grad, -2, rows, h)                  # A_Hᵀ (δ A_W): (…, H, W)


def adaptive_argmax(a, output_size):
    """The maximum of every adaptive window and its flat index ``r·W + c`` in
    the plane. Ties: the first maximum in row-major order; a window holding
    NaN: its maximum is NaN and the index is its last NaN (PyTorch's scan,
    ``if (val > max || isnan(val))``).

    Shape: a: (…, H, W) → z, indices: (…, H_out, W_out) (indices int64).
    """
    (h, w), (h_out, w_out) = a.shape[-2:], output_size
    z = np.empty(a.shape[:-2] + output_size, dtype=a.dtype)
    indices = np.empty(z.shape, dtype=np.int64)
    for i, (r0, r1) in enumerate(adaptive_windows(h, h_out)):
        for j, (c0, c1) in enumerate(adaptive_windows(w, w_out)):
            window = a[..., r0:r1, c0:c1].reshape(a.shape[:-2] + ((r1 - r0) * (c1 - c0),))
            best = np.argmax(window, axis=-1)             # first maximum (or first NaN)
            nan = np.isnan(window)
            last_nan = nan.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
            best = np.where(nan.any(axis=-1), last_nan, best)
            z[..., i, j] = np.take_along_axis(window, best[..., None], axis=-1)[..., 0]
            width = c1 - c0
            indices[..., i, j] = (r0 + best // width) * w + c0 + best % width
    return z, indices


def scatter_add_planes(values, indices, plane_shape):
    """``out[…, p] = Σ values[…, q]`` over the q with ``indices[…, q] = p``:
    each plane's values added at flat positions of an (H, W) plane.

    Shape: values, indices: (…, H_out, W_out) → (…, H, W).
    """
    lead, plane = values.shape[:-2], plane_shape[0] * plane_shape[1]
    planes = int(np.prod(lead))
    offsets = np.arange(planes).reshape(lead + (1, 1)) * plane + indices   # one flat index per value
    flat = np.bincount(offsets.ravel(), weights=values.ravel(), minlength=planes * plane)
    return flat.astype(values.dtype, copy=False).reshape(lead + tuple(plane_shape))


class AdaptiveMaxPool2d(Function):
    """``z_{ij} = max_{r∈R_i, c∈C_j} a_{rc}`` over PyTorch's adaptive windows.

    Backward: δ_{ij} goes to the recorded arg-max of window (i, j); windows
    that overlap (when H_out does not divide H) add. Ties go to the first
    maximum in row-major order, a window holding NaN routes δ to its (last)
    NaN, as PyTorch does.

    A `Function` returns one array: for ``return_indices`` the caller passes a
    list as ``indices_out`` and forward appends the indices to it.

    Shape:
        a: (N, C, H, W) or (C, H, W) → z, indices: (N, C, H_out, W_out) or
        (C, H_out, W_out); indices are flat positions ``r·W + c`` in each plane.
    """

    name = "adaptive_max_pool2d"

    @staticmethod
    def forward(ctx, a, *, output_size, indices_out=None):
        z, indices = adaptive_argmax(a, output_size)
        ctx.plane_shape = a.shape[-2:]
        ctx.save_for_backward(indices)
        if indices_out is not None:
            indices_out.append(indices)
        return z

    @staticmethod
    def backward(ctx, delta):
        (indices,) = ctx.saved_tensors
        return scatter_add_planes(delta, indices, ctx.plane_shape)
