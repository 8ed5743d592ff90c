"""Tests for tinygrad_cnn.optim: update rules against PyTorch's, state, schedules."""
import copy

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim
from tinygrad_cnn.optim.lr_scheduler import StepLR
from tinygrad_cnn.serialization import load, save

SHAPES = [(3, 4), (4,), (2, 1, 3, 3)]
STEPS = 6


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


def start_and_gradients(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    grads = [[rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
             for _ in range(STEPS)]
    return start, grads


def run_ours(make, start, grads, steps=None):
    params = [nn.Parameter(array.copy()) for array in start]
    opt = make(params)
    history = []
    for step_grads in grads[:steps]:
        for param, grad in zip(params, step_grads):
            param.grad = tg.tensor(grad)
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history, params, opt


def run_torch(torch, make, start, grads):
    params = [torch.nn.Parameter(torch.tensor(array.copy())) for array in start]
    opt = make(params)
    history = []
    for step_grads in grads:
        for param, grad in zip(params, step_grads):
            param.grad = torch.tensor(grad)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.3)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, betas=(0.5, 0.9))),
]


@pytest.mark.parametrize("name, options", CONFIGS, ids=[f"{n}-{o}" for n, o in CONFIGS])
def test_steps_equal_pytorch(name, options):
    torch = torch_or_skip()
    start, grads = start_and_gradients()
    ours, _, _ = run_ours(lambda ps: getattr(optim, name)(ps, **options), start, grads)
    theirs = run_torch(torch, lambda ps: getattr(torch.optim, name)(ps, **options), start, grads)
    for step, (got, expected) in enumerate(zip(ours, theirs)):
        for index, (g, e) in enumerate(zip(got, expected)):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14,
                                       err_msg=f"step {step + 1}, parameter {index}")


def test_sgd_by_hand():
    w = nn.Parameter(np.array([1.0]))
    opt = optim.SGD([w], lr=0.1, momentum=0.5)
    for expected in (1 - 0.1 * 2,                     # b = g = 2
                     0.8 - 0.1 * (0.5 * 2 + 2)):      # b = 0.5·2 + 2 = 3
        w.grad = tg.tensor([2.0], dtype=np.float64)
        opt.step()
        assert w.item() == pytest.approx(expected)


def test_adam_first_step_moves_by_lr_by_hand():
    # m̂ = g, v̂ = g²: the first step is lr · g / (|g| + ε) ≈ lr · sign(g)
    w = nn.Parameter(np.array([1.0, 1.0]))
    w.grad = tg.tensor([3.0, -0.5], dtype=np.float64)
    optim.Adam([w], lr=0.1, eps=0.0).step()
    np.testing.assert_allclose(w.numpy(), [0.9, 1.1], rtol=1e-15)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_float32_parameters_and_state_stay_float32(name):
    params = [nn.Parameter(np.ones((3, 3), dtype=np.float32))]
    # NumPy float64 scalars would upcast a float32 array (NEP 50); the optimizer must not
    options = dict(lr=np.float64(0.1), weight_decay=np.float64(0.01))
    options.update(momentum=np.float64(0.9)) if name == "SGD" else \
        options.update(betas=(np.float64(0.9), np.float64(0.99)), amsgrad=True)
    opt = getattr(optim, name)(params, **options)
    data = params[0].numpy()
    for _ in range(3):
        params[0].grad = tg.ones(3, 3)
        opt.step()
    assert params[0].numpy() is data and params[0].dtype == np.float32
    for value in opt.state[params[0]].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


def test_parameters_without_grad_are_skipped_and_groups_have_their_own_options():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.1)
    a.grad = tg.tensor([1.0, 1.0], dtype=np.float64)
    opt.step()
    np.testing.assert_allclose(a.numpy(), [0.9, 0.9])
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    b.grad = tg.tensor([1.0, 1.0], dtype=np.float64)
    a.grad = None
    opt.step()
    np.testing.assert_allclose(b.numpy(), [0.0, 0.0])
    assert opt.param_groups[1]["momentum"] == 0


def test_invalid_arguments_are_refused():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_zero_grad_and_closure():
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (model(tg.ones(2, 3)) ** 2).sum()
        loss.backward()
        return loss

    with tg.no_grad():                     # the closure still records a graph
        loss = opt.step(closure)
    assert loss.numpy() > 0 and model.weight.grad is not None
    opt.zero_grad(set_to_none=False)
    assert not model.weight.grad.numpy().any()
    opt.zero_grad()
    assert model.weight.grad is None


