"""Every optimizer and option of tinygrad_cnn.optim against PyTorch's numbers, step by step.

float64 throughout, so the two must agree to rounding (rtol 1e-12) at every
step; also parameter groups, users editing ``param_groups`` between steps,
``add_param_group`` mid-training, state_dict layout and checkpoints that
resume exactly, and the errors PyTorch raises for bad options.
"""
import copy

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim
from tinygrad_cnn.serialization import load, save

torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                            "pip install torch==2.13.0")

SHAPES = [(3, 4), (4,), (2, 1, 3, 3)]
STEPS = 7


def start_and_gradients(seed=0, steps=STEPS):
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(shape) for shape in SHAPES]
    grads = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(steps)]
    return start, grads


def ours_params(start):
    return [nn.Parameter(array.copy()) for array in start]


def torch_params(start):
    return [torch.nn.Parameter(torch.tensor(array.copy())) for array in start]


def step_ours(opt, params, step_grads):
    for param, grad in zip(params, step_grads):
        param.grad = None if grad is None else tg.tensor(grad)
    opt.step()
    return [p.numpy().copy() for p in params]


def step_torch(opt, params, step_grads):
    for param, grad in zip(params, step_grads):
        param.grad = None if grad is None else torch.tensor(grad)
    opt.step()
    return [p.detach().numpy().copy() for p in params]


def assert_same(got, expected, where):
    for index, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14,
                                   err_msg=f"{where}, parameter {index}")


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.3)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, betas=(0.5, 0.9))),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.2, lr_decay=0.01, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.7, eps=1e-4)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, rho=0.95, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, maximize=True, alpha=0.8)),
]
IDS = [f"{name}-{options}" for name, options in CONFIGS]


@pytest.mark.parametrize("name, options", CONFIGS, ids=IDS)
def test_steps_equal_pytorch(name, options):
    start, grads = start_and_gradients()
    ours, theirs = ours_params(start), torch_params(start)
    ours_opt = getattr(optim, name)(ours, **options)
    torch_opt = getattr(torch.optim, name)(theirs, **options)
    for step, step_grads in enumerate(grads):
        assert_same(step_ours(ours_opt, ours, step_grads),
                    step_torch(torch_opt, theirs, step_grads), f"{name} step {step + 1}")


@pytest.mark.parametrize("name, options", CONFIGS, ids=IDS)
def test_state_and_groups_have_pytorchs_layout(name, options):
    start, grads = start_and_gradients(steps=2)
    ours, theirs = ours_params(start), torch_params(start)
    ours_opt = getattr(optim, name)(ours, **options)
    torch_opt = getattr(torch.optim, name)(theirs, **options)
    for step_grads in grads:
        step_ours(ours_opt, ours, step_grads), step_torch(torch_opt, theirs, step_grads)
    ours_sd, torch_sd = ours_opt.state_dict(), torch_opt.state_dict()
    ours_group, torch_group = ours_sd["param_groups"][0], torch_sd["param_groups"][0]
    assert set(ours_group) == set(torch_group)
    for key, value in ours_group.items():
        assert value == torch_group[key], key
    assert sorted(ours_sd["state"]) == sorted(torch_sd["state"])
    for index, entries in torch_sd["state"].items():
        assert sorted(ours_sd["state"][index]) == sorted(entries)
        for key, value in entries.items():
            ours_value = ours_sd["state"][index][key]
            assert isinstance(ours_value, tg.Tensor)
            assert ours_value.shape == tuple(value.shape), key
            np.testing.assert_allclose(ours_value.numpy(), value.numpy(), rtol=1e-12,
                                       atol=1e-14, err_msg=key)
            if key == "step":
                assert ours_value.dtype == np.float32 == np.dtype(str(value.dtype)[6:])


