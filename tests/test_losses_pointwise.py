"""Pointwise losses: mse, l1, smooth L1, Huber, binary cross-entropy (on
probabilities and logits) and KL divergence. Each: a case checkable by hand,
a float64 gradcheck, a PyTorch comparison of values, dtypes and gradients over
drawn shapes (with PyTorch's broadcasting and integer-target promotion), and
its errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F

from loss_testing import compare, leaf, torch_or_skip

FAST = settings(max_examples=25, deadline=None, derandomize=True)
LOG2 = np.log(2.0)


def test_pointwise_losses_by_hand():
    x = leaf([1.0, -3.0, 0.5])
    t = tg.tensor([0.0, 0.0, 0.0], dtype=tg.float64)
    loss = F.l1_loss(x, t)
    assert loss.item() == pytest.approx(4.5 / 3)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array([1, -1, 1]) / 3)      # sign(x − t)/n

    x = leaf([0.5, 3.0, -2.0])
    F.smooth_l1_loss(x, t, reduction="sum", beta=1.0).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 1.0, -1.0])                # clip(d/β, ±1)
    x = leaf([0.5, 3.0, -2.0])
    huber = F.huber_loss(x, t, reduction="none", delta=2.0)
    np.testing.assert_allclose(huber.numpy(), [0.125, 2 * (3 - 1), 2.0])        # δ(|d| − δ/2)
    huber.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 2.0, -2.0])                # clip(d, ±δ)

    p = leaf([0.5, 1.0, 0.0])
    bce = F.binary_cross_entropy(p, tg.tensor([1.0, 0.0, 0.0], dtype=tg.float64), reduction="none")
    np.testing.assert_allclose(bce.numpy(), [LOG2, 100.0, 0.0])  # log clamped at −100
    bce.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [-2.0, 1e12, 0.0])  # (x−t)/max(x(1−x), ε)

    z = leaf([0.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(z, tg.tensor([1.0, 0.0], dtype=tg.float64),
                                              pos_weight=tg.tensor([3.0], dtype=tg.float64))
    assert loss.item() == pytest.approx((3 * LOG2 + LOG2) / 2)
    loss.backward()
    np.testing.assert_allclose(z.grad.numpy(), [-3 * 0.5 / 2, 0.5 / 2])  # ((1−t)σ − p t(1−σ))/n

    log_q = leaf(np.log([[0.5, 0.5], [0.25, 0.75]]))
    kl = F.kl_div(log_q, tg.tensor([[1.0, 0.0], [0.25, 0.75]], dtype=tg.float64),
                  reduction="batchmean")
    assert kl.item() == pytest.approx(LOG2 / 2)                                  # (log 2 + 0) / N
    kl.backward()
    np.testing.assert_allclose(log_q.grad.numpy(), -np.array([[1.0, 0.0], [0.25, 0.75]]) / 2)


def test_weighted_regression_means_follow_pytorch():
    x, t = tg.tensor([1.0, 2.0]), tg.tensor([0.0, 0.0])
    w = tg.tensor([3.0, 1.0])
    assert F.mse_loss(x, t, weight=w).item() == pytest.approx((3 * 1 + 1 * 4) / 4)   # / Σ w
    assert F.l1_loss(x, t, weight=w).item() == pytest.approx((3 * 1 + 1 * 2) / 4)
    assert F.huber_loss(x, t, weight=w).item() == pytest.approx((3 * 0.5 + 1 * 1.5) / 2)  # / n
    with pytest.raises(ValueError, match="weight and input must have the same size"):
        F.mse_loss(x, t, weight=tg.tensor([1.0]))


LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
          "binary_cross_entropy_with_logits", "kl_div"]


def _draw_pointwise(data, name, rng, shape):
    """Arrays and keyword options for one pointwise loss, valid for its domain."""
    kwargs = dict(reduction=data.draw(st.sampled_from(["mean", "sum", "none"])))
    x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    weight_shape = shape
    if name == "smooth_l1_loss":
        kwargs["beta"] = data.draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    if name == "huber_loss":
        kwargs["delta"] = data.draw(st.sampled_from([0.5, 1.0, 2.0]))
    if name == "binary_cross_entropy":
        x, t = rng.uniform(0.05, 0.95, shape), rng.random(shape)
    if name == "binary_cross_entropy_with_logits":
        t = rng.random(shape)
        if shape and data.draw(st.booleans()):
            kwargs["pos_weight"] = rng.random(shape[-1:]) + 0.5
        weight_shape = shape[-1:] if shape and data.draw(st.booleans()) else shape
    if name == "kl_div":
        x, t = -rng.random(shape) * 3, rng.uniform(0.1, 1.0, shape)
        kwargs["log_target"] = data.draw(st.booleans())
        if kwargs["log_target"]:
            t = np.log(t)
        if shape:
            kwargs["reduction"] = data.draw(st.sampled_from(["batchmean", "sum", "none"]))
    if name not in ("smooth_l1_loss", "kl_div") and data.draw(st.booleans()):
        kwargs["weight"] = np.asarray(rng.random(weight_shape) + 0.5)
    if "pos_weight" in kwargs:
        kwargs["pos_weight"] = np.asarray(kwargs["pos_weight"])
    return np.asarray(x), np.asarray(t), kwargs


@pytest.mark.filterwarnings("ignore:.*'batchmean' divides only by the batch size")
@FAST
@given(data=st.data(), name=st.sampled_from(LOSSES))
def test_pointwise_losses_match_pytorch_and_gradcheck(data, name):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), max_size=3)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x, t, kwargs = _draw_pointwise(data, name, rng, shape)
    tensors = {k: v for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    ours_kwargs = {**kwargs, **{k: tg.tensor(v) for k, v in tensors.items()}}

    def ours(a, b):
        return getattr(F, name)(a, b, **ours_kwargs)

    assert tg.gradcheck(ours, (leaf(x), leaf(t)))
    torch = torch_or_skip()                                  # the gradcheck runs without it
    torch_kwargs = {**kwargs, **{k: torch.tensor(v) for k, v in tensors.items()}}
    compare(ours, lambda a, b: getattr(torch.nn.functional, name)(a, b, **torch_kwargs), [x, t])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_promote_an_integer_target_like_pytorch(name):
    torch = torch_or_skip()
    x = np.array([0.5, 2.0, -1.0], dtype=np.float32)
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    for target in (np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0])):             # int64, float64
        if name == "huber_loss":
            # PyTorch's huber_loss skips promotion (float32 result, and its backward then
            # fails for an int64 target); we promote as mse_loss does.
            as_float = torch.tensor(target, dtype=torch.float64 if target.dtype.kind == "f"
                                    else torch.float32)
            compare(lambda a: ours(a, tg.tensor(target)), lambda a: theirs(a.to(as_float.dtype),
                                                                           as_float),
                    [x], tolerance=dict(rtol=1e-6))
            continue
        compare(lambda a: ours(a, tg.tensor(target)), lambda a: theirs(a, torch.tensor(target)),
                [x], tolerance=dict(rtol=1e-6))
    assert F.mse_loss(tg.tensor([1, 2]), tg.tensor([0.5, 0.5])).dtype == np.float32
    with pytest.raises(DTypeError, match=r"mse_loss: expected a floating-point input or target, "
                                         r"got input \(2,\) int64 and target \(2,\) int64"):
        F.mse_loss(tg.tensor([1, 2]), tg.tensor([1, 2]))
    with pytest.raises(DTypeError, match="l1_loss: a bool input or target is not supported"):
        F.l1_loss(tg.zeros(2), tg.tensor([True, False]))


def test_extreme_logits_stay_finite_in_binary_cross_entropy_with_logits():
    torch = torch_or_skip()
    x = np.array([-1e4, 1e4, 0.0, 50.0, -50.0])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    loss = compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"),
                   lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(
                       a, b, reduction="none"), [x, t])
    np.testing.assert_allclose(loss.numpy()[:2], [1e4, 1e4])
    assert np.isfinite(loss.numpy()).all()


def test_pointwise_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of input should be "
                                         r"between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([1.5]), tg.tensor([1.0]))
    with pytest.raises(ShapeError, match=r"target \(1,\) float32 must have the same shape as "
                                         r"input \(2,\) float32"):
        F.binary_cross_entropy(tg.tensor([0.5, 0.5]), tg.tensor([1.0]))
    with pytest.raises(DTypeError, match=r"must have the input's dtype"):
        F.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([1.0], dtype=tg.float64))
    with pytest.raises(DTypeError, match=r"use target.float\(\)"):
        F.binary_cross_entropy_with_logits(tg.tensor([0.5]), tg.tensor([1]))
    with pytest.raises(ShapeError, match=r"weight \(2, 1\) float32 must broadcast to the input"):
        F.binary_cross_entropy(tg.tensor([[0.5, 0.5]]), tg.tensor([[1.0, 0.0]]),
                               weight=tg.ones(2, 1))
    with pytest.raises(ShapeError, match="pos_weight .* must broadcast against input"):
        F.binary_cross_entropy_with_logits(tg.zeros(1, 2), tg.zeros(1, 2), pos_weight=tg.ones(3))
    with pytest.raises(RuntimeError, match="not differentiable with respect to 'pos_weight'"):
        F.binary_cross_entropy_with_logits(tg.zeros(2), tg.zeros(2),
                                           pos_weight=tg.ones(2, requires_grad=True))
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must not be negative"):
        F.smooth_l1_loss(tg.zeros(1), tg.zeros(1), beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        F.huber_loss(tg.zeros(1), tg.zeros(1), delta=0.0)
    with pytest.raises(DTypeError, match="kl_div: integer inputs are not supported"):
        F.kl_div(tg.zeros(2), tg.tensor([1, 0]), reduction="sum")
    with pytest.raises(ValueError, match="'batchmean' is not a valid value"):
        F.mse_loss(tg.zeros(1), tg.zeros(1), reduction="batchmean")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(tg.zeros(2), tg.ones(2))
