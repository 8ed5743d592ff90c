"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

PyTorch's algorithm (``torch.optim.SGD``), step t, gradient g_t = ∂L/∂θ:

    g_t ← -g_t                                 (maximize)
    g_t ← g_t + λ θ_{t-1}                      (weight decay λ ≠ 0)
    b_t ← g_t                                  (momentum μ ≠ 0, first step)
    b_t ← μ b_{t-1} + (1 - τ) g_t              (later steps, dampening τ)
    g_t ← g_t + μ b_t   (nesterov)   or   g_t ← b_t
    θ_t ← θ_{t-1} - γ g_t                      (γ = lr)
"""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_not_differentiable, gradient


class SGD(Optimizer):
    """θ ← θ - γ · ∂L/∂θ, optionally with momentum (PyTorch's ``torch.optim.SGD``).

    ``nesterov=True`` needs ``momentum > 0`` and ``dampening == 0`` (ValueError
    otherwise, as in PyTorch). ``foreach`` and ``fused`` are accepted and change
    nothing: there is one NumPy loop here either way; ``differentiable=True``
    raises NotImplementedError.

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
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_not_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _state_names(self, group):
        return ["momentum_buffer"] if group["momentum"] != 0 else []

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats: NumPy keeps a float32 array float32 when scaled by them
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = gradient(param, group)                # g (+ λθ)
                if momentum != 0:
                    state = self.state[param]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:                       # first step: b_1 = g_1
                        state["momentum_buffer"] = Tensor._make(np.array(grad, copy=True), None)
                        buffer = state["momentum_buffer"]._data
                    else:                                    # b_t = μ b_{t-1} + (1-τ) g_t
                        buffer = buffer._data
                        buffer *= momentum
                        buffer += grad if dampening == 0 else (1 - dampening) * grad
                    grad = grad + momentum * buffer if group["nesterov"] else buffer
                param._data -= lr * grad                     # θ ← θ - γ g
        return loss
