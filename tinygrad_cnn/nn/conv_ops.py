"""Convolution and transposed convolution: two ops, three shared maps.

The maths is DERIVATIONS.md's "Convolution layer". With layer input ``a``
(``a^{l-1}``), kernels ``W``, stride ``S``, padding ``P`` and dilation ``D``:

* forward ``z = W ⊗ a + b``: `conv2d_forward`;
* ``δ^{l-1} = crop_P( Σ_p rot180(W^{(p,d)}) ⊗̃ insert_zeros(δ^{(p)}, S) )``,
  the transpose ``Mᵀδ`` of the convolution's matrix: `conv2d_input_grad`;
* ``∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}``: `conv2d_weight_grad`;
* ``∂L/∂b^{(p)} = Σ_{i,j} δ^{(p)}_{ij}``.

A transposed convolution is the forward use of ``Mᵀ``, so `ConvTranspose2d`
runs `conv2d_input_grad` forward and conv2d's forward / weight-gradient maps
backward: the same three functions, read in the other direction.

**How the fast path computes them.** The textbook sum
``z_{ij} = Σ_u Σ_v w_{uv} · a_{iS+uD, jS+vD}`` is evaluated with the loop over
the K×K kernel taps ``(u, v)`` outermost. For one tap, the input entries it
multiplies form a strided view of the padded input, ``(N, C_in, H_out, W_out)``
(`_tap`), and the tap's weights are a ``(C_out, C_in)`` matrix, so each tap is
one GEMM over all images, pixels and channels at once (the view is copied
channels-first, ``(C_in, N·H_out·W_out)``, so that GEMM reads contiguous rows
and is one large BLAS call, not one per image). The same loop, read
backwards, scatters ``W_{uv}ᵀ δ`` onto that view (the col2im step) and
correlates the view with δ for ``∂L/∂w_{uv}``. Unlike a full im2col matrix
(K² copies of the input), this never holds more than one input-sized window.
`tinygrad_cnn.nn.reference` has the literal loop-by-loop procedure; the tests
check the two agree.
"""
import numpy as np

from .._errors import DTypeError, ShapeError, describe
from ..function import Function


# --------------------------------------------------------------------------
# argument checks shared by conv2d and conv_transpose2d
# --------------------------------------------------------------------------
def pair(op, name, value, minimum):
    """``3`` → ``(3, 3)``; ``(2, 1)`` stays; checks each entry is an int >= minimum."""
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) for v in value):
        value = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(value) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value}")
    return value


def check_conv_inputs(op, input, weight, bias, groups, channels_axis):
    """Checks common to conv2d and conv_transpose2d: 4-D input and weight,
    matching float dtypes, groups dividing the channels, bias shape.

    ``channels_axis`` is the axis of ``weight`` that meets the input channels
    (1 for conv2d's (C_out, C_in/groups, kH, kW), 0 for conv_transpose2d's
    (C_in, C_out/groups, kH, kW)).
    """
    if input.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D input (N, C_in, H, W), got {describe(input)}")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D weight, got {describe(weight)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    if input.dtype != weight.dtype:
        raise DTypeError(f"{op}: input and weight must have the same dtype, got input "
                         f"{describe(input)} and weight {describe(weight)}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    channels = input.shape[1]
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
                             f"(weight.shape[0] = {weight.shape[0]}); weight {describe(weight)}")
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
                             f"channel), got {describe(bias)}")
        if bias.dtype != input.dtype:
            raise DTypeError(f"{op}: bias dtype must match the input's, got bias "
                             f"{describe(bias)} and input {describe(input)}")