# ----------------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name, options", [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01)),
])
def test_state_dict_round_trip_continues_identically(name, options, tmp_path):
    start, grads = start_and_gradients(seed=3)
    uninterrupted, _, _ = run_ours(lambda ps: getattr(optim, name)(ps, **options), start, grads)

    half = STEPS // 2
    _, params, opt = run_ours(lambda ps: getattr(optim, name)(ps, **options), start, grads,
                              steps=half)
    save({"params": [p.numpy() for p in params], "optimizer": opt.state_dict()},
         tmp_path / "ckpt.npz")
    checkpoint = load(tmp_path / "ckpt.npz")

    resumed = [nn.Parameter(array.copy()) for array in checkpoint["params"]]
    # the new optimizer starts with other options: loading must restore the saved ones
    opt2 = getattr(optim, name)(resumed, lr=123.0)
    opt2.load_state_dict(checkpoint["optimizer"])
    assert opt2.param_groups[0]["lr"] == options["lr"]
    for step_grads, expected in zip(grads[half:], uninterrupted[half:]):
        for param, grad in zip(resumed, step_grads):
            param.grad = tg.tensor(grad)
        opt2.step()
        for got, want in zip(resumed, expected):
            np.testing.assert_array_equal(got.numpy(), want)


def test_state_dict_is_a_pytorch_shaped_snapshot():
    params = [nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))]
    opt = optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}])
    for p in params:
        p.grad = tg.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert sd["state"][1]["step"] == 1
    assert all(isinstance(value, tg.Tensor) for value in sd["state"][0].values())
    assert sd["state"][0]["step"].dtype == np.float32 and sd["state"][0]["step"].shape == ()
    saved = sd["state"][0]["exp_avg"].numpy().copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), saved)   # not a live view


def test_load_state_dict_with_wrong_groups_changes_nothing():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = tg.ones_like(a), tg.ones_like(b)
    opt.step()
    good = opt.state_dict()
    before = copy.deepcopy(opt.state_dict())
    other = optim.SGD([a], lr=0.5, momentum=0.9)
    with pytest.raises(ValueError, match="doesn't match the size"):
        other.load_state_dict(good)
    bad = copy.deepcopy(good)
    bad["state"][1]["momentum_buffer"] = np.zeros(4)
    bad["param_groups"][0]["lr"] = 7.0
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    np.testing.assert_array_equal(after["state"][1]["momentum_buffer"],
                                  before["state"][1]["momentum_buffer"])


# ----------------------------------------------------------------------------- StepLR
def test_step_lr_by_hand():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    sched = StepLR(opt, step_size=3, gamma=0.1)
    lrs = []
    for _ in range(7):
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(lrs, [1, 1, 1, 0.1, 0.1, 0.1, 0.01])


def test_step_lr_equals_pytorch_and_round_trips():
    torch = torch_or_skip()
    ours_params = [nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))]
    theirs_params = [torch.nn.Parameter(torch.ones(1)), torch.nn.Parameter(torch.ones(1))]
    ours_opt = optim.SGD([{"params": [ours_params[0]]}, {"params": [ours_params[1]], "lr": 0.3}],
                         lr=0.1)
    theirs_opt = torch.optim.SGD([{"params": [theirs_params[0]]},
                                  {"params": [theirs_params[1]], "lr": 0.3}], lr=0.1)
    ours, theirs = StepLR(ours_opt, 2, gamma=0.5), \
        torch.optim.lr_scheduler.StepLR(theirs_opt, 2, gamma=0.5)
    for epoch in range(9):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
        assert [g["lr"] for g in ours_opt.param_groups] == \
            pytest.approx([g["lr"] for g in theirs_opt.param_groups], rel=1e-15)
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()
    state = ours.state_dict()
    assert state["last_epoch"] == theirs.state_dict()["last_epoch"] == 9
    assert "optimizer" not in state
    fresh = StepLR(optim.SGD([nn.Parameter(np.ones(1))], lr=0.1), 100)
    fresh.load_state_dict(state)
    assert fresh.step_size == 2 and fresh.last_epoch == 9 and fresh.base_lrs == [0.1, 0.3]