@pytest.mark.parametrize("name, options", CONFIGS[::3], ids=IDS[::3])
def test_checkpoint_resumes_exactly_and_loads_pytorchs_state(name, options, tmp_path):
    start, grads = start_and_gradients(seed=5)
    half = 3
    theirs = torch_params(start)
    torch_opt = getattr(torch.optim, name)(theirs, **options)
    expected = [step_torch(torch_opt, theirs, step_grads) for step_grads in grads]

    ours = ours_params(start)
    ours_opt = getattr(optim, name)(ours, **options)
    for step_grads in grads[:half]:
        step_ours(ours_opt, ours, step_grads)
    save({"params": [p.numpy() for p in ours], "optimizer": ours_opt.state_dict()},
         tmp_path / "ckpt.npz")
    checkpoint = load(tmp_path / "ckpt.npz")
    resumed = [nn.Parameter(array.copy()) for array in checkpoint["params"]]
    resumed_opt = getattr(optim, name)(resumed, lr=123.0)    # loading restores the options
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    assert resumed_opt.param_groups[0]["lr"] == ours_opt.param_groups[0]["lr"]
    for step, step_grads in enumerate(grads[half:], start=half):
        after_load = step_ours(resumed_opt, resumed, step_grads)
        uninterrupted = step_ours(ours_opt, ours, step_grads)
        for got, want in zip(after_load, uninterrupted):
            np.testing.assert_array_equal(got, want)
        assert_same(after_load, expected[step], f"resumed step {step + 1}")

    # PyTorch's own state_dict (its tensors as arrays) loads and continues the same
    theirs = torch_params(start)
    torch_opt = getattr(torch.optim, name)(theirs, **options)
    for step_grads in grads[:half]:
        step_torch(torch_opt, theirs, step_grads)
    torch_sd = torch_opt.state_dict()
    converted = {"state": {index: {key: value.numpy() for key, value in entries.items()}
                           for index, entries in torch_sd["state"].items()},
                 "param_groups": [{key: value for key, value in group.items()
                                   if key in ours_opt.defaults or key == "params"}
                                  for group in torch_sd["param_groups"]]}
    from_torch = [nn.Parameter(p.detach().numpy().copy()) for p in theirs]
    from_torch_opt = getattr(optim, name)(from_torch, lr=123.0)
    from_torch_opt.load_state_dict(converted)
    for step, step_grads in enumerate(grads[half:], start=half):
        assert_same(step_ours(from_torch_opt, from_torch, step_grads), expected[step],
                    f"step {step + 1} after loading PyTorch's state")


GROUP_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), dict(lr=0.01, nesterov=True)),
    ("Adam", dict(lr=0.01), dict(lr=0.1, betas=(0.5, 0.6), amsgrad=True)),
    ("Adagrad", dict(lr=0.1), dict(lr_decay=0.1, weight_decay=0.3)),
    ("Adadelta", dict(rho=0.8), dict(lr=0.3, eps=1e-3)),
    ("RMSprop", dict(lr=0.01), dict(centered=True, momentum=0.9)),
]


@pytest.mark.parametrize("name, defaults, override", GROUP_CASES,
                         ids=[case[0] for case in GROUP_CASES])
def test_parameter_groups_edits_and_added_groups_equal_pytorch(name, defaults, override):
    start, grads = start_and_gradients(seed=1, steps=8)
    ours, theirs = ours_params(start), torch_params(start)

    def make(library, params):
        return getattr(library.optim if library is torch else optim, name)(
            [{"params": params[:1]}, dict(override, params=[params[1]])], **defaults)

    ours_opt, torch_opt = make(optim, ours), make(torch, theirs)
    for step, step_grads in enumerate(grads):
        if step == 3:                        # a user (or scheduler) edits the groups
            for opt in (ours_opt, torch_opt):
                opt.param_groups[0]["lr"] *= 0.5
                opt.param_groups[1]["weight_decay"] = 0.05
        if step == 5:                        # a third group joins mid-training
            ours_opt.add_param_group({"params": [ours[2]], "lr": 0.02})
            torch_opt.add_param_group({"params": [theirs[2]], "lr": 0.02})
        # the third parameter gets no gradient before it joins; one step skips the first
        step_grads = [None if step == 6 else step_grads[0], step_grads[1],
                      step_grads[2] if step >= 5 else None]
        assert_same(step_ours(ours_opt, ours, step_grads),
                    step_torch(torch_opt, theirs, step_grads), f"{name} step {step + 1}")
    for ours_group, torch_group in zip(ours_opt.param_groups, torch_opt.param_groups):
        for key in ours_group:
            if key != "params":
                assert ours_group[key] == torch_group[key], key


