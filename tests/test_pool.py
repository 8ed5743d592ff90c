"""max_pool2d and avg_pool2d: DERIVATIONS.md's worked example, overlapping
windows, ties, float64 gradchecks, PyTorch parity and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F

FAST = settings(max_examples=25, deadline=None)
DELTA = np.array([[[[2.0, 8.0], [4.0, 6.0]]]])


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- textbook example

def test_worked_example_max_pooling_routes_delta_to_the_recorded_maxima():
    # maxima at top-left, bottom-right, top-right, bottom-left of the four 2x2 windows
    x = leaf([[0.1, 0.0, 0.2, 0.3],
              [0.0, 0.0, 0.1, 0.9],
              [0.3, 0.8, 0.1, 0.0],
              [0.1, 0.2, 0.7, 0.2]])
    F.max_pool2d(x.reshape(1, 1, 4, 4), 2).backward(DELTA)
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 0, 0, 0],
                                                   [0, 0, 0, 8],
                                                   [0, 4, 0, 0],
                                                   [0, 0, 6, 0]])


def test_worked_example_average_pooling_spreads_delta_evenly():
    x = leaf(np.zeros((1, 1, 4, 4)))
    F.avg_pool2d(x, 2).backward(DELTA)
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0.5, 0.5, 2.0, 2.0],
                                                         [0.5, 0.5, 2.0, 2.0],
                                                         [1.0, 1.0, 1.5, 1.5],
                                                         [1.0, 1.0, 1.5, 1.5]])


def test_average_backward_is_up_sampling_by_kronecker_product():
    # up([[1, 3], [2, 4]]) = kron(δ, ones(2, 2)); avg pooling sends up(δ) / (k·k)
    delta = np.array([[1.0, 3.0], [2.0, 4.0]])
    x = leaf(np.zeros((1, 1, 4, 4)))
    F.avg_pool2d(x, 2).backward(delta.reshape(1, 1, 2, 2))
    up = [[1, 1, 3, 3], [1, 1, 3, 3], [2, 2, 4, 4], [2, 2, 4, 4]]
    np.testing.assert_array_equal(x.grad.numpy()[0, 0] * 4, up)
    np.testing.assert_array_equal(up, np.kron(delta, np.ones((2, 2))))


def test_forward_values_by_hand():
    x = tg.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(x, 2).numpy()[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).numpy()[0, 0], [[2.5, 4.5], [10.5, 12.5]])


# ---------------------------------------------------------------- overlap, ties, padding

def test_overlapping_max_windows_accumulate():
    # 3x3 windows, stride 1, on a 4x4 map whose maximum is at (1, 2): all four windows contain it
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 2] = 5.0
    leaf_x = leaf(x)
    delta = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    F.max_pool2d(leaf_x, 3, stride=1).backward(delta)
    expected = np.zeros((4, 4))
    expected[1, 2] = 1 + 2 + 3 + 4
    np.testing.assert_array_equal(leaf_x.grad.numpy()[0, 0], expected)


def test_overlapping_avg_windows_accumulate():
    # with δ all ones, each entry receives (number of windows covering it) / 9
    x = leaf(np.zeros((1, 1, 4, 4)))
    F.avg_pool2d(x, 3, stride=1).backward(np.ones((1, 1, 2, 2)))
    covers = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_allclose(x.grad.numpy()[0, 0], covers / 9)


def test_max_pool_ties_go_to_the_first_position_in_row_major_order():
    x = leaf(np.ones((1, 1, 4, 4)))                         # every window is a tie
    F.max_pool2d(x, 2).backward(DELTA)
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[2, 0, 8, 0],
                                                         [0, 0, 0, 0],
                                                         [4, 0, 6, 0],
                                                         [0, 0, 0, 0]])
    # a tie between the second and fourth entries of a window: the second wins
    y = leaf([[[[0.0, 3.0], [1.0, 3.0]]]])
    F.max_pool2d(y, 2).backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(y.grad.numpy()[0, 0], [[0, 1], [0, 0]])


def test_max_pool_padding_is_minus_infinity_and_avg_padding_counts():
    x = tg.tensor(-np.ones((1, 1, 2, 2)))
    assert F.max_pool2d(x, 2, stride=1, padding=1).numpy().max() == -1.0
    ones = tg.tensor(np.ones((1, 1, 2, 2)))
    np.testing.assert_allclose(F.avg_pool2d(ones, 2, 1, 1).numpy()[0, 0],
                               [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    np.testing.assert_allclose(F.avg_pool2d(ones, 2, 1, 1, count_include_pad=False).numpy(),
                               np.ones((1, 1, 3, 3)))


def test_stride_defaults_to_the_kernel_and_pairs_work():
    x = tg.zeros(1, 1, 6, 8)
    assert F.max_pool2d(x, 2).shape == (1, 1, 3, 4)
    assert F.max_pool2d(x, (2, 4)).shape == (1, 1, 3, 2)
    assert F.avg_pool2d(x, (3, 2), stride=(1, 2), padding=(1, 0)).shape == (1, 1, 6, 4)


def test_pool_nodes_are_named_like_pytorch():
    x = leaf(np.ones((1, 1, 4, 4)))
    assert F.max_pool2d(x, 2).grad_fn.name == "max_pool2d"
    assert F.avg_pool2d(x, 2).grad_fn.name == "avg_pool2d"
    assert F.max_pool2d(x, 2).grad_fn.parents == (x,)


def test_float32_stays_float32():
    x = tg.tensor(np.ones((1, 2, 4, 4), dtype=np.float32), requires_grad=True)
    for pool in (F.max_pool2d, F.avg_pool2d):
        y = pool(x, 3, 1, 1)
        assert y.dtype == np.float32
        y.backward(np.ones(y.shape, dtype=np.float32), retain_graph=True)
        assert y.grad_fn.grad_inputs[0].dtype == np.float32


# ---------------------------------------------------------------- gradcheck, PyTorch

@st.composite
def pool_geometry(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    h = max(1, kernel[0] - 2 * padding[0]) + draw(st.integers(0, 4))
    w = max(1, kernel[1] - 2 * padding[1]) + draw(st.integers(0, 4))
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), kernel, stride, padding


@FAST
@given(pool_geometry(), st.integers(0, 2**16), st.booleans())
def test_pool_gradcheck(geometry, seed, count_include_pad):
    shape, kernel, stride, padding = geometry
    # a permutation keeps entries distinct, so no window's maximum is tied
    x = leaf(np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 10.0)
    assert tg.gradcheck(lambda t: F.max_pool2d(t, kernel, stride, padding), (x,))
    assert tg.gradcheck(lambda t: F.avg_pool2d(t, kernel, stride, padding, count_include_pad), (x,))


@settings(max_examples=30, deadline=None)
@given(pool_geometry(), st.integers(0, 2**16), st.booleans(), st.sampled_from(["float64", "float32"]))
def test_pools_match_pytorch(geometry, seed, count_include_pad, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    shape, kernel, stride, padding = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x[..., 0, :] = x[..., 0, :1]                          # some ties too: PyTorch also takes the first
    cases = [(F.max_pool2d, torch.nn.functional.max_pool2d, {}),
             (F.avg_pool2d, torch.nn.functional.avg_pool2d,
              {"count_include_pad": count_include_pad})]
    tolerance = dict(rtol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    for ours, theirs, extra in cases:
        mine = tg.tensor(x, requires_grad=True)
        other = torch.tensor(x, requires_grad=True)
        y = ours(mine, kernel, stride, padding, **extra)
        z = theirs(other, kernel, stride, padding, **extra)
        delta = rng.standard_normal(y.shape).astype(dtype)
        y.backward(delta)
        z.backward(torch.tensor(delta))
        np.testing.assert_allclose(y.numpy(), z.detach().numpy(), **tolerance)
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), **tolerance)


# ---------------------------------------------------------------- errors

def test_pool_errors():
    x = tg.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) must be at most half "
                                         r"the kernel size \(3, 3\)"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(ShapeError, match=r"avg_pool2d: expected a 4-D input \(N, C, H, W\), "
                                         r"got \(4, 4\) float32"):
        F.avg_pool2d(tg.zeros(4, 4), 2)
    with pytest.raises(ShapeError, match="max_pool2d: kernel .* is larger than the padded input"):
        F.max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"max_pool2d: stride must be >= 1, got \(0, 0\)"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match="kernel_size must be an int or a pair"):
        F.max_pool2d(x, (2, 2, 2))
    with pytest.raises(DTypeError, match="floating-point"):
        F.max_pool2d(tg.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
