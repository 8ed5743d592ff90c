"""Tests for tinygrad_cnn.optim: update rules by hand, dtypes, groups, state and errors.

The step-by-step comparisons with PyTorch are in test_optim_torch.py, the
schedules in test_lr_scheduler.py.
"""
import copy

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim
from tinygrad_cnn.serialization import load, save

SHAPES = [(3, 4), (4,), (2, 1, 3, 3)]
STEPS = 6


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


def test_sgd_nesterov_by_hand():
    # b_1 = g = 2, step g + μ b = 2 + 0.5·2 = 3;  b_2 = 0.5·2 + 2 = 3, step 2 + 0.5·3 = 3.5
    w = nn.Parameter(np.array([1.0]))
    opt = optim.SGD([w], lr=0.1, momentum=0.5, nesterov=True)
    for expected in (1 - 0.1 * 3, 0.7 - 0.1 * 3.5):
        w.grad = tg.tensor([2.0], dtype=np.float64)
        opt.step()
        assert w.item() == pytest.approx(expected, rel=1e-15)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].numpy(), [3.0])


def test_sgd_weight_decay_and_dampening_by_hand():
    # g = 1 + 0.5·2 = 2 (weight decay); b_1 = g; then b_2 = 0.9·2 + (1 - 0.5)·g_2
    w = nn.Parameter(np.array([2.0]))
    opt = optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.5)
    w.grad = tg.tensor([1.0], dtype=np.float64)
    opt.step()
    assert w.item() == pytest.approx(2 - 0.1 * 2)                  # 1.8
    opt.step()                                                     # g_2 = 1 + 0.5·1.8 = 1.9
    assert w.item() == pytest.approx(1.8 - 0.1 * (0.9 * 2 + 0.5 * 1.9))


def test_adagrad_by_hand():
    # s grows by g² each step: steps γ·g/√s = 0.1·2/2, then 0.1·2/√8; lr_decay = 1
    # halves the second step's γ: γ/(1 + (2-1)·1)
    w = nn.Parameter(np.array([0.0]))
    opt = optim.Adagrad([w], lr=0.1, lr_decay=1.0, eps=0.0)
    w.grad = tg.tensor([2.0], dtype=np.float64)
    opt.step()
    assert w.item() == pytest.approx(-0.1)
    opt.step()
    assert w.item() == pytest.approx(-0.1 - 0.05 * 2 / np.sqrt(8), rel=1e-15)
    assert opt.state[w]["sum"].item() == 8.0 and opt.state[w]["step"].item() == 2.0


def test_adagrad_state_exists_from_construction():
    w = nn.Parameter(np.zeros(3))
    opt = optim.Adagrad([w], initial_accumulator_value=0.25)
    np.testing.assert_array_equal(opt.state[w]["sum"].numpy(), [0.25] * 3)
    assert opt.state_dict()["state"][0]["step"].item() == 0


def test_rmsprop_by_hand():
    # α = 0.5: v = 0.5·g² = 2 for g = 2; centered: ḡ = 1, d = √(2 - 1) = 1
    plain, centered = nn.Parameter(np.array([0.0])), nn.Parameter(np.array([0.0]))
    for param in (plain, centered):
        param.grad = tg.tensor([2.0], dtype=np.float64)
    optim.RMSprop([plain], lr=0.1, alpha=0.5, eps=0.0).step()
    optim.RMSprop([centered], lr=0.1, alpha=0.5, eps=0.0, centered=True).step()
    assert plain.item() == pytest.approx(-0.1 * 2 / np.sqrt(2), rel=1e-15)
    assert centered.item() == pytest.approx(-0.1 * 2, rel=1e-15)


def test_rmsprop_momentum_by_hand():
    # b = μ b + g/√v: 2/√2, then 0.5·√2 + 2/√3 (v_2 = 0.5·2 + 0.5·4 = 3)
    w = nn.Parameter(np.array([0.0]))
    opt = optim.RMSprop([w], lr=1.0, alpha=0.5, eps=0.0, momentum=0.5)
    w.grad = tg.tensor([2.0], dtype=np.float64)
    opt.step()
    opt.step()
    assert w.item() == pytest.approx(-np.sqrt(2) - (0.5 * np.sqrt(2) + 2 / np.sqrt(3)),
                                     rel=1e-15)


def test_adadelta_by_hand():
    # ρ = 0.5, ε = 1: v = 2, Δθ = √1/√3·2;  u = 0.5·Δθ² = 2/3
    w = nn.Parameter(np.array([0.0]))
    opt = optim.Adadelta([w], lr=1.0, rho=0.5, eps=1.0)
    w.grad = tg.tensor([2.0], dtype=np.float64)
    opt.step()
    first = 2 / np.sqrt(3)
    assert w.item() == pytest.approx(-first, rel=1e-15)
    assert opt.state[w]["acc_delta"].item() == pytest.approx(2 / 3, rel=1e-15)
    opt.step()                       # v = 1 + 2 = 3, Δθ = √(2/3 + 1)/√4 · 2
    assert w.item() == pytest.approx(-first - np.sqrt(5 / 3), rel=1e-15)


FLOAT32_OPTIONS = {
    "SGD": dict(momentum=np.float64(0.9), nesterov=True),
    "Adam": dict(betas=(np.float64(0.9), np.float64(0.99)), amsgrad=True),
    "AdamW": dict(betas=(np.float64(0.9), np.float64(0.99)), amsgrad=True),
    "Adagrad": dict(lr_decay=np.float64(0.01), initial_accumulator_value=np.float64(0.1)),
    "Adadelta": dict(rho=np.float64(0.9), eps=np.float64(1e-6)),
    "RMSprop": dict(alpha=np.float64(0.9), momentum=np.float64(0.5), centered=True),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_OPTIONS))
def test_float32_parameters_and_state_stay_float32(name):
    params = [nn.Parameter(np.ones((3, 3), dtype=np.float32))]
    # NumPy float64 scalars would upcast a float32 array (NEP 50); the optimizer must not
    options = dict(FLOAT32_OPTIONS[name], lr=np.float64(0.1), weight_decay=np.float64(0.01))
    opt = getattr(optim, name)(params, **options)
    data = params[0].numpy()
    for _ in range(3):
        params[0].grad = tg.ones(3, 3)
        opt.step()
    assert params[0].numpy() is data and params[0].dtype == np.float32
    assert not np.array_equal(data, np.ones((3, 3)))              # it did move
    for key, value in opt.state[params[0]].items():
        assert isinstance(value, tg.Tensor)
        assert value.dtype == np.float32, key


def test_updates_record_no_graph_and_work_under_grad_mode():
    w = nn.Parameter(np.ones(2))
    opt = optim.RMSprop([w], lr=0.1)
    w.grad = tg.ones(2, dtype=np.float64)
    data = w.numpy()
    opt.step()                                # grad mode is on: still fine, in place
    assert w.numpy() is data and w.grad_fn is None and w.is_leaf


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
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=0.5, rho=0.8)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
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
