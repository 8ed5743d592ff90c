"""Movement and rearrangement (ops/movement.py, ops/rearrange.py): values and
gradients equal PyTorch's over Hypothesis-drawn shapes and dims (negative
dims, empty tensors), hand-checkable cases, gradcheck, PyTorch's rejections."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg
from op_helpers import check_error, check_op, random_array

SETTINGS = settings(max_examples=6, deadline=None, derandomize=True)


@st.composite
def array_and_dim(draw, min_dims=1, min_side=0):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=4, min_side=min_side, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return random_array(shape, draw(st.integers(0, 3))), dim


@given(case=array_and_dim(), data=st.data())
@SETTINGS
def test_flip_roll_and_pieces_match_torch(case, data):
    x, dim = case
    ndim = x.ndim
    dims = data.draw(st.lists(st.integers(-ndim, ndim - 1), max_size=ndim,
                              unique_by=lambda d: d % ndim))
    shifts = data.draw(st.integers(-5, 5))
    check_op(lambda lib, t: lib.flip(t, dims), x)
    check_op(lambda lib, t: t.roll(shifts, dim), x)
    check_op(lambda lib, t: lib.roll(t, shifts), x)
    if dims:
        check_op(lambda lib, t: lib.roll(t, [shifts, 1][:len(dims[:2])], dims[:2]), x)
    size = x.shape[dim]
    check_op(lambda lib, t: t.unbind(dim), x)
    for chunks in (1, 2, 3):
        check_op(lambda lib, t: t.chunk(chunks, dim), x)
    for split in range(1, size + 2):
        check_op(lambda lib, t: t.split(split, dim), x)
    sections = data.draw(st.lists(st.integers(0, size), min_size=1, max_size=3))
    sections[-1] = max(size - sum(sections[:-1]), 0)
    if sum(sections) == size:
        check_op(lambda lib, t: lib.split(t, sections, dim), x)
    start = data.draw(st.integers(-size, size)) if size else 0
    length = data.draw(st.integers(0, size - (start % size if size and start < 0 else start)))
    check_op(lambda lib, t: t.narrow(dim, start, length), x)
    if size:
        index = data.draw(st.integers(-size, size - 1))
        check_op(lambda lib, t: lib.select(t, dim, index), x)


@given(case=array_and_dim(), data=st.data())
@SETTINGS
def test_expand_repeat_tile_interleave_match_torch(case, data):
    x, dim = case
    target = tuple(data.draw(st.sampled_from([s, 3] if s == 1 else [s, -1])) for s in x.shape)
    lead = tuple(data.draw(st.lists(st.integers(0, 2), max_size=2)))
    check_op(lambda lib, t: t.expand(*(lead + target)), x)
    check_op(lambda lib, t: lib.broadcast_to(t, lead + tuple(
        s if v == -1 else v for s, v in zip(x.shape, target))), x)
    repeats = tuple(data.draw(st.lists(st.integers(0, 3), min_size=x.ndim, max_size=x.ndim + 2)))
    check_op(lambda lib, t: t.repeat(*repeats), x)
    check_op(lambda lib, t: lib.tile(t, repeats[:max(x.ndim - 1, 1)]), x)
    check_op(lambda lib, t: lib.repeat_interleave(t, 2), x)
    counts = np.array(data.draw(st.lists(st.integers(0, 3), min_size=x.shape[dim],
                                         max_size=x.shape[dim])), dtype=np.int64)
    check_op(lambda lib, t: t.repeat_interleave(lib.tensor(counts), dim=dim), x)
    check_op(lambda lib, t: t.expand_as(lib.zeros(lead + tuple(
        s if v == -1 else v for s, v in zip(x.shape, target)), dtype=lib.float64)), x)


@given(case=array_and_dim(min_dims=2), data=st.data())
@SETTINGS
def test_triangles_diagonals_and_dims_match_torch(case, data):
    x, dim = case
    k = data.draw(st.integers(-3, 3))
    check_op(lambda lib, t: lib.tril(t, k), x)
    check_op(lambda lib, t: t.triu(k), x)
    ndim = x.ndim
    dim1, dim2 = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=2, max_size=2,
                                    unique_by=lambda d: d % ndim))
    check_op(lambda lib, t: lib.diagonal(t, k, dim1, dim2), x)
    check_op(lambda lib, t: t.diagonal(offset=k), x)
    check_op(lambda lib, t: lib.diag_embed(t, k), x)
    if x.size:
        check_op(lambda lib, t: lib.diag(t, k), x[(0,) * (ndim - 2)])
        check_op(lambda lib, t: lib.diag(t, k), x[(0,) * (ndim - 1)])
    destination = data.draw(st.integers(-ndim, ndim - 1))
    check_op(lambda lib, t: lib.movedim(t, dim, destination), x)
    check_op(lambda lib, t: t.movedim((dim1, dim2), (0, -1)), x)
    check_op(lambda lib, t: lib.squeeze(t, (dim1, dim2)), x)
    check_op(lambda lib, t: lib.unflatten(t, dim, (1, x.shape[dim], 1)), x)
    check_op(lambda lib, t: t.unflatten(dim, (-1, 1)), x)


def test_hand_checked_movement():
    x = tg.tensor([[1, 2, 3], [4, 5, 6]])
    assert tg.flip(x, [1]).tolist() == [[3, 2, 1], [6, 5, 4]]
    assert tg.fliplr(x).tolist() == [[3, 2, 1], [6, 5, 4]]
    assert tg.flipud(x).tolist() == [[4, 5, 6], [1, 2, 3]]
    assert tg.roll(x, 1, 1).tolist() == [[3, 1, 2], [6, 4, 5]]
    assert tg.roll(x, 1).tolist() == [[6, 1, 2], [3, 4, 5]]
    assert x.repeat(1, 2).tolist() == [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]
    assert x.repeat_interleave(2, dim=0).tolist() == [[1, 2, 3]] * 2 + [[4, 5, 6]] * 2
    assert tg.triu(x).tolist() == [[1, 2, 3], [0, 5, 6]] and tg.tril(x, -1).tolist() == [[0, 0, 0], [4, 0, 0]]
    assert tg.diagonal(x).tolist() == [1, 5] and tg.diag(tg.tensor([7, 8])).tolist() == [[7, 0], [0, 8]]
    assert [p.tolist() for p in x.split([1, 2], dim=1)] == [[[1], [4]], [[2, 3], [5, 6]]]
    assert [p.shape for p in tg.chunk(tg.zeros(5), 2)] == [(3,), (2,)]
    assert tg.movedim(tg.zeros(2, 3, 4), 0, 2).shape == (3, 4, 2)
    assert tg.unflatten(tg.zeros(6), 0, (2, -1)).shape == (2, 3)
    assert tg.zeros(1, 2, 1).squeeze((0, 2)).shape == (2,)
    grid_x, grid_y = tg.meshgrid(tg.tensor([1, 2]), tg.tensor([3, 4, 5]), indexing="xy")
    assert grid_x.shape == (3, 2) and grid_x[0].tolist() == [1, 2]
    v = tg.tensor([1.0, 2.0], requires_grad=True)
    v.expand(3, 2).sum().backward()                   # copied 3 times: δ adds up
    assert v.grad.tolist() == [3.0, 3.0]


def test_views_share_memory_like_torch():
    x = tg.ones(2, 3)
    x.diagonal().fill_(5.0)                             # diagonal is a view, as in PyTorch
    x.narrow(1, 2, 1).zero_()
    x.unbind(0)[1][0] = 7.0
    x.movedim(0, 1)[0, 0] = 9.0
    assert x.tolist() == [[9, 1, 0], [7, 5, 0]]


def test_meshgrid_matches_torch():
    a, b, c = random_array((2,)), random_array((3,), 1), random_array((0,), 2)
    check_op(lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"), a, b)
    check_op(lambda lib, x, y: lib.meshgrid(x, y, indexing="xy"), a, b)
    check_op(lambda lib, x, y, z: lib.meshgrid([x, y, z], indexing="ij"), a, b, c)


@pytest.mark.parametrize("fn", [
    lambda t: t.flip((0, 2)), lambda t: t.roll(2, 1), lambda t: t.repeat(2, 1, 2),
    lambda t: t[:, :1].expand(3, 2, 5, 4), lambda t: t.tril(1), lambda t: t.diagonal(0, 0, 2),
    lambda t: tg.diag_embed(t), lambda t: t.repeat_interleave(tg.tensor([2, 0, 1]), dim=1),
    lambda t: t.split([1, 2], 1)[1], lambda t: t.movedim(0, -1),
])
def test_movement_gradcheck(fn):
    x = tg.tensor(random_array((2, 3, 4)), requires_grad=True)
    assert tg.gradcheck(fn, (x,))


def test_movement_rejections_match_torch():
    x = random_array((2, 3))
    check_error(lambda lib, t: t.expand(3, 3), x, name="expand")
    check_error(lambda lib, t: t.expand(3), x, name="expand")
    check_error(lambda lib, t: t.repeat(2), x, name="repeat")
    check_error(lambda lib, t: t.flip(2), x, name="flip")
    check_error(lambda lib, t: t.roll((1, 2), 0), x, name="roll")
    check_error(lambda lib, t: t.narrow(1, 2, 2), x, name="narrow")
    check_error(lambda lib, t: t.split([1, 1], 1), x, name="split")
    check_error(lambda lib, t: t.chunk(0), x, name="chunk")
    check_error(lambda lib, t: lib.tril(t[0]), x, name="tril")
    check_error(lambda lib, t: t.diagonal(0, 1, 1), x, name="diagonal")
    check_error(lambda lib, t: lib.fliplr(t[0]), x, name="fliplr")
    check_error(lambda lib, t: t.movedim((0, 1), (0,)), x, name="movedim")
    check_error(lambda lib, t: t.unflatten(1, (2, 2)), x, name="unflatten")
    check_error(lambda lib, t: t.unbind(2), x, name="unbind")
    check_error(lambda lib, t: lib.diag(t[None]), x, name="diag")
    check_error(lambda lib, t: t.repeat_interleave(lib.tensor([1, 2]), dim=1), x,
                name="repeat_interleave")


# ----------------------------------------------------------------------------- PyTorch's rules
def test_view_shares_memory_or_refuses_and_reshape_copies():
    x = tg.arange(24.0).reshape(2, 3, 4)
    v = x.view(6, 4)
    v[0, 0] = 99.0
    assert x[0, 0, 0].item() == 99.0                      # a view writes through
    turned = x.transpose(0, 1)
    refused = r"view: shape \(-1,\) does not fit .*\(3, 2, 4\) .*use \.reshape"
    with pytest.raises(RuntimeError, match=refused):
        turned.view(-1)                                    # would need a copy, as in PyTorch
    np.testing.assert_array_equal(turned.reshape(-1).numpy(), turned.numpy().ravel())
    assert turned.contiguous().is_contiguous() and not turned.is_contiguous()
    np.testing.assert_array_equal(turned.contiguous().view(-1).numpy(), turned.numpy().ravel())
    assert x.contiguous() is x                             # already row-major: itself


def test_negative_slice_steps_are_refused_and_flip_takes_dims_either_way():
    x = tg.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[:, ::-1]
    np.testing.assert_array_equal(x.flip(0, 1).numpy(), [[5, 4, 3], [2, 1, 0]])
    np.testing.assert_array_equal(tg.flip(x, dims=[1]).numpy(), [[2, 1, 0], [5, 4, 3]])
    np.testing.assert_array_equal(x.flip(1).numpy(), [[2, 1, 0], [5, 4, 3]])


def test_cat_and_stack_promote_as_pytorch():
    f = tg.ones(2, 2)                                       # float32
    i = tg.ones(2, 2, dtype=tg.int64)
    assert tg.cat([f, i]).dtype == tg.float32               # NumPy would give float64
    assert tg.stack([i, f]).dtype == tg.float32
    assert tg.cat([i, tg.ones(1, 2, dtype=tg.int32)]).dtype == tg.int64
    x = tg.ones(2, 2, requires_grad=True)
    tg.cat([x, i]).sum().backward()                         # the cast keeps the graph
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 2)))
