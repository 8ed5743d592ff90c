"""Padding by mode: constant (any sign), reflect, replicate and circular.

Every padding mode is a *gather*: output position p along a padded axis reads
one input index ``r(p)`` (or, for constant padding outside the input, the fill
value). With the output running over ``p = -before … size + after - 1`` in
input coordinates,

* constant:  ``r(p) = p`` inside the input, none (the fill value) outside;
* reflect:   mirror at the edges without repeating them, period 2(size-1):
  ``… a2 a1 | a0 a1 a2 … | a(n-2) …``;
* replicate: ``r(p) = clip(p, 0, size-1)``, the edge repeated;
* circular:  ``r(p) = p mod size``, the opposite edge wrapped around.

A negative ``before``/``after`` starts/stops the range inside the input, so
the same rule crops. (Circular padding, as in PyTorch, crops first and wraps
around the entries that are left.) The last axes are padded one at a time (padding is
separable, so the corners come out right).

Backward is the adjoint of a gather, a scatter-add: ``δ^{l-1}_r = Σ_{p: r(p) = r} δ_p``
— an edge entry that reflect or replicate copied k times gets k δs.

`tinygrad_cnn.pad` (the core constant op, non-negative padding only) is the
fast path `nn.functional.pad` takes when it can.
"""
import numpy as np

from ..function import Function


def source_index(mode, size, before, after):
    """``r(p)`` for the output positions of one axis: an int array of length
    ``size + before + after``, with -1 where constant padding fills in.

    >>> source_index("reflect", 3, 2, 2)
    array([2, 1, 0, 1, 2, 1, 0])
    >>> source_index("replicate", 3, 2, -1)
    array([0, 0, 0, 1])
    """
    positions = np.arange(-before, size + after)          # output positions, input coordinates
    if mode == "constant":
        return np.where((positions >= 0) & (positions < size), positions, -1)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if mode == "circular":       # PyTorch crops first, then wraps around what is left
        start, stop = max(-before, 0), size - max(-after, 0)
        return start + (positions - start) % (stop - start)
    if size == 1:                                          # reflect: only a zero pad is allowed
        return np.zeros_like(positions)
    period = 2 * (size - 1)
    folded = positions % period
    return np.where(folded < size, folded, period - folded)


class _GatherPad(Function):
    """``z[…, p, q] = a[…, r_H(p), r_W(q)]`` (the fill value where r is none).

    Backward: ``δ^{l-1}[…, r, s] = Σ_{p, q: r_H(p) = r, r_W(q) = s} δ[…, p, q]``,
    the scatter-add of δ back to the entries each output copied.

    Shape:
        a: (…, H, W) (or (…, W) for one padded dim) → z: (…, H + P_top + P_bottom,
        W + P_left + P_right).
    """

    mode = None

    @staticmethod
    def forward(ctx, a, *, pad, value=0.0):
        # pad is PyTorch's (left, right, top, bottom, …): pairs from the last dim backwards
        ctx.maps = []
        z = a
        for i in range(len(pad) // 2):
            axis = a.ndim - 1 - i
            index = source_index(ctx.mode, a.shape[axis], pad[2 * i], pad[2 * i + 1])
            ctx.maps.append((axis, index, a.shape[axis]))
            if a.shape[axis] == 0:                                  # constant: nothing to gather
                z = np.full(z.shape[:axis] + index.shape + z.shape[axis + 1:], value, z.dtype)
                continue
            z = np.take(z, np.maximum(index, 0), axis=axis)        # gather along this axis
            if ctx.mode == "constant":
                fill = [slice(None)] * a.ndim
                fill[axis] = index < 0
                z[tuple(fill)] = value
        return z

    @staticmethod
    def backward(ctx, delta):
        grad = delta
        for axis, index, size in reversed(ctx.maps):
            moved = np.moveaxis(grad, axis, 0)                      # (out, …)
            summed = np.zeros((size,) + moved.shape[1:], dtype=delta.dtype)
            kept = index >= 0                                       # constant fill sends nothing back
            np.add.at(summed, index[kept], moved[kept])             # δ_r = Σ_{p: r(p)=r} δ_p
            grad = np.moveaxis(summed, 0, axis)
        return grad


class ConstantPad(_GatherPad):
    __doc__ = _GatherPad.__doc__
    name = "constant_pad"
    mode = "constant"


class ReflectionPad(_GatherPad):
    __doc__ = _GatherPad.__doc__
    name = "reflection_pad"
    mode = "reflect"


class ReplicationPad(_GatherPad):
    __doc__ = _GatherPad.__doc__
    name = "replication_pad"
    mode = "replicate"


class CircularPad(_GatherPad):
    __doc__ = _GatherPad.__doc__
    name = "circular_pad"
    mode = "circular"


PAD_OPS = {"constant": ConstantPad, "reflect": ReflectionPad, "replicate": ReplicationPad,
           "circular": CircularPad}
