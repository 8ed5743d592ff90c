"""conv2d and conv_transpose2d: the textbook's hand-checkable cases, float64
gradchecks over Hypothesis-drawn geometries, PyTorch parity, and the errors."""
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.nn import reference
from tinygrad_cnn.nn.conv_ops import conv2d_input_grad

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def leaf(array):
    return tg.tensor(np.asarray(array), requires_grad=True)


@st.composite
def conv_geometry(draw):
    """A small conv2d configuration that PyTorch accepts."""
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    if draw(st.booleans()) and draw(st.booleans()):
        stride, padding = (1, 1), "same"
        pads = (0, 0)
    else:
        stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        padding = pads
    spans = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    h = max(1, spans[0] - 2 * pads[0]) + draw(st.integers(0, 3))
    w = max(1, spans[1] - 2 * pads[1]) + draw(st.integers(0, 3))
    n = draw(st.integers(1, 2))
    return dict(input_shape=(n, c_in, h, w), weight_shape=(c_out, c_in // groups, kh, kw),
                stride=stride, padding=padding, dilation=dilation, groups=groups)


def random_conv_inputs(geometry, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(geometry["input_shape"]).astype(dtype)
    w = rng.standard_normal(geometry["weight_shape"]).astype(dtype)
    b = rng.standard_normal(geometry["weight_shape"][0]).astype(dtype)
    return x, w, b


def options(geometry):
    return {k: geometry[k] for k in ("stride", "padding", "dilation", "groups")}


# ---------------------------------------------------------------- textbook examples

def test_worked_example_input_gradient_with_delta_all_ones():
    # docs/derivations.md: 3x3 input, 2x2 kernel, δ all ones. With w11..w22 = 1, 2, 3, 4:
    # [[w11, w11+w12, w12], [w11+w21, w11+w12+w21+w22, w12+w22], [w21, w21+w22, w22]]
    w11, w12, w21, w22 = 1.0, 2.0, 3.0, 4.0
    x = leaf(np.zeros((1, 1, 3, 3)))
    w = leaf([[[[w11, w12], [w21, w22]]]])
    F.conv2d(x, w).sum().backward()
    expected = [[w11, w11 + w12, w12],
                [w11 + w21, w11 + w12 + w21 + w22, w12 + w22],
                [w21, w21 + w22, w22]]
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


def test_worked_example_entries_from_the_chain_rule():
    # ∂L/∂a11 = δ11 w11, ∂L/∂a12 = δ11 w12 + δ12 w11 for any δ
    w = leaf([[[[1.0, 2.0], [3.0, 4.0]]]])
    x = leaf(np.zeros((1, 1, 3, 3)))
    delta = np.array([[[[5.0, 7.0], [11.0, 13.0]]]])
    F.conv2d(x, w).backward(delta)
    assert x.grad.numpy()[0, 0, 0, 0] == 5.0 * 1.0
    assert x.grad.numpy()[0, 0, 0, 1] == 5.0 * 2.0 + 7.0 * 1.0


def test_kernel_gradient_is_input_correlated_with_delta():
    # ∂L/∂w11 = δ11 a11 + δ12 a12 + δ21 a21 + δ22 a22, and likewise for each w_uv
    rng = np.random.default_rng(0)
    a = rng.integers(-5, 5, (1, 1, 3, 3)).astype(np.float64)
    delta = rng.integers(-5, 5, (1, 1, 2, 2)).astype(np.float64)
    w = leaf(np.zeros((1, 1, 2, 2)))
    b = leaf(np.zeros(1))
    F.conv2d(tg.tensor(a), w, b).backward(delta)
    d, x = delta[0, 0], a[0, 0]
    assert w.grad.numpy()[0, 0, 0, 0] == (d[0, 0] * x[0, 0] + d[0, 1] * x[0, 1]
                                          + d[1, 0] * x[1, 0] + d[1, 1] * x[1, 1])
    for u in range(2):
        for v in range(2):
            assert w.grad.numpy()[0, 0, u, v] == sum(d[m, n] * x[m + u, n + v]
                                                     for m in range(2) for n in range(2))
    assert b.grad.numpy()[0] == d.sum()                       # ∂L/∂b = Σ δ


def test_convolution_is_the_affine_map_of_exercise_5_7():
    # z = M vec(X) with docs/derivations.md's 4x9 matrix M, and δ^{l-1} = Mᵀ δ
    w11, w12, w21, w22 = 2.0, -1.0, 0.5, 3.0
    M = np.array([[w11, w12, 0, w21, w22, 0, 0, 0, 0],
                  [0, w11, w12, 0, w21, w22, 0, 0, 0],
                  [0, 0, 0, w11, w12, 0, w21, w22, 0],
                  [0, 0, 0, 0, w11, w12, 0, w21, w22]])
    X = np.arange(9.0).reshape(1, 1, 3, 3)
    x = leaf(X)
    z = F.conv2d(x, tg.tensor([[[[w11, w12], [w21, w22]]]], dtype=tg.float64))
    np.testing.assert_allclose(z.numpy().reshape(-1), M @ X.reshape(-1))
    delta = np.array([1.0, -2.0, 3.0, 0.5])
    z.backward(delta.reshape(1, 1, 2, 2))
    np.testing.assert_allclose(x.grad.numpy().reshape(-1), M.T @ delta)


@pytest.mark.parametrize("kernel, dilation", [(3, 1), (5, 1), (3, 2), (3, 3), (5, 2)])
def test_same_padding_keeps_the_size_exercise_5_8(kernel, dilation):
    # P = (K-1)·D / 2 keeps H for stride 1; 'same' gives exactly that padding
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.standard_normal((1, 2, 9, 9)))
    w = tg.tensor(rng.standard_normal((3, 2, kernel, kernel)))
    same = F.conv2d(x, w, padding="same", dilation=dilation)
    explicit = F.conv2d(x, w, padding=(kernel - 1) * dilation // 2, dilation=dilation)
    assert same.shape == (1, 3, 9, 9)
    np.testing.assert_allclose(same.numpy(), explicit.numpy())


def test_stride_two_input_gradient_inserts_zeros_into_delta():
    # stride 2, 1x1 kernel: δ lands on every other entry, zeros between
    x = leaf(np.zeros((1, 1, 3, 3)))
    F.conv2d(x, tg.tensor([[[[2.0]]]], dtype=tg.float64), stride=2).backward(
        np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[2, 0, 4], [0, 0, 0], [6, 0, 8]])


# ---------------------------------------------------------------- gradcheck, float64

@FAST
@given(conv_geometry(), st.integers(0, 2**16))
def test_conv2d_gradcheck(geometry, seed):
    x, w, b = random_conv_inputs(geometry, seed)
    kwargs = options(geometry)
    assert tg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), (leaf(x), leaf(w), leaf(b)))


