"""Up- and down-sampling by interpolation: nearest and bilinear.

Both are separable: each spatial axis is resampled on its own. Output
position p along an axis of input size n and output size m reads

* nearest:  ``r(p) = min(⌊p · s⌋, n - 1)``, with the scale ``s = n / m`` (or
  ``1 / scale_factor`` when the caller gave one), computed in float32 as
  PyTorch does, so the same source index is picked (and, as there, the
  identity when m = n, ``⌊p/2⌋`` when m = 2n);
* bilinear (linear along each axis): the source coordinate
  ``x(p) = p · (n-1)/(m-1)`` with ``align_corners=True`` (corner pixels
  aligned), else ``x(p) = max((p + ½) · s - ½, 0)`` (pixel centres aligned);
  then ``i₀ = ⌊x⌋``, ``i₁ = min(i₀ + 1, n - 1)``, ``λ = x - i₀`` and
  ``z_p = (1 - λ) a_{i₀} + λ a_{i₁}``.

Both are linear in a, so backward is the adjoint, a scatter-add:
``δ^{l-1}_{i} = Σ_p w_{p,i} δ_p`` with the weights each output took from
input i (1 for nearest, 1-λ and λ for bilinear).
"""
import numpy as np

from ..function import Function


def nearest_source(size, out, scale):
    """``r(p) = min(⌊p · s⌋, n - 1)`` in float32 (``scale`` = s, or None for n / m);
    as in PyTorch, ``r(p) = p`` when m = n and ``⌊p/2⌋`` when m = 2n.

    >>> nearest_source(3, 5, None)
    array([0, 0, 1, 1, 2])
    """
    if out == size:                  # PyTorch's shortcuts, whatever the scale factor said
        return np.arange(out)
    if out == 2 * size:
        return np.arange(out) // 2
    s = np.float32(size) / np.float32(out) if scale is None else np.float32(scale)
    positions = np.arange(out, dtype=np.float32)
    return np.minimum(np.floor(positions * s).astype(np.int64), size - 1)


def linear_source(size, out, scale, align_corners, dtype):
    """``(i₀, i₁, λ)`` for every output position of one axis (see the module docstring).

    >>> linear_source(2, 4, None, False, np.float64)      # x = 0, 0.25, 0.75, 1.25
    (array([0, 0, 0, 1]), array([1, 1, 1, 1]), array([0.  , 0.25, 0.75, 0.25]))
    """
    positions = np.arange(out, dtype=dtype)
    if align_corners:
        step = (size - 1) / (out - 1) if out > 1 else 0.0
        x = positions * dtype(step)
    else:                            # an axis whose size is kept is kept as is, as in PyTorch
        s = dtype(size / out) if scale is None or out == size else dtype(scale)
        x = np.maximum((positions + dtype(0.5)) * s - dtype(0.5), 0)
    low = np.minimum(np.floor(x).astype(np.int64), size - 1)
    high = np.minimum(low + 1, size - 1)
    return low, high, (x - low).astype(dtype)


def _gather(a, axis, index):
    return np.take(a, index, axis=axis)


def _scatter_add(delta, axis, index, size):
    """The adjoint of `_gather`: add δ's slices back at ``index`` along ``axis``."""
    moved = np.moveaxis(delta, axis, 0)
    out = np.zeros((size,) + moved.shape[1:], dtype=delta.dtype)
    np.add.at(out, index, moved)
    return np.moveaxis(out, 0, axis)


def _along(weights, axis, ndim):
    """Weights of one axis shaped to broadcast along ``axis`` of an ndim array."""
    shape = [1] * ndim
    shape[axis] = -1
    return weights.reshape(shape)


class UpsampleNearest(Function):
    """``z[…, p, q] = a[…, r_H(p), r_W(q)]``, ``r(p) = min(⌊p·s⌋, n-1)``.

    Backward: ``δ^{l-1}[…, i, j] = Σ_{p,q: r_H(p)=i, r_W(q)=j} δ[…, p, q]`` — an
    input entry copied k times gets the sum of those k δs (for an integer
    factor f, ``up(δ)``'s adjoint: the f×f block sums).

    Shape:
        a: (N, C, H, W) → z: (N, C, H_out, W_out) (or (N, C, W) → (N, C, W_out)).
    """

    name = "upsample_nearest"

    @staticmethod
    def forward(ctx, a, *, output_size, scales):
        ctx.maps = []
        z = a
        for axis, out, scale in zip(range(a.ndim - len(output_size), a.ndim), output_size, scales):
            index = nearest_source(a.shape[axis], out, scale)
            ctx.maps.append((axis, index, a.shape[axis]))
            z = _gather(z, axis, index)
        return z

    @staticmethod
    def backward(ctx, delta):
        for axis, index, size in reversed(ctx.maps):
            delta = _scatter_add(delta, axis, index, size)
        return delta


class UpsampleBilinear(Function):
    """``z_p = (1 - λ_p) a_{i₀(p)} + λ_p a_{i₁(p)}`` along H, then along W.

    Backward, per axis in reverse: z is linear in a, so
    ``δ^{l-1}_i = Σ_{p: i₀(p)=i} (1 - λ_p) δ_p + Σ_{p: i₁(p)=i} λ_p δ_p``.

    Shape:
        a: (N, C, H, W) → z: (N, C, H_out, W_out).
    """

    name = "upsample_bilinear2d"

    @staticmethod
    def forward(ctx, a, *, output_size, scales, align_corners):
        ctx.maps = []
        z = a
        for axis, out, scale in zip((2, 3), output_size, scales):
            low, high, lam = linear_source(a.shape[axis], out, scale, align_corners, a.dtype.type)
            ctx.maps.append((axis, low, high, lam, a.shape[axis]))
            lam = _along(lam, axis, a.ndim)
            with np.errstate(invalid="ignore"):          # 0·inf = NaN, as in PyTorch
                z = (1 - lam) * _gather(z, axis, low) + lam * _gather(z, axis, high)
        return z

    @staticmethod
    def backward(ctx, delta):
        for axis, low, high, lam, size in reversed(ctx.maps):
            lam = _along(lam, axis, delta.ndim)
            delta = (_scatter_add((1 - lam) * delta, axis, low, size)
                     + _scatter_add(lam * delta, axis, high, size))
        return delta
