"""``tinygrad_cnn.nn.functional`` (import it as ``F``): PyTorch's names,
argument order and layouts (NCHW; conv weight (C_out, C_in/groups, kH, kW)).

Each function here checks and normalises its arguments, with errors that name
the op and the shapes and dtypes it got, then calls one op's ``apply``: every
layer below is ONE graph node whose local backward rule sits in its op class
(`conv_ops`, `pool_ops`, `adaptive_pool_ops`, `padding_ops`, `fold_ops`,
`upsample_ops`, `activation_ops`, `loss_ops`, `norm_ops`).

One family per file: `conv`, `pooling`, `activation`, `linear` (with
`flatten`), `dropout`, `loss`, `normalization` (with `normalize`), `padding`,
`fold` (unfold / fold), `upsampling` (interpolate), `encoding` (one_hot).

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn.nn import functional as F
>>> x = tg.ones(1, 1, 4, 4, requires_grad=True)
>>> y = F.max_pool2d(F.relu(F.conv2d(x, tg.ones(2, 1, 3, 3), padding=1)), 2)
>>> y.shape, y.grad_fn.name
((1, 2, 2, 2), 'max_pool2d')
"""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .conv import conv2d, conv_transpose2d
from .dropout import dropout
from .linear import flatten, linear
from .loss import cross_entropy, nll_loss
from .normalization import batch_norm
from .pooling import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d,
                      max_unpool2d)
from .fold import fold, unfold            # im2col / col2im
from .padding import pad                  # all four modes; the core constant pad inside
from .upsampling import interpolate

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_unpool2d", "fold", "unfold", "interpolate",
    "avg_pool2d", "batch_norm", "conv2d", "conv_transpose2d", "cross_entropy", "dropout",
    "flatten", "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss",
    "pad", "relu", "sigmoid", "softmax", "tanh",
]

# activations and losses (beyond the ones above)
from .activation import (  # noqa: E402
    celu, elu, gelu, glu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6,
    selu, silu, softmin, softplus, softsign, tanhshrink, threshold,
)
from .loss_pointwise import (  # noqa: E402
    binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, kl_div, l1_loss,
    mse_loss, smooth_l1_loss,
)
__all__ += [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "elu", "gelu", "glu",
    "hardsigmoid", "hardswish", "hardtanh", "huber_loss", "kl_div", "l1_loss", "logsigmoid",
    "mish", "prelu", "relu6", "selu", "silu", "smooth_l1_loss", "softmin", "softplus",
    "softsign", "tanhshrink", "threshold",
]
from .dropout import dropout2d  # noqa: E402  (issue 9)
from .normalization import local_response_norm  # noqa: E402  (issue 9)

__all__ += ["dropout2d", "local_response_norm"]  # issue 9
from .encoding import one_hot  # noqa: E402
from .normalization import group_norm, layer_norm, normalize  # noqa: E402

__all__ += ["group_norm", "layer_norm", "normalize", "one_hot"]
