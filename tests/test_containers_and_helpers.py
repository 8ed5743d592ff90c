"""ModuleDict, ParameterList, ParameterDict, Unflatten, F.one_hot, F.normalize,
addcmul and addcdiv: by hand and against PyTorch."""
import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn._errors import DTypeError, ShapeError
from tinygrad_cnn.nn import functional as F

from loss_testing import torch_or_skip


def heads_model(lib):
    """The same model in either library: a dict of heads, a list and a dict of parameters."""
    class Heads(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = lib.nn.ModuleDict({"cls": lib.nn.Linear(4, 3),
                                            "box": lib.nn.Linear(4, 2)})
            self.scales = lib.nn.ParameterList([lib.ones(3), lib.nn.Parameter(lib.zeros(2))])
            self.gains = lib.nn.ParameterDict({"a": lib.ones(1)})
    return Heads()


KEYS = ["heads.cls.weight", "heads.cls.bias", "heads.box.weight", "heads.box.bias",
        "scales.0", "scales.1", "gains.a"]


def test_containers_register_what_they_hold():
    model = heads_model(tg)
    assert list(model.state_dict()) == KEYS
    assert sum(p.numel() for p in model.parameters()) == 15 + 10 + 3 + 2 + 1
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.scales)
    heads = model.heads
    assert list(heads) == ["cls", "box"] and "cls" in heads and len(heads) == 2
    heads.update({"extra": nn.Identity()})
    assert isinstance(heads.pop("extra"), nn.Identity) and list(heads.keys()) == ["cls", "box"]
    model.scales.append(tg.zeros(4))
    assert model.scales[-1].shape == (4,) and len(model.scales) == 3
    with pytest.raises(IndexError, match="out of range for a ParameterList of length 3"):
        model.scales[3]
    model.gains["b"] = tg.ones(2)
    assert list(model.gains) == ["a", "b"] and model.gains["b"].requires_grad
    opt = tg.optim.SGD(model.parameters(), lr=0.1)            # the optimizer sees them all
    assert len(opt.param_groups[0]["params"]) == 9


def test_container_state_dicts_move_to_and_from_pytorch():
    torch = torch_or_skip()
    theirs, ours = heads_model(torch), heads_model(tg)
    assert list(theirs.state_dict()) == KEYS == list(ours.state_dict())
    ours.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.heads["cls"].weight.numpy(),
                                  theirs.heads["cls"].weight.detach().numpy())
    assert repr(ours.heads) == repr(theirs.heads)
    assert repr(ours.scales) == repr(theirs.scales).replace("torch.", "tinygrad_cnn.")


def test_unflatten_is_flattens_inverse():
    x = tg.arange(24.0).reshape(2, 12).requires_grad_()
    y = nn.Unflatten(1, (3, 4))(x)
    assert y.shape == (2, 3, 4) and repr(nn.Unflatten(1, (3, 4))) == \
        "Unflatten(dim=1, unflattened_size=(3, 4))"
    np.testing.assert_array_equal(nn.Flatten()(y).numpy(), x.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 12)))


def test_one_hot_by_hand_and_its_refusals():
    np.testing.assert_array_equal(F.one_hot(tg.tensor([[0, 2], [1, 1]]), 4).numpy(),
                                  [[[1, 0, 0, 0], [0, 0, 1, 0]], [[0, 1, 0, 0], [0, 1, 0, 0]]])
    assert F.one_hot(tg.tensor([0, 2])).shape == (2, 3)       # num_classes = largest + 1
    assert F.one_hot(tg.tensor([0, 2])).dtype == tg.int64
    with pytest.raises(DTypeError, match="one_hot: expected a tensor of class indices"):
        F.one_hot(tg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="class index 3 is out of range for num_classes=3"):
        F.one_hot(tg.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="class indices must be >= 0"):
        F.one_hot(tg.tensor([-1]), 3)


def test_normalize_addcmul_addcdiv_match_pytorch():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x[1] = 0.0                                                 # a zero vector: divided by ε
    for p, dim in [(2.0, 1), (1.0, 0), (3.0, -1)]:
        ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        a, b = F.normalize(ours, p, dim), torch.nn.functional.normalize(theirs, p, dim)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-15)
        a.sum().backward(), b.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
    t1, t2 = rng.standard_normal((3, 1)), rng.standard_normal((1, 4)) + 3
    for name in ("addcmul", "addcdiv"):
        ours = [tg.tensor(v, requires_grad=True) for v in (x, t1, t2)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (x, t1, t2)]
        a = getattr(tg, name)(*ours, value=0.5)
        b = getattr(torch, name)(*theirs, value=0.5)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12)
        a.sum().backward(), b.sum().backward()
        for mine, other in zip(ours, theirs):
            np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=1e-12)
    assert tg.tensor([1.0]).addcmul(tg.tensor([2.0]), tg.tensor([3.0])).item() == 7.0
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        tg.addcdiv(tg.tensor([1.0]), tg.tensor([3]), tg.tensor([2]))


def test_composed_ops_pass_gradcheck():
    rng = np.random.default_rng(3)
    x, t1 = (tg.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(2))
    t2 = tg.tensor(rng.standard_normal((3, 4)) + 4, requires_grad=True)
    assert tg.gradcheck(lambda a: F.normalize(a, 2.0, 1), (x,))
    assert tg.gradcheck(lambda a, b, c: tg.addcmul(a, b, c, value=0.5), (x, t1, t2))
    assert tg.gradcheck(lambda a, b, c: tg.addcdiv(a, b, c, value=-2), (x, t1, t2))


def test_the_new_helpers_refuse_what_they_cannot_do():
    with pytest.raises(TypeError, match="addcmul: tensor2 must be a Tensor, got float"):
        tg.addcmul(tg.ones(2), tg.ones(2), 3.0)
    with pytest.raises(TypeError, match="normalize: out= is not supported"):
        F.normalize(tg.ones(2, 2), out=tg.ones(2, 2))
    with pytest.raises(RuntimeError, match="cannot infer num_classes from an empty tensor"):
        F.one_hot(tg.tensor([], dtype=tg.int64))
    with pytest.raises(TypeError, match="flip: missing the dims"):
        tg.ones(2).flip()
    with pytest.raises(TypeError, match="flip: give dims once"):
        tg.flip(tg.ones(2, 2), 0, dims=[1])
    with pytest.raises(ShapeError, match=r"group_norm: expected input \(N, C, \*\)"):
        F.group_norm(tg.ones(4), 2)
    with pytest.raises(ShapeError, match=r"group_norm: weight must be \(4,\) float32"):
        F.group_norm(tg.ones(2, 4), 2, tg.ones(3))
    with pytest.raises(TypeError, match="vector_to_parameters: expected a Tensor, got list"):
        nn.utils.vector_to_parameters([1.0], [nn.Parameter(tg.ones(1))])