@st.composite
def transpose_geometry(draw):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # keep the output non-empty: (H-1)S - 2P + D(K-1) + op + 1 >= 1
    padding = tuple(draw(st.integers(0, max(0, ((size - 1) * s + d * (kk - 1) + op) // 2)))
                    for size, s, d, kk, op in zip((h, w), stride, dilation, k, output_padding))
    return dict(input_shape=(draw(st.integers(1, 2)), c_in, h, w),
                weight_shape=(c_in, c_out // groups) + k, stride=stride, padding=padding,
                output_padding=output_padding, groups=groups, dilation=dilation)


def transpose_options(geometry):
    return {k: geometry[k] for k in ("stride", "padding", "output_padding", "groups", "dilation")}


@FAST
@given(transpose_geometry(), st.integers(0, 2**16))
def test_conv_transpose2d_gradcheck(geometry, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(geometry["input_shape"])
    w = rng.standard_normal(geometry["weight_shape"])
    b = rng.standard_normal(geometry["weight_shape"][1] * geometry["groups"])
    kwargs = transpose_options(geometry)
    assert tg.gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs),
                        (leaf(x), leaf(w), leaf(b)))


# ---------------------------------------------------------------- PyTorch parity

torch_settings = settings(max_examples=30, deadline=None)


def torch_conv_step(torch, geometry, x, w, b, delta, transpose=False):
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    if transpose:
        out = torch.nn.functional.conv_transpose2d(xt, wt, bt, **transpose_options(geometry))
    else:
        out = torch.nn.functional.conv2d(xt, wt, bt, **options(geometry))
    out.backward(torch.tensor(delta))
    return [t.detach().numpy() for t in (out, xt.grad, wt.grad, bt.grad)]


def our_conv_step(geometry, x, w, b, delta, transpose=False):
    xt, wt, bt = leaf(x), leaf(w), leaf(b)
    if transpose:
        out = F.conv_transpose2d(xt, wt, bt, **transpose_options(geometry))
    else:
        out = F.conv2d(xt, wt, bt, **options(geometry))
    out.backward(delta)
    return [t.numpy() for t in (out, xt.grad, wt.grad, bt.grad)]


@pytest.mark.filterwarnings("ignore::UserWarning")
@torch_settings
@given(conv_geometry(), st.integers(0, 2**16), st.sampled_from(["float64", "float32"]))
def test_conv2d_matches_pytorch(geometry, seed, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    x, w, b = random_conv_inputs(geometry, seed, dtype)
    with tg.no_grad():
        shape = F.conv2d(tg.tensor(x), tg.tensor(w), **options(geometry)).shape
    delta = np.random.default_rng(seed + 1).standard_normal(shape).astype(dtype)
    ours = our_conv_step(geometry, x, w, b, delta)
    theirs = torch_conv_step(torch, geometry, x, w, b, delta)
    tolerance = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=1e-4)
    for mine, other, what in zip(ours, theirs, ("output", "input grad", "weight grad", "bias grad")):
        assert mine.dtype == np.dtype(dtype), what
        np.testing.assert_allclose(mine, other, err_msg=what, **tolerance)


@torch_settings
@given(transpose_geometry(), st.integers(0, 2**16), st.sampled_from(["float64", "float32"]))
def test_conv_transpose2d_matches_pytorch(geometry, seed, dtype):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(geometry["input_shape"]).astype(dtype)
    w = rng.standard_normal(geometry["weight_shape"]).astype(dtype)
    b = rng.standard_normal(geometry["weight_shape"][1] * geometry["groups"]).astype(dtype)
    with tg.no_grad():
        shape = F.conv_transpose2d(tg.tensor(x), tg.tensor(w), **transpose_options(geometry)).shape
    delta = rng.standard_normal(shape).astype(dtype)
    ours = our_conv_step(geometry, x, w, b, delta, transpose=True)
    theirs = torch_conv_step(torch, geometry, x, w, b, delta, transpose=True)
    tolerance = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=1e-4)
    for mine, other, what in zip(ours, theirs, ("output", "input grad", "weight grad", "bias grad")):
        np.testing.assert_allclose(mine, other, err_msg=what, **tolerance)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_same_padding_with_even_kernel_pads_the_extra_row_bottom_right():
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 1, 5, 6)), rng.standard_normal((1, 1, 2, 4))
    ours = F.conv2d(tg.tensor(x), tg.tensor(w), padding="same").numpy()
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding="same").numpy()
    assert ours.shape == (1, 1, 5, 6)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    # total padding 1 (rows) and 3 (cols): 0 above / 1 below, 1 left / 2 right
    explicit = reference.conv2d(np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2))), w)
    np.testing.assert_allclose(ours, explicit, rtol=1e-12)


