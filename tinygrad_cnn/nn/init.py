"""Weight initialisation (PyTorch's ``torch.nn.init``): same names, signatures, formulas.

Why the scale matters: with fan_in inputs of variance 1 and weights of
variance σ², z^l = W^l a^{l-1} has variance fan_in · σ². Keeping it near 1
through many layers needs σ² ≈ 1/fan_in (Xavier/Glorot averages fan_in and
fan_out; He/Kaiming adds the gain 2 that a ReLU's halving takes away).

Every function fills its tensor **in place** from the global generator
(`tinygrad_cnn.manual_seed` makes it reproducible), records no graph, keeps
the tensor's dtype and returns the tensor.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn.nn import init
>>> w = tg.empty(120, 400)
>>> _ = init.kaiming_uniform_(w, nonlinearity="relu")
>>> bound = 6 ** 0.5 / 400 ** 0.5          # gain √2 · √(3 / fan_in)
>>> bool(w.abs().max() <= bound), w.dtype
(True, tinygrad_cnn.float32)
"""
import math
import warnings

import numpy as np

from .. import _state


def _array(tensor):
    return tensor if isinstance(tensor, np.ndarray) else tensor._data


def _fill(tensor, values):
    _array(tensor)[...] = values              # cast to the tensor's dtype by NumPy
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The gain that keeps activations' variance stable after ``nonlinearity``.

    linear, conv*, sigmoid: 1; tanh: 5/3; relu: √2;
    leaky_relu: √(2 / (1 + slope²)) (slope ``param``, default 0.01); selu: 3/4.

    >>> round(calculate_gain("relu"), 6), round(calculate_gain("leaky_relu", 5 ** 0.5), 6)
    (1.414214, 0.57735)
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: shape[1]·k·k and shape[0]·k·k.

    For a Linear weight (out, in) that is (in, out); for a Conv2d weight
    (C_out, C_in, K, K) it is (C_in·K², C_out·K²). ConvTranspose2d stores
    (C_in, C_out, K, K), so its "fan_in" is C_out·K², exactly as PyTorch computes it.

    >>> import numpy as np
    >>> _calculate_fan_in_and_fan_out(np.empty((6, 1, 5, 5)))
    (25, 150)
    """
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer "
                         f"than 2 dimensions (got shape {tuple(shape)})")
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


calculate_fan_in_and_fan_out = _calculate_fan_in_and_fan_out


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples of U(a, b).

    >>> import tinygrad_cnn as tg
    >>> w = uniform_(tg.empty(1000), -0.5, 0.5)
    >>> bool(w.numpy().min() >= -0.5 and w.numpy().max() < 0.5)
    True
    """
    return _fill(tensor, _state.rng.uniform(a, b, _array(tensor).shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std²).

    >>> import tinygrad_cnn as tg
    >>> _ = tg.manual_seed(0)
    >>> round(float(normal_(tg.empty(100000), 3.0, 2.0).numpy().std()), 1)
    2.0
    """
    return _fill(tensor, _state.rng.normal(mean, std, _array(tensor).shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Fill with samples of N(mean, std²) truncated to [a, b] (a and b are
    values, not multiples of std): the normal density renormalised on [a, b],
    with mean ``mean + std·(φ(α) − φ(β)) / Z`` where α = (a − mean)/std,
    β = (b − mean)/std and Z = Φ(β) − Φ(α).

    Drawn by rejection: sample N(mean, std²), redraw every value outside
    [a, b], repeat. Each kept value is exactly a draw of the truncated
    distribution; the expected number of rounds is small unless [a, b] holds
    almost none of the normal's mass (PyTorch warns in that case too, when
    mean is more than 2·std outside [a, b]). GoogLeNet's initialisation uses
    ``std=0.01, a=-2, b=2``.

    >>> import tinygrad_cnn as tg
    >>> _ = tg.manual_seed(0)
    >>> w = trunc_normal_(tg.empty(100000), std=1.0, a=-1.0, b=1.0).numpy()
    >>> bool(w.min() >= -1.0 and w.max() <= 1.0), round(float(w.std()), 2)   # exact: 0.5396
    (True, 0.54)
    """
    if a > b:
        raise ValueError(f"trunc_normal_: the interval [a, b] = [{a}, {b}] is empty")
    if std < 0:
        raise ValueError(f"trunc_normal_: std must be non-negative, got {std}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    shape = _array(tensor).shape
    if std == 0 or a == b:                     # a point mass: the truncated law's only value
        return _fill(tensor, min(max(mean, a), b))
    values = _state.rng.normal(mean, std, shape)
    outside = (values < a) | (values > b)
    for _ in range(10_000):
        count = int(outside.sum())
        if count == 0:
            return _fill(tensor, values)
        values[outside] = _state.rng.normal(mean, std, count)
        outside = (values < a) | (values > b)
    raise RuntimeError(f"trunc_normal_: [a, b] = [{a}, {b}] holds almost none of "
                       f"N({mean}, {std}²)'s mass; rejection sampling gave up")


def constant_(tensor, val):
    """Fill with ``val``.

    >>> import tinygrad_cnn as tg
    >>> constant_(tg.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    return _fill(tensor, val)


def zeros_(tensor):
    """Fill with 0."""
    return _fill(tensor, 0)


def ones_(tensor):
    """Fill with 1."""
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot: U(-a, a) with a = gain · √(6 / (fan_in + fan_out)).

    >>> import tinygrad_cnn as tg
    >>> w = xavier_uniform_(tg.empty(30, 70))
    >>> bool(abs(w.numpy()).max() <= (6 / 100) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std              # U(-a, a) has standard deviation a / √3
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He: U(-bound, bound), bound = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    PyTorch's layers use ``a=√5`` (gain √(1/3)), which gives bound = 1/√fan_in.

    >>> import tinygrad_cnn as tg
    >>> w = kaiming_uniform_(tg.empty(10, 25), a=5 ** 0.5)
    >>> bool(abs(w.numpy()).max() <= 1 / 25 ** 0.5)
    True
    """
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He: N(0, std²), std = gain / √fan."""
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std)
