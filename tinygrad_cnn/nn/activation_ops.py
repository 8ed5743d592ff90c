"""The fully connected layer, leaky ReLU, GLU, softmin, Dropout and Dropout2d
(softmax and log-softmax live in the core, `ops/softmax.py`).

(``relu``, ``sigmoid`` and ``tanh`` are core ops, ``tinygrad_cnn.ops``; the other
activations are in `activation_ops_smooth` and `activation_ops_piecewise`.)
DERIVATIONS.md, "Fully connected layer and softmax":
``δ^{l} = f'(z^{l}) ⊙ (W^{l+1})ᵀ δ^{l+1}``, ``∂L/∂W^l = δ^l (a^{l-1})ᵀ``,
``∂L/∂b^l = δ^l`` — here with a batch in the rows, so the per-sample outer
products add up.
"""
import numpy as np

from .. import _state
from ..function import Function
from ..ops.softmax import LogSoftmax, Softmax, _softmax  # noqa: F401  (softmax lives in the core)


class Linear(Function):
    """``z = a Wᵀ + b`` (PyTorch's weight layout (out, in)).

    Backward: ``δ_a = δ W``, ``∂L/∂W = δᵀ a`` (summed over the batch),
    ``∂L/∂b = Σ δ`` — the FC rules with samples as rows.

    Shape:
        a: (*, in);  weight: (out, in);  bias: (out,);  z: (*, out).
    """

    name = "linear"

    @staticmethod
    def forward(ctx, a, weight, bias=None):
        ctx.save_for_backward(a, weight)
        z = a @ weight.T                                   # (*, out)
        if bias is not None:
            z += bias
        return z

    @staticmethod
    def backward(ctx, delta):
        a, weight = ctx.saved_tensors
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_a = delta @ weight                        # (*, in)
        if ctx.needs_input_grad[1]:
            rows_delta = delta.reshape(-1, delta.shape[-1])    # (batch, out)
            rows_a = a.reshape(-1, a.shape[-1])                # (batch, in)
            grad_weight = rows_delta.T @ rows_a                # (out, in)
        if ctx.needs_input_grad[2]:
            grad_bias = delta.reshape(-1, delta.shape[-1]).sum(axis=0)
        return grad_a, grad_weight, grad_bias


class LeakyRelu(Function):
    """``z = x`` for x > 0, ``negative_slope · x`` otherwise, so
    ``∂L/∂x = δ ⊙ (1 if x > 0 else negative_slope)``."""

    @staticmethod
    def forward(ctx, x, *, negative_slope=0.01):
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.negative_slope = negative_slope
        return np.where(positive, x, x * np.asarray(negative_slope, dtype=x.dtype))

    @staticmethod
    def backward(ctx, delta):
        (positive,) = ctx.saved_tensors
        return np.where(positive, delta, delta * np.asarray(ctx.negative_slope, dtype=delta.dtype))


class Glu(Function):
    """Gated linear unit: split x in halves a, b along ``dim``; ``z = a ⊙ σ(b)``.
    So ``∂L/∂a = δ ⊙ σ(b)`` and ``∂L/∂b = δ ⊙ a ⊙ σ(b)(1 − σ(b))``, put back
    side by side.

    Shape:
        x: (*, 2M, *) with 2M at ``dim``;  z: (*, M, *).
    """

    @staticmethod
    def forward(ctx, x, *, dim):
        a, b = np.split(x, 2, axis=dim)
        gate = np.exp(-np.logaddexp(0, -b)).astype(x.dtype, copy=False)   # σ(b), stable
        ctx.save_for_backward(a, gate)
        ctx.dim = dim
        return a * gate

    @staticmethod
    def backward(ctx, delta):
        a, gate = ctx.saved_tensors
        grad_a = delta * gate
        grad_b = delta * a * gate * (1 - gate)
        return np.concatenate([grad_a, grad_b], axis=ctx.dim)


class Softmin(Function):
    """``y = softmax(−x)`` along ``dim``: the smallest entries get the most weight.
    With ``∂y_i/∂x_j = −y_i (1[i = j] − y_j)``: ``∂L/∂x = −y ⊙ (δ − Σ_j δ_j y_j)``."""

    @staticmethod
    def forward(ctx, x, *, dim):
        y = _softmax(-x, dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, delta):
        (y,) = ctx.saved_tensors
        return -y * (delta - (delta * y).sum(axis=ctx.dim, keepdims=True))




class Dropout(Function):
    """Inverted dropout: ``z = x ⊙ m / (1 − p)`` with ``m_i ~ Bernoulli(1 − p)``
    drawn from the global generator, so ``∂L/∂x = δ ⊙ m / (1 − p)``; the
    expected value of z is x, so nothing changes at evaluation time."""

    @staticmethod
    def forward(ctx, x, *, p):
        keep = _state.rng.random(x.shape) >= p
        scale = np.asarray(0.0 if p == 1 else 1.0 / (1.0 - p), dtype=x.dtype)
        mask = keep * scale                                # 0 or 1/(1-p), x's dtype
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, delta):
        (mask,) = ctx.saved_tensors
        return delta * mask


class Dropout2d(Function):
    """Channel dropout: one draw per (sample, channel) map, ``m_{n,c} ~ Bernoulli(1 − p)``,
    and ``z_{n,c} = x_{n,c} ⊙ m_{n,c} / (1 − p)`` for every pixel of that map, so
    ``∂L/∂x_{n,c} = δ_{n,c} ⊙ m_{n,c} / (1 − p)``: a dropped map sends no δ back.

    Shape:
        x: (N, C, *);  mask: (N, C, 1, …, 1), broadcast over the pixels;  z: like x.
    """

    name = "dropout2d"

    @staticmethod
    def forward(ctx, x, *, p):
        mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)                 # (N, C, 1, 1)
        keep = _state.rng.random(mask_shape) >= p
        scale = np.asarray(0.0 if p == 1 else 1.0 / (1.0 - p), dtype=x.dtype)
        mask = keep * scale                                            # 0 or 1/(1-p)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, delta):
        (mask,) = ctx.saved_tensors
        return delta * mask                                            # broadcast over H, W
