"""teach.summary: connections as the chapter counts them, ConvTranspose2d MACs,
grouped rows; and teach.conv1d / conv2d, narrow, wide and same (exercise 5-2)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.teach import conv1d, conv2d, summary

TORCH_REASON = "PyTorch is the parity oracle: pip install torch==2.13.0"


def test_connections_of_each_layer_kind():
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.Linear(6 * 13 * 13, 10),
                          nn.Linear(10, 4, bias=False))
    rows = summary(model, (1, 1, 28, 28)).rows
    assert [row.connections for row in rows] == [
        28 * 28 * 6 * (25 + 1),          # conv: every unit reads 25 inputs and the bias
        0,                               # ReLU connects nothing
        14 * 14 * 6 * 4,                 # max pooling: the 2×2 window
        13 * 13 * 6 * 4,                 # average pooling, stride 1
        0,
        10 * (6 * 13 * 13 + 1),
        4 * 10]                          # no bias: no +1


def test_grouped_conv_connections_and_trainable_subsampling():
    rows = summary(nn.Conv2d(4, 6, 3, groups=2), (1, 4, 5, 5)).rows
    assert rows[0].connections == 3 * 3 * 6 * (2 * 9 + 1)

    class Subsampling(nn.AvgPool2d):                 # β·down(a) + b: a window and a bias
        def __init__(self):
            super().__init__(2)
            self.beta = nn.Parameter(tg.ones(6))
            self.bias = nn.Parameter(tg.zeros(6))

        def forward(self, a):
            return super().forward(a) * 4.0 * self.beta.reshape(1, -1, 1, 1) \
                + self.bias.reshape(1, -1, 1, 1)

    row = summary(Subsampling(), (1, 6, 28, 28)).rows[0]
    assert (row.params, row.connections) == (12, 5_880)             # LeNet-5's S2


def test_conv_transpose_macs_and_connections():
    layer = nn.ConvTranspose2d(16, 6, 3, stride=2, padding=1)
    row = summary(layer, (1, 16, 5, 5)).rows[0]
    assert row.output_shape == (1, 6, 9, 9)
    assert row.macs == 5 * 5 * 16 * 6 * 3 * 3                       # each input × its 6·3·3 weights
    assert row.connections == row.macs + 6 * 9 * 9
    grouped = summary(nn.ConvTranspose2d(4, 6, 2, groups=2, bias=False), (1, 4, 3, 3)).rows[0]
    assert grouped.macs == 3 * 3 * 4 * 3 * 2 * 2 == grouped.connections


def test_conv_transpose_macs_equal_the_products_of_a_hand_loop():
    """Count the multiplications of the scatter loop that defines ConvTranspose2d."""
    c_in, c_out, k, size = 3, 2, 3, 4
    products = sum(1 for _ in range(size * size) for _ in range(c_in) for _ in range(c_out)
                   for _ in range(k * k))
    assert summary(nn.ConvTranspose2d(c_in, c_out, k), (1, c_in, size, size)).total_macs == products


def test_total_connections_and_the_table_column():
    info = summary(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)), (1, 1, 6, 6))
    assert info.total_connections == 4 * 4 * 2 * 10 + 2 * 2 * 2 * 4
    text = str(info)
    assert "Connections" in text and "Total connections: 352" in text


def test_grouped_rows_sum_a_block():
    model = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()),
                          nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(2, 3, 1)))
    info = summary(model, (1, 1, 6, 6))
    grouped = info.grouped()
    assert [row.name for row in grouped.rows] == ["0", "1"]
    assert [row.type for row in grouped.rows] == ["Conv2d", "block"]
    assert grouped.rows[0].params == 20 and grouped.rows[1].params == 9
    assert grouped.total_macs == info.total_macs
    assert grouped.total_connections == info.total_connections
    assert grouped.rows[1].output_shape == (1, 3, 2, 2)


# =========================================================== conv1d / conv2d modes
def test_conv1d_modes_match_numpy():
    x, w = np.array([1.0, 2.0, -1.0, 3.0, 0.5]), np.array([2.0, -1.0, 1.0])
    np.testing.assert_allclose(conv1d(x, w, "wide"), np.convolve(x, w, "full"))
    np.testing.assert_allclose(conv1d(x, w, "narrow"), np.convolve(x, w, "valid"))
    np.testing.assert_allclose(conv1d(x, w, "same"), np.convolve(x, w, "same"))
    np.testing.assert_allclose(conv1d(x, w, cross_correlation=True), np.correlate(x, w, "valid"))


def test_conv1d_even_kernel_same_pads_one_more_on_the_right():
    x, w = np.arange(5.0), np.array([1.0, 1.0])
    assert conv1d(x, w, "same").tolist() == [1.0, 3.0, 5.0, 7.0, 4.0]    # last window hits the pad


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2 ** 31 - 1))
def test_exercise_5_2_wide_commutes_in_1d_and_2d(m, k, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=m), rng.normal(size=k)
    np.testing.assert_allclose(conv1d(x, w, "wide"), conv1d(w, x, "wide"))
    X, W = rng.normal(size=(m, k)), rng.normal(size=(k, max(1, m - 1)))
    np.testing.assert_allclose(conv2d(X, W, "wide"), conv2d(W, X, "wide"))
    assert conv2d(X, W, "same").shape == X.shape


def test_narrow_and_same_do_not_commute():
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, -1.0, 2.0])
    assert conv1d(x, w, "narrow").shape == (2,)
    with pytest.raises(tg.ShapeError, match="mode='wide'"):
        conv1d(w, x, "narrow")                      # the kernel no longer fits
    assert conv1d(x, w, "same").shape != conv1d(w, x, "same").shape
    with pytest.raises(ValueError, match="mode must be one of"):
        conv1d(x, w, "full")
    with pytest.raises(tg.ShapeError, match="1-D"):
        conv1d(np.ones((2, 2)), w)


def test_conv2d_modes_match_torch():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    flipped = torch.tensor(w).flip(0, 1)[None, None]
    for mode, padding in (("narrow", 0), ("wide", 2), ("same", 1)):
        expected = torch.nn.functional.conv2d(torch.tensor(x)[None, None], flipped,
                                              padding=padding)[0, 0].numpy()
        np.testing.assert_allclose(conv2d(x, w, mode), expected, atol=1e-12)
    np.testing.assert_allclose(conv2d(x, w, cross_correlation=True), torch.nn.functional.conv2d(
        torch.tensor(x)[None, None], torch.tensor(w)[None, None])[0, 0].numpy(), atol=1e-12)
