"""``tinygrad_cnn.nn.functional`` (import it as ``F``): PyTorch's names,
argument order and layouts (NCHW; conv weight (C_out, C_in/groups, kH, kW)).

Each function here checks and normalises its arguments, with errors that name
the op and the shapes and dtypes it got, then calls one op's ``apply``: every
layer below is ONE graph node whose local backward rule sits in its op class
(`conv_ops`, `pool_ops`, `activation_ops`, `loss_ops`, `norm_ops`).

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn.nn import functional as F
>>> x = tg.ones(1, 1, 4, 4, requires_grad=True)
>>> y = F.max_pool2d(F.relu(F.conv2d(x, tg.ones(2, 1, 3, 3), padding=1)), 2)
>>> y.shape, y.grad_fn.name
((1, 2, 2, 2), 'max_pool2d')
"""
import numpy as np

from .._errors import DTypeError, ShapeError, describe
from ..tensor import Tensor, pad
from .activation_ops import Dropout, LeakyRelu, Linear, LogSoftmax, Softmax
from .conv_ops import (
    Conv2d, ConvTranspose2d, check_conv_inputs, conv_output_size, conv_padding,
    conv_transpose_output_size, pair,
)
from .loss_ops import CrossEntropy, MseLoss, NllLoss
from .norm_ops import BatchNorm
from .pool_ops import AvgPool2d, MaxPool2d, pool_geometry

__all__ = [
    "avg_pool2d", "batch_norm", "conv2d", "conv_transpose2d", "cross_entropy", "dropout",
    "flatten", "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss",
    "pad", "relu", "sigmoid", "softmax", "tanh",
]


# --------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) ``z = W ⊗ a + b``; see `conv_ops.Conv2d`
    for the backward rules.

    ``stride``, ``padding``, ``dilation``: int or (h, w) pair; ``padding`` may also
    be ``'valid'`` (none) or ``'same'`` (stride 1 only; total ``(K-1)·D`` per dim,
    the odd one on the bottom/right, as PyTorch).

    Shape:
        input: (N, C_in, H, W);  weight: (C_out, C_in/groups, kH, kW);  bias: (C_out,);
        output: (N, C_out, H_out, W_out), ``H_out = (H + 2P - D(kH-1) - 1) // S + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> x = tg.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.conv2d(x, tg.ones(1, 1, 2, 2))
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    """
    check_conv_inputs("conv2d", input, weight, bias, groups, channels_axis=1)
    kernel_size = tuple(weight.shape[2:])
    stride = pair("conv2d", "stride", stride, 1)
    dilation = pair("conv2d", "dilation", dilation, 1)
    padding = conv_padding("conv2d", padding, kernel_size, stride, dilation)
    conv_output_size("conv2d", input.shape, kernel_size, stride, padding, dilation)
    return Conv2d.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                        groups=int(groups))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution: conv2d's input-gradient map used forward
    (``z = Mᵀ a + b``); see `conv_ops.ConvTranspose2d`.

    Shape:
        input: (N, C_in, H, W);  weight: (C_in, C_out/groups, kH, kW);
        output: (N, C_out, H_out, W_out),
        ``H_out = (H-1)·S - 2P + D·(kH-1) + output_padding + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.conv_transpose2d(tg.ones(1, 1, 2, 2), tg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
    tensor([[[[ 1.,  3.,  2.],
              [ 4., 10.,  6.],
              [ 3.,  7.,  4.]]]])
    """
    op = "conv_transpose2d"
    check_conv_inputs(op, input, weight, bias, groups, channels_axis=0)
    stride = pair(op, "stride", stride, 1)
    dilation = pair(op, "dilation", dilation, 1)
    ph, pw = pair(op, "padding", padding, 0)
    output_padding = pair(op, "output_padding", output_padding, 0)
    if any(extra >= max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either "
                         f"the stride {stride} or the dilation {dilation}, as in PyTorch")
    padding = (ph, ph, pw, pw)
    out_hw = conv_transpose_output_size(input.shape, weight.shape[2:], stride, padding,
                                        output_padding, dilation)
    if min(out_hw) < 1:
        raise ShapeError(f"{op}: the output would be {out_hw} (padding {(ph, pw)} is too large "
                         f"for input {describe(input)} and weight {describe(weight)})")
    return ConvTranspose2d.apply(input, weight, bias, stride=stride, padding=padding,
                                 output_padding=output_padding, dilation=dilation,
                                 groups=int(groups))


