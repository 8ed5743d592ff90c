"""Normalisation ops (PyTorch's semantics): `BatchNorm`, `LayerNorm`, `GroupNorm` and
`LocalResponseNorm`.

Batch normalisation, per channel c, over the m = N·H·W (or N·L, or N) values of a batch:
``μ = mean(a)``, ``σ² = mean((a − μ)²)`` (biased), ``â = (a − μ) / √(σ² + ε)``,
``z = γ â + β``.

Backward (training mode, where μ and σ² depend on a):
``∂L/∂β = Σ δ``, ``∂L/∂γ = Σ δ ⊙ â``, and with ``δ̂ = γ δ``
``∂L/∂a = (1/√(σ² + ε)) · (δ̂ − mean(δ̂) − â · mean(δ̂ ⊙ â))``.
In evaluation mode μ and σ² are the running statistics, constants, so
``∂L/∂a = γ δ / √(σ²_run + ε)``.

Local response normalisation (AlexNet, 2012) divides each activation by the
energy of its n neighbouring channels:
``b_c = a_c · s_c^(−β)`` with ``s_c = k + (α/n) Σ_{j ∈ W(c)} a_j²``;
its backward rule is in `LocalResponseNorm`.
"""
import numpy as np

from ..function import Function


def _per_channel_sum(x):
    """``Σ`` over every axis of ``x`` (N, C, L) but the channels. (`einsum`
    sums in one pass; ``x.sum(axis=(0, 2))`` costs 5× as much on the short
    rows of small maps, 50 µs against 11 µs on an (8, 512, 4) array.)"""
    return np.einsum("ncl->c", x)


def _per_channel_dot(x, y):
    """``Σ x ⊙ y`` per channel of two (N, C, L) arrays, without the product array."""
    return np.einsum("ncl,ncl->c", x, y)


def _each_entry(v, length):
    """A per-channel vector (C,) as a row (1, C·L) that lines up with the
    (N, C·L) view: ``x * _each_entry(k, L)`` is ``x * k[:, None]`` on (N, C, L)
    but runs over long rows (up to 2.7× faster when L is small)."""
    return np.repeat(v, length)[None]


