"""Adagrad: each coordinate's step shrinks with the sum of its past squared gradients.

PyTorch's algorithm (``torch.optim.Adagrad``), step t, gradient g_t = ∂L/∂θ:

    g_t ← -g_t                                  (maximize)
    g_t ← g_t + λ θ_{t-1}                       (weight decay λ ≠ 0)
    γ̃_t = γ / (1 + (t - 1) η)                   (lr_decay η)
    s_t = s_{t-1} + g_t²                        (s_0 = initial_accumulator_value)
    θ_t = θ_{t-1} - γ̃_t g_t / (√s_t + ε)

A coordinate that has seen large gradients takes small steps; a rarely
touched one keeps a large step. s only grows, so the steps only shrink.
"""
import numpy as np

from .optimizer import Optimizer, advance, check_not_differentiable, gradient, new_step, zeros_state


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer), PyTorch's ``torch.optim.Adagrad``.

    As in PyTorch, each parameter's state (``step``, ``sum``) exists from
    construction, ``sum`` filled with ``initial_accumulator_value``. ``foreach``
    and ``fused`` are accepted and change nothing.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> w = tg.tensor([1.0, 1.0], requires_grad=True)
    >>> w.grad = tg.tensor([3.0, -4.0])
    >>> opt = optim.Adagrad([w], lr=0.5, eps=0.0)
    >>> opt.step()                    # s = g², so θ - γ g/|g| = 1 ∓ 0.5
    >>> w
    tensor([0.5, 1.5], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_not_differentiable(differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self._init_state(param, group)

    def _init_state(self, param, group):
        state = self.state[param]
        state["step"] = new_step()
        state["sum"] = zeros_state(param, float(group["initial_accumulator_value"]))

    def _state_names(self, group):
        return ["step", "sum"]

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:                  # a group added after construction
                    self._init_state(param, group)
                step = advance(state)                            # t
                grad = gradient(param, group)                    # g (+ λθ)
                decayed_lr = lr / (1 + (step - 1) * lr_decay)    # γ̃ = γ / (1 + (t-1)η)
                state_sum = state["sum"]._data
                state_sum += grad * grad                         # s = s + g²
                param._data -= decayed_lr * (grad / (np.sqrt(state_sum) + eps))
        return loss
