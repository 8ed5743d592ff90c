"""Resampling layer: `Upsample`, one call to `nn.functional.interpolate`."""
from .. import functional as F
from .module import Module


class Upsample(Module):
    """Resamples (N, C, H, W) to ``size`` or by ``scale_factor``, ``mode``
    ``'nearest'`` (copy the nearest pixel) or ``'bilinear'``.

    Shape: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = size`` or ``⌊H · scale_factor⌋``.

    >>> import tinygrad_cnn as tg
    >>> up = Upsample(scale_factor=2)
    >>> up
    Upsample(scale_factor=2.0, mode='nearest')
    >>> up(tg.zeros(1, 3, 4, 4)).shape
    (1, 3, 8, 8)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"
