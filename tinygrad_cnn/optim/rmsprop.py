"""RMSprop: divide each coordinate's gradient by a running RMS of its past gradients.

PyTorch's algorithm (``torch.optim.RMSprop``), step t, gradient g_t = ∂L/∂θ:

    g_t ← -g_t                                  (maximize)
    g_t ← g_t + λ θ_{t-1}                       (weight decay λ ≠ 0)
    v_t = α v_{t-1} + (1 - α) g_t²              (square_avg, v_0 = 0)
    ḡ_t = α ḡ_{t-1} + (1 - α) g_t               (centered only: grad_avg, ḡ_0 = 0)
    d_t = √(v_t - ḡ_t²) + ε   (centered)   or   d_t = √v_t + ε
    b_t = μ b_{t-1} + g_t / d_t,  θ_t = θ_{t-1} - γ b_t     (momentum μ > 0, b_0 = 0)
    θ_t = θ_{t-1} - γ g_t / d_t                             (μ = 0)

Centered RMSprop divides by an estimate of the gradient's standard deviation
(v - ḡ² is its variance) instead of its RMS. Unlike Adam there is no bias
correction: v starts at 0, so the first steps are large (≈ γ/√(1-α)).
"""
import numpy as np

from .optimizer import Optimizer, advance, check_not_differentiable, gradient, new_step, zeros_state


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes; Graves 2013 for ``centered``), PyTorch's
    ``torch.optim.RMSprop``. ``capturable`` and ``foreach`` are accepted and
    change nothing.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> w = tg.tensor([1.0], requires_grad=True)
    >>> w.grad = tg.tensor([2.0])
    >>> optim.RMSprop([w], lr=0.1, alpha=0.75, eps=0.0).step()
    >>> w                            # v = 0.25·4 = 1, θ - γ g/√v = 1 - 0.1·2
    tensor([0.8], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        check_not_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _state_names(self, group):
        names = ["step", "square_avg"]
        if group["momentum"] > 0:
            names.append("momentum_buffer")
        if group["centered"]:
            names.append("grad_avg")
        return names

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            momentum = float(group["momentum"])
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = new_step()
                    state["square_avg"] = zeros_state(param)
                    if momentum > 0:
                        state["momentum_buffer"] = zeros_state(param)
                    if group["centered"]:
                        state["grad_avg"] = zeros_state(param)
                advance(state)
                grad = gradient(param, group)                    # g (+ λθ)
                square_avg = state["square_avg"]._data
                square_avg *= alpha                              # v = α v + (1-α) g²
                square_avg += (1 - alpha) * (grad * grad)
                if group["centered"]:
                    grad_avg = state["grad_avg"]._data
                    grad_avg += (1 - alpha) * (grad - grad_avg)  # ḡ = α ḡ + (1-α) g
                    denom = np.sqrt(square_avg - grad_avg * grad_avg) + eps
                else:
                    denom = np.sqrt(square_avg) + eps
                if momentum > 0:
                    buffer = state["momentum_buffer"]._data
                    buffer *= momentum                           # b = μ b + g/d
                    buffer += grad / denom
                    param._data -= lr * buffer
                else:
                    param._data -= lr * (grad / denom)           # θ ← θ - γ g/d
        return loss
