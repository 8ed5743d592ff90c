"""VGG (Simonyan and Zisserman, 2014) with torchvision's module names: `VGG`,
`vgg11()`, `vgg11_bn()`, `vgg16()`, `vgg16_bn()`.

A VGG is a stack of 3×3 convolutions (padding 1, so the size stays) with a 2×2
max pooling after each group, written as a configuration list: a number is a
conv with that many output channels, "M" a pooling. Two stacked 3×3 convs see
a 5×5 window and three a 7×7 one, with fewer parameters (2·9·C² and 3·9·C²
against 25·C² and 49·C²) and a ReLU between.
"""
from .. import nn
from ..nn import init

#: torchvision's configurations: "A" is VGG-11, "D" is VGG-16
CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


def make_layers(config, batch_norm=False, in_channels=3):
    """The ``features`` Sequential of a configuration: Conv2d(3×3, padding 1)
    [+ BatchNorm2d] + ReLU for each number, MaxPool2d(2, 2) for each "M".

    >>> make_layers([8, "M"], batch_norm=True)
    Sequential(
      (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      (2): ReLU(inplace=True)
      (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    )
    """
    layers = []
    for value in config:
        if value == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, value, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(value))
        layers.append(nn.ReLU(inplace=True))
        in_channels = value
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """A VGG network as torchvision defines it: ``features`` (from `make_layers`),
    ``avgpool`` = AdaptiveAvgPool2d((7, 7)), and ``classifier``:

    ===============  ===================================  ============
    key              module                               output
    ===============  ===================================  ============
    features         convs and 5 poolings                 (N, 512, H/32, W/32)
    avgpool          AdaptiveAvgPool2d((7, 7))            (N, 512, 7, 7)
    classifier.0-.2  Linear(25088, 4096), ReLU, Dropout   (N, 4096)
    classifier.3-.5  Linear(4096, 4096), ReLU, Dropout    (N, 4096)
    classifier.6     Linear(4096, num_classes)            (N, num_classes)
    ===============  ===================================  ============

    ``init_weights`` (default True) is torchvision's: conv weights
    ``kaiming_normal_(mode="fan_out", nonlinearity="relu")`` and zero biases,
    BatchNorm γ = 1, β = 0, linear weights N(0, 0.01²) and zero biases.

    Five poolings halve the size five times, so the smallest input is 32×32
    (→ 1×1, which the adaptive pooling spreads to 7×7): CIFAR-sized images run
    as they are, and 28×28 ones padded by 2 (``tg.pad`` or
    ``F.pad(x, (2, 2, 2, 2))``). There is no stem to shrink, so no
    ``small_input`` variant; the classifier (about 120 M of VGG-11's 133 M
    parameters) is what makes it heavy. ``in_channels`` (keyword, not in
    torchvision) takes 1 for MNIST.

    >>> import tinygrad_cnn as tg
    >>> features = make_layers(CONFIGS["A"], in_channels=1)
    >>> features(tg.zeros(1, 1, 32, 32)).shape       # 32 / 2⁵ = 1; the avgpool makes it 7×7
    (1, 512, 1, 1)
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for module in self.modules():
                if isinstance(module, nn.Conv2d):
                    init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                    if module.bias is not None:
                        init.constant_(module.bias, 0)
                elif isinstance(module, nn.BatchNorm2d):
                    init.constant_(module.weight, 1)
                    init.constant_(module.bias, 0)
                elif isinstance(module, nn.Linear):
                    init.normal_(module.weight, 0, 0.01)
                    init.constant_(module.bias, 0)

    def forward(self, x):
        x = self.features(x)                               # (N, 512, H/32, W/32)
        x = self.avgpool(x)                                # (N, 512, 7, 7)
        x = x.flatten(1)                                   # (N, 25088)
        return self.classifier(x)                          # (N, num_classes) logits


def _vgg(config, batch_norm, num_classes, in_channels, **kwargs):
    return VGG(make_layers(CONFIGS[config], batch_norm, in_channels), num_classes=num_classes,
               **kwargs)


def vgg11(num_classes=1000, *, in_channels=3, **kwargs):
    """VGG-11 (configuration "A"): 8 convs and 3 linear layers, 132,863,336 parameters
    (9,220,480 in the convs, 123,642,856 in the classifier).

    >>> convs = make_layers(CONFIGS["A"])          # building the whole model takes seconds
    >>> sum(p.numel() for p in convs.parameters())
    9220480
    """
    return _vgg("A", False, num_classes, in_channels, **kwargs)


def vgg11_bn(num_classes=1000, *, in_channels=3, **kwargs):
    """VGG-11 with a BatchNorm2d after every conv: 132,868,840 parameters
    (2 · (64 + 128 + 2·256 + 4·512) = 5,504 more, γ and β).

    >>> convs = make_layers(CONFIGS["A"], batch_norm=True)
    >>> sum(p.numel() for p in convs.parameters()) - 9220480
    5504
    """
    return _vgg("A", True, num_classes, in_channels, **kwargs)


def vgg16(num_classes=1000, *, in_channels=3, **kwargs):
    """VGG-16 (configuration "D"): 13 convs and 3 linear layers, 138,357,544 parameters
    (14,714,688 in the convs, 123,642,856 in the classifier).

    >>> convs = make_layers(CONFIGS["D"])
    >>> sum(p.numel() for p in convs.parameters())
    14714688
    """
    return _vgg("D", False, num_classes, in_channels, **kwargs)


def vgg16_bn(num_classes=1000, *, in_channels=3, **kwargs):
    """VGG-16 with a BatchNorm2d after every conv: 138,365,992 parameters.

    >>> convs = make_layers(CONFIGS["D"], batch_norm=True)
    >>> sum(p.numel() for p in convs.parameters()) + 123642856
    138365992
    """
    return _vgg("D", True, num_classes, in_channels, **kwargs)
