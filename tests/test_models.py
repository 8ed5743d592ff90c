"""Tests for tinygrad_cnn.models: the classic CNNs with torchvision's module names.

torchvision is not needed: the expected keys and shapes are written here from
torchvision's definitions, and where torch is installed each model has a
"twin" written below in plain ``torch.nn``, line for line after torchvision's
source layout, which must load our weights by key (and we theirs) and give
the same logits and gradients in float64.

Building a VGG costs seconds, almost all of it drawing 120 M random weights;
tests that only look at names and shapes build them with the random fills
switched off (`no_random_init`).
"""
import math

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import models, optim
from tinygrad_cnn._errors import ShapeError
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.nn import init


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


@pytest.fixture
def no_random_init(monkeypatch):
    """Make every random fill a no-op: parameters keep np.empty's contents.
    Only for tests of names, shapes and counts."""
    for name in ("uniform_", "normal_", "trunc_normal_"):
        monkeypatch.setattr(init, name, lambda tensor, *args, **kwargs: tensor)


def count(model):
    return sum(p.numel() for p in model.parameters())


def shapes(state_dict):
    return [(key, tuple(value.shape)) for key, value in state_dict.items()]


# ----------------------------------------------------------------------------- torch twins
# Written from torchvision's definitions (torchvision/models/{alexnet,vgg,resnet,googlenet}.py):
# same attribute names and registration order, same layer options.
def torch_alexnet(torch, num_classes=1000):
    tnn = torch.nn

    class AlexNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), tnn.ReLU(inplace=True),
                tnn.MaxPool2d(kernel_size=3, stride=2),
                tnn.Conv2d(64, 192, kernel_size=5, padding=2), tnn.ReLU(inplace=True),
                tnn.MaxPool2d(kernel_size=3, stride=2),
                tnn.Conv2d(192, 384, kernel_size=3, padding=1), tnn.ReLU(inplace=True),
                tnn.Conv2d(384, 256, kernel_size=3, padding=1), tnn.ReLU(inplace=True),
                tnn.Conv2d(256, 256, kernel_size=3, padding=1), tnn.ReLU(inplace=True),
                tnn.MaxPool2d(kernel_size=3, stride=2))
            self.avgpool = tnn.AdaptiveAvgPool2d((6, 6))
            self.classifier = tnn.Sequential(
                tnn.Dropout(p=0.5), tnn.Linear(256 * 6 * 6, 4096), tnn.ReLU(inplace=True),
                tnn.Dropout(p=0.5), tnn.Linear(4096, 4096), tnn.ReLU(inplace=True),
                tnn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return AlexNet()


VGG_CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


def torch_vgg(torch, config, batch_norm, num_classes=1000):
    tnn = torch.nn
    layers, in_channels = [], 3
    for value in VGG_CONFIGS[config]:
        if value == "M":
            layers.append(tnn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(tnn.Conv2d(in_channels, value, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(tnn.BatchNorm2d(value))
        layers.append(tnn.ReLU(inplace=True))
        in_channels = value

    class VGG(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(*layers)
            self.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
            self.classifier = tnn.Sequential(
                tnn.Linear(512 * 7 * 7, 4096), tnn.ReLU(True), tnn.Dropout(p=0.5),
                tnn.Linear(4096, 4096), tnn.ReLU(True), tnn.Dropout(p=0.5),
                tnn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return VGG()


def torch_resnet(torch, layers, num_classes=1000):
    tnn = torch.nn

    def conv3x3(i, o, stride=1):
        return tnn.Conv2d(i, o, kernel_size=3, stride=stride, padding=1, bias=False)

    class BasicBlock(tnn.Module):
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = conv3x3(inplanes, planes, stride)
            self.bn1 = tnn.BatchNorm2d(planes)
            self.relu = tnn.ReLU(inplace=True)
            self.conv2 = conv3x3(planes, planes)
            self.bn2 = tnn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            return self.relu(out + identity)

    class ResNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.inplanes = 64
            self.conv1 = tnn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU(inplace=True)
            self.maxpool = tnn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(64, layers[0])
            self.layer2 = self._make_layer(128, layers[1], 2)
            self.layer3 = self._make_layer(256, layers[2], 2)
            self.layer4 = self._make_layer(512, layers[3], 2)
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(512, num_classes)

        def _make_layer(self, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes:
                downsample = tnn.Sequential(
                    tnn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                    tnn.BatchNorm2d(planes))
            stage = [BasicBlock(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes
            stage += [BasicBlock(planes, planes) for _ in range(1, blocks)]
            return tnn.Sequential(*stage)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet()


def torch_googlenet(torch, num_classes=1000, aux_logits=False, dropout=0.2, dropout_aux=0.7):
    tnn, tF = torch.nn, torch.nn.functional

    class BasicConv2d(tnn.Module):
        def __init__(self, in_channels, out_channels, **kwargs):
            super().__init__()
            self.conv = tnn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
            self.bn = tnn.BatchNorm2d(out_channels, eps=0.001)

        def forward(self, x):
            return tF.relu(self.bn(self.conv(x)))

    class Inception(tnn.Module):
        def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
            super().__init__()
            self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
            self.branch2 = tnn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                          BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
            self.branch3 = tnn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                          BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))
            self.branch4 = tnn.Sequential(
                tnn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                BasicConv2d(in_channels, pool_proj, kernel_size=1))

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                              self.branch4(x)], 1)

    class InceptionAux(tnn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
            self.fc1 = tnn.Linear(2048, 1024)
            self.fc2 = tnn.Linear(1024, num_classes)
            self.dropout = tnn.Dropout(p=dropout_aux)

        def forward(self, x):
            x = torch.flatten(self.conv(tF.adaptive_avg_pool2d(x, (4, 4))), 1)
            return self.fc2(self.dropout(tF.relu(self.fc1(x))))

    class GoogLeNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.conv2 = BasicConv2d(64, 64, kernel_size=1)
            self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
            self.maxpool2 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
            self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
            self.maxpool3 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
            self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
            self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
            self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
            self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
            self.maxpool4 = tnn.MaxPool2d(2, stride=2, ceil_mode=True)
            self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
            self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
            if aux_logits:
                self.aux1 = InceptionAux(512)
                self.aux2 = InceptionAux(528)
            else:
                self.aux1 = self.aux2 = None
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.dropout = tnn.Dropout(p=dropout)
            self.fc = tnn.Linear(1024, num_classes)

        def forward(self, x):
            x = self.maxpool1(self.conv1(x))
            x = self.maxpool2(self.conv3(self.conv2(x)))
            x = self.maxpool3(self.inception3b(self.inception3a(x)))
            x = self.inception4a(x)
            aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
            x = self.inception4d(self.inception4c(self.inception4b(x)))
            aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
            x = self.maxpool4(self.inception4e(x))
            x = self.inception5b(self.inception5a(x))
            x = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
            if self.training and aux_logits:
                return x, aux2, aux1
            return x

    return GoogLeNet()


# ----------------------------------------------------------------------------- counts and keys
PUBLISHED = [   # builder, kwargs, torchvision's published parameter count
    (models.alexnet, {}, 61_100_840),
    (models.vgg11, {}, 132_863_336),
    (models.vgg11_bn, {}, 132_868_840),
    (models.vgg16, {}, 138_357_544),
    (models.vgg16_bn, {}, 138_365_992),
    (models.resnet18, {}, 11_689_512),
    (models.resnet34, {}, 21_797_672),
    (models.googlenet, {}, 6_624_904),
    (models.googlenet, {"aux_logits": True}, 13_004_888),
]


@pytest.mark.parametrize("builder, kwargs, published", PUBLISHED,
                         ids=[f"{b.__name__}{'_aux' if k else ''}" for b, k, _ in PUBLISHED])
def test_parameter_counts_equal_the_published_ones(no_random_init, builder, kwargs, published):
    assert count(builder(**kwargs)) == published


def test_num_classes_changes_only_the_last_layer(no_random_init):
    assert count(models.resnet18(num_classes=10)) == 11_689_512 - 513 * 990
    assert count(models.alexnet(num_classes=10)) == 61_100_840 - 4097 * 990
    assert count(models.googlenet(num_classes=10)) == 6_624_904 - 1025 * 990
    assert count(models.vgg11(num_classes=10)) == 132_863_336 - 4097 * 990


def test_alexnet_keys_and_shapes_by_hand(no_random_init):
    assert shapes(models.alexnet().state_dict()) == [
        ("features.0.weight", (64, 3, 11, 11)), ("features.0.bias", (64,)),
        ("features.3.weight", (192, 64, 5, 5)), ("features.3.bias", (192,)),
        ("features.6.weight", (384, 192, 3, 3)), ("features.6.bias", (384,)),
        ("features.8.weight", (256, 384, 3, 3)), ("features.8.bias", (256,)),
        ("features.10.weight", (256, 256, 3, 3)), ("features.10.bias", (256,)),
        ("classifier.1.weight", (4096, 9216)), ("classifier.1.bias", (4096,)),
        ("classifier.4.weight", (4096, 4096)), ("classifier.4.bias", (4096,)),
        ("classifier.6.weight", (1000, 4096)), ("classifier.6.bias", (1000,))]


def test_vgg_keys_by_hand(no_random_init):
    conv_indices = {"vgg11": [0, 3, 6, 8, 11, 13, 16, 18],
                    "vgg16": [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]}
    for name, indices in conv_indices.items():
        keys = list(getattr(models, name)().state_dict())
        assert keys == [f"features.{i}.{p}" for i in indices for p in ("weight", "bias")] + \
            [f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")]
    bn_keys = list(models.vgg11_bn().state_dict())
    assert bn_keys[:7] == ["features.0.weight", "features.0.bias", "features.1.weight",
                           "features.1.bias", "features.1.running_mean",
                           "features.1.running_var", "features.1.num_batches_tracked"]
    assert bn_keys[7] == "features.4.weight"                  # conv, bn, relu, pool, conv …
    assert len(bn_keys) == 8 * 7 + 6


BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def test_resnet_keys_and_shapes_by_hand(no_random_init):
    state = models.resnet18().state_dict()
    entries = shapes(state)
    assert entries[:6] == [("conv1.weight", (64, 3, 7, 7))] + \
        [(f"bn1.{k}", () if k == "num_batches_tracked" else (64,)) for k in BN]
    block = [key for key, _ in entries if key.startswith("layer2.0.")]
    assert block == ["layer2.0.conv1.weight"] + [f"layer2.0.bn1.{k}" for k in BN] + \
        ["layer2.0.conv2.weight"] + [f"layer2.0.bn2.{k}" for k in BN] + \
        ["layer2.0.downsample.0.weight"] + [f"layer2.0.downsample.1.{k}" for k in BN]
    assert state["layer2.0.conv1.weight"].shape == (128, 64, 3, 3)
    assert state["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    assert "layer1.0.downsample.0.weight" not in state          # 64 → 64, stride 1: identity
    assert entries[-2:] == [("fc.weight", (1000, 512)), ("fc.bias", (1000,))]
    assert len(state) == 122
    assert len(models.resnet34().state_dict()) == 218
    assert state["bn1.num_batches_tracked"].dtype == np.int64


def test_googlenet_keys_and_shapes_by_hand(no_random_init):
    state = models.googlenet().state_dict()
    assert shapes(state)[:6] == [("conv1.conv.weight", (64, 3, 7, 7))] + \
        [(f"conv1.bn.{k}", () if k == "num_batches_tracked" else (64,)) for k in BN]
    prefixes = sorted({key.rsplit(".", 1)[0] for key in state if key.startswith("inception3a.")})
    assert prefixes == ["inception3a.branch1.bn", "inception3a.branch1.conv",
                        "inception3a.branch2.0.bn", "inception3a.branch2.0.conv",
                        "inception3a.branch2.1.bn", "inception3a.branch2.1.conv",
                        "inception3a.branch3.0.bn", "inception3a.branch3.0.conv",
                        "inception3a.branch3.1.bn", "inception3a.branch3.1.conv",
                        "inception3a.branch4.1.bn", "inception3a.branch4.1.conv"]
    assert state["inception3a.branch3.1.conv.weight"].shape == (32, 16, 3, 3)   # 3×3, not 5×5
    assert state["inception5b.branch4.1.conv.weight"].shape == (128, 832, 1, 1)
    assert list(state)[-2:] == ["fc.weight", "fc.bias"] and state["fc.weight"].shape == (1000, 1024)
    assert not any(key.startswith("aux") for key in state)
    with_aux = models.googlenet(aux_logits=True).state_dict()
    assert [k for k in with_aux if k.startswith("aux1.")] == \
        ["aux1.conv.conv.weight"] + [f"aux1.conv.bn.{k}" for k in BN] + \
        ["aux1.fc1.weight", "aux1.fc1.bias", "aux1.fc2.weight", "aux1.fc2.bias"]
    assert with_aux["aux2.conv.conv.weight"].shape == (128, 528, 1, 1)
    assert list(with_aux)[-4:] == ["aux2.fc2.weight", "aux2.fc2.bias", "fc.weight", "fc.bias"]


@pytest.mark.parametrize("name, twin", [
    ("alexnet", lambda t: torch_alexnet(t)),
    ("vgg11", lambda t: torch_vgg(t, "A", False)), ("vgg11_bn", lambda t: torch_vgg(t, "A", True)),
    ("vgg16", lambda t: torch_vgg(t, "D", False)), ("vgg16_bn", lambda t: torch_vgg(t, "D", True)),
    ("resnet18", lambda t: torch_resnet(t, [2, 2, 2, 2])),
    ("resnet34", lambda t: torch_resnet(t, [3, 4, 6, 3])),
    ("googlenet", lambda t: torch_googlenet(t)),
    ("googlenet_aux", lambda t: torch_googlenet(t, aux_logits=True)),
])
def test_keys_order_and_shapes_equal_the_torch_twin(no_random_init, name, twin):
    torch = torch_or_skip()
    ours = (models.googlenet(aux_logits=True) if name == "googlenet_aux"
            else getattr(models, name)())
    with torch.device("meta"):                      # shapes only: no memory, no random fills
        theirs = twin(torch)
    assert shapes(ours.state_dict()) == shapes(theirs.state_dict())
    assert count(ours) == sum(p.numel() for p in theirs.parameters())


# ----------------------------------------------------------------------------- small variants
SMALL = [   # builder, kwargs, input size: the small, trainable configurations
    (models.alexnet, {"small_input": True}, 32),
    (models.resnet18, {"small_input": True}, 32),
    (models.resnet34, {"small_input": True, "in_channels": 1}, 16),
    (models.googlenet, {"small_input": True, "aux_logits": True, "in_channels": 1}, 28),
]


@pytest.mark.parametrize("builder, kwargs, size", SMALL,
                         ids=[f"{b.__name__}-{s}" for b, _, s in SMALL])
def test_small_input_variants_keep_the_keys_and_train(builder, kwargs, size):
    tg.manual_seed(0)
    model = builder(num_classes=10, **kwargs)
    with pytest.MonkeyPatch.context() as patch:                     # names only: skip the fills
        for name in ("uniform_", "normal_", "trunc_normal_"):
            patch.setattr(init, name, lambda tensor, *args, **kwargs: tensor)
        full = builder(num_classes=10, **{k: v for k, v in kwargs.items() if k != "small_input"})
    assert list(model.state_dict()) == list(full.state_dict())      # only the stem's shape moves
    channels = kwargs.get("in_channels", 3)
    stem = next(iter(model.state_dict().values()))
    assert stem.shape[1:] == (channels, 3, 3)
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, channels, size, size))
                  .astype(np.float32))
    y = tg.tensor(np.array([3, 9]))

    def loss_of(out):
        if isinstance(out, models.GoogLeNetOutputs):        # the paper's 0.3-weighted aux losses
            assert out.aux_logits1.shape == out.aux_logits2.shape == (2, 10)
            return F.cross_entropy(out.logits, y) + 0.3 * (
                F.cross_entropy(out.aux_logits1, y) + F.cross_entropy(out.aux_logits2, y))
        return F.cross_entropy(out, y)

    opt = optim.SGD(model.parameters(), lr=0.01)
    tg.manual_seed(7)                           # the same dropout masks: the same function
    first = loss_of(model(x))
    first.backward()
    opt.step()
    tg.manual_seed(7)
    assert loss_of(model(x)).item() < first.item()
    with tg.no_grad():
        logits = model.eval()(x)
    assert logits.shape == (2, 10) and np.isfinite(logits.numpy()).all()


def test_resnet_zero_init_residual_starts_every_block_as_the_identity():
    model = models.resnet18(num_classes=10, small_input=True, zero_init_residual=True)
    assert all((m.bn2.weight.numpy() == 0).all() for m in model.modules()
               if isinstance(m, models.BasicBlock))


def test_init_weights_follow_torchvision():
    tg.manual_seed(0)
    resnet = models.resnet18(num_classes=10)
    w = resnet.layer3[0].conv2.weight.numpy()
    assert w.std() == pytest.approx(math.sqrt(2 / (256 * 9)), rel=0.02)    # kaiming fan_out
    net = models.googlenet(num_classes=10)
    fc = net.fc.weight.numpy()
    assert fc.std() == pytest.approx(0.01, rel=0.05) and abs(fc).max() < 0.06
    assert (net.conv1.bn.weight.numpy() == 1).all()


# ----------------------------------------------------------------------------- full-size models
@pytest.fixture(scope="module")
def alexnet_model():
    tg.manual_seed(0)
    return models.alexnet(num_classes=10)


def test_alexnet_forward_train_step_and_smallest_input(alexnet_model):
    model = alexnet_model.train()
    x = tg.tensor(np.random.default_rng(1).standard_normal((2, 3, 63, 63)).astype(np.float32))
    y = tg.tensor(np.array([1, 7]))
    opt = optim.SGD(model.parameters(), lr=0.01)
    tg.manual_seed(5)
    first = F.cross_entropy(model.eval()(x), y)
    first.backward()
    opt.step()
    opt.zero_grad()
    assert F.cross_entropy(model(x), y).item() < first.item()
    with pytest.raises(ShapeError, match=r"max_pool2d: .* too small; input \(1, 256, 2, 2\)"):
        model(tg.zeros(1, 3, 62, 62))                     # 62×62: the third pooling has no window


def test_summary_reproduces_the_published_macs(alexnet_model):
    """torchvision's model cards: ResNet-18 1.81 G, AlexNet 0.71 G, GoogLeNet 1.50 G
    multiply-accumulates at 224×224 (1,000 classes; with 10, the fc saves in·990)."""
    from tinygrad_cnn import teach
    resnet = teach.summary(models.resnet18(), (1, 3, 224, 224)).total_macs
    assert resnet == 1_814_073_344
    alexnet = teach.summary(alexnet_model.eval(), (1, 3, 224, 224)).total_macs
    assert alexnet + 4096 * 990 == 714_188_480 and round(alexnet / 1e9, 2) == 0.71
    googlenet = teach.summary(models.googlenet(num_classes=10), (1, 3, 224, 224)).total_macs
    assert round((googlenet + 1024 * 990) / 1e9, 2) == 1.50


def test_save_load_round_trip(tmp_path, alexnet_model):
    path = tmp_path / "alexnet.npz"
    tg.save(alexnet_model.state_dict(), path)
    copy = models.alexnet(num_classes=10)
    copy.load_state_dict(tg.load(path))
    for (key, ours), (_, theirs) in zip(alexnet_model.state_dict().items(),
                                        copy.state_dict().items()):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=key)
    x = tg.randn(1, 3, 64, 64)
    np.testing.assert_array_equal(alexnet_model.eval()(x).numpy(), copy.eval()(x).numpy())


def test_resnet_and_googlenet_round_trip_with_buffers(tmp_path):
    for builder, kwargs in [(models.resnet18, {}), (models.googlenet, {"aux_logits": True})]:
        model = builder(num_classes=10, small_input=True, **kwargs)
        model.train()(tg.randn(2, 3, 32, 32))                 # running stats move
        tg.save(model.state_dict(), tmp_path / "m.npz")
        copy = builder(num_classes=10, small_input=True, **kwargs)
        copy.load_state_dict(tg.load(tmp_path / "m.npz"))
        for key, value in model.state_dict().items():
            np.testing.assert_array_equal(copy.state_dict()[key].numpy(), value.numpy(),
                                          err_msg=key)
        x = tg.randn(2, 3, 32, 32)
        np.testing.assert_array_equal(model.eval()(x).numpy(), copy.eval()(x).numpy())


# ----------------------------------------------------------------------------- the torch twins
def randomise_running_stats(theirs, torch):
    """Give the twin's BatchNorms trained-looking statistics, so eval mode is a real test."""
    with torch.no_grad():
        for module in theirs.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    return theirs


def transfer(theirs_state, torch):
    return {key: value.detach().numpy().copy() for key, value in theirs_state.items()}


def assert_close_to_scale(mine, other, key, rtol=1e-9):
    """max |mine − other| ≤ rtol · max |other|: one pass over the array, so it stays
    quick on VGG's 100 M-entry gradient (assert_allclose makes several)."""
    scale = float(np.abs(other).max())
    error = float(np.abs(mine - other).max())
    assert error <= rtol * scale + 1e-300, f"{key}: max error {error:.3g}, scale {scale:.3g}"


def compare_with_twin(ours, theirs, torch, size, batch=2, train=False, seed=0):
    """Logits and every parameter's gradient, float64, ours against the twin."""
    ours.double().train(train)
    theirs.double().train(train)
    x = np.random.default_rng(seed).standard_normal((batch, 3, size, size))
    out = ours(tg.tensor(x))
    expected = theirs(torch.tensor(x))
    outs = out if isinstance(out, tuple) else (out,)
    expecteds = expected if isinstance(expected, tuple) else (expected,)
    assert len(outs) == len(expecteds)
    for mine, other in zip(outs, expecteds):
        np.testing.assert_allclose(mine.numpy(), other.detach().numpy(), rtol=1e-9, atol=1e-11)
    rng = np.random.default_rng(seed + 1)
    deltas = [rng.standard_normal(o.shape) for o in outs]
    sum((o * tg.tensor(d)).sum() for o, d in zip(outs, deltas)).backward()
    sum((o * torch.tensor(d)).sum() for o, d in zip(expecteds, deltas)).backward()
    grads = dict(theirs.named_parameters())
    for key, param in ours.named_parameters():
        assert_close_to_scale(param.grad.numpy(), grads[key].grad.numpy(), key)
    if train:                                   # the running statistics moved the same way
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(),
                                       rtol=1e-10, atol=1e-12, err_msg=key)


def test_resnet18_matches_its_twin_both_ways():
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = torch_resnet(torch, [2, 2, 2, 2], num_classes=7)
    ours = models.resnet18(num_classes=7)
    ours.load_state_dict(transfer(theirs.state_dict(), torch))          # theirs → ours
    compare_with_twin(ours, theirs, torch, size=32, train=True)
    other = torch_resnet(torch, [2, 2, 2, 2], num_classes=7)
    mine = models.resnet18(num_classes=7)
    other.load_state_dict({k: torch.from_numpy(v.numpy().copy())        # ours → theirs
                           for k, v in mine.state_dict().items()})
    compare_with_twin(mine, other, torch, size=32, train=False, seed=3)


def test_resnet_loads_torchvision_weights_from_an_npz(tmp_path):
    torch = torch_or_skip()
    torch.manual_seed(1)
    theirs = torch_resnet(torch, [2, 2, 2, 2]).eval()
    with torch.no_grad():                       # weights as a torchvision user would hold them
        for module in theirs.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    path = tmp_path / "resnet18-torchvision.npz"
    np.savez(path, **{k: v.numpy() for k, v in theirs.state_dict().items()})
    model = models.resnet18()
    model.load_state_dict({k: v for k, v in np.load(path).items()})
    model.eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    np.testing.assert_allclose(model(tg.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-4)


def test_resnet34_matches_its_twin():
    torch = torch_or_skip()
    torch.manual_seed(2)
    theirs = randomise_running_stats(torch_resnet(torch, [3, 4, 6, 3], num_classes=5), torch)
    ours = models.resnet34(num_classes=5)
    ours.load_state_dict(transfer(theirs.state_dict(), torch))
    compare_with_twin(ours, theirs, torch, size=32, train=False)


def test_alexnet_matches_its_twin_at_the_smallest_input(no_random_init):
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = torch_alexnet(torch, num_classes=10)
    ours = models.alexnet(num_classes=10)                 # its weights come from the twin
    ours.load_state_dict(transfer(theirs.state_dict(), torch))
    compare_with_twin(ours, theirs, torch, size=63, train=False)


def test_vgg11_bn_matches_its_twin_and_trains(no_random_init):
    """One VGG in float64 against its twin (plain VGG-11 shares every line but the
    BatchNorms; its keys and shapes are checked against its own twin above)."""
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = randomise_running_stats(torch_vgg(torch, "A", True, num_classes=10), torch)
    ours = models.vgg11_bn(num_classes=10)                # its weights come from the twin
    ours.load_state_dict(transfer(theirs.state_dict(), torch))
    compare_with_twin(ours, theirs, torch, size=32, train=False)
    # a training step (eval mode: no dropout, so the same function twice) lowers the loss;
    # float32 halves the cost of the 100 M-entry classifier
    ours.float()
    x = tg.tensor(np.random.default_rng(2).standard_normal((2, 3, 32, 32)).astype(np.float32))
    y = tg.tensor(np.array([2, 4]))
    opt = optim.SGD(ours.parameters(), lr=0.05)
    opt.zero_grad()
    first = F.cross_entropy(ours(x), y)
    first.backward()
    opt.step()
    with tg.no_grad():
        assert F.cross_entropy(ours(x), y).item() < first.item()


def test_googlenet_matches_its_twin_with_aux_outputs():
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = torch_googlenet(torch, num_classes=10, aux_logits=True, dropout=0.0, dropout_aux=0.0)
    ours = models.googlenet(num_classes=10, aux_logits=True, dropout=0.0, dropout_aux=0.0,
                            init_weights=False)
    ours.load_state_dict(transfer(theirs.state_dict(), torch))
    compare_with_twin(ours, theirs, torch, size=32, train=True)       # BN batch stats, aux heads
    compare_with_twin(ours, theirs, torch, size=32, train=False, seed=4)


def test_googlenet_smallest_input_and_transform_input():
    torch = torch_or_skip()
    model = models.googlenet(num_classes=3).eval()
    twin = torch_googlenet(torch, num_classes=3).eval()
    smallest = None
    for size in range(8, 40):                   # the smallest size both accept
        try:
            twin(torch.zeros(1, 3, size, size))
        except RuntimeError:
            continue
        smallest = size
        break
    assert smallest == 15                       # as the docstring says
    assert model(tg.zeros(1, 3, smallest, smallest)).shape == (1, 3)
    with pytest.raises(ShapeError, match="max_pool2d: .* too small"):
        model(tg.zeros(1, 3, smallest - 1, smallest - 1))
    plain = models.googlenet(num_classes=3, transform_input=False).eval()
    shifted = models.googlenet(num_classes=3, transform_input=True).eval()
    shifted.load_state_dict(plain.state_dict())
    x = tg.randn(1, 3, 32, 32)
    mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    moved = tg.tensor((x.numpy() * std / 0.5 + (mean - 0.5) / 0.5).astype(np.float32))
    np.testing.assert_allclose(shifted(x).numpy(), plain(moved).numpy(), rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- the chapter's own
def test_lenet5_and_tf_cnn_builders():
    assert isinstance(models.lenet5(), models.LeNet5) and count(models.lenet5()) == 61_706
    assert {k: v for k, v in models.MODELS.items() if k != "resnet18"} == {
        "lenet5": models.LeNet5, "modern_lenet": models.LeNet5, "tf_cnn": models.TFCNN}
    small = models.MODELS["resnet18"]()
    assert isinstance(small, models.ResNet) and small.fc.out_features == 10
    assert count(models.tf_cnn()) == 37_610
    assert models.lenet5(num_classes=4)(tg.zeros(1, 1, 28, 28)).shape == (1, 4)
