"""The engine: ordering, accumulation, graph release, hooks, grad mode."""
import gc

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn.engine import topological_order


def test_reused_node_accumulates_both_uses():
    a = tg.tensor([3.0], requires_grad=True)
    b = a + a                          # ∂b/∂a = 2
    b.backward()
    assert a.grad.numpy().tolist() == [2.0]


def test_x_times_x_is_2x_not_x():
    # an early tinygrad overwrote instead of accumulating and got x here
    x = tg.tensor([5.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.numpy().tolist() == [10.0]


def test_diamond_gradients_add_over_both_paths():
    #      a
    #    /   \
    #  b=2a  c=a²
    #    \   /
    #   d = b·c = 2a³  → ∂d/∂a = 6a²
    a = tg.tensor([2.0], requires_grad=True)
    b, c = a * 2, a * a
    (b * c).backward()
    assert a.grad.numpy().tolist() == [24.0]


def test_intermediate_fan_out_is_summed_before_being_passed_on():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    h = a.exp()
    loss = (h * 3).sum() + (h * h).sum()      # ∂/∂h = 3 + 2h
    loss.backward()
    expected = (3 + 2 * np.exp([1.0, 2.0])) * np.exp([1.0, 2.0])
    np.testing.assert_allclose(a.grad.numpy(), expected, rtol=1e-6)


def test_leaf_grad_accumulates_across_backward_calls_like_pytorch():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    assert w.grad.numpy().tolist() == [6.0, 6.0]


def test_second_backward_through_a_freed_graph_says_retain_graph():
    w = tg.tensor([1.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_and_keeps_edge_deltas():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    h = w * w
    loss = h.sum()
    loss.backward(retain_graph=True)
    assert loss.grad_fn.grad_inputs[0].tolist() == [1.0, 1.0]   # δ sent to h
    loss.backward()
    assert w.grad.numpy().tolist() == [4.0, 8.0]
    assert loss.grad_fn.released and loss.grad_fn.grad_inputs is None


def test_saved_arrays_are_released_after_backward():
    w = tg.tensor([1.0], requires_grad=True)
    loss = (w * w).sum()
    mul_node = loss.grad_fn.parents[0]
    assert len(mul_node.saved_tensors) == 2
    loss.backward()
    assert mul_node.saved_tensors == () and mul_node.released


def test_intermediate_tensors_do_not_keep_grad_unless_retained():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad.numpy(), h.numpy())


def test_chain_of_100000_ops_back_propagates_without_recursion():
    import sys
    limit = sys.getrecursionlimit()
    x = tg.tensor([1.0], dtype=tg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.000001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.000001 ** 100_000], rtol=1e-9)
    assert sys.getrecursionlimit() == limit           # we never raise it


def test_topological_order_puts_producers_first():
    a = tg.tensor([1.0], requires_grad=True)
    b = a * 2
    c = b + a
    d = c * b
    order = topological_order(d.grad_fn)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if isinstance(parent, tg.function.Function):
                assert position[parent] < position[node]
    assert order[-1] is d.grad_fn and len(order) == 3


def test_graph_holds_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        w = tg.randn(3, 3, requires_grad=True)
        for _ in range(5):
            loss = ((w @ w).relu() * 2).sum()
            loss.backward()
        del loss, w
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_no_grad_context_and_decorator_and_enable_grad():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = x * 2
        with tg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def predict(t):
        return t * 3

    assert not predict(x).requires_grad and tg.is_grad_enabled()
    with tg.set_grad_enabled(False):
        assert not (x * 1).requires_grad


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


def test_hook_sees_delta_and_can_replace_it():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    seen = []
    h.register_hook(lambda delta: seen.append(delta.numpy().copy()))
    h.register_hook(lambda delta: delta * 10)          # replacement
    (h * h).sum().backward()                           # δ_h = 2h = [6, 12]
    np.testing.assert_allclose(seen[0], [6.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), [180.0, 360.0])   # 3 · 10 · δ_h


def test_leaf_hook_and_removal():
    x = tg.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda delta: delta * 0)
    (x * 2).sum().backward()
    assert x.grad.numpy().tolist() == [0.0]
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.numpy().tolist() == [2.0]


def test_hook_returning_the_wrong_shape_is_refused():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda delta: np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(3,\), expected \(2,\)"):
        (x * 2).sum().backward()


def test_backward_of_non_scalar_needs_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for a scalar output.*shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(gradient=tg.tensor([1.0, 0.5]))
    assert x.grad.numpy().tolist() == [2.0, 1.0]
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\)"):
        (x * 2).backward(gradient=tg.ones(3))