# ---------------------------------------------------------------- structure

def test_each_conv_is_one_graph_node_named_like_pytorch():
    x, w, b = leaf(np.ones((1, 2, 4, 4))), leaf(np.ones((3, 2, 3, 3))), leaf(np.zeros(3))
    z = F.conv2d(x, w, b, padding=1)
    assert z.grad_fn.name == "conv2d"
    assert z.grad_fn.parents == (x, w, b)
    t = F.conv_transpose2d(x, leaf(np.ones((2, 3, 3, 3))), None, stride=2)
    assert t.grad_fn.name == "conv_transpose2d"
    assert t.shape == (1, 3, 9, 9)


def test_conv_transpose_forward_is_conv2d_input_gradient():
    rng = np.random.default_rng(3)
    x = leaf(rng.standard_normal((2, 4, 7, 7)))
    w = rng.standard_normal((6, 2, 3, 3))
    delta = rng.standard_normal((2, 6, 4, 4))
    F.conv2d(x, tg.tensor(w), stride=2, padding=1, groups=2).backward(delta)
    transposed = F.conv_transpose2d(tg.tensor(delta), tg.tensor(w), stride=2, padding=1,
                                    output_padding=0, groups=2)
    np.testing.assert_allclose(transposed.numpy(), x.grad.numpy(), rtol=1e-12)


