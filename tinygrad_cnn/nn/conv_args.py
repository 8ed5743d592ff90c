"""Argument checks shared by the convolution and pooling layers.

Each takes the op's name (and, where it helps, the call's shapes as
``context``) so that a rejection says which op refused what it got: the
input's and weight's shapes and dtypes and the offending argument.

* `pair`: ``3`` → ``(3, 3)`` for kernel sizes, strides, paddings, dilations;
* `check_conv_inputs`: ranks, dtypes, groups and bias of conv2d / conv_transpose2d;
* `conv_padding`: ``'same'`` / ``'valid'`` / ints → (top, bottom, left, right);
* `conv_output_size`: ``H_out = (H + P_top + P_bottom - D(K-1) - 1) // S + 1``.
"""
import numpy as np

from .._errors import DTypeError, ShapeError, describe


class CallContext:
    """The end of an error message, ``"; input (1, 1, 4, 4) float32, weight …"``,
    built only when a message is: describing the arrays of every call on the
    hot path would cost more than the checks themselves.

    >>> import numpy as np
    >>> f"{CallContext(input=np.zeros((1, 2)))}"
    '; input (1, 2) float64'
    """

    def __init__(self, **arrays):
        self.arrays = arrays

    def __str__(self):
        return "; " + ", ".join(f"{name} {describe(array)}" for name, array in self.arrays.items())


def pair(op, name, value, minimum, context=""):
    """``3`` → ``(3, 3)``; ``(2, 1)`` stays; checks each entry is an int >= minimum.
    ``context`` (e.g. ``"; input (1, 1, 4, 4) float32"``) ends the error messages."""
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) for v in value):
        value = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}{context}")
    if min(value) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value}{context}")
    return value


def check_conv_inputs(op, input, weight, bias, groups, channels_axis):
    """Checks common to conv2d and conv_transpose2d: 4-D input and weight,
    matching float dtypes, groups dividing the channels, bias shape.

    ``channels_axis`` is the axis of ``weight`` that meets the input channels
    (1 for conv2d's (C_out, C_in/groups, kH, kW), 0 for conv_transpose2d's
    (C_in, C_out/groups, kH, kW)).
    """
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C_in, H, W) or 4-D (N, C_in, H, W) input, "
                         f"got {describe(input)} (weight {describe(weight)})")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D weight, got {describe(weight)} "
                         f"(input {describe(input)})")
    if 0 in weight.shape[:1] + weight.shape[2:]:
        raise ShapeError(f"{op}: expected a weight with at least one output channel and a "
                         f"non-empty kernel, got {describe(weight)} (input {describe(input)})")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    if input.dtype != weight.dtype:
        raise DTypeError(f"{op}: input and weight must have the same dtype, got input "
                         f"{describe(input)} and weight {describe(weight)}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}; input "
                         f"{describe(input)}, weight {describe(weight)}")
    channels = input.shape[-3]
    if channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels ({channels}); "
                         f"input {describe(input)}, weight {describe(weight)}")
    if channels_axis == 1:
        expected = weight.shape[1] * groups
        if channels != expected:
            raise ShapeError(
                f"{op}: input has {channels} channels but weight {tuple(weight.shape)} expects "
                f"{expected} (= weight.shape[1] * groups, groups={groups}); input {describe(input)}")
        if weight.shape[0] % groups:
            raise ValueError(f"{op}: groups={groups} must divide the output channels "
                             f"(weight.shape[0] = {weight.shape[0]}); input {describe(input)}, "
                             f"weight {describe(weight)}")
        out_channels = weight.shape[0]
    else:
        if channels != weight.shape[0]:
            raise ShapeError(
                f"{op}: input has {channels} channels but weight {tuple(weight.shape)} expects "
                f"{weight.shape[0]} (= weight.shape[0]); input {describe(input)}")
        out_channels = weight.shape[1] * groups
    if bias is not None:
        if tuple(bias.shape) != (out_channels,):
            raise ShapeError(f"{op}: bias must have shape ({out_channels},) (one per output "
                             f"channel), got {describe(bias)}; input {describe(input)}, "
                             f"weight {describe(weight)}")
        if bias.dtype != input.dtype:
            raise DTypeError(f"{op}: bias dtype must match the input's, got bias "
                             f"{describe(bias)} and input {describe(input)}")


def conv_padding(op, padding, kernel_size, stride, dilation, context=""):
    """Padding as (top, bottom, left, right).

    ``'valid'`` is no padding. ``'same'`` (stride 1 only, as PyTorch) pads a
    total of ``(K-1)·D`` per dim, ``total // 2`` before and the rest after, so
    an odd total pads one more on the bottom/right; for an odd effective kernel
    this is exercise 5-8's ``P = (K-1)·D / 2`` on each side. ``context`` ends
    the error messages (the shapes of the call).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride {stride}), as in PyTorch{context}")
            total_h, total_w = ((k - 1) * d for k, d in zip(kernel_size, dilation))
            return (total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2)
        raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', "
                         f"got {padding!r}{context}")
    ph, pw = pair(op, "padding", padding, 0, context)
    return (ph, ph, pw, pw)


def conv_output_size(op, input_shape, kernel_size, stride, padding, dilation):
    """``H_out = (H + P_top + P_bottom - D(K-1) - 1) // S + 1`` per dim; raises
    when the dilated kernel is larger than the padded input."""
    top, bottom, left, right = padding
    sizes = []
    for size, before, after, k, s, d, dim in zip(
            input_shape[-2:], (top, left), (bottom, right), kernel_size, stride, dilation, "HW"):
        padded = size + before + after
        span = d * (k - 1) + 1
        if span > padded:
            raise ShapeError(
                f"{op}: kernel {kernel_size[0]}x{kernel_size[1]} with dilation {dilation} spans "
                f"{span} along {dim}, larger than the padded input ({padded} = {size} + "
                f"{before} + {after}); input shape {tuple(input_shape)}, padding "
                f"(top, bottom, left, right) = {padding}")
        sizes.append((padded - span) // s + 1)
    return tuple(sizes)
