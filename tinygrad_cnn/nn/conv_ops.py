"""Convolution: the op and the three maps that transposed convolution shares.

The maths is docs/derivations.md's "Convolution layer". With layer input ``a``
(``a^{l-1}``), kernels ``W``, stride ``S``, padding ``P`` and dilation ``D``:

* forward ``z = W ⊗ a + b``: `conv2d_forward`;
* ``δ^{l-1} = crop_P( Σ_p rot180(W^{(p,d)}) ⊗̃ insert_zeros(δ^{(p)}, S) )``,
  the transpose ``Mᵀδ`` of the convolution's matrix: `conv2d_input_grad`;
* ``∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}``: `conv2d_weight_grad`;
* ``∂L/∂b^{(p)} = Σ_{i,j} δ^{(p)}_{ij}``.

A transposed convolution is the forward use of ``Mᵀ``, so `ConvTranspose2d`
(in `conv_transpose_ops`) runs `conv2d_input_grad` forward and conv2d's
forward / weight-gradient maps backward: the same three functions, read in
the other direction.

**How the fast path computes them.** The textbook sum
``z_{ij} = Σ_u Σ_v w_{uv} · a_{iS+uD, jS+vD}`` is one matrix product once the
windows are laid out as columns (`im2col`): the matrix ``cols`` of shape
``(C_in·kH·kW, N·H_out·W_out)`` holds, in column (n, i, j), the window that
output pixel (i, j) of image n reads, so ``z = W_mat @ cols`` with
``W_mat = weight.reshape(C_out, C_in·kH·kW)`` — one GEMM for the batch.
The batch is cut into chunks so that ``cols`` (K² times the input it covers)
stays within `im2col.WORKSPACE_BYTES`; forward keeps it for the weight
gradient when the whole batch fits in one chunk.

* rule 2, ``∂L/∂W = δ_mat @ colsᵀ``: the same columns against δ;
* rule 1 with stride 1 is computed as written: the full correlation of δ with
  the rotated kernel is itself a `conv2d_forward` (when that moves no more
  data than the alternative, `_correlation_applies`);
* otherwise ``Mᵀδ``: ``W_matᵀ @ δ_mat`` gives what every window entry sent
  back, and `col2im_add` adds it onto the input position it was read from
  (one strided-slice add per kernel tap), overlapping windows summing up
  (`col2im_add_wide` for stride 1: the same adds in long rows; on small maps,
  `col2im_matrix`: the same sum as one product with the 0/1 matrix of reads).

The layouts (`im2col`, the col2im family, padding; on maps of 8×8 or less a
gather from a table of positions) live in `nn.im2col`. Stride-1 layers of
few output channels copy only the kernel's column taps and run one GEMM per
kernel row over row blocks of that copy (`nn.conv_rows`): the same sums from
a kH times smaller copy. Thin layers (a small weight matrix, as LeNet's) run
the same maps with one GEMM per image instead (`conv_per_image`): the
batch-wide GEMM would be too long and thin for BLAS. The big copies are
split over the batch across threads (`tinygrad_cnn._threads`), which changes
no result.

`tinygrad_cnn.nn.reference` has the literal loop-by-loop procedure (pad,
insert zeros, rotate 180°, cross-correlate); the tests check the two agree.
The argument checks the layers share live in `conv_args`.
"""
import numpy as np

from .._threads import run_in_batch_chunks
from ..function import Function
from . import conv_per_image, conv_rows
from . import im2col as columns
from .im2col import (
    col2im_add,
    col2im_add_wide,
    col2im_matrix,
    columns_of,
    delta_rows,
    images_per_chunk,
    pad2d,
)
from .conv_args import (  # noqa: F401  (pair, check_conv_inputs, conv_padding: re-exported)
    check_conv_inputs,
    conv_output_size,
    conv_padding,
    pair,
)


