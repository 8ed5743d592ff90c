"""Fully connected layer: `Linear` (z = W a + b), and `Identity` (z = a)."""
from .. import functional as F
from ._utils import _empty_parameter, _float_dtype, _reset_weight_and_bias
from .module import Module


class Identity(Module):
    """z = a: a placeholder layer that returns its input unchanged (the same
    Tensor, no graph node). Like PyTorch it accepts and ignores any arguments,
    so it can stand in for a layer a model switches off (``nn.Identity()`` in
    place of a stem's max pooling, say).

    Shape: any → the same.

    >>> import tinygrad_cnn as tg
    >>> layer = Identity(54, unused_argument=0.1)
    >>> layer
    Identity()
    >>> x = tg.ones(2, 3)
    >>> layer(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


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
