"""Indexing (ops/indexing.py, ops/scatter_gather.py): gather/scatter and the
index_* family, masks, take, nonzero — and ``x[index]`` / ``x[index] = v``
placing the axes where PyTorch does when integers, slices and index tensors mix.
Values and gradients equal PyTorch's; rejections have PyTorch's types."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg
from op_helpers import check_error, check_op, random_array

SETTINGS = settings(max_examples=10, deadline=None, derandomize=True)


@st.composite
def gather_case(draw):
    """An input, a dim, and an index no larger than the input off that dim."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    index_shape = tuple(draw(st.integers(0, 4)) if d == axis else draw(st.integers(0, s))
                        for d, s in enumerate(shape))
    rng = np.random.default_rng(draw(st.integers(0, 5)))
    index = rng.integers(0, shape[axis], index_shape)         # repeats: δs must add up
    return random_array(shape, 1), dim, index


@given(case=gather_case())
@SETTINGS
def test_gather_scatter_match_torch(case):
    x, dim, index = case
    src = random_array(index.shape, 2)
    check_op(lambda lib, t, i: lib.gather(t, dim, i), x, index)
    if index.shape == x.shape[:dim % x.ndim] + index.shape[dim % x.ndim:dim % x.ndim + 1] + \
            x.shape[dim % x.ndim + 1:]:
        check_op(lambda lib, t, i: lib.take_along_dim(t, i, dim), x, index)
    check_op(lambda lib, t, i, s: lib.scatter_add(t, dim, i, s), x, index, src)
    bigger = random_array(tuple(s + 1 for s in index.shape), 3)   # src may be larger
    check_op(lambda lib, t, i, s: t.scatter_add(dim, i, s), x, index, bigger,
             grad=False)                       # (PyTorch's own backward fails there)
    # scatter with repeated indices is unspecified in PyTorch: use a permutation per row
    axis = dim % x.ndim
    order = np.argsort(random_array(x.shape, 4), axis=axis)
    unique = np.take(order, np.arange(min(index.shape[axis], x.shape[axis])), axis=axis)
    unique = unique[tuple(slice(0, n) for n in index.shape[:axis])]
    unique = unique[(slice(None),) * (axis + 1) + tuple(slice(0, n) for n in index.shape[axis + 1:])]
    check_op(lambda lib, t, i, s: lib.scatter(t, dim, i, s), x, unique,
             random_array(unique.shape, 5))
    check_op(lambda lib, t, i: t.scatter(dim, i, 2.5), x, unique)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
