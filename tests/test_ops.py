"""Every core op: hand-checkable values, float64 gradcheck (with broadcast
shapes drawn by Hypothesis) and values + gradients equal to PyTorch's."""
import types

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg

SETTINGS = settings(max_examples=25, deadline=None)


def randn(*shape, positive=False, seed=0):
    values = np.random.default_rng(seed).standard_normal(shape)
    if positive:
        values = np.abs(values) + 0.5
    return values


# --------------------------------------------------------------------------
# hand-checkable values
# --------------------------------------------------------------------------
def test_arithmetic_values_by_hand():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = tg.tensor([10.0, 20.0])
    assert (a + b).numpy().tolist() == [[11, 22], [13, 24]]
    assert (a - 1).numpy().tolist() == [[0, 1], [2, 3]]
    assert (1 - a).numpy().tolist() == [[0, -1], [-2, -3]]
    assert (a * b).numpy().tolist() == [[10, 40], [30, 80]]
    assert (a / 2).numpy().tolist() == [[0.5, 1], [1.5, 2]]
    assert (2 / tg.tensor([4.0])).numpy().tolist() == [0.5]
    assert (a ** 2).numpy().tolist() == [[1, 4], [9, 16]]
    assert (2 ** tg.tensor([3.0])).numpy().tolist() == [8.0]
    assert (-a).numpy().tolist() == [[-1, -2], [-3, -4]]
    assert (a @ a).numpy().tolist() == [[7, 10], [15, 22]]
    assert a.sum().item() == 10 and a.mean(dim=0).numpy().tolist() == [2, 3]
    assert a.amax(dim=1).numpy().tolist() == [2, 4] and a.min().item() == 1
    values, indices = a.max(dim=0)
    assert values.numpy().tolist() == [3, 4] and indices.numpy().tolist() == [1, 1]
    assert tg.tensor([-1.0, 0.5, 2.0]).relu().numpy().tolist() == [0, 0.5, 2]
    assert tg.tensor([-1.0, 0.5, 2.0]).clamp(0, 1).numpy().tolist() == [0, 0.5, 1]
    assert a.flatten().numpy().tolist() == [1, 2, 3, 4] and a.T.numpy().tolist() == [[1, 3], [2, 4]]


def test_gradients_by_hand():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x ** 3).sum().backward()                            # 3x²
    assert x.grad.numpy().tolist() == [3, 12, 27]

    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tg.tensor([10.0, 20.0], requires_grad=True)
    (a * b).sum().backward()                             # b broadcast over rows
    assert a.grad.numpy().tolist() == [[10, 20], [10, 20]]
    assert b.grad.numpy().tolist() == [4, 6]                # summed back to (2,)

    m = tg.tensor([[1.0, 5.0], [5.0, 2.0]], requires_grad=True)
    m.amax().backward()                                  # tie: shared evenly
    assert m.grad.numpy().tolist() == [[0, 0.5], [0.5, 0]]
    m.grad = None
    m.max(dim=1).values.sum().backward()                 # routed to the index
    assert m.grad.numpy().tolist() == [[0, 1], [1, 0]]

    v = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v[tg.tensor([0, 0, 2])].sum().backward()             # repeated index accumulates
    assert v.grad.numpy().tolist() == [2, 0, 1]


# --------------------------------------------------------------------------
# framework-neutral op table: each op is written once for tinygrad_cnn and torch
# --------------------------------------------------------------------------
def _tg_ns():
    return types.SimpleNamespace(cat=tg.cat, stack=tg.stack, where=tg.where, pad=tg.pad)


def _torch_ns(torch):
    import torch.nn.functional as TF
    return types.SimpleNamespace(cat=torch.cat, stack=torch.stack, where=torch.where, pad=TF.pad)


