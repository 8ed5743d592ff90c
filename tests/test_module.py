"""Tests for tinygrad_cnn.nn.Module, Parameter, Sequential, ModuleList and the layers.

PyTorch is the oracle for names, order, reprs and outputs: the same model is
built in both frameworks, with the same attribute names.
"""
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import _state, nn
from tinygrad_cnn._errors import ShapeError
from tinygrad_cnn.nn import functional as F


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


# ----------------------------------------------------------------------------- models
class LeNet(nn.Module):
    """LeNet-5 (28×28 input padded by 2) with a batch norm, attribute style."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(84, 10))

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        return self.classifier(x)


def torch_lenet(torch):
    tnn = torch.nn

    class TorchLeNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 6, 5, padding=2)
            self.bn1 = tnn.BatchNorm2d(6)
            self.pool = tnn.MaxPool2d(2)
            self.conv2 = tnn.Conv2d(6, 16, 5)
            self.classifier = tnn.Sequential(
                tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84),
                tnn.ReLU(), tnn.Dropout(0.5), tnn.Linear(84, 10))

        def forward(self, x):
            x = self.pool(torch.relu(self.bn1(self.conv1(x))))
            x = self.pool(torch.relu(self.conv2(x)))
            return self.classifier(x)

    TorchLeNet.__name__ = "LeNet"
    return TorchLeNet()


def every_layer(mod):
    """A Sequential using every layer class with non-default options (mod = nn or torch.nn)."""
    return mod.Sequential(OrderedDict([
        ("conv", mod.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), dilation=1, groups=1)),
        ("conv_same", mod.Conv2d(8, 8, 3, padding="same", dilation=2, groups=4, bias=False)),
        ("conv_same_even", mod.Conv2d(8, 8, (2, 4), padding="same")),   # pads 1 more at the end
        ("conv_valid", mod.Conv2d(8, 4, 1, padding="valid")),
        ("up", mod.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)),
        ("up_plain", mod.ConvTranspose2d(6, 6, 2, bias=False, dilation=2, groups=2)),
        ("bn", mod.BatchNorm2d(6, eps=1e-3, momentum=0.2)),
        ("bn_plain", mod.BatchNorm2d(6, affine=False, track_running_stats=False)),
        ("max", mod.MaxPool2d(3, stride=1, padding=1)),
        ("avg", mod.AvgPool2d(2, count_include_pad=False)),
        ("relu", mod.ReLU()),
        ("leaky", mod.LeakyReLU(0.2)),
        ("sigmoid", mod.Sigmoid()),
        ("tanh", mod.Tanh()),
        ("flat", mod.Flatten(2)),
        ("drop", mod.Dropout(0.25)),
    ]))


def snapshot(module):
    return {name: value.numpy().copy() for name, value in module.state_dict().items()}


def copy_torch_weights(torch_module, module):
    module.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})


# ----------------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_that_shares_memory_and_keeps_dtype():
    array = np.array([1.0, 2.0], dtype=np.float64)
    p = nn.Parameter(array)
    assert isinstance(p, tg.Tensor) and p.is_leaf and p.requires_grad
    assert p.numpy() is array and p.dtype == np.float64
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 4.0])
    assert type(p * 2) is tg.Tensor                       # ops make plain Tensors
    assert nn.Parameter(tg.tensor([1.0])).dtype == np.float32
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(np.array([1, 2]))
    assert not nn.Parameter(np.array([1, 2]), requires_grad=False).requires_grad


def test_parameter_repr_matches_pytorch():
    torch = torch_or_skip()
    assert repr(nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))) == \
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))


# ----------------------------------------------------------------------------- registration
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.fc = nn.Linear(2, 2)
        self.register_buffer("count", tg.zeros(1))
        self.register_buffer("scratch", tg.zeros(3), persistent=False)
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc(x) * self.scale


def test_registration_order_and_dotted_names():
    model = nn.Sequential(Block(), nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)))
    assert [name for name, _ in model.named_parameters()] == [
        "0.scale", "0.fc.weight", "0.fc.bias", "1.0.weight", "1.0.bias", "1.2.weight",
        "1.2.bias"]
    assert [name for name, _ in model.named_buffers()] == ["0.count", "0.scratch"]
    assert list(model.state_dict()) == [
        "0.scale", "0.count", "0.fc.weight", "0.fc.bias", "1.0.weight", "1.0.bias",
        "1.2.weight", "1.2.bias"]                         # params, buffers, then children
    assert [name for name, _ in model.named_modules()] == [
        "", "0", "0.fc", "1", "1.0", "1.1", "1.2"]
    assert [name for name, _ in model[1].named_children()] == ["0", "1", "2"]
    assert len(list(model.modules())) == 7 and len(list(model.children())) == 2
    assert model[0].note == "plain attribute"
    assert "note" not in model[0]._parameters and "scale" not in model[0].__dict__


def test_named_parameters_match_pytorch_for_nested_and_attribute_models():
    torch = torch_or_skip()
    ours, theirs = LeNet(), torch_lenet(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    ours, theirs = every_layer(nn), every_layer(torch.nn)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]


def test_state_dict_keys_and_shapes_match_pytorch():
    torch = torch_or_skip()
    for ours, theirs in [(LeNet(), torch_lenet(torch)), (every_layer(nn), every_layer(torch.nn))]:
        ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
        assert list(ours_sd) == list(theirs_sd)
        for name in theirs_sd:
            assert tuple(ours_sd[name].shape) == tuple(theirs_sd[name].shape), name
            assert ours_sd[name].dtype.name == str(theirs_sd[name].dtype).replace("torch.", "")


def test_shared_parameters_are_listed_once_but_saved_under_every_name():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_reassignment_moves_between_registries_and_none_keeps_the_slot():
    block = Block()
    block.fc = None
    assert "fc" in block._modules and block.fc is None
    assert [n for n, _ in block.named_parameters()] == ["scale"]
    block2 = Block()
    with pytest.raises(TypeError, match="parameter 'scale'"):
        block2.scale = tg.zeros(2)                     # a plain Tensor is not a Parameter
    with pytest.raises(TypeError, match="buffer 'count'"):
        block2.count = np.zeros(1)
    block2.count = tg.ones(1)                          # a Tensor replaces the buffer
    assert block2.state_dict()["count"].tolist() == [1.0]
    del block2.fc
    assert "fc" not in block2._modules and not hasattr(block2, "fc")


def test_assigning_before_init_raises():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


# ----------------------------------------------------------------------------- modes, grads
def test_train_eval_propagate_to_every_descendant():
    model = LeNet()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.classifier.train()
    assert model.classifier[5].training and not model.training and not model.bn1.training
    model.train()
    assert all(m.training for m in model.modules())


def test_dropout_and_batchnorm_follow_the_mode():
    drop = nn.Dropout(0.5)
    x = tg.ones(1000)
    assert (drop(x).numpy() == 0).sum() > 300
    np.testing.assert_array_equal(drop.eval()(x).numpy(), x.numpy())


def test_zero_grad_sets_none_or_zeros():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    model(tg.ones(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_call_tags_graph_nodes_with_the_module_that_made_them():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
    out = model(tg.ones(1, 1, 4, 4))
    assert out.grad_fn.scope is model[3]
    node = out.grad_fn
    scopes = []
    while node is not None and not isinstance(node, tg.Tensor):
        scopes.append(node.scope)
        node = next((p for p in node.parents if p is not None and not isinstance(p, tg.Tensor)),
                    None)
    assert scopes == [model[3], model[2], model[1], model[0]]
    assert _state.scope_stack == []                    # popped again


def test_apply_visits_children_first_then_self():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_double_and_float_convert_in_place_and_keep_parameter_objects():
    model = LeNet()
    params = list(model.parameters())
    assert model.double() is model
    assert [p for p in model.parameters()] == params  # same objects (optimizers keep working)
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model.bn1.running_mean.dtype == np.float64
    assert model.bn1.num_batches_tracked.dtype == np.int64
    assert model.eval()(tg.zeros(2, 1, 28, 28, dtype=np.float64)).dtype == np.float64
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.to(tg.float64) is model and model.conv1.weight.dtype == np.float64
    assert [p for p in model.parameters()] == params
    with pytest.raises(TypeError, match="floating"):
        model.to(np.int32)


def test_layers_take_a_dtype():
    for layer in (nn.Linear(2, 3, dtype=tg.float64), nn.Conv2d(1, 2, 3, dtype=np.float64),
                  nn.ConvTranspose2d(1, 2, 3, dtype="float64"),
                  nn.BatchNorm2d(2, dtype=np.float64)):
        assert all(v.dtype == np.float64 for k, v in layer.state_dict().items()
                   if k != "num_batches_tracked")
    with pytest.raises(TypeError, match="floating-point"):
        nn.Linear(2, 2, dtype=np.int64)


# ----------------------------------------------------------------------------- repr
def test_repr_matches_pytorch():
    torch = torch_or_skip()
    assert repr(LeNet()) == repr(torch_lenet(torch))
    assert repr(every_layer(nn)) == repr(every_layer(torch.nn))
    assert repr(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])) == \
        repr(torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                                  torch.nn.ReLU()]))
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert repr(nn.Linear(3, 1, bias=False)) == repr(torch.nn.Linear(3, 1, bias=False))


def test_repr_by_hand():
    assert repr(nn.Conv2d(1, 6, 5, padding=2)) == \
        "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    assert repr(nn.Sequential(nn.Sequential(nn.ReLU()))) == (
        "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)")


# ----------------------------------------------------------------------------- Sequential
def test_sequential_indexing_slicing_and_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert list(model[1:]._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    x = tg.randn(4, 2)
    np.testing.assert_array_equal(model(x).numpy(), layers[2](layers[1](layers[0](x))).numpy())
    named = nn.Sequential(OrderedDict([("features", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["features.weight", "features.bias"]
    assert named.features is named[0]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and isinstance(model[3], nn.Sigmoid)


def test_module_list_registers_its_modules():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert [n for n, _ in blocks.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert len(blocks) == 3 and blocks[-1] is list(blocks)[2]


# ----------------------------------------------------------------------------- load_state_dict
def test_load_torch_state_dict_gives_identical_outputs():
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = torch_lenet(torch).double()
    ours = LeNet().double()
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result == ([], [])
    x = np.random.default_rng(0).standard_normal((4, 1, 28, 28))
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    # in training mode batch norm uses batch statistics and updates its buffers
    ours.train(), theirs.train()
    ours.classifier[5].p = theirs.classifier[5].p = 0.0
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-12,
                                   err_msg=name)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")   # PyTorch's note
def test_every_layer_matches_pytorch_forward_and_backward():
    torch = torch_or_skip()
    theirs = every_layer(torch.nn).double()
    ours = every_layer(nn).double()
    del theirs.drop, ours.drop                         # random masks differ
    copy_torch_weights(theirs, ours)
    x = np.random.default_rng(1).standard_normal((2, 3, 13, 14))
    tx = torch.tensor(x, requires_grad=True)
    ox = tg.tensor(x, requires_grad=True)
    expected, got = theirs(tx), ours(ox)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    weights = np.random.default_rng(2).standard_normal(expected.shape)
    (expected * torch.tensor(weights)).sum().backward()
    (got * tg.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


def test_batchnorm_cumulative_average_matches_pytorch():
    torch = torch_or_skip()
    ours, theirs = nn.BatchNorm2d(3, momentum=None).double(), \
        torch.nn.BatchNorm2d(3, momentum=None).double()
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 2, 2)) * 2 + 1
        ours(tg.tensor(x)), theirs(torch.tensor(x))
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked.item()) == 3


def test_batchnorm_rejects_wrong_channels_without_counting_the_batch():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ShapeError, match=r"\(N, 3, H, W\).*\(2, 4, 5, 5\) float32"):
        bn(tg.zeros(2, 4, 5, 5))
    assert int(bn.num_batches_tracked.item()) == 0


def test_state_dict_shares_memory_and_is_detached():
    layer = nn.Linear(2, 2)
    sd = layer.state_dict()
    assert type(sd) is OrderedDict
    assert not sd["weight"].requires_grad and type(sd["weight"]) is tg.Tensor
    assert sd["weight"].numpy() is layer.weight.numpy()
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight


def test_load_state_dict_copies_into_existing_arrays_and_casts():
    layer = nn.Linear(2, 1)
    weight_array = layer.weight.numpy()
    source = {"weight": np.array([[0.1, 0.2]], dtype=np.float64), "bias": tg.tensor([3.0])}
    layer.load_state_dict(source)
    assert layer.weight.numpy() is weight_array and layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.numpy(), np.float32([[0.1, 0.2]]))
    source["weight"][0, 0] = 99.0                      # a copy, not a view
    assert layer.weight.numpy()[0, 0] == np.float32(0.1)
    bn = nn.BatchNorm2d(2)
    sd = {k: v.numpy().copy() for k, v in bn.state_dict().items()}
    sd["num_batches_tracked"] = np.array(7, dtype=np.int32)
    bn.load_state_dict(sd)
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.item() == 7


@pytest.mark.parametrize("change, messages", [
    (lambda sd: sd.pop("classifier.6.bias"), ['Missing key(s)', '"classifier.6.bias"']),
    (lambda sd: sd.update({"classifier.7.weight": np.zeros(3)}),
     ['Unexpected key(s)', '"classifier.7.weight"']),
    (lambda sd: sd.update({"classifier.6.weight": np.zeros((10, 85))}),
     ['size mismatch for "classifier.6.weight"', "(10, 85)", "(10, 84)"]),
    (lambda sd: sd.update({"bn1.num_batches_tracked": np.array(1.5)}),
     ['"bn1.num_batches_tracked"', "float64", "int64"]),
    (lambda sd: sd.update({"conv2.bias": np.array(["a"] * 16)}),
     ['dtype mismatch for "conv2.bias"', "<U1"]),
])
def test_bad_state_dict_raises_naming_the_key_and_leaves_the_model_unchanged(change, messages):
    model = LeNet()
    source = LeNet()                                   # different random weights
    sd = {k: v.numpy().copy() for k, v in source.state_dict().items()}
    change(sd)
    before = snapshot(model)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    for message in messages:
        assert message in str(info.value)
    assert "Error(s) in loading state_dict for LeNet" in str(info.value)
    after = snapshot(model)
    for name in before:                                # nothing was written, not even valid keys
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)


def test_all_problems_are_reported_together():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict({"weight": np.zeros((3, 2)), "extra": np.zeros(1)})
    text = str(info.value)
    assert '"extra"' in text and '"bias"' in text and "(3, 2)" in text and "(2, 2)" in text


def test_non_strict_load_reports_and_skips_missing_and_unexpected():
    model = nn.Linear(2, 2)
    result = model.load_state_dict({"weight": np.ones((2, 2)), "other": np.zeros(1)},
                                   strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(model.weight.numpy(), np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict({"weight": np.ones((2, 3))}, strict=False)


def test_errors_inside_a_model_name_the_layer_and_suggest_the_fix():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Linear(784, 10))
    with pytest.raises(tg.ShapeError) as error:
        model(tg.zeros(8, 1, 28, 28))
    message = str(error.value)
    assert message.startswith("Sequential[3] (Linear(in_features=784, out_features=10, "
                              "bias=True)): linear: input has 14 features")
    assert "(8, 4, 14, 14) float32" in message and "forget nn.Flatten()" in message


def test_nested_module_paths_use_attribute_names():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3))

        def forward(self, x):
            return self.features(x)

    with pytest.raises(tg.ShapeError, match=r"^Net\.features\[0\] \(Conv2d\(1, 4, "
                                            r"kernel_size=\(3, 3\), stride=\(1, 1\)\)\): conv2d: "
                                            r"input has 3 channels"):
        Net()(tg.zeros(2, 3, 8, 8))


# ----------------------------------------------------------------------------- Dropout2d, Identity
def test_dropout2d_drops_whole_channels_and_masks_their_gradient():
    tg.manual_seed(3)
    x = tg.tensor(np.arange(1.0, 2 * 6 * 3 * 3 + 1).reshape(2, 6, 3, 3), requires_grad=True)
    drop = nn.Dropout2d(0.5)
    y = drop(x)
    assert y.grad_fn.name == "dropout2d" and y.dtype == x.dtype == np.float64
    kept = (y.numpy() != 0).all(axis=(2, 3))                  # (N, C): the kept maps
    dropped = (y.numpy() == 0).all(axis=(2, 3))
    assert (kept | dropped).all() and kept.any() and dropped.any()   # each map all or nothing
    np.testing.assert_allclose(y.numpy()[kept], 2 * x.numpy()[kept])  # scaled by 1/(1-p)
    y.sum().backward()
    expected = np.broadcast_to(np.where(kept[:, :, None, None], 2.0, 0.0), x.shape)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    drop.eval()
    assert drop(x) is x


def test_dropout2d_rate_edges_and_errors():
    tg.manual_seed(0)
    y = F.dropout2d(tg.ones(100, 50, 1, 1), p=0.3)
    assert abs((y.numpy() == 0).mean() - 0.3) < 0.02            # 5,000 draws: ±3σ ≈ 0.02
    x = tg.ones(2, 3, 4, 4)
    assert F.dropout2d(x, 0.0) is x and F.dropout2d(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).numpy(), np.zeros((2, 3, 4, 4)))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"dropout2d: probability p must be in \[0, 1\]"):
            F.dropout2d(x, p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout2d(p)
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        three = F.dropout2d(tg.ones(4, 5, 6), 0.5)
    assert ((three.numpy() == three.numpy()[:, :, :1])).all()   # one draw per (N, C)
    with pytest.raises(ShapeError, match="dropout2d: expected input"):
        F.dropout2d(tg.ones(3), 0.5)


def test_dropout2d_gradcheck_with_a_fixed_mask():
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 4, 3, 3)), requires_grad=True)

    def fn(a):                            # same seed each call: the check re-runs forward
        tg.manual_seed(11)
        return F.dropout2d(a, 0.4)

    assert tg.gradcheck(fn, (x,))


def test_dropout2d_and_identity_match_pytorch_reprs_and_statistics():
    torch = torch_or_skip()
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))
    assert repr(nn.Identity(3, bias=False)) == repr(torch.nn.Identity(3, bias=False))
    torch.manual_seed(0)
    theirs = torch.nn.functional.dropout2d(torch.ones(200, 30, 2, 2), 0.25).numpy()
    tg.manual_seed(0)
    ours = F.dropout2d(tg.ones(200, 30, 2, 2), 0.25).numpy()
    for out in (ours, theirs):                         # same law: whole maps, rate p, scale 4/3
        assert set(np.unique(out)) <= {0.0, np.float32(4 / 3)}
        assert (out == out[:, :, :1, :1]).all()
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.03


def test_identity_returns_its_input_and_has_no_state():
    layer = nn.Identity(54, unused_argument=0.1)
    x = tg.ones(2, 3, requires_grad=True)
    assert layer(x) is x and repr(layer) == "Identity()"
    assert layer.state_dict() == OrderedDict() and not list(layer.parameters())
    model = nn.Sequential(nn.Linear(3, 2), nn.Identity())
    assert list(model.state_dict()) == ["0.weight", "0.bias"]
