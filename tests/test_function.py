"""The Function extension API (the one built-in ops use) and gradcheck."""
import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import ops


class Swish(tg.Function):
    """y = x·σ(x), so ∂L/∂x = δ ⊙ (σ + x·σ·(1 − σ))."""

    @staticmethod
    def forward(ctx, x):
        sigma = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(x, sigma)
        return x * sigma

    @staticmethod
    def backward(ctx, delta):
        x, sigma = ctx.saved_tensors
        return delta * (sigma + x * sigma * (1 - sigma))


class WrongSwish(Swish):
    @staticmethod
    def backward(ctx, delta):
        x, sigma = ctx.saved_tensors
        return delta * sigma                    # forgets the x·σ·(1−σ) term


class ScaledAdd(tg.Function):
    """z = a + k·b with a non-tensor option k."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.k = k
        return a + k * b

    @staticmethod
    def backward(ctx, delta):
        return (delta if ctx.needs_input_grad[0] else None,
                ctx.k * delta if ctx.needs_input_grad[1] else None,
                None)


def test_built_in_ops_use_the_same_public_api():
    for op in (ops.Add, ops.MatMul, ops.Relu, ops.Sum, ops.GetItem):
        assert issubclass(op, tg.Function)
        assert isinstance(op.__dict__["forward"], staticmethod)
        assert isinstance(op.__dict__["backward"], staticmethod)
    x = tg.randn(2, requires_grad=True)
    assert isinstance((x + x).grad_fn, ops.Add)


def test_user_op_forward_backward_and_graph_node():
    x = tg.tensor([0.0, 1.0, -2.0], dtype=tg.float64, requires_grad=True)
    y = Swish.apply(x)
    sigma = 1 / (1 + np.exp(-x.numpy()))
    np.testing.assert_allclose(y.numpy(), x.numpy() * sigma)
    assert y.grad_fn.name == "swish" and y.grad_fn.parents == (x,)
    assert y.grad_fn.needs_input_grad == (True,)
    assert y.grad_fn.shape == (3,) and y.grad_fn.dtype == np.float64
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), sigma + x.numpy() * sigma * (1 - sigma))


def test_forward_sees_numpy_arrays_and_options_pass_through():
    seen = {}

    class Probe(tg.Function):
        @staticmethod
        def forward(ctx, x, factor, mode="a"):
            seen.update(x=type(x), factor=factor, mode=mode)
            return x * factor

        @staticmethod
        def backward(ctx, delta):
            seen["delta"] = type(delta)
            return delta * 2, None

    x = tg.ones(2, requires_grad=True)
    Probe.apply(x, 2, mode="b").sum().backward()
    assert seen == {"x": np.ndarray, "factor": 2, "mode": "b", "delta": np.ndarray}


def test_needs_input_grad_reports_which_inputs_require_grad():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0])
    out = ScaledAdd.apply(a, b, 10.0)
    assert out.grad_fn.needs_input_grad == (True, False, False)
    out.sum().backward()
    assert a.grad.numpy().tolist() == [1, 1] and b.grad is None


def test_no_graph_is_recorded_without_grad():
    out = Swish.apply(tg.tensor([1.0]))
    assert out.grad_fn is None and not out.requires_grad
    with tg.no_grad():
        assert Swish.apply(tg.tensor([1.0], requires_grad=True)).grad_fn is None


def test_gradcheck_passes_a_correct_op_and_catches_a_wrong_one():
    x = tg.tensor(np.linspace(-2, 2, 7), requires_grad=True)
    assert tg.gradcheck(Swish.apply, (x,))
    with pytest.raises(tg.GradcheckError) as error:
        tg.gradcheck(WrongSwish.apply, (x,))
    message = str(error.value)
    assert "input 0" in message and "index (" in message
    assert "analytic" in message and "numeric" in message


def test_gradcheck_names_the_input_and_worst_index_with_values():
    class BadSecondInput(tg.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, delta):
            a, b = ctx.saved_tensors
            grad_b = delta * a
            grad_b = grad_b.copy()
            grad_b[1, 2] += 5.0                      # one wrong entry
            return delta * b, grad_b

    a = tg.tensor(np.ones((2, 3)), requires_grad=True)
    b = tg.tensor(np.full((2, 3), 2.0), requires_grad=True)
    with pytest.raises(tg.GradcheckError, match=r"input 1 \(shape \(2, 3\)\).*index \(1, 2\)"):
        tg.gradcheck(BadSecondInput.apply, (a, b))


def test_gradcheck_still_checks_when_some_outputs_are_infinite():
    # an output entry that is -inf gets weight 0 and the others are still
    # compared: a wrong rule cannot pass because L = Σ R ⊙ f(x) came out NaN
    def tripled_with_a_minus_inf(rule):
        class Op(tg.Function):
            @staticmethod
            def forward(ctx, x):
                return np.concatenate([3 * x, [-np.inf]])

            @staticmethod
            def backward(ctx, delta):
                return rule * delta[:-1]
        return Op.apply

    x = tg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    assert tg.gradcheck(tripled_with_a_minus_inf(3.0), (x,))
    with pytest.raises(tg.GradcheckError, match="input 0"):
        tg.gradcheck(tripled_with_a_minus_inf(2.0), (x,))
    assert tg.gradcheck(lambda t: tg.nn.functional.max_pool2d(t, 2, 2, 1, 2), (     # -inf windows
        tg.tensor(np.arange(16.0).reshape(1, 1, 4, 4) / 7, requires_grad=True),))


def test_gradcheck_fails_a_nan_gradient():
    class NanBackward(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, delta):
            return delta * np.nan

    with pytest.raises(tg.GradcheckError, match="analytic nan"):
        tg.gradcheck(NanBackward.apply, (tg.tensor([1.0, 2.0], requires_grad=True),))


def test_gradcheck_works_in_float64_even_for_float32_inputs():
    x = tg.randn(4, requires_grad=True)                   # float32
    assert x.dtype == np.float32
    assert tg.gradcheck(lambda t: (t * t).sum(), (x,))
    assert x.grad is None                                 # the user's tensor is untouched


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        tg.gradcheck(lambda t: t * 2, (tg.randn(2),))


def test_a_user_op_forward_returning_integers_is_refused():
    class Rounds(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return np.round(x).astype(np.int64)

        @staticmethod
        def backward(ctx, delta):
            return delta

    with pytest.raises(TypeError, match="rounds: forward returned dtype int64"):
        Rounds.apply(tg.ones(2, requires_grad=True))


def test_scope_marks_nodes_with_their_owner():
    from tinygrad_cnn import _state
    owner = object()
    x = tg.ones(2, requires_grad=True)
    with _state.scope(owner):
        inside = x * 2
    outside = inside + 1
    assert inside.grad_fn.scope is owner and outside.grad_fn.scope is None
