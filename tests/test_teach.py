"""Tests for tinygrad_cnn.teach: the exercises of ch. 5 (5-2, 5-4, 5-5, 5-7, 5-8)
reproduced exactly, and every teaching formula checked against autograd."""

import io

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.teach import (
    conv_as_matrix, conv_full, conv_output_size, conv_transpose_as_matrix, cross_correlate,
    cross_correlate_full, explain_backward, rot180, same_padding, summary,
)

# Weights 11, 12, 21, 22 stand for w11, w12, w21, w22: every entry of a result
# says which weights it sums.
W_SYMBOLIC = np.array([[11.0, 12.0], [21.0, 22.0]])
TORCH_REASON = "PyTorch is the parity oracle: pip install torch==2.13.0"


def brute_force_cross_correlate(kernel, x):
    """y_ij = Σ_u Σ_v w_uv x_{i+u, j+v}, four plain loops."""
    (u_size, v_size), (m, n) = kernel.shape, x.shape
    out = np.zeros((m - u_size + 1, n - v_size + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(u_size):
                for v in range(v_size):
                    out[i, j] += kernel[u, v] * x[i + u, j + v]
    return out


def autograd_conv(x, weight, delta, **options):
    """(z, ∂L/∂x) from the engine for a one-channel 2-D input and kernel, float64."""
    x_t = tg.tensor(x[None, None].astype(np.float64), requires_grad=True)
    w_t = tg.tensor(weight[None, None].astype(np.float64))
    z = F.conv2d(x_t, w_t, **options)
    z.backward(tg.tensor(delta.reshape(z.shape).astype(np.float64)))
    return z.numpy()[0, 0], x_t.grad.numpy()[0, 0]


small_arrays = st.tuples(st.integers(1, 5), st.integers(1, 5)).flatmap(
    lambda shape: st.lists(st.integers(-9, 9), min_size=shape[0] * shape[1],
                           max_size=shape[0] * shape[1]).map(
        lambda values: np.array(values, dtype=np.float64).reshape(shape)))


# =========================================================== rot180 and ⊗, ⊗̃

def test_rot180_flips_both_axes():
    np.testing.assert_array_equal(rot180(np.arange(6).reshape(2, 3)), [[5, 4, 3], [2, 1, 0]])


def test_cross_correlate_is_the_textbook_sum():
    rng = np.random.default_rng(0)
    kernel, x = rng.normal(size=(2, 3)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(cross_correlate(kernel, x), brute_force_cross_correlate(kernel, x))
    assert cross_correlate(kernel, x).shape == (3, 3)                    # (M-U+1)×(N-V+1)


def test_cross_correlate_full_pads_kernel_minus_one():
    kernel, x = np.ones((2, 3)), np.arange(12.0).reshape(3, 4)
    full = cross_correlate_full(kernel, x)
    assert full.shape == (4, 6)                                          # (M+U-1)×(N+V-1)
    padded = np.pad(x, ((1, 1), (2, 2)))
    np.testing.assert_allclose(full, brute_force_cross_correlate(kernel, padded))


def test_cross_correlate_rejects_non_2d_and_oversized_kernels():
    with pytest.raises(tg.ShapeError, match="2-D"):
        cross_correlate(np.ones((1, 2, 2)), np.ones((3, 3)))
    with pytest.raises(tg.ShapeError, match="cross_correlate_full"):
        cross_correlate(np.ones((4, 4)), np.ones((3, 3)))


def test_conv_full_matches_np_convolve_in_1d():
    a, b = np.array([1.0, 2.0, -1.0, 3.0]), np.array([0.5, -2.0, 1.0])
    np.testing.assert_allclose(conv_full(a[None], b[None])[0], np.convolve(a, b))
    np.testing.assert_allclose(conv_full(a[:, None], b[:, None])[:, 0], np.convolve(a, b))


def test_conv_full_is_a_true_convolution_by_definition():
    """(a ∗ b)_{ij} = Σ_{u,v} a_{uv} b_{i-u, j-v}, summed over every valid index."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 3))
    expected = np.zeros((4, 6))
    for u in range(3):
        for v in range(4):
            expected[u:u + 2, v:v + 3] += a[u, v] * b
    np.testing.assert_allclose(conv_full(a, b), expected)


@settings(max_examples=40, deadline=None)
@given(small_arrays, small_arrays)
def test_exercise_5_2_wide_convolution_commutes(w, x):
    """rot180(W) ⊗̃ X = rot180(X) ⊗̃ W, i.e. W ∗̃ X = X ∗̃ W."""
    np.testing.assert_allclose(cross_correlate_full(rot180(w), x),
                               cross_correlate_full(rot180(x), w))
    np.testing.assert_allclose(conv_full(w, x), conv_full(x, w))
    assert conv_full(w, x).shape == (w.shape[0] + x.shape[0] - 1, w.shape[1] + x.shape[1] - 1)


def test_narrow_cross_correlation_does_not_commute():
    """The exercise's point: only the *wide* form lets W and X trade places."""
    w, x = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, 3.0]])
    assert cross_correlate(w, x).shape != cross_correlate_full(w, x).shape
    assert not np.allclose(cross_correlate_full(w, x), cross_correlate_full(x, w))


