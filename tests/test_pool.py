"""max_pool2d, avg_pool2d and max_unpool2d: docs/derivations.md's worked example,
overlapping windows, ties, NaN and -inf, dilation, ceil_mode, indices,
unbatched and empty inputs, float64 gradchecks, PyTorch parity and the errors."""
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
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
    assert tg.gradcheck(lambda t: F.avg_pool2d(t, kernel, stride, padding, count_include_pad=count_include_pad), (x,))


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

def test_pool_errors_name_the_op_the_input_and_the_argument():
    x = tg.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) must be at most half "
                                         r"the kernel size \(3, 3\).*input \(1, 1, 4, 4\) float32"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(ShapeError, match=r"avg_pool2d: expected a 3-D \(C, H, W\) or 4-D "
                                         r"\(N, C, H, W\) input, got \(4, 4\) float32"):
        F.avg_pool2d(tg.zeros(4, 4), 2)
    with pytest.raises(ShapeError, match=r"max_pool2d: kernel \(5, 5\) .* gives an output of "
                                         r"size \(0, 0\), too small; input \(1, 1, 4, 4\)"):
        F.max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"max_pool2d: stride must be >= 1, got \(0, 0\); "
                                         r"input \(1, 1, 4, 4\) float32"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match="kernel_size must be an int or a pair.*input"):
        F.max_pool2d(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"max_pool2d: dilation must be >= 1.*input \(1, 1, 4, 4\)"):
        F.max_pool2d(x, 2, dilation=0)
    with pytest.raises(DTypeError, match="floating-point"):
        F.max_pool2d(tg.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(ShapeError, match=r"max_pool2d: expected non-zero C, H and W.*\(1, 0, 4, 4\)"):
        F.max_pool2d(tg.zeros(1, 0, 4, 4), 2)
    with pytest.raises(ValueError, match=r"avg_pool2d: divisor_override must be a non-zero int, "
                                         r"got 0; input \(1, 1, 4, 4\)"):
        F.avg_pool2d(x, 2, divisor_override=0)


def test_rejections_agree_with_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    calls = [((1, 1, 4, 4), dict(kernel_size=3, padding=2)), ((1, 1, 4, 4), dict(kernel_size=5)),
             ((1, 1, 4, 4), dict(kernel_size=2, stride=0)), ((4, 4), dict(kernel_size=2)),
             ((1, 0, 4, 4), dict(kernel_size=2)), ((1, 1, 3, 3), dict(kernel_size=2, dilation=3)),
             ((1, 1, 4, 4), dict(kernel_size=2, padding=1)), ((0, 1, 4, 4), dict(kernel_size=3))]
    for shape, kwargs in calls:
        for ours, theirs in ((F.max_pool2d, torch.nn.functional.max_pool2d),
                             (F.avg_pool2d, torch.nn.functional.avg_pool2d)):
            if "dilation" in kwargs and ours is F.avg_pool2d:
                continue
            try:
                theirs(torch.zeros(shape), **kwargs)
                torch_rejects = False
            except (RuntimeError, IndexError):
                torch_rejects = True
            if torch_rejects:     # PyTorch raises RuntimeError or IndexError; ours are ValueErrors
                with pytest.raises(ValueError, match=ours.__name__ + ".*" + re.escape(str(shape))):
                    ours(tg.zeros(*shape), **kwargs)
            else:
                assert ours(tg.zeros(*shape), **kwargs).shape == tuple(theirs(
                    torch.zeros(shape), **kwargs).shape)


# ---------------------------------------------------------------- dilation, ceil_mode, indices

def test_ceil_mode_output_size_rule_by_hand():
    # H = 5, k = 2, S = 2: floor gives 2 windows, ceil 3 (the last reads row 4 and one pad row)
    x = tg.tensor(np.arange(25.0).reshape(1, 1, 5, 5))
    np.testing.assert_array_equal(F.max_pool2d(x, 2, ceil_mode=True).numpy()[0, 0],
                                  [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    # H = 5, k = 2, S = 2, P = 1: ceil would give 4, but window 3 starts at row 6-1 = 5 >= H + P
    # - beyond the input and the left padding - so PyTorch drops it: 3 windows
    assert F.max_pool2d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    # avg: the overhanging window counts only what lies inside the padded input
    np.testing.assert_array_equal(F.avg_pool2d(tg.ones(1, 1, 3, 3), 2, ceil_mode=True).numpy()[0, 0],
                                  [[1, 1], [1, 1]])
    np.testing.assert_array_equal(
        F.avg_pool2d(tg.ones(1, 1, 3, 3), 2, ceil_mode=True, divisor_override=4).numpy()[0, 0],
        [[1, 0.5], [0.5, 0.25]])


def test_dilated_max_pool_by_hand_and_indices():
    x = leaf(np.arange(25.0).reshape(1, 1, 5, 5))
    # k = 2, D = 2: window (0, 0) reads rows/cols 0 and 2; its maximum is a_{22} = 12
    y, indices = F.max_pool2d(x, 2, stride=1, dilation=2, return_indices=True)
    assert y.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[12, 13, 14], [17, 18, 19], [22, 23, 24]])
    np.testing.assert_array_equal(indices.numpy()[0, 0], [[12, 13, 14], [17, 18, 19], [22, 23, 24]])
    assert indices.dtype == np.int64
    y.backward(np.ones(y.shape))
    expected = np.zeros((5, 5))
    expected[2:, 2:] = 1
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_indices_are_flat_positions_in_the_unpadded_plane():
    x = tg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    _, indices = F.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    np.testing.assert_array_equal(indices.numpy()[0, 0], [[0, 1, 1], [2, 3, 3], [2, 3, 3]])


def test_nan_gets_the_gradient_and_propagates():
    # a NaN window routes δ to its last NaN (PyTorch's scan), the tie window to its first 2
    x = leaf([[[[np.nan, 1.0, np.nan, 2.0, 2.0, 2.0]]]])
    y, indices = F.max_pool2d(x, (1, 3), return_indices=True)
    assert np.isnan(y.numpy()[0, 0, 0, 0]) and y.numpy()[0, 0, 0, 1] == 2.0
    np.testing.assert_array_equal(indices.numpy()[0, 0, 0], [2, 3])
    y.backward(np.array([[[[5.0, 7.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, 0], [0, 0, 5, 7, 0, 0])


def test_all_minus_infinity_windows_never_route_into_the_padding():
    # every window holds real -inf entries next to padding: δ must land on the first real
    # entry, so the gradient sums to the number of windows (4), as in PyTorch
    x = leaf(np.full((1, 1, 2, 2), -np.inf))
    y = F.max_pool2d(x, 2, stride=1, padding=1)
    y.backward(np.ones((1, 1, 3, 3)))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[4, 2], [2, 1]])


def test_an_infinite_or_nan_delta_reaches_only_the_recorded_maximum():
    # each 2×2 window sends δ to its maximum alone: the other positions get exactly 0,
    # not inf·0 = NaN (what PyTorch gives, checked by hand against it)
    x = leaf(np.arange(16.0).reshape(1, 1, 4, 4))
    y = F.max_pool2d(x, 2)
    y.backward(np.array([[[[np.inf, 1.0], [np.nan, 2.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 0, 0, 0],
                                                          [0, np.inf, 0, 1],
                                                          [0, 0, 0, 0],
                                                          [0, np.nan, 0, 2]])


def test_avg_pool_of_opposite_infinities_is_nan_as_in_pytorch():
    x = tg.tensor([[[[np.inf, -np.inf, 1.0, np.inf]]]], dtype=tg.float64)
    y = F.avg_pool2d(x, (1, 2), ceil_mode=True)
    assert np.isnan(y.numpy()[0, 0, 0, 0]) and y.numpy()[0, 0, 0, 1] == np.inf


def test_unbatched_and_empty_batch():
    rng = np.random.default_rng(3)
    x = leaf(rng.standard_normal((2, 5, 5)))
    for pool, extra in ((F.max_pool2d, {}), (F.avg_pool2d, {"count_include_pad": False})):
        y = pool(x, 3, 2, 1, ceil_mode=True, **extra)
        batched = pool(tg.tensor(x.numpy()[None]), 3, 2, 1, ceil_mode=True, **extra)
        np.testing.assert_array_equal(y.numpy(), batched.numpy()[0])
        y.sum().backward()
        assert x.grad.shape == (2, 5, 5)
        x.grad = None
        empty = leaf(np.zeros((0, 2, 5, 5)))
        out = pool(empty, 2)
        assert out.shape == (0, 2, 2, 2)
        out.sum().backward()
        assert empty.grad.shape == (0, 2, 5, 5)
    y, indices = F.max_pool2d(tg.zeros(0, 2, 4, 4), 2, return_indices=True)
    assert F.max_unpool2d(y, indices, 2).shape == (0, 2, 4, 4)


def test_modules_take_every_option():
    x = tg.tensor(np.random.default_rng(4).standard_normal((1, 2, 7, 7)))
    pool = tg.nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True, return_indices=True)
    y, indices = pool(x)
    z, expected = F.max_pool2d(x, 3, 2, 1, 2, True, True)
    np.testing.assert_array_equal(y.numpy(), z.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())
    avg = tg.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False, divisor_override=2)
    np.testing.assert_array_equal(avg(x).numpy(), F.avg_pool2d(x, 3, 2, 1, True, False, 2).numpy())


# ---------------------------------------------------------------- max_unpool2d

def test_max_unpool_puts_values_back_and_reads_delta_back():
    x = leaf([[[[1.0, 2.0], [3.0, 4.0]]]])
    indices = tg.tensor(np.array([[[[0, 5], [10, 15]]]]))
    y = F.max_unpool2d(x, indices, 2)
    expected = np.zeros(16)
    expected[[0, 5, 10, 15]] = [1, 2, 3, 4]
    np.testing.assert_array_equal(y.numpy().reshape(16), expected)
    delta = np.arange(16.0).reshape(1, 1, 4, 4)
    y.backward(delta)
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 5], [10, 15]])
    assert y.grad_fn.name == "max_unpool2d" and y.grad_fn.parents[0] is x
    assert F.max_unpool2d(x, indices, 2, output_size=(5, 5)).shape == (1, 1, 5, 5)
    assert tg.gradcheck(lambda t: F.max_unpool2d(t, indices, 2), (x,))
    assert repr(tg.nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"


def test_max_unpool_errors():
    x = tg.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: found an index outside the 4x4 output "
                                         r"planes .*input \(1, 1, 2, 2\)"):
        F.max_unpool2d(x, tg.tensor(np.full((1, 1, 2, 2), 99)), 2)
    with pytest.raises(DTypeError, match="max_unpool2d: indices must be an int64 tensor"):
        F.max_unpool2d(x, tg.zeros(1, 1, 2, 2), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: output_size \(7, 7\) must be"):
        F.max_unpool2d(x, tg.tensor(np.zeros((1, 1, 2, 2), dtype=np.int64)), 2, output_size=(7, 7))


@st.composite
def full_pool_case(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    h, w = (max(1, span - 2 * p) + draw(st.integers(0, 4)) for span, p in zip(spans, padding))
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2)), h, w)
    if draw(st.booleans()):
        shape = shape[1:]                                      # unbatched (C, H, W)
    return dict(shape=shape, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                divisor_override=draw(st.sampled_from([None, 1, 3])))


