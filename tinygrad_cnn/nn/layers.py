"""The layers of a CNN: thin, stateful wrappers over `tinygrad_cnn.nn.functional`.

Each class holds its parameters (W, b) and options, and its ``forward`` is one
call to the functional op that does the maths (and its backward). Names,
argument order, default initialisation, parameter shapes and reprs are
PyTorch's, so a model written for ``torch.nn`` reads the same here and their
state_dicts are interchangeable.

Shapes use N (batch), C (channels), H, W (height, width), K (kernel size),
S (stride), P (padding), D (dilation).

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn
>>> conv = nn.Conv2d(1, 6, 5, padding=2)
>>> conv
Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
>>> conv(tg.zeros(8, 1, 28, 28)).shape
(8, 6, 28, 28)
"""
import math

import numpy as np

from .._errors import ShapeError, describe
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter


def _pair(value, name="kernel_size"):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _float_dtype(dtype):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"layers hold floating-point parameters; got dtype={dtype}")
    return dtype


def _empty_parameter(shape, dtype):
    return Parameter(np.empty(shape, dtype=dtype))


def _reset_weight_and_bias(weight, bias):
    """PyTorch's default: W ~ U(-1/√fan_in, 1/√fan_in) via kaiming_uniform_(a=√5)
    (gain √(2/(1+5)) · √(3/fan_in) = 1/√fan_in), and b ~ U(-1/√fan_in, 1/√fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


# ----------------------------------------------------------------------------- linear
class Linear(Module):
    """Fully connected layer: z = a Wᵀ + b.

    Shape:
        input (N, *, in_features) → output (N, *, out_features);
        weight (out_features, in_features), bias (out_features,).

    >>> import tinygrad_cnn as tg
    >>> fc = Linear(400, 120)
    >>> fc.weight.shape, fc(tg.zeros(64, 400)).shape
    ((120, 400), (64, 120))
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        dtype = _float_dtype(dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _empty_parameter((out_features, in_features), dtype)
        if bias:
            self.bias = _empty_parameter((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


# ----------------------------------------------------------------------------- convolution
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

    >>> import tinygrad_cnn as tg
    >>> conv = Conv2d(6, 16, 5)
    >>> conv.weight.shape, conv(tg.zeros(2, 6, 14, 14)).shape
    ((16, 6, 5, 5), (2, 16, 10, 10))
    >>> Conv2d(1, 1, 4, padding="same")(tg.zeros(1, 1, 7, 7)).shape
    (1, 1, 7, 7)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", dtype=None):
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: padding_mode={padding_mode!r} is not supported "
                                      "(only 'zeros')")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, False, 0, dtype)

    def forward(self, input):
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
            raise NotImplementedError(f"ConvTranspose2d: padding_mode={padding_mode!r} is not "
                                      "supported (only 'zeros')")
        if isinstance(padding, str):
            raise ValueError("ConvTranspose2d: padding must be an int or a pair of ints")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, True, output_padding, dtype)

    def forward(self, input):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


# ----------------------------------------------------------------------------- pooling
class MaxPool2d(Module):
    """Max pooling: each K×K window → its maximum; δ goes back to where it was.

    Shape: (N, C, H, W) → (N, C, ⌊(H + 2P - K)/S⌋ + 1, …); ``stride`` defaults to K.
    ``dilation``, ``return_indices`` and ``ceil_mode`` exist for PyTorch
    compatibility; only their defaults are supported.

    >>> import tinygrad_cnn as tg
    >>> pool = MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> pool(tg.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        if dilation != 1 or return_indices or ceil_mode:
            raise NotImplementedError("MaxPool2d: dilation, return_indices and ceil_mode are not "
                                      "supported (only their defaults)")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Average pooling: each K×K window → its mean; δ/K² goes to every position.

    Shape: (N, C, H, W) → (N, C, ⌊(H + 2P - K)/S⌋ + 1, …); ``stride`` defaults to K.

    >>> import tinygrad_cnn as tg
    >>> AvgPool2d(2)(tg.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        if ceil_mode or divisor_override is not None:
            raise NotImplementedError("AvgPool2d: ceil_mode and divisor_override are not "
                                      "supported (only their defaults)")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                            count_include_pad=self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


# ----------------------------------------------------------------------------- activations
class ReLU(Module):
    """a = max(0, z); f'(z) = 1 where z > 0, else 0.

    ``inplace`` is accepted for PyTorch compatibility; the result is always a
    new tensor.

    >>> import tinygrad_cnn as tg
    >>> ReLU()(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """a = z where z > 0, else negative_slope · z.

    >>> import tinygrad_cnn as tg
    >>> LeakyReLU(0.1)(tg.tensor([-1.0, 2.0]))
    tensor([-0.1,  2. ])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """a = σ(z) = 1 / (1 + e^{-z}); f'(z) = σ(z)(1 - σ(z)).

    >>> import tinygrad_cnn as tg
    >>> Sigmoid()(tg.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """a = tanh(z); f'(z) = 1 - tanh²(z).

    >>> import tinygrad_cnn as tg
    >>> Tanh()(tg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.tanh(input)


# ----------------------------------------------------------------------------- reshaping, dropout
class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (default: all but the batch dim).

    >>> import tinygrad_cnn as tg
    >>> Flatten()(tg.zeros(64, 16, 5, 5)).shape
    (64, 400)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zero each entry with probability p and scale the rest by
    1/(1-p); in eval mode, the identity.

    >>> import tinygrad_cnn as tg
    >>> drop = Dropout(0.5).eval()
    >>> drop(tg.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


# ----------------------------------------------------------------------------- normalisation
class BatchNorm2d(Module):
    """Batch normalisation per channel: ẑ = (z - μ_B) / √(σ²_B + eps), a = γ ẑ + β.

    Training mode normalises with the batch's statistics over (N, H, W) and
    updates the running estimates ``running_mean ← (1-m)·running_mean + m·μ_B``
    (and likewise ``running_var`` with the unbiased batch variance); eval mode
    normalises with the running estimates. ``momentum=None`` uses a cumulative
    average (m = 1 / num_batches_tracked).

    ``bias=False`` (keyword-only, as in PyTorch 2.13) keeps γ but drops β.

    Shape: (N, C, H, W) → (N, C, H, W); weight γ and bias β (C,);
    buffers running_mean, running_var (C,) and num_batches_tracked () int64.

    >>> import tinygrad_cnn as tg
    >>> bn = BatchNorm2d(6)
    >>> bn
    BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        dtype = _float_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, dtype), None))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, dtype), None))
            self.register_buffer("num_batches_tracked",
                                 Tensor._make(np.array(0, dtype=np.int64), None))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm2d: expected input (N, {self.num_features}, H, W), "
                             f"got {describe(input)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:                  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input,
                            self.running_mean if track else None,
                            self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

