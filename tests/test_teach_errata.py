"""The "In the sources" notes: for each, the version as printed and the right one,
computed, with the numbers the notes quote (docs/derivations.md, docs/exercises.md)."""
import pathlib

import numpy as np

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.teach import conv2d as conv2
from tinygrad_cnn.teach import cross_correlate_full, explain_backward, rot180, summary

ROOT = pathlib.Path(__file__).resolve().parent.parent
DERIVATIONS = (ROOT / "docs" / "derivations.md").read_text(encoding="utf-8")
EXERCISES = (ROOT / "docs" / "exercises.md").read_text(encoding="utf-8")

A = np.arange(1.0, 10.0).reshape(3, 3)            # a11 = 1 … a33 = 9
DELTA = np.array([[1.0, 2.0], [3.0, 4.0]])


def engine_weight_grad(a, delta):
    w = tg.zeros(1, 1, 2, 2, dtype=tg.float64, requires_grad=True)
    F.conv2d(tg.tensor(a[None, None]), w).backward(tg.tensor(delta[None, None]))
    return w.grad.numpy()[0, 0]


def test_dE_dw12_third_term_is_delta21_a22_not_a23():
    (_, a12, a13), (_, a22, a23), _ = A
    (d11, d12), (d21, d22) = DELTA
    right = d11 * a12 + d12 * a13 + d21 * a22 + d22 * a23
    as_printed = d11 * a12 + d12 * a13 + d21 * a23 + d22 * a23
    assert engine_weight_grad(A, DELTA)[0, 1] == right == 47
    assert as_printed == 50
    assert "the right sum is 47, the printed one 50" in DERIVATIONS
    # explain_backward writes the same four terms, 1-based, as the notes do
    steps = explain_backward("conv2d", A, np.zeros((2, 2)), delta=DELTA, file=False)
    assert steps.step("grad_weight").equations[1][0] == (
        "∂L/∂w_12 = δ_11·a_12 + δ_12·a_13 + δ_21·a_22 + δ_22·a_23 = 1·2 + 2·3 + 3·5 + 4·6 = 47")


def input_grad(shape, weight):
    x = tg.zeros(1, 1, *shape, dtype=tg.float64, requires_grad=True)
    z = F.conv2d(x, tg.tensor(weight[None, None]))
    z.backward(tg.ones(*z.shape, dtype=tg.float64))
    return x.grad.numpy()[0, 0]


def test_dz_dx_matrix_is_3x3_not_3x4():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    right = input_grad((3, 3), w)
    assert right.shape == (3, 3) and right.tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    as_printed_shape = input_grad((3, 4), w)          # what a 3×4 gradient would belong to
    assert as_printed_shape.shape == (3, 4)
    assert as_printed_shape.tolist() == [[1, 3, 3, 2], [4, 10, 10, 6], [3, 7, 7, 4]]
    assert not np.array_equal(as_printed_shape[:, :3], right)
    assert "The input is 3×3, so its\n> gradient is 3×3" in DERIVATIONS


def test_exercise_5_4_space_has_two_conventions_and_the_figure_shows_space_not_time():
    plain = summary(nn.Conv2d(256, 256, 3, padding=1, bias=False), (1, 256, 100, 100))
    cheap = summary(nn.Sequential(nn.Conv2d(256, 64, 1, bias=False),
                                  nn.Conv2d(64, 256, 3, padding=1, bias=False)), (1, 256, 100, 100))
    without_weights = (plain.total_activations, cheap.total_activations)
    with_weights = (plain.total_activations + plain.total_params,
                    cheap.total_activations + cheap.total_params)
    time = (plain.total_macs, cheap.total_macs)
    assert without_weights == (2_560_000, 3_200_000)
    assert with_weights == (3_149_824, 3_363_840)
    assert time == (5_898_240_000, 1_638_400_000)
    # the figure labelled 时间复杂度 shows space numbers: neither is a MAC count
    assert not set(without_weights + with_weights) & set(time)
    for number in ("2,560,000", "3,200,000", "3,149,824", "3,363,840", "5,898,240,000",
                   "1,638,400,000", "时间复杂度"):
        assert number in EXERCISES


def test_tf_derivation_conv2_full_without_rot180():
    rng = np.random.default_rng(0)
    a, w, delta = rng.normal(size=(4, 4)), rng.normal(size=(2, 2)), rng.normal(size=(3, 3))

    def grad(kernel):
        x = tg.tensor(a[None, None], requires_grad=True)
        F.conv2d(x, tg.tensor(kernel[None, None])).backward(tg.tensor(delta[None, None]))
        return x.grad.numpy()[0, 0]

    # forward W ⊗ a (cross-correlation): conv2(δ, W, 'full') right only by conv2's own flip
    assert np.allclose(conv2(delta, w, "wide"), grad(w))
    assert np.allclose(conv2(delta, w, "wide"), cross_correlate_full(rot180(w), delta))
    # read as the chapter's ⊗ (no flip), the formula lacks rot180
    assert not np.allclose(cross_correlate_full(w, delta), grad(w))
    # forward conv2(a, W, 'valid') is a true convolution; then 'full' needs rot180
    assert np.allclose(conv2(a, w), F.conv2d(tg.tensor(a[None, None]),
                                             tg.tensor(rot180(w)[None, None])).numpy()[0, 0])
    assert not np.allclose(conv2(delta, w, "wide"), grad(rot180(w)))
    assert np.allclose(conv2(delta, rot180(w), "wide"), grad(rot180(w)))


def test_tf_derivation_c3_sums_over_its_table_row_not_one_map():
    """C1's formula (one input map) under C3 is wrong: C3's map 4 reads S2 maps 0, 4, 5."""
    tg.manual_seed(0)
    conv = nn.Conv2d(3, 1, 5).double()
    s2 = np.random.default_rng(1).normal(size=(6, 5, 5))
    reads = [0, 4, 5]
    z = conv(tg.tensor(s2[reads][None])).numpy()[0, 0, 0, 0]
    weight, bias = conv.weight.numpy()[0], conv.bias.numpy()[0]
    right = sum((weight[k] * s2[d]).sum() for k, d in enumerate(reads)) + bias
    as_printed = [(weight[k] * s2[d]).sum() + bias for k, d in enumerate(reads)]   # one map each
    assert np.isclose(z, right)
    assert not any(np.isclose(z, value) for value in as_printed)
    assert "repeats C1's formulas under C3" in DERIVATIONS


def test_index_base_the_two_readings_differ():
    steps = explain_backward("conv2d", A, np.zeros((2, 2)), delta=DELTA, file=False)
    zero_based = sum(DELTA[m, n] * A[0 + m, 1 + n] for m in range(2) for n in range(2))
    one_based_read_0_based = sum(DELTA[m, n] * A[m - 1, n] for m in range(2) for n in range(2))
    assert steps["grad_weight"][0, 1] == zero_based == 47
    assert one_based_read_0_based == 34
    zero = explain_backward("conv2d", A, np.zeros((2, 2)), delta=DELTA, index_base=0, file=False)
    assert zero.step("grad_weight").equations[1][0].startswith("∂L/∂w_01 = δ_00·a_01")
    assert "0-based" in zero.header and "1-based" in steps.header
