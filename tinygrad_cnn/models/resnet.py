"""Residual networks (He, Zhang, Ren and Sun, 2015) with torchvision's module names:
`BasicBlock`, `ResNet`, `resnet18()`, `resnet34()`.

A residual block learns a correction F(x) to its input instead of a whole new
map: ``a = relu(F(x) + x)``. Back-propagation through the addition copies δ to
both branches, so ``δ_x = δ_F·∂F/∂x + δ``: the identity path carries the error
term back unchanged however deep the stack, which is why 34 (or 152) layers
still train.
"""
from .. import nn
from ..nn import init


def conv3x3(in_planes, out_planes, stride=1):
    """3×3 convolution, padding 1, no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    """1×1 convolution, no bias: the projection shortcut."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convs with BatchNorm, plus the shortcut:

        out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))

    where ``shortcut`` is the identity, or ``downsample`` (a 1×1 conv with
    stride S and a BatchNorm, keys ``downsample.0`` and ``downsample.1``) when
    the block changes the size or the channel count.

    Shape: (N, C_in, H, W) → (N, planes, ⌈H/S⌉, ⌈W/S⌉).

    >>> import tinygrad_cnn as tg
    >>> block = BasicBlock(64, 128, stride=2, downsample=nn.Sequential(
    ...     conv1x1(64, 128, 2), nn.BatchNorm2d(128)))
    >>> block(tg.zeros(1, 64, 8, 8)).shape
    (1, 128, 4, 4)
    """

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)   # (N, planes, H/S, W/S)
        out = self.relu(self.bn1(self.conv1(x)))                          # (N, planes, H/S, W/S)
        out = self.bn2(self.conv2(out))
        return self.relu(out + shortcut)                                  # δ flows to both


class ResNet(nn.Module):
    """A ResNet of `BasicBlock` s as torchvision defines it.

    ===========  =============================================  ======================
    key          module                                         output (224²)
    ===========  =============================================  ======================
    conv1        Conv2d(3, 64, 7, stride=2, padding=3)          (N, 64, 112, 112)
    bn1, relu    BatchNorm2d(64), ReLU
    maxpool      MaxPool2d(3, stride=2, padding=1)              (N, 64, 56, 56)
    layer1       ``layers[0]`` blocks, 64 channels              (N, 64, 56, 56)
    layer2       ``layers[1]`` blocks, 128, the first stride 2  (N, 128, 28, 28)
    layer3       ``layers[2]`` blocks, 256, the first stride 2  (N, 256, 14, 14)
    layer4       ``layers[3]`` blocks, 512, the first stride 2  (N, 512, 7, 7)
    avgpool, fc  AdaptiveAvgPool2d((1, 1)), Linear(512, C)      (N, num_classes)
    ===========  =============================================  ======================

    Initialisation is torchvision's: conv weights
    ``kaiming_normal_(mode="fan_out", nonlinearity="relu")``, BatchNorm γ = 1,
    β = 0; with ``zero_init_residual`` each block's last γ starts at 0, so
    every block starts as the identity.

    ``small_input=True`` (not in torchvision) is the CIFAR-style stem for
    28×28 and 32×32 images: conv1 becomes ``Conv2d(in_channels, 64, 3,
    stride=1, padding=1, bias=False)`` and maxpool an `nn.Identity`, so layer1
    sees the full 32×32 map (and layer4 a 4×4 one) instead of an 8×8 one
    (and 1×1). The keys stay; only conv1.weight's shape changes.
    ``in_channels`` (keyword, not in torchvision) takes 1 for MNIST.

    >>> import tinygrad_cnn as tg
    >>> model = ResNet([1, 1, 1, 1], num_classes=10, small_input=True, in_channels=1)
    >>> model(tg.zeros(2, 1, 28, 28)).shape
    (2, 10)
    """

    def __init__(self, layers, num_classes=1000, zero_init_residual=False, *,
                 small_input=False, in_channels=3):
        super().__init__()
        self.inplanes = 64
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1,
                                   bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3,
                                   bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if small_input else nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * BasicBlock.expansion, num_classes)

        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                init.constant_(module.weight, 1)
                init.constant_(module.bias, 0)
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, BasicBlock):
                    init.constant_(module.bn2.weight, 0)

    def _make_layer(self, planes, blocks, stride=1):
        """``blocks`` BasicBlocks; the first one strides and, if the size or the
        channel count changes, projects the shortcut (``downsample``)."""
        out_planes = planes * BasicBlock.expansion
        downsample = None
        if stride != 1 or self.inplanes != out_planes:
            downsample = nn.Sequential(conv1x1(self.inplanes, out_planes, stride),
                                       nn.BatchNorm2d(out_planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = out_planes
        layers += [BasicBlock(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))             # (N, 64, 112, 112) at 224×224
        x = self.maxpool(x)                                # (N, 64, 56, 56)
        x = self.layer1(x)                                 # (N, 64, 56, 56)
        x = self.layer2(x)                                 # (N, 128, 28, 28)
        x = self.layer3(x)                                 # (N, 256, 14, 14)
        x = self.layer4(x)                                 # (N, 512, 7, 7)
        x = self.avgpool(x).flatten(1)                     # (N, 512)
        return self.fc(x)                                  # (N, num_classes) logits


def resnet18(num_classes=1000, **kwargs):
    """ResNet-18: 2 BasicBlocks per stage, 11,689,512 parameters (``small_input``,
    ``in_channels`` and ``zero_init_residual`` pass through).

    >>> sum(p.numel() for p in resnet18().parameters())
    11689512
    """
    return ResNet([2, 2, 2, 2], num_classes=num_classes, **kwargs)


def resnet34(num_classes=1000, **kwargs):
    """ResNet-34: 3, 4, 6, 3 BasicBlocks per stage, 21,797,672 parameters.

    >>> sum(p.numel() for p in resnet34().parameters())
    21797672
    """
    return ResNet([3, 4, 6, 3], num_classes=num_classes, **kwargs)