def conv2d_forward(a, weight, bias, stride, padding, dilation, groups, keep_cols=False):
    """``z = W ⊗ a + b``, computed as ``z = W_mat @ im2col(a) + b``.

    With ``keep_cols=True`` also returns the columns when the whole batch fit
    in one workspace chunk (else None), so the weight gradient can reuse them.

    Shape:
        a: (N, C_in, H, W);  weight: (C_out, C_in/groups, kH, kW);  bias: (C_out,) or None;
        z: (N, C_out, H_out, W_out), ``H_out = (H + P_top + P_bottom - D(kH-1) - 1) // S + 1``.
    """
    n = a.shape[0]
    c_out, c_in_g, kh, kw = weight.shape
    out_size = conv_output_size("conv2d", a.shape, (kh, kw), stride, padding, dilation)
    rows, pixels = c_in_g * kh * kw, out_size[0] * out_size[1]
    w_mat = weight.reshape(groups, c_out // groups, rows)        # (G, C_out/G, C_in/G·kH·kW)
    z = np.empty((n, c_out) + out_size, dtype=a.dtype)
    cols = None                                                  # an empty batch has none
    step = images_per_chunk(n, groups * rows, pixels, a.itemsize)
    if conv_per_image.use_per_image(weight.shape, groups):       # a thin layer: GEMM per image
        for start in range(0, n, step):
            z[start:start + step], cols = conv_per_image.forward_per_image(
                pad2d(a[start:start + step], padding), weight, bias, out_size, stride, dilation,
                groups)
        return (z, (cols if step >= n else None)) if keep_cols else z
    by_rows = conv_rows.use_rows(weight.shape, stride, groups, a.shape[2:])
    for start in range(0, n, step):                              # chunks bound the memory
        if by_rows:                            # kH GEMMs over row blocks of a smaller copy
            cols = conv_rows.row_columns(a[start:start + step], padding, kw, out_size[1],
                                         stride[1], dilation[1])
            images = cols.shape[3]
            z_rows = conv_rows.forward_by_rows(cols, weight, out_size[0], dilation[0])
            z_rows = z_rows.transpose(0, 2, 1, 3)                # (C_out, n, H_out, W_out), a view
        else:
            cols = columns_of(a[start:start + step], padding, (kh, kw), out_size, stride,
                              dilation)
            images = cols.shape[3]
            # (G, C_out/G, rows) @ (G, rows, n·pixels): one GEMM per group for the whole chunk
            z_rows = np.matmul(w_mat, cols.reshape(groups, rows, images * pixels))
            z_rows = z_rows.reshape((c_out, images) + out_size)  # (C_out, n, H_out, W_out)
        z_chunk = z[start:start + step]

        def lay_out(first, last):              # images first:last (threads split the chunk)
            rows_nchw = z_rows[:, first:last].transpose(1, 0, 2, 3)
            if bias is None:
                z_chunk[first:last] = rows_nchw
            else:                              # + b^{(p)}, in the same pass as the layout
                np.add(rows_nchw, bias[:, None, None], out=z_chunk[first:last])
        run_in_batch_chunks(images, lay_out, z_chunk.nbytes)
    if keep_cols:
        return z, (cols if step >= n else None)
    return z


def rot180_transposed(weight, groups):
    """The kernel of rule 1: ``rot180(W)`` with input and output channels
    swapped (within each group), (C_out, C_in/G, kH, kW) → (C_in, C_out/G, kH, kW)."""
    c_out, c_in_g, kh, kw = weight.shape
    swapped = weight.reshape(groups, c_out // groups, c_in_g, kh, kw).swapaxes(1, 2)
    return np.ascontiguousarray(swapped[..., ::-1, ::-1]).reshape(groups * c_in_g, c_out // groups,
                                                                  kh, kw)


def conv2d_input_grad(delta, weight, input_shape, stride, padding, dilation, groups):
    """``δ^{l-1} = crop_P( Σ_p rot180(W^{(p,d)}) ⊗̃ insert_zeros(δ^{(p)}, S) )``.

    Two ways to compute it, chosen by `_correlation_applies`: rule 1 as
    written (`input_grad_by_correlation`, stride 1 only), or ``Mᵀδ`` without
    inserting zeros (`input_grad_by_scatter`, any stride). The same numbers.

    Shape:
        delta: (N, C_out, H_out, W_out);  weight: (C_out, C_in/groups, kH, kW);
        input_shape: (N, C_in, H, W) → returns (N, C_in, H, W).
    """
    n, c_in, h, w = input_shape
    if _correlation_applies(delta.shape, weight.shape, input_shape, stride, padding, dilation):
        return input_grad_by_correlation(delta, weight, padding, dilation, groups)
    return input_grad_by_scatter(delta, weight, input_shape, stride, padding, dilation, groups)


def _correlation_applies(delta_shape, weight_shape, input_shape, stride, padding, dilation):
    """Whether rule 1 as written (`input_grad_by_correlation`) gives δ^{l-1}
    here and moves less data than `input_grad_by_scatter`.

    It needs stride 1 and a padding no wider than the kernel's span. The
    correlation gathers C_out·H·W values per tap and first copies the rotated
    kernel; the scatter adds C_in·H_out·W_out per tap (an add costs about two
    copies) and reads the kernel as it is: on big maps with few channels the
    correlation wins, on small maps with many channels (a kernel bigger than
    the activations) the scatter does, and on maps of `im2col.SMALL_MAP_PIXELS` or
    fewer it is one small matrix product (`col2im_matrix`)."""
    n, c_in, h, w = input_shape
    c_out, c_in_g, kh, kw = weight_shape
    top, bottom, left, right = padding
    span_h, span_w = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    full_size = (delta_shape[2] + span_h - top - bottom, delta_shape[3] + span_w - left - right)
    if (stride != (1, 1) or full_size != (h, w)
            or min(span_h - top, span_h - bottom, span_w - left, span_w - right) < 0):
        return False
    if h * w <= columns.SMALL_MAP_PIXELS:             # the scatter is one small product there
        return False
    taps = kh * kw
    gathered = n * taps * c_out * h * w + c_out * c_in_g * taps      # + the kernel copy
    scattered = n * taps * c_in * delta_shape[2] * delta_shape[3]
    return gathered <= SCATTER_COST * scattered


#: What one value added back by `col2im_add` costs relative to one value
#: gathered by `im2col`, measured on 3×3 layers of 3–512 channels and
#: 8×8–32×32 maps (the break-even lay between 1.25 and 2).
SCATTER_COST = 1.8


def input_grad_by_correlation(delta, weight, padding, dilation, groups):
    """Rule 1 as written, for stride 1: the full correlation ``⊗̃`` pads δ by
    ``D(K-1)`` on each side; cropping P from the result is the same as padding
    only ``D(K-1) - P``, so δ^{l-1} is a plain `conv2d_forward` of δ with the
    rotated, channel-swapped kernel. Its output is exactly (H, W)."""
    c_out, c_in_g, kh, kw = weight.shape
    top, bottom, left, right = padding
    span_h, span_w = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    full_padding = (span_h - top, span_h - bottom, span_w - left, span_w - right)
    return conv2d_forward(delta, rot180_transposed(weight, groups), None, (1, 1),
                          full_padding, dilation, groups)


def input_grad_by_scatter(delta, weight, input_shape, stride, padding, dilation, groups):
    """``Mᵀδ`` (exercise 5-7): ``W_matᵀ δ`` gives, for every window, what each
    of its entries sent to δ; `col2im_add` puts those back where the window
    read them, overlapping windows accumulating. The padded border is then
    cropped; rows the windows never reached (when S does not divide the padded
    size) get zero."""
    n, c_in, h, w = input_shape
    c_out, c_in_g, kh, kw = weight.shape
    top, bottom, left, right = padding
    out_size = tuple(delta.shape[2:])
    padded_size = (h + top + bottom, w + left + right)
    if conv_per_image.use_per_image(weight.shape, groups):       # a thin layer: GEMM per image
        grad_padded = np.zeros((n, c_in) + padded_size, dtype=delta.dtype)
        conv_per_image.input_grad_per_image(delta, weight, grad_padded, stride, dilation, groups)
        return grad_padded[:, :, top:top + h, left:left + w]     # crop P
    # small maps: col2im as one product with the 0/1 scatter matrix; stride 1:
    # the row-wide layout of `col2im_add_wide`, when its zero columns add
    # little to the GEMM (a quarter at most) and no inf/NaN weight would turn
    # them into NaN
    by_matrix = h * w <= columns.SMALL_MAP_PIXELS
    wide = (not by_matrix and stride == (1, 1) and 4 * padded_size[1] <= 5 * out_size[1]
            and bool(np.isfinite(weight).all()))
    row_width = padded_size[1] if wide else out_size[1]
    rows, pixels = c_in_g * kh * kw, out_size[0] * row_width
    w_mat_t = weight.reshape(groups, c_out // groups, rows).swapaxes(-1, -2)   # (G, rows, C_out/G)
    grad = np.empty((n, c_in, h, w), dtype=delta.dtype)
    step = images_per_chunk(n, groups * rows, pixels, delta.itemsize)
    for start in range(0, n, step):
        delta_part = delta[start:start + step]
        if wide:                               # δ with zero columns out to the padded width
            delta_part = pad2d(delta_part, (0, 0, 0, row_width - out_size[1]))
        d_rows = delta_rows(delta_part, groups)                            # (G, C_out/G, n·pixels)
        images = d_rows.shape[-1] // pixels
        cols = np.matmul(w_mat_t, d_rows)                                   # (G, rows, n·pixels)
        cols = cols.reshape((c_in, kh, kw, images, out_size[0], row_width))
        if by_matrix:
            with np.errstate(invalid="ignore"):          # inf·0, handled just below
                part = col2im_matrix(cols, (h, w), padding, stride, dilation)
            # an inf or NaN among the columns spreads NaN through S's zeros to
            # (nearly) every entry: then, and only then, take the tap adds
            if not np.isnan(part).any():
                grad[start:start + step] = part
                continue
        if any(padding):
            grad_padded = np.zeros((images, c_in) + padded_size, dtype=delta.dtype)
        else:                                  # nothing to crop: add straight into grad
            grad_padded = grad[start:start + step]
            grad_padded[...] = 0
        if wide:
            col2im_add_wide(cols, grad_padded, dilation, out_size[1])
        else:
            col2im_add(cols, grad_padded, stride, dilation)
        if any(padding):
            grad[start:start + step] = grad_padded[:, :, top:top + h, left:left + w]  # crop P
    return grad


def conv2d_weight_grad(a, delta, weight_shape, stride, padding, dilation, groups, cols=None):
    """``∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}``, i.e.
    ``∂L/∂w_{uv} = Σ_n Σ_{i,j} δ_{ij} · a_{iS+uD, jS+vD}`` = ``Σ_n δ_n · im2col(a)_nᵀ``.

    Shape:
        a: (N, C_in, H, W);  delta: (N, C_out, H_out, W_out);
        weight_shape: (C_out, C_in/groups, kH, kW) → returns that shape;
        cols: im2col(a) of the whole batch if forward kept it, else None.
    """
    n = a.shape[0]
    c_out, c_in_g, kh, kw = weight_shape
    out_size = tuple(delta.shape[2:])
    rows, pixels = c_in_g * kh * kw, out_size[0] * out_size[1]
    step = images_per_chunk(n, groups * rows, pixels, a.itemsize)
    per_image = conv_per_image.use_per_image(weight_shape, groups)   # a thin layer: GEMM per image
    by_rows = not per_image and conv_rows.use_rows(weight_shape, stride, groups, a.shape[2:])
    # the array owns its memory, so the engine hands it on as ``.grad`` uncopied
    grad = np.zeros(weight_shape, dtype=a.dtype) if n == 0 else np.empty(weight_shape, a.dtype)
    grad_rows = grad.reshape(groups, c_out // groups, rows)          # (G, C_out/G, rows), a view
    for start in range(0, n, step):              # the sum over chunks, in the order of the batch
        recompute = cols is None or step < n
        out = grad_rows if start == 0 else None
        if per_image:
            if recompute:
                cols = conv_per_image.im2col_per_image(pad2d(a[start:start + step], padding),
                                                       (kh, kw), out_size, stride, dilation, groups)
            part = conv_per_image.weight_grad_per_image(delta[start:start + step], cols, groups,
                                                        out=out)
        elif by_rows:
            if recompute:
                cols = conv_rows.row_columns(a[start:start + step], padding, kw, out_size[1],
                                             stride[1], dilation[1])
            part = conv_rows.weight_grad_by_rows(delta[start:start + step], cols, weight_shape,
                                                 dilation[0], out=grad if start == 0 else None)
            if start > 0:
                grad += part
            continue
        else:
            if recompute:
                cols = columns_of(a[start:start + step], padding, (kh, kw), out_size, stride,
                                  dilation)
            d_rows = delta_rows(delta[start:start + step], groups)        # (G, C_out/G, n·pixels)
            # δ (C_out/G, n·pixels) @ colsᵀ (n·pixels, rows): the sum over images and pixels
            images = d_rows.shape[-1] // pixels
            part = np.matmul(d_rows, cols.reshape(groups, rows, images * pixels).swapaxes(-1, -2),
                             out=out)
        if start > 0:
            grad_rows += part
    return grad


# --------------------------------------------------------------------------
# the ops
# --------------------------------------------------------------------------
class Conv2d(Function):
    """2-D convolution (cross-correlation, as in every CNN library).

    Forward (docs/derivations.md): ``z^{(p)} = Σ_d W^{(p,d)} ⊗ a^{(d)} + b^{(p)}``,
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
        a: (N, C_in, H, W) or unbatched (C_in, H, W);  weight: (C_out, C_in/groups, kH, kW);
        bias: (C_out,);  z: (N, C_out, H_out, W_out) (or (C_out, H_out, W_out)) with
        ``H_out = (H + P_top + P_bottom - D·(kH-1) - 1) // S + 1`` (likewise W_out).
    """

    name = "conv2d"

    @staticmethod
    def forward(ctx, a, weight, bias=None, *, stride=(1, 1), padding=(0, 0, 0, 0),
                dilation=(1, 1), groups=1):
        ctx.unbatched = a.ndim == 3                                 # (C_in, H, W): a batch of one
        a = a[None] if ctx.unbatched else a
        ctx.options = (stride, padding, dilation, groups)
        z, cols = conv2d_forward(a, weight, bias, stride, padding, dilation, groups,
                                 keep_cols=True)
        # cols (None unless the batch fit in one chunk) spare rule 2 an im2col
        ctx.save_for_backward(a, weight, cols if ctx.needs_input_grad[1] else None)
        return z[0] if ctx.unbatched else z

    @staticmethod
    def backward(ctx, delta):
        a, weight, cols = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.options
        delta = delta[None] if ctx.unbatched else delta
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:                                 # rule 1
            grad_a = conv2d_input_grad(delta, weight, a.shape, stride, padding, dilation, groups)
            grad_a = grad_a[0] if ctx.unbatched else grad_a
        if ctx.needs_input_grad[1]:                                 # rule 2
            grad_weight = conv2d_weight_grad(a, delta, weight.shape, stride, padding, dilation,
                                             groups, cols=cols)
        if ctx.needs_input_grad[2]:                                 # rule 3
            grad_bias = np.einsum("nchw->c", delta)                 # Σ over n, i, j
        return grad_a, grad_weight, grad_bias
