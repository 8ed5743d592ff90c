"""Built-in models (PyTorch's ``torchvision.models``): the chapter's classic CNNs.

* the chapter's own small networks, which the CLI draws and the demo trains:
  `lenet5()` / `LeNet5` (the modern LeNet: ReLU and max pooling) and
  `tf_cnn()` / `TFCNN`;
* the classic ImageNet networks, with torchvision's module names so that their
  ``state_dict`` keys, order and shapes are torchvision's and weights load
  by key either way: `alexnet()`, `vgg11()`, `vgg11_bn()`, `vgg16()`,
  `vgg16_bn()`, `resnet18()`, `resnet34()`, `googlenet()`.

Every builder takes ``num_classes=``. ``small_input=True`` (AlexNet, ResNet,
GoogLeNet; not in torchvision) swaps the stem for a 3×3 stride-1 conv (and
drops the stem's max pooling where there is one) so 28×28 and 32×32 images
keep their detail; ``in_channels=1`` takes grey-scale images. No pretrained
weights ship: a ``.npz`` of torchvision's arrays loads with
``model.load_state_dict(dict(np.load(path)))``.

LeCun's original LeNet-5 (trainable subsampling, the C3 connection table)
lives in ``examples/lenet5.py``, which shows how to write such layers.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import models
>>> sorted(models.MODELS)                    # the CLI's --model names
['lenet5', 'modern_lenet', 'resnet18', 'tf_cnn']
>>> _ = tg.manual_seed(0)
>>> models.MODELS["lenet5"]()(tg.zeros(2, 1, 28, 28)).shape
(2, 10)
>>> net = models.resnet18(num_classes=10, small_input=True)
>>> list(net.state_dict())[:3]
['conv1.weight', 'bn1.weight', 'bn1.bias']
"""
from .alexnet import AlexNet, alexnet
from .googlenet import BasicConv2d, GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet
from .lenet import TFCNN, LeNet5, lenet5, tf_cnn
from .resnet import BasicBlock, ResNet, resnet18, resnet34
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn


def _small_resnet18():
    """ResNet-18 for 1×28×28 images and 10 classes (a 3×3 stem), for the CLI."""
    return resnet18(num_classes=10, small_input=True, in_channels=1)


#: the CLI's ``--model`` names: networks that take the embedded 1×28×28 images
MODELS = {"lenet5": LeNet5, "modern_lenet": LeNet5, "tf_cnn": TFCNN,
          "resnet18": _small_resnet18}

__all__ = [
    "MODELS", "AlexNet", "BasicBlock", "BasicConv2d", "GoogLeNet", "GoogLeNetOutputs",
    "Inception", "InceptionAux", "LeNet5", "ResNet", "TFCNN", "VGG", "alexnet", "googlenet",
    "lenet5", "resnet18", "resnet34", "tf_cnn", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn",
]
