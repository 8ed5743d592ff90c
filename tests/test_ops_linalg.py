"""einsum, the products (outer, dot, mv, addmm, cross) and softmax/log_softmax
in the core (ops/linalg.py, ops/softmax.py): values and gradients equal
PyTorch's, hand-checkable cases, gradcheck, PyTorch's rejections."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_cnn as tg
from op_helpers import check_error, check_op, random_array

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)

# equation → operand shapes
EINSUM = {
    "ij,jk->ik": [(2, 3), (3, 4)],
    "ij,jk": [(2, 3), (3, 4)],                       # implicit output: "ik"
    "bij,bjk->bik": [(2, 2, 3), (2, 3, 2)],
    "i,i->": [(4,), (4,)],
    "i,j->ij": [(2,), (3,)],
    "ii->i": [(3, 3)],                               # a diagonal
    "ii": [(3, 3)],                                  # the trace (implicit)
    "ij->": [(2, 3)],
    "ij->ji": [(2, 3)],
    "ji": [(2, 3)],                                  # implicit: sorted letters → "ij"
    "iij->j": [(2, 2, 3)],
    "ij,ij,ij->i": [(2, 3), (2, 3), (2, 3)],
    "...ij,...jk->...ik": [(2, 2, 3), (2, 3, 2)],
    "...ij,jk": [(4, 2, 3), (3, 5)],
    "b...,b...->b": [(2, 3, 2), (2, 3, 2)],
    "i...->...": [(3, 2, 2)],
    "ij, jk -> ik": [(2, 3), (3, 2)],                # spaces allowed
    "ijk,ikl,j->l": [(2, 3, 2), (2, 2, 2), (3,)],
}


@pytest.mark.parametrize("equation", sorted(EINSUM))
def test_einsum_matches_torch(equation):
    arrays = [random_array(shape, seed) for seed, shape in enumerate(EINSUM[equation])]
    check_op(lambda lib, *ts: lib.einsum(equation, *ts), *arrays)
    check_op(lambda lib, *ts: lib.einsum(equation, list(ts)), *arrays)   # operands as a list
    check_op(lambda lib, *ts: lib.einsum(equation, *ts),
             *(a.astype("float32") for a in arrays))


@pytest.mark.parametrize("equation", ["ij,jk->ik", "ii->i", "ij->", "...ij,jk", "iij->j"])
def test_einsum_gradcheck(equation):
    inputs = [tg.tensor(random_array(s, i), requires_grad=True)
              for i, s in enumerate(EINSUM[equation])]
    assert tg.gradcheck(lambda *ts: tg.einsum(equation, *ts), inputs)


def test_einsum_hand_checked_and_rejections():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert tg.einsum("ii", a).item() == 5.0
    tg.einsum("ii", a).backward()
    assert a.grad.tolist() == [[1, 0], [0, 1]]           # δ of a trace: the identity
    x = random_array((2, 3))
    check_error(lambda lib, t: lib.einsum("ij,jk->ik", t, t), x, name="einsum")
    check_error(lambda lib, t: lib.einsum("ijk->i", t), x, name="einsum")
    check_error(lambda lib, t: lib.einsum("ij->ii", t), x, name="einsum")
    check_error(lambda lib, t: lib.einsum("ij,ij->i", t), x, name="einsum")
    check_error(lambda lib, t: lib.einsum("ij->k", t), x, name="einsum")


@given(n=st.integers(0, 4), m=st.integers(0, 4), k=st.integers(0, 3), data=st.data())
@SETTINGS
def test_products_match_torch(n, m, k, data):
    a, b = random_array((n,), 1), random_array((m,), 2)
    check_op(lambda lib, x, y: lib.outer(x, y), a, b)
    check_op(lambda lib, x, y: x.dot(y), a, random_array((n,), 3))
    check_op(lambda lib, x, y: lib.mv(x, y), random_array((m, n)), a)
    bias_shape = data.draw(st.sampled_from([(n, k), (k,), (1, k), ()]))
    beta, alpha = data.draw(st.sampled_from([(1, 1), (0.5, 2.0), (0, 1)]))
    check_op(lambda lib, c, x, y: lib.addmm(c, x, y, beta=beta, alpha=alpha),
             random_array(bias_shape, 4), random_array((n, m), 5), random_array((m, k), 6))
    shape = data.draw(st.sampled_from([(3,), (2, 3), (3, 4), (2, 3, 3)]))
    dim = data.draw(st.sampled_from([d for d, s in enumerate(shape) if s == 3]))
    check_op(lambda lib, x, y: lib.cross(x, y, dim=dim), random_array(shape, 7),
             random_array(shape, 8))
    check_op(lambda lib, x, y: lib.linalg.cross(x, y), random_array(shape[:-1] + (3,), 7),
             random_array((1,) * (len(shape) - 1) + (3,), 8))     # broadcast batch dims
    check_error(lambda lib, x, y: lib.cross(x, y, dim=-1), random_array((2, 3)), random_array((3,)),
                name="cross")


def test_products_hand_checked_gradcheck_and_rejections():
    assert tg.outer(tg.tensor([1, 2]), tg.tensor([3, 4])).tolist() == [[3, 4], [6, 8]]
    assert tg.dot(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])).item() == 11.0
    assert tg.cross(tg.tensor([1.0, 0.0, 0.0]), tg.tensor([0.0, 1.0, 0.0])).tolist() == [0, 0, 1]
    a, b = (tg.tensor(random_array((2, 3), i), requires_grad=True) for i in range(2))
    assert tg.gradcheck(lambda x, y: tg.cross(x, y, dim=1), (a, b))
    assert tg.gradcheck(lambda x, y: tg.addmm(x[:, :1], x, y.T, beta=0.5, alpha=2), (a, b))
    check_error(lambda lib, x: lib.dot(x, x[:2]), random_array((3,)), name="dot")
    check_error(lambda lib, x: lib.dot(x, x), random_array((2, 3)), name="dot")
    check_error(lambda lib, x: lib.outer(x, x), random_array((2, 3)), name="outer")
    check_error(lambda lib, x: lib.mv(x, x), random_array((2, 3)), name="mv")
    check_error(lambda lib, x: lib.cross(x, x, dim=0), random_array((2, 3)), name="cross")
    check_error(lambda lib, x: lib.addmm(x, x, x), random_array((2, 3)), name="addmm")


@given(ndim=st.integers(1, 3), data=st.data())
@SETTINGS
def test_softmax_methods_and_functions_match_torch(ndim, data):
    x = random_array(tuple(data.draw(st.integers(1, 4)) for _ in range(ndim)))
    dim = data.draw(st.integers(-ndim, ndim - 1))
    check_op(lambda lib, t: t.softmax(dim), x)
    check_op(lambda lib, t: lib.log_softmax(t, dim), x)
    check_op(lambda lib, t: lib.softmax(t, dim=dim), x.astype("float32"))
    check_op(lambda lib, t: t.log_softmax(dim, dtype=lib.float64), x.astype("float32"))


def test_softmax_hand_checked_and_shared_with_nn():
    from tinygrad_cnn.nn import activation_ops
    from tinygrad_cnn.ops import softmax as core
    assert activation_ops.Softmax is core.Softmax and activation_ops.LogSoftmax is core.LogSoftmax
    assert tg.tensor([0.0, 0.0]).softmax(0).tolist() == [0.5, 0.5]
    check_error(lambda lib, t: lib.softmax(t, 0), np.array([1, 1]), name="softmax")  # no ints
    check_op(lambda lib, t: lib.softmax(t, 0, dtype=lib.float64), np.array([1, 2]), grad=False)
    x = tg.tensor(random_array((3, 4)), requires_grad=True)
    assert tg.gradcheck(lambda t: t.softmax(1), (x,))
    assert tg.gradcheck(lambda t: t.log_softmax(0), (x,))
    check_error(lambda lib, t: t.softmax(2), random_array((2, 3)), name="softmax")