def test_conv_full_matches_torch():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(3, 2))
    # torch's conv2d is a cross-correlation: flip b and pad U-1, V-1 to get the true full one
    flipped = torch.tensor(b).flip(0, 1)[None, None]
    expected = torch.nn.functional.conv2d(torch.tensor(a)[None, None], flipped,
                                          padding=(2, 1))[0, 0].numpy()
    np.testing.assert_allclose(conv_full(a, b), expected)


# =========================================================== exercise 5-5 and 5-7

def test_exercise_5_5_the_4x9_matrix():
    w11, w12, w21, w22 = 11, 12, 21, 22
    expected = [[w11, w12, 0, w21, w22, 0, 0, 0, 0],
                [0, w11, w12, 0, w21, w22, 0, 0, 0],
                [0, 0, 0, w11, w12, 0, w21, w22, 0],
                [0, 0, 0, 0, w11, w12, 0, w21, w22]]
    matrix = conv_as_matrix(W_SYMBOLIC, (3, 3))
    assert matrix.shape == (4, 9)
    np.testing.assert_array_equal(matrix, expected)


def test_exercise_5_5_forward_is_M_times_vec_x():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    z, _ = autograd_conv(x, W_SYMBOLIC, np.ones((2, 2)))
    np.testing.assert_allclose(conv_as_matrix(W_SYMBOLIC, (3, 3)) @ x.ravel(), z.ravel())


def test_exercise_5_7_backward_is_M_transpose_times_vec_delta():
    delta = np.array([[1.0, -2.0], [3.0, 0.5]])
    _, grad = autograd_conv(np.zeros((3, 3)), W_SYMBOLIC, delta)
    matrix = conv_as_matrix(W_SYMBOLIC, (3, 3))
    np.testing.assert_allclose(matrix.T @ delta.ravel(), grad.ravel())
    # and Mᵀ δ is the full cross-correlation with rot180(W)
    np.testing.assert_allclose(matrix.T @ delta.ravel(),
                               cross_correlate_full(rot180(W_SYMBOLIC), delta).ravel())
    np.testing.assert_array_equal(conv_transpose_as_matrix(W_SYMBOLIC, (3, 3)), matrix.T)


