"""Convolution layers: `Conv2d` (z = W ⊗ a + b) and `ConvTranspose2d` (z = Mᵀ a + b)."""
from .. import functional as F
from ._utils import _empty_parameter, _float_dtype, _pair, _reset_weight_and_bias
from .module import Module


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, transposed, output_padding, dtype):
        super().__init__()
        dtype = _float_dtype(dtype)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError(f"in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups != 0:
            raise ValueError(f"out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride, "stride")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "'valid', 'same'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _pair(padding, "padding")
        self.dilation = _pair(dilation, "dilation")
        self.transposed = transposed
        self.output_padding = _pair(output_padding, "output_padding")
        self.groups = groups
        self.padding_mode = "zeros"
        if transposed:     # (C_in, C_out / groups, K, K), PyTorch's layout
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:              # (C_out, C_in / groups, K, K)
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = _empty_parameter(shape, dtype)
        if bias:
            self.bias = _empty_parameter((out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
                f", stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation): z^(p) = Σ_d W^(p,d) ⊗ a^(d) + b^(p).

    Shape:
        input (N, C_in, H, W) → output (N, C_out, H_out, W_out) with
        H_out = ⌊(H + 2P - D·(K-1) - 1) / S⌋ + 1;
        weight (C_out, C_in / groups, K, K), bias (C_out,).

    ``padding`` may be an int, a pair, ``'valid'`` (no padding) or ``'same'``
    (output as large as the input; stride 1 only; an odd total padding puts
    the extra row/column at the bottom/right, as PyTorch does).
    ``padding_mode``: ``'zeros'``, or ``'reflect'``, ``'replicate'``,
    ``'circular'`` — then the input goes through ``F.pad(mode=…)`` first (its
    own graph node) and the convolution itself pads nothing, as in PyTorch.
    Input may be unbatched (C_in, H, W).

    >>> import tinygrad_cnn as tg
    >>> conv = Conv2d(6, 16, 5)
    >>> conv.weight.shape, conv(tg.zeros(2, 6, 14, 14)).shape
    ((16, 6, 5, 5), (2, 16, 10, 10))
    >>> Conv2d(1, 1, 4, padding="same")(tg.zeros(1, 1, 7, 7)).shape
    (1, 1, 7, 7)
    >>> Conv2d(1, 1, 3, padding=1, padding_mode="reflect")
    Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", dtype=None):
        modes = ("zeros", "reflect", "replicate", "circular")
        if padding_mode not in modes:
            raise ValueError(f"Conv2d: padding_mode must be one of {modes}, got "
                             f"{padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, False, 0, dtype)
        self.padding_mode = padding_mode

    def _mode_pads(self):
        """F.pad's (left, right, top, bottom) for this layer's padding."""
        if self.padding == "valid":
            return (0, 0, 0, 0)
        if self.padding == "same":       # total D(K-1), the odd one at the bottom/right
            (total_h, total_w) = ((k - 1) * d for k, d in zip(self.kernel_size, self.dilation))
            return (total_w // 2, total_w - total_w // 2, total_h // 2, total_h - total_h // 2)
        (ph, pw) = self.padding
        return (pw, pw, ph, ph)

    def forward(self, input):
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._mode_pads(), mode=self.padding_mode)
            return F.conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution: the forward use of Mᵀ, the backward of a Conv2d
    (it maps δ^l's shape back to a^{l-1}'s).

    Shape:
        input (N, C_in, H, W) → output (N, C_out, H_out, W_out) with
        H_out = (H - 1)·S - 2P + D·(K-1) + output_padding + 1;
        weight (C_in, C_out / groups, K, K), bias (C_out,).

    >>> import tinygrad_cnn as tg
    >>> up = ConvTranspose2d(16, 6, 2, stride=2)
    >>> up.weight.shape, up(tg.zeros(1, 16, 5, 5)).shape
    ((16, 6, 2, 2), (1, 6, 10, 10))
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported (as in "
                             f"PyTorch), got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError("ConvTranspose2d: padding must be an int or a pair of ints")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, True, output_padding, dtype)

    def forward(self, input):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
