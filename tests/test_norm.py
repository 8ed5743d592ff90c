"""Tests for the normalisation layers added for the classic CNNs: local response
normalisation (F.local_response_norm, nn.LocalResponseNorm) and BatchNorm1d
(F.batch_norm on (N, C) and (N, C, L) input). Each: a case checkable by hand,
a float64 gradcheck over Hypothesis-drawn shapes, a PyTorch comparison, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import ShapeError
from tinygrad_cnn.nn import functional as F

FAST = settings(max_examples=15, deadline=None)


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


def leaf(array, dtype=np.float64):
    return tg.tensor(np.asarray(array, dtype=dtype), requires_grad=True)


# ----------------------------------------------------------------------------- local response norm
def test_local_response_norm_by_hand():
    # size 2: channel c sees channels c-1 and c.  s_0 = 0 + (2/2)·3² = 9, s_1 = 9 + 16 = 25
    x = leaf([[[3.0], [4.0]]])
    y = F.local_response_norm(x, size=2, alpha=2.0, beta=0.5, k=0.0)
    assert y.grad_fn.name == "local_response_norm"
    np.testing.assert_allclose(y.numpy(), [[[3 / 3], [4 / 5]]])
    # size 3 on 3 channels of ones: windows {0,1}, {0,1,2}, {1,2} (zeros beyond the edges)
    ones = F.local_response_norm(tg.ones(1, 3, 1, 1), size=3, alpha=3.0, beta=1.0, k=1.0)
    np.testing.assert_allclose(ones.numpy().ravel(), [1 / 3, 1 / 4, 1 / 3], rtol=1e-6)


def test_local_response_norm_gradient_by_hand():
    # size 1: b = a / (1 + α a²), so db/da = (1 − α a²) / (1 + α a²)²: a=1 → 0, a=2 → −3/25
    x = leaf([[[1.0, 2.0]]])
    F.local_response_norm(x, size=1, alpha=1.0, beta=1.0, k=1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[[0.0, -0.12]]], atol=1e-15)


@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 6), h=st.integers(1, 3), size=st.integers(1, 5),
       beta=st.sampled_from([0.5, 0.75, 1.0]), seed=st.integers(0, 10 ** 6))
def test_local_response_norm_gradcheck(n, c, h, size, beta, seed):
    x = leaf(np.random.default_rng(seed).standard_normal((n, c, h, 2)))
    assert tg.gradcheck(lambda a: F.local_response_norm(a, size, alpha=0.5, beta=beta, k=1.5), (x,))


@FAST
@given(shape=st.sampled_from([(2, 5, 3), (2, 7, 3, 4), (1, 4, 2, 2, 2), (3, 1, 2)]),
       size=st.integers(1, 6), seed=st.integers(0, 10 ** 6))
def test_local_response_norm_matches_pytorch(shape, size, seed):
    torch = torch_or_skip()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3
    delta = rng.standard_normal(shape)
    ours = leaf(x)
    theirs = torch.tensor(x, requires_grad=True)
    y = F.local_response_norm(ours, size, alpha=0.3, beta=0.75, k=2.0)
    z = torch.nn.functional.local_response_norm(theirs, size, alpha=0.3, beta=0.75, k=2.0)
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.backward(delta)
    z.backward(torch.tensor(delta))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_local_response_norm_module_float32_matches_pytorch_and_errors():
    torch = torch_or_skip()
    x = np.random.default_rng(0).standard_normal((2, 8, 5, 5)).astype(np.float32)
    ours, theirs = nn.LocalResponseNorm(5, alpha=1e-4 * 5, beta=0.75, k=2.0), \
        torch.nn.LocalResponseNorm(5, alpha=1e-4 * 5, beta=0.75, k=2.0)
    assert repr(ours) == repr(theirs)
    out = ours(tg.tensor(x))
    assert out.dtype == np.float32 and not list(ours.parameters())
    np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ShapeError, match=r"local_response_norm: expected input \(N, C, \*\)"):
        ours(tg.ones(2, 8))
    with pytest.raises(ValueError, match="size must be a positive int"):
        F.local_response_norm(tg.ones(1, 2, 3), 0)


# ----------------------------------------------------------------------------- BatchNorm1d
def test_batch_norm_1d_by_hand():
    bn = nn.BatchNorm1d(2, eps=0.0).double()
    x = leaf([[1.0, 10.0], [3.0, 30.0]])
    y = bn(x)
    np.testing.assert_allclose(y.numpy(), [[-1.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.2, 2.0])          # 0.1 · μ_B
    np.testing.assert_allclose(bn.running_var.numpy(), [0.9 + 0.1 * 2, 0.9 + 0.1 * 200])
    assert int(bn.num_batches_tracked.numpy()) == 1
    bn.eval()
    np.testing.assert_allclose(bn(tg.tensor([[0.2, 2.0]], dtype=tg.float64)).numpy(), [[0.0, 0.0]])
    # (N, C, L): the statistics run over N and L; channel 0 holds 1, 3, 5, 7 → mean 4
    bn3 = nn.BatchNorm1d(1, momentum=None)
    bn3(tg.tensor([[[1.0, 3.0]], [[5.0, 7.0]]]))
    np.testing.assert_allclose(bn3.running_mean.numpy(), [4.0])   # cumulative: 1/1 of μ_B
    np.testing.assert_allclose(bn3.running_var.numpy(), [20 / 3], rtol=1e-6)  # unbiased


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6)])
def test_batch_norm_1d_gradcheck(shape):
    rng = np.random.default_rng(1)
    x, gamma, beta = leaf(rng.standard_normal(shape)), leaf(rng.standard_normal(3)), \
        leaf(rng.standard_normal(3))

    def fn(a, g, b):
        return F.batch_norm(a, tg.zeros(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64), g, b,
                            training=True)

    assert tg.gradcheck(fn, (x, gamma, beta))


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
@pytest.mark.parametrize("options", [dict(), dict(momentum=None), dict(affine=False),
                                     dict(track_running_stats=False), dict(bias=False, eps=1e-3)])
def test_batch_norm_1d_matches_pytorch(shape, options):
    torch = torch_or_skip()
    ours = nn.BatchNorm1d(4, **options).double()
    theirs = torch.nn.BatchNorm1d(4, **options).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(2)
    for step in range(3):                                   # train: batch stats, running stats move
        x = rng.standard_normal(shape) * 2 + step
        delta = rng.standard_normal(shape)
        mine, other = leaf(x), torch.tensor(x, requires_grad=True)
        y, z = ours(mine), theirs(other)
        np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
        y.backward(delta)
        z.backward(torch.tensor(delta))
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=1e-9, atol=1e-12)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-10)
    ours.eval(), theirs.eval()                             # eval: running stats, constants
    x = rng.standard_normal(shape)
    mine, other = leaf(x), torch.tensor(x, requires_grad=True)
    y, z = ours(mine), theirs(other)
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    z.sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_1d_errors():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ShapeError, match=r"BatchNorm1d: expected input \(N, 3\) or \(N, 3, L\), "
                                         r"got \(2, 3, 4, 5\) float32"):
        bn(tg.zeros(2, 3, 4, 5))
    with pytest.raises(ShapeError, match=r"BatchNorm1d: expected input \(N, 3\)"):
        bn(tg.zeros(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(tg.zeros(1, 3))
    assert int(bn.num_batches_tracked.numpy()) == 0          # a refused batch changes nothing
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(3))
    with pytest.raises(ShapeError, match=r"BatchNorm2d: expected input \(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(tg.zeros(2, 3, 4))


# ----------------------------------------------------------------------------- LayerNorm
def test_layer_norm_by_hand_gradcheck_and_errors():
    # each row of [[1, 2, 3]] → (x − 2)/√(2/3 + ε): ±1.2247 and 0
    ln = nn.LayerNorm(3)
    np.testing.assert_allclose(ln(tg.tensor([[1.0, 2.0, 3.0]])).detach().numpy(),
                               [[-1.2247357, 0.0, 1.2247357]], rtol=1e-6)
    assert list(ln.state_dict()) == ["weight", "bias"] and ln.weight.shape == (3,)
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    w = tg.tensor(np.linspace(0.5, 1.5, 12).reshape(3, 4), requires_grad=True)
    b = tg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    assert tg.gradcheck(lambda t, g, h: F.layer_norm(t, (3, 4), g, h), (x, w, b))
    assert tg.gradcheck(lambda t: F.layer_norm(t, 4), (x,))
    with pytest.raises(ShapeError, match=r"layer_norm: expected input \(\*, 5\) ending in "
                                         r"normalized_shape \(5,\), got \(2, 3, 4\)"):
        F.layer_norm(x, (5,))
    with pytest.raises(ShapeError, match="layer_norm: weight must be"):
        F.layer_norm(x, (4,), tg.ones(3, dtype=tg.float64))


@pytest.mark.parametrize("shape, normalized, affine", [
    ((2, 3, 4), (4,), True), ((2, 3, 4), (3, 4), True), ((5, 6), (6,), False),
    ((2, 3, 4, 5), (4, 5), True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_matches_pytorch(shape, normalized, affine, dtype):
    compare_norm_layers(lambda lib, lib_dtype: lib.nn.LayerNorm(
        normalized, elementwise_affine=affine, dtype=lib_dtype), normalized, affine, shape, dtype)


def compare_norm_layers(make, parameter_shape, affine, shape, dtype):
    """The same layer in both libraries, γ and β set alike: output, the three
    gradients and the repr must agree."""
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle")
    rng = np.random.default_rng(1)
    x, delta = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    size = int(np.prod(parameter_shape))
    results = []
    for lib in (torch, tg):
        layer = make(lib, getattr(lib, np.dtype(dtype).name))
        if affine:
            layer.load_state_dict({
                "weight": lib.tensor(np.linspace(0.5, 1.5, size).reshape(parameter_shape)
                                     .astype(dtype)),
                "bias": lib.tensor(np.linspace(-1, 1, size).reshape(parameter_shape)
                                   .astype(dtype))})
        a = lib.tensor(x, requires_grad=True)
        z = layer(a)
        z.backward(lib.tensor(delta))
        grads = [a.grad] + ([layer.weight.grad, layer.bias.grad] if affine else [])
        results.append([z.detach().numpy()] + [g.numpy() for g in grads] + [repr(layer)])
    tolerance = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    for theirs, ours in zip(*results):
        if isinstance(theirs, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, **tolerance)


# ----------------------------------------------------------------------------- GroupNorm
def test_group_norm_by_hand_gradcheck_and_errors():
    # two groups of two channels: each group of (1, 3) and (10, 30) → (−1, 1)
    x = tg.tensor([[[1.0], [3.0], [10.0], [30.0]]])
    np.testing.assert_allclose(F.group_norm(x, 2, eps=0.0).numpy()[0, :, 0], [-1, 1, -1, 1])
    gn = nn.GroupNorm(2, 4)
    assert list(gn.state_dict()) == ["weight", "bias"] and gn.weight.shape == (4,)
    a = tg.tensor(np.random.default_rng(0).standard_normal((2, 4, 3)), requires_grad=True)
    w = tg.tensor(np.linspace(0.5, 1.5, 4), requires_grad=True)
    b = tg.tensor(np.linspace(-1, 1, 4), requires_grad=True)
    assert tg.gradcheck(lambda t, g, h: F.group_norm(t, 2, g, h), (a, w, b))
    with pytest.raises(ShapeError, match="group_norm: 4 channels cannot be split into 3 groups"):
        F.group_norm(a, 3)
    with pytest.raises(ValueError, match="GroupNorm: num_channels .4. must be divisible"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("shape, groups, affine", [
    ((2, 4, 3, 3), 2, True), ((3, 6, 5), 3, True), ((2, 4, 2, 2), 1, False),
    ((2, 4, 2, 2), 4, True), ((4, 6), 2, True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_group_norm_matches_pytorch(shape, groups, affine, dtype):
    compare_norm_layers(lambda lib, lib_dtype: lib.nn.GroupNorm(
        groups, shape[1], affine=affine, dtype=lib_dtype), (shape[1],), affine, shape, dtype)