# ----------------------------------------------------------------------------- errors
BAD_OPTIONS = [
    ("SGD", dict(lr=-0.1)),
    ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1.0)),
    ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-1.0)),
    ("Adam", dict(eps=-1.0)),
    ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-0.1)),
    ("AdamW", dict(betas=(0.9, 1.5))),
    ("Adagrad", dict(lr=-1.0)),
    ("Adagrad", dict(lr_decay=-1.0)),
    ("Adagrad", dict(weight_decay=-1.0)),
    ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(lr=-1.0)),
    ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
    ("RMSprop", dict(lr=-1.0)),
    ("RMSprop", dict(eps=-1.0)),
    ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(weight_decay=-1.0)),
    ("RMSprop", dict(alpha=-1.0)),
]


@pytest.mark.parametrize("name, options", BAD_OPTIONS,
                         ids=[f"{name}-{options}" for name, options in BAD_OPTIONS])
def test_bad_options_raise_what_pytorch_raises(name, options):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], **options)
    with pytest.raises(ValueError) as got:
        getattr(optim, name)([nn.Parameter(np.ones(2))], **options)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop"])
def test_signatures_are_pytorchs_and_differentiable_is_refused(name):
    import inspect
    ours = inspect.signature(getattr(optim, name))
    theirs = inspect.signature(getattr(torch.optim, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    with pytest.raises(NotImplementedError, match="in place, outside the autograd graph"):
        getattr(optim, name)([nn.Parameter(np.ones(2))], differentiable=True)


def test_group_errors_match_pytorch():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    ta, tb = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))
    opt = optim.SGD([a], lr=0.1)
    torch_opt = torch.optim.SGD([ta], lr=0.1)
    for ours_group, torch_group, error in [
            ({"params": [a]}, {"params": [ta]}, ValueError),          # already optimized
            ({"params": [b * 2]}, {"params": [tb * 2]}, ValueError),  # not a leaf
            ({"params": [np.ones(2)]}, {"params": [np.ones(2)]}, TypeError),
            ({"params": {b}}, {"params": {tb}}, TypeError)]:          # a set has no order
        with pytest.raises(error):
            torch_opt.add_param_group(torch_group)
        with pytest.raises(error):
            opt.add_param_group(ours_group)
    assert len(opt.param_groups) == len(torch_opt.param_groups) == 1