def conv_padding(op, padding, kernel_size, stride, dilation):
    """Padding as (top, bottom, left, right).

    ``'valid'`` is no padding. ``'same'`` (stride 1 only, as PyTorch) pads a
    total of ``(K-1)·D`` per dim, ``total // 2`` before and the rest after, so
    an odd total pads one more on the bottom/right; for an odd effective kernel
    this is exercise 5-8's ``P = (K-1)·D / 2`` on each side.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride {stride}), as in PyTorch")
            total_h, total_w = ((k - 1) * d for k, d in zip(kernel_size, dilation))
            return (total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2)
        raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', "
                         f"got {padding!r}")
    ph, pw = pair(op, "padding", padding, 0)
    return (ph, ph, pw, pw)


def conv_output_size(op, input_shape, kernel_size, stride, padding, dilation):
    """``H_out = (H + P_top + P_bottom - D(K-1) - 1) // S + 1`` per dim; raises
    when the dilated kernel is larger than the padded input."""
    top, bottom, left, right = padding
    sizes = []
    for size, before, after, k, s, d, dim in zip(
            input_shape[2:], (top, left), (bottom, right), kernel_size, stride, dilation, "HW"):
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


# --------------------------------------------------------------------------
# the three maps
# --------------------------------------------------------------------------
def pad2d(a, padding):
    """Zero-pad the last two axes by (top, bottom, left, right); no copy when all are 0."""
    top, bottom, left, right = padding
    if not any(padding):
        return a
    n, c, h, w = a.shape
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=a.dtype)
    padded[:, :, top:top + h, left:left + w] = a
    return padded


def _tap(padded, u, v, out_size, stride, dilation):
    """The entries of ``padded`` that kernel tap (u, v) multiplies, for every
    output position: a strided view ``(N, C, H_out, W_out)`` with
    ``view[..., i, j] = padded[..., i·S + u·D, j·S + v·D]``."""
    (h_out, w_out), (sh, sw), (dh, dw) = out_size, stride, dilation
    return padded[:, :, u * dh: u * dh + (h_out - 1) * sh + 1: sh,
                  v * dw: v * dw + (w_out - 1) * sw + 1: sw]


def _weight_taps(weight, groups):
    """(C_out, C_in/G, kH, kW) → (kH, kW, G, C_out/G, C_in/G), contiguous: one
    ``(C_out/G, C_in/G)`` matrix per tap and group, ready for GEMM."""
    c_out, c_in_g, kh, kw = weight.shape
    grouped = weight.reshape(groups, c_out // groups, c_in_g, kh, kw)
    return np.ascontiguousarray(grouped.transpose(3, 4, 0, 1, 2))


def _channel_rows(x, groups):
    """(N, C, H, W) → (G, C/G, N·H·W), contiguous: row c holds channel c of every
    image, so one GEMM per kernel tap covers the whole batch."""
    rows = np.ascontiguousarray(x.transpose(1, 0, 2, 3))         # (C, N, H, W)
    return rows.reshape(groups, x.shape[1] // groups, -1)


def conv2d_forward(a, weight, bias, stride, padding, dilation, groups):
    """``z = W ⊗ a + b``: for every tap (u, v), ``z += W[:, :, u, v] · a_tap``.

    Shape:
        a: (N, C_in, H, W);  weight: (C_out, C_in/groups, kH, kW);  bias: (C_out,) or None;
        z: (N, C_out, H_out, W_out), ``H_out = (H + P_top + P_bottom - D(kH-1) - 1) // S + 1``.
    """
    n, c_in, _, _ = a.shape
    c_out, c_in_g, kh, kw = weight.shape
    out_size = conv_output_size("conv2d", a.shape, (kh, kw), stride, padding, dilation)
    padded = pad2d(a, padding)                                   # (N, C_in, H_p, W_p)
    taps = _weight_taps(weight, groups)                          # (kH, kW, G, C_out/G, C_in/G)
    z_rows = np.zeros((groups, c_out // groups, n * out_size[0] * out_size[1]), dtype=a.dtype)
    product = np.empty_like(z_rows)
    window = np.empty((c_in, n) + out_size, dtype=a.dtype)      # (C_in, N, H_out, W_out)
    for u in range(kh):
        for v in range(kw):
            np.copyto(window, _tap(padded, u, v, out_size, stride, dilation).transpose(1, 0, 2, 3))
            # (G, C_out/G, C_in/G) @ (G, C_in/G, N·H_out·W_out): every image and pixel at once
            np.matmul(taps[u, v], window.reshape(groups, c_in_g, -1), out=product)
            z_rows += product
    z = z_rows.reshape((c_out, n) + out_size).transpose(1, 0, 2, 3)   # (N, C_out, H_out, W_out)
    out = np.empty(z.shape, dtype=a.dtype)
    np.add(z, 0 if bias is None else bias[:, None, None], out=out)   # contiguous, + b
    return out


def conv2d_input_grad(delta, weight, input_shape, stride, padding, dilation, groups):
    """``δ^{l-1} = crop_P( Σ_p rot180(W^{(p,d)}) ⊗̃ insert_zeros(δ^{(p)}, S) )``.

    Computed as ``Mᵀδ`` (exercise 5-7), the same numbers: tap (u, v) read
    ``a_tap`` in forward, so it sends ``W[:, :, u, v]ᵀ δ`` back onto that
    strided view (a col2im scatter, one strided-slice add per tap); the
    overlapping windows accumulate, which is the sum of the full correlation.
    The padded border is then cropped. Rows the windows never reached (when
    the stride does not divide the padded size) get zero.

    Shape:
        delta: (N, C_out, H_out, W_out);  weight: (C_out, C_in/groups, kH, kW);
        input_shape: (N, C_in, H, W) → returns (N, C_in, H, W).
    """
    n, c_in, h, w = input_shape
    c_out, c_in_g, kh, kw = weight.shape
    top, bottom, left, right = padding
    out_size = tuple(delta.shape[2:])
    taps_t = _weight_taps(weight, groups).swapaxes(-1, -2)      # (kH, kW, G, C_in/G, C_out/G)
    delta_rows = _channel_rows(delta, groups)                   # (G, C_out/G, N·H_out·W_out)
    grad_padded = np.zeros((n, c_in, h + top + bottom, w + left + right), dtype=delta.dtype)
    product = np.empty((groups, c_in_g, delta_rows.shape[-1]), dtype=delta.dtype)
    for u in range(kh):
        for v in range(kw):
            np.matmul(taps_t[u, v], delta_rows, out=product)     # W_uvᵀ δ
            window = _tap(grad_padded, u, v, out_size, stride, dilation)
            # scatter-add into the strided view of the padded input's gradient
            window += product.reshape((c_in, n) + out_size).transpose(1, 0, 2, 3)
    return grad_padded[:, :, top:top + h, left:left + w]


def conv2d_weight_grad(a, delta, weight_shape, stride, padding, dilation, groups):
    """``∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}``, i.e.
    ``∂L/∂w_{uv} = Σ_n Σ_{i,j} δ_{ij} · a_{iS+uD, jS+vD}`` = ``δ · a_tapᵀ`` per tap.

    Shape:
        a: (N, C_in, H, W);  delta: (N, C_out, H_out, W_out);
        weight_shape: (C_out, C_in/groups, kH, kW) → returns that shape.
    """
    n, c_in = a.shape[:2]
    c_out, c_in_g, kh, kw = weight_shape
    out_size = tuple(delta.shape[2:])
    padded = pad2d(a, padding)
    delta_rows = _channel_rows(delta, groups)                   # (G, C_out/G, N·H_out·W_out)
    grad = np.empty((kh, kw, groups, c_out // groups, c_in_g), dtype=a.dtype)
    window = np.empty((c_in, n) + out_size, dtype=a.dtype)      # (C_in, N, H_out, W_out)
    for u in range(kh):
        for v in range(kw):
            np.copyto(window, _tap(padded, u, v, out_size, stride, dilation).transpose(1, 0, 2, 3))
            # δ (C_out/G, N·pixels) @ a_tapᵀ (N·pixels, C_in/G): the sum over images and pixels
            np.matmul(delta_rows, window.reshape(groups, c_in_g, -1).swapaxes(-1, -2),
                      out=grad[u, v])
    return grad.transpose(2, 3, 4, 0, 1).reshape(weight_shape)   # back to (C_out, C_in/G, kH, kW)


# --------------------------------------------------------------------------
# the ops
# --------------------------------------------------------------------------
class Conv2d(Function):
    """2-D convolution (cross-correlation, as in every CNN library).

    Forward (DERIVATIONS.md): ``z^{(p)} = Σ_d W^{(p,d)} ⊗ a^{(d)} + b^{(p)}``,
    ``z_{ij} = Σ_u Σ_v w_{uv} · a_{iS+uD, jS+vD}`` on the padded input, each
    output channel reading only the input channels of its group.

    Backward, the three rules (stride handled by inserting S-1 zeros between
    the entries of δ, padding by cropping P from δ^{l-1}):

    1. ``δ^{l-1} = crop_P( Σ_p rot180(W^{(p,d)}) ⊗̃ insert_zeros(δ^{(p)}, S) )``
       — a full cross-correlation with the rotated kernel, summed over the
       output channels p that read input channel d (`conv2d_input_grad`);
    2. ``∂L/∂W^{(p,d)} = a^{(d)} ⊗ insert_zeros(δ^{(p)}, S)``, i.e.
       ``∂L/∂w_{uv} = Σ_{i,j} δ_{ij} a_{iS+uD, jS+vD}`` (`conv2d_weight_grad`);
    3. ``∂L/∂b^{(p)} = Σ_{n,i,j} δ^{(p)}_{ij}``.

    Shape:
        a: (N, C_in, H, W);  weight: (C_out, C_in/groups, kH, kW);  bias: (C_out,);
        z: (N, C_out, H_out, W_out) with
        ``H_out = (H + P_top + P_bottom - D·(kH-1) - 1) // S + 1`` (likewise W_out).
    """

    name = "conv2d"

    @staticmethod
    def forward(ctx, a, weight, bias=None, *, stride=(1, 1), padding=(0, 0, 0, 0),
                dilation=(1, 1), groups=1):
        ctx.options = (stride, padding, dilation, groups)
        ctx.save_for_backward(a, weight)
        return conv2d_forward(a, weight, bias, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, delta):
        a, weight = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.options
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:                                 # rule 1
            grad_a = conv2d_input_grad(delta, weight, a.shape, stride, padding, dilation, groups)
        if ctx.needs_input_grad[1]:                                 # rule 2
            grad_weight = conv2d_weight_grad(a, delta, weight.shape, stride, padding, dilation,
                                             groups)
        if ctx.needs_input_grad[2]:                                 # rule 3
            grad_bias = delta.sum(axis=(0, 2, 3))
        return grad_a, grad_weight, grad_bias


def conv_transpose_output_size(input_shape, kernel_size, stride, padding, output_padding,
                               dilation):
    """``H_out = (H - 1)·S - P_top - P_bottom + D·(kH - 1) + output_padding + 1`` per dim."""
    top, bottom, left, right = padding
    return tuple(
        (size - 1) * s - before - after + d * (k - 1) + extra + 1
        for size, s, before, after, d, k, extra in zip(
            input_shape[2:], stride, (top, left), (bottom, right), dilation, kernel_size,
            output_padding))


class ConvTranspose2d(Function):
    """Transposed convolution: the forward use of conv2d's input-gradient map.

    With M the matrix of a conv2d (exercise 5-7), conv2d's backward is
    ``δ^{l-1} = Mᵀ δ^l``; this op computes ``z = Mᵀ a + b`` with the same code
    (`conv2d_input_grad`): ``z = crop_P( Σ rot180(W) ⊗̃ insert_zeros(a, S) ) + b``.
    Its own backward is therefore M again: ``δ_a = M δ = W ⊗ δ`` (conv2d's
    forward), and ``∂L/∂W = δ ⊗ a`` (conv2d's weight gradient with the roles
    of input and δ exchanged), ``∂L/∂b = Σ δ``.

    Shape:
        a: (N, C_in, H, W);  weight: (C_in, C_out/groups, kH, kW) (PyTorch's layout);
        z: (N, C_out, H_out, W_out) with
        ``H_out = (H-1)·S - 2P + D·(kH-1) + output_padding + 1``.
    """

    name = "conv_transpose2d"

    @staticmethod
    def forward(ctx, a, weight, bias=None, *, stride=(1, 1), padding=(0, 0, 0, 0),
                output_padding=(0, 0), dilation=(1, 1), groups=1):
        n = a.shape[0]
        c_out = weight.shape[1] * groups
        out_hw = conv_transpose_output_size(a.shape, weight.shape[2:], stride, padding,
                                            output_padding, dilation)
        ctx.options = (stride, padding, dilation, groups)
        ctx.save_for_backward(a, weight)
        z = conv2d_input_grad(a, weight, (n, c_out) + out_hw, stride, padding, dilation, groups)
        if bias is not None:
            z = z + bias[:, None, None]
        return z

    @staticmethod
    def backward(ctx, delta):
        a, weight = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.options
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_a = conv2d_forward(delta, weight, None, stride, padding, dilation, groups)
            # output_padding can add a row conv2d would read as one more window: drop it
            grad_a = grad_a[:, :, :a.shape[2], :a.shape[3]]
        if ctx.needs_input_grad[1]:
            grad_weight = conv2d_weight_grad(delta, a, weight.shape, stride, padding, dilation,
                                             groups)
        if ctx.needs_input_grad[2]:
            grad_bias = delta.sum(axis=(0, 2, 3))
        return grad_a, grad_weight, grad_bias
