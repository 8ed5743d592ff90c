"""Pooling: max, average and max-unpooling, each one op whose backward moves δ.

docs/derivations.md, "Pooling layer": pooling has no parameters, and its backward
sends each output's δ back to the window it summarised —

* max pooling: to the position of the window's maximum, recorded in forward;
* average pooling: evenly, δ/n to every position of the window;
* max-unpooling (`MaxUnpool2d`) puts values at recorded positions, so its
  backward reads δ back from them.

Window (i, j) reads the padded input at rows ``i·S + u·D`` (u = 0 … k-1),
columns likewise. Forward and backward loop over the k×k offsets (u, v)
inside the window, never over pixels: for one offset, the input positions it
covers in every window form a strided slice (`_offset`), and one slice-max
or slice-add handles them all. Overlapping windows (stride < kernel)
therefore accumulate, as they must. `tinygrad_cnn.nn.reference` has the
entry-by-entry version.

**Output size** (PyTorch's rule): ``H_out = ⌊(H + 2P - D(k-1) - 1 + e) / S⌋ + 1``
with ``e = S - 1`` under ``ceil_mode`` (rounding up) and 0 otherwise; with
``ceil_mode`` the last window must still start inside the input or the left
padding, else it is dropped. Windows that overhang the bottom/right edge read
extra padding there (-∞ for max, nothing for the average).

All ops accept a batch (N, C, H, W) or one image (C, H, W).
"""
import numpy as np

from .._errors import DTypeError, ShapeError, describe
from .._threads import run_in_batch_chunks
from ..function import Function
from ..ops.activation import pass_where
from .conv_args import CallContext, pair


def pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """One dim of PyTorch's pooling output size (see the module docstring)."""
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1                      # the last window would start in the right padding
    return out