# --------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------
def max_pool2d(input, kernel_size, stride=None, padding=0):
    """Max pooling over k×k windows (stride defaults to the kernel size,
    padding is -∞ and at most half the kernel). Backward routes δ to each
    window's recorded maximum; ties go to the first position in row-major order.

    Shape:
        input: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = (H + 2P - k) // S + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.max_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    kernel, stride, padding = pool_geometry("max_pool2d", input, kernel_size, stride, padding)
    return MaxPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding)


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling over zero-padded k×k windows; backward spreads δ/(k·k)
    (or δ/count of real entries when ``count_include_pad=False``) over each window.

    Shape:
        input: (N, C, H, W) → (N, C, H_out, W_out), ``H_out = (H + 2P - k) // S + 1``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.avg_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """
    kernel, stride, padding = pool_geometry("avg_pool2d", input, kernel_size, stride, padding)
    return AvgPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                           count_include_pad=bool(count_include_pad))


# --------------------------------------------------------------------------
# activations, fully connected, dropout
# --------------------------------------------------------------------------
def relu(input):
    """``max(x, 0)`` (the core op ``Tensor.relu``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.relu(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return input.relu()


def sigmoid(input):
    """``1 / (1 + e⁻ˣ)`` (the core op ``Tensor.sigmoid``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.sigmoid(tg.tensor([0.0]))
    tensor([0.5])
    """
    return input.sigmoid()


def tanh(input):
    """``tanh x`` (the core op ``Tensor.tanh``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.tanh(tg.tensor([0.0]))
    tensor([0.])
    """
    return input.tanh()


def leaky_relu(input, negative_slope=0.01):
    """``x`` for x > 0, ``negative_slope · x`` otherwise.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.leaky_relu(tg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    return LeakyRelu.apply(input, negative_slope=float(negative_slope))


def linear(input, weight, bias=None):
    """Fully connected layer ``z = a Wᵀ + b`` (weight (out, in), as PyTorch).

    Shape:
        input: (*, in);  weight: (out, in);  bias: (out,);  output: (*, out).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.linear(tg.tensor([[1.0, 2.0]]), tg.tensor([[1.0, 1.0], [0.0, 1.0]]), tg.tensor([0.5, 0.0]))
    tensor([[3.5, 2. ]])
    """
    if input.ndim < 1 or weight.ndim != 2:
        raise ShapeError(f"linear: expected input (*, in) and a 2-D weight (out, in), got input "
                         f"{describe(input)} and weight {describe(weight)}")
    if input.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: input has {input.shape[-1]} features but weight "
                         f"{tuple(weight.shape)} expects {weight.shape[1]} (= weight.shape[1]); "
                         f"input {describe(input)}")
    if input.dtype != weight.dtype:
        raise DTypeError(f"linear: input and weight must have the same dtype, got input "
                         f"{describe(input)} and weight {describe(weight)}")
    if bias is not None and (tuple(bias.shape) != (weight.shape[0],) or bias.dtype != input.dtype):
        raise ShapeError(f"linear: bias must be ({weight.shape[0]},) {input.dtype}, "
                         f"got {describe(bias)}")
    return Linear.apply(input, weight, bias)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (PyTorch's functional default
    ``start_dim=0``; ``nn.Flatten`` uses 1).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.flatten(tg.ones(2, 3, 4), 1).shape
    (2, 12)
    """
    return input.flatten(start_dim, end_dim)


def dropout(input, p=0.5, training=True):
    """Inverted dropout: each entry is zeroed with probability p and the rest
    scaled by 1/(1-p), with masks from the global generator (`manual_seed`).
    The identity when not training or p = 0.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.dropout(tg.ones(4), p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    return Dropout.apply(input, p=float(p))


def softmax(input, dim):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.softmax(tg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5, 0.5])
    """
    return Softmax.apply(input, dim=_dim("softmax", dim, input))


def log_softmax(input, dim):
    """``x − log Σ_j e^{x_j}`` along ``dim``, computed stably.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.log_softmax(tg.tensor([1e4, 0.0]), dim=0)
    tensor([     0., -10000.])
    """
    return LogSoftmax.apply(input, dim=_dim("log_softmax", dim, input))


def _dim(op, dim, input):
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -max(input.ndim, 1) <= dim < max(input.ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for {describe(input)}")
    return int(dim) % max(input.ndim, 1)


# --------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------
def _check_reduction(op, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_classification(op, input, target):
    """input (N, C) float; target (N,) int64 class indices in [0, C)."""
    if input.ndim != 2:
        raise ShapeError(f"{op}: expected input (N, C), got {describe(input)}")
    target_array = target._data if isinstance(target, Tensor) else np.asarray(target)
    if target_array.dtype != np.int64:
        raise DTypeError(f"{op}: target must hold int64 class indices, got {describe(target)}")
    if target_array.shape != (input.shape[0],):
        raise ShapeError(f"{op}: target must have shape ({input.shape[0]},) for input "
                         f"{describe(input)}, got {describe(target)}")
    classes = input.shape[1]
    if target_array.size and (target_array.min() < 0 or target_array.max() >= classes):
        bad = target_array[(target_array < 0) | (target_array >= classes)][0]
        raise IndexError(f"{op}: target {int(bad)} is out of range for {classes} classes "
                         f"(input {describe(input)})")
    return target_array


def cross_entropy(input, target, reduction="mean"):
    """Softmax + cross-entropy as ONE node: ``L_n = log Σ_c e^{z_{nc}} − z_{n y_n}``,
    ``δ = softmax(z) − onehot(y)`` (divided by N for 'mean').

    Shape:
        input: (N, C) logits;  target: (N,) int64;  output: () or (N,) for 'none'.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> logits = tg.tensor([[0.0, 0.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, tg.tensor([1]))
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward(); logits.grad
    tensor([[ 0.5, -0.5]])
    """
    _check_reduction("cross_entropy", reduction)
    target_array = _check_classification("cross_entropy", input, target)
    return CrossEntropy.apply(input, Tensor._make(target_array, None), reduction=reduction)


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities: ``L_n = −x_{n y_n}``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.nll_loss(tg.tensor([[-1.0, -2.0]]), tg.tensor([1]))
    tensor(2.)
    """
    _check_reduction("nll_loss", reduction)
    target_array = _check_classification("nll_loss", input, target)
    return NllLoss.apply(input, Tensor._make(target_array, None), reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error ``(x − t)²`` (reduced); shapes must match exactly.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.mse_loss(tg.tensor([1.0, 3.0]), tg.tensor([0.0, 0.0]))
    tensor(5.)
    """
    _check_reduction("mse_loss", reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ShapeError(f"mse_loss: input {describe(input)} and target {describe(target)} must "
                         "have the same shape (no broadcasting)")
    if input.dtype != target.dtype:
        raise DTypeError(f"mse_loss: input {describe(input)} and target {describe(target)} must "
                         "have the same dtype")
    return MseLoss.apply(input, target, reduction=reduction)


# --------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over N (and H, W) per channel, as PyTorch: with
    ``training`` it normalises by the batch statistics and updates
    ``running_mean`` / ``running_var`` in place (unbiased variance); otherwise
    it uses them.

    Shape:
        input: (N, C) or (N, C, H, W);  running stats, weight, bias: (C,).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> mean, var = tg.zeros(1), tg.ones(1)
    >>> F.batch_norm(tg.tensor([[1.0], [3.0]]), mean, var, training=True)
    tensor([[-1.],
            [ 1.]])
    >>> mean
    tensor([0.2])
    """
    if input.ndim not in (2, 4):
        raise ShapeError(f"batch_norm: expected input (N, C) or (N, C, H, W), "
                         f"got {describe(input)}")
    channels = input.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (channels,):
            raise ShapeError(f"batch_norm: {name} must have shape ({channels},) for input "
                             f"{describe(input)}, got {describe(value)}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    if training and input.numel() // channels <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input {describe(input)}")
    return BatchNorm.apply(input, weight, bias,
                           running_mean=None if running_mean is None else running_mean._data,
                           running_var=None if running_var is None else running_var._data,
                           training=bool(training), momentum=momentum, eps=eps)
