"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012) with torchvision's module names:
`AlexNet` and `alexnet()`.

torchvision's version is the "one weird trick" variant (64-192-384-256-256
channels, no local response normalisation, no two-GPU split); its state_dict
keys, order and shapes are reproduced exactly, so torchvision's weights load
by key. The original's LRN is available as `nn.LocalResponseNorm` for anyone
who wants to add it back (``nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)``
after the first two ReLUs is the paper's).
"""
from .. import nn


class AlexNet(nn.Module):
    """AlexNet as torchvision defines it.

    =================  ==========================================  ==============  ==========
    key                module                                      output (224²)   params
    =================  ==========================================  ==============  ==========
    features.0         Conv2d(3, 64, 11, stride=4, padding=2)      (N, 64, 55, 55)     23,296
    features.1, .2     ReLU, MaxPool2d(3, 2)                       (N, 64, 27, 27)
    features.3         Conv2d(64, 192, 5, padding=2)               (N, 192, 27, 27)   307,392
    features.4, .5     ReLU, MaxPool2d(3, 2)                       (N, 192, 13, 13)
    features.6, .7     Conv2d(192, 384, 3, padding=1), ReLU        (N, 384, 13, 13)   663,936
    features.8, .9     Conv2d(384, 256, 3, padding=1), ReLU        (N, 256, 13, 13)   884,992
    features.10, .11   Conv2d(256, 256, 3, padding=1), ReLU        (N, 256, 13, 13)   590,080
    features.12        MaxPool2d(3, 2)                             (N, 256, 6, 6)
    avgpool            AdaptiveAvgPool2d((6, 6))                   (N, 256, 6, 6)
    classifier.0, .1   Dropout, Linear(9216, 4096)                 (N, 4096)       37,752,832
    classifier.2-.4    ReLU, Dropout, Linear(4096, 4096)           (N, 4096)       16,781,312
    classifier.5, .6   ReLU, Linear(4096, num_classes)             (N, 1000)        4,097,000
    =================  ==========================================  ==============  ==========

    61,100,840 parameters in all. The smallest input is 63×63 (the third max
    pooling needs a 3×3 map); the adaptive pooling then makes any larger size
    fit the 9216-input classifier.

    ``small_input=True`` (not in torchvision) replaces features.0 by
    ``Conv2d(in_channels, 64, 3, stride=1, padding=1)`` for 28×28 and 32×32
    images (32 → 15 → 7 → 3, and the adaptive pooling spreads the 3×3 map to
    6×6): every key stays, only features.0.weight's shape changes.
    ``in_channels`` (keyword, default 3; not in torchvision) takes 1 for MNIST.

    >>> import tinygrad_cnn as tg
    >>> model = AlexNet(num_classes=10, small_input=True, in_channels=1)
    >>> model(tg.zeros(2, 1, 28, 28)).shape
    (2, 10)
    """

    def __init__(self, num_classes=1000, dropout=0.5, *, small_input=False, in_channels=3):
        super().__init__()
        if small_input:
            stem = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1)
        else:
            stem = nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2)
        self.features = nn.Sequential(
            stem, nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.features(x)                               # (N, 256, 6, 6) at 224×224
        x = self.avgpool(x)                                # (N, 256, 6, 6)
        x = x.flatten(1)                                   # (N, 9216)
        return self.classifier(x)                          # (N, num_classes) logits


def alexnet(num_classes=1000, **kwargs):
    """AlexNet with torchvision's keys (`AlexNet`; ``dropout``, ``small_input`` and
    ``in_channels`` pass through). No pretrained weights ship with tinygrad_cnn:
    load torchvision's by key with ``load_state_dict``.

    >>> sum(p.numel() for p in alexnet().parameters())
    61100840
    """
    return AlexNet(num_classes=num_classes, **kwargs)
