"""``.data``, in-place ops and operators, index assignment and the version
counter, against PyTorch's values, gradients and errors."""
import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn

BASE = [[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]]


# ----- .data ---------------------------------------------------------------------------
def test_data_shares_memory_and_is_detached():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, tg.Tensor) and not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), w.numpy())
    d[0] = 5.0
    d.mul_(2)
    assert w.tolist() == [10.0, 4.0] and w.requires_grad and w.is_leaf


def test_data_update_step_as_old_programs_write_it():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.25 * w.grad.data                 # no no_grad() needed: .data is outside the graph
    w.grad.data.zero_()
    assert w.tolist() == [0.5, 1.0] and w.grad.tolist() == [0.0, 0.0] and w.is_leaf


def test_assigning_data_rebinds_the_values():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    w.data = tg.tensor([3.0, 4.0, 5.0])
    assert w.shape == (3,) and w.requires_grad
    (w * w).sum().backward()
    assert w.grad.tolist() == [6.0, 8.0, 10.0]
    w.data = np.zeros(3, np.float32)            # an array works too
    assert w.tolist() == [0.0, 0.0, 0.0]


def test_data_writes_are_not_seen_by_the_version_counter_like_torch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        y = w.sigmoid()
        y.data.zero_()                           # PyTorch does not notice; neither do we
        y.sum().backward()
        results.append(w.grad.tolist())
    assert results[0] == results[1] == [0.0, 0.0]


def test_numpy_is_the_array_itself():
    x = tg.ones(3)
    assert x.numpy() is x.numpy() and x.data.numpy() is x.numpy()
    x.numpy()[0] = 7
    assert x.tolist() == [7.0, 1.0, 1.0]


# ----- in-place methods against torch ------------------------------------------------------
INPLACE = [
    ("add_", (1.5,), {}), ("add_", ("ones",), {"alpha": 2}), ("sub_", (2,), {}),
    ("mul_", (3,), {}), ("div_", (2,), {}), ("pow_", (2,), {}), ("neg_", (), {}),
    ("clamp_", (-1, 1), {}), ("clamp_", (0,), {}), ("clamp_", (), {"max": 0.5}),
    ("zero_", (), {}), ("fill_", (7,), {}), ("fill_", ("scalar",), {}), ("relu_", (), {}),
    ("sigmoid_", (), {}), ("abs_", (), {}), ("exp_", (), {}), ("tanh_", (), {}),
    ("copy_", ("row",), {}), ("sub_", ("ones",), {"alpha": 0.5}),
]


def _arg(m, value):
    return {"ones": m.ones(2, 3), "scalar": m.tensor(4.0), "row": m.tensor([1, 2, 3])}.get(
        value, value) if isinstance(value, str) else value


@pytest.mark.parametrize("name, args, kwargs", INPLACE, ids=[f"{n}{a}" for n, a, _ in INPLACE])
def test_inplace_method_matches_torch(name, args, kwargs):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        a = m.tensor(BASE)
        version = a._version
        out = getattr(a, name)(*[_arg(m, v) for v in args], **kwargs)
        assert out is a and a._version == version + 1
        results.append(a.numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


def test_random_fills_stay_in_place():
    a = tg.zeros(200)
    assert a.uniform_(2, 3) is a and bool(((a >= 2) & (a < 3)).all())
    assert a.normal_(5.0, 0.1) is a and abs(a.mean().item() - 5.0) < 0.1 and a.dtype is tg.float32


def test_operators_write_in_place():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        a = m.arange(6.0).reshape(2, 3)
        memory = a.numpy()
        a += 1
        a -= m.tensor([1.0, 0.0, 1.0])
        a *= 2
        a /= 4
        a **= 2
        assert a.numpy() is memory or np.shares_memory(a.numpy(), memory)
        i = m.arange(4)
        i += 2
        i *= 3
        i -= 1
        results.append((a.tolist(), i.tolist(), str(i.dtype).split(".")[-1]))
    assert results[0] == results[1]


@pytest.mark.parametrize("update", [
    lambda t: t.div_(2), lambda t: t.mul_(2.5), lambda t: t.sigmoid_(),
    lambda t: t.add_(tg.ones(2) if isinstance(t, tg.Tensor) else __import__("torch").ones(2)),
])
def test_a_float_result_cannot_go_into_an_int_tensor(update):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    with pytest.raises(RuntimeError, match="can't be cast"):
        update(torch.tensor([1, 2]))
    ints = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        update(ints)
    assert ints.tolist() == [1, 2] and ints._version == 0         # nothing changed


def test_broadcast_output_shape_must_match():
    with pytest.raises(ValueError, match="doesn't match the broadcast shape"):
        tg.zeros(3).add_(tg.ones(2, 3))


# ----- autograd rules ----------------------------------------------------------------------
@pytest.mark.parametrize("modify", [
    lambda w: w.add_(1), lambda w: w.mul_(2), lambda w: w.zero_(), lambda w: w.fill_(1),
    lambda w: w.copy_(tg.zeros(2)), lambda w: w.normal_(), lambda w: w.relu_(),
    lambda w: w.__iadd__(1), lambda w: w.__setitem__(0, 3.0),
])
def test_leaf_that_requires_grad_cannot_be_modified_in_place(modify):
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError,
                       match="a leaf Variable that requires grad is being used in an in-place"):
        modify(w)
    assert w.tolist() == [1.0, 1.0] and w._version == 0
    with tg.no_grad():
        modify(w)                                 # optimizer steps and initialisation can
    assert w.is_leaf and w.requires_grad and w._version == 1


