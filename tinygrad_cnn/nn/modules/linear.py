"""Fully connected layer: `Linear` (z = W a + b)."""
from .. import functional as F
from ._utils import _empty_parameter, _float_dtype, _reset_weight_and_bias
from .module import Module


class Linear(Module):
    """Fully connected layer: z = a Wᵀ + b.

    Shape:
        input (N, *, in_features) → output (N, *, out_features);
        weight (out_features, in_features), bias (out_features,).

    >>> import tinygrad_cnn as tg
    >>> fc = Linear(400, 120)
    >>> fc.weight.shape, fc(tg.zeros(64, 400)).shape
    ((120, 400), (64, 120))
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        dtype = _float_dtype(dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _empty_parameter((out_features, in_features), dtype)
        if bias:
            self.bias = _empty_parameter((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
