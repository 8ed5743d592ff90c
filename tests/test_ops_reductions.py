"""Reductions, scans and order statistics (ops/reductions.py, ops/cumulative.py,
ops/sorting.py, the norms of ops/linalg.py): values, indices and gradients equal
PyTorch's over Hypothesis-drawn shapes and dims (negative dims, keepdim, empty
tensors, ties, zeros), hand-checkable cases, gradcheck, and PyTorch's rejections."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg
from op_helpers import check_error, check_op, random_array

pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")
SETTINGS = settings(max_examples=10, deadline=None, derandomize=True)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def array_and_dim(draw, min_side=1, dims=False):
    """An array, a dim (negative allowed) or a tuple of dims, and keepdim."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=4))
    ndim = len(shape)
    if dims:
        axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        dim = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
    else:
        dim = draw(st.integers(-ndim, ndim - 1))
    values = random_array(shape, draw(st.integers(0, 5)))
    if draw(st.booleans()):                      # ties and zeros: round to a few values
        values = np.round(values)
    return values, dim, draw(st.booleans())


@given(case=array_and_dim(dims=True))
@SETTINGS
def test_var_std_and_means_match_torch(case):
    x, dim, keepdim = case
    for correction in (0, 1, 2):
        check_op(lambda lib, t: lib.var(t, dim, keepdim=keepdim, correction=correction), x)
    check_op(lambda lib, t: t.std(dim, keepdim=keepdim, unbiased=False), x)
    check_op(lambda lib, t: lib.std(t, dim, True, keepdim), x)
    check_op(lambda lib, t: lib.var_mean(t, dim, keepdim=keepdim, correction=0), x)
    check_op(lambda lib, t: lib.std_mean(t, dim, keepdim=keepdim), x)


def test_var_std_all_dims_and_hand_checked():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5 / 3) and x.var(unbiased=False).item() == 1.25
    assert x.var(0, False).item() == 1.25                 # var(x, dim, unbiased)
    assert tg.std(tg.tensor([1.0, 3.0]), correction=0).item() == 1.0
    values = random_array((3, 4))
    check_op(lambda lib, t: t.var(), values)
    check_op(lambda lib, t: t.std(False), values)
    check_op(lambda lib, t: lib.var_mean(t, unbiased=False), values)
    check_op(lambda lib, t: t.std(), values.astype("float32"))
    v = tg.tensor(random_array((3, 4)), requires_grad=True)
    assert tg.gradcheck(lambda t: t.var(dim=1, correction=0), (v,))
    assert tg.gradcheck(lambda t: t.std(dim=(0, 1)), (v,))
    check_error(lambda lib, t: lib.var(t), np.array([1, 2]))


@given(case=array_and_dim())
@SETTINGS
def test_prod_logsumexp_and_cumulative_match_torch(case):
    x, dim, keepdim = case
    check_op(lambda lib, t: lib.prod(t, dim, keepdim), x)          # rounded values hold zeros
    check_op(lambda lib, t: lib.logsumexp(t, dim, keepdim), x)
    check_op(lambda lib, t: lib.cumsum(t, dim), x)
    check_op(lambda lib, t: t.cumprod(dim), x)
    check_op(lambda lib, t: lib.logcumsumexp(t, dim), x)


def test_prod_cumprod_with_zeros_hand_checked():
    x = tg.tensor([2.0, 0.0, 3.0, 0.5], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 3.0, 0.0, 0.0]       # Π of the others: only at the zero
    x.grad = None
    x.cumprod(0).sum().backward()
    # z = [2, 0, 0, 0]: ∂/∂x0 = 1, ∂/∂x1 = 2 + 2·3 + 2·3·0.5 = 11, the rest 0
    assert x.grad.tolist() == [1.0, 11.0, 0.0, 0.0]
    check_op(lambda lib, t: t.prod(), np.array([[0.0, 0.0, 2.0], [1.0, 2.0, 3.0]]))
    check_op(lambda lib, t: t.prod(1), np.array([[0.0, 0.0, 2.0], [1.0, 2.0, 3.0]]))
    check_op(lambda lib, t: t.cumprod(1), np.array([[0.0, 0.0, 2.0], [1.0, 0.0, 3.0]]))
    assert tg.cumsum(tg.tensor([1, 2, 3]), 0).tolist() == [1, 3, 6]
    check_op(lambda lib, t: t.prod(), np.array([2, 3]), grad=False)
    check_op(lambda lib, t: t.cumsum(0), np.array([True, True]), grad=False)
    check_op(lambda lib, t: lib.cumsum(t, 0, dtype=lib.float64), np.array([1, 2]), grad=False)
    for fn in (lambda t: t.prod(dim=0), lambda t: t.cumprod(1), lambda t: t.logsumexp(1),
               lambda t: t.cumsum(-1)):
        assert tg.gradcheck(fn, (tg.tensor(random_array((3, 4), 2), requires_grad=True),))