UNARY = {
    "neg": (lambda m, x: -x, {}),
    "exp": (lambda m, x: x.exp(), {}),
    "log": (lambda m, x: x.log(), {"positive": True}),
    "sqrt": (lambda m, x: x.sqrt(), {"positive": True}),
    "tanh": (lambda m, x: x.tanh(), {}),
    "sigmoid": (lambda m, x: x.sigmoid(), {}),
    "relu": (lambda m, x: x.relu(), {}),
    "abs": (lambda m, x: x.abs(), {}),
    "clamp": (lambda m, x: x.clamp(-0.5, 0.7), {}),
    "clamp_min": (lambda m, x: x.clamp(min=0.1), {}),
    "pow_scalar": (lambda m, x: x ** 3, {}),
    "pow_fractional": (lambda m, x: x ** 0.5, {"positive": True}),
    "rpow": (lambda m, x: 2.0 ** x, {}),
    "rsub": (lambda m, x: 1.0 - x, {}),
    "rdiv": (lambda m, x: 1.0 / x, {"positive": True}),
    "sum": (lambda m, x: x.sum(), {}),
    "sum_dim": (lambda m, x: x.sum(dim=1), {}),
    "sum_tuple_keepdim": (lambda m, x: x.sum(dim=(0, 2), keepdim=True), {}),
    "mean": (lambda m, x: x.mean(dim=-1), {}),
    "mean_all": (lambda m, x: x.mean(), {}),
    "amax": (lambda m, x: x.amax(dim=(1, 2)), {}),
    "amin_keepdim": (lambda m, x: x.amin(dim=0, keepdim=True), {}),
    "max_all": (lambda m, x: x.max(), {}),
    "max_dim": (lambda m, x: x.max(dim=1).values, {}),
    "min_dim_keepdim": (lambda m, x: x.min(dim=2, keepdim=True).values, {}),
    "reshape": (lambda m, x: x.reshape(4, -1), {}),
    "view": (lambda m, x: x.view(-1), {}),
    "flatten": (lambda m, x: x.flatten(1), {}),
    "transpose": (lambda m, x: x.transpose(0, 2), {}),
    "permute": (lambda m, x: x.permute(2, 0, 1), {}),
    "squeeze_unsqueeze": (lambda m, x: x.unsqueeze(1).squeeze(1).unsqueeze(-1), {}),
    "getitem_slices": (lambda m, x: x[1:, ::2, None, -1], {}),
    "getitem_int_array": (lambda m, x: x[[0, 1, 0]], {}),
    "getitem_mixed": (lambda m, x: x[:, [2, 0, 2], 1], {}),
    "pad": (lambda m, x: m.pad(x, (1, 2, 0, 1)), {}),
    "cat": (lambda m, x: m.cat([x, x * 2, x[:, :1]], dim=1), {}),
    "stack": (lambda m, x: m.stack([x, x.exp()], dim=1), {}),
    "matmul_batched": (lambda m, x: x @ x.transpose(1, 2), {}),
}

SHAPE = (2, 3, 4)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_gradcheck_float64(name):
    fn, opts = UNARY[name]
    x = tg.tensor(randn(*SHAPE, **opts), requires_grad=True)
    assert tg.gradcheck(lambda t: fn(_tg_ns(), t), (x,))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_match_pytorch(name):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    fn, opts = UNARY[name]
    data = randn(*SHAPE, **opts)
    ours = tg.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    out_ours, out_theirs = fn(_tg_ns(), ours), fn(_torch_ns(torch), theirs)
    np.testing.assert_allclose(out_ours.numpy(), out_theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    weights = randn(*out_ours.shape, seed=1)
    (out_ours * tg.tensor(weights)).sum().backward()
    (out_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
}


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)))
def test_binary_ops_gradcheck_with_broadcasting(shapes, name):
    shape_a, shape_b = shapes.input_shapes
    a = tg.tensor(randn(*shape_a, positive=True), requires_grad=True)
    b = tg.tensor(randn(*shape_b, positive=True, seed=2), requires_grad=True)
    out = BINARY[name](a, b)
    assert out.shape == shapes.result_shape
    assert tg.gradcheck(BINARY[name], (a, b))


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)))
def test_binary_ops_match_pytorch_with_broadcasting(shapes, name):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    shape_a, shape_b = shapes.input_shapes
    data_a, data_b = randn(*shape_a, positive=True), randn(*shape_b, positive=True, seed=2)
    a, b = tg.tensor(data_a, requires_grad=True), tg.tensor(data_b, requires_grad=True)
    ta, tb = torch.tensor(data_a, requires_grad=True), torch.tensor(data_b, requires_grad=True)
    BINARY[name](a, b).sum().backward()
    BINARY[name](ta, tb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10)


@SETTINGS
@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3))
def test_matmul_gradcheck_batched_and_broadcast(batch, n, k, m):
    a = tg.tensor(randn(*batch.input_shapes[0], n, k), requires_grad=True)
    b = tg.tensor(randn(*batch.input_shapes[1], k, m, seed=3), requires_grad=True)
    assert tg.gradcheck(lambda x, y: x @ y, (a, b))