def test_float32_stays_float32_inside_the_op():
    rng = np.random.default_rng(4)
    x = leaf(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    w = leaf(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    b = leaf(np.zeros(4, dtype=np.float32))
    z = F.conv2d(x, w, b, stride=2, padding=1)
    assert z.dtype == np.float32
    z.backward(np.ones(z.shape, dtype=np.float32), retain_graph=True)
    assert all(g.dtype == np.float32 for g in z.grad_fn.grad_inputs)
    delta = np.ones((2, 4, 3, 3), dtype=np.float32)
    assert conv2d_input_grad(delta, w.numpy(), x.shape, (2, 2), (1, 1, 1, 1), (1, 1), 1).dtype \
        == np.float32


def test_repeated_steps_do_not_accumulate_state():
    x, w = leaf(np.ones((1, 1, 4, 4))), leaf(np.ones((1, 1, 3, 3)))
    for _ in range(3):
        x.grad = w.grad = None
        F.conv2d(x, w, padding=1).sum().backward()
    first = x.grad.numpy().copy()
    x.grad = None
    F.conv2d(x, w, padding=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), first)


# ---------------------------------------------------------------- errors

def test_channel_mismatch_error_names_shapes():
    x, w = tg.zeros(1, 3, 8, 8), tg.zeros(6, 1, 5, 5)
    with pytest.raises(ShapeError) as error:
        F.conv2d(x, w)
    message = str(error.value)
    assert "conv2d: input has 3 channels but weight (6, 1, 5, 5) expects 1 " \
           "(= weight.shape[1] * groups" in message
    assert "(1, 3, 8, 8) float32" in message


def test_wrong_rank_input_error():
    with pytest.raises(ShapeError, match=r"conv2d: expected a 3-D \(C_in, H, W\) or 4-D "
                                         r"\(N, C_in, H, W\) input, got \(8, 8\) float32"):
        F.conv2d(tg.zeros(8, 8), tg.zeros(6, 3, 5, 5))
    with pytest.raises(ShapeError, match=r"4-D weight, got \(6, 3, 5\) float32 \(input \(1, 3, 8, 8\)"):
        F.conv2d(tg.zeros(1, 3, 8, 8), tg.zeros(6, 3, 5))
    with pytest.raises(ShapeError, match=r"at least one output channel.*\(0, 1, 3, 3\)"):
        F.conv2d(tg.zeros(1, 1, 5, 5), tg.zeros(0, 1, 3, 3))


def test_every_rejection_names_the_input_and_weight_shapes():
    x, w = tg.zeros(1, 1, 5, 5), tg.zeros(2, 1, 3, 3)
    shapes = r".*input \(1, 1, 5, 5\) float32, weight \(2, 1, 3, 3\) float32"
    for call, message in [
            (lambda: F.conv2d(x, w, stride=2, padding="same"), "padding='same' is not supported"),
            (lambda: F.conv2d(x, w, stride=0), "stride must be >= 1"),
            (lambda: F.conv2d(x, w, dilation=(1, 0)), "dilation must be >= 1"),
            (lambda: F.conv2d(x, w, padding=-1), "padding must be >= 0"),
            (lambda: F.conv2d(x, w, padding="full"), "padding must be an int"),
            (lambda: F.conv2d(x, w, groups=0), "groups must be a positive int"),
            (lambda: F.conv2d(x, w, tg.zeros(3)), r"bias must have shape \(2,\)")]:
        with pytest.raises(ValueError, match="conv2d: " + message + shapes):
            call()
    wt = tg.zeros(1, 2, 3, 3)
    shapes = r".*input \(1, 1, 5, 5\) float32, weight \(1, 2, 3, 3\) float32"
    for call, message in [
            (lambda: F.conv_transpose2d(x, wt, stride=2, output_padding=2), "output_padding"),
            (lambda: F.conv_transpose2d(x, wt, padding=9), "the output would be")]:
        with pytest.raises(ValueError, match="conv_transpose2d: " + message + shapes):
            call()
    with pytest.raises(TypeError, match="conv_transpose2d: padding must be an int or a pair" + shapes):
        F.conv_transpose2d(x, wt, padding="same")     # PyTorch raises TypeError here too


def test_rejections_agree_with_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    cases = [((1, 1, 5, 5), (2, 1, 3, 3), dict(stride=2, padding="same")),
             ((1, 1, 5, 5), (2, 1, 7, 7), {}), ((1, 1, 5, 5), (0, 1, 3, 3), {}),
             ((1, 2, 5, 5), (2, 1, 3, 3), {}), ((1, 1, 5, 5), (2, 1, 3, 3), dict(stride=0)),
             ((5, 5), (2, 1, 3, 3), {}), ((0, 1, 5, 5), (2, 1, 3, 3), {}),
             ((1, 5, 5), (2, 1, 3, 3), dict(padding=1))]
    for x_shape, w_shape, kwargs in cases:
        try:
            expected = tuple(torch.nn.functional.conv2d(torch.zeros(x_shape), torch.zeros(w_shape),
                                                        **kwargs).shape)
        except RuntimeError:
            expected = None
        if expected is None:         # PyTorch raises RuntimeError; ours are ValueError subclasses
            with pytest.raises(ValueError, match=re.escape(str(x_shape))):
                F.conv2d(tg.zeros(*x_shape), tg.zeros(*w_shape), **kwargs)
        else:
            assert F.conv2d(tg.zeros(*x_shape), tg.zeros(*w_shape), **kwargs).shape == expected


# ---------------------------------------------------------------- empty batches, unbatched input

def test_empty_batch_forward_and_backward():
    # issue 10: this raised UnboundLocalError; PyTorch returns shape (0, 2, 3, 3)
    assert F.conv2d(tg.zeros(0, 1, 5, 5), tg.zeros(2, 1, 3, 3)).shape == (0, 2, 3, 3)
    for stride in (1, 2):
        x, w, b = leaf(np.zeros((0, 2, 5, 5))), leaf(np.ones((4, 2, 3, 3))), leaf(np.ones(4))
        z = F.conv2d(x, w, b, stride=stride, padding=1)
        assert z.shape == (0, 4, 5 // stride + (stride == 2), 5 // stride + (stride == 2))
        z.sum().backward()
        assert x.grad.shape == (0, 2, 5, 5)
        np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 2, 3, 3)))
        np.testing.assert_array_equal(b.grad.numpy(), np.zeros(4))
        y = F.conv_transpose2d(x, leaf(np.ones((2, 3, 3, 3))), stride=stride)
        assert y.shape == (0, 3, (5 - 1) * stride + 3, (5 - 1) * stride + 3)
        y.sum().backward()
    x = leaf(np.zeros((0, 1, 5, 5)))
    layer = tg.nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect").double()
    layer(x).sum().backward()
    assert x.grad.shape == (0, 1, 5, 5)


