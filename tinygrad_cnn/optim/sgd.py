"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

PyTorch's algorithm (``torch.optim.SGD``), step t, gradient g_t = ∂L/∂θ:

    g_t ← g_t + λ θ_{t-1}                      (weight decay λ ≠ 0)
    b_t ← g_t                                  (momentum μ ≠ 0, first step)
    b_t ← μ b_{t-1} + (1 - τ) g_t              (later steps, dampening τ)
    g_t ← g_t + μ b_t   (nesterov)   or   g_t ← b_t
    θ_t ← θ_{t-1} - γ g_t                      (γ = lr; + with maximize)
"""
import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    """θ ← θ - lr · ∂L/∂θ, optionally with momentum (PyTorch's ``torch.optim.SGD``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()          # ∂L/∂w = 2w = [2, -4]
    >>> opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, maximize=False):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats: NumPy keeps a float32 array float32 when scaled by them
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            for param in group["params"]:
                if param.grad is None:
                    continue
                theta = param._data
                grad = param.grad._data
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad + weight_decay * theta
                if momentum != 0:
                    state = self.state.setdefault(param, {})
                    buffer = state.get("momentum_buffer")
                    if buffer is None:                       # first step: b_1 = g_1
                        buffer = state["momentum_buffer"] = np.array(grad, copy=True)
                    else:                                    # b_t = μ b_{t-1} + (1-τ) g_t
                        buffer *= momentum
                        buffer += grad if dampening == 0 else (1 - dampening) * grad
                    grad = grad + momentum * buffer if group["nesterov"] else buffer
                theta -= lr * grad
        return loss