def pool_geometry(op, input, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Check a pooling call and normalise its arguments; returns
    ``(kernel, stride, padding, dilation, out_size)``, the first four as pairs."""
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got {describe(input)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    where = CallContext(input=input)
    kernel = pair(op, "kernel_size", kernel_size, 1, where)
    stride = kernel if stride is None or stride == () else pair(op, "stride", stride, 1, where)
    padding = pair(op, "padding", padding, 0, where)
    dilation = pair(op, "dilation", dilation, 1, where)
    if any(size == 0 for size in input.shape[-3:]):
        raise ShapeError(f"{op}: expected non-zero C, H and W (only the batch may be empty), "
                         f"got input {describe(input)}")
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel} (as in PyTorch){where}")
    out_size = tuple(pool_output_size(size, k, s, p, d, ceil_mode) for size, k, s, p, d in zip(
        input.shape[-2:], kernel, stride, padding, dilation))
    if min(out_size) < 1:
        raise ShapeError(f"{op}: kernel {kernel} with dilation {dilation} and padding {padding} "
                         f"gives an output of size {out_size}, too small{where}")
    return kernel, stride, padding, dilation, out_size


def pool_pads(input_hw, kernel, stride, padding, dilation, out_size):
    """Padding (top, bottom, left, right): P on each side, plus what the last
    window of a ``ceil_mode`` pool reads past the bottom/right padding."""
    pads = []
    for size, k, s, p, d, out in zip(input_hw, kernel, stride, padding, dilation, out_size):
        reach = (out - 1) * s + d * (k - 1) + 1               # rows the windows read
        pads += [p, max(p, reach - size - p)]
    return tuple(pads)


def _pad(x, pads, value):
    """``x`` with its last two axes padded by (top, bottom, left, right) entries
    of ``value`` (one fill and one copy: `np.pad` takes 3× as long)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    h, w = x.shape[-2:]
    padded = np.full(x.shape[:-2] + (h + top + bottom, w + left + right), value, dtype=x.dtype)
    padded[..., top:top + h, left:left + w] = x
    return padded


def _offset(padded, u, v, out_size, stride, dilation=(1, 1)):
    """The entries that offset (u, v) of every window reads: a strided view
    ``(…, H_out, W_out)`` with ``view[..., i, j] = padded[..., iS + uD, jS + vD]``."""
    (h_out, w_out), (sh, sw), (dh, dw) = out_size, stride, dilation
    return padded[..., u * dh:u * dh + (h_out - 1) * sh + 1:sh,
                  v * dw:v * dw + (w_out - 1) * sw + 1:sw]


def _batched(a):
    """(C, H, W) → (1, C, H, W): the ops work on batches; True if it was unbatched."""
    return (a[None], True) if a.ndim == 3 else (a, False)


class MaxPool2d(Function):
    """``z_{ij} = max_{u,v} a_{iS+uD, jS+vD}`` over k×k windows (padding is -∞).

    Backward: ``δ^{l-1}`` is δ at the position recorded for each window's
    maximum and 0 elsewhere (overlapping windows add). Which position is
    recorded, as in PyTorch:

    * ties: the first position of the window in row-major order (the
      textbook's "record the position"; a strict ``>`` scan keeps the first);
    * NaN: a window holding NaN has maximum NaN, and δ goes to its last NaN
      (PyTorch's scan ``if (val > max || isnan(val))``);
    * padding is never recorded: a window whose real entries are all -∞
      routes δ to its first real entry. (Only a dilated window can miss the
      input altogether; its maximum is -∞ and its δ is dropped.)

    ``return_indices``: the recorded positions as flat indices ``r·W + c``
    into each (H, W) plane; a Function returns one array, so forward appends
    them to the list passed as ``indices_out``.

    Shape:
        a: (N, C, H, W) or (C, H, W) → z: (N, C, H_out, W_out) or (C, H_out, W_out).
    """

    name = "max_pool2d"

    @staticmethod
    def forward(ctx, a, *, kernel_size, stride, padding, dilation=(1, 1), out_size,
                indices_out=None):
        a, ctx.unbatched = _batched(a)
        (kh, kw) = kernel_size
        pads = pool_pads(a.shape[2:], kernel_size, stride, padding, dilation, out_size)
        padded = _pad(a, pads, -np.inf)
        offsets = [(u, v) for u in range(kh) for v in range(kw)]       # row-major

        def tap(array, u, v):
            return _offset(array, u, v, out_size, stride, dilation)

        n = a.shape[0]
        z = np.empty(a.shape[:2] + tuple(out_size), dtype=a.dtype)   # (N, C, H_out, W_out)
        record = ctx.needs_input_grad[0] or indices_out is not None
        # record the position of each window's maximum: the first offset
        # (row-major) holding it that is not padding, so ties go to the
        # first. Its index is the number of offsets before it that miss:
        # count, per window, the offsets until the first hit.
        real = _pad(np.ones((1, 1) + a.shape[2:], dtype=bool), pads, False) if any(pads) else None
        where = np.zeros(z.shape, dtype=np.min_scalar_type(kh * kw)) if record else None

        def pool(start, stop):                 # images start:stop (threads split the batch)
            z_part, padded_part = z[start:stop], padded[start:stop]
            np.copyto(z_part, tap(padded_part, 0, 0))
            for u, v in offsets[1:]:
                np.maximum(z_part, tap(padded_part, u, v), out=z_part)   # NaN propagates
            if not record:
                return
            # padding (-∞) can equal a window's maximum only if that is -∞
            real_part = real if real is not None and np.isneginf(z_part).any() else None
            where_part = where[start:stop]
            missed_so_far = np.ones(z_part.shape, dtype=bool)
            miss = np.empty(z_part.shape, dtype=bool)
            # without padding some offset holds the maximum: the last needs no test
            for u, v in offsets if real_part is not None else offsets[:-1]:
                np.not_equal(tap(padded_part, u, v), z_part, out=miss)
                if real_part is not None:
                    miss |= ~tap(real_part, u, v)                     # padding never counts
                missed_so_far &= miss
                where_part += missed_so_far
            if real_part is not None:
                where_part[missed_so_far] = 0        # no real entry in the window: δ is dropped
        run_in_batch_chunks(n, pool, padded.nbytes)
        ctx.geometry = (a.shape, kernel_size, stride, pads, dilation, out_size)
        if record:
            if np.isnan(z).any():                                     # NaN windows: the last NaN
                for index, (u, v) in enumerate(offsets):
                    where[np.isnan(tap(padded, u, v))] = index
            ctx.save_for_backward(where)
            if indices_out is not None:
                indices_out.append(_flat_indices(where, a.shape[3], kernel_size, stride, pads,
                                                 dilation, ctx.unbatched))
        return z[0] if ctx.unbatched else z

    @staticmethod
    def backward(ctx, delta):
        (where,) = ctx.saved_tensors
        (n, c, h, w), (kh, kw), stride, (top, bottom, left, right), dilation, out_size = ctx.geometry
        delta = delta[None] if ctx.unbatched else delta
        grad_padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=delta.dtype)
        overlapping = (stride[0] < dilation[0] * (kh - 1) + 1 or
                       stride[1] < dilation[1] * (kw - 1) + 1)
        if overlapping:                        # a position may get δ from several windows
            _route_to_recorded(grad_padded, delta, where, (kh, kw), stride, dilation)
        else:                                  # each position is in one window: write δ there
            # δ times the 0/1 mask of the windows whose maximum sat at offset (u, v);
            # an inf or NaN δ times 0 would be NaN, so then select instead (slower).
            # One sum tells: it is finite unless some δ is not (or it overflows)
            finite = bool(np.isfinite(delta.sum()))

            def route(start, stop):            # images start:stop (threads split the batch)
                delta_part, where_part = delta[start:stop], where[start:stop]
                for u in range(kh):
                    for v in range(kw):
                        view = _offset(grad_padded[start:stop], u, v, out_size, stride, dilation)
                        at_uv = where_part == u * kw + v
                        if finite:
                            np.multiply(delta_part, at_uv, out=view)
                        else:
                            pass_where(at_uv, delta_part, out=view)
            run_in_batch_chunks(n, route, grad_padded.nbytes)
        grad = grad_padded[:, :, top:top + h, left:left + w]
        return grad[0] if ctx.unbatched else grad