def test_unbatched_input_is_one_node_and_equals_a_batch_of_one():
    rng = np.random.default_rng(5)
    a, w, b = rng.standard_normal((2, 6, 6)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    x, weight = leaf(a), leaf(w)
    z = F.conv2d(x, weight, tg.tensor(b), stride=2, padding=1)
    assert z.shape == (3, 3, 3) and z.grad_fn.parents[0] is x
    delta = rng.standard_normal(z.shape)
    z.backward(delta)
    xb, wb = leaf(a[None]), leaf(w)
    F.conv2d(xb, wb, tg.tensor(b), stride=2, padding=1).backward(delta[None])
    np.testing.assert_allclose(z.numpy(), F.conv2d(tg.tensor(a[None]), tg.tensor(w), tg.tensor(b),
                                                   stride=2, padding=1).numpy()[0])
    np.testing.assert_allclose(x.grad.numpy(), xb.grad.numpy()[0])
    np.testing.assert_allclose(weight.grad.numpy(), wb.grad.numpy())
    xt = leaf(a)
    y = F.conv_transpose2d(xt, leaf(rng.standard_normal((2, 4, 3, 3))), stride=2)
    assert y.shape == (4, 13, 13)
    y.sum().backward()
    assert xt.grad.shape == (2, 6, 6)


# ---------------------------------------------------------------- padding_mode

def test_padding_mode_by_hand():
    # a 1x3 kernel of ones over [1, 2, 3] with padding 1: reflect reads 2 | 1 2 3 | 2
    layer = tg.nn.Conv2d(1, 1, (1, 3), padding=(0, 1), padding_mode="reflect", bias=False).double()
    layer.weight._data[...] = 1.0
    x = tg.tensor([[[[1.0, 2.0, 3.0]]]], dtype=tg.float64)
    np.testing.assert_array_equal(layer(x).numpy()[0, 0, 0], [2 + 1 + 2, 1 + 2 + 3, 2 + 3 + 2])
    layer.padding_mode = "replicate"
    np.testing.assert_array_equal(layer(x).numpy()[0, 0, 0], [1 + 1 + 2, 6, 2 + 3 + 3])
    layer.padding_mode = "circular"
    np.testing.assert_array_equal(layer(x).numpy()[0, 0, 0], [3 + 1 + 2, 6, 2 + 3 + 1])
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        tg.nn.Conv2d(1, 1, 3, padding_mode="mirror")


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding,stride,dilation", [(1, 1, 1), ((2, 1), 2, 1), ("same", 1, 2),
                                                     ("valid", 1, 1)])
