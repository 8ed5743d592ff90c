"""im2col / col2im layers: `Unfold` and `Fold` (no parameters)."""
from .. import functional as F
from .module import Module


class Unfold(Module):
    """Every K×K window of the padded input as a column (im2col).

    Shape: (N, C, H, W) → (N, C·K·K, L), L the number of windows.

    >>> import tinygrad_cnn as tg
    >>> unfold = Unfold(kernel_size=2, stride=2)
    >>> unfold
    Unfold(kernel_size=2, dilation=1, padding=0, stride=2)
    >>> unfold(tg.zeros(1, 3, 4, 4)).shape
    (1, 12, 4)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns back into an image (col2im), overlapping entries added.

    Shape: (N, C·K·K, L) → (N, C, H, W), ``output_size = (H, W)``.

    >>> import tinygrad_cnn as tg
    >>> fold = Fold(output_size=(4, 4), kernel_size=2, stride=2)
    >>> fold
    Fold(output_size=(4, 4), kernel_size=2, dilation=1, padding=0, stride=2)
    >>> fold(tg.zeros(1, 12, 4)).shape
    (1, 3, 4, 4)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
