"""Adam and AdamW: momentum on the gradient and on its square, bias-corrected.

PyTorch's algorithm (``torch.optim.Adam``), step t, gradient g_t = ∂L/∂θ:

    g_t ← -g_t                                  (maximize)
    g_t ← g_t + λ θ_{t-1}                       (Adam's weight decay λ ≠ 0)
    θ_{t-1} ← θ_{t-1} (1 - γ λ)                 (AdamW, or decoupled_weight_decay=True,
                                                 instead: decoupled decay)
    m_t = β1 m_{t-1} + (1 - β1) g_t             (first moment, m_0 = 0)
    v_t = β2 v_{t-1} + (1 - β2) g_t²            (second moment, v_0 = 0)
    v_max = max(v_max, v_t)                     (amsgrad; v_t ← v_max below)
    θ_t = θ_{t-1} - (γ / (1 - β1^t)) · m_t / (√v_t / √(1 - β2^t) + ε)

The last line is m̂_t / (√v̂_t + ε) with m̂ = m/(1-β1^t), v̂ = v/(1-β2^t),
written the way PyTorch computes it (so results agree to rounding).
"""
import math

import numpy as np

from .optimizer import Optimizer, advance, check_not_differentiable, new_step, zeros_state


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's ``torch.optim.Adam``; ``weight_decay`` adds λθ to g
    (``decoupled_weight_decay=True`` makes it AdamW). ``foreach``, ``capturable``
    and ``fused`` are accepted and change nothing; ``differentiable=True`` raises
    NotImplementedError.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                         # the first step moves each entry by ≈ lr
    >>> w.numpy().round(6).tolist()
    [0.9, -1.9]
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        check_not_differentiable(differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _state_names(self, group):
        names = ["step", "exp_avg", "exp_avg_sq"]
        return names + ["max_exp_avg_sq"] if group["amsgrad"] else names

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            for param in group["params"]:
                if param.grad is None:
                    continue
                theta = param._data
                grad = -param.grad._data if group["maximize"] else param.grad._data
                state = self.state[param]
                if not state:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(param)
                    state["exp_avg_sq"] = zeros_state(param)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = zeros_state(param)
                step = advance(state)                            # t

                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        theta *= 1 - lr * weight_decay           # AdamW: θ ← θ(1 - γλ)
                    else:
                        grad = grad + weight_decay * theta       # Adam: g ← g + λθ

                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                exp_avg += (1 - beta1) * (grad - exp_avg)        # m = β1 m + (1-β1) g
                exp_avg_sq *= beta2                              # v = β2 v + (1-β2) g²
                exp_avg_sq += (1 - beta2) * (grad * grad)

                bias_correction1 = 1 - beta1 ** step
                bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
                if group["amsgrad"]:
                    max_exp_avg_sq = state["max_exp_avg_sq"]._data
                    np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    second = max_exp_avg_sq                      # v_max = max(v_max, v)
                else:
                    second = exp_avg_sq
                denom = np.sqrt(second) / bias_correction2_sqrt + eps
                theta -= (lr / bias_correction1) * (exp_avg / denom)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's
    ``torch.optim.AdamW``: θ shrinks by (1 - lr·λ) before the Adam step,
    instead of λθ being added to the gradient.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> w = tg.tensor([1.0], requires_grad=True)
    >>> w.grad = tg.tensor([0.0])
    >>> optim.AdamW([w], lr=0.1, weight_decay=0.5).step()
    >>> w                                   # 1 · (1 - 0.1 · 0.5); a zero gradient moves nothing
    tensor([0.95], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