@pytest.mark.parametrize("input_hw, kernel_shape, options", [
    ((5, 5), (3, 3), dict(stride=2, padding=1)),
    ((6, 7), (3, 2), dict(stride=(2, 1), padding=(1, 0))),
    ((7, 6), (3, 3), dict(stride=2, padding=1, dilation=2)),
    ((6, 6), (3, 3), dict(stride=3, padding=2)),    # stride does not divide: rows never read
    ((4, 4), (1, 1), dict()),
])
def test_matrix_forward_and_backward_match_autograd_strided_padded(input_hw, kernel_shape, options):
    rng = np.random.default_rng(3)
    x, weight = rng.normal(size=input_hw), rng.normal(size=kernel_shape)
    matrix = conv_as_matrix(weight, input_hw, **options)
    z_shape = F.conv2d(tg.zeros(1, 1, *input_hw), tg.zeros(1, 1, *kernel_shape),
                       **options).shape[2:]
    delta = rng.normal(size=z_shape)
    z, grad = autograd_conv(x, weight, delta, **options)
    assert matrix.shape == (z.size, x.size)
    np.testing.assert_allclose(matrix @ x.ravel(), z.ravel(), atol=1e-12)
    np.testing.assert_allclose(matrix.T @ delta.ravel(), grad.ravel(), atol=1e-12)


def test_matrix_with_padding_drops_the_padding_columns():
    """3×3 input, 2×2 kernel, padding 1: 16 outputs, still 9 columns; the corner
    output z_00 only sees x_00 through w22."""
    matrix = conv_as_matrix(W_SYMBOLIC, (3, 3), padding=1)
    assert matrix.shape == (16, 9)
    np.testing.assert_array_equal(matrix[0], [22, 0, 0, 0, 0, 0, 0, 0, 0])
    interior = conv_as_matrix(W_SYMBOLIC, (3, 3))[0]
    np.testing.assert_array_equal(matrix[5], interior)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2**16))
def test_matrix_matches_autograd_on_random_shapes(h, w, kh, kw, stride, padding, dilation, seed):
    span_h, span_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
    assume(h + 2 * padding >= span_h and w + 2 * padding >= span_w)
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    options = dict(stride=stride, padding=padding, dilation=dilation)
    matrix = conv_as_matrix(weight, (h, w), **options)
    delta = rng.normal(size=matrix.shape[0])
    z, grad = autograd_conv(x, weight, delta, **options)
    np.testing.assert_allclose(matrix @ x.ravel(), z.ravel(), atol=1e-12)
    np.testing.assert_allclose(matrix.T @ delta, grad.ravel(), atol=1e-12)


def test_conv_transpose_matrix_matches_conv_transpose2d():
    if not hasattr(F, "conv_transpose2d"):
        pytest.skip("nn.functional has no conv_transpose2d")
    rng = np.random.default_rng(4)
    weight, small = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    up = F.conv_transpose2d(tg.tensor(small[None, None]), tg.tensor(weight[None, None]),
                            stride=2, padding=1)                      # (1, 1, 5, 5)
    matrix_t = conv_transpose_as_matrix(weight, (5, 5), stride=2, padding=1)   # (25, 9)
    np.testing.assert_allclose(matrix_t @ small.ravel(), up.numpy().ravel(), atol=1e-12)


def test_conv_as_matrix_rejects_bad_shapes():
    with pytest.raises(tg.ShapeError, match="2-D"):
        conv_as_matrix(np.ones((1, 1, 2, 2)), (3, 3))
    with pytest.raises(tg.ShapeError, match="effective kernel size 3"):
        conv_as_matrix(np.ones((3, 3)), (2, 2))


# =========================================================== exercise 5-8

@pytest.mark.parametrize("kernel_size, dilation, expected", [
    (1, 1, 0), (3, 1, 1), (5, 1, 2), (7, 1, 3), (3, 2, 2), (3, 4, 4), (5, 3, 6),
    (2, 2, 1), (4, 2, 3),
])
def test_exercise_5_8_same_padding(kernel_size, dilation, expected):
    padding = same_padding(kernel_size, dilation)
    assert padding == expected
    # and the engine's convolution really keeps a 9×10 map at 9×10
    x = tg.zeros(1, 1, 9, 10)
    w = tg.zeros(1, 1, kernel_size, kernel_size)
    assert F.conv2d(x, w, padding=padding, dilation=dilation).shape == (1, 1, 9, 10)
    assert conv_output_size(9, kernel_size, padding=padding, dilation=dilation) == 9