def test_logsumexp_is_stable_and_handles_infinities():
    check_op(lambda lib, t: lib.logsumexp(t, 1), np.array([[1000.0, 1000.0], [-np.inf, 0.0]]))
    check_op(lambda lib, t: lib.logsumexp(t, (0, 1)), np.array([[-1000.0, -1000.0]]))
    check_op(lambda lib, t: lib.logsumexp(t, 0), np.zeros((0, 2)))
    check_op(lambda lib, t: lib.logsumexp(t, 1), np.array([[-np.inf, -np.inf]]), grad=False)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf"), -float("inf"), 0, "fro"])
@given(case=array_and_dim(dims=True))
@SETTINGS
def test_norms_match_torch(p, case):
    x, dim, keepdim = case
    grad = p != 0
    if p != "fro" or len(dim) <= 2:
        check_op(lambda lib, t: t.norm(p=p, dim=dim, keepdim=keepdim), x, grad=grad)
    if p != "fro":
        check_op(lambda lib, t: lib.linalg.vector_norm(t, p, dim, keepdim), x, grad=grad)


def test_norm_hand_checked_and_at_zero():
    assert tg.tensor([3.0, -4.0]).norm().item() == 5.0
    assert tg.norm(tg.tensor([3.0, -4.0]), p=1).item() == 7.0
    z = tg.zeros(3, dtype=tg.float64, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]            # PyTorch's choice at the kink
    check_op(lambda lib, t: t.norm(), np.zeros(3))
    check_op(lambda lib, t: lib.linalg.norm(t), random_array((2, 3)))
    check_op(lambda lib, t: lib.linalg.vector_norm(t, float("inf")), np.array([1.0, -3.0, 3.0]))
    v = tg.tensor(random_array((3, 4)), requires_grad=True)
    assert tg.gradcheck(lambda t: t.norm(dim=1), (v,))
    assert tg.gradcheck(lambda t: tg.linalg.vector_norm(t, 3, dim=0), (v,))
    check_error(lambda lib, t: lib.linalg.vector_norm(t), np.array([1, 2]), name="vector_norm")


@given(case=array_and_dim())
@SETTINGS
def test_sort_family_matches_torch(case):
    x, dim, keepdim = case
    for descending in (False, True):
        check_op(lambda lib, t: lib.sort(t, dim=dim, descending=descending, stable=True), x)
        check_op(lambda lib, t: t.argsort(dim=dim, descending=descending, stable=True), x,
                 grad=False)
    size = x.shape[dim]
    distinct = x + np.arange(x.size).reshape(x.shape) * 1e-3     # topk's tie order is free
    for k in range(size + 1):
        check_op(lambda lib, t: t.topk(k, dim), distinct)
        check_op(lambda lib, t: lib.topk(t, k, dim, largest=False), distinct)
    for k in range(1, size + 1):
        check_op(lambda lib, t: lib.kthvalue(t, k, dim, keepdim), distinct)
    check_op(lambda lib, t: lib.median(t, dim, keepdim), distinct)
    check_op(lambda lib, t: lib.median(t), x)                      # ties share δ
    check_op(lambda lib, t: lib.nanmedian(t), x)


def test_sort_hand_checked_ties_nan_and_gradients():
    values, indices = tg.sort(tg.tensor([3.0, 1.0, 3.0, 2.0]), descending=True, stable=True)
    assert values.tolist() == [3, 3, 2, 1] and indices.tolist() == [0, 2, 3, 1]
    nan = np.array([2.0, np.nan, 1.0, np.nan, 2.0])
    check_op(lambda lib, t: lib.sort(t, stable=True), nan)
    check_op(lambda lib, t: lib.sort(t, descending=True, stable=True), nan)
    check_op(lambda lib, t: lib.median(t), nan)
    check_op(lambda lib, t: lib.median(t, 0), nan)
    check_op(lambda lib, t: lib.nanmedian(t), nan)
    assert tg.median(tg.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0      # the lower median
    x = tg.tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]
    check_op(lambda lib, t: lib.mode(t, 1), np.array([[2, 1, 2, 1, 3], [5, 5, 4, 4, 4]]),
             grad=False)
    check_op(lambda lib, t: lib.mode(t, 0), np.array([[1.0, 2.0], [1.0, 3.0], [0.0, 3.0]]))
    for fn in (lambda t: t.sort(1).values, lambda t: t.topk(2).values,
               lambda t: t.kthvalue(2, 0).values, lambda t: t.median(1).values):
        assert tg.gradcheck(fn, (tg.tensor(random_array((3, 4), 4), requires_grad=True),))
    check_error(lambda lib, t: lib.topk(t, 4), np.array([1.0, 2.0]), name="topk")
    check_error(lambda lib, t: lib.kthvalue(t, 0), np.array([1.0, 2.0]), name="kthvalue")
    check_error(lambda lib, t: lib.sort(t, 2), np.array([1.0, 2.0]), name="sort")


