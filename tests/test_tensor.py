"""Tensor construction, dtypes, attributes, factories and in-place rules."""
import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import ShapeError


def test_python_floats_become_float32_and_ints_int64():
    assert tg.tensor([1.0, 2.0]).dtype == np.float32
    assert tg.tensor(3.5).dtype == np.float32
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor([True, False]).dtype == np.bool_
    assert tg.Tensor([1.0]).dtype == np.float32


def test_numpy_arrays_keep_their_dtype_and_are_copied():
    source = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = tg.tensor(source)
    assert t.dtype == np.float64 and t.shape == (2, 3) and t.ndim == 2
    source[0, 0] = 100
    assert t.numpy()[0, 0] == 0                      # tensor() copies
    shared = tg.from_numpy(source)
    source[0, 1] = 7
    assert shared.numpy()[0, 1] == 7                 # from_numpy shares
    assert tg.tensor(np.zeros(2, np.float16)).dtype == np.float16
    assert tg.tensor([1, 2], dtype=tg.float64).dtype == np.float64


@pytest.mark.parametrize("data", [[1, 2], np.array([1, 2], np.int32), [True]])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        tg.tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        tg.tensor(data).requires_grad_()


def test_attributes():
    x = tg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    assert x.size() == (1, 3) and x.size(1) == 3 and x.numel() == 3 and len(x) == 1
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name == "mul" and y.requires_grad
    assert isinstance(x.numpy(), np.ndarray)
    assert tg.tensor([[4.5]]).item() == 4.5
    with pytest.raises(RuntimeError, match="one-element"):
        x.item()
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.numpy() is y.numpy()
    assert "grad_fn=<mul>" in repr(y) and "requires_grad=True" in repr(x)


def test_factories_shapes_and_dtypes():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros(2, 3).dtype == np.float32
    assert tg.ones((4,)).numpy().sum() == 4
    assert tg.empty(5).shape == (5,)
    assert tg.full((2, 2), 7.0).numpy().tolist() == [[7, 7], [7, 7]]
    assert tg.arange(5).dtype == np.int64 and tg.arange(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(0.0, 1.0, 0.25).dtype == np.float32
    x = tg.randn(3, 2, dtype=tg.float64)
    for like in (tg.zeros_like, tg.ones_like, tg.randn_like, tg.rand_like, tg.empty_like):
        made = like(x)
        assert made.shape == (3, 2) and made.dtype == np.float64
    r = tg.rand(1000)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    assert tg.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="zeros: only floating-point"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)


def test_manual_seed_makes_randomness_reproducible():
    tg.manual_seed(123)
    a, b = tg.randn(4), tg.rand(3)
    tg.manual_seed(123)
    assert np.array_equal(a.numpy(), tg.randn(4).numpy()) and np.array_equal(b.numpy(), tg.rand(3).numpy())


def test_comparisons_return_bool_tensors_outside_the_graph():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
    assert (x > 1.5).numpy().tolist() == [False, True, True]
    assert (x == tg.tensor([1.0, 0.0, 3.0])).numpy().tolist() == [True, False, True]


def test_in_place_updates_refuse_tensors_in_the_graph():
    w = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*no_grad"):
        w.add_(1.0)
    with tg.no_grad():
        w.add_(1.0).mul_(3.0)
    assert w.numpy().tolist() == [6, 6, 6]
    w.grad = tg.ones(3)
    w.grad.zero_()
    assert w.grad.numpy().tolist() == [0, 0, 0]
    plain = tg.zeros(2)
    plain.fill_(2.5).copy_(tg.tensor([1.0, 2.0]))
    assert plain.numpy().tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"copy_: source \(3,\) float32 cannot be broadcast to \(2,\)"):
        plain.copy_(tg.zeros(3))


def test_dtype_conversion_is_differentiable_between_floats():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.grad_fn.name == "cast"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.numpy().tolist() == [2, 4]
    assert x.long().dtype == np.int64 and not x.long().requires_grad


def test_bool_of_many_elements_is_ambiguous():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.ones(2))
    assert bool(tg.ones(1))


def test_numpy_on_the_left_uses_the_tensor_op():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(y, tg.Tensor) and y.grad_fn.name == "mul"


# --------------------------------------------------------------------------
# x.new_zeros(...) and friends take the dtype from x (ops/factories.py)
# --------------------------------------------------------------------------
def test_new_factories_take_dtype_from_the_tensor_like_torch():
    torch = pytest.importorskip("torch", reason="PyTorch comparison needs torch")
    for ours, theirs in ((tg.zeros(1, dtype=tg.float64), torch.zeros(1, dtype=torch.float64)),
                         (tg.tensor([1, 2]), torch.tensor([1, 2]))):
        for make in (lambda t: t.new_zeros(2, 3), lambda t: t.new_ones((2,)),
                     lambda t: t.new_full((2, 2), 7), lambda t: t.new_empty(3).zero_(),
                     lambda t: t.new_tensor([[1, 2]]), lambda t: t.new_zeros(2, dtype=t.dtype),
                     lambda t: t.new_ones(1, dtype=tg.float32 if isinstance(t, tg.Tensor)
                                          else torch.float32)):
            a, b = make(ours), make(theirs)
            assert a.shape == tuple(b.shape) and a.dtype.name == str(b.dtype).split(".")[-1]
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    grown = tg.zeros(1).new_zeros(2, requires_grad=True)
    assert grown.requires_grad and grown.is_leaf
    with pytest.raises(tg.DTypeError, match="new_zeros"):
        tg.tensor([1]).new_zeros(2, requires_grad=True)
    with pytest.raises(tg.DeviceError):
        tg.zeros(1).new_ones(2, device="cuda")


def test_an_assigned_grad_must_match_the_tensor_as_in_pytorch():
    # a gradient of another shape would broadcast silently in the optimizer's update
    x = tg.zeros(2, 3, requires_grad=True)
    with pytest.raises(ShapeError, match=r"cannot assign a gradient \(3,\) float32 to a tensor "
                                         r"\(2, 3\) float32"):
        x.grad = tg.ones(3)
    with pytest.raises(ShapeError, match="float64"):
        x.grad = tg.ones(2, 3, dtype=tg.float64)
    with pytest.raises(TypeError, match="expected to be a Tensor or None, got list"):
        x.grad = [[1.0] * 3] * 2
    x.grad = tg.ones(2, 3)
    x.grad = None
    assert x.grad is None
    (x * 2).sum().backward()                                  # the engine's own writes
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
