"""interpolate / Upsample, nearest and bilinear: by hand, float64 gradchecks,
PyTorch parity (sizes, scale factors, align_corners), empty batches, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import ShapeError
from tinygrad_cnn.nn import functional as F


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def test_nearest_by_hand_and_backward_sums_the_copies():
    x = leaf([[[[1.0, 2.0, 3.0]]]])
    y = F.interpolate(x, size=(1, 5))
    # r(p) = ⌊p · 3/5⌋ = 0, 0, 1, 1, 2
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [1, 1, 2, 2, 3])
    y.backward(np.array([[[[1.0, 2.0, 3.0, 4.0, 5.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, 0], [1 + 2, 3 + 4, 5])
    # integer factor 2: δ^{l-1} is the 2x2 block sum of δ
    z = leaf(np.zeros((1, 1, 2, 2)))
    F.interpolate(z, scale_factor=2).backward(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(z.grad.numpy()[0, 0], [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7],
                                                         [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]])


def test_nearest_uses_the_given_scale_factor():
    # 1/1.7 and 5/8 differ: PyTorch takes floor(p / 1.7) when scale_factor is given
    x = tg.tensor(np.arange(5.0).reshape(1, 1, 1, 5))
    y = F.interpolate(x, scale_factor=(1, 1.7))
    assert y.shape == (1, 1, 1, 8)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], np.floor(np.arange(8) / 1.7))
    again = F.interpolate(x, scale_factor=(1, 1.7), recompute_scale_factor=True)
    np.testing.assert_array_equal(again.numpy()[0, 0, 0], np.floor(np.arange(8) * 5 / 8))


def test_bilinear_by_hand():
    x = leaf([[[[0.0, 4.0]]]])
    # centres: x(p) = (p + ½)·½ - ½ = -¼ → 0, ¼, ¾, 1¼ → clipped to the last pixel
    y = F.interpolate(x, size=(1, 4), mode="bilinear")
    np.testing.assert_allclose(y.numpy()[0, 0, 0], [0, 1, 3, 4])
    # corners: x(p) = p · (2-1)/(4-1) = 0, ⅓, ⅔, 1
    corners = F.interpolate(x, size=(1, 4), mode="bilinear", align_corners=True)
    np.testing.assert_allclose(corners.numpy()[0, 0, 0], [0, 4 / 3, 8 / 3, 4])
    y.backward(np.ones((1, 1, 1, 4)))
    # weights from a0: 1, ¾, ¼, 0; from a1: 0, ¼, ¾, 1
    np.testing.assert_allclose(x.grad.numpy()[0, 0, 0], [2, 2])
    assert y.grad_fn.name == "upsample_bilinear2d" and y.grad_fn.parents == (x,)


def test_upsample_module_repr_and_empty_batch():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True)) == \
        "Upsample(size=(3, 4), mode='bilinear')"
    for mode in ("nearest", "bilinear"):
        x = leaf(np.zeros((0, 2, 3, 3)))
        y = nn.Upsample(scale_factor=2, mode=mode)(x)
        assert y.shape == (0, 2, 6, 6)
        y.sum().backward()
        assert x.grad.shape == (0, 2, 3, 3)
    assert F.interpolate(tg.zeros(2, 3, 4), scale_factor=2).shape == (2, 3, 8)   # 1-D nearest


def test_errors_name_the_input():
    x = tg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"align_corners can only be set.*input \(1, 1, 3, 3\)"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"exactly one of size and scale_factor; input \(1, 1, 3, 3\)"):
        F.interpolate(x)
    with pytest.raises(ShapeError, match=r"sizes must be > 0, got input \(3, 3\) and output \(0, 0\)"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(ShapeError, match=r"4-D \(N, C, H, W\) input, got \(1, 3, 3\) float32"):
        F.interpolate(tg.zeros(1, 3, 3), scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="mode must be one of"):
        F.interpolate(x, scale_factor=2, mode="bicubic")


@st.composite
def resample_case(draw):
    mode = draw(st.sampled_from(["nearest", "bilinear"]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 6)),
             draw(st.integers(1, 6)))
    if draw(st.booleans()):
        kwargs = dict(size=(draw(st.integers(1, 9)), draw(st.integers(1, 9))))
    else:
        factors = st.sampled_from([0.5, 0.75, 1.0, 1.3, 1.7, 2.0, 2.5, 3.0])
        kwargs = dict(scale_factor=(draw(factors), draw(factors)),
                      recompute_scale_factor=draw(st.sampled_from([None, True])))
        if any(int(n * f) < 1 for n, f in zip(shape[2:], kwargs["scale_factor"])):
            kwargs = dict(size=(2, 3))
    if mode == "bilinear":
        kwargs["align_corners"] = draw(st.booleans())
    return mode, shape, kwargs


@settings(max_examples=60, deadline=None)
@given(resample_case(), st.integers(0, 2**16), st.sampled_from(["float64", "float32"]))
def test_interpolate_matches_pytorch(case, seed, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    mode, shape, kwargs = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = F.interpolate(x, mode=mode, **kwargs)
    z = torch.nn.functional.interpolate(xt, mode=mode, **kwargs)
    assert y.shape == tuple(z.shape)
    tolerance = dict(rtol=1e-12, atol=1e-14) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), **tolerance)
    delta = rng.standard_normal(y.shape).astype(dtype)
    y.backward(delta)
    z.backward(torch.tensor(delta))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tolerance)
    if dtype == "float64":
        assert tg.gradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), (leaf(a),))


def test_bilinear_with_infinities_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    a = np.array([[[[np.inf, -np.inf, 1.0, np.nan], [2.0, np.inf, 3.0, 4.0]]]])
    y = F.interpolate(tg.tensor(a), size=(3, 5), mode="bilinear").numpy()
    z = torch.nn.functional.interpolate(torch.tensor(a), size=(3, 5), mode="bilinear").numpy()
    np.testing.assert_allclose(y, z, rtol=1e-12)          # same NaN and inf positions