def test_backward_without_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()


def test_backward_rule_with_wrong_shape_names_the_op_and_both_shapes():
    class Broken(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, delta):
            return delta[:1]

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"broken: backward returned a gradient of shape "
                                         r"\(1,\) for an input of shape \(2,\)"):
        Broken.apply(x).sum().backward()


def test_backward_rule_with_wrong_count_is_named():
    class TwoInputs(tg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, delta):
            return delta

    a = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"two_inputs: backward returned 1 gradient"):
        TwoInputs.apply(a, a).sum().backward()


def test_gradients_keep_the_input_dtype():
    x = tg.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    w = tg.tensor(np.array([3.0, 4.0], np.float64), requires_grad=True)
    (x * w).sum().backward()                         # float64 product
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64


def test_backward_on_a_leaf_sets_its_grad_to_one():
    x = tg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_a_graph_kept_alive_after_backward_shrinks_instead_of_growing():
    """release() drops saved arrays and op settings and adds nothing, so the
    nodes of a graph still referenced after backward hold less than before."""
    import tracemalloc
    x = tg.ones(10, requires_grad=True)
    y = x
    tracemalloc.start()
    for _ in range(2000):
        y = y * 1.0001
    loss = y.sum()
    before = tracemalloc.get_traced_memory()[0]
    loss.backward()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after < before
    assert loss.grad_fn.released and loss.grad_fn.saved_tensors == ()
    assert loss.grad_fn.parents and loss.grad_fn.shape == ()      # drawings still work


def test_release_frees_op_settings_too():
    x = tg.tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True)
    values, _ = x.max(1)
    node = values.grad_fn
    assert "indices" in vars(node)
    values.sum().backward()
    assert "indices" not in vars(node) and node.name == "max"


def test_error_classes_print_under_the_package_name():
    for error in (tg.ShapeError, tg.DTypeError, tg.CheckpointError, tg.IDXError, tg.DeviceError):
        assert repr(error) == f"<class 'tinygrad_cnn.{error.__name__}'>"


def test_leaf_gradients_never_share_memory_with_each_other_or_the_graph():
    """The engine hands a fresh δ array to .grad without copying it; an array
    two inputs received (add's δ), a saved one or a view is still copied."""
    a, b = tg.ones(3, requires_grad=True), tg.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(2)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]                 # add gave both the same δ
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([1.0, 1.0], dtype=np.float32)
    x.backward(seed)                                          # backward on the leaf itself
    x.grad.add_(1)
    assert seed.tolist() == [1.0, 1.0]
    w = tg.ones(2, 3, requires_grad=True)
    inputs = tg.ones(4, 3)
    out = tg.nn.functional.linear(inputs, w)
    out.sum().backward()
    first = w.grad.numpy().copy()
    tg.nn.functional.linear(inputs, w).sum().backward()      # accumulates in place
    np.testing.assert_array_equal(w.grad.numpy(), 2 * first)
    assert inputs.tolist() == tg.ones(4, 3).tolist()


def test_a_backward_rule_returning_a_saved_array_does_not_alias_it():
    class PassThrough(tg.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x)
            return x * w

        @staticmethod
        def backward(ctx, delta):
            (x,) = ctx.saved_tensors
            return None, x                      # ∂L/∂w with δ = 1: the saved input itself

    x = tg.tensor([1.0, 2.0])
    w = tg.ones(2, requires_grad=True)
    PassThrough.apply(x, w).backward(np.ones(2, dtype=np.float32))
    w.grad.add_(10)
    assert x.tolist() == [1.0, 2.0]