class BatchNorm(Function):
    """Batch normalisation over every axis but the channel axis 1.

    When ``training``, the running statistics (arrays, updated in place) move
    towards the batch's: ``run ← (1 − momentum)·run + momentum·batch``, using
    the unbiased variance (divided by m − 1) for ``running_var``, as PyTorch.

    The code keeps the centred values ``a − μ`` and ``1/√(σ² + ε)``, of which
    ``â`` is the product; sums run on the (N, C, L) view, entrywise products
    on the (N, C·L) view with each channel's factor repeated L times. The two
    sums the backward rule needs are the parameter gradients themselves,
    ``Σ δ = ∂L/∂β`` and ``Σ δ ⊙ â = ∂L/∂γ``, so with ``k = γ/√(σ² + ε)``:
    ``∂L/∂a = k·δ − k·mean(δ) − â · k·mean(δ ⊙ â)``.

    Shape:
        a: (N, C), (N, C, L) or (N, C, H, W);  weight γ, bias β: (C,);  z: like a.
    """

    name = "batch_norm"

    @staticmethod
    def forward(ctx, a, weight=None, bias=None, *, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        n, c = a.shape[:2]
        x = a.reshape(n, c, -1)                                     # (N, C, L)
        l = x.shape[2]
        count = n * l                                               # m values per channel
        if training:
            mean = _per_channel_sum(x) / count                      # μ
            centred = (x.reshape(n, -1) - _each_entry(mean, l)).reshape(x.shape)   # a − μ
            var = _per_channel_dot(centred, centred) / count        # σ² (biased)
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
                running_var *= 1 - momentum
                running_var += momentum * var * (count / max(count - 1, 1))
        else:
            mean, var = running_mean, running_var
            centred = (x.reshape(n, -1) - _each_entry(mean.astype(a.dtype), l)).reshape(x.shape)
        inv_std = (1.0 / np.sqrt(var + eps)).astype(a.dtype)      # 1/√(σ² + ε), (C,)
        scale = inv_std if weight is None else inv_std * weight     # γ/√(σ² + ε)
        z = centred.reshape(n, -1) * _each_entry(scale, l)          # γ â, on (N, C·L)
        if bias is not None:
            z += _each_entry(bias, l)                               # + β
        ctx.save_for_backward(centred, inv_std, weight)
        ctx.training, ctx.count = training, count
        return z.reshape(a.shape)

    @staticmethod
    def backward(ctx, delta):
        centred, inv_std, weight = ctx.saved_tensors
        d = delta.reshape(centred.shape)                            # (N, C, L)
        sum_delta = _per_channel_sum(d)                             # Σ δ = ∂L/∂β
        sum_delta_hat = _per_channel_dot(d, centred) * inv_std      # Σ δ ⊙ â = ∂L/∂γ
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            n, c, l = centred.shape
            k = inv_std if weight is None else inv_std * weight     # γ/√(σ² + ε)
            grad_a = d.reshape(n, -1) * _each_entry(k, l)           # k δ, on (N, C·L)
            if ctx.training:                                        # μ, σ² depend on a too
                m = ctx.count
                mean_delta_hat = sum_delta_hat / m                  # mean(δ ⊙ â)
                grad_a -= centred.reshape(n, -1) * _each_entry(k * inv_std * mean_delta_hat, l)
                grad_a -= _each_entry(k * sum_delta / m, l)         # − â·k·mean(δâ) − k·mean(δ)
            grad_a = grad_a.reshape(delta.shape)
        if ctx.needs_input_grad[1]:
            grad_weight = sum_delta_hat
        if ctx.needs_input_grad[2]:
            grad_bias = sum_delta
        return grad_a, grad_weight, grad_bias


class LayerNorm(Function):
    """Layer normalisation: each sample normalised over its last D dims (the
    ``normalized_shape``), with m = the number of entries there:
    ``μ = mean(a)``, ``σ² = mean((a − μ)²)``, ``â = (a − μ)/√(σ² + ε)``,
    ``z = γ ⊙ â + β`` (γ, β of the normalized shape, entry by entry).

    Backward: batch normalisation's rule with the axes swapped — the means run
    over the normalized dims of one sample, the parameter sums over the samples:
    with ``ĝ = γ ⊙ δ``, ``∂L/∂a = (ĝ − mean(ĝ) − â ⊙ mean(ĝ ⊙ â)) / √(σ² + ε)``,
    ``∂L/∂γ = Σ_samples δ ⊙ â``, ``∂L/∂β = Σ_samples δ``.

    Shape:
        a: (*, *normalized_shape);  weight γ, bias β: normalized_shape;  z: like a.
    """

    name = "layer_norm"

    @staticmethod
    def forward(ctx, a, weight=None, bias=None, *, dims, eps=1e-5):
        axes = tuple(range(a.ndim - dims, a.ndim))
        centred = a - a.mean(axis=axes, keepdims=True)              # a − μ
        inv_std = 1 / np.sqrt((centred * centred).mean(axis=axes, keepdims=True) + eps)
        normalised = centred * inv_std                              # â
        ctx.save_for_backward(normalised, inv_std, weight)
        ctx.axes = axes
        z = normalised if weight is None else normalised * weight  # γ â
        return z if bias is None else z + bias                      # + β

    @staticmethod
    def backward(ctx, delta):
        normalised, inv_std, weight = ctx.saved_tensors
        axes = ctx.axes
        samples = tuple(range(delta.ndim - len(axes)))              # the batch dims
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            g = delta if weight is None else delta * weight         # ĝ = γ δ
            grad_a = inv_std * (g - g.mean(axis=axes, keepdims=True)
                                - normalised * (g * normalised).mean(axis=axes, keepdims=True))
        if ctx.needs_input_grad[1]:
            grad_weight = (delta * normalised).sum(axis=samples)   # Σ δ ⊙ â
        if ctx.needs_input_grad[2]:
            grad_bias = delta.sum(axis=samples)                     # Σ δ
        return grad_a, grad_weight, grad_bias


class GroupNorm(Function):
    """Group normalisation (Wu & He, 2018): the C channels of each sample in
    G groups of C/G, each group normalised over its channels and positions
    (LayerNorm when G = 1, InstanceNorm when G = C), then a per-channel
    ``z_c = γ_c â_c + β_c``.

    Backward: LayerNorm's rule within each group, with ``ĝ = γ_c δ``:
    ``∂L/∂a = (ĝ − mean_group(ĝ) − â ⊙ mean_group(ĝ ⊙ â)) / √(σ²_group + ε)``,
    ``∂L/∂γ_c = Σ_{n, positions} δ ⊙ â``, ``∂L/∂β_c = Σ_{n, positions} δ``.

    Shape:
        a: (N, C, *);  weight γ, bias β: (C,);  z: like a.
    """

    name = "group_norm"

    @staticmethod
    def forward(ctx, a, weight=None, bias=None, *, groups, eps=1e-5):
        n, c = a.shape[:2]
        x = a.reshape(n, groups, -1)                                # (N, G, C/G·positions)
        centred = x - x.mean(axis=2, keepdims=True)
        inv_std = 1 / np.sqrt((centred * centred).mean(axis=2, keepdims=True) + eps)
        normalised = (centred * inv_std).reshape(n, c, -1)          # â, (N, C, positions)
        ctx.save_for_backward(normalised, inv_std, weight)
        ctx.groups = groups
        z = normalised if weight is None else normalised * weight[:, None]
        z = z if bias is None else z + bias[:, None]
        return z.reshape(a.shape)

    @staticmethod
    def backward(ctx, delta):
        normalised, inv_std, weight = ctx.saved_tensors
        n, c, positions = normalised.shape
        d = delta.reshape(n, c, positions)
        grad_a = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            g = (d if weight is None else d * weight[:, None]).reshape(n, ctx.groups, -1)
            x_hat = normalised.reshape(n, ctx.groups, -1)
            grad_a = inv_std * (g - g.mean(axis=2, keepdims=True)
                                - x_hat * (g * x_hat).mean(axis=2, keepdims=True))
            grad_a = grad_a.reshape(delta.shape)
        if ctx.needs_input_grad[1]:
            grad_weight = np.einsum("ncl,ncl->c", d, normalised)   # Σ δ ⊙ â per channel
        if ctx.needs_input_grad[2]:
            grad_bias = np.einsum("ncl->c", d)                      # Σ δ per channel
        return grad_a, grad_weight, grad_bias


def _channel_window_sum(x, before, after):
    """``out_c = Σ_{j = c − before}^{c + after} x_j`` along axis 1, zeros outside [0, C).

    >>> _channel_window_sum(np.arange(1.0, 5.0).reshape(1, 4), 1, 1)
    array([[3., 6., 9., 7.]])
    """
    channels = x.shape[1]
    pad = [(0, 0)] * x.ndim
    pad[1] = (before, after)
    padded = np.pad(x, pad)                                    # (N, before + C + after, ...)
    total = np.zeros_like(x)
    for offset in range(before + after + 1):                   # n taps, vectorised over the rest
        total += padded[:, offset:offset + channels]
    return total


class LocalResponseNorm(Function):
    """Local response normalisation across channels (PyTorch's formula, which
    divides α by the window size n):

        s_c = k + (α/n) Σ_{j ∈ W(c)} a_j²,     b_c = a_c · s_c^(−β),
        W(c) = {c − ⌊n/2⌋, …, c + ⌊(n−1)/2⌋} ∩ [0, C).

    Backward: b_c depends on a_c directly and on every a_j with j ∈ W(c), so

        ∂L/∂a_j = δ_j s_j^(−β) − (2αβ/n) · a_j · Σ_{c : j ∈ W(c)} δ_c a_c s_c^(−β−1).

    The set {c : j ∈ W(c)} is {j − ⌊(n−1)/2⌋, …, j + ⌊n/2⌋}: the same window
    mirrored, which is why the second sum swaps the two paddings.

    Shape:
        a: (N, C, *) with at least one dimension after C;  b: like a.
    """

    name = "local_response_norm"

    @staticmethod
    def forward(ctx, a, *, size, alpha=1e-4, beta=0.75, k=1.0):
        before, after = size // 2, (size - 1) // 2
        energy = k + (alpha / size) * _channel_window_sum(a * a, before, after)   # s, like a
        scale = energy ** -beta                                                   # s^(−β)
        ctx.save_for_backward(a, energy, scale)
        ctx.size, ctx.alpha, ctx.beta = size, alpha, beta
        return a * scale

    @staticmethod
    def backward(ctx, delta):
        a, energy, scale = ctx.saved_tensors
        size, alpha, beta = ctx.size, ctx.alpha, ctx.beta
        through_window = delta * a * scale / energy                # δ_c a_c s_c^(−β−1)
        mirrored = _channel_window_sum(through_window, (size - 1) // 2, size // 2)
        return delta * scale - (2 * alpha * beta / size) * a * mirrored
