"""F.pad's four modes and negative padding, the padding modules: by hand,
float64 gradchecks, PyTorch parity, empty batches and the errors."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import ShapeError
from tinygrad_cnn.nn import functional as F

ROW = [[[1.0, 2.0, 3.0, 4.0]]]


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- by hand

@pytest.mark.parametrize("mode,pad,expected", [
    ("constant", (2, 1), [0, 0, 1, 2, 3, 4, 0]),
    ("constant", (-1, 1), [2, 3, 4, 0]),                  # negative padding crops
    ("reflect", (2, 1), [3, 2, 1, 2, 3, 4, 3]),           # the edge is not repeated
    ("reflect", (-1, 2), [2, 3, 4, 3, 2]),
    ("replicate", (2, 1), [1, 1, 1, 2, 3, 4, 4]),
    ("replicate", (1, -2), [1, 1, 2]),
    ("circular", (2, 1), [3, 4, 1, 2, 3, 4, 1]),
    ("circular", (1, -1), [3, 1, 2, 3]),                  # crops first, then wraps what is left
])
def test_modes_by_hand(mode, pad, expected):
    np.testing.assert_array_equal(F.pad(tg.tensor(ROW), pad, mode=mode).numpy()[0, 0], expected)


def test_backward_adds_delta_of_every_copy():
    x = leaf(ROW)
    F.pad(x, (2, 1), mode="reflect").backward(np.ones((1, 1, 7)))
    # [3, 2, 1, 2, 3, 4, 3]: entry 2 copied twice, entry 3 three times
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [1, 2, 3, 1])
    x.grad = None
    F.pad(x, (2, 1), mode="replicate").backward(np.arange(7.0).reshape(1, 1, 7))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [0 + 1 + 2, 3, 4, 5 + 6])
    x.grad = None
    F.pad(x, (-1, 1), value=5.0).backward(np.array([[[1.0, 2.0, 3.0, 4.0]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [0, 1, 2, 3])   # crop: nothing back


def test_two_dims_and_corners():
    x = tg.tensor(np.arange(4.0).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(F.pad(x, (1, 0, 1, 0), mode="replicate").numpy()[0, 0],
                                  [[0, 0, 1], [0, 0, 1], [2, 2, 3]])
    np.testing.assert_array_equal(F.pad(x, (1, 1, 1, 1), value=-1.0).numpy()[0, 0, 0],
                                  [-1, -1, -1, -1])


def test_modules_and_reprs():
    x = tg.tensor(np.arange(6.0).reshape(1, 1, 2, 3))
    cases = [(nn.ZeroPad2d(1), "ZeroPad2d((1, 1, 1, 1))", "constant", None),
             (nn.ConstantPad2d((1, 0, 0, 1), 3.5), "ConstantPad2d(padding=(1, 0, 0, 1), value=3.5)",
              "constant", 3.5),
             (nn.ReflectionPad2d((2, 1, 1, 0)), "ReflectionPad2d((2, 1, 1, 0))", "reflect", None),
             (nn.ReplicationPad2d(2), "ReplicationPad2d((2, 2, 2, 2))", "replicate", None),
             (nn.CircularPad2d(1), "CircularPad2d((1, 1, 1, 1))", "circular", None)]
    for module, text, mode, value in cases:
        assert repr(module) == text
        np.testing.assert_array_equal(module(x).numpy(),
                                      F.pad(x, module.padding, mode=mode, value=value).numpy())


def test_empty_batch_and_node_names():
    x = leaf(np.zeros((0, 2, 3, 3)))
    for mode in ("constant", "reflect", "replicate", "circular"):
        y = F.pad(x, (1, 2, -1, 1), mode=mode)
        assert y.shape == (0, 2, 3, 6)
        assert y.grad_fn.name == {"constant": "constant_pad", "reflect": "reflection_pad",
                                  "replicate": "replication_pad", "circular": "circular_pad"}[mode]
        y.sum().backward()
        assert x.grad.shape == (0, 2, 3, 3)
    assert F.pad(leaf(np.zeros((1, 1, 2, 2))), (1, 1)).grad_fn.name == "pad"   # the core op


def test_errors_name_the_input():
    x = tg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"pad\(mode='reflect'\): padding \(3, 0\) of dim 3 must "
                                         r"be smaller than its size 3; input \(1, 1, 3, 3\)"):
        F.pad(x, (3, 0, 0, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"wrap around more than once.*input \(1, 1, 3, 3\)"):
        F.pad(x, (4, 0, 0, 0), mode="circular")
    with pytest.raises(ValueError, match=r"takes no value argument.*input \(1, 1, 3, 3\)"):
        F.pad(x, (1, 0, 0, 0), mode="replicate", value=2.0)
    with pytest.raises(ShapeError, match=r"crops more than dim 3 of the input \(1, 1, 3, 3\)"):
        F.pad(x, (-4, 2))
    with pytest.raises(NotImplementedError, match=r"need a 2-D or 3-D input.*\(3,\) float32"):
        F.pad(tg.zeros(3), (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match=r"even number of ints, got \(1,\)"):
        F.pad(x, (1,))


# ---------------------------------------------------------------- gradcheck, PyTorch

@st.composite
def pad_case(draw):
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    dims = draw(st.integers(1, 2))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(dims + draw(st.integers(1, 2))))
    pad = tuple(draw(st.integers(-2, 3)) for _ in range(2 * dims))
    return mode, shape, pad


def accepted_by_pytorch(torch, mode, shape, pad):
    try:
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
        return True
    except (RuntimeError, NotImplementedError):
        return False


@settings(max_examples=60, deadline=None)
@given(pad_case(), st.integers(0, 2**16))
def test_pad_matches_pytorch_and_gradcheck(case, seed):
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    mode, shape, pad = case
    try:
        F.pad(tg.zeros(*shape), pad, mode=mode)
    except (ValueError, NotImplementedError):
        # we refuse a few pads PyTorch takes (circular pads beyond what a crop leaves,
        # replicate crops beyond a dim): never one that it computes cleanly and we could not
        assume(False)
    assume(accepted_by_pytorch(torch, mode, shape, pad))
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    x, xt = leaf(a), torch.tensor(a, requires_grad=True)
    y, z = F.pad(x, pad, mode=mode), torch.nn.functional.pad(xt, pad, mode=mode)
    assert y.shape == tuple(z.shape)
    np.testing.assert_array_equal(y.numpy(), z.detach().numpy())
    if z.numel():
        delta = rng.standard_normal(y.shape)
        y.backward(delta)
        z.backward(torch.tensor(delta))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert tg.gradcheck(lambda t: F.pad(t, pad, mode=mode), (leaf(a),))


def test_rejections_agree_with_pytorch_where_pytorch_is_clear():
    torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: pip install torch==2.13.0")
    for mode, shape, pad in [("reflect", (1, 1, 3, 3), (3, 0, 0, 0)), ("reflect", (3,), (1, 1)),
                             ("reflect", (1, 1, 3, 3), (1, 1)),
                             ("constant", (1, 1, 3, 3), (-4, 0)),
                             ("circular", (1, 1, 3, 3), (4, 0, 0, 0)),
                             ("replicate", (1, 3, 3), (1, 1, 1, 1, 1, 1))]:
        assert not accepted_by_pytorch(torch, mode, shape, pad)
        with pytest.raises((ValueError, NotImplementedError), match=re_shape(shape)):
            F.pad(tg.zeros(*shape), pad, mode=mode)


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")
