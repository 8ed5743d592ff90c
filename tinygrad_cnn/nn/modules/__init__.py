"""The layers of a CNN: thin, stateful wrappers over `tinygrad_cnn.nn.functional`.

Each class holds its parameters (W, b) and options, and its ``forward`` is one
call to the functional op that does the maths (and its backward). Names,
argument order, default initialisation, parameter shapes and reprs are
PyTorch's, so a model written for ``torch.nn`` reads the same here and their
state_dicts are interchangeable.

Shapes use N (batch), C (channels), H, W (height, width), K (kernel size),
S (stride), P (padding), D (dilation).

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn
>>> conv = nn.Conv2d(1, 6, 5, padding=2)
>>> conv
Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
>>> conv(tg.zeros(8, 1, 28, 28)).shape
(8, 6, 28, 28)
"""
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .container import ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten
from .fold import Fold, Unfold
from .linear import Linear
from .module import Module
from .normalization import BatchNorm2d
from .padding import (CircularPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d,
                      ZeroPad2d)
from .upsampling import Upsample
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, MaxUnpool2d


# activations and losses (beyond the ones above)
from .activation import (
    GLU, Hardsigmoid, Hardswish, Hardtanh, LogSoftmax, PReLU, ReLU6, Softmax, Softmax2d,
    Softmin, Threshold,
)
from .activation_smooth import (
    CELU, ELU, GELU, SELU, LogSigmoid, Mish, SiLU, Softplus, Softsign, Tanhshrink,
)
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss,
    NLLLoss, SmoothL1Loss,
)
# normalisation, channel dropout and Identity (issue 9)
from .dropout import Dropout2d
from .linear import Identity
from .normalization import BatchNorm1d, LocalResponseNorm
# keyed and parameter containers, Unflatten
from .container_dicts import ModuleDict, ParameterDict, ParameterList
from .flatten import Unflatten
from .normalization import GroupNorm, LayerNorm
