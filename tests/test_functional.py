"""The rest of ``F``: activations, linear, flatten, dropout, softmax, the
losses and batch norm. Each: a case checkable by hand, a float64 gradcheck,
a PyTorch comparison, and its errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import _state
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F

FAST = settings(max_examples=20, deadline=None)


def leaf(array, dtype=np.float64):
    return tg.tensor(np.asarray(array, dtype=dtype), requires_grad=True)


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")


def compare_with_torch(ours, theirs, arrays, tolerance=None, delta_seed=0):
    """Run ``ours`` and ``theirs`` on the same float arrays; compare outputs and
    the gradients of every input under a random δ."""
    torch = torch_or_skip()
    dtype = arrays[0].dtype
    tolerance = tolerance or (dict(rtol=1e-10, atol=1e-12) if dtype == np.float64
                              else dict(rtol=1e-5, atol=1e-6))
    mine = [tg.tensor(a, requires_grad=True) for a in arrays]
    other = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, z = ours(*mine), theirs(*other)
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), **tolerance)
    delta = np.random.default_rng(delta_seed).standard_normal(y.shape).astype(dtype)
    y.backward(delta)
    z.backward(torch.tensor(delta))
    for m, o in zip(mine, other):
        assert m.grad.dtype == dtype
        np.testing.assert_allclose(m.grad.numpy(), o.grad.numpy(), **tolerance)


# ---------------------------------------------------------------- activations

def test_activations_by_hand():
    x = tg.tensor([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu(x).numpy(), [0, 0, 3])
    np.testing.assert_allclose(F.leaky_relu(x).numpy(), [-0.02, 0, 3], rtol=1e-6)
    np.testing.assert_allclose(F.leaky_relu(x, 0.5).numpy(), [-1, 0, 3])
    np.testing.assert_allclose(F.sigmoid(x).numpy(), 1 / (1 + np.exp([2.0, 0.0, -3.0])), rtol=1e-6)
    np.testing.assert_allclose(F.tanh(x).numpy(), np.tanh([-2.0, 0.0, 3.0]), rtol=1e-6)
    y = leaf([-2.0, 3.0])
    F.leaky_relu(y, 0.1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0.1, 1.0])
    assert F.leaky_relu(tg.tensor([1.0])).dtype == np.float32


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_match_pytorch_and_gradcheck(name, dtype):
    torch = torch_or_skip()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(dtype)
    compare_with_torch(getattr(F, name), getattr(torch.nn.functional, name), [x])
    assert tg.gradcheck(getattr(F, name), (leaf(x),))


# ---------------------------------------------------------------- linear, flatten

def test_linear_by_hand_and_one_node():
    a = leaf([[1.0, 2.0]])
    w = leaf([[1.0, 1.0], [0.0, 1.0], [2.0, -1.0]])
    b = leaf([0.5, 0.0, 1.0])
    z = F.linear(a, w, b)
    np.testing.assert_array_equal(z.numpy(), [[3.5, 2.0, 1.0]])
    assert z.grad_fn.name == "linear" and z.grad_fn.parents == (a, w, b)
    delta = np.array([[1.0, 2.0, 3.0]])
    z.backward(delta)
    np.testing.assert_array_equal(a.grad.numpy(), delta @ w.numpy())        # δ_in = δ W
    np.testing.assert_array_equal(w.grad.numpy(), delta.T @ a.numpy())      # ∂W = δᵀ a
    np.testing.assert_array_equal(b.grad.numpy(), delta.sum(axis=0))        # ∂b = Σ δ


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_matches_pytorch_and_gradcheck(shape, dtype):
    torch = torch_or_skip()
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((5, 4)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    compare_with_torch(F.linear, torch.nn.functional.linear, [x, w, b])
    compare_with_torch(lambda x, w: F.linear(x, w), lambda x, w: torch.nn.functional.linear(x, w),
                       [x, w])
    assert tg.gradcheck(F.linear, (leaf(x), leaf(w), leaf(b)))


def test_linear_errors():
    with pytest.raises(ShapeError, match=r"linear: input has 3 features but weight \(5, 4\) "
                                         r"expects 4"):
        F.linear(tg.zeros(2, 3), tg.zeros(5, 4))
    with pytest.raises(DTypeError, match="same dtype"):
        F.linear(tg.zeros(2, 4), tg.zeros(5, 4, dtype=tg.float64))
    with pytest.raises(ShapeError, match="bias"):
        F.linear(tg.zeros(2, 4), tg.zeros(5, 4), tg.zeros(4))


def test_flatten_defaults_to_start_dim_0():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    assert F.flatten(x).shape == (24,)
    assert F.flatten(x, 1).shape == (2, 12)
    assert F.flatten(x, 0, 1).shape == (6, 4)
    F.flatten(x, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3, 4)))


def test_pad_constant_non_negative_is_the_core_pad():
    # F.pad adds the other modes and negative padding (tests/test_padding.py); the plain
    # case is still the core op
    y = F.pad(tg.ones(1, 1, requires_grad=True), (1, 0))
    np.testing.assert_array_equal(y.numpy(), tg.pad(tg.ones(1, 1), (1, 0)).numpy())
    np.testing.assert_array_equal(y.numpy(), [[0, 1]])
    assert y.grad_fn.name == "pad"


# ---------------------------------------------------------------- dropout

def test_dropout_scales_kept_entries_and_masks_gradient():
    tg.manual_seed(0)
    x = leaf(np.ones((50, 40)))
    y = F.dropout(x, p=0.25)
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    assert 0.7 < kept.mean() < 0.8
    y.backward(np.full(y.shape, 2.0))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 2 / 0.75, 0.0))


def test_dropout_uses_the_global_generator():
    tg.manual_seed(3)
    first = F.dropout(tg.ones(100), 0.5).numpy()
    tg.manual_seed(3)
    second = F.dropout(tg.ones(100), 0.5).numpy()
    np.testing.assert_array_equal(first, second)
    tg.manual_seed(3)
    expected = (_state.rng.random(100) >= 0.5) * 2.0
    np.testing.assert_array_equal(first, expected)


def test_dropout_identity_and_edges():
    x = tg.ones(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), np.zeros((3, 4)))
    assert F.dropout(x, 0.5).dtype == np.float32
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"dropout: probability p must be in \[0, 1\]"):
            F.dropout(x, p)


# ---------------------------------------------------------------- softmax

def test_softmax_by_hand_and_stable():
    np.testing.assert_allclose(F.softmax(tg.tensor([0.0, np.log(3.0)]), 0).numpy(), [0.25, 0.75],
                               rtol=1e-6)
    big = F.log_softmax(tg.tensor([[1e4, -1e4, 0.0]]), dim=1).numpy()
    assert np.isfinite(big).all()
    np.testing.assert_allclose(big, [[0.0, -2e4, -1e4]])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_matches_pytorch_and_gradcheck(dim, dtype):
    torch = torch_or_skip()
    x = np.random.default_rng(2).standard_normal((3, 5)).astype(dtype)
    compare_with_torch(lambda t: F.softmax(t, dim), lambda t: torch.softmax(t, dim), [x])
    compare_with_torch(lambda t: F.log_softmax(t, dim), lambda t: torch.log_softmax(t, dim), [x])
    assert tg.gradcheck(lambda t: F.softmax(t, dim), (leaf(x),))
    assert tg.gradcheck(lambda t: F.log_softmax(t, dim), (leaf(x),))


def test_softmax_dim_errors():
    with pytest.raises(IndexError, match="softmax: dim 2 is out of range"):
        F.softmax(tg.zeros(2, 3), 2)


# ---------------------------------------------------------------- cross-entropy

def test_cross_entropy_delta_is_softmax_minus_onehot():
    z = leaf([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = tg.tensor([2, 0])
    loss = F.cross_entropy(z, y)
    assert loss.grad_fn.name == "cross_entropy" and loss.grad_fn.parents[0] is z
    softmax = np.exp(z.numpy()) / np.exp(z.numpy()).sum(axis=1, keepdims=True)
    onehot = np.array([[0, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(loss.item(), -np.log(softmax[[0, 1], [2, 0]]).mean())
    loss.backward()
    np.testing.assert_allclose(z.grad.numpy(), (softmax - onehot) / 2)      # divided by N


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_and_nll_match_pytorch(reduction, dtype):
    torch = torch_or_skip()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4)).astype(dtype)
    target = rng.integers(0, 4, 6)
    t = torch.tensor(target)
    compare_with_torch(lambda z: F.cross_entropy(z, tg.tensor(target), reduction=reduction),
                       lambda z: torch.nn.functional.cross_entropy(z, t, reduction=reduction), [x])
    compare_with_torch(lambda z: F.nll_loss(z, tg.tensor(target), reduction=reduction),
                       lambda z: torch.nn.functional.nll_loss(z, t, reduction=reduction), [x])
    assert tg.gradcheck(lambda z: F.cross_entropy(z, tg.tensor(target), reduction=reduction),
                        (leaf(x),))
    assert tg.gradcheck(lambda z: F.nll_loss(z, tg.tensor(target), reduction=reduction),
                        (leaf(x),))


@FAST
@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**16))
def test_cross_entropy_gradcheck(n, c, seed):
    rng = np.random.default_rng(seed)
    target = tg.tensor(rng.integers(0, c, n))
    assert tg.gradcheck(lambda z: F.cross_entropy(z, target), (leaf(rng.standard_normal((n, c))),))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_with_huge_logits_is_finite(dtype):
    torch = torch_or_skip()
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype)
    z = leaf(x, dtype)
    loss = F.cross_entropy(z, tg.tensor([1, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(z.grad.numpy()).all()
    # row 0: log-sum-exp 1e4, minus z = -1e4; row 1: 1e4 + log 2, minus z = -1e4
    np.testing.assert_allclose(loss.item(), (2e4 + 2e4 + np.log(2)) / 2, rtol=1e-6)
    compare_with_torch(lambda t: F.cross_entropy(t, tg.tensor([1, 0])),
                       lambda t: torch.nn.functional.cross_entropy(t, torch.tensor([1, 0])), [x])


def test_cross_entropy_target_errors():
    z = tg.zeros(2, 3)
    with pytest.raises(DTypeError, match=r"cross_entropy: target must hold int64 class indices, "
                                         r"got \(2,\) float32 \(float labels: use "
                                         r"target.long\(\)\)"):
        F.cross_entropy(z, tg.tensor([0.0, 1.0]))
    with pytest.raises(ShapeError, match=r"cross_entropy: target must have shape \(2,\)"):
        F.cross_entropy(z, tg.tensor([[0, 1]]))
    with pytest.raises(IndexError, match="cross_entropy: target 3 is out of range for 3 classes"):
        F.cross_entropy(z, tg.tensor([0, 3]))
    with pytest.raises(IndexError, match="target -1 is out of range"):
        F.nll_loss(z, tg.tensor([-1, 0]))
    with pytest.raises(ShapeError, match=r"target must have shape \(\) for input \(3,\)"):
        F.cross_entropy(tg.zeros(3), tg.tensor([0]))
    with pytest.raises(ShapeError, match=r"expected input \(N, C\), \(N, C, d1, ...\) or "
                                         r"unbatched \(C,\)"):
        F.cross_entropy(tg.zeros(()), tg.tensor(0))
    with pytest.raises(ValueError, match="'max' is not a valid value for reduction"):
        F.cross_entropy(z, tg.tensor([0, 1]), reduction="max")


# ---------------------------------------------------------------- MSE

def test_mse_by_hand_and_against_pytorch():
    torch = torch_or_skip()
    x, t = leaf([1.0, 3.0]), leaf([0.0, 0.0])
    loss = F.mse_loss(x, t)
    assert loss.item() == 5.0
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 3.0])          # 2(x - t)/n
    np.testing.assert_array_equal(t.grad.numpy(), [-1.0, -3.0])
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for reduction in ("mean", "sum", "none"):
        compare_with_torch(lambda p, q: F.mse_loss(p, q, reduction=reduction),
                           lambda p, q: torch.nn.functional.mse_loss(p, q, reduction=reduction),
                           [a, b])
        assert tg.gradcheck(lambda p, q: F.mse_loss(p, q, reduction=reduction),
                            (leaf(a), leaf(b)))


def test_mse_broadcasts_different_shapes_with_pytorchs_warning():
    with pytest.warns(UserWarning, match=r"mse_loss: Using a target size \(3,\) that is "
                                         r"different to the input size \(3, 1\)"):
        loss = F.mse_loss(tg.zeros(3, 1), tg.tensor([1.0, 2.0, 3.0]), reduction="none")
    assert loss.shape == (3, 3)                     # the classic bug PyTorch warns about
    with pytest.raises(ShapeError, match=r"mse_loss: input \(3,\) float32 and target \(4,\) "
                                         r"float32 cannot be broadcast together"):
        F.mse_loss(tg.zeros(3), tg.zeros(4))


# ---------------------------------------------------------------- batch norm

def test_batch_norm_by_hand():
    x = leaf([[1.0], [3.0]])
    mean, var = tg.zeros(1, dtype=tg.float64), tg.ones(1, dtype=tg.float64)
    y = F.batch_norm(x, mean, var, training=True, eps=0.0)
    assert y.grad_fn.name == "batch_norm"
    np.testing.assert_allclose(y.numpy(), [[-1.0], [1.0]])
    np.testing.assert_allclose(mean.numpy(), [0.2])                     # 0.9·0 + 0.1·2
    np.testing.assert_allclose(var.numpy(), [0.9 + 0.1 * 2.0])          # unbiased variance 2


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_matches_pytorch(shape, training, dtype):
    torch = torch_or_skip()
    rng = np.random.default_rng(5)
    c = shape[1]
    x = rng.standard_normal(shape).astype(dtype) * 3 + 1
    gamma, beta = rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)
    stats = (rng.standard_normal(c).astype(dtype), rng.random(c).astype(dtype) + 0.5)
    ours_stats = [tg.tensor(s.copy()) for s in stats]
    torch_stats = [torch.tensor(s.copy()) for s in stats]
    compare_with_torch(
        lambda a, g, b: F.batch_norm(a, *ours_stats, g, b, training=training, momentum=0.3),
        lambda a, g, b: torch.nn.functional.batch_norm(a, *torch_stats, g, b, training=training,
                                                       momentum=0.3),
        [x, gamma, beta], tolerance=None if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5))
    for mine, other in zip(ours_stats, torch_stats):
        np.testing.assert_allclose(mine.numpy(), other.numpy(), rtol=1e-5)
        assert mine.dtype == dtype


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    rng = np.random.default_rng(6)
    x = leaf(rng.standard_normal((3, 2, 2, 2)))
    gamma, beta = leaf(rng.standard_normal(2)), leaf(rng.standard_normal(2))

    def fn(a, g, b):       # fresh running stats each call: the check re-runs forward
        return F.batch_norm(a, tg.zeros(2, dtype=tg.float64), tg.ones(2, dtype=tg.float64),
                            g, b, training=training)

    assert tg.gradcheck(fn, (x, gamma, beta))


def test_batch_norm_errors():
    with pytest.raises(ShapeError, match=r"batch_norm: running_mean must have shape \(3,\)"):
        F.batch_norm(tg.zeros(2, 3), tg.zeros(2), tg.ones(3))
    with pytest.raises(ValueError, match="needed when not training"):
        F.batch_norm(tg.zeros(2, 3), None, None)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(tg.zeros(1, 3), None, None, training=True)
    with pytest.raises(ShapeError, match=r"expected input \(N, C\) or \(N, C, H, W\)"):
        F.batch_norm(tg.zeros(3), tg.zeros(3), tg.ones(3))
