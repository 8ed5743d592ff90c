"""GoogLeNet (Szegedy et al., 2014, "Going deeper with convolutions") with
torchvision's module names: `BasicConv2d`, `Inception`, `InceptionAux`,
`GoogLeNet`, `googlenet()`.

An Inception module runs four branches side by side on the same input and
concatenates their channels: a 1×1 conv; a 1×1 reduction then a 3×3 conv; a
1×1 reduction then a second 3×3 conv (the paper's 5×5: torchvision's known
deviation, kept so that its weights load); a 3×3 max pooling then a 1×1
projection. The 1×1 reductions are the chapter's bottleneck: they cut the
channels before the expensive convolution. In the backward pass the
concatenation splits δ by channel, one slice per branch, and the four δs
that reach the input add up.
"""
from collections import namedtuple

from .. import nn
from ..nn import functional as F
from ..nn import init
from ..ops.movement import cat

#: what GoogLeNet returns in training mode with ``aux_logits=True``, as torchvision
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])


class BasicConv2d(nn.Module):
    """Conv2d (no bias) → BatchNorm2d(eps=0.001) → ReLU; keys ``conv``, ``bn``.

    >>> import tinygrad_cnn as tg
    >>> BasicConv2d(3, 8, kernel_size=3, padding=1)(tg.zeros(1, 3, 5, 5)).shape
    (1, 8, 5, 5)
    """

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four parallel branches, concatenated along the channels:

    ========  ============================================  =================
    key       module                                        output channels
    ========  ============================================  =================
    branch1   BasicConv2d 1×1                               ch1x1
    branch2   BasicConv2d 1×1 → BasicConv2d 3×3 pad 1       ch3x3
    branch3   BasicConv2d 1×1 → BasicConv2d 3×3 pad 1       ch5x5
    branch4   MaxPool2d(3, 1, 1, ceil_mode) → BasicConv2d   pool_proj
    ========  ============================================  =================

    Shape: (N, in_channels, H, W) → (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).

    >>> import tinygrad_cnn as tg
    >>> Inception(192, 64, 96, 128, 16, 32, 32)(tg.zeros(1, 192, 4, 4)).shape   # inception3a
    (1, 256, 4, 4)
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     # 3×3, not the paper's 5×5: torchvision's known deviation
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1,
                                                  ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return cat(branches, 1)                            # (N, Σ channels, H, W)


class InceptionAux(nn.Module):
    """The auxiliary classifier attached after inception4a and inception4d
    (training only; its loss, weighted 0.3 in the paper, adds δ to the middle
    of the network): adaptive average pooling to 4×4, a 1×1 BasicConv2d to
    128 channels, Linear(2048, 1024), ReLU, Dropout(0.7), Linear(1024, C).

    >>> import tinygrad_cnn as tg
    >>> InceptionAux(512, 10)(tg.zeros(2, 512, 14, 14)).shape
    (2, 10)
    """

    def __init__(self, in_channels, num_classes, dropout=0.7):
        super().__init__()
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(x, (4, 4))               # (N, C, 4, 4)
        x = self.conv(x).flatten(1)                        # (N, 2048)
        x = self.dropout(F.relu(self.fc1(x)))              # (N, 1024)
        return self.fc2(x)                                 # (N, num_classes)


