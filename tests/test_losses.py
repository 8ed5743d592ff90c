"""Classification losses and the loss modules: cross-entropy and NLL with every
option (weight, ignore_index, label smoothing, probability targets, K-dim and
unbatched input). Each: a case checkable by hand, a float64 gradcheck, a
PyTorch comparison of values, dtypes and gradients over drawn shapes, and its
errors. The pointwise losses are in test_losses_pointwise.py."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F

from loss_testing import compare, leaf, torch_or_skip

FAST = settings(max_examples=25, deadline=None, derandomize=True)
LOG2 = np.log(2.0)


def softmax_rows(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ================================================================ cross-entropy by hand

def test_weighted_mean_divides_by_the_weights_of_the_targets():
    z = leaf(np.zeros((2, 2)))                              # p = (1/2, 1/2) everywhere
    weight = tg.tensor([1.0, 3.0], dtype=tg.float64)
    loss = F.cross_entropy(z, tg.tensor([0, 1]), weight=weight)
    assert loss.grad_fn.name == "cross_entropy" and loss.grad_fn.parents[0] is z   # one node
    assert loss.item() == pytest.approx((1 * LOG2 + 3 * LOG2) / (1 + 3))
    loss.backward()
    # δ = w_y (softmax − onehot) / Σ w_y
    np.testing.assert_allclose(z.grad.numpy(), [[-0.5 / 4, 0.5 / 4], [1.5 / 4, -1.5 / 4]])


def test_ignore_index_adds_nothing_and_does_not_count():
    z = leaf([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    loss = F.cross_entropy(z, tg.tensor([2, -100]))
    softmax = softmax_rows(z.numpy())
    assert loss.item() == pytest.approx(-np.log(softmax[0, 2]))     # mean over 1 position
    loss.backward()
    np.testing.assert_allclose(z.grad.numpy()[0], softmax[0] - [0, 0, 1])
    np.testing.assert_array_equal(z.grad.numpy()[1], 0)
    custom = F.cross_entropy(tg.tensor([[0.0, 0.0], [5.0, 0.0]]), tg.tensor([0, 1]), ignore_index=1)
    assert custom.item() == pytest.approx(LOG2, rel=1e-6)


@pytest.mark.parametrize("loss_fn", [F.cross_entropy,
                                     lambda z, y: F.nll_loss(F.log_softmax(z, 1), y)])
def test_every_target_ignored_gives_a_nan_loss_and_a_zero_gradient(loss_fn):
    # a mean over no position is 0/0 = NaN, but no logit moved the loss: δ is 0, not NaN
    # (PyTorch's values; an all-padding batch must not poison the weights)
    z = leaf([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    loss = loss_fn(z, tg.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(z.grad.numpy(), np.zeros((2, 3)))


def test_label_smoothing_mixes_the_target_with_uniform():
    z = leaf(np.zeros((1, 2)))
    loss = F.cross_entropy(z, tg.tensor([0]), label_smoothing=0.2)  # q = (0.9, 0.1)
    assert loss.item() == pytest.approx(LOG2)
    loss.backward()
    np.testing.assert_allclose(z.grad.numpy(), [[0.5 - 0.9, 0.5 - 0.1]])     # p − q


def test_probability_targets():
    z = leaf([[0.0, np.log(3.0)]])                             # p = (1/4, 3/4)
    t = leaf([[0.25, 0.75]])
    loss = F.cross_entropy(z, t)
    assert loss.item() == pytest.approx(-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)))
    loss.backward()
    np.testing.assert_allclose(z.grad.numpy(), [[0.0, 0.0]], atol=1e-15)      # p − t = 0
    np.testing.assert_allclose(t.grad.numpy(), -np.log([[0.25, 0.75]]))       # −log p


def test_k_dim_and_unbatched_inputs_match_the_flat_form():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2, 3, 4))                                 # (N, C, d1)
    y = rng.integers(0, 3, (2, 4))
    flat = F.cross_entropy(tg.tensor(z.transpose(0, 2, 1).reshape(8, 3)), tg.tensor(y.reshape(8)),
                           reduction="none")
    kdim = F.cross_entropy(tg.tensor(z), tg.tensor(y), reduction="none")
    assert kdim.shape == (2, 4)
    np.testing.assert_allclose(kdim.numpy().reshape(8), flat.numpy())
    single = F.cross_entropy(tg.tensor(z[0, :, 0]), tg.tensor(y[0, 0]))   # (C,) with target ()
    assert single.shape == ()
    assert single.item() == pytest.approx(kdim.numpy()[0, 0])


def test_nll_by_hand_with_weight_and_ignore():
    x = leaf([[-1.0, -2.0], [-3.0, -4.0], [-5.0, -6.0]])
    loss = F.nll_loss(x, tg.tensor([1, 0, -100]), weight=tg.tensor([1.0, 3.0], dtype=tg.float64))
    assert loss.item() == pytest.approx((3 * 2 + 1 * 3) / 4)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, -3 / 4], [-1 / 4, 0], [0, 0]])


# ================================================================ against PyTorch

@FAST
@given(data=st.data())
def test_cross_entropy_matches_pytorch_and_gradcheck(data):
    n, c = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    extra = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    unbatched = not extra and data.draw(st.booleans())
    shape, class_dim = ((c,), 0) if unbatched else ((n, c) + extra, 1)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    z = rng.standard_normal(shape) * 3
    weight = rng.random(c) + 0.5 if data.draw(st.booleans()) else None
    kwargs = dict(reduction=data.draw(st.sampled_from(["mean", "sum", "none"])),
                  label_smoothing=data.draw(st.sampled_from([0.0, 0.1, 0.5])))
    if data.draw(st.booleans()):                                        # class probabilities
        t = rng.random(shape)
        t /= t.sum(axis=class_dim, keepdims=True)
        arrays, requires = [z, t], [True, True]
    else:
        target_shape = shape[:class_dim] + shape[class_dim + 1:]
        y = np.asarray(rng.integers(0, c, target_shape))
        if c > 1 and data.draw(st.booleans()):
            kwargs["ignore_index"] = 0                                   # ignore a real class
            y.flat[0] = c - 1                                            # keep one position
        elif data.draw(st.booleans()):
            y[rng.random(target_shape) < 0.3] = -100
            y.flat[0] = 0
        arrays, requires = [z], [True]

    def ours(*inputs):
        target = inputs[1] if len(inputs) > 1 else tg.tensor(y)
        return F.cross_entropy(inputs[0], target, None if weight is None else tg.tensor(weight),
                               **kwargs)

    def theirs(*inputs):
        target = inputs[1] if len(inputs) > 1 else torch.tensor(y)
        return torch.nn.functional.cross_entropy(
            inputs[0], target, None if weight is None else torch.tensor(weight), **kwargs)

    assert tg.gradcheck(ours, [leaf(a) for a in arrays])
    if len(arrays) == 1:                                     # nll on the same targets
        nll_kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
        log_p = np.log(softmax_rows(np.moveaxis(z, class_dim, -1)))
        log_p = np.ascontiguousarray(np.moveaxis(log_p, -1, class_dim))
        w = None if weight is None else tg.tensor(weight)
        assert tg.gradcheck(lambda x: F.nll_loss(x, tg.tensor(y), w, **nll_kwargs), (leaf(log_p),))
    torch = torch_or_skip()                                  # the gradchecks run without it
    compare(ours, theirs, arrays, requires)
    if len(arrays) == 1:
        compare(lambda x: F.nll_loss(x, tg.tensor(y), w, **nll_kwargs),
                lambda x: torch.nn.functional.nll_loss(
                    x, torch.tensor(y), None if weight is None else torch.tensor(weight),
                    **nll_kwargs), [log_p])


@pytest.mark.parametrize("case", ["indices", "probabilities", "unbatched"])
def test_cross_entropy_gradcheck_with_every_option_on_k_dim_input(case):
    torch = torch_or_skip()
    rng = np.random.default_rng(11)
    shape = (3,) if case == "unbatched" else (2, 3, 2, 2)               # (N, C, d1, d2)
    z = rng.standard_normal(shape)
    weight = np.array([0.5, 2.0, 1.5])
    if case == "probabilities":
        t = rng.random(shape)
        t /= t.sum(axis=1, keepdims=True)
        target, torch_target, options = leaf(t), None, dict(label_smoothing=0.3)
    else:
        y = np.array(1) if case == "unbatched" else rng.integers(0, 3, (2, 2, 2))
        if case == "indices":
            y[0, 0, 0] = 2
            y[1, 1, 1] = 2                                           # ignored positions
        target, torch_target = tg.tensor(y), torch.tensor(y)
        options = dict(label_smoothing=0.3, ignore_index=2)

    def ours(logits, *maybe_target):
        return F.cross_entropy(logits, maybe_target[0] if maybe_target else target,
                               tg.tensor(weight), **options)

    inputs = (leaf(z), target) if case == "probabilities" else (leaf(z),)
    assert tg.gradcheck(ours, inputs)
    if case == "probabilities":
        compare(ours, lambda a, b: torch.nn.functional.cross_entropy(a, b, torch.tensor(weight),
                                                                     **options), [z, t])
    else:
        compare(ours, lambda a: torch.nn.functional.cross_entropy(
            a, torch_target, torch.tensor(weight), **options), [z])


def test_cross_entropy_promotes_a_float64_probability_target_like_pytorch():
    torch = torch_or_skip()
    z = np.zeros((2, 3), dtype=np.float32)
    t = np.full((2, 3), 1 / 3)
    compare(lambda a: F.cross_entropy(a, tg.tensor(t)),
            lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t)), [z],
            tolerance=dict(rtol=1e-6, atol=1e-7))           # float64 loss, float32 gradient


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_float32_and_extreme_logits_stay_finite(dtype):
    torch = torch_or_skip()
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype)
    weight = np.array([0.5, 2.0, 1.0], dtype=dtype)
    probabilities = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype=dtype)
    for target_np in (np.array([1, 0]), probabilities):
        for options in (dict(), dict(label_smoothing=0.1), dict(reduction="none")):
            def ours(x):
                return F.cross_entropy(x, tg.tensor(target_np), tg.tensor(weight), **options)

            def theirs(x):
                return torch.nn.functional.cross_entropy(x, torch.tensor(target_np),
                                                         torch.tensor(weight), **options)
            loss = compare(ours, theirs, [z], tolerance=dict(rtol=1e-6, atol=1e-6))
            assert np.isfinite(loss.numpy()).all()


def test_empty_batch_and_everything_ignored_give_pytorchs_nan_or_zero():
    torch = torch_or_skip()
    for target in (np.zeros(0, dtype=np.int64), np.array([-100, -100])):
        z = np.zeros((len(target), 3))
        for reduction in ("mean", "sum"):
            ours = F.cross_entropy(tg.tensor(z), tg.tensor(target), reduction=reduction).item()
            theirs = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(target),
                                                       reduction=reduction).item()
            np.testing.assert_equal(ours, theirs)                   # nan for mean, 0 for sum


def test_cross_entropy_errors():
    z = tg.zeros(2, 3)
    with pytest.raises(DTypeError, match=r"cross_entropy: expected floating-point input "
                                         r"\(class scores\), got \(2, 3\) int64"):
        F.cross_entropy(tg.tensor([[1, 2, 3], [4, 5, 6]]), tg.tensor([0, 1]))
    with pytest.raises(DTypeError, match=r"use target.long\(\)"):
        F.cross_entropy(z, tg.tensor([0.0, 1.0]))
    with pytest.raises(DTypeError, match=r"got \(2,\) int32"):
        F.cross_entropy(z, tg.tensor(np.array([0, 1], dtype=np.int32)))
    with pytest.raises(ShapeError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.cross_entropy(z, tg.tensor([0, 1]), weight=tg.ones(4))
    with pytest.raises(DTypeError, match=r"weight must have the input's dtype float32"):
        F.cross_entropy(z, tg.tensor([0, 1]), weight=tg.ones(3, dtype=tg.float64))
    with pytest.raises(RuntimeError, match="not differentiable with respect to 'weight'"):
        F.cross_entropy(z, tg.tensor([0, 1]), weight=tg.ones(3, requires_grad=True))
    for smoothing in (-0.1, 1.5):
        with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
            F.cross_entropy(z, tg.tensor([0, 1]), label_smoothing=smoothing)
    with pytest.raises(ValueError, match="ignore_index is not supported for a class-probability"):
        F.cross_entropy(z, tg.ones(2, 3) / 3, ignore_index=1)
    with pytest.raises(ShapeError, match=r"target must have shape \(2, 4\)"):
        F.cross_entropy(tg.zeros(2, 3, 4), tg.tensor([0, 1]))
    with pytest.raises(IndexError, match="nll_loss: target 3 is out of range for 3 classes"):
        F.nll_loss(z, tg.tensor([3, -100]))
    uint8 = F.cross_entropy(z, tg.tensor(np.array([0, 2], dtype=np.uint8)))   # PyTorch's Byte
    assert uint8.item() == pytest.approx(np.log(3.0))


def test_legacy_size_average_and_reduce_map_to_reduction_with_a_warning():
    z, y = tg.tensor([[0.0, 1.0], [2.0, 0.0]]), tg.tensor([0, 0])
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        summed = F.cross_entropy(z, y, size_average=False)
    assert summed.item() == pytest.approx(F.cross_entropy(z, y, reduction="sum").item())
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.mse_loss(z, z, reduce=False).shape == (2, 2)


# ================================================================ modules

def test_loss_modules_match_their_functional_forms():
    rng = np.random.default_rng(7)
    z = tg.tensor(rng.standard_normal((4, 3)))
    y = tg.tensor(rng.integers(0, 3, 4))
    w = tg.tensor(rng.random(3) + 0.5)
    p = tg.tensor(rng.random((4, 3)))
    pairs = [
        (nn.CrossEntropyLoss(w, ignore_index=1, label_smoothing=0.2)(z, y),
         F.cross_entropy(z, y, w, ignore_index=1, label_smoothing=0.2)),
        (nn.NLLLoss(w, reduction="sum")(z, y), F.nll_loss(z, y, w, reduction="sum")),
        (nn.MSELoss(reduction="none")(z, p), F.mse_loss(z, p, reduction="none")),
        (nn.L1Loss()(z, p), F.l1_loss(z, p)),
        (nn.SmoothL1Loss(beta=0.5)(z, p), F.smooth_l1_loss(z, p, beta=0.5)),
        (nn.HuberLoss(delta=0.5)(z, p), F.huber_loss(z, p, delta=0.5)),
        (nn.BCELoss(w)(p, p), F.binary_cross_entropy(p, p, w)),
        (nn.BCEWithLogitsLoss(pos_weight=w)(z, p),
         F.binary_cross_entropy_with_logits(z, p, pos_weight=w)),
        (nn.KLDivLoss(reduction="batchmean", log_target=True)(z, p),
         F.kl_div(z, p, reduction="batchmean", log_target=True)),
    ]
    for module_result, functional_result in pairs:
        np.testing.assert_array_equal(module_result.numpy(), functional_result.numpy())


def test_loss_module_reprs_defaults_and_buffers_match_pytorch():
    torch = torch_or_skip()
    for name in ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
                 "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"]:
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        assert repr(ours) == repr(theirs)
        for attribute in ("reduction", "ignore_index", "label_smoothing", "beta", "delta",
                          "log_target"):
            assert getattr(ours, attribute, None) == getattr(theirs, attribute, None)
    ours = nn.BCEWithLogitsLoss(pos_weight=tg.ones(2))
    assert list(ours.state_dict()) == ["pos_weight"] and ours.weight is None
    assert list(nn.CrossEntropyLoss(weight=tg.ones(3)).state_dict()) == ["weight"]
    assert nn.CrossEntropyLoss(weight=tg.ones(3)).to(tg.float64).weight.dtype == np.float64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.MSELoss(size_average=False).reduction == "sum"
        assert nn.NLLLoss(reduce=False).reduction == "none"