@given(case=array_and_dim())
@SETTINGS
def test_arg_extremes_any_all_count_match_torch(case):
    x, dim, keepdim = case
    for name in ("argmax", "argmin"):
        check_op(lambda lib, t: getattr(lib, name)(t, dim, keepdim), x, grad=False)
        check_op(lambda lib, t: getattr(t, name)(), x, grad=False)
        check_op(lambda lib, t: getattr(lib, name)(t, keepdim=True), x, grad=False)
    nonzero = np.round(x)
    for name in ("any", "all"):
        check_op(lambda lib, t: getattr(lib, name)(t, dim, keepdim), nonzero, grad=False)
        check_op(lambda lib, t: getattr(t, name)(), nonzero, grad=False)
    check_op(lambda lib, t: lib.count_nonzero(t, dim), nonzero, grad=False)
    check_op(lambda lib, t: lib.count_nonzero(t), nonzero, grad=False)
    check_op(lambda lib, t: lib.aminmax(t, dim=dim, keepdim=keepdim), x)
    check_op(lambda lib, t: lib.aminmax(t), x)


def test_reductions_with_dtype_and_empty_dims():
    """``sum(dim=())`` reduces every dim (issue 10 item 11), dtype= casts first."""
    x = random_array((2, 3))
    check_op(lambda lib, t: t.sum(dim=()), x)
    check_op(lambda lib, t: t.sum(dim=(), keepdim=True), x)
    assert tg.ones(2, 3).sum(dim=()).item() == 6
    check_op(lambda lib, t: t.sum(dtype=lib.float64), x.astype("float32"))
    check_op(lambda lib, t: lib.sum(t, 1, dtype=lib.int32), np.array([[1, 2], [3, 4]]), grad=False)
    check_op(lambda lib, t: t.mean(dtype=lib.float64), np.array([1, 2, 4]), grad=False)
    check_op(lambda lib, t: t.any(dim=(0, 1)), np.array([[0, 0], [0, 2]]), grad=False)
    check_op(lambda lib, t: t.sum(1), np.zeros((2, 0)))
    check_op(lambda lib, t: t.prod(1), np.zeros((2, 0)))
    check_op(lambda lib, t: t.cumsum(0), np.zeros((0, 2)))
    check_op(lambda lib, t: t.sort(0), np.zeros((0, 2)))
    check_error(lambda lib, t: lib.argmax(t), np.zeros((0,)), name="argmax")
    check_error(lambda lib, t: lib.argmax(t, 2), np.zeros((2, 2)), name="argmax")
    check_error(lambda lib, t: lib.cumsum(t, 1), np.zeros((2,)), name="cumsum")


REDUCTIONS_FLOAT32 = {
    "var": lambda lib, t: t.var(1), "std": lambda lib, t: lib.std(t, (0, 1), correction=0),
    "prod": lambda lib, t: t.prod(0), "logsumexp": lambda lib, t: t.logsumexp(-1),
    "norm": lambda lib, t: t.norm(dim=1), "norm1": lambda lib, t: t.norm(1),
    "cumsum": lambda lib, t: t.cumsum(1), "cumprod": lambda lib, t: t.cumprod(0),
    "sort": lambda lib, t: t.sort(-1), "topk": lambda lib, t: t.topk(2),
    "median": lambda lib, t: t.median(0), "kthvalue": lambda lib, t: t.kthvalue(3, 1),
    "aminmax": lambda lib, t: lib.aminmax(t, dim=0),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS_FLOAT32))
def test_reductions_in_float32_within_torch_tolerance(name):
    check_op(REDUCTIONS_FLOAT32[name], random_array((3, 4), 6, "float32"))


def test_numpy_style_aliases_axis_and_keepdims_like_torch():
    x = random_array((2, 3, 4))
    for op in (lambda lib, t: t.var(axis=1, keepdims=True), lambda lib, t: lib.prod(t, axis=0),
               lambda lib, t: lib.cumsum(t, axis=-1), lambda lib, t: t.sort(axis=1),
               lambda lib, t: lib.logsumexp(t, axis=(0, 2), keepdims=True),
               lambda lib, t: t.argmax(axis=2, keepdims=True), lambda lib, t: t.sum(axis=1),
               lambda lib, t: lib.median(t, axis=0), lambda lib, t: t.any(axis=1),
               lambda lib, t: t.max(axis=1, keepdims=True), lambda lib, t: t.norm(dim=1)):
        check_op(op, x)
    with pytest.raises(TypeError, match="alias"):
        tg.cumsum(tg.ones(2), dim=0, axis=0)


def test_float32_var_of_values_far_from_zero_is_summed_in_float64():
    # values near 1e6: a float32 mean is off by ulps of 1e6 (0.06), which var squares;
    # summed in float64, as PyTorch's CPU reductions are, var is exact to float32
    rng = np.random.default_rng(5)
    x = (1e6 + rng.standard_normal((4, 50))).astype(np.float32)
    exact = x.astype(np.float64).var(axis=1, ddof=1)
    ours = tg.tensor(x).var(1)
    assert ours.dtype == tg.float32
    np.testing.assert_allclose(ours.numpy(), exact, rtol=1e-6)
    np.testing.assert_allclose(tg.tensor(x).std(1).numpy(), np.sqrt(exact), rtol=1e-6)