class GoogLeNet(nn.Module):
    """GoogLeNet (Inception v1) as torchvision defines it.

    ==============================  ==========================================  =================
    key                             module                                      output (224²)
    ==============================  ==========================================  =================
    conv1                           BasicConv2d(3, 64, 7, stride 2, padding 3)  (N, 64, 112, 112)
    maxpool1                        MaxPool2d(3, 2, ceil_mode=True)             (N, 64, 56, 56)
    conv2, conv3                    BasicConv2d 1×1 (64), 3×3 (192)             (N, 192, 56, 56)
    maxpool2                        MaxPool2d(3, 2, ceil_mode=True)             (N, 192, 28, 28)
    inception3a, 3b                 Inception                                   (N, 480, 28, 28)
    maxpool3                        MaxPool2d(3, 2, ceil_mode=True)             (N, 480, 14, 14)
    inception4a … 4e                Inception (aux1 after 4a, aux2 after 4d)    (N, 832, 14, 14)
    maxpool4                        MaxPool2d(2, 2, ceil_mode=True)             (N, 832, 7, 7)
    inception5a, 5b                 Inception                                   (N, 1024, 7, 7)
    avgpool, dropout, fc            AdaptiveAvgPool2d(1), Dropout(0.2), Linear  (N, num_classes)
    ==============================  ==========================================  =================

    6,624,904 parameters without the auxiliary classifiers (torchvision's
    published figure), 13,004,888 with them. ``aux_logits`` defaults to False
    here (torchvision's class defaults to True): with it, training mode
    returns `GoogLeNetOutputs` (logits, aux_logits2, aux_logits1) and eval
    mode the logits alone. ``transform_input=True`` maps ImageNet-normalised
    input to the (x − 0.5)/0.5 scaling torchvision's weights were trained on.
    ``init_weights`` (default True) draws every conv and linear weight from
    ``trunc_normal_(std=0.01, a=-2, b=2)`` with BatchNorm γ = 1, β = 0, as
    torchvision; False keeps the layers' defaults.

    Thanks to the ceil-mode poolings any input from 15×15 up runs; 32×32 gives
    a 1×1 map at inception5b. ``small_input=True`` (not in torchvision) makes
    the stem keep the size (conv1 3×3 stride 1 padding 1, maxpool1 an
    `nn.Identity`), so a 32×32 image reaches inception5b at 4×4 rather than
    1×1; the keys stay, only conv1.conv.weight's shape changes.
    ``in_channels`` (keyword, not in torchvision) takes 1 for MNIST.

    >>> import tinygrad_cnn as tg
    >>> model = GoogLeNet(num_classes=10, small_input=True, in_channels=1)
    >>> model.eval()(tg.zeros(1, 1, 28, 28)).shape
    (1, 10)
    """

    def __init__(self, num_classes=1000, aux_logits=False, transform_input=False,
                 init_weights=True, dropout=0.2, dropout_aux=0.7, *, small_input=False,
                 in_channels=3):
        super().__init__()
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        if small_input:
            self.conv1 = BasicConv2d(in_channels, 64, kernel_size=3, stride=1, padding=1)
            self.maxpool1 = nn.Identity()
        else:
            self.conv1 = BasicConv2d(in_channels, 64, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)

        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)

        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes, dropout=dropout_aux)
            self.aux2 = InceptionAux(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = None
            self.aux2 = None

        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)

        if init_weights:
            for module in self.modules():
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    init.trunc_normal_(module.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(module, nn.BatchNorm2d):
                    init.constant_(module.weight, 1)
                    init.constant_(module.bias, 0)

    def _transform_input(self, x):
        """Undo ImageNet's per-channel normalisation, then apply (x − 0.5)/0.5."""
        if not self.transform_input:
            return x
        channels = [x[:, c].unsqueeze(1) * (std / 0.5) + (mean - 0.5) / 0.5
                    for c, (mean, std) in enumerate([(0.485, 0.229), (0.456, 0.224),
                                                     (0.406, 0.225)])]
        return cat(channels, 1)

    def forward(self, x):
        x = self._transform_input(x)
        x = self.maxpool1(self.conv1(x))                   # (N, 64, 56, 56) at 224×224
        x = self.maxpool2(self.conv3(self.conv2(x)))       # (N, 192, 28, 28)
        x = self.inception3b(self.inception3a(x))          # (N, 480, 28, 28)
        x = self.inception4a(self.maxpool3(x))             # (N, 512, 14, 14)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))   # (N, 528, 14, 14)
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))             # (N, 832, 7, 7)
        x = self.inception5b(self.inception5a(x))          # (N, 1024, 7, 7)
        x = self.avgpool(x).flatten(1)                     # (N, 1024)
        x = self.fc(self.dropout(x))                       # (N, num_classes) logits
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


def googlenet(num_classes=1000, aux_logits=False, transform_input=False, init_weights=True,
              **kwargs):
    """GoogLeNet with torchvision's keys (`GoogLeNet`; ``dropout``,
    ``dropout_aux``, ``small_input`` and ``in_channels`` pass through).

    >>> sum(p.numel() for p in googlenet().parameters())
    6624904
    """
    return GoogLeNet(num_classes=num_classes, aux_logits=aux_logits,
                     transform_input=transform_input, init_weights=init_weights, **kwargs)