def test_mismatched_state_dicts_raise_and_change_nothing():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01, amsgrad=True)
    a.grad, b.grad = tg.ones_like(a), tg.ones_like(b)
    opt.step()
    before = copy.deepcopy(opt.state_dict())
    state_before = {p: dict(entries) for p, entries in opt.state.items()}

    sgd = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.5, momentum=0.9)
    a.grad, b.grad = tg.ones_like(a), tg.ones_like(b)
    sgd.step()
    wrong_shape = copy.deepcopy(before)
    wrong_shape["state"][1]["exp_avg"] = tg.zeros(4)
    wrong_shape["param_groups"][0]["lr"] = 7.0
    no_max = copy.deepcopy(before)
    del no_max["state"][0]["max_exp_avg_sq"]
    unknown_index = copy.deepcopy(before)
    unknown_index["state"][5] = unknown_index["state"].pop(1)
    cases = [
        (sgd.state_dict(), "has no \\['step', 'exp_avg'"),             # another optimizer
        ({"state": {}, "param_groups": before["param_groups"][:1]}, "number of parameter"),
        ({"state": {}, "param_groups": [before["param_groups"][0],
                                        dict(before["param_groups"][1], params=[1, 2])]},
         "doesn't match the size"),
        (wrong_shape, "'exp_avg' of parameter 1 has shape \\(4,\\)"),
        (no_max, "max_exp_avg_sq"),
        (unknown_index, "parameter 5"),
        ({"param_groups": []}, "keys 'state' and 'param_groups'"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(bad)
        after = opt.state_dict()
        assert after["param_groups"] == before["param_groups"]
        assert {p: dict(entries) for p, entries in opt.state.items()} == state_before
        for index, entries in before["state"].items():
            for key, value in entries.items():
                np.testing.assert_array_equal(after["state"][index][key].numpy(),
                                              value.numpy())


@pytest.mark.parametrize("name, options", CONFIGS[1::4], ids=IDS[1::4])
def test_float32_steps_stay_float32_and_agree_to_float32_rounding(name, options):
    start, grads = start_and_gradients(seed=2, steps=5)
    start = [array.astype(np.float32) for array in start]
    grads = [[grad.astype(np.float32) for grad in step] for step in grads]
    ours, theirs = ours_params(start), torch_params(start)
    ours_opt = getattr(optim, name)(ours, **options)
    torch_opt = getattr(torch.optim, name)(theirs, **options)
    for step, step_grads in enumerate(grads):
        got = step_ours(ours_opt, ours, step_grads)
        expected = step_torch(torch_opt, theirs, step_grads)
        for g, e in zip(got, expected):
            assert g.dtype == e.dtype == np.float32
            np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-6, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name, options", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("Adagrad", dict(lr=0.2, lr_decay=0.01)),
    ("Adadelta", dict(lr=1.0)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
])
def test_training_a_model_matches_pytorch_loss_by_loss(name, options):
    # the gradients come from our own backward here, so this checks the whole loop
    rng = np.random.default_rng(7)
    inputs, targets = rng.standard_normal((16, 5)), rng.standard_normal((16, 2))
    ours = nn.Linear(5, 2)
    theirs = torch.nn.Linear(5, 2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.standard_normal((2, 5))))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(2)))
    ours.weight = nn.Parameter(theirs.weight.detach().numpy().copy())
    ours.bias = nn.Parameter(theirs.bias.detach().numpy().copy())
    ours_opt = getattr(optim, name)(ours.parameters(), **options)
    torch_opt = getattr(torch.optim, name)(theirs.parameters(), **options)
    x, y = tg.tensor(inputs), tg.tensor(targets)
    tx, ty = torch.tensor(inputs), torch.tensor(targets)
    losses = []
    for _ in range(8):
        ours_opt.zero_grad(), torch_opt.zero_grad()
        loss = ((ours(x) - y) ** 2).mean()
        torch_loss = ((theirs(tx) - ty) ** 2).mean()
        loss.backward(), torch_loss.backward()
        ours_opt.step(), torch_opt.step()
        assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-12)
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_named_parameters_give_param_names_as_in_pytorch():
    ours_model, torch_model = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours = optim.SGD(ours_model.named_parameters(), lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD(torch_model.named_parameters(), lr=0.1, momentum=0.9)
    assert ours.param_groups[0]["param_names"] == theirs.param_groups[0]["param_names"] == \
        ["weight", "bias"]
    assert ours.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    extra = nn.Parameter(np.ones(2))
    for opt, param in ((ours, extra), (theirs, torch.nn.Parameter(torch.ones(2)))):
        with pytest.raises(ValueError, match="with/without names"):
            opt.add_param_group({"params": [param]})
        with pytest.raises(ValueError, match="Some param names are missing"):
            opt.add_param_group({"params": [("x", param), param]})
    assert len(ours.param_groups) == 1