def test_padding_modes_match_pytorch(mode, padding, stride, dilation):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    rng = np.random.default_rng(11)
    ours = tg.nn.Conv2d(2, 3, (3, 2), stride, padding, dilation, padding_mode=mode).double()
    theirs = torch.nn.Conv2d(2, 3, (3, 2), stride, padding, dilation, padding_mode=mode).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    assert repr(ours) == repr(theirs)
    a = rng.standard_normal((2, 2, 6, 5))
    x, xt = leaf(a), torch.tensor(a, requires_grad=True)
    y, z = ours(x), theirs(xt)
    delta = rng.standard_normal(y.shape)
    y.backward(delta)
    z.backward(torch.tensor(delta))
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)


def test_kernel_larger_than_padded_input_error():
    with pytest.raises(ShapeError) as error:
        F.conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 5, 5))
    message = str(error.value)
    assert "conv2d: kernel 5x5" in message and "larger than the padded input (4 = 4 + 0 + 0)" in message
    # padding makes it fit
    assert F.conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 5, 5), padding=1).shape == (1, 1, 2, 2)
    with pytest.raises(ShapeError, match="spans 5 along H"):
        F.conv2d(tg.zeros(1, 1, 4, 9), tg.zeros(1, 1, 3, 3), dilation=2)


def test_groups_must_divide_the_channels():
    with pytest.raises(ValueError, match=r"conv2d: groups=4 must divide the input channels \(6\)"):
        F.conv2d(tg.zeros(1, 6, 5, 5), tg.zeros(8, 2, 3, 3), groups=4)
    with pytest.raises(ValueError, match=r"groups=2 must divide the output channels "
                                         r"\(weight.shape\[0\] = 3\)"):
        F.conv2d(tg.zeros(1, 4, 5, 5), tg.zeros(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="conv_transpose2d: groups=4 must divide the input channels"):
        F.conv_transpose2d(tg.zeros(1, 6, 5, 5), tg.zeros(6, 1, 3, 3), groups=4)


def test_bad_stride_dilation_padding_errors():
    x, w = tg.zeros(1, 1, 6, 6), tg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: stride must be >= 1, got \(0, 0\)"):
        F.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"conv2d: dilation must be >= 1, got \(1, 0\)"):
        F.conv2d(x, w, dilation=(1, 0))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be an int, a pair, 'valid' or 'same'"):
        F.conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match="padding must be >= 0"):
        F.conv2d(x, w, padding=-1)
    assert F.conv2d(x, w, padding="valid").shape == (1, 1, 4, 4)


