"""unfold (im2col) and fold (col2im): the conv-as-matrix identity by hand, each
op the other's adjoint, float64 gradchecks, PyTorch parity, empty and
unbatched inputs, and the errors."""
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


def test_unfold_by_hand_and_backward_counts_the_windows():
    x = leaf(np.arange(9.0).reshape(1, 1, 3, 3))
    cols = F.unfold(x, 2)
    # column (i, j) is the 2x2 window at (i, j), read row-major
    np.testing.assert_array_equal(cols.numpy()[0].T, [[0, 1, 3, 4], [1, 2, 4, 5],
                                                      [3, 4, 6, 7], [4, 5, 7, 8]])
    cols.backward(np.ones(cols.shape))
    # δ all ones: each entry gets one δ per window that read it
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert cols.grad_fn.name == "unfold" and cols.grad_fn.parents == (x,)


def test_convolution_is_a_matrix_product_of_the_unfolded_input():
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2))
    cols = F.unfold(tg.tensor(a), (3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    z = F.conv2d(tg.tensor(a), tg.tensor(w), stride=(2, 1), padding=1, dilation=(1, 2))
    by_gemm = w.reshape(4, -1) @ cols.numpy()                           # (N, C_out, L)
    np.testing.assert_allclose(by_gemm.reshape(z.shape), z.numpy(), rtol=1e-12)


def test_fold_by_hand_and_fold_is_the_adjoint_of_unfold():
    cols = leaf(np.arange(16.0).reshape(1, 4, 4))
    z = F.fold(cols, (3, 3), 2)
    # z[1, 1] is tap (1, 1) of window 0, (1, 0) of window 1, (0, 1) of window 2, (0, 0) of 3
    assert z.numpy()[0, 0, 1, 1] == 12 + 9 + 6 + 3
    z.backward(np.arange(9.0).reshape(1, 1, 3, 3))
    np.testing.assert_array_equal(cols.grad.numpy(), F.unfold(
        tg.tensor(np.arange(9.0).reshape(1, 1, 3, 3)), 2).numpy())
    # <unfold(x), c> = <x, fold(c)>
    rng = np.random.default_rng(1)
    x, c = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 3 * 4, 4 * 3))
    options = dict(kernel_size=2, dilation=(1, 2), padding=(1, 0), stride=(2, 1))
    left = (F.unfold(tg.tensor(x), **options).numpy() * c).sum()
    right = (x * F.fold(tg.tensor(c), (5, 6), **options).numpy()).sum()
    np.testing.assert_allclose(left, right, rtol=1e-12)


def test_modules_empty_and_unbatched():
    unfold, fold = nn.Unfold(2, stride=2), nn.Fold((4, 4), 2, stride=2)
    x = leaf(np.arange(32.0).reshape(2, 4, 4))                          # (C, H, W)
    cols = unfold(x)
    assert cols.shape == (8, 4)
    np.testing.assert_array_equal(fold(cols).numpy(), x.numpy())        # non-overlapping: inverse
    fold(cols).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 4, 4)))
    empty = leaf(np.zeros((0, 2, 4, 4)))
    out = fold(unfold(empty))
    assert out.shape == (0, 2, 4, 4)
    out.sum().backward()
    assert empty.grad.shape == (0, 2, 4, 4)


def test_errors_name_the_input():
    with pytest.raises(ShapeError, match=r"unfold: kernel \(5, 5\) .* does not fit .*input "
                                         r"\(1, 1, 3, 3\) float32"):
        F.unfold(tg.zeros(1, 1, 3, 3), 5)
    with pytest.raises(ShapeError, match=r"fold: the input holds 5 columns, but output_size "
                                         r"\(3, 3\) .* 2x2 = 4 windows; input \(1, 4, 5\)"):
        F.fold(tg.zeros(1, 4, 5), (3, 3), 2)
    with pytest.raises(ShapeError, match=r"fold: the input's dim -2 \(5\) must be a positive "
                                         r"multiple of kH·kW = 4"):
        F.fold(tg.zeros(1, 5, 4), (3, 3), 2)
    with pytest.raises(ValueError, match=r"unfold: stride must be >= 1.*input \(1, 1, 3, 3\)"):
        F.unfold(tg.zeros(1, 1, 3, 3), 2, stride=0)


@st.composite
def fold_case(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = tuple(max(1, s - 2 * p) + draw(st.integers(0, 3)) for s, p in zip(spans, padding))
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2))) + size
    return shape, dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)


@settings(max_examples=25, deadline=None)
@given(fold_case(), st.integers(0, 2**16))
def test_unfold_and_fold_match_pytorch_and_gradcheck(case, seed):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    shape, options = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    x, xt = leaf(a), torch.tensor(a, requires_grad=True)
    cols, cols_t = F.unfold(x, **options), torch.nn.functional.unfold(xt, **options)
    np.testing.assert_allclose(cols.numpy(), cols_t.detach().numpy(), rtol=1e-12)
    c = rng.standard_normal(cols.shape)
    cols.backward(c)
    cols_t.backward(torch.tensor(c))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)

    cl, cl_t = leaf(c), torch.tensor(c, requires_grad=True)
    z, z_t = F.fold(cl, shape[2:], **options), torch.nn.functional.fold(cl_t, shape[2:], **options)
    np.testing.assert_allclose(z.numpy(), z_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    z.backward(a)
    z_t.backward(torch.tensor(a))
    np.testing.assert_allclose(cl.grad.numpy(), cl_t.grad.numpy(), rtol=1e-12)
    if shape[0]:
        assert tg.gradcheck(lambda t: F.unfold(t, **options), (leaf(a),))
        assert tg.gradcheck(lambda t: F.fold(t, shape[2:], **options), (leaf(c),))