@FAST
@given(full_pool_case(), st.integers(0, 2**16))
def test_every_option_gradcheck(case, seed):
    shape, k, s, p = case["shape"], case["kernel"], case["stride"], case["padding"]
    x = leaf(np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 10.0)
    assert tg.gradcheck(lambda t: F.max_pool2d(t, k, s, p, case["dilation"], case["ceil_mode"]), (x,))
    assert tg.gradcheck(lambda t: F.avg_pool2d(t, k, s, p, case["ceil_mode"],
                                               case["count_include_pad"],
                                               case["divisor_override"]), (x,))


@settings(max_examples=40, deadline=None)
@given(full_pool_case(), st.integers(0, 2**16), st.sampled_from(["float64", "float32"]))
def test_every_option_matches_pytorch(case, seed, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    tF = torch.nn.functional
    shape, k, s, p, d, ceil = (case[key] for key in
                               ("shape", "kernel", "stride", "padding", "dilation", "ceil_mode"))
    # with dilation a window can read only padding; PyTorch then records an index outside
    # the plane (and its backward writes there): a case we leave out
    assume(np.isfinite(F.max_pool2d(tg.zeros(1, 1, *shape[-2:]), k, s, p, d, ceil).numpy()).all())
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x[..., 0, :] = x[..., 0, :1]                                 # ties
    if rng.random() < 0.3 and x.size:
        x.flat[rng.integers(x.size)] = rng.choice([np.nan, -np.inf, np.inf])
    tolerance = dict(rtol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    avg_options = (ceil, case["count_include_pad"], case["divisor_override"])
    cases = [(lambda t: F.max_pool2d(t, k, s, p, d, ceil), lambda t: tF.max_pool2d(t, k, s, p, d, ceil)),
             (lambda t: F.avg_pool2d(t, k, s, p, *avg_options),
              lambda t: tF.avg_pool2d(t, k, s, p, *avg_options))]
    for ours, theirs in cases:
        mine, other = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, z = ours(mine), theirs(other)
        assert y.shape == tuple(z.shape)
        delta = rng.standard_normal(y.shape).astype(dtype)
        y.backward(delta)
        z.backward(torch.tensor(delta))
        np.testing.assert_allclose(y.numpy(), z.detach().numpy(), **tolerance)
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), **tolerance)
    y, indices = F.max_pool2d(tg.tensor(x), k, s, p, d, ceil, return_indices=True)
    z, expected = tF.max_pool2d(torch.tensor(x), k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())
    if d != (1, 1):
        return                    # unpooling knows no dilation: its default size assumes D = 1
    # unpooling with those indices, forward and backward
    mine, other = tg.tensor(y.numpy(), requires_grad=True), z.detach().requires_grad_()
    unpooled = F.max_unpool2d(mine, indices, k, s, p, output_size=shape[-2:])
    reference = tF.max_unpool2d(other, expected, k, s, p, output_size=shape[-2:])
    np.testing.assert_array_equal(unpooled.numpy(), reference.detach().numpy())
    delta = rng.standard_normal(unpooled.shape).astype(dtype)
    unpooled.backward(delta)
    reference.backward(torch.tensor(delta))
    np.testing.assert_array_equal(mine.grad.numpy(), other.grad.numpy())