def test_dtype_mismatch_is_an_error_as_in_pytorch():
    with pytest.raises(DTypeError, match=r"conv2d: input and weight must have the same dtype, "
                                         r"got input \(1, 1, 4, 4\) float32 and weight "
                                         r"\(1, 1, 3, 3\) float64"):
        F.conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 3, 3, dtype=tg.float64))
    with pytest.raises(ShapeError, match=r"bias must have shape \(2,\)"):
        F.conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(2, 1, 3, 3), tg.zeros(3))


def test_conv_transpose_errors():
    with pytest.raises(ShapeError, match="conv_transpose2d: input has 2 channels but weight"):
        F.conv_transpose2d(tg.zeros(1, 2, 4, 4), tg.zeros(3, 1, 3, 3))
    with pytest.raises(ValueError, match="output_padding .* must be smaller than either the stride"):
        F.conv_transpose2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 3, 3), stride=2, output_padding=2)


# --------------------------------------------------------------------------
# the fast path's internal choices: chunked batches and both input-gradient routes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("c_in,c_out,stride,padding", [
    (2, 5, 1, 1),     # stride 1, more δ channels than inputs: col2im route
    (5, 2, 1, 1),     # stride 1, fewer δ channels: the full correlation with rot180(W)
    (3, 4, 2, 1),     # strided: col2im route
])
def test_chunked_batches_and_both_input_gradient_routes_equal_the_reference(
        monkeypatch, c_in, c_out, stride, padding):
    from tinygrad_cnn.nn import im2col, reference

    # a 600-byte workspace makes every image its own chunk, so the chunk loop
    # and the recomputed columns run (the tests' other shapes fit in one chunk)
    monkeypatch.setattr(im2col, "WORKSPACE_BYTES", 600)
    rng = np.random.default_rng(7)
    a = rng.standard_normal((5, c_in, 6, 6))
    w = rng.standard_normal((c_out, c_in, 3, 3))
    b = rng.standard_normal(c_out)
    x, weight, bias = (tg.tensor(v, requires_grad=True) for v in (a, w, b))
    z = F.conv2d(x, weight, bias, stride=stride, padding=padding)
    assert z.grad_fn.saved_tensors[2] is None          # columns not kept across chunks
    delta = rng.standard_normal(z.shape)
    z.backward(tg.tensor(delta))

    np.testing.assert_allclose(z.numpy(), reference.conv2d(a, w, b, stride, padding), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), reference.conv2d_input_grad(
        delta, w, a.shape, stride, padding), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weight.grad.numpy(), reference.conv2d_weight_grad(
        a, delta, w.shape, stride, padding), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("per_image", [False, True])
def test_columns_kept_by_forward_give_the_same_weight_gradient_as_recomputing_them(monkeypatch,
                                                                                   per_image):
    from tinygrad_cnn.nn import conv_per_image, im2col

    # the batch-wide GEMM's layout, or one GEMM per image (thin layers)
    monkeypatch.setattr(conv_per_image, "MAX_WEIGHT_ENTRIES", 10**9 if per_image else 0)
    rng = np.random.default_rng(3)
    a, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))

    def weight_grad():
        weight = tg.tensor(w, requires_grad=True)
        z = F.conv2d(tg.tensor(a), weight)
        kept = z.grad_fn.saved_tensors[2]
        z.backward(tg.tensor(np.arange(z.numpy().size, dtype=float).reshape(z.shape)))
        return kept, weight.grad.numpy()

    kept, from_kept = weight_grad()
    if per_image:
        assert kept.shape == (2, 1, 27, 16)            # (N, G, C·kH·kW, H_out·W_out)
    else:
        assert kept.shape == (3, 3, 3, 2, 4, 4)        # (C, kH, kW, N, H_out, W_out)
    monkeypatch.setattr(im2col, "WORKSPACE_BYTES", 1)  # one image per chunk: recomputed
    not_kept, recomputed = weight_grad()
    assert not_kept is None
    np.testing.assert_allclose(from_kept, recomputed, rtol=1e-12)
