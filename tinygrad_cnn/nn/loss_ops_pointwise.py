"""Pointwise losses: one loss per entry, then reduced — MSE, L1, smooth L1,
Huber, binary cross-entropy (on probabilities and on logits) and KL divergence.

Each op computes the per-entry losses ``l_i`` of input x and target t (which
broadcast against each other, as in PyTorch), multiplies them by the optional
weight, and reduces: ``L = Σ_i l_i`` ('sum'), ``L = Σ_i l_i / D`` ('mean'), or
keeps them ('none'). Backward therefore starts from ``∂L/∂l_i`` (δ, or δ / D,
times the weight: `entry_deltas`) and multiplies by each entry's local
derivative ``∂l_i/∂x_i`` — the rule written in each op's docstring — summed
back to x's and t's own shapes where they were broadcast.
"""
import numpy as np

from ..function import Function
from ..ops._helpers import shape_of, unbroadcast
from .activation_ops_smooth import softplus
from .loss_ops import reduce_loss, spread_delta


def reduce_entries(ctx, losses, reduction, weight, weighted_mean=False):
    """Weight and reduce per-entry losses; remember on ``ctx`` what `entry_deltas`
    needs. D for 'mean' is the number of entries, or Σ weight when
    ``weighted_mean`` (PyTorch's weighted ``mse_loss`` and ``l1_loss``).

    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace()
    >>> reduce_entries(ctx, np.array([1.0, 4.0]), "mean", np.array([3.0, 1.0]), True)
    np.float64(1.75)
    >>> entry_deltas(ctx, np.array(1.0))            # δ / Σw, times each weight
    array([0.75, 0.25])
    """
    if weight is not None:
        losses = losses * weight
    divisor = weight.sum() if weighted_mean and weight is not None else losses.size
    ctx.reduction_state = (reduction, divisor, losses.shape, weight)
    return reduce_loss(losses, reduction, divisor)


def entry_deltas(ctx, delta):
    """``∂L/∂l_i`` for every unweighted per-entry loss: δ (or δ / D) times w_i."""
    reduction, divisor, shape, weight = ctx.reduction_state
    deltas = spread_delta(delta, shape, reduction, divisor)
    return deltas if weight is None else deltas * weight


def _input_and_target_grads(ctx, grad, x_shape, t_shape, target_grad=None):
    """Sum an entry gradient back to x's shape, and −grad (or ``target_grad``) to t's."""
    grad_x = unbroadcast(grad, x_shape) if ctx.needs_input_grad[0] else None
    grad_t = None
    if ctx.needs_input_grad[1]:
        grad_t = unbroadcast(-grad if target_grad is None else target_grad, t_shape)
    return grad_x, grad_t


class MseLoss(Function):
    """``l = (x − t)²``, so ``∂l/∂x = 2(x − t)`` and ``∂l/∂t = −2(x − t)``.

    Shape:
        x, t: broadcastable (PyTorch warns when they differ);  weight: x's shape.
    """

    @staticmethod
    def forward(ctx, x, target, *, reduction, weight=None):
        difference = x - target
        ctx.save_for_backward(difference)
        ctx.shapes = (shape_of(x), shape_of(target))
        return reduce_entries(ctx, difference * difference, reduction, weight, weighted_mean=True)

    @staticmethod
    def backward(ctx, delta):
        (difference,) = ctx.saved_tensors
        grad = 2 * difference * entry_deltas(ctx, delta)
        return _input_and_target_grads(ctx, grad, *ctx.shapes)