def test_leaf_error_is_the_exception_torch_raises():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad") as theirs:
        torch.ones(2, requires_grad=True).add_(1)
    with pytest.raises(RuntimeError) as ours:
        tg.ones(2, requires_grad=True).add_(1)
    assert str(theirs.value).rstrip(".") in str(ours.value)
    assert "no_grad()" in str(ours.value)        # and says what to do


def test_manual_sgd_step_under_no_grad():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    with tg.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    assert np.allclose(w.tolist(), [0.8, -1.6]) and w.is_leaf and w.grad.tolist() == [0.0, 0.0]
    (w * w).sum().backward()                      # the next step still works
    assert np.allclose(w.grad.tolist(), [1.6, -3.2])


CHAINS = {
    "add mul": lambda m, x: (lambda y: (y.add_(1).mul_(x), y)[1])(x * 2),
    "sub div neg": lambda m, x: (lambda y: (y.sub_(x).div_(3).neg_(), y)[1])(x * x),
    "pow": lambda m, x: (lambda y: (y.pow_(3), y)[1])(x + 1),
    "clamp": lambda m, x: (lambda y: (y.clamp_(-1.0, 1.5), y)[1])(x * 2),
    "relu": lambda m, x: (lambda y: (y.relu_(), y)[1])(x * 3),
    "sigmoid": lambda m, x: (lambda y: (y.sigmoid_(), y)[1])(x * 1),
    "iadd imul": lambda m, x: (lambda y: (y.__iadd__(x), y.__imul__(2), y)[2])(x * 1),
    "setitem value": lambda m, x: (lambda y: (y.__setitem__(slice(1, 3), x[:2] * x[:2]), y)[1])(x * 1),
    "setitem mask": lambda m, x: (lambda y: (y.__setitem__(y < 0, 0), y)[1])(x * 2),
    "setitem scalar": lambda m, x: (lambda y: (y.__setitem__(0, 5.0), y)[1])(x.clone()),
    "setitem tensor": lambda m, x: (lambda y: (y.__setitem__(1, x.sum()), y)[1])(x * 1),
    "copy": lambda m, x: (lambda y: (y.copy_(x * 3), y)[1])(m.zeros(2, 4)),
    "zero then add": lambda m, x: (lambda y: (y.zero_(), y.add_(x), y)[2])(x * 5),
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_gradients_through_inplace_chains_equal_torch(name):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        x = m.tensor([0.5, -1.0, 2.0, -0.3], requires_grad=True)
        y = CHAINS[name](m, x)
        weights = m.arange(1.0, y.numel() + 1).reshape(y.shape)
        (y * weights).sum().backward()
        assert y.requires_grad and not y.is_leaf
        results.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)


def test_setitem_into_a_constant_tensor_records_the_value():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    grads = []
    for m in (torch, tg):
        v = m.tensor([2.0, 3.0], requires_grad=True)
        buffer = m.zeros(4)
        buffer[1:3] = v * v
        assert buffer.requires_grad
        (buffer * m.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        grads.append(v.grad.tolist())
    assert grads[0] == grads[1] == [8.0, 18.0]


def test_relu_inplace_really_runs_in_place():
    x = tg.tensor([-1.0, 2.0])
    memory = x.numpy()
    assert nn.ReLU(inplace=True)(x) is x and x.numpy() is memory and x.tolist() == [0.0, 2.0]
    y = tg.tensor([-3.0, 4.0])
    assert nn.functional.relu(y, inplace=True) is y and y.tolist() == [0.0, 4.0]


# ----- the version counter ------------------------------------------------------------
def test_modifying_a_saved_tensor_is_detected_at_backward():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * y
        y.add_(1)
        z.sum().backward()
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError) as raised:
        z.sum().backward()
    message = str(raised.value)
    assert "modified by an inplace operation" in message
    assert "'mul' node" in message                    # the op that needed the values
    assert "by add_" in message                       # the op that overwrote them
    assert "float32 tensor of shape (2,)" in message  # which tensor
    assert "version 1; expected version 0" in message
    assert x.grad is None                             # nothing accumulated before the error


@pytest.mark.parametrize("modify, op", [
    (lambda c: c.add_(1), "add_"), (lambda c: c.__setitem__(0, 9.0), "setitem"),
    (lambda c: c.__imul__(2), "mul_"), (lambda c: c.zero_(), "zero_"),
])
def test_modifying_a_saved_input_names_the_op(modify, op):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([3.0, 4.0])
    z = x * c                                         # mul saves c for ∂z/∂x
    modify(c)
    with pytest.raises(RuntimeError, match=f"input 1 .*'mul' node.* by {op}"):
        z.sum().backward()