def test_same_padding_tuples():
    assert same_padding((3, 5)) == (1, 2)
    assert same_padding((3, 3), dilation=(1, 2)) == (1, 2)


@pytest.mark.parametrize("kernel_size, dilation", [(2, 1), (4, 1), (4, 3), (6, 1)])
def test_same_padding_odd_total_raises_and_explains(kernel_size, dilation):
    total = (kernel_size - 1) * dilation
    with pytest.raises(ValueError) as error:
        same_padding(kernel_size, dilation)
    message = str(error.value)
    assert f"(K-1)·D = {total}" in message and "odd" in message
    assert "PyTorch" in message and "one more on the right" in message
    assert f"{total // 2} on the left/top and {total - total // 2}" in message


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_same_padding_message_agrees_with_torch_padding_same():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x = torch.arange(1.0, 26.0).reshape(1, 1, 5, 5)
    w = torch.ones(1, 1, 2, 2)
    same = torch.nn.functional.conv2d(x, w, padding="same")
    # "0 on the left/top and 1 on the right/bottom"
    manual = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (0, 1, 0, 1)), w)
    assert torch.equal(same, manual)


def test_same_padding_rejects_nonpositive():
    with pytest.raises(ValueError, match="≥ 1"):
        same_padding(0)


# =========================================================== explain_backward: convolution

def test_explain_conv_reproduces_the_worked_example():
    """3×3 input, 2×2 kernel, δ all ones: [[w11, w11+w12, w12], ...]."""
    w11, w12, w21, w22 = W_SYMBOLIC.ravel()
    x = np.arange(1.0, 10.0).reshape(3, 3)
    out = io.StringIO()
    result = explain_backward("conv2d", x, W_SYMBOLIC, file=out)
    expected = [[w11, w11 + w12, w12],
                [w11 + w21, w11 + w12 + w21 + w22, w12 + w22],
                [w21, w21 + w22, w22]]
    np.testing.assert_array_equal(result["delta_prev"], expected)
    np.testing.assert_array_equal(result["delta_prev"],
                                  cross_correlate(rot180(W_SYMBOLIC), np.pad(np.ones((2, 2)), 1)))
    np.testing.assert_array_equal(result["rot180_kernel"], [[22, 21], [12, 11]])
    np.testing.assert_array_equal(result["delta_padded"], np.pad(np.ones((2, 2)), 1))
    # ∂L/∂w11 = δ11 a11 + δ12 a12 + δ21 a21 + δ22 a22 = 1 + 2 + 4 + 5
    assert result["grad_weight"][0, 0] == 12.0
    np.testing.assert_array_equal(result["grad_weight"], [[12, 16], [24, 28]])
    assert result["grad_bias"] == 4.0
    for name in ("delta_prev", "grad_weight", "grad_bias"):
        np.testing.assert_array_equal(result[name], result.autograd[name])
    text = out.getvalue()
    assert text.count("✓ matches autograd") == 3
    assert "rot180(W)" in text and "[[22 21]" in text.replace(".", "")


def test_explain_conv_general_delta_matches_the_per_entry_formula():
    """∂L/∂a11 = δ11 w11, ∂L/∂a12 = δ11 w12 + δ12 w11 (docs/derivations.md)."""
    delta = np.array([[2.0, -1.0], [0.5, 3.0]])
    result = explain_backward("conv2d", np.zeros((3, 3)), W_SYMBOLIC, delta=delta,
                              file=io.StringIO())
    (w11, w12), (d11, d12) = W_SYMBOLIC[0], delta[0]
    assert result["delta_prev"][0, 0] == d11 * w11
    assert result["delta_prev"][0, 1] == d11 * w12 + d12 * w11


