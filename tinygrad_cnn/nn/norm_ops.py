"""Batch normalisation, one op (PyTorch's semantics).

Per channel c, over the m = N·H·W values of a batch:
``μ = mean(a)``, ``σ² = mean((a − μ)²)`` (biased), ``â = (a − μ) / √(σ² + ε)``,
``z = γ â + β``.

Backward (training mode, where μ and σ² depend on a):
``∂L/∂β = Σ δ``, ``∂L/∂γ = Σ δ ⊙ â``, and with ``δ̂ = γ δ``
``∂L/∂a = (1/√(σ² + ε)) · (δ̂ − mean(δ̂) − â · mean(δ̂ ⊙ â))``.
In evaluation mode μ and σ² are the running statistics, constants, so
``∂L/∂a = γ δ / √(σ²_run + ε)``.
"""
import numpy as np

from ..function import Function


class BatchNorm(Function):
    """Batch normalisation over every axis but the channel axis 1.

    When ``training``, the running statistics (arrays, updated in place) move
    towards the batch's: ``run ← (1 − momentum)·run + momentum·batch``, using
    the unbiased variance (divided by m − 1) for ``running_var``, as PyTorch.

    Shape:
        a: (N, C) or (N, C, H, W);  weight γ, bias β: (C,);  z: like a.
    """

    name = "batch_norm"

    @staticmethod
    def forward(ctx, a, weight=None, bias=None, *, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        axes = (0,) + tuple(range(2, a.ndim))                      # all but the channels
        shape = (1, -1) + (1,) * (a.ndim - 2)                       # broadcast a (C,) vector
        if training:
            mean = a.mean(axis=axes)
            var = a.var(axis=axes)
            if running_mean is not None:
                count = a.size // a.shape[1]
                running_mean *= 1 - momentum
                running_mean += momentum * mean
                running_var *= 1 - momentum
                running_var += momentum * var * (count / max(count - 1, 1))
        else:
            mean, var = running_mean, running_var
        inv_std = (1.0 / np.sqrt(var + eps)).astype(a.dtype)      # (C,)
        normalized = (a - mean.reshape(shape)) * inv_std.reshape(shape)   # â
        ctx.save_for_backward(normalized, inv_std, weight)
        ctx.training, ctx.axes, ctx.broadcast = training, axes, shape
        z = normalized if weight is None else normalized * weight.reshape(shape)
        if bias is not None:
            z = z + bias.reshape(shape)
        return z

    @staticmethod
    def backward(ctx, delta):
        normalized, inv_std, weight = ctx.saved_tensors
        axes, shape = ctx.axes, ctx.broadcast
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            delta_hat = delta if weight is None else delta * weight.reshape(shape)   # δ̂ = γδ
            if ctx.training:
                centred = (delta_hat - delta_hat.mean(axis=axes, keepdims=True)
                           - normalized * (delta_hat * normalized).mean(axis=axes, keepdims=True))
                grad_a = centred * inv_std.reshape(shape)
            else:
                grad_a = delta_hat * inv_std.reshape(shape)
        if ctx.needs_input_grad[1]:
            grad_weight = (delta * normalized).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            grad_bias = delta.sum(axis=axes)
        return grad_a, grad_weight, grad_bias
