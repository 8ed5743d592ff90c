"""The chapter's small CNNs: `LeNet5` (as usually written today) and `TFCNN`, the
networks the CLI draws and the demo trains (`lenet5()` and `tf_cnn()` build them).

Both are written as `nn.Module` subclasses with one named attribute per
layer — ReLUs and pooling included — so a drawing at ``level='layer'`` shows
every stage of the network as a labelled box (``conv1``, ``relu1``, ``pool1`` …).

>>> import tinygrad_cnn as tg
>>> _ = tg.manual_seed(0)
>>> LeNet5()(tg.zeros(2, 1, 28, 28)).shape
(2, 10)
"""
from .. import nn


class LeNet5(nn.Module):
    """LeNet-5 as it is usually written today (ReLU and max pooling in place of
    LeCun's scaled tanh and trainable subsampling), for 1×28×28 images.

    ===========  ==========================  ================  =========
    layer        module                      output shape      params
    ===========  ==========================  ================  =========
    conv1        Conv2d(1, 6, 5, padding=2)  (N, 6, 28, 28)    156
    relu1, pool1 ReLU, MaxPool2d(2)          (N, 6, 14, 14)
    conv2        Conv2d(6, 16, 5)            (N, 16, 10, 10)   2,416
    relu2, pool2 ReLU, MaxPool2d(2)          (N, 16, 5, 5)
    flatten      Flatten                     (N, 400)
    fc1, relu3   Linear(400, 120), ReLU      (N, 120)          48,120
    fc2, relu4   Linear(120, 84), ReLU       (N, 84)           10,164
    fc3          Linear(84, 10)              (N, 10) logits    850
    ===========  ==========================  ================  =========

    61,706 parameters in all.

    >>> import tinygrad_cnn as tg
    >>> model = LeNet5()
    >>> sum(p.numel() for p in model.parameters())
    61706
    >>> model(tg.zeros(3, 1, 28, 28)).shape
    (3, 10)
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))          # (N, 6, 14, 14)
        x = self.pool2(self.relu2(self.conv2(x)))          # (N, 16, 5, 5)
        x = self.flatten(x)                                # (N, 400)
        x = self.relu3(self.fc1(x))                        # (N, 120)
        x = self.relu4(self.fc2(x))                        # (N, 84)
        return self.fc3(x)                                 # (N, 10) logits


class TFCNN(nn.Module):
    """The network of TensorFlow's classic "Deep MNIST" tutorial, made small.

    28 → conv 5×5 valid → 24 → max pool 2 → 12 → conv 5×5 valid → 8 →
    max pool 2 → 4 → fully connected → ReLU → 10 logits.

    The tutorial uses 32 and 64 channels and 1024 hidden units (3.3 million
    parameters, with 'same' padding); here the defaults are 8 and 16 channels and
    128 hidden units (37,610 parameters), so it trains on a laptop CPU in
    minutes and its drawing stays readable. Pass ``channels=(32, 64),
    hidden=1024`` for the tutorial's widths.

    ========  ====================  =================
    layer     module                output shape
    ========  ====================  =================
    conv1     Conv2d(1, 8, 5)       (N, 8, 24, 24)
    pool1     MaxPool2d(2)          (N, 8, 12, 12)
    conv2     Conv2d(8, 16, 5)      (N, 16, 8, 8)
    pool2     MaxPool2d(2)          (N, 16, 4, 4)
    fc1       Linear(256, 128)      (N, 128)
    fc2       Linear(128, 10)       (N, 10) logits
    ========  ====================  =================

    >>> import tinygrad_cnn as tg
    >>> model = TFCNN()
    >>> sum(p.numel() for p in model.parameters())
    37610
    >>> model(tg.zeros(2, 1, 28, 28)).shape
    (2, 10)
    """

    def __init__(self, channels=(8, 16), hidden=128, num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(c2 * 4 * 4, hidden)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))          # (N, c1, 12, 12)
        x = self.pool2(self.relu2(self.conv2(x)))          # (N, c2, 4, 4)
        x = self.relu3(self.fc1(self.flatten(x)))          # (N, hidden)
        return self.fc2(x)                                 # (N, 10) logits


def lenet5(num_classes=10):
    """The chapter's LeNet-5 for 1×28×28 images (`LeNet5`).

    >>> sum(p.numel() for p in lenet5().parameters())
    61706
    """
    return LeNet5(num_classes=num_classes)


def tf_cnn(num_classes=10, **kwargs):
    """The TensorFlow-tutorial network (`TFCNN`); ``channels`` and ``hidden`` pass through.

    >>> sum(p.numel() for p in tf_cnn(channels=(32, 64), hidden=1024).parameters())
    1111946
    """
    return TFCNN(num_classes=num_classes, **kwargs)
