"""Layers and models (PyTorch's ``torch.nn``): `Module`, `Parameter`, the CNN
layers, ``functional`` (the ops they call), ``init`` (weight initialisation) and
``utils`` (gradient clipping).

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn
>>> lenet = nn.Sequential(
...     nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
...     nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
...     nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
>>> lenet(tg.zeros(2, 1, 28, 28)).shape
(2, 10)
>>> sum(p.numel() for p in lenet.parameters())
61706
"""
from . import functional, init, utils
from .modules import (
    AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Flatten, LeakyReLU, Linear,
    MaxPool2d, Module, ModuleList, ReLU, Sequential, Sigmoid, Tanh,
)
from .modules import AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxUnpool2d
from .modules import Fold, Unfold, Upsample
from .modules import CircularPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad2d
from .modules import BatchNorm1d, Dropout2d, Identity, LocalResponseNorm  # issue 9
from .parameter import Parameter

__all__ = [
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d",
    "Fold", "Unfold", "Upsample",
    "CircularPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "ZeroPad2d",
    "AvgPool2d", "BatchNorm2d", "Conv2d", "ConvTranspose2d", "Dropout", "Flatten",
    "LeakyReLU", "Linear", "MaxPool2d", "Module", "ModuleList", "Parameter", "ReLU",
    "Sequential", "Sigmoid", "Tanh", "functional", "init", "utils",
]

# activations and losses (beyond the ones above)
from .modules import (  # noqa: E402
    CELU, ELU, GELU, GLU, SELU, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Hardsigmoid,
    Hardswish, Hardtanh, HuberLoss, KLDivLoss, L1Loss, LogSigmoid, LogSoftmax, Mish, MSELoss,
    NLLLoss, PReLU, ReLU6, SiLU, SmoothL1Loss, Softmax, Softmax2d, Softmin, Softplus,
    Softsign, Tanhshrink, Threshold,
)
__all__ += [
    "BCELoss", "BCEWithLogitsLoss", "CELU", "CrossEntropyLoss", "ELU", "GELU", "GLU",
    "Hardsigmoid", "Hardswish", "Hardtanh", "HuberLoss", "KLDivLoss", "L1Loss", "LogSigmoid",
    "LogSoftmax", "MSELoss", "Mish", "NLLLoss", "PReLU", "ReLU6", "SELU", "SiLU",
    "SmoothL1Loss", "Softmax", "Softmax2d", "Softmin", "Softplus", "Softsign", "Tanhshrink",
    "Threshold",
]
__all__ += ["BatchNorm1d", "Dropout2d", "Identity", "LocalResponseNorm"]  # issue 9
from .modules import (  # noqa: E402
    GroupNorm, LayerNorm, ModuleDict, ParameterDict, ParameterList, Unflatten,
)
__all__ += ["GroupNorm", "LayerNorm", "ModuleDict", "ParameterDict", "ParameterList",
            "Unflatten"]
