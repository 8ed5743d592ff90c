"""Adadelta: Adagrad's idea with running averages, and a step in θ's own units.

PyTorch's algorithm (``torch.optim.Adadelta``), step t, gradient g_t = ∂L/∂θ:

    g_t ← -g_t                                  (maximize)
    g_t ← g_t + λ θ_{t-1}                       (weight decay λ ≠ 0)
    v_t = ρ v_{t-1} + (1 - ρ) g_t²              (square_avg, v_0 = 0)
    Δθ_t = √(u_{t-1} + ε) / √(v_t + ε) · g_t    (u: acc_delta, u_0 = 0)
    u_t = ρ u_{t-1} + (1 - ρ) Δθ_t²
    θ_t = θ_{t-1} - γ Δθ_t                      (γ = lr, 1.0 by default)

The ratio √(u + ε)/√(v + ε) is RMS(past steps)/RMS(gradients), so Δθ has the
units of θ and no learning rate is needed (Zeiler 2012); γ just scales it.
"""
import numpy as np

from .optimizer import Optimizer, advance, check_not_differentiable, gradient, new_step, zeros_state


class Adadelta(Optimizer):
    """Adadelta (Zeiler), PyTorch's ``torch.optim.Adadelta``. ``foreach`` and
    ``capturable`` are accepted and change nothing.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> w = tg.tensor([0.0], requires_grad=True)
    >>> w.grad = tg.tensor([2.0])
    >>> optim.Adadelta([w], lr=1.0, rho=0.5, eps=1.0).step()
    >>> w                            # v = 0.5·4 = 2, Δθ = √1/√3 · 2
    tensor([-1.1547], requires_grad=True)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        check_not_differentiable(differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _state_names(self, group):
        return ["step", "square_avg", "acc_delta"]

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = new_step()
                    state["square_avg"] = zeros_state(param)
                    state["acc_delta"] = zeros_state(param)
                advance(state)
                grad = gradient(param, group)                    # g (+ λθ)
                square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
                square_avg *= rho                                # v = ρ v + (1-ρ) g²
                square_avg += (1 - rho) * (grad * grad)
                delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
                acc_delta *= rho                                 # u = ρ u + (1-ρ) Δθ²
                acc_delta += (1 - rho) * (delta * delta)
                param._data -= lr * delta                        # θ ← θ - γ Δθ
        return loss
