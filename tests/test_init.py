"""Tests for tinygrad_cnn.nn.init and the layers' default initialisation."""
import math

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.nn import init


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


# ----------------------------------------------------------------------------- gains and fans
def test_gains_by_hand():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / 1.0001))
    # PyTorch's layer default a=√5: gain √(2/6) = √(1/3)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


def test_gains_match_pytorch():
    torch = torch_or_skip()
    for name, param in [("linear", None), ("conv_transpose2d", None), ("sigmoid", None),
                        ("tanh", None), ("relu", None), ("leaky_relu", None),
                        ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        assert init.calculate_gain(name, param) == \
            pytest.approx(torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("shape, fans", [((120, 400), (400, 120)), ((6, 1, 5, 5), (25, 150)),
                                         ((16, 6, 5, 5), (150, 400)), ((4, 3, 2, 7), (42, 56))])
def test_fan_in_and_fan_out(shape, fans):
    assert init._calculate_fan_in_and_fan_out(tg.empty(*shape)) == fans
    assert init.calculate_fan_in_and_fan_out(np.empty(shape)) == fans
    torch = pytest.importorskip("torch")
    assert torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape)) == fans


def test_fans_need_two_dims_and_modes_are_checked():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(tg.empty(3, 3), mode="fan_avg")


# ----------------------------------------------------------------------------- distributions
def test_fills_in_place_keep_dtype_return_the_tensor_and_record_no_graph():
    p = nn.Parameter(np.zeros((50, 40), dtype=np.float32))
    array = p.numpy()
    for fill in (lambda t: init.uniform_(t, -1, 1), lambda t: init.normal_(t, 0, 2),
                 lambda t: init.xavier_uniform_(t), lambda t: init.xavier_normal_(t, gain=2),
                 lambda t: init.kaiming_uniform_(t), lambda t: init.kaiming_normal_(t),
                 init.zeros_, init.ones_, lambda t: init.constant_(t, 0.25)):
        assert fill(p) is p
        assert p.numpy() is array and p.dtype == np.float32 and p.grad_fn is None
    np.testing.assert_array_equal(p.numpy(), np.full((50, 40), 0.25, dtype=np.float32))
    init.zeros_(p)
    assert not p.numpy().any()
    init.ones_(p)
    assert (p.numpy() == 1).all()


@pytest.mark.parametrize("fill, bound, std", [
    # (fan_in, fan_out) = (500, 300) for a (300, 500) weight
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(6 / 800), 2 * math.sqrt(2 / 800)),
    (lambda t: init.xavier_normal_(t), None, math.sqrt(2 / 800)),
    (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(6 / 500),
     math.sqrt(2 / 500)),
    (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(6 / 300), math.sqrt(2 / 300)),
    (lambda t: init.kaiming_normal_(t, a=0.2), None, math.sqrt(2 / 1.04) / math.sqrt(500)),
    (lambda t: init.uniform_(t, -3.0, 3.0), 3.0, 3.0 / math.sqrt(3)),
    (lambda t: init.normal_(t, 0.0, 0.5), None, 0.5),
])
def test_distributions_have_the_formula_bound_and_std(fill, bound, std):
    tg.manual_seed(0)
    values = fill(tg.empty(300, 500, dtype=tg.float64)).numpy()
    if bound is not None:
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.99 * bound    # the whole range is used
    assert values.std() == pytest.approx(std, rel=0.02)
    assert abs(values.mean()) < 0.02 * std


# ----------------------------------------------------------------------------- layer defaults
@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Linear(400, 120), 400),
    (lambda: nn.Conv2d(6, 16, 5), 150),
    (lambda: nn.Conv2d(8, 4, 3, groups=2), 36),               # weight (4, 4, 3, 3)
    (lambda: nn.ConvTranspose2d(16, 6, 2, stride=2), 24),     # weight (16, 6, 2, 2): 6·2·2
])
def test_default_init_bounds_are_one_over_sqrt_fan_in(make, fan_in):
    tg.manual_seed(1)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for values in (layer.weight.numpy(), layer.bias.numpy()):
        assert np.abs(values).max() <= bound
        assert values.dtype == np.float32
    assert np.abs(layer.weight.numpy()).max() > 0.9 * bound


