"""Entrywise ops (ops/unary.py, ops/pointwise.py, ops/comparison.py and the
arithmetic of ops/elementwise.py): values and gradients equal PyTorch's over
Hypothesis-drawn (broadcast, empty) shapes, hand-checkable cases, float64
gradcheck, PyTorch's values at the edges (pow at 0, relu at NaN, ties, NaN),
and the same rejections as PyTorch."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg
from op_helpers import check_error, check_op, random_array, torch_or_skip

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0,
                                          max_side=3)

# name → (domain (low, high) or None for all reals)
UNARY = {
    "square": None, "reciprocal": (0.5, 3), "rsqrt": (0.5, 3), "log2": (0.5, 3),
    "log10": (0.5, 3), "log1p": (-0.5, 3), "exp2": None, "expm1": None, "erf": None,
    "erfc": None, "sin": None, "cos": None, "tan": (-1.2, 1.2), "asin": (-0.9, 0.9),
    "acos": (-0.9, 0.9), "atan": None, "sinh": None, "cosh": None, "asinh": None,
    "acosh": (1.2, 4), "atanh": (-0.9, 0.9), "sign": None, "sgn": None, "floor": None,
    "ceil": None, "trunc": None, "frac": None, "round": None, "exp": None, "sigmoid": None,
    "tanh": None, "abs": None, "neg": None, "relu": None,
}
# name → (domain of both inputs, whether torch takes a Python number as other)
BINARY = {
    "atan2": None, "hypot": None, "logaddexp": None, "fmax": None, "fmin": None,
    "maximum": None, "minimum": None, "fmod": (0.5, 3), "remainder": (0.5, 3),
    "xlogy": (0.2, 3), "add": None, "sub": None, "mul": None, "div": (0.5, 3),
    "pow": (0.5, 2),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes)
@SETTINGS
def test_unary_matches_torch(name, dtype, shape):
    x = random_array(shape, 0, dtype, *(UNARY[name] or (None, None)))
    check_op(lambda lib, t: getattr(lib, name)(t), x)
    check_op(lambda lib, t: getattr(t, name)(), x)             # the method is the same op


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch_float32_and_int(name):
    domain = UNARY[name]
    x = random_array((3, 4), 5, "float32", *(() if domain is None else domain))
    check_op(lambda lib, t: getattr(lib, name)(t), x)
    if name == "frac":
        check_error(lambda lib, t: lib.frac(t), np.array([1, 2]), name="frac")
    elif domain is None or domain[0] < 1:                        # ints in range: 0, 1, 2
        check_op(lambda lib, t: getattr(lib, name)(t), np.array([0, 1, 2]) if domain is None
                 else np.array([1, 2]) if domain[0] >= 0.5 else np.array([0]), grad=False)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(BINARY))
@given(shape_pair=pairs, data=st.data())
@SETTINGS
def test_binary_matches_torch_with_broadcasting(name, dtype, shape_pair, data):
    domain = BINARY[name]
    a = random_array(shape_pair.input_shapes[0], 0, dtype, *(domain or (None, None)))
    b = random_array(shape_pair.input_shapes[1], 1, dtype, *(domain or (None, None)))
    if name in ("maximum", "minimum", "fmax", "fmin") and a.size and b.size:
        ties = data.draw(st.booleans())          # ties: δ is split (max/min) or not (fmax)
        if ties:
            a = np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)).copy()
    check_op(lambda lib, x, y: getattr(lib, name)(x, y), a, b)


@pytest.mark.parametrize("name", ["fmod", "remainder", "floor_divide", "div_floor", "div_trunc"])
def test_integer_and_negative_division_like_torch(name):
    a = np.array([-7, -6, -1, 0, 1, 6, 7])
    b = np.array([2, -2, 3, -3, 2, 4, -4])
    fa, fb = a.astype("float64") + 0.5, b.astype("float64")

    def op(lib, x, y):
        if name.startswith("div_"):
            return lib.div(x, y, rounding_mode=name[4:])
        return getattr(lib, name)(x, y)
    check_op(op, a, b, grad=False)
    grad = name != "floor_divide"                 # PyTorch has no gradient for floor_divide
    check_op(op, fa, fb, grad=grad)               # float: gradients (0 for the rounded ones)
    check_op(lambda lib, x: op(lib, x, -3), a, grad=False)        # a Python number
    check_op(lambda lib, x: op(lib, x, 2.5), fa, grad=grad)


def test_division_hand_checked_and_integer_zero_rejected():
    x = tg.tensor([-7, 7])
    assert tg.div(x, 2, rounding_mode="trunc").tolist() == [-3, 3]
    assert tg.div(x, 2, rounding_mode="floor").tolist() == [-4, 3]
    assert tg.remainder(x, 3).tolist() == [2, 1] and tg.fmod(x, 3).tolist() == [-1, 1]
    check_error(lambda lib, a: lib.div(a, lib.tensor([0, 1]), rounding_mode="floor"),
                np.array([1, 2]), name="ZeroDivisionError")
    check_error(lambda lib, a: lib.remainder(a, 0), np.array([1, 2]))
    check_error(lambda lib, a: lib.div(a, 2, rounding_mode="round"), np.array([1.0]), name="div")


def test_pow_gradient_at_zero_is_pytorchs():
    """Issue 10 item 9: x**0 at x = 0, and a**b at a = 0 with b = 3 and b = 0."""
    x = tg.tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    a = tg.tensor([0.0, 0.0, 0.0], requires_grad=True)
    b = tg.tensor([3.0, 0.0, 0.5], requires_grad=True)
    (a ** b).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, float("inf")]      # b·a^(b−1): 0, 0, ∞ as PyTorch
    assert b.grad.tolist() == [0.0, 0.0, 0.0]
    check_op(lambda lib, p, q: p ** q, np.array([0.0, 0.0, 0.0, 2.0, 0.0]),
             np.array([3.0, 0.0, 0.5, 0.0, 2.0]))
    check_op(lambda lib, p: p ** 0, np.array([0.0, 1.5]))
    check_op(lambda lib, q: 0.0 ** q, np.array([0.0, 1.0, 3.0]))


def test_relu_gradient_at_nan_passes_delta():
    """Issue 10 item 11: threshold_backward zeroes δ where z ≤ 0, and NaN ≤ 0 is False."""
    x = tg.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 1.0]
    check_op(lambda lib, t: lib.relu(t), np.array([np.nan, -1.0, 0.0, 2.0]))


def test_maximum_minimum_ties_and_nan_route_delta_like_torch():
    a = np.array([1.0, 2.0, np.nan, 3.0, np.nan])
    b = np.array([1.0, 5.0, 1.0, np.nan, np.nan])
    for name in ("maximum", "minimum", "fmax", "fmin"):
        check_op(lambda lib, x, y: getattr(lib, name)(x, y), a, b)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.maximum(x, x).sum().backward()                      # a tie: δ/2 twice, so δ
    assert x.grad.tolist() == [1.0, 1.0]


def test_erf_is_accurate_in_float64():
    values = np.array([-6.0, -2.5, -1e-8, 0.0, 1e-3, 0.5, 1.0, 3.0, 5.9])
    ours = tg.erf(tg.tensor(values)).numpy()
    assert np.all(np.abs(ours - np.array([math.erf(v) for v in values])) <= 1e-16)
    assert tg.erfc(tg.tensor([10.0], dtype=tg.float64)).item() == pytest.approx(
        2.088487583762545e-45, rel=1e-14)                # 1 − erf would give 0
    check_op(lambda lib, t: lib.erf(t), values)
    check_op(lambda lib, t: lib.erfc(t), values)


def test_unary_hand_checked():
    x = tg.tensor([-1.5, -0.5, 0.5, 2.5])
    assert tg.round(x).tolist() == [-2.0, -0.0, 0.0, 2.0]         # half to even
    assert tg.floor(x).tolist() == [-2, -1, 0, 2] and tg.ceil(x).tolist() == [-1, -0, 1, 3]
    assert tg.trunc(x).tolist() == [-1, -0, 0, 2] and tg.frac(x).tolist() == [-0.5, -0.5, 0.5, 0.5]
    assert tg.sign(x).tolist() == [-1, -1, 1, 1]
    assert tg.round(tg.tensor([1.2345]), decimals=2).item() == pytest.approx(1.23)
    assert tg.square(tg.tensor([3])).tolist() == [9]               # integers stay integers
    assert tg.log2(tg.tensor([8.0])).item() == 3 and tg.exp2(tg.tensor([3.0])).item() == 8
    assert tg.sin(tg.tensor([0])).dtype == tg.float32              # integers become float32
    check_op(lambda lib, t: lib.round(t, decimals=2), np.array([1.2345, -2.5551, 0.005]))


STEPS = {"sign", "sgn", "floor", "ceil", "trunc", "round", "relu", "abs"}   # kinks: no FD


@pytest.mark.parametrize("name", sorted(set(UNARY) - STEPS))
def test_unary_gradcheck(name):
    low, high = UNARY[name] or (-1, 1)
    x = tg.tensor(random_array((2, 3), 3, "float64", low, high), requires_grad=True)
    assert tg.gradcheck(getattr(tg, name), (x,))


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "xlogy", "fmod", "remainder",
                                  "maximum", "minimum", "fmax", "fmin", "pow"])
def test_binary_gradcheck(name):
    a = tg.tensor(random_array((2, 3), 1, "float64", 0.6, 2.9), requires_grad=True)
    b = tg.tensor(random_array((3,), 2, "float64", 0.3, 0.5), requires_grad=True)
    assert tg.gradcheck(getattr(tg, name), (a, b))


@given(shape_pair=pairs)
@SETTINGS
def test_lerp_with_tensor_and_number_weight(shape_pair):
    a, b = (random_array(s, i) for i, s in enumerate(shape_pair.input_shapes))
    w = random_array(shape_pair.input_shapes[1], 7)
    check_op(lambda lib, x, y, z: lib.lerp(x, y, z), a, b, w)
    check_op(lambda lib, x, y: lib.lerp(x, y, 0.3), a, b)
    assert tg.lerp(tg.tensor([0.0]), tg.tensor([10.0]), 0.25).item() == 2.5


def test_lerp_gradcheck_and_rejections():
    a, e, w = (tg.tensor(random_array((3,), i), requires_grad=True) for i in range(3))
    assert tg.gradcheck(tg.lerp, (a, e, w))
    check_error(lambda lib, x: lib.lerp(x, lib.tensor([1, 2]), 0.5), np.array([1.0, 2.0]))


@given(shape_pair=pairs)
@SETTINGS
def test_clamp_with_tensor_bounds(shape_pair):
    x = random_array(shape_pair.input_shapes[0], 0)
    lo = random_array(shape_pair.input_shapes[1], 1) - 0.5
    hi = lo + 1.0
    check_op(lambda lib, t, l, h: lib.clamp(t, l, h), x, lo, hi)
    check_op(lambda lib, t, l: t.clamp(min=l), x, lo)
    check_op(lambda lib, t, h: lib.clamp(t, max=h), x, hi)
    check_op(lambda lib, t, l, h: lib.clamp(t, h, l), x, lo, hi)   # min > max: max wins
    check_op(lambda lib, t: lib.clamp_min(t, 0.1), x)
    check_op(lambda lib, t: lib.clamp_max(t, 0.1), x)


def test_clamp_hand_checked_and_rejections():
    x = tg.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    lo = tg.tensor([-1.0, 0.0, 0.0], requires_grad=True)
    tg.clamp(x, lo, tg.tensor(1.0)).sum().backward()
    assert x.grad.tolist() == [0, 1, 0] and lo.grad.tolist() == [1, 0, 0]
    check_error(lambda lib, t: lib.clamp(t), np.array([1.0]), name="clamp")


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_dtypes_follow_torch_promotion(name):
    """An int64 tensor with a float32 one gives float32 (not NumPy's float64);
    int with int stays integer where PyTorch keeps it; what PyTorch refuses
    (hypot of integers, fmod of bools …) is refused."""
    ints, floats = np.array([1, 2, 3]), np.array([0.5, 1.5, 2.0], dtype="float32")
    bools = np.array([True, False, True])
    for a, b in ((ints, floats), (floats, ints), (ints, ints[::-1].copy()), (bools, ints),
                 (bools, bools[::-1].copy())):
        torch = torch_or_skip()
        try:
            getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        except Exception:
            check_error(lambda lib, x, y: getattr(lib, name)(x, y), a, b)
            continue
        check_op(lambda lib, x, y: getattr(lib, name)(x, y), a, b, grad=False)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin", "atan2", "hypot",
                                  "logaddexp", "isclose"])
def test_two_tensor_ops_refuse_a_number_like_torch(name):
    check_error(lambda lib, t: getattr(lib, name)(t, 2.0), np.array([1.0]), name=name)
    check_error(lambda lib, t: getattr(lib, name)(2.0, t), np.array([1.0]), name=name)


def test_comparisons_and_tests_match_torch():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1.0 + 1e-7, 0.0])
    b = np.array([1.0, np.nan, np.inf, np.inf, 1.0, 1e-9])
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "logical_not"):
        check_op(lambda lib, x: getattr(lib, name)(x), a, grad=False)
    for name in ("logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge"):
        check_op(lambda lib, x, y: getattr(lib, name)(x, y), a, b, grad=False)
    check_op(lambda lib, x, y: lib.isclose(x, y), a, b, grad=False)
    check_op(lambda lib, x, y: lib.isclose(x, y, rtol=0, atol=1e-8, equal_nan=True), a, b,
             grad=False)
    check_op(lambda lib, x, y: lib.allclose(x, y, equal_nan=True), a, a, grad=False)
    check_op(lambda lib, x, y: lib.allclose(x, y), a, b, grad=False)
    check_op(lambda lib, x, y: lib.equal(x, y), a[2:], a[2:], grad=False)
    check_op(lambda lib, x, y: lib.equal(x, y), a[2:4], a[2:], grad=False)
    ints = np.array([12, -3, 0, 7])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        check_op(lambda lib, x, y: getattr(lib, name)(x, y), ints, ints[::-1].copy(), grad=False)
    check_op(lambda lib, x: lib.bitwise_not(x), ints, grad=False)
    check_error(lambda lib, x: lib.bitwise_and(x, x), np.array([1.0]))


def test_nan_to_num_values_and_gradient():
    x = np.array([np.nan, np.inf, -np.inf, 1.5])
    check_op(lambda lib, t: lib.nan_to_num(t), x)
    check_op(lambda lib, t: lib.nan_to_num(t, nan=2.0, posinf=9.0, neginf=-9.0), x)
    check_op(lambda lib, t: lib.nan_to_num(t), x.astype("float32"))
    assert tg.nan_to_num(tg.tensor([float("nan")]), nan=3.0).item() == 3.0


def test_in_place_twins_write_into_the_tensor():
    x = tg.tensor([0.25, 4.0])
    assert x.sqrt_() is x and x.tolist() == [0.5, 2.0]
    x.floor_().clamp_min_(1.0)
    assert x.tolist() == [1.0, 2.0]
    x.sin_()
    assert x.tolist() == pytest.approx([math.sin(1.0), math.sin(2.0)])
    leaf = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.cos_()


HAND = {   # name → (inputs, values known by heart)
    "sin": ([0.0, math.pi / 2], [0.0, 1.0]), "cos": ([0.0, math.pi], [1.0, -1.0]),
    "tan": ([0.0, math.pi / 4], [0.0, 1.0]), "asin": ([0.0, 1.0], [0.0, math.pi / 2]),
    "acos": ([1.0, 0.0], [0.0, math.pi / 2]), "atan": ([0.0, 1.0], [0.0, math.pi / 4]),
    "sinh": ([0.0], [0.0]), "cosh": ([0.0], [1.0]), "asinh": ([0.0], [0.0]),
    "acosh": ([1.0], [0.0]), "atanh": ([0.0], [0.0]), "erf": ([0.0], [0.0]),
    "erfc": ([0.0], [1.0]), "log10": ([100.0, 1.0], [2.0, 0.0]), "log1p": ([0.0], [0.0]),
    "expm1": ([0.0], [0.0]), "reciprocal": ([4.0, -0.5], [0.25, -2.0]),
    "rsqrt": ([4.0, 0.25], [0.5, 2.0]), "square": ([-3.0], [9.0]),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_unary_values_known_by_heart(name):
    inputs, expected = HAND[name]
    ours = getattr(tg, name)(tg.tensor(inputs, dtype=tg.float64)).tolist()
    assert ours == pytest.approx(expected, abs=1e-15)


def test_binary_values_known_by_heart():
    t = lambda *v: tg.tensor(v, dtype=tg.float64)               # noqa: E731
    assert tg.atan2(t(1.0, 0.0, -1.0), t(0.0, -1.0, 0.0)).tolist() == pytest.approx(
        [math.pi / 2, math.pi, -math.pi / 2])
    assert tg.hypot(t(3.0, 5.0), t(4.0, 12.0)).tolist() == [5.0, 13.0]
    assert tg.logaddexp(t(0.0), t(0.0)).item() == pytest.approx(math.log(2))
    assert tg.xlogy(t(0.0, 3.0), t(0.0, math.e)).tolist() == pytest.approx([0.0, 3.0])
    assert tg.fmax(t(1.0, math.nan), t(math.nan, math.nan)).tolist()[0] == 1.0
    a, b = t(2.0), t(3.0)
    a.requires_grad_(), b.requires_grad_()
    tg.atan2(a, b).backward()                                  # b/(a²+b²), −a/(a²+b²)
    assert (a.grad.item(), b.grad.item()) == pytest.approx((3 / 13, -2 / 13))


# ----------------------------------------------------------------------------- selected, not multiplied
# Ops whose local derivative picks an input (clamp, maximum, the steps, max() of a whole
# tensor) give exactly 0 where they do not pick: an inf or NaN δ must not become NaN there.
X_SELECT = np.array([[-3.0, -1.0, 0.5, 2.0], [4.0, 4.0, -2.0, 1.0]])
Y_SELECT = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 5.0, -2.0, 0.0]])
SELECTING = {
    "clamp": lambda m, a, b: m.clamp(a, -1.0, 1.0),
    "clamp_min": lambda m, a, b: m.clamp(a, min=0.0),
    "clamp_tensor": lambda m, a, b: m.clamp(a, min=b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b),
    "fmin": lambda m, a, b: m.fmin(a, b),
    "max": lambda m, a, b: m.max(a).reshape(1),
    "min": lambda m, a, b: m.min(a).reshape(1),
    "median": lambda m, a, b: m.median(a).reshape(1),
    "sign": lambda m, a, b: m.sign(a),
    "floor": lambda m, a, b: m.floor(a),
    "ceil": lambda m, a, b: m.ceil(a),
    "trunc": lambda m, a, b: m.trunc(a),
    "round": lambda m, a, b: m.round(a),
    "amax": lambda m, a, b: m.amax(a, 1),            # multiplies, as PyTorch's amax does
}


def _grads_for(module, name, delta_value):
    a = module.tensor(X_SELECT, requires_grad=True)
    b = module.tensor(Y_SELECT, requires_grad=True)
    out = SELECTING[name](module, a, b)
    out.backward(module.tensor(np.full(tuple(out.shape), delta_value)))
    grads = []
    for leaf_ in (a, b):
        grad = leaf_.grad
        if grad is None:
            grads.append(None)
        else:
            grads.append(grad.numpy(force=True) if module is not tg else grad.numpy())
    return grads


def test_an_infinite_delta_reaches_only_the_selected_entries_by_hand():
    grad_x, _ = _grads_for(tg, "maximum", np.inf)
    np.testing.assert_array_equal(grad_x, [[0, np.inf, np.inf / 2, 0], [np.inf, 0, np.inf, np.inf]])
    grad_x, _ = _grads_for(tg, "max", np.inf)
    np.testing.assert_array_equal(grad_x, [[0, 0, 0, 0], [np.inf, np.inf, 0, 0]])   # a tie: inf/2
    grad_x, _ = _grads_for(tg, "floor", np.nan)
    np.testing.assert_array_equal(grad_x, np.zeros((2, 4)))


@pytest.mark.parametrize("delta_value", [np.inf, np.nan, 1.5])
@pytest.mark.parametrize("name", sorted(SELECTING))
def test_selecting_backward_matches_pytorch_for_non_finite_delta(name, delta_value):
    torch = torch_or_skip()
    for ours, theirs in zip(_grads_for(tg, name, delta_value), _grads_for(torch, name, delta_value)):
        if ours is None or theirs is None:      # no gradient on one side means zeros on the other
            assert not np.any(ours if ours is not None else theirs)
            continue
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_array_equal(ours[~np.isnan(ours)], theirs[~np.isnan(theirs)])


# ----------------------------------------------------------------------------- precision at the extremes
def test_sigmoid_keeps_its_relative_precision_for_very_negative_input():
    # σ(x) = 1/(1 + e^{−x}) by hand (float64): the old ½(1 + tanh(x/2)) lost it all
    x = np.array([-88.0, -30.0, -17.0, -10.0, 0.0, 17.0])
    exact = 1 / (1 + np.exp(-x))
    for dtype, rtol in ((tg.float64, 1e-15), (tg.float32, 3e-7)):
        got = tg.sigmoid(tg.tensor(x, dtype=dtype)).numpy()
        np.testing.assert_allclose(got, exact, rtol=rtol, atol=0)
    torch = torch_or_skip()
    for dtype in (np.float32, np.float64):
        ours = tg.sigmoid(tg.tensor(x.astype(dtype))).numpy()
        np.testing.assert_allclose(ours, torch.sigmoid(torch.tensor(x.astype(dtype))).numpy(),
                                   rtol=3e-7 if dtype == np.float32 else 1e-15, atol=0)


def test_logaddexp_gradient_at_the_largest_floats_is_a_half_each():
    # z = ln(2e^a) = a + ln 2 rounds to a at 1e308, so e^{a−z} gave 1; σ(a − b) gives ½
    a = tg.tensor([1e308, -1e308, 3.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([1e308, -1e308, 3.0], dtype=tg.float64, requires_grad=True)
    tg.logaddexp(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.5, 0.5])


def test_lerp_uses_pytorchs_two_forms():
    # |w| ≥ ½ goes from the end: exact at w = 1, and an infinite start stays infinite
    start = tg.tensor([np.inf, -np.inf, 0.1, 0.1], dtype=tg.float64)
    end = tg.tensor([0.0, 0.0, 0.7, 0.7], dtype=tg.float64)
    weight = tg.tensor([0.5, 0.7, 1.0, 0.25], dtype=tg.float64)
    np.testing.assert_array_equal(tg.lerp(start, end, weight).numpy()[:3], [np.inf, -np.inf, 0.7])
    torch = torch_or_skip()
    theirs = torch.lerp(*(torch.tensor(t.numpy()) for t in (start, end, weight)))
    np.testing.assert_array_equal(tg.lerp(start, end, weight).numpy(), theirs.numpy())


# ----------------------------------------------------------------------------- operators and dtypes
def test_floor_division_and_modulo_operators_as_python_and_pytorch():
    a = tg.tensor([-7, 7, 5])
    np.testing.assert_array_equal((a // 2).numpy(), [-4, 3, 2])            # floors, like Python
    np.testing.assert_array_equal((7 // a).numpy(), [-1, 1, 1])
    np.testing.assert_array_equal((a % 3).numpy(), [2, 1, 2])              # the sign of the divisor
    np.testing.assert_array_equal((7 % a).numpy(), [0, 0, 2])
    b = a.clone()
    b //= 2
    b %= 3
    np.testing.assert_array_equal(b.numpy(), [2, 0, 2])
    x = tg.tensor([-7.5, 7.0], requires_grad=True)
    assert not (x // 2).requires_grad and (x % 2).requires_grad          # floor: no gradient
    (x % 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1])


def test_integer_dtype_rules_follow_pytorch():
    a = tg.tensor([[3, -2, 0], [7, 1, -5]])
    # negative integer exponents: 1 for 1, ±1 for −1, else 0 (NumPy refuses them)
    np.testing.assert_array_equal((2 ** a).numpy(), [[8, 0, 1], [128, 2, 0]])
    got = tg.tensor([2, 1, -1, -1, 0]) ** tg.tensor([-2, -3, -3, -2, -1])
    np.testing.assert_array_equal(got.numpy(), [0, 1, -1, 1, 0])
    assert got.dtype == tg.int64
    assert tg.clamp(a, 0.5, 4).dtype == tg.float32                         # a float bound
    assert tg.clamp(a, 0, 4).dtype == tg.int64
    mask = tg.tensor([[1, 0], [0, 0]], dtype=tg.uint8)
    assert mask.any().dtype == tg.uint8 and mask.all(1).dtype == tg.uint8  # PyTorch's quirk
    assert tg.tensor([1, 0]).any().dtype == tg.bool
    torch = torch_or_skip()
    t = torch.tensor(a.numpy())
    np.testing.assert_array_equal((2 ** a).numpy(), (2 ** t).numpy())
    np.testing.assert_array_equal((a // -2).numpy(), (t // -2).numpy())
    np.testing.assert_array_equal((a % -2).numpy(), (t % -2).numpy())
