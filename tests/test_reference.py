"""The loop-by-loop textbook procedures (`nn.reference`) against the fast ops,
and the textbook's identities checked with the building blocks themselves."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.nn import reference as R

GRID = settings(max_examples=25, deadline=None)


@st.composite
def geometry(draw):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    spans = [d * (kk - 1) + 1 for d, kk in zip(dilation, k)]
    h, w = (max(1, s - 2 * p) + draw(st.integers(0, 3)) for s, p in zip(spans, padding))
    return (draw(st.integers(1, 2)), c_in, h, w), (c_out, c_in // groups) + k, dict(
        stride=stride, padding=padding, dilation=dilation, groups=groups)


@GRID
@given(geometry(), st.integers(0, 2**16))
def test_fast_conv2d_equals_the_textbook_procedure(shapes, seed):
    input_shape, weight_shape, options = shapes
    rng = np.random.default_rng(seed)
    a, w = rng.standard_normal(input_shape), rng.standard_normal(weight_shape)
    b = rng.standard_normal(weight_shape[0])
    x, weight, bias = (tg.tensor(t, requires_grad=True) for t in (a, w, b))
    z = F.conv2d(x, weight, bias, **options)
    delta = rng.standard_normal(z.shape)
    z.backward(delta)
    np.testing.assert_allclose(z.numpy(), R.conv2d(a, w, b, **options), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), R.conv2d_input_grad(delta, w, a.shape, **options),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weight.grad.numpy(),
                               R.conv2d_weight_grad(a, delta, w.shape, **options),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bias.grad.numpy(), R.conv2d_bias_grad(delta), rtol=1e-10)


@GRID
@given(geometry(), st.integers(0, 2**16))
def test_fast_conv_transpose2d_equals_rule_one_used_forward(shapes, seed):
    input_shape, weight_shape, options = shapes
    rng = np.random.default_rng(seed)
    # the transposed op reads conv2d's output shape and writes its input shape
    with tg.no_grad():
        h_out, w_out = F.conv2d(tg.zeros(*input_shape), tg.zeros(*weight_shape),
                                **options).shape[2:]
    # output_padding restores the rows a stride that did not divide the padded size dropped
    output_padding = tuple(
        (size + 2 * p - d * (k - 1) - 1) % s for size, p, d, k, s in zip(
            input_shape[2:], options["padding"], options["dilation"], weight_shape[2:],
            options["stride"]))
    a = rng.standard_normal((input_shape[0], weight_shape[0], h_out, w_out))
    w = rng.standard_normal(weight_shape)
    fast = F.conv_transpose2d(tg.tensor(a), tg.tensor(w), output_padding=output_padding,
                              **options).numpy()
    assert fast.shape == (input_shape[0], weight_shape[1] * options["groups"]) + input_shape[2:]
    np.testing.assert_allclose(fast, R.conv_transpose2d(a, w, output_padding=output_padding,
                                                        **options), rtol=1e-10, atol=1e-12)


@st.composite
def pool_geometry(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    h, w = (max(1, k - 2 * p) + draw(st.integers(0, 4)) for k, p in zip(kernel, padding))
    return (draw(st.integers(1, 2)), 2, h, w), kernel, stride, padding


@GRID
@given(pool_geometry(), st.integers(0, 2**16), st.booleans(), st.booleans())
def test_fast_pools_equal_the_textbook_procedure(shapes, seed, count_include_pad, with_ties):
    shape, kernel, stride, padding = shapes
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, shape).astype(float) if with_ties else rng.standard_normal(shape)
    x = tg.tensor(a, requires_grad=True)
    y = F.max_pool2d(x, kernel, stride, padding)
    delta = rng.standard_normal(y.shape)
    y.backward(delta)
    expected, where = R.max_pool2d(a, kernel, stride, padding)
    np.testing.assert_array_equal(y.numpy(), expected)
    # overlapping windows add in another order than the loops: rounding only
    np.testing.assert_allclose(x.grad.numpy(), R.max_pool2d_backward(delta, where, shape),
                               rtol=1e-10, atol=1e-14)

    x.grad = None
    y = F.avg_pool2d(x, kernel, stride, padding, count_include_pad=count_include_pad)
    y.backward(delta)
    np.testing.assert_allclose(y.numpy(), R.avg_pool2d(a, kernel, stride, padding,
                                                       count_include_pad), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), R.avg_pool2d_backward(
        delta, shape, kernel, stride, padding, count_include_pad), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- the textbook's identities

def test_input_gradient_is_rot180_kernel_over_padded_delta():
    # DERIVATIONS.md: with δ all ones, ∂L/∂a = rot180(W) ⊗ pad_1(ones(2, 2))
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    by_rule = R.cross_correlate(R.pad(np.ones((2, 2)), 1, 1, 1, 1), R.rot180(W))
    np.testing.assert_array_equal(by_rule, [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    np.testing.assert_array_equal(
        R.conv2d_input_grad(np.ones((1, 1, 2, 2)), W[None, None], (1, 1, 3, 3))[0, 0], by_rule)


def test_kernel_gradient_formula_with_the_reference():
    rng = np.random.default_rng(0)
    a, delta = rng.standard_normal((1, 1, 3, 3)), rng.standard_normal((1, 1, 2, 2))
    grad = R.conv2d_weight_grad(a, delta, (1, 1, 2, 2))
    d, x = delta[0, 0], a[0, 0]
    np.testing.assert_allclose(grad[0, 0, 0, 0], d[0, 0] * x[0, 0] + d[0, 1] * x[0, 1]
                               + d[1, 0] * x[1, 0] + d[1, 1] * x[1, 1])


def test_worked_pooling_example_with_the_reference():
    a = np.array([[[[9, 0, 1, 2], [0, 0, 3, 7], [1, 8, 2, 0], [0, 1, 6, 1]]]], dtype=float)
    delta = np.array([[[[2.0, 8.0], [4.0, 6.0]]]])
    _, where = R.max_pool2d(a, 2)
    np.testing.assert_array_equal(R.max_pool2d_backward(delta, where, a.shape)[0, 0],
                                  [[2, 0, 0, 0], [0, 0, 0, 8], [0, 4, 0, 0], [0, 0, 6, 0]])
    np.testing.assert_array_equal(R.avg_pool2d_backward(delta, a.shape, 2)[0, 0],
                                  [[0.5, 0.5, 2, 2], [0.5, 0.5, 2, 2], [1, 1, 1.5, 1.5],
                                   [1, 1, 1.5, 1.5]])


def test_wide_convolution_commutes_exercise_5_2():
    # rot180(W) ⊗̃ X = rot180(X) ⊗̃ W, with ⊗̃ the full (wide) cross-correlation
    rng = np.random.default_rng(1)
    W, X = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))

    def wide(kernel, x):
        rows, cols = kernel.shape
        return R.cross_correlate(R.pad(x, rows - 1, rows - 1, cols - 1, cols - 1), kernel)

    np.testing.assert_allclose(wide(R.rot180(W), X), wide(R.rot180(X), W), rtol=1e-12)


def test_reference_stride_and_dilation_building_blocks():
    np.testing.assert_array_equal(R.insert_zeros(np.array([[1.0, 2.0]]), 1, 3), [[1, 0, 0, 2]])
    # a dilated 2x2 kernel reads taps 2 apart: the same as a 3x3 kernel with zeros inserted
    a = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    np.testing.assert_array_equal(R.conv2d(a, w, dilation=2),
                                  R.conv2d(a, R.insert_zeros(w[0, 0], 2, 2)[None, None]))