def test_default_init_std_for_a_large_layer():
    tg.manual_seed(2)
    weight = nn.Linear(1000, 800).weight.numpy()
    # U(-b, b) with b = gain · √(3/fan_in), gain = √(2/(1+5)): std = b/√3 = 1/√(3·fan_in)
    assert weight.std() == pytest.approx(1 / math.sqrt(3 * 1000), rel=0.01)


def test_default_init_is_reproducible_with_manual_seed():
    def build():
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Linear(10, 3), nn.BatchNorm2d(4))

    tg.manual_seed(123)
    first = {k: v.numpy().copy() for k, v in build().state_dict().items()}
    tg.manual_seed(123)
    second = {k: v.numpy().copy() for k, v in build().state_dict().items()}
    tg.manual_seed(124)
    third = build().state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert not np.array_equal(first["0.weight"], third["0.weight"].numpy())
    np.testing.assert_array_equal(first["2.weight"], np.ones(4))
    np.testing.assert_array_equal(first["2.bias"], np.zeros(4))


def test_default_init_bounds_agree_with_pytorch_layers():
    torch = torch_or_skip()
    for ours, theirs in [(nn.Conv2d(3, 8, 3, groups=1), torch.nn.Conv2d(3, 8, 3)),
                         (nn.ConvTranspose2d(4, 6, 3, groups=2),
                          torch.nn.ConvTranspose2d(4, 6, 3, groups=2))]:
        fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)
        assert init._calculate_fan_in_and_fan_out(ours.weight)[0] == fan_in
        assert np.abs(ours.bias.numpy()).max() <= 1 / math.sqrt(fan_in)


# ----------------------------------------------------------------------------- trunc_normal_
def _truncated_normal_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std²) truncated to [a, b] (closed form)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)        # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))               # noqa: E731
    mass = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / mass
    variance = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass - shift ** 2
    return mean + std * shift, std * math.sqrt(variance)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.0, 1.0, -1.0, 1.0),
                                             (1.0, 2.0, 0.0, 3.0), (0.0, 0.01, -2.0, 2.0)])
def test_trunc_normal_stays_in_bounds_with_the_right_moments(mean, std, a, b):
    tg.manual_seed(0)
    w = init.trunc_normal_(tg.empty(200, 1000), mean, std, a, b)
    values = w.numpy()
    assert w.dtype == np.float32 and values.min() >= a and values.max() <= b
    expected_mean, expected_std = _truncated_normal_moments(mean, std, a, b)
    # 200,000 draws: the sample mean is within 5 standard errors
    assert abs(values.mean() - expected_mean) < 5 * expected_std / math.sqrt(values.size)
    assert values.std() == pytest.approx(expected_std, rel=0.01)


def test_trunc_normal_by_hand_edges_and_errors():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        assert (init.trunc_normal_(tg.empty(5), 3.0, 0.0, -1.0, 1.0).numpy() == 1.0).all()
    assert (init.trunc_normal_(tg.empty(5), 0.0, 1.0, 0.5, 0.5).numpy() == 0.5).all()  # a == b
    with pytest.raises(ValueError, match=r"trunc_normal_: the interval \[a, b\]"):
        init.trunc_normal_(tg.empty(3), a=1.0, b=-1.0)
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        w = init.trunc_normal_(tg.empty(100), mean=5.0, std=1.0, a=-1.0, b=2.0)
    assert w.numpy().min() >= -1.0 and w.numpy().max() <= 2.0


def test_trunc_normal_statistics_match_pytorch():
    torch = torch_or_skip()
    torch.manual_seed(0)
    tg.manual_seed(0)
    for mean, std, a, b in [(0.0, 1.0, -1.5, 0.5), (0.5, 0.3, 0.0, 2.0)]:
        theirs = torch.nn.init.trunc_normal_(torch.empty(200_000), mean, std, a, b).numpy()
        ours = init.trunc_normal_(tg.empty(200_000), mean, std, a, b).numpy()
        assert ours.min() >= a and ours.max() <= b
        assert ours.mean() == pytest.approx(theirs.mean(), abs=0.01)
        assert ours.std() == pytest.approx(theirs.std(), rel=0.02)
        # the same shape of distribution: deciles agree
        np.testing.assert_allclose(np.quantile(ours, np.linspace(0.1, 0.9, 9)),
                                   np.quantile(theirs, np.linspace(0.1, 0.9, 9)), atol=0.02)