@FAST
@given(full_pool_case(), st.integers(0, 2**16), st.booleans())
def test_every_option_equals_the_loop_reference(case, seed, with_specials):
    from tinygrad_cnn.nn import reference as R
    shape, k, s, p, d, ceil = (case[key] for key in
                               ("shape", "kernel", "stride", "padding", "dilation", "ceil_mode"))
    shape = (1,) + shape if len(shape) == 3 else shape             # the reference takes batches
    assume(np.isfinite(F.max_pool2d(tg.zeros(1, 1, *shape[-2:]), k, s, p, d, ceil).numpy()).all())
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, shape).astype(float)                  # many ties
    if with_specials and a.size:
        a.flat[rng.integers(a.size, size=2)] = rng.choice([np.nan, -np.inf, np.inf], size=2)
    x = tg.tensor(a, requires_grad=True)
    y = F.max_pool2d(x, k, s, p, d, ceil)
    delta = rng.standard_normal(y.shape)
    y.backward(delta)
    expected, where = R.max_pool2d(a, k, s, p, d, ceil)
    np.testing.assert_array_equal(y.numpy(), expected)
    np.testing.assert_allclose(x.grad.numpy(), R.max_pool2d_backward(delta, where, shape),
                               rtol=1e-10, atol=1e-14)
    avg = dict(count_include_pad=case["count_include_pad"], divisor_override=case["divisor_override"])
    x.grad = None
    y = F.avg_pool2d(x, k, s, p, ceil, **avg)
    delta = rng.standard_normal(y.shape)
    y.backward(delta)
    with np.errstate(invalid="ignore"):                          # inf + (-inf) in the loops
        expected = R.avg_pool2d(a, k, s, p, ceil_mode=ceil, **avg)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), R.avg_pool2d_backward(delta, shape, k, s, p, **avg),
                               rtol=1e-12, atol=1e-15)