@pytest.mark.parametrize("shape_a,shape_b", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)),
                                             ((4, 2, 3), (3,)), ((3,), (4, 3, 2))])
def test_matmul_vector_cases_gradcheck_and_pytorch(shape_a, shape_b):
    a = tg.tensor(randn(*shape_a), requires_grad=True)
    b = tg.tensor(randn(*shape_b, seed=4), requires_grad=True)
    assert tg.gradcheck(lambda x, y: x @ y, (a, b))
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    ta = torch.tensor(a.numpy(), requires_grad=True)
    tb = torch.tensor(b.numpy(), requires_grad=True)
    (ta @ tb).sum().backward()
    (a @ b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10)


def test_where_gradcheck_and_pytorch():
    cond = randn(3, 4) > 0
    a = tg.tensor(randn(3, 4), requires_grad=True)
    b = tg.tensor(randn(4, seed=5), requires_grad=True)          # broadcast
    assert tg.gradcheck(lambda x, y: tg.where(tg.tensor(cond), x, y), (a, b))
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    ta, tb = torch.tensor(a.numpy(), requires_grad=True), torch.tensor(b.numpy(), requires_grad=True)
    torch.where(torch.tensor(cond), ta, tb).sum().backward()
    tg.where(tg.tensor(cond), a, b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy())
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())


def test_boolean_mask_indexing_gradcheck():
    x = tg.tensor(randn(3, 4), requires_grad=True)
    mask = x.numpy() > 0
    assert tg.gradcheck(lambda t: t[tg.tensor(mask)] * 2, (x,))
    x[tg.tensor(mask)].sum().backward()
    assert x.grad.numpy().tolist() == mask.astype(float).tolist()


def test_cat_and_stack_of_several_inputs_gradcheck():
    a = tg.tensor(randn(2, 3), requires_grad=True)
    b = tg.tensor(randn(2, 1, seed=6), requires_grad=True)
    assert tg.gradcheck(lambda x, y: tg.cat([x, y, x], dim=1), (a, b))
    assert tg.gradcheck(lambda x: tg.stack([x, x * 3], dim=-1), (a,))


def test_tensor_exponent_gradcheck():
    base = tg.tensor(randn(3, positive=True), requires_grad=True)
    exponent = tg.tensor(randn(3, seed=7), requires_grad=True)
    assert tg.gradcheck(lambda b, e: b ** e, (base, exponent))


# --------------------------------------------------------------------------
# error messages name the op, the shapes and the dtypes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("expression,message", [
    (lambda: tg.randn(2, 3) @ tg.randn(4, 5),
     r"matmul: inner dimensions differ \(3 != 4\) in \(2, 3\) float32 @ \(4, 5\) float32"),
    (lambda: tg.randn(2, 3) + tg.randn(4, 5),
     r"add: shapes cannot be broadcast together: \(2, 3\) float32 and \(4, 5\) float32"),
    (lambda: tg.randn(2, 3) * tg.randn(2, dtype=tg.float64),
     r"mul: .*\(2, 3\) float32 and \(2,\) float64"),
    (lambda: tg.randn(2, 3).reshape(4, 2),
     r"reshape: cannot reshape \(2, 3\) float32 \(6 elements\) into \(4, 2\)"),
    (lambda: tg.randn(2, 3).sum(dim=2), r"sum: dim 2 is out of range for a tensor with 2"),
    (lambda: tg.cat([tg.randn(2, 3), tg.randn(3, 3)], dim=1),
     r"cat: tensor 1 has shape \(3, 3\) but tensor 0 has \(2, 3\)"),
    (lambda: tg.stack([tg.randn(2), tg.randn(3)]), r"stack: tensor 1 has shape \(3,\)"),
    (lambda: tg.randn(2)[5], r"getitem: .*\(2,\) float32"),
    (lambda: tg.randn(2, 3).permute(0, 0), r"permute: dims \(0, 0\) is not a permutation"),
    (lambda: tg.where(tg.randn(2), tg.randn(2), tg.randn(2)), r"where: condition must be a bool"),
])
def test_errors_name_op_shapes_and_dtypes(expression, message):
    with pytest.raises((ValueError, TypeError, IndexError), match=message):
        expression()


def test_failed_op_records_nothing():
    x = tg.randn(2, 3, requires_grad=True)
    with pytest.raises(ValueError):
        x @ tg.randn(4, 5)
    assert x.grad is None and x.grad_fn is None