class L1Loss(Function):
    """``l = |x − t|``, so ``∂l/∂x = sign(x − t)`` (0 where x = t, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, target, *, reduction, weight=None):
        difference = x - target
        ctx.save_for_backward(difference)
        ctx.shapes = (shape_of(x), shape_of(target))
        return reduce_entries(ctx, np.abs(difference), reduction, weight, weighted_mean=True)

    @staticmethod
    def backward(ctx, delta):
        (difference,) = ctx.saved_tensors
        grad = np.sign(difference) * entry_deltas(ctx, delta)
        return _input_and_target_grads(ctx, grad, *ctx.shapes)


class SmoothL1Loss(Function):
    """With d = x − t: ``l = d² / (2β)`` where |d| < β, else ``|d| − β/2``
    (β = 0 is the L1 loss). So ``∂l/∂x = clip(d / β, −1, 1)``: d / β inside,
    ±1 outside (sign(d) for β = 0).
    """

    @staticmethod
    def forward(ctx, x, target, *, reduction, beta):
        difference = x - target
        size = np.abs(difference)
        if beta == 0:
            losses = size
        else:
            losses = np.where(size < beta, 0.5 * difference * difference / beta, size - 0.5 * beta)
        ctx.save_for_backward(difference)
        ctx.shapes, ctx.beta = (shape_of(x), shape_of(target)), beta
        return reduce_entries(ctx, losses, reduction, None)

    @staticmethod
    def backward(ctx, delta):
        (difference,) = ctx.saved_tensors
        beta = ctx.beta
        slope = np.sign(difference) if beta == 0 else np.clip(difference / beta, -1, 1)
        return _input_and_target_grads(ctx, slope * entry_deltas(ctx, delta), *ctx.shapes)


class HuberLoss(Function):
    """With d = x − t: ``l = d² / 2`` where |d| < δ_H, else ``δ_H (|d| − δ_H / 2)``,
    so ``∂l/∂x = clip(d, −δ_H, δ_H)``. (Huber = δ_H · smooth L1 with β = δ_H.)
    A weighted mean divides by the number of entries, as PyTorch's does.
    """

    @staticmethod
    def forward(ctx, x, target, *, reduction, delta, weight=None):
        difference = x - target
        size = np.abs(difference)
        losses = np.where(size < delta, 0.5 * difference * difference, delta * (size - 0.5 * delta))
        ctx.save_for_backward(difference)
        ctx.shapes, ctx.huber_delta = (shape_of(x), shape_of(target)), delta
        return reduce_entries(ctx, losses, reduction, weight)

    @staticmethod
    def backward(ctx, delta):
        (difference,) = ctx.saved_tensors
        slope = np.clip(difference, -ctx.huber_delta, ctx.huber_delta)
        return _input_and_target_grads(ctx, slope * entry_deltas(ctx, delta), *ctx.shapes)


class BinaryCrossEntropy(Function):
    """On probabilities x ∈ [0, 1]: ``l = −(t log x + (1 − t) log(1 − x))``, each
    log clamped at −100 as PyTorch does, so x = 0 or 1 gives a finite loss.

    Backward: ``∂l/∂x = (x − t) / (x (1 − x))``, the denominator clamped at
    1e-12 (PyTorch's ε); ``∂l/∂t = log(1 − x) − log x = −logit(x)``.
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx, x, target, *, reduction, weight=None):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_rest = np.maximum(np.log1p(-x), -100)
        losses = -(target * log_x + (1 - target) * log_rest)
        ctx.save_for_backward(x, target)
        return reduce_entries(ctx, losses, reduction, weight)

    @staticmethod
    def backward(ctx, delta):
        x, target = ctx.saved_tensors
        deltas = entry_deltas(ctx, delta)
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_x = unbroadcast((x - target) / np.maximum(x * (1 - x), 1e-12) * deltas, x.shape)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                grad_t = unbroadcast((np.log1p(-x) - np.log(x)) * deltas, target.shape)
        return grad_x, grad_t


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid and binary cross-entropy as one node, on logits x, with the
    positive-class weight p (``pos_weight``, 1 by default):

        l = −(p t log σ(x) + (1 − t) log(1 − σ(x)))
          = p t · softplus(−x) + (1 − t) · softplus(x)      (log σ(x) = −softplus(−x))

    The softplus form is finite for logits of any size.
    Backward: ``∂l/∂x = (1 − t) σ(x) − p t (1 − σ(x))`` — for p = 1 simply
    ``σ(x) − t``, the binary twin of softmax − onehot;
    ``∂l/∂t = p · softplus(−x) − softplus(x)``.

    Shape:
        x, t: the same shape;  weight, pos_weight: broadcast against x
        (pos_weight usually (C,), one per class in the last dim).
    """

    name = "binary_cross_entropy_with_logits"

    @staticmethod
    def forward(ctx, x, target, *, reduction, weight=None, pos_weight=None):
        positive_weight = 1 if pos_weight is None else pos_weight
        losses = positive_weight * target * softplus(-x) + (1 - target) * softplus(x)
        ctx.save_for_backward(x, target)
        ctx.pos_weight = positive_weight
        return reduce_entries(ctx, losses, reduction, weight)

    @staticmethod
    def backward(ctx, delta):
        x, target = ctx.saved_tensors
        p = ctx.pos_weight
        deltas = entry_deltas(ctx, delta)
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            sigmoid = np.exp(-softplus(-x))                        # σ(x), computed stably
            grad_x = unbroadcast(((1 - target) * sigmoid - p * target * (1 - sigmoid)) * deltas,
                                 x.shape)
        if ctx.needs_input_grad[1]:
            grad_t = unbroadcast((p * softplus(-x) - softplus(x)) * deltas, target.shape)
        return grad_x, grad_t


class KlDiv(Function):
    """Kullback–Leibler divergence with the input as log-probabilities x = log q:

        l = t (log t − x)          (0 where t = 0)
        l = e^t (t − x)            with ``log_target=True`` (t is log p)

    Backward: ``∂l/∂x = −t`` (or ``−e^t``); ``∂l/∂t = log t + 1 − x`` (or
    ``e^t (t − x + 1)``). 'batchmean' divides the sum by N = x.shape[0],
    which is the KL divergence of the definition averaged over the batch.
    """

    @staticmethod
    def forward(ctx, x, target, *, reduction, log_target):
        if log_target:
            losses = np.exp(target) * (target - x)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):      # t log t: NaN for t < 0
                t_log_t = np.where(target == 0, 0, target * np.log(target))
            losses = t_log_t - target * x
        ctx.save_for_backward(x, target)
        ctx.log_target = log_target
        batch = x.shape[0] if x.ndim else 1
        if reduction == "batchmean":
            ctx.reduction_state = ("mean", batch, losses.shape, None)
            return reduce_loss(losses, "mean", batch)
        return reduce_entries(ctx, losses, reduction, None)

    @staticmethod
    def backward(ctx, delta):
        x, target = ctx.saved_tensors
        deltas = entry_deltas(ctx, delta)
        if ctx.log_target:
            grad_x = -np.exp(target)
            with np.errstate(over="ignore"):
                grad_t = np.exp(target) * (target - x + 1)
        else:
            grad_x = -target
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_t = np.log(target) + 1 - x
        return (unbroadcast(grad_x * deltas, x.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad_t * deltas, target.shape) if ctx.needs_input_grad[1] else None)
