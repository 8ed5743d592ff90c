"""adaptive_avg_pool2d and adaptive_max_pool2d: PyTorch's uneven windows by
hand, float64 gradchecks, PyTorch parity (values, gradients, indices), NaN,
empty batches, unbatched input and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.nn.adaptive_pool_ops import adaptive_windows

FAST = settings(max_examples=25, deadline=None)


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- by hand

def test_windows_are_floor_start_and_ceil_end():
    # 5 → 3: starts ⌊0⌋, ⌊5/3⌋, ⌊10/3⌋ = 0, 1, 3; ends ⌈5/3⌉, ⌈10/3⌉, ⌈5⌉ = 2, 4, 5
    assert adaptive_windows(5, 3) == [(0, 2), (1, 4), (3, 5)]
    assert adaptive_windows(4, 2) == [(0, 2), (2, 4)]           # divisible: plain k = S = 2
    assert adaptive_windows(3, 5) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]   # upsampling


def test_adaptive_avg_by_hand_with_overlapping_windows():
    x = leaf(np.arange(5.0).reshape(1, 1, 1, 5))
    y = F.adaptive_avg_pool2d(x, (1, 3))
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [(0 + 1) / 2, (1 + 2 + 3) / 3, (3 + 4) / 2])
    y.backward(np.array([[[[6.0, 3.0, 2.0]]]]))
    # entry 1 is in windows 0 and 1: 6/2 + 3/3; entry 3 in windows 1 and 2: 3/3 + 2/2
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, 0], [3, 3 + 1, 1, 1 + 1, 1])


def test_adaptive_avg_global_pool_is_the_mean():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    y = nn.AdaptiveAvgPool2d(1)(tg.tensor(x))
    np.testing.assert_allclose(y.numpy(), x.mean(axis=(2, 3), keepdims=True), rtol=1e-12)


def test_adaptive_max_by_hand_routes_delta_and_overlaps_add():
    x = leaf([[[[1.0, 5.0, 2.0, 0.0, 3.0]]]])
    y, indices = F.adaptive_max_pool2d(x, (1, 3), return_indices=True)
    # windows [0, 2), [1, 4), [3, 5): maxima 5, 5, 3 at flat positions 1, 1, 4
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [5, 5, 3])
    np.testing.assert_array_equal(indices.numpy()[0, 0, 0], [1, 1, 4])
    assert indices.dtype == np.int64
    y.backward(np.array([[[[1.0, 2.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, 0], [0, 1 + 2, 0, 0, 4])


def test_adaptive_max_ties_first_and_nan_last():
    x = leaf([[[[2.0, 2.0, 1.0, np.nan, 0.0, np.nan]]]])          # windows [0, 3) and [3, 6)
    y, indices = F.adaptive_max_pool2d(x, (1, 2), return_indices=True)
    assert y.numpy()[0, 0, 0, 0] == 2.0 and np.isnan(y.numpy()[0, 0, 0, 1])
    np.testing.assert_array_equal(indices.numpy()[0, 0, 0], [0, 5])   # first tie, last NaN
    y.backward(np.ones((1, 1, 1, 2)))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, 0], [1, 0, 0, 0, 0, 1])


def test_output_size_none_keeps_the_input_dim_and_modules_repr():
    x = tg.zeros(2, 3, 5, 7)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 5, 2)
    assert F.adaptive_max_pool2d(x, (3, None)).shape == (2, 3, 3, 7)
    assert repr(nn.AdaptiveAvgPool2d((None, 2))) == "AdaptiveAvgPool2d(output_size=(None, 2))"
    assert repr(nn.AdaptiveMaxPool2d(3)) == "AdaptiveMaxPool2d(output_size=3)"
    y, indices = nn.AdaptiveMaxPool2d(3, return_indices=True)(x)
    assert y.shape == indices.shape == (2, 3, 3, 3)


def test_one_graph_node_each():
    x = leaf(np.ones((1, 1, 4, 4)))
    assert F.adaptive_avg_pool2d(x, 3).grad_fn.name == "adaptive_avg_pool2d"
    assert F.adaptive_max_pool2d(x, 3).grad_fn.parents == (x,)


def test_unbatched_and_empty_batch():
    x = leaf(np.random.default_rng(1).standard_normal((2, 5, 6)))
    for pool in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
        y = pool(x, (2, 4))
        assert y.shape == (2, 2, 4)
        np.testing.assert_array_equal(y.numpy(), pool(tg.tensor(x.numpy()[None]), (2, 4)).numpy()[0])
        empty = leaf(np.zeros((0, 3, 5, 6)))
        out = pool(empty, 2)
        assert out.shape == (0, 3, 2, 2)
        out.sum().backward()
        assert empty.grad.shape == (0, 3, 5, 6)


def test_errors_name_the_op_and_the_input():
    with pytest.raises(ShapeError, match=r"adaptive_avg_pool2d: expected a 3-D .* got \(4, 4\) float32"):
        F.adaptive_avg_pool2d(tg.zeros(4, 4), 2)
    with pytest.raises(ShapeError, match=r"adaptive_max_pool2d: expected non-zero .*\(1, 1, 0, 4\)"):
        F.adaptive_max_pool2d(tg.zeros(1, 1, 0, 4), 2)
    with pytest.raises(ValueError, match=r"output_size must be .* got \(1, 2, 3\); input \(1, 1, 4, 4\)"):
        F.adaptive_avg_pool2d(tg.zeros(1, 1, 4, 4), (1, 2, 3))
    with pytest.raises(DTypeError, match="floating-point"):
        F.adaptive_avg_pool2d(tg.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)


# ---------------------------------------------------------------- gradcheck, PyTorch

@st.composite
def adaptive_case(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
             draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    output_size = (draw(st.one_of(st.none(), st.integers(1, 6))),
                   draw(st.one_of(st.none(), st.integers(1, 6))))
    return shape, output_size


@FAST
@given(adaptive_case(), st.integers(0, 2**16))
def test_adaptive_gradcheck(case, seed):
    shape, output_size = case
    # a permutation keeps entries distinct, so no window's maximum is tied
    x = leaf(np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 10.0)
    assert tg.gradcheck(lambda t: F.adaptive_avg_pool2d(t, output_size), (x,))
    assert tg.gradcheck(lambda t: F.adaptive_max_pool2d(t, output_size), (x,))


@settings(max_examples=30, deadline=None)
@given(adaptive_case(), st.integers(0, 2**16), st.sampled_from(["float64", "float32"]))
def test_adaptive_pools_match_pytorch(case, seed, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    shape, output_size = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x[..., 0, :] = x[..., 0, :1]                          # ties in the first row
    if rng.random() < 0.3:
        x.flat[rng.integers(x.size)] = np.nan
    tolerance = dict(rtol=1e-12, atol=1e-15) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    for ours, theirs in ((F.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d),
                         (F.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d)):
        mine, other = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, z = ours(mine, output_size), theirs(other, output_size)
        delta = rng.standard_normal(y.shape).astype(dtype)
        y.backward(delta)
        z.backward(torch.tensor(delta))
        np.testing.assert_allclose(y.numpy(), z.detach().numpy(), **tolerance)
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), **tolerance)
    _, indices = F.adaptive_max_pool2d(tg.tensor(x), output_size, return_indices=True)
    _, expected = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), output_size, True)
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())


def test_infinities_give_nan_where_they_cancel_as_in_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    a = np.array([[[[np.inf, -np.inf, 1.0, np.nan], [2.0, np.inf, 3.0, 4.0]]]])
    for ours, theirs in ((F.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d),
                         (F.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d)):
        np.testing.assert_array_equal(ours(tg.tensor(a), (1, 2)).numpy(),
                                      theirs(torch.tensor(a), (1, 2)).numpy())