def _route_to_recorded(grad_padded, delta, where, kernel_size, stride, dilation):
    """``grad_padded[n, c, iS + uD, jS + vD] += δ[n, c, i, j]`` for the offset
    (u, v) recorded for window (i, j): the flat position of every recorded
    maximum, then one `np.add.at` (positions that several overlapping windows
    recorded get their δs added, in the order of the windows)."""
    n, c, hp, wp = grad_padded.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    h_out, w_out = delta.shape[2:]
    offsets = (np.arange(kh).reshape(-1, 1) * (dh * wp) + np.arange(kw) * dw).ravel()  # per tap
    origins = np.arange(h_out).reshape(-1, 1) * (sh * wp) + np.arange(w_out) * sw   # per window
    planes = np.arange(n * c).reshape(n, c, 1, 1) * (hp * wp)
    positions = offsets[where] + origins + planes                      # (N, C, H_out, W_out)
    np.add.at(grad_padded.reshape(-1), positions.ravel(), delta.ravel())


def _flat_indices(where, width, kernel_size, stride, pads, dilation, unbatched):
    """Offsets recorded per window → PyTorch's indices ``r·W + c`` into the
    unpadded plane, ``r = i·S + u·D - P_top`` (int64)."""
    h_out, w_out = where.shape[2:]
    u, v = np.divmod(where.astype(np.int64), kernel_size[1])
    rows = np.arange(h_out)[:, None] * stride[0] + u * dilation[0] - pads[0]
    cols = np.arange(w_out)[None, :] * stride[1] + v * dilation[1] - pads[2]
    indices = rows * width + cols                                     # (N, C, H_out, W_out)
    return indices[0] if unbatched else indices


def avg_divisor(input_hw, kernel, stride, padding, out_size, count_include_pad):
    """``n_{ij}``, the divisor of window (i, j), as PyTorch counts it: the
    window's rows × columns, clipped to the padded input (``ceil_mode``
    windows may overhang it), or to the input alone when
    ``count_include_pad=False``. Shape (H_out, W_out)."""
    counts = []
    for size, k, s, p, out in zip(input_hw, kernel, stride, padding, out_size):
        start = np.arange(out) * s - p                  # first row of each window, unpadded
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts.append(end - start)
    return np.outer(*counts)