def test_explain_conv_stride_padding_shows_zero_insertion_and_crop():
    x = np.arange(25.0).reshape(5, 5)
    weight = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -2.0, 1.0]])
    delta = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    out = io.StringIO()
    result = explain_backward("conv2d", x, weight, bias=np.array([0.5]), stride=2, padding=1,
                              delta=delta, file=out)
    np.testing.assert_array_equal(result["delta_dilated"],
                                  [[1, 0, 2, 0, 3], [0] * 5, [4, 0, 5, 0, 6], [0] * 5,
                                   [7, 0, 8, 0, 9]])
    assert result["delta_padded"].shape == (9, 9)
    assert result["delta_prev_padded"].shape == (7, 7)
    np.testing.assert_array_equal(result["delta_prev"], result["delta_prev_padded"][1:-1, 1:-1])
    _, grad = autograd_conv(x, weight, delta, stride=2, padding=1)
    np.testing.assert_allclose(result["delta_prev"], grad)
    np.testing.assert_allclose(result["delta_prev"].ravel(),
                               conv_as_matrix(weight, (5, 5), stride=2, padding=1).T
                               @ delta.ravel())
    assert result["grad_bias"] == 45.0
    text = out.getvalue()
    assert "insert S-1 zeros" in text and "crop padding" in text
    assert text.count("✓ matches autograd") == 4           # the padded-input step is checked too


def test_explain_conv_stride_that_skips_the_last_row():
    """6×6, 3×3 kernel, stride 2: output 2×2 reads rows 0–4 only; the zero-inserted
    δ keeps the stride-1 size 4×4 and row 5 of δ^{l-1} is zero."""
    rng = np.random.default_rng(5)
    result = explain_backward("conv2d", rng.normal(size=(6, 6)), rng.normal(size=(3, 3)), stride=2,
                              delta=rng.normal(size=(2, 2)), file=io.StringIO())
    assert result["delta_dilated"].shape == (4, 4)
    np.testing.assert_array_equal(result["delta_prev"][5], np.zeros(6))
    np.testing.assert_allclose(result["delta_prev"], result.autograd["delta_prev"])


def test_explain_conv_dilation():
    rng = np.random.default_rng(6)
    weight = rng.normal(size=(2, 2))
    result = explain_backward("conv2d", rng.normal(size=(5, 5)), weight, dilation=2,
                              delta=rng.normal(size=(3, 3)), file=io.StringIO())
    np.testing.assert_array_equal(result["kernel_dilated"],
                                  [[weight[0, 0], 0, weight[0, 1]],
                                   [0, 0, 0],
                                   [weight[1, 0], 0, weight[1, 1]]])
    np.testing.assert_allclose(result["grad_weight"], result.autograd["grad_weight"])