@SETTINGS
def test_index_family_and_masks_match_torch(shape, data):
    x = random_array(shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = shape[dim]
    index = np.array(data.draw(st.lists(st.integers(0, size - 1), max_size=5)), np.int64)
    check_op(lambda lib, t, i: lib.index_select(t, dim, i), x, index)
    positive = index % size
    source_shape = list(shape)
    source_shape[dim] = len(index)
    source = random_array(tuple(source_shape), 1)
    check_op(lambda lib, t, i, s: lib.index_add(t, dim, i, s), x, positive, source)
    check_op(lambda lib, t, i, s: t.index_add(dim, i, s, alpha=2.0), x, positive, source)
    check_op(lambda lib, t, i: lib.index_fill(t, dim, i, -1.5), x, positive)
    mask = np.asarray(random_array(shape[data.draw(st.integers(0, len(shape))):], 2) > 0)
    check_op(lambda lib, t, m: lib.masked_fill(t, m, 0.5), x, mask)
    check_op(lambda lib, t, m, v: t.masked_fill(m, v), x, mask, np.array(3.0))
    check_op(lambda lib, t, m: lib.masked_select(t, m), x, mask)
    flat = np.array(data.draw(st.lists(st.integers(-x.size, x.size - 1), max_size=6)), np.int64)
    check_op(lambda lib, t, i: lib.take(t, i.reshape(-1, 1) if len(i) else i), x, flat)
    check_op(lambda lib, t: lib.nonzero(t > 0), x, grad=False)
    check_op(lambda lib, t: lib.nonzero(t > 0, as_tuple=True), x, grad=False)
    check_op(lambda lib, t: lib.argwhere(t > 0), x, grad=False)


def test_hand_checked_indexing_ops():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    picked = tg.gather(x, 1, tg.tensor([[0, 0], [1, 0]]))
    assert picked.tolist() == [[1, 1], [4, 3]]
    picked.sum().backward()
    assert x.grad.tolist() == [[2, 0], [1, 1]]             # x[0][0] read twice
    assert tg.scatter_add(tg.zeros(3), 0, tg.tensor([0, 2, 0]), tg.tensor([1.0, 2.0, 3.0])).tolist() == [4, 0, 2]
    assert tg.index_select(tg.tensor([[1, 2, 3]]), 1, tg.tensor([2, 0])).tolist() == [[3, 1]]
    assert tg.masked_fill(tg.tensor([1.0, -2.0]), tg.tensor([False, True]), 0.0).tolist() == [1, 0]
    assert tg.take(tg.tensor([[4, 3], [5, 7]]), tg.tensor([0, 3])).tolist() == [4, 7]
    assert tg.nonzero(tg.tensor([0, 3, 0, 1])).tolist() == [[1], [3]]
    y = tg.zeros(3)
    y.masked_fill_(tg.tensor([True, False, True]), 2.0)
    y.index_fill_(0, tg.tensor([1]), 5.0).scatter_(0, tg.tensor([0]), tg.tensor([7.0]))
    assert y.tolist() == [7, 5, 2]


@pytest.mark.parametrize("fn", [
    lambda t, s: tg.gather(t, 1, tg.tensor([[0, 2, 0], [1, 1, 3]])),
    lambda t, s: tg.scatter(t, 1, tg.tensor([[0, 2, 3], [1, 0, 3]]), s),
    lambda t, s: tg.scatter_add(t, 0, tg.tensor([[0, 0, 1], [0, 1, 1]]), s),
    lambda t, s: tg.scatter_add(t, 1, tg.tensor([[3, 3], [0, 1]]), s),    # src larger
    lambda t, s: tg.index_select(t, 1, tg.tensor([3, 0, 3])),
    lambda t, s: tg.index_add(t, 1, tg.tensor([0, 0, 2]), s),
    lambda t, s: tg.masked_fill(t, t > 0, 1.0) * s.sum(),
    lambda t, s: tg.masked_select(t, t > 0) * s.sum(),
    lambda t, s: tg.take(t, tg.tensor([[0, 7], [7, -1]])) * s.sum(),
])
def test_indexing_gradcheck(fn):
    x = tg.tensor(random_array((2, 4)), requires_grad=True)
    src = tg.tensor(random_array((2, 3), 1), requires_grad=True)
    assert tg.gradcheck(fn, (x, src))


def test_indexing_rejections_match_torch():
    x, index = random_array((2, 3)), np.array([[0, 1]])
    check_error(lambda lib, t, i: lib.gather(t, 1, i.float()), x, index, name="gather")
    check_error(lambda lib, t, i: lib.gather(t, 1, i + 5), x, index, name="gather")
    check_error(lambda lib, t, i: lib.gather(t, 1, i[0]), x, index, name="gather")
    check_error(lambda lib, t, i: lib.gather(t, 2, i), x, index, name="gather")
    check_error(lambda lib, t, i: lib.scatter_add(t, 1, i, t[:, :1].int()), x, index)
    check_error(lambda lib, t, i: lib.index_select(t, 0, i), x, index, name="index_select")
    check_error(lambda lib, t, i: lib.index_select(t, 0, i[0] + 2), x, index, name="index_select")
    check_error(lambda lib, t, i: lib.index_select(t[0], 0, i[0] - 2), x, index,
                name="index_select")                  # no negative indices in PyTorch
    check_error(lambda lib, t, i: lib.index_add(t, 0, i[0, :1], t), x, index, name="index_add")
    check_error(lambda lib, t: lib.masked_fill(t, t[0] > 0, t), x, name="masked_fill")
    check_error(lambda lib, t: lib.masked_fill(t, lib.ones(2, 3).long(), 0.0), x,
                name="masked_fill")
    check_error(lambda lib, t: lib.take(t, lib.tensor([6])), x, name="take")


# --- x[index] and x[index] = v with integers, slices, None, ... and index tensors ---
INDEX = np.array([1, 0, 1])
MIXED = [
    lambda lib, i: (slice(None), 0, slice(None), i),
    lambda lib, i: (0, slice(None), i),
    lambda lib, i: (i, 0, i),
    lambda lib, i: (slice(None), i, slice(None), 0),
    lambda lib, i: (Ellipsis, 1, i),
    lambda lib, i: (None, 1, slice(None), i),
    lambda lib, i: (1, i, slice(1, None), i),
    lambda lib, i: (slice(None), lib.tensor(1), slice(None), i),      # a 0-d tensor is an int
    lambda lib, i: (i[:2], slice(None), [0, 1]),
    lambda lib, i: (slice(None), [1, 0, 1], 0),
    lambda lib, i: (i, slice(None), 1, lib.tensor([[1], [0]])),
    lambda lib, i: (-1, slice(None, None, 2), i, -2),
    lambda lib, i: (1, lib.tensor([True, False, True]), slice(None), 0),
]


@pytest.mark.parametrize("make_index", MIXED, ids=[str(i) for i in range(len(MIXED))])
def test_mixed_integer_and_tensor_index_places_axes_like_torch(make_index):
    x = random_array((2, 3, 4, 5))

    def read(lib, t):
        return t[make_index(lib, lib.tensor(INDEX))]

    def write(lib, t, v):
        out = t * 1.0                                      # a non-leaf, so v is recorded
        out[make_index(lib, lib.tensor(INDEX))] = v
        return out
    ours = check_op(read, x)
    value = random_array(ours.shape, 3)
    check_op(write, x, value)
    if value.ndim:
        check_op(write, x, value[(0,) * value.ndim])           # a broadcast value


def test_setitem_with_mixed_index_hand_checked():
    x = tg.zeros(2, 3, 4)
    x[0, :, tg.tensor([1, 3])] = tg.tensor([[1.0, 2.0]] * 3)
    assert x[0].tolist() == [[0, 1, 0, 2]] * 3 and x[1].sum().item() == 0
    assert tg.zeros(2, 3, 4, 5)[:, 0, :, tg.tensor([0, 1, 2])].shape == (2, 4, 3)


@st.composite
def mixed_index(draw):
    """A shape and an index of ints, slices, None, at most one ``...`` and index
    lists, in any order (so integers and index tensors mix in every way)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    parts, dims_left, ellipsis = [], len(shape), False
    for _ in range(draw(st.integers(1, len(shape) + 1))):
        kind = draw(st.sampled_from(["int", "slice", "none", "list", "ellipsis"]))
        if kind == "none":
            parts.append(None)
            continue
        if kind == "ellipsis":
            if not ellipsis:
                parts.append(Ellipsis)
                ellipsis = True
            continue
        if dims_left == 0:
            break
        dims_left -= 1
        parts.append(kind)
    # resolve each kind against the dim it will index
    dim, resolved, length = 0, [], draw(st.integers(1, 3))    # index lists broadcast: one length
    ellipsis_width = dims_left if ellipsis else 0
    for part in parts:
        if part is Ellipsis:
            resolved.append(Ellipsis)
            dim += ellipsis_width
        elif part is None:
            resolved.append(None)
        else:
            size = shape[dim]
            if part == "int":
                resolved.append(draw(st.integers(-size, size - 1)))
            elif part == "slice":
                start = draw(st.integers(-size, size))
                resolved.append(slice(start, None, draw(st.integers(1, 2))))
            else:
                resolved.append(draw(st.lists(st.integers(-size, size - 1), min_size=length,
                                              max_size=length)))
            dim += 1
    return shape, resolved


@given(case=mixed_index())
@settings(max_examples=40, deadline=None, derandomize=True)
def test_random_mixed_indices_match_torch(case):
    shape, parts = case
    x = random_array(shape)
    lists = [np.array(p) for p in parts if isinstance(p, list)]
    sizes = []                                   # the size of the dim each list indexes
    dim = 0
    for p in parts:
        if p is Ellipsis:
            dim += len(shape) - sum(q is not None and q is not Ellipsis for q in parts)
        elif p is not None:
            if isinstance(p, list):
                sizes.append(shape[dim])
            dim += 1

    def build(lib, arrays):
        arrays = iter(arrays)
        return tuple(lib.tensor(next(arrays)) if isinstance(p, list) else p for p in parts)

    def read(lib, t):
        return t[build(lib, lists)]

    def write(lib, t, v):
        out = t * 1.0
        out[build(lib, lists)] = v
        return out
    ours = check_op(read, x)
    if all(len(np.unique(a % n)) == len(a) for a, n in zip(lists, sizes)):
        check_op(write, x, random_array(ours.shape, 1))  # (a repeated position is unspecified)