class AvgPool2d(Function):
    """``z_{ij} = (1/n_{ij}) Σ_{u,v} a_{iS+u, jS+v}`` over zero-padded k×k
    windows. ``n_{ij}`` is ``divisor_override`` when given, else k·k — fewer
    where a ``ceil_mode`` window overhangs the padding, and only the real
    (non-pad) entries when ``count_include_pad=False`` (`avg_divisor`).

    Backward: ``δ^{l-1}`` receives ``δ_{ij} / n_{ij}`` at every position of
    window (i, j) — for non-overlapping windows, ``up(δ) / (k·k)``, the
    Kronecker product with a block of ones; overlapping windows add.

    Shape:
        a: (N, C, H, W) or (C, H, W) → z: (N, C, H_out, W_out) or (C, H_out, W_out).
    """

    name = "avg_pool2d"

    @staticmethod
    def forward(ctx, a, *, kernel_size, stride, padding, out_size, count_include_pad=True,
                divisor_override=None):
        a, ctx.unbatched = _batched(a)
        (kh, kw) = kernel_size
        pads = pool_pads(a.shape[2:], kernel_size, stride, padding, (1, 1), out_size)
        if divisor_override is not None:
            divisor = np.array(divisor_override, dtype=a.dtype)
        else:
            divisor = avg_divisor(a.shape[2:], kernel_size, stride, padding, out_size,
                                  count_include_pad).astype(a.dtype)   # (H_out, W_out)
        padded = _pad(a, pads, 0)
        z = np.zeros(a.shape[:2] + out_size, dtype=a.dtype)           # (N, C, H_out, W_out)
        with np.errstate(invalid="ignore"):                          # inf + (-inf) = NaN, as PyTorch
            for u in range(kh):
                for v in range(kw):
                    z += _offset(padded, u, v, out_size, stride)
        z /= divisor
        ctx.geometry = (a.shape, kernel_size, stride, pads, out_size)
        ctx.divisor = divisor
        return z[0] if ctx.unbatched else z

    @staticmethod
    def backward(ctx, delta):
        (n, c, h, w), (kh, kw), stride, (top, bottom, left, right), out_size = ctx.geometry
        delta = delta[None] if ctx.unbatched else delta
        share = delta / ctx.divisor                                   # δ_{ij} / n_{ij}
        grad_padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=delta.dtype)
        for u in range(kh):
            for v in range(kw):
                _offset(grad_padded, u, v, out_size, stride)[...] += share
        grad = grad_padded[:, :, top:top + h, left:left + w]
        return grad[0] if ctx.unbatched else grad


class MaxUnpool2d(Function):
    """The partial inverse of max pooling: ``z[…, p] = a[…, q]`` at the flat
    position ``p = indices[…, q]`` of each (H_out, W_out) plane, 0 elsewhere
    (the indices are those `max_pool2d(..., return_indices=True)` recorded).

    Backward: z copies a into chosen positions, so ``δ^{l-1}[…, q] =
    δ[…, indices[…, q]]``: δ is read back from where each value was put.

    Shape:
        a, indices: (N, C, H, W) or (C, H, W) → z: (N, C, H_out, W_out) or
        (C, H_out, W_out).
    """

    name = "max_unpool2d"

    @staticmethod
    def forward(ctx, a, indices, *, out_size):
        lead, plane = a.shape[:-2], out_size[0] * out_size[1]
        values = a.reshape(lead + (a.shape[-2] * a.shape[-1],))       # (…, H·W)
        flat_indices = indices.reshape(values.shape)
        z = np.zeros(lead + (plane,), dtype=a.dtype)                  # (…, H_out·W_out)
        np.put_along_axis(z, flat_indices, values, axis=-1)
        ctx.save_for_backward(flat_indices)
        ctx.input_shape = a.shape
        return z.reshape(lead + tuple(out_size))

    @staticmethod
    def backward(ctx, delta):
        (flat_indices,) = ctx.saved_tensors
        lead = delta.shape[:-2]
        delta = delta.reshape(lead + (delta.shape[-2] * delta.shape[-1],))
        picked = np.take_along_axis(delta, flat_indices, axis=-1)
        return picked.reshape(ctx.input_shape), None
