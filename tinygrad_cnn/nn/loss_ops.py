"""Losses: cross-entropy (softmax fused in), negative log-likelihood, MSE.

DERIVATIONS.md: softmax followed by cross-entropy has the error term
``δ = softmax(z) − onehot(y)`` (divided by the batch size for a mean loss);
fusing the two into one op gives exactly that rule and keeps it stable for
any logits.
"""
import numpy as np

from ..function import Function


def reduce_loss(per_sample, reduction):
    """'none' → per-sample losses, 'sum' → their sum, 'mean' → their mean."""
    if reduction == "none":
        return per_sample
    total = per_sample.sum()
    return total / per_sample.size if reduction == "mean" else total


def delta_per_sample(delta, shape, reduction):
    """δ of the reduced loss → δ of each per-sample loss, shaped ``shape``."""
    if reduction == "none":
        return delta
    count = int(np.prod(shape)) if reduction == "mean" else 1
    return np.broadcast_to(delta / count, shape)


class CrossEntropy(Function):
    """``L_n = −log softmax(z_n)[y_n] = log Σ_c e^{z_{nc}} − z_{n y_n}``.

    The log-sum-exp is taken after subtracting each row's maximum, so logits
    of ±1e4 give a finite loss and finite gradients.

    Backward: ``δ_z = (softmax(z) − onehot(y)) · δ_L``, divided by N for
    ``reduction='mean'``.

    Shape:
        z: (N, C) float;  target y: (N,) int64 in [0, C);  loss: () or (N,) for 'none'.
    """

    name = "cross_entropy"

    @staticmethod
    def forward(ctx, logits, target, *, reduction="mean"):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_probs = shifted - log_sum_exp                          # (N, C), all finite
        rows = np.arange(len(target))
        per_sample = -log_probs[rows, target]                      # (N,)
        ctx.save_for_backward(log_probs, target)
        ctx.reduction = reduction
        return reduce_loss(per_sample, reduction)

    @staticmethod
    def backward(ctx, delta):
        log_probs, target = ctx.saved_tensors
        n = len(target)
        delta_n = delta_per_sample(delta, (n,), ctx.reduction).astype(log_probs.dtype)
        grad = np.exp(log_probs)                                   # softmax(z)
        grad[np.arange(n), target] -= 1                            # − onehot(y)
        grad *= delta_n[:, None]
        return grad, None


class NllLoss(Function):
    """``L_n = −x_{n y_n}`` for log-probabilities x, so ``∂L/∂x`` is
    ``−δ_L`` at each sample's target class and 0 elsewhere.

    Shape:
        x: (N, C);  target: (N,) int64;  loss: () or (N,).
    """

    @staticmethod
    def forward(ctx, log_probs, target, *, reduction="mean"):
        ctx.input_shape, ctx.reduction = log_probs.shape, reduction
        ctx.save_for_backward(target)
        return reduce_loss(-log_probs[np.arange(len(target)), target], reduction)

    @staticmethod
    def backward(ctx, delta):
        (target,) = ctx.saved_tensors
        n = len(target)
        grad = np.zeros(ctx.input_shape, dtype=delta.dtype)
        grad[np.arange(n), target] = -delta_per_sample(delta, (n,), ctx.reduction)
        return grad, None


class MseLoss(Function):
    """``L = (x − t)²`` per entry, reduced; ``∂L/∂x = 2(x − t) · δ`` (divided by
    the number of entries for 'mean'), ``∂L/∂t = −∂L/∂x``."""

    @staticmethod
    def forward(ctx, x, target, *, reduction="mean"):
        difference = x - target
        ctx.save_for_backward(difference)
        ctx.reduction = reduction
        return reduce_loss(difference * difference, reduction)

    @staticmethod
    def backward(ctx, delta):
        (difference,) = ctx.saved_tensors
        grad = 2 * difference * delta_per_sample(delta, difference.shape, ctx.reduction)
        return (grad if ctx.needs_input_grad[0] else None,
                -grad if ctx.needs_input_grad[1] else None)
