"""Resampling: `interpolate` (nearest, bilinear); the ops are in `nn.upsample_ops`."""
import math

from ..._errors import DTypeError, ShapeError, describe
from ..upsample_ops import UpsampleBilinear, UpsampleNearest

MODES = ("nearest", "bilinear")


def _per_dim(op, name, value, dims, context):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if len(values) != dims:
        raise ValueError(f"{op}: {name} must be one number or {dims}, got {value!r}{context}")
    return values


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
    """Resample the spatial dims to ``size`` or by ``scale_factor`` (give one).

    * ``'nearest'``: output p copies input ``min(⌊p·s⌋, n-1)``, s = n/m, or
      ``1/scale_factor`` when that was given (PyTorch's rule, in float32);
      (N, C, H, W) or (N, C, W) input;
    * ``'bilinear'``: each output is the bilinear blend of the 2×2 input
      pixels around its source point; ``align_corners=True`` maps the corner
      pixels onto each other, False (the default) the pixel centres.

    ``recompute_scale_factor=True`` derives s from the sizes instead of
    ``scale_factor``. Backward sends δ back with the same weights (adjoint).

    Shape:
        input: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = size`` or
        ``⌊H · scale_factor⌋``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.interpolate(tg.tensor([[[[1.0, 2.0]]]]), scale_factor=2)
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    >>> F.interpolate(tg.tensor([[[[1.0, 2.0]]]]), size=(1, 4), mode="bilinear")
    tensor([[[[1.0000, 1.2500, 1.7500, 2.0000]]]])
    """
    op = f"interpolate(mode={mode!r})"
    if mode not in MODES:
        raise NotImplementedError(f"interpolate: mode must be one of {MODES}, got {mode!r}; "
                                  f"input {describe(input)}")
    dims = 2 if mode == "bilinear" else input.ndim - 2
    if mode == "bilinear" and input.ndim != 4 or input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 4-D (N, C, H, W) input"
                         f"{' or a 3-D (N, C, W) one' if mode == 'nearest' else ''}, "
                         f"got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    context = f"; input {describe(input)}"
    if align_corners is not None and mode == "nearest":
        raise ValueError(f"{op}: align_corners can only be set with the interpolating mode "
                         f"'bilinear'{context}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor{context}")
    in_sizes = input.shape[-dims:]
    if size is not None:
        out_sizes = tuple(int(s) for s in _per_dim(op, "size", size, dims, context))
        scales = (None,) * dims
    else:
        factors = tuple(float(f) for f in _per_dim(op, "scale_factor", scale_factor, dims,
                                                   context))
        out_sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
        scales = (None,) * dims if recompute_scale_factor else tuple(1.0 / f for f in factors)
    if min(in_sizes) < 1 or min(out_sizes) < 1:
        raise ShapeError(f"{op}: input and output sizes must be > 0, got input {in_sizes} and "
                         f"output {out_sizes}{context}")
    if mode == "nearest":
        return UpsampleNearest.apply(input, output_size=out_sizes, scales=scales)
    return UpsampleBilinear.apply(input, output_size=out_sizes, scales=scales,
                                  align_corners=bool(align_corners))