def test_saved_output_and_saved_view_are_watched_too():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    y = x.exp()                                       # exp saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="its output .*'exp' node.* by mul_"):
        y.sum().backward()
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    w = tg.tensor([2.0, 3.0], requires_grad=True)
    z = x[0] * w                                      # a view of x is saved
    x.add_(1)                                         # writing the base changes the view
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_ops_that_save_nothing_are_not_disturbed():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    grads = []
    for m in (torch, tg):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([3.0, 4.0])
        z = x + c                                     # add saves nothing
        c.add_(1)
        z.sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [1.0, 1.0]


def test_version_counts_every_write_and_is_shared_by_views_and_detach():
    a = tg.zeros(3)
    assert a._version == 0
    a.add_(1)
    a[0] = 2
    a += 1
    assert a._version == 3
    d = a.detach()
    d.mul_(2)
    assert a._version == 4 and a.tolist() == [6.0, 4.0, 4.0]
    v = a[1:]
    v.zero_()
    assert a._version == v._version == 5 and a.tolist() == [6.0, 0.0, 0.0]


# ----- in place through a view ---------------------------------------------------------------
VIEW_CHAINS = {
    "slice mul_": lambda m, x: (lambda y: (y[0:2].mul_(3), y)[1])(x * 2),
    "row add_": lambda m, x: (lambda y: (y[1].add_(x[0]), y)[1])(x.reshape(2, 2) * 1),
    "transpose add_": lambda m, x: (lambda y: (y.t().add_(m.tensor([[1.0, 2.0], [3.0, 4.0]])), y)[1])(
        x.reshape(2, 2) * x.reshape(2, 2)),
    "element fill_": lambda m, x: (lambda y: (y[1].fill_(7.0), y)[1])(x * x),
    "copy_ into a constant's view": lambda m, x: (lambda y: (y[1:3].copy_(x[:2] * x[:2]), y)[1])(
        m.zeros(4)),
    "column chain": lambda m, x: (lambda y: (y[:, 0].sub_(1).relu_(), y)[1])(x.reshape(2, 2) * 2),
    "view then base": lambda m, x: (lambda y: (y[2:].mul_(x[:2]), y.add_(1), y)[2])(x * 1),
    "the view itself": lambda m, x: (lambda y: y[0:2].mul_(3))(x * 2),
    "view of a reshape": lambda m, x: (lambda y: (y.view(2, 2)[0].mul_(5), y)[1])(x * 1),
}


@pytest.mark.parametrize("name", sorted(VIEW_CHAINS))
def test_inplace_through_a_view_equals_torch(name):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        x = m.tensor([0.5, -1.0, 2.0, 1.5], requires_grad=True)
        y = VIEW_CHAINS[name](m, x)
        (y * m.arange(1.0, y.numel() + 1).reshape(y.shape)).sum().backward()
        results.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)


def test_inplace_through_a_view_by_hand():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2                                        # ∂y/∂x = 2
    y[1:].mul_(x[1:])                                # y = [2x0, 2x1², 2x2²]
    y.sum().backward()
    assert y.tolist() == [2.0, 8.0, 18.0] and x.grad.tolist() == [2.0, 8.0, 12.0]
    assert y.grad_fn.name == "index_put"


def test_views_of_leaves_and_expanded_views_are_refused_like_torch():
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0:1].mul_(2)
    assert w.tolist() == [1.0, 1.0]
    y = tg.ones(1, requires_grad=True) * tg.ones(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.expand(2, 3).add_(1)


def test_a_saved_tensor_written_through_a_view_is_detected():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    y = x.exp()                                      # exp saves its output
    y[0].zero_()
    with pytest.raises(RuntimeError, match="its output .*'exp' node.* by zero_"):
        y.sum().backward()


def test_an_element_is_a_view_as_in_torch():
    x = tg.zeros(3)
    x[1].fill_(5)                                    # x[1] shares x's memory
    assert x.tolist() == [0.0, 5.0, 0.0]
    w = tg.ones(2, 2, requires_grad=True)
    with tg.no_grad():
        w[0, 0].add_(3)
        w[1][1].mul_(4)
    assert w.tolist() == [[4.0, 1.0], [1.0, 4.0]] and w.is_leaf
    assert x[1].shape == () and x[tg.tensor(1)].item() == 5.0


def test_augmented_item_assignment_equals_torch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        a = m.zeros(3)
        a[0] += 1                                    # a view's add_, then setitem
        a[1:] += 2
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y[0] += x[1] * 3
        y[2] *= x[0]
        (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        results.append((a.tolist(), y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]
    assert results[1] == ([1.0, 2.0, 2.0], [7.0, 2.0, 3.0], [10.0, 5.0, 3.0])
