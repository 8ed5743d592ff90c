"""Padding: `pad` with PyTorch's four modes; the gathers and their backward are in
`nn.padding_ops`, constant non-negative padding is the core `tinygrad_cnn.pad`."""
import numpy as np

from ..._errors import ShapeError, describe
from ...ops.movement import pad as constant_pad
from ..padding_ops import PAD_OPS

MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative entries, crop) the last dims, PyTorch's ``F.pad``.

    ``pad`` lists (before, after) pairs from the *last* dim backwards:
    ``(left, right)``, ``(left, right, top, bottom)``, …. ``mode``:

    * ``'constant'``: fill with ``value`` (default 0), any number of dims;
    * ``'reflect'``: mirror without repeating the edge (each pad < that dim);
    * ``'replicate'``: repeat the edge entry;
    * ``'circular'``: wrap around (each pad ≤ that dim, after any cropping).

    The non-constant modes pad the last 1, 2 or 3 dims of a tensor with one
    or two more dims than that (as PyTorch: e.g. (C, H, W) or (N, C, H, W)
    for 4 pads). Backward sends δ of every output entry back to the input
    entry it copied (adding up where an entry was copied several times).

    Shape:
        input: (…, H, W) → (…, H + top + bottom, W + left + right) for 4 pads.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.pad(tg.tensor([[[1.0, 2.0, 3.0]]]), (2, 1), mode="reflect")
    tensor([[[3., 2., 1., 2., 3., 2.]]])
    >>> F.pad(tg.tensor([[[1.0, 2.0, 3.0]]]), (1, -1), value=9.0)
    tensor([[[9., 1., 2.]]])
    """
    pad = tuple(pad)
    op = f"pad(mode={mode!r})"
    if mode not in MODES:
        raise NotImplementedError(f"pad: mode must be one of {MODES}, got {mode!r}; input "
                                  f"{describe(input)}")
    if len(pad) % 2 or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"{op}: pad must hold an even number of ints, got {pad}; input "
                         f"{describe(input)}")
    dims = len(pad) // 2
    if dims > input.ndim:
        raise ValueError(f"{op}: {len(pad)} pads give {dims} dims, but the input "
                         f"{describe(input)} has {input.ndim}")
    for i in range(dims):
        if input.shape[input.ndim - 1 - i] + min(pad[2 * i], 0) + min(pad[2 * i + 1], 0) < 0:
            raise ShapeError(f"{op}: pad {pad} crops more than dim {input.ndim - 1 - i} of the "
                             f"input {describe(input)} holds")
    if mode == "constant":
        value = 0.0 if value is None else value
        if min(pad, default=0) >= 0:
            return constant_pad(input, pad, value)                   # the core op
        return PAD_OPS[mode].apply(input, pad=pad, value=value)
    if value is not None:
        raise ValueError(f"{op}: padding mode {mode!r} takes no value argument (got {value!r}); "
                         f"input {describe(input)}")
    if dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"{op}: {len(pad)} pads need a {dims + 1}-D or {dims + 2}-D input (pads for 1, 2 or "
            f"3 dims, as PyTorch), got {describe(input)}")
    for i in range(dims):
        axis = input.ndim - 1 - i
        size, before, after = input.shape[axis], pad[2 * i], pad[2 * i + 1]
        if size == 0:
            raise ShapeError(f"{op}: cannot pad an empty dim {axis} of {describe(input)}")
        if mode == "reflect" and max(before, after) >= size:
            raise ValueError(f"{op}: padding ({before}, {after}) of dim {axis} must be smaller "
                             f"than its size {size}; input {describe(input)}")
        left = size - max(-before, 0) - max(-after, 0)           # what circular wraps around
        if mode == "circular" and max(before, after) > left:
            raise ValueError(f"{op}: padding ({before}, {after}) of dim {axis} would wrap around "
                             f"more than once (at most {left}, the size left after cropping); "
                             f"input {describe(input)}")
    return PAD_OPS[mode].apply(input, pad=pad)

