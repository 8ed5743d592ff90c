"""Activations: gelu (both forms), the ELU family, silu, mish, softplus,
softsign, logsigmoid, tanhshrink, hardtanh, relu6, hardsigmoid, hardswish,
threshold, prelu, glu, softmin and the softmax modules. Each: a case
checkable by hand, a float64 gradcheck, a PyTorch comparison of values and
gradients over drawn shapes — including the kinks, the thresholds, huge
inputs and NaN — and PyTorch's reprs."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F

FAST = settings(max_examples=15, deadline=None, derandomize=True)


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


def leaf(array, dtype=np.float64):
    return tg.tensor(np.asarray(array, dtype=dtype), requires_grad=True)


def grad_of(fn, values):
    """f(x) and ∂Σf/∂x at ``values`` (float64)."""
    x = leaf(values)
    y = fn(x)
    y.sum().backward()
    return y.numpy(), x.grad.numpy()


# (name, keyword options): every elementwise activation and the settings we check
ELEMENTWISE = [
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("elu", {}), ("elu", {"alpha": 0.5}),
    ("selu", {}), ("celu", {}), ("celu", {"alpha": 2.0}), ("silu", {}), ("mish", {}),
    ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 1.0}), ("softsign", {}),
    ("logsigmoid", {}), ("tanhshrink", {}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("relu6", {}), ("hardsigmoid", {}),
    ("hardswish", {}), ("threshold", {"threshold": 0.5, "value": -2.0}), ("relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in options.items()) for name, options in ELEMENTWISE]

# the kinks and thresholds of the activations above, and huge and non-finite inputs
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, -3.0, 6.0, 20.0, 0.5000001, 1e4, -1e4, 50.0, -50.0]


def call(module, name, options, x):
    if name == "threshold":
        return getattr(module, name)(x, options["threshold"], options["value"])
    return getattr(module, name)(x, **options)


# ================================================================ by hand

def test_smooth_activations_by_hand():
    phi = lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))                          # noqa: E731
    values, grads = grad_of(F.gelu, [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(values, [-phi(-1), 0.0, 2 * phi(2)])                # x Φ(x)
    pdf = lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi)                   # noqa: E731
    np.testing.assert_allclose(grads, [phi(-1) - pdf(-1), 0.5, phi(2) + 2 * pdf(2)])  # Φ + xφ
    values, grads = grad_of(lambda t: F.elu(t, alpha=2.0), [-1.0, 0.0, 3.0])
    np.testing.assert_allclose(values, [2 * (math.exp(-1) - 1), 0.0, 3.0])
    np.testing.assert_allclose(grads, [2 * math.exp(-1), 2.0, 1.0])  # α eˣ at 0 (left)
    values, grads = grad_of(F.selu, [-1.0, 1.0])
    scale, alpha = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(values, [scale * alpha * (math.exp(-1) - 1), scale])
    np.testing.assert_allclose(grads, [scale * alpha * math.exp(-1), scale])
    values, grads = grad_of(lambda t: F.celu(t, alpha=2.0), [-2.0])
    np.testing.assert_allclose(values, [2 * (math.exp(-1) - 1)])                    # α(e^{x/α} − 1)
    np.testing.assert_allclose(grads, [math.exp(-1)])                               # e^{x/α}
    values, grads = grad_of(F.silu, [0.0, 1.0])
    s = 1 / (1 + math.exp(-1))
    np.testing.assert_allclose(values, [0.0, s])
    np.testing.assert_allclose(grads, [0.5, s * (1 + (1 - s))])  # σ(1 + x(1 − σ))
    values, grads = grad_of(F.mish, [0.0])
    np.testing.assert_allclose(values, [0.0])
    np.testing.assert_allclose(grads, [math.tanh(math.log(2))])                     # T + 0
    values, grads = grad_of(lambda t: F.softplus(t, beta=2.0, threshold=4.0), [0.0, 3.0])
    np.testing.assert_allclose(values, [math.log(2) / 2, 3.0])  # 2·3 > 4: linear
    np.testing.assert_allclose(grads, [0.5, 1.0])                                   # σ(βx), 1
    values, grads = grad_of(F.logsigmoid, [0.0, -1e4])
    np.testing.assert_allclose(values, [-math.log(2), -1e4])
    np.testing.assert_allclose(grads, [0.5, 1.0])                                   # 1 − σ(x)
    values, grads = grad_of(F.softsign, [-3.0, 1.0])
    np.testing.assert_allclose(values, [-0.75, 0.5])
    np.testing.assert_allclose(grads, [1 / 16, 1 / 4])                              # 1/(1 + |x|)²
    values, grads = grad_of(F.tanhshrink, [1.0])
    np.testing.assert_allclose(values, [1 - math.tanh(1)])
    np.testing.assert_allclose(grads, [math.tanh(1) ** 2])


def test_piecewise_activations_by_hand_with_pytorchs_sides_at_the_kinks():
    values, grads = grad_of(F.hardtanh, [-2.0, -1.0, 0.5, 1.0, 2.0])
    np.testing.assert_array_equal(values, [-1, -1, 0.5, 1, 1])
    np.testing.assert_array_equal(grads, [0, 0, 1, 0, 0])                           # 0 at the edges
    values, grads = grad_of(F.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0])
    np.testing.assert_array_equal(values, [0, 0, 3, 6, 6])
    np.testing.assert_array_equal(grads, [0, 0, 1, 0, 0])
    values, grads = grad_of(F.hardsigmoid, [-4.0, -3.0, 0.0, 3.0, 4.0])
    np.testing.assert_allclose(values, [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(grads, [0, 0, 1 / 6, 0, 0])
    values, grads = grad_of(F.hardswish, [-4.0, -3.0, 0.0, 3.0, 4.0])
    np.testing.assert_allclose(values, [0, 0, 0, 3, 4])
    np.testing.assert_allclose(grads, [0, 0, 0.5, 1, 1])  # x/3 + 1/2 on (−3, 3)
    values, grads = grad_of(lambda t: F.threshold(t, 1.0, -5.0), [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(values, [-5, -5, 2])
    np.testing.assert_array_equal(grads, [0, 0, 1])


def test_prelu_by_hand_sums_the_slope_gradient_over_each_channel():
    x = leaf(np.array([[[-1.0, 2.0], [-4.0, 1.0]], [[-3.0, 0.0], [5.0, -2.0]]]))  # (N=2, C=2, L=2)
    a = leaf([0.25, 0.5])
    y = F.prelu(x, a)
    assert y.grad_fn.name == "prelu"
    np.testing.assert_allclose(y.numpy(), [[[-0.25, 2.0], [-2.0, 1.0]],
                                           [[-0.75, 0.0], [5.0, -1.0]]])
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [-1.0 - 3.0 + 0.0, -4.0 - 2.0])     # Σ x where x ≤ 0
    np.testing.assert_allclose(x.grad.numpy(), [[[0.25, 1], [0.5, 1]], [[0.25, 0.25], [1, 0.5]]])
    prelu = nn.PReLU()
    z = tg.tensor([[-4.0, 4.0]])
    np.testing.assert_allclose(prelu(z).numpy(), [[-1.0, 4.0]])                      # init 0.25
    prelu(z).sum().backward()
    np.testing.assert_allclose(prelu.weight.grad.numpy(), [-4.0])


def test_glu_and_softmin_by_hand():
    x = leaf([[2.0, -1.0, 0.0, np.log(3.0)]])
    y = F.glu(x)  # a = (2, −1), b = (0, log 3)
    np.testing.assert_allclose(y.numpy(), [[1.0, -0.75]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0.75, 2 * 0.25, -1 * 0.75 * 0.25]])
    np.testing.assert_allclose(F.softmin(tg.tensor([0.0, np.log(3.0)]), dim=0).numpy(),
                               [0.75, 0.25], rtol=1e-6)


# ================================================================ against PyTorch

@pytest.mark.parametrize("name,options", ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_matches_pytorch_at_kinks_edges_and_nan(name, options, dtype):
    torch = torch_or_skip()
    x_np = np.array(EDGES + [np.nan, -np.nan], dtype=dtype)
    delta = np.linspace(0.5, 1.5, x_np.size).astype(dtype)
    x = tg.tensor(x_np, requires_grad=True)
    t = torch.tensor(x_np, requires_grad=True)
    ours, theirs = call(F, name, options, x), call(torch.nn.functional, name, options, t)
    tolerance = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-6, atol=1e-6)
    if name == "hardsigmoid" and dtype == np.float64:
        tolerance = dict(rtol=1e-7, atol=1e-12)    # PyTorch's backward uses a float32 1/6
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **tolerance)
    assert ours.dtype == dtype and ours.grad_fn.parents[0] is x                      # one node
    ours.backward(delta)
    theirs.backward(torch.tensor(delta))
    keep = np.ones(x_np.shape, dtype=bool)
    if name in ("relu", "hardtanh", "relu6", "hardswish", "elu", "selu", "celu"):
        # relu: the core op (tinygrad_cnn.ops.elementwise) blocks δ at NaN, PyTorch passes it.
        # The others: PyTorch's δ at NaN depends on the element's position and dtype (its
        # vectorised and scalar loops disagree: 0, NaN or δ); ours always passes δ.
        keep = ~np.isnan(x_np)
    np.testing.assert_allclose(x.grad.numpy()[keep], t.grad.numpy()[keep], **tolerance)


@pytest.mark.parametrize("name", ["relu", "hardtanh", "relu6", "hardsigmoid", "hardswish",
                                  "threshold"])
def test_an_infinite_delta_gives_zero_where_the_slope_is_zero(name):
    # where f' = 0 the gradient is 0, not inf·0 = NaN (PyTorch's values); inside it is inf
    options = {"threshold": 0.0, "value": 0.0} if name == "threshold" else {}
    x = tg.tensor([-5.0, 0.5], requires_grad=True)
    call(F, name, options, x).backward(np.array([np.inf, np.inf], dtype=np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, np.inf])


@pytest.mark.parametrize("name", ["hardtanh", "relu6", "hardswish", "elu", "threshold"])
def test_nan_input_passes_delta_through(name):
    options = {"threshold": 0.0, "value": 0.0} if name == "threshold" else {}
    x = tg.tensor([np.nan, 0.5], requires_grad=True)
    y = call(F, name, options, x)
    assert np.isnan(y.numpy()[0])
    y.backward(np.array([2.0, 0.0], dtype=np.float32))
    assert x.grad.numpy()[0] == 2.0


@FAST
@given(data=st.data(), case=st.sampled_from(ELEMENTWISE))
def test_elementwise_matches_pytorch_and_gradcheck_over_drawn_shapes(data, case):
    name, options = case
    shape = tuple(data.draw(st.lists(st.integers(0, 4), max_size=3)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = np.asarray(rng.standard_normal(shape) * 3)
    if x.size:
        assert tg.gradcheck(lambda t: call(F, name, options, t), (leaf(x),))
    torch = torch_or_skip()                                  # the gradcheck runs without it
    mine = leaf(x)
    other = torch.tensor(x, requires_grad=True)
    y, z = call(F, name, options, mine), call(torch.nn.functional, name, options, other)
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=1e-12, atol=1e-12)
    delta = np.asarray(np.random.default_rng(1).standard_normal(shape))
    y.backward(delta)
    z.backward(torch.tensor(delta))
    rtol = 1e-7 if name == "hardsigmoid" else 1e-12     # PyTorch's backward: a float32 1/6
    np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=rtol, atol=1e-12)


@FAST
@given(data=st.data())
def test_prelu_glu_and_softmax_family_match_pytorch_and_gradcheck(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.standard_normal(shape) * 3
    channels = shape[1] if len(shape) > 1 else 1
    weight = rng.random(channels if data.draw(st.booleans()) else 1)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    cases = [("prelu", F.prelu, [x, weight])]                # (torch name, ours, inputs)
    for name in ("softmin", "softmax", "log_softmax"):
        cases.append((name, lambda a, f=getattr(F, name): f(a, dim), [x]))
    if shape[dim] % 2 == 0:
        cases.append(("glu", lambda a: F.glu(a, dim), [x]))
    for _, ours, arrays in cases:
        assert tg.gradcheck(ours, [leaf(a) for a in arrays])
    torch = torch_or_skip()                                  # the gradchecks run without it
    for name, ours, arrays in cases:
        extra = (dim,) if name != "prelu" else ()
        mine = [leaf(a) for a in arrays]
        other = [torch.tensor(a, requires_grad=True) for a in arrays]
        y, z = ours(*mine), getattr(torch.nn.functional, name)(*other, *extra)
        np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=1e-12, atol=1e-12)
        out_delta = np.asarray(rng.standard_normal(y.shape))
        y.backward(out_delta)
        z.backward(torch.tensor(out_delta))
        for m, o in zip(mine, other):
            np.testing.assert_allclose(m.grad.numpy(), o.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_huge_inputs_stay_finite():
    x = leaf([-1e4, 1e4, -800.0, 800.0])
    for name, options in ELEMENTWISE:
        y = call(F, name, options, x)
        y.backward(np.ones(4))
        assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all(), name
        x.grad = None


# ================================================================ modules

MODULES = [
    ("GELU", ()), ("GELU", ("tanh",)), ("ELU", ()), ("ELU", (0.5, True)), ("SELU", ()),
    ("SELU", (True,)), ("CELU", ()), ("CELU", (2.0,)), ("SiLU", ()), ("SiLU", (True,)),
    ("Mish", ()), ("Mish", (True,)), ("Softplus", ()), ("Softplus", (2, 10)), ("Softsign", ()),
    ("Hardtanh", ()), ("Hardtanh", (-2, 3, True)), ("Hardsigmoid", ()), ("Hardsigmoid", (True,)),
    ("Hardswish", (True,)), ("ReLU6", ()), ("ReLU6", (True,)), ("PReLU", ()), ("PReLU", (3, 0.1)),
    ("GLU", ()), ("GLU", (1,)), ("LogSigmoid", ()), ("Softmin", ()), ("Softmin", (1,)),
    ("Softmax", ()), ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Softmax2d", ()),
    ("Tanhshrink", ()), ("Threshold", (0.1, 20)), ("Threshold", (0.1, 20, True)),
]


@pytest.mark.parametrize("name,args", MODULES, ids=[f"{n}{a}" for n, a in MODULES])
def test_modules_repr_and_forward_match_pytorch(name, args):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(3).standard_normal((2, 4, 2, 2)).astype(np.float32) * 3
    if name == "PReLU":
        assert list(ours.state_dict()) == ["weight"]
        assert ours.weight.shape == tuple(theirs.weight.shape)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy())
        if args:
            x = x[:, :3]
    if name in ("Softmax", "Softmin") and not args:                 # implicit dim 1 for 4-D
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            y, z = ours(tg.tensor(x)), theirs(torch.tensor(x))
    else:
        y, z = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), rtol=2e-6, atol=1e-6)


def test_inplace_modules_write_into_their_input():
    for module in (nn.ELU(inplace=True), nn.SiLU(inplace=True), nn.Hardtanh(inplace=True),
                   nn.ReLU6(inplace=True), nn.Hardswish(inplace=True), nn.SELU(inplace=True)):
        x = tg.tensor([-1.0, 2.0])
        expected = type(module)()(x).numpy().copy()        # the out-of-place result
        assert module(x) is x
        np.testing.assert_allclose(x.numpy(), expected)
    x = tg.tensor([-1.0, 2.0])
    assert F.leaky_relu(x, 0.5, inplace=True) is x and x.numpy().tolist() == [-0.5, 2.0]


def test_activation_errors():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        F.gelu(tg.zeros(2), approximate="fast")
    with pytest.raises(DTypeError, match=r"elu: expected a floating-point input, got \(2,\) int64"):
        F.elu(tg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"glu: halving dimension must be even, but dimension 1 "
                                           r"is size 3"):
        F.glu(tg.zeros(2, 3))
    with pytest.raises(ShapeError, match=r"prelu: weight must hold 1 slope or one per channel "
                                         r"\(input dim 1 has 3\)"):
        F.prelu(tg.zeros(2, 3), tg.ones(2))
    with pytest.raises(ValueError, match=r"Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(tg.zeros(2, 3))
    with pytest.raises(ValueError, match=r"min_val \(2\) cannot be greater than max_val \(1\)"):
        nn.Hardtanh(2, 1)
    with pytest.raises(IndexError, match="softmin: dim 2 is out of range"):
        F.softmin(tg.zeros(2, 3), 2)


@pytest.mark.parametrize("make", [
    lambda: nn.ReLU(inplace=True), lambda: nn.LeakyReLU(0.1, inplace=True),
    lambda: nn.ELU(inplace=True), lambda: nn.Hardtanh(inplace=True), lambda: nn.ReLU6(True),
    lambda: nn.SiLU(inplace=True), lambda: nn.Hardswish(inplace=True)])
def test_inplace_activations_overwrite_their_input_with_pytorchs_gradient(make):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    data = np.array([[-2.0, -0.5, 0.0, 0.7, 3.0, 7.0]])
    x = tg.tensor(data, requires_grad=True)
    hidden = x * 1.5                                     # a non-leaf: in place is allowed
    out = make()(hidden)
    assert out is hidden and hidden.grad_fn is not None
    (out * tg.tensor(data)).sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    t_hidden = tx * 1.5
    torch_module = getattr(torch.nn, type(make()).__name__)
    t_out = torch_module(*([0.1] if "Leaky" in type(make()).__name__ else []), inplace=True)(
        t_hidden)
    (t_out * torch.tensor(data)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_inplace_relu_on_a_leaf_that_requires_grad_is_refused():
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(x, inplace=True)
    plain = tg.tensor([-1.0, 2.0])
    assert F.relu(plain, inplace=True) is plain and plain.tolist() == [0.0, 2.0]


def test_elu_family_and_gelu_keep_their_precision_at_the_extremes():
    # by hand, in float64 with math: ELU(x) = e^x − 1 (expm1 for tiny x), ELU'(x) = e^x far
    # left; GELU(x) = x·erfc(−x/√2)/2 in the left tail, where 1 + erf(x/√2) cancels
    import math
    tiny = np.array([-1e-8, -3e-6], dtype=np.float32)
    np.testing.assert_allclose(F.elu(tg.tensor(tiny)).numpy(), np.expm1(tiny.astype(np.float64)),
                               rtol=1e-6)
    x = tg.tensor([-30.0, -4.4], dtype=tg.float64, requires_grad=True)
    F.elu(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([-30.0, -4.4]), rtol=1e-15)
    left = [-10.0, -6.5, -4.4]
    exact = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in left]
    np.testing.assert_allclose(F.gelu(tg.tensor(left, dtype=tg.float64)).numpy(), exact,
                               rtol=1e-14)
    # float32: the tail's own conditioning (x² · ε ≈ 3e-6 at x = −6.5); the old form was 3e-3 off
    np.testing.assert_allclose(F.gelu(tg.tensor(left)).numpy(), exact, rtol=1e-5)
