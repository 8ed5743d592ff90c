"""Activation layers, thin wrappers over `nn.functional`: `ReLU`, `LeakyReLU`,
`Sigmoid`, `Tanh`; piecewise `Hardtanh`, `ReLU6`, `Hardsigmoid`, `Hardswish`,
`Threshold`, `PReLU`; and `GLU`, `Softmax`, `LogSoftmax`, `Softmin`,
`Softmax2d`. (The smooth ones, `GELU` … `Tanhshrink`, are in
`activation_smooth`.) Constructor arguments, defaults and reprs are PyTorch's.

``inplace=True`` (shown in the repr) writes the result into the input, as in
PyTorch.
"""
import warnings

import numpy as np

from ... import _state
from ..._errors import describe
from .. import functional as F
from ..parameter import Parameter
from ._utils import _float_dtype
from .module import Module


class ReLU(Module):
    """a = max(0, z); f'(z) = 1 where z > 0, else 0.

    ``inplace=True`` overwrites z with a (PyTorch's rules: not on a leaf that
    requires grad; recorded in the graph otherwise).

    >>> import tinygrad_cnn as tg
    >>> ReLU()(tg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """a = z where z > 0, else negative_slope · z.

    >>> import tinygrad_cnn as tg
    >>> LeakyReLU(0.1)(tg.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """a = σ(z) = 1 / (1 + e^{-z}); f'(z) = σ(z)(1 - σ(z)).

    >>> import tinygrad_cnn as tg
    >>> Sigmoid()(tg.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """a = tanh(z); f'(z) = 1 - tanh²(z).

    >>> import tinygrad_cnn as tg
    >>> Tanh()(tg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.tanh(input)


# ----- piecewise -------------------------------------------------------------------------
class Hardtanh(Module):
    """a = clip(z, min_val, max_val); f'(z) = 1 strictly between, else 0.

    >>> import tinygrad_cnn as tg
    >>> Hardtanh(-2.0, 2.0)(tg.tensor([-3.0, 1.0, 3.0]))
    tensor([-2.,  1.,  2.])
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return (f"min_val={self.min_val}, max_val={self.max_val}"
                + (", inplace=True" if self.inplace else ""))


class ReLU6(Hardtanh):
    """a = min(max(z, 0), 6).

    >>> import tinygrad_cnn as tg
    >>> ReLU6()(tg.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input):
        return F.relu6(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(Module):
    """a = clip(z/6 + 1/2, 0, 1).

    >>> import tinygrad_cnn as tg
    >>> Hardsigmoid()(tg.tensor([0.0]))
    tensor([0.5])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Hardsigmoid):
    """a = z · hardsigmoid(z).

    >>> import tinygrad_cnn as tg
    >>> Hardswish()(tg.tensor([3.0]))
    tensor([3.])
    """

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Threshold(Module):
    """a = value where z ≤ threshold, else z.

    >>> import tinygrad_cnn as tg
    >>> Threshold(0.1, 20)
    Threshold(threshold=0.1, value=20)
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class PReLU(Module):
    """a = z for z > 0, a_c · z otherwise, the slope a learned: one shared
    (``num_parameters=1``) or one per channel (``num_parameters=C``), all
    starting at ``init``. ∂L/∂a_c sums δ·z over channel c's entries with z ≤ 0.

    >>> import tinygrad_cnn as tg
    >>> prelu = PReLU(3, init=0.1)
    >>> prelu, prelu.weight.shape
    (PReLU(num_parameters=3), (3,))
    >>> prelu(-tg.ones(1, 3, 2, 2))[0, :, 0, 0]
    tensor([-0.1, -0.1, -0.1], grad_fn=<get_item>)
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        if device is not None and str(device) not in ("cpu", "cpu:0"):
            raise RuntimeError(f"PReLU: tinygrad_cnn computes on the CPU; got device={device!r}")
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.full(num_parameters, init, dtype=_float_dtype(dtype)))

    def reset_parameters(self):
        with _state.no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


# ----- gating and the softmax family ----------------------------------------------------
class GLU(Module):
    """a = first half ⊙ σ(second half), the halves split along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> GLU()(tg.tensor([[4.0, 0.0]]))
    tensor([[2.]])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(Module):
    """a_i = e^{z_i} / Σ_j e^{z_j} along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> Softmax(dim=1)(tg.tensor([[0.0, 0.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """a = z − log Σ_j e^{z_j} along ``dim`` (pair it with ``NLLLoss``).

    >>> import tinygrad_cnn as tg
    >>> LogSoftmax(dim=0)(tg.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmin(Softmax):
    """a = softmax(−z) along ``dim``.

    >>> import tinygrad_cnn as tg
    >>> Softmin(dim=0)(tg.tensor([0.0, 1e4]))
    tensor([1., 0.])
    """

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels at every pixel: dim −3 of (N, C, H, W) or (C, H, W).

    >>> import tinygrad_cnn as tg
    >>> Softmax2d()(tg.zeros(1, 2, 1, 1)).flatten()
    tensor([0.5, 0.5])
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             f"instead ({describe(input)})")
        return F.softmax(input, -3, _stacklevel=5)