def test_explain_conv_multichannel_sums_over_output_channels_and_matches_torch():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(7)
    x, weight, bias = rng.normal(size=(2, 5, 4)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    delta = rng.normal(size=(3, 2, 4))
    result = explain_backward("conv2d", x[None], weight, bias, stride=(2, 1), padding=(0, 1),
                              dilation=(1, 2), delta=delta, file=io.StringIO())
    x_t = torch.tensor(x[None], requires_grad=True)
    w_t = torch.tensor(weight, requires_grad=True)
    b_t = torch.tensor(bias, requires_grad=True)
    z = torch.nn.functional.conv2d(x_t, w_t, b_t, stride=(2, 1), padding=(0, 1), dilation=(1, 2))
    z.backward(torch.tensor(delta[None]))
    np.testing.assert_allclose(result["z"], z.detach().numpy()[0], atol=1e-12)
    np.testing.assert_allclose(result["delta_prev"], x_t.grad.numpy()[0], atol=1e-12)
    np.testing.assert_allclose(result["grad_weight"], w_t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(result["grad_bias"], b_t.grad.numpy(), atol=1e-12)


def test_explain_conv_accepts_a_module():
    tg.manual_seed(0)
    layer = nn.Conv2d(1, 2, 3, stride=2, padding=1)
    x = np.arange(16.0).reshape(4, 4)
    result = explain_backward(layer, x, file=io.StringIO())
    assert result["delta_prev"].shape == (1, 4, 4)           # two output channels: (C, H, W) layout
    x_t = tg.tensor(x[None, None], dtype=tg.float32, requires_grad=True)
    layer(x_t).sum().backward()
    np.testing.assert_allclose(result["delta_prev"][0], x_t.grad.numpy()[0, 0], rtol=1e-5)
    np.testing.assert_allclose(result["grad_weight"], layer.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(result["grad_bias"], layer.bias.grad.numpy(), rtol=1e-5)


def test_explain_conv_module_with_same_padding():
    layer = nn.Conv2d(1, 1, 3, padding="same", dilation=2)
    result = explain_backward(layer, np.ones((5, 5)), file=io.StringIO())
    assert result["delta_prev"].shape == (1, 5, 5)
    assert result["delta_prev_padded"].shape == (1, 9, 9)            # P = (3-1)·2/2 = 2
    with pytest.raises(ValueError, match="odd"):
        explain_backward(nn.Conv2d(1, 1, 2, padding="same"), np.ones((4, 4)), file=io.StringIO())


def test_explain_conv_bad_arguments():
    expected = r"delta must have the layer's output shape \(1, 2, 2\)"
    with pytest.raises(tg.ShapeError, match=expected):
        explain_backward("conv2d", np.ones((3, 3)), np.ones((2, 2)), delta=np.ones((3, 3)),
                         file=io.StringIO())
    with pytest.raises(tg.ShapeError, match="C_in = 1"):
        explain_backward("conv2d", np.ones((3, 3)), np.ones((1, 2, 2, 2)), file=io.StringIO())
    with pytest.raises(TypeError, match="weight is required"):
        explain_backward("conv2d", np.ones((3, 3)), file=io.StringIO())
    with pytest.raises(ValueError, match="unknown kind"):
        explain_backward("lstm", np.ones((3, 3)), file=io.StringIO())
    with pytest.raises(TypeError, match="cannot explain a ReLU"):
        explain_backward(nn.ReLU(), np.ones((3, 3)), file=io.StringIO())


# =========================================================== explain_backward: pooling

# maxima at top-left, bottom-right, top-right, bottom-left of the four 2×2 windows
X_POOL = np.array([[9.0, 1.0, 2.0, 3.0],
                   [1.0, 1.0, 3.0, 9.0],
                   [1.0, 9.0, 1.0, 1.0],
                   [1.0, 1.0, 9.0, 1.0]])
DELTA_POOL = np.array([[2.0, 8.0], [4.0, 6.0]])


def test_explain_max_pool_reproduces_the_worked_example():
    out = io.StringIO()
    result = explain_backward("max_pool2d", X_POOL, kernel_size=2, delta=DELTA_POOL, file=out)
    np.testing.assert_array_equal(result["delta_prev"], [[2, 0, 0, 0],
                                                         [0, 0, 0, 8],
                                                         [0, 4, 0, 0],
                                                         [0, 0, 6, 0]])
    np.testing.assert_array_equal(result["argmax_positions"], [[[0, 0], [1, 3]], [[2, 1], [3, 2]]])
    np.testing.assert_array_equal(result["z"], [[9, 9], [9, 9]])
    np.testing.assert_array_equal(result["delta_prev"], result.autograd["delta_prev"])
    text = out.getvalue()
    assert "(2, 4) ← δ=8" in text and text.count("✓ matches autograd") == 1   # 1-based, a_24
    zero_based = explain_backward("max_pool2d", X_POOL, kernel_size=2, delta=DELTA_POOL,
                                  index_base=0, file=False)
    assert "(1, 3) ← δ=8" in str(zero_based)


def test_explain_avg_pool_reproduces_the_worked_example():
    out = io.StringIO()
    result = explain_backward("avg_pool2d", X_POOL, kernel_size=2, delta=DELTA_POOL, file=out)
    expected = [[0.5, 0.5, 2.0, 2.0],
                [0.5, 0.5, 2.0, 2.0],
                [1.0, 1.0, 1.5, 1.5],
                [1.0, 1.0, 1.5, 1.5]]
    np.testing.assert_array_equal(result["delta_prev"], expected)
    # up(δ)/k²: the Kronecker product with a block of ones
    np.testing.assert_array_equal(result["delta_prev"], np.kron(DELTA_POOL, np.ones((2, 2))) / 4)
    np.testing.assert_array_equal(result["delta_prev"], result.autograd["delta_prev"])
    assert "up(δ)/k²" in out.getvalue()


def test_up_is_the_kronecker_product():
    np.testing.assert_array_equal(np.kron([[1, 3], [2, 4]], np.ones((2, 2), dtype=int)),
                                  [[1, 1, 3, 3], [1, 1, 3, 3], [2, 2, 4, 4], [2, 2, 4, 4]])


@pytest.mark.parametrize("kind", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("kernel_size, stride, padding", [(3, 2, 1), (2, 1, 0), (3, 3, 0)])
def test_explain_pool_overlapping_padded_windows_match_torch(kind, kernel_size, stride, padding):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(8)
    x = rng.permutation(2 * 7 * 6).reshape(2, 7, 6).astype(np.float64)     # distinct: no ties
    pool = getattr(torch.nn.functional, kind)
    x_t = torch.tensor(x[None], requires_grad=True)
    z = pool(x_t, kernel_size, stride=stride, padding=padding)
    delta = rng.normal(size=z.shape[1:])
    z.backward(torch.tensor(delta[None]))
    result = explain_backward(kind, x, kernel_size=kernel_size, stride=stride, padding=padding,
                              delta=delta, file=io.StringIO())
    np.testing.assert_allclose(result["z"], z.detach().numpy()[0], atol=1e-12)
    np.testing.assert_allclose(result["delta_prev"], x_t.grad.numpy()[0], atol=1e-12)


def test_explain_pool_accepts_modules():
    max_result = explain_backward(nn.MaxPool2d(2), X_POOL, delta=DELTA_POOL, file=io.StringIO())
    avg_result = explain_backward(nn.AvgPool2d(2), X_POOL, delta=DELTA_POOL, file=io.StringIO())
    assert max_result.kind == "max_pool2d" and avg_result.kind == "avg_pool2d"
    assert max_result["delta_prev"][1, 3] == 8.0
    assert avg_result["delta_prev"][3, 3] == 1.5


def test_explain_pool_needs_kernel_size():
    with pytest.raises(TypeError, match="kernel_size is required"):
        explain_backward("max_pool2d", X_POOL, file=io.StringIO())


def test_explain_prints_to_stdout_by_default(capsys):
    explain_backward("max_pool2d", X_POOL, kernel_size=2, delta=DELTA_POOL)
    assert "✓ matches autograd" in capsys.readouterr().out


# =========================================================== summary (exercise 5-4)

class LeNet5(nn.Module):
    """The modern LeNet-5: 28×28 input padded by 2, max pooling, full C3."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def test_summary_lenet5_rows():
    info = summary(LeNet5(), (1, 1, 28, 28))
    rows = {row.name: row for row in info.rows}
    assert [row.name for row in info.rows] == [
        "features.0", "features.1", "features.2", "features.3", "features.4", "features.5",
        "classifier.0", "classifier.1", "classifier.2", "classifier.3", "classifier.4"]
    expected = {  # name: (type, output shape, params, MACs)
        "features.0": ("Conv2d", (1, 6, 28, 28), 156, 28 * 28 * 6 * 25),
        "features.2": ("MaxPool2d", (1, 6, 14, 14), 0, 0),
        "features.3": ("Conv2d", (1, 16, 10, 10), 2_416, 10 * 10 * 16 * 150),
        "features.5": ("MaxPool2d", (1, 16, 5, 5), 0, 0),
        "classifier.0": ("Linear", (1, 120), 48_120, 48_000),
        "classifier.2": ("Linear", (1, 84), 10_164, 10_080),
        "classifier.4": ("Linear", (1, 10), 850, 840),
    }
    for name, (kind, shape, params, macs) in expected.items():
        assert (rows[name].type, rows[name].output_shape, rows[name].params, rows[name].macs) == \
            (kind, shape, params, macs), name
    assert rows["features.0"].macs == 117_600 and rows["features.3"].macs == 240_000
    assert rows["features.1"].activations == 6 * 28 * 28
    assert info.total_params == info.trainable_params == 61_706
    assert info.total_macs == 117_600 + 240_000 + 48_000 + 10_080 + 840
    assert info.total_activations == sum(row.activations for row in info.rows)


def test_summary_str_has_thousands_separators():
    text = str(summary(LeNet5(), (1, 1, 28, 28)))
    assert "Total params: 61,706" in text
    assert "Total MACs: 416,520" in text
    assert "48,120" in text and "117,600" in text and "[1, 16, 10, 10]" in text
    assert "features.3 (Conv2d)" in text


def test_summary_counts_are_per_sample_and_restore_forward():
    model = LeNet5()
    one, four = summary(model, (1, 1, 28, 28)), summary(model, (4, 1, 28, 28))
    assert one.total_macs == four.total_macs and one.total_activations == four.total_activations
    assert four.rows[0].output_shape == (4, 6, 28, 28)
    for _, module in model.named_modules():
        assert "forward" not in vars(module)                       # the wrappers are gone
    x = tg.randn(2, 1, 28, 28)
    assert model(x).shape == (2, 10)


def test_summary_restores_forward_after_an_error():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(5, 3))    # last dim 4, not 5
    with pytest.raises(Exception):
        summary(model, (1, 1, 6, 6))
    assert all("forward" not in vars(module) for module in model.modules())


def test_summary_groups_and_shared_modules():
    conv = nn.Conv2d(4, 8, 3, padding=1, groups=2, bias=False)
    info = summary(conv, (1, 4, 5, 5))
    assert info.rows[0].name == "Conv2d"                            # the model itself is the leaf
    assert info.rows[0].params == 8 * 2 * 9
    assert info.total_macs == 5 * 5 * 8 * (4 // 2) * 9
    shared = nn.Linear(3, 3)
    twice = summary(nn.Sequential(shared, nn.ReLU(), shared), (2, 3))
    assert [row.name for row in twice.rows] == ["0", "1", "0"]      # called twice: two rows
    assert twice.total_params == 12 and twice.total_macs == 18


def _exercise_5_4_small(size):
    plain = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1, bias=False))
    bottleneck = nn.Sequential(nn.Conv2d(256, 64, 1, bias=False),
                               nn.Conv2d(64, 256, 3, padding=1, bias=False))
    return summary(plain, (1, 256, size, size)), summary(bottleneck, (1, 256, size, size))


def test_exercise_5_4_cost_formulas_on_a_small_map():
    plain, bottleneck = _exercise_5_4_small(6)
    m2 = 6 * 6
    assert plain.total_macs == m2 * 9 * 256 * 256
    assert bottleneck.total_macs == m2 * 256 * 64 + m2 * 9 * 64 * 256
    assert plain.total_params == 589_824 and bottleneck.total_params == 16_384 + 147_456
    assert plain.total_activations == m2 * 256 and bottleneck.total_activations == m2 * (64 + 256)


def test_exercise_5_4_full_size():
    """100×100×256 → 3×3 conv → 100×100×256, with and without a 1×1 bottleneck to 64."""
    plain, bottleneck = _exercise_5_4_small(100)
    assert plain.total_macs == 5_898_240_000
    assert plain.total_params == 589_824
    assert plain.total_activations == 2_560_000
    assert plain.total_params + plain.total_activations == 3_149_824
    assert [row.macs for row in bottleneck.rows] == [163_840_000, 1_474_560_000]
    assert bottleneck.total_macs == 1_638_400_000
    assert bottleneck.total_params == 163_840
    assert [row.activations for row in bottleneck.rows] == [640_000, 2_560_000]
    assert bottleneck.total_activations == 3_200_000
    assert bottleneck.total_params + bottleneck.total_activations == 3_363_840
    assert "5,898,240,000" in str(plain) and "1,638,400,000" in str(bottleneck)
