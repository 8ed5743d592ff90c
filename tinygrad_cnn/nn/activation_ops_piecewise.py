"""Piecewise activations: hardtanh (and relu6), hardsigmoid, hardswish,
threshold, and prelu (a leaky ReLU with a learned slope per channel).

Each f' is a constant on every piece, so backward multiplies δ by that
constant: docs/derivations.md's ``δ^{l} = f'(z^{l}) ⊙ (…)``. At a kink PyTorch
picks one side, and so do we (each docstring says which). A NaN input falls
on the side whose test it fails, as in PyTorch — usually passing δ through.
"""
import numpy as np

from ..function import Function


class Hardtanh(Function):
    """``hardtanh(x) = clip(x, min_val, max_val)``, so ``f'(x) = 1`` strictly inside
    (min_val, max_val) and 0 elsewhere — 0 at the edges themselves, as PyTorch.
    ``relu6`` is hardtanh(x, 0, 6) (`Relu6`)."""

    @staticmethod
    def forward(ctx, x, *, min_val, max_val):
        ctx.save_for_backward(~((x <= min_val) | (x >= max_val)))     # NaN passes δ
        low, high = np.asarray(min_val, x.dtype), np.asarray(max_val, x.dtype)
        return np.minimum(np.maximum(x, low), high)                   # NaN stays NaN

    @staticmethod
    def backward(ctx, delta):
        (inside,) = ctx.saved_tensors
        return np.where(inside, delta, 0).astype(delta.dtype, copy=False)


class Relu6(Hardtanh):
    """``relu6(x) = min(max(x, 0), 6)``, so ``f'(x) = 1`` on (0, 6), else 0."""

    name = "relu6"


class Hardsigmoid(Function):
    """``hardsigmoid(x) = clip(x/6 + 1/2, 0, 1)`` (0 below −3, 1 above 3), so
    ``f'(x) = 1/6`` on (−3, 3) and 0 elsewhere, edges (and NaN) included."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward((x > -3) & (x < 3))
        return np.minimum(np.maximum(x / 6 + 0.5, 0), 1).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, delta):
        (inside,) = ctx.saved_tensors
        return np.where(inside, delta / 6, 0).astype(delta.dtype, copy=False)


class Hardswish(Function):
    """``hardswish(x) = x · hardsigmoid(x)``: 0 below −3, x above 3,
    ``x (x + 3) / 6`` between. So ``f'(x) = 0`` for x ≤ −3, ``x/3 + 1/2`` on
    (−3, 3), 1 from 3 up (PyTorch's sides at the kinks)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.minimum(np.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx, delta):
        (x,) = ctx.saved_tensors
        slope = np.where(x < 3, x / 3 + 0.5, 1)                          # NaN: 1
        # f' = 0 selects 0 rather than multiplying: an inf δ times 0 would be NaN
        return np.where(x <= -3, 0, delta * slope).astype(delta.dtype, copy=False)


class Threshold(Function):
    """``threshold(x) = value`` where x ≤ threshold, else x; so ``f'(x) = 1``
    above the threshold and 0 at or below it (a NaN input passes, with δ).
    ``relu`` is threshold(x, 0, 0)."""

    @staticmethod
    def forward(ctx, x, *, threshold, value):
        replaced = x <= threshold
        ctx.save_for_backward(replaced)
        return np.where(replaced, np.asarray(value, x.dtype), x)

    @staticmethod
    def backward(ctx, delta):
        (replaced,) = ctx.saved_tensors
        return np.where(replaced, 0, delta).astype(delta.dtype, copy=False)


class Prelu(Function):
    """``prelu(x) = x`` for x > 0, ``a_c · x`` otherwise, with a learned slope a_c
    per channel (dim 1) or one shared slope.

    Backward: ``∂L/∂x = δ`` where x > 0, ``a_c · δ`` elsewhere (0 included);
    ``∂L/∂a_c = Σ δ · x`` over the entries of channel c with x ≤ 0 (every
    position of every sample shares a_c, so their contributions add up).

    Shape:
        x: (N, C, *) or any shape for one slope;  weight: (C,) or (1,).
    """

    @staticmethod
    def forward(ctx, x, weight):
        if weight.size > 1:
            slopes = weight.reshape((-1,) + (1,) * (x.ndim - 2))     # (C, 1, …): along dim 1
        else:
            slopes = weight.reshape(())
        positive = x > 0
        ctx.save_for_backward(x, positive, slopes)
        ctx.weight_shape = weight.shape
        return np.where(positive, x, slopes * x)

    @staticmethod
    def backward(ctx, delta):
        x, positive, slopes = ctx.saved_tensors
        grad_x = grad_weight = None
        if ctx.needs_input_grad[0]:
            grad_x = np.where(positive, delta, slopes * delta)
        if ctx.needs_input_grad[1]:
            contributions = np.where(positive, 0, x * delta)              # δ · x where x ≤ 0
            if int(np.prod(ctx.weight_shape)) > 1:
                axes = (0,) + tuple(range(2, x.ndim))                    # all but channel dim 1
                grad_weight = contributions.sum(axis=axes).reshape(ctx.weight_shape)
            else:
                grad_weight = contributions.sum().reshape(ctx.weight_shape)
        return grad_x, grad_weight
