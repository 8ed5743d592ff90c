"""Smooth activation layers, thin wrappers over `nn.functional`: `GELU`, `ELU`,
`SELU`, `CELU`, `SiLU`, `Mish`, `Softplus`, `Softsign`, `LogSigmoid`,
`Tanhshrink`. Constructor arguments, defaults and reprs are PyTorch's;
``inplace=True`` writes the result into the input, as in PyTorch.
"""
from .. import functional as F
from .module import Module


class _InplaceOnly(Module):
    """An activation whose only option is ``inplace`` (repr: ``inplace=True`` or nothing)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """a = z·Φ(z) (``approximate='tanh'``: the tanh approximation).

    >>> import tinygrad_cnn as tg
    >>> GELU()
    GELU(approximate='none')
    >>> GELU("tanh")(tg.tensor([0.0]))
    tensor([0.])
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """a = z for z > 0, α(e^z − 1) otherwise; f'(z) = 1 or α e^z.

    >>> import tinygrad_cnn as tg
    >>> ELU(alpha=0.5)(tg.tensor([-1e4, 1.0]))
    tensor([-0.5000,  1.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_InplaceOnly):
    """a = λ·elu(z, α), λ ≈ 1.0507, α ≈ 1.6733.

    >>> import tinygrad_cnn as tg
    >>> SELU()(tg.tensor([1.0]))
    tensor([1.0507])
    """

    def forward(self, input):
        return F.selu(input, self.inplace)


class CELU(ELU):
    """a = max(0, z) + min(0, α(e^{z/α} − 1)).

    >>> import tinygrad_cnn as tg
    >>> CELU(2.0)
    CELU(alpha=2.0)
    >>> CELU(2.0)(tg.tensor([-1e4]))
    tensor([-2.])
    """

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class SiLU(_InplaceOnly):
    """a = z·σ(z); f'(z) = σ(z)(1 + z(1 − σ(z))).

    >>> import tinygrad_cnn as tg
    >>> SiLU()(tg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.silu(input, self.inplace)


class Mish(_InplaceOnly):
    """a = z·tanh(softplus(z)).

    >>> import tinygrad_cnn as tg
    >>> Mish()(tg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.mish(input, self.inplace)


class Softplus(Module):
    """a = log(1 + e^{βz}) / β (z itself where βz > threshold); f'(z) = σ(βz).

    >>> import tinygrad_cnn as tg
    >>> Softplus(beta=2)
    Softplus(beta=2, threshold=20.0)
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """a = z / (1 + |z|); f'(z) = 1 / (1 + |z|)².

    >>> import tinygrad_cnn as tg
    >>> Softsign()(tg.tensor([1.0]))
    tensor([0.5000])
    """

    def forward(self, input):
        return F.softsign(input)


class LogSigmoid(Module):
    """a = log σ(z); f'(z) = 1 − σ(z).

    >>> import tinygrad_cnn as tg
    >>> LogSigmoid()(tg.tensor([1e4]))
    tensor([-0.])
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """a = z − tanh z; f'(z) = tanh² z.

    >>> import tinygrad_cnn as tg
    >>> Tanhshrink()(tg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.tanhshrink(input)

