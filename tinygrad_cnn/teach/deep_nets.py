"""Why a skip connection carries δ back: ‖δ‖ per block of a deep plain net and a residual one.

A plain block computes ``x_{k+1} = F(x_k)``, so ``δ_k = J_Fᵀ δ_{k+1}``: δ is
multiplied by one Jacobian per block and, when those shrink it, vanishes
geometrically with depth. A residual block computes ``x_{k+1} = x_k + F(x_k)``,
so ``δ_k = δ_{k+1} + J_Fᵀ δ_{k+1}``: the identity term hands δ_{k+1} back
unchanged, whatever F does, and ‖δ‖ stays of the same order at every depth.

`deep_conv_net` builds both with the same blocks (``F = conv3×3 ∘ relu``);
`block_delta_norms` runs one forward/backward pass and returns ‖δ_k‖ =
‖∂L/∂x_k‖ at every block input, measured by the engine (``retain_grad``).
tools/plot_residual_delta.py draws docs/images/residual_delta_norms.png from it.
"""
import numpy as np

import tinygrad_cnn as tg
from .. import nn


class Block(nn.Module):
    """``F(x) = conv3×3(relu(x))``; with ``residual`` the block returns ``x + F(x)``."""

    def __init__(self, channels, residual):
        super().__init__()
        self.residual = residual
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        out = self.conv(self.relu(x))
        return x + out if self.residual else out


class DeepConvNet(nn.Module):
    """``depth`` blocks of `Block` on a ``channels``-channel map, then the mean as the output."""

    def __init__(self, depth, channels, residual):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(channels, residual) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(x)


def deep_conv_net(depth=30, channels=8, residual=False, seed=0):
    """The same initial weights with and without skips, for a given ``seed``.

    >>> plain, skips = deep_conv_net(4, residual=False), deep_conv_net(4, residual=True)
    >>> bool(np.array_equal(plain.blocks[0].conv.weight.numpy(), skips.blocks[0].conv.weight.numpy()))
    True
    """
    tg.manual_seed(seed)
    return DeepConvNet(depth, channels, residual)


def block_delta_norms(model, size=8, seed=0):
    """‖∂L/∂x_k‖ at the input of every block k (block 0 first), L = sum of the
    last block's output, one sample of ``size``×``size`` standard normal noise.

    >>> plain = block_delta_norms(deep_conv_net(20, residual=False))
    >>> skips = block_delta_norms(deep_conv_net(20, residual=True))
    >>> len(plain), plain[0] < 1e-5, skips[0] > skips[-1] > 1     # vanished / carried back
    (20, True, True)
    """
    channels = model.blocks[0].conv.in_channels
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal((1, channels, size, size)), dtype=tg.float32,
                  requires_grad=True)
    inputs, h = [], x
    for block in model.blocks:
        if h is not x:
            h.retain_grad()
        inputs.append(h)
        h = block(h)
    h.sum().backward()
    return [float(np.linalg.norm(t.grad.numpy())) for t in inputs]
