"""Learning-rate schedules against PyTorch's, epoch by epoch.

Each schedule's lr (and, for OneCycleLR, momentum or β1) is compared with
``torch.optim.lr_scheduler`` at every step, with two parameter groups, with
the lr edited by hand mid-way (the chainable forms must carry the edit on as
PyTorch does), with two schedulers on one optimizer, through the deprecated
``step(epoch)``, and across a checkpoint. A hand-checkable case per family
lives in the doctests of tinygrad_cnn/optim/lr_scheduler/.
"""
import math
import warnings

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim
from tinygrad_cnn.optim import lr_scheduler
from tinygrad_cnn.serialization import load, save

torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                            "pip install torch==2.13.0")


def make_optimizers(name="SGD", **options):
    """The same two-group optimizer in both libraries (no gradients: steps are no-ops)."""
    options = dict(dict(lr=0.1, momentum=0.9) if name == "SGD" else dict(lr=0.1), **options)
    ours = getattr(optim, name)([{"params": [nn.Parameter(np.ones(2))]},
                                 {"params": [nn.Parameter(np.ones(2))], "lr": 0.3}], **options)
    theirs = getattr(torch.optim, name)([{"params": [torch.nn.Parameter(torch.ones(2))]},
                                         {"params": [torch.nn.Parameter(torch.ones(2))],
                                          "lr": 0.3}], **options)
    return ours, theirs


def group_values(opt, key):
    return [group[key] for group in opt.param_groups]


def assert_same_groups(ours_opt, torch_opt, where, keys=("lr",)):
    for key in keys:
        got, expected = group_values(ours_opt, key), group_values(torch_opt, key)
        if key == "betas":
            got, expected = [b[0] for b in got], [b[0] for b in expected]
        assert got == pytest.approx(expected, rel=1e-13, abs=1e-15), f"{where}: {key}"


def run_both(ours_sched, torch_sched, ours_opt, torch_opt, epochs, keys=("lr",), edit=None,
             metrics=None):
    """Step both for ``epochs`` epochs, comparing after every step; returns our lrs."""
    lrs = []
    for epoch in range(epochs):
        assert ours_sched.get_last_lr() == pytest.approx(torch_sched.get_last_lr(), rel=1e-13,
                                                         abs=1e-15), f"epoch {epoch}"
        assert_same_groups(ours_opt, torch_opt, f"epoch {epoch}", keys)
        assert ours_sched.last_epoch == torch_sched.last_epoch
        lrs.append(ours_sched.get_last_lr())
        if edit is not None and epoch == edit:        # a user changes the lr by hand
            for opt in (ours_opt, torch_opt):
                for group in opt.param_groups:
                    group["lr"] *= 2.5
        ours_opt.step(), torch_opt.step()
        if metrics is None:
            ours_sched.step(), torch_sched.step()
        else:
            ours_sched.step(metrics[epoch]), torch_sched.step(metrics[epoch])
    return lrs


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("MultiStepLR", dict(milestones=[4])),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=5)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.05)),
    ("LinearLR", dict(start_factor=0.2, total_iters=5)),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.1, total_iters=3)),
    ("ConstantLR", dict(factor=0.25, total_iters=4)),
    ("PolynomialLR", dict(total_iters=6, power=2.0)),
    ("PolynomialLR", dict(total_iters=10)),
]
SCHEDULE_IDS = [f"{name}-{options}" for name, options in SCHEDULES]


@pytest.mark.parametrize("name, options", SCHEDULES, ids=SCHEDULE_IDS)
@pytest.mark.parametrize("edit", [None, 4], ids=["plain", "lr-edited-at-epoch-4"])
def test_fixed_schedules_equal_pytorch(name, options, edit):
    ours_opt, torch_opt = make_optimizers()
    ours = getattr(lr_scheduler, name)(ours_opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **options)
    lrs = run_both(ours, theirs, ours_opt, torch_opt, epochs=24, edit=edit)
    assert len({tuple(lr) for lr in lrs}) > 1                 # the schedule did move


@pytest.mark.parametrize("name, options", SCHEDULES, ids=SCHEDULE_IDS)
def test_deprecated_step_with_epoch_uses_the_closed_form_as_pytorch(name, options):
    ours_opt, torch_opt = make_optimizers()
    ours = getattr(lr_scheduler, name)(ours_opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **options)
    for epoch in [3, 1, 7, 8, 12, 2]:
        with pytest.warns(UserWarning, match="deprecated"):
            ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(epoch)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13, abs=1e-15)
        assert ours.last_epoch == theirs.last_epoch == epoch


def test_cosine_closed_form_by_hand():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.2)
    for epoch in range(21):
        expected = 0.2 + 0.8 * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)
        opt.step(), sched.step()


def test_step_lr_by_hand():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.1)
    lrs = []
    for _ in range(7):
        lrs.append(sched.get_last_lr()[0])
        opt.step(), sched.step()
    np.testing.assert_allclose(lrs, [1, 1, 1, 0.1, 0.1, 0.1, 0.01])


class Warmup:
    """A callable object: its attributes travel in LambdaLR's state_dict."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


@pytest.mark.parametrize("make_lambda", [
    lambda: (lambda epoch: 0.95 ** epoch),
    lambda: [lambda epoch: 1 / (1 + epoch), Warmup(5)],
], ids=["one-function", "one-per-group"])
def test_lambda_lr_equals_pytorch(make_lambda):
    ours_opt, torch_opt = make_optimizers()
    ours = lr_scheduler.LambdaLR(ours_opt, make_lambda())
    theirs = torch.optim.lr_scheduler.LambdaLR(torch_opt, make_lambda())
    run_both(ours, theirs, ours_opt, torch_opt, epochs=12, edit=3)   # an edit is overwritten


def test_lambda_lr_state_dict_keeps_callable_objects_not_functions():
    ours_opt, torch_opt = make_optimizers()
    ours = lr_scheduler.LambdaLR(ours_opt, [lambda epoch: 1.0, Warmup(5)])
    theirs = torch.optim.lr_scheduler.LambdaLR(torch_opt, [lambda epoch: 1.0, Warmup(5)])
    assert ours.state_dict()["lr_lambdas"] == theirs.state_dict()["lr_lambdas"] == \
        [None, {"epochs": 5}]
    state = ours.state_dict()
    state["lr_lambdas"][1]["epochs"] = 8
    other = lr_scheduler.LambdaLR(make_optimizers()[0], [lambda epoch: 1.0, Warmup(5)])
    other.load_state_dict(state)
    assert other.lr_lambdas[1].epochs == 8 and other.last_epoch == 0


def test_two_schedulers_on_one_optimizer_chain_as_in_pytorch():
    ours_opt, torch_opt = make_optimizers()
    ours = [lr_scheduler.ExponentialLR(ours_opt, gamma=0.9),
            lr_scheduler.MultiStepLR(ours_opt, milestones=[3, 6], gamma=0.5),
            lr_scheduler.CosineAnnealingLR(ours_opt, T_max=4)]
    theirs = [torch.optim.lr_scheduler.ExponentialLR(torch_opt, gamma=0.9),
              torch.optim.lr_scheduler.MultiStepLR(torch_opt, milestones=[3, 6], gamma=0.5),
              torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=4)]
    for epoch in range(14):
        assert_same_groups(ours_opt, torch_opt, f"epoch {epoch}")
        ours_opt.step(), torch_opt.step()
        for a, b in zip(ours, theirs):
            a.step(), b.step()


# ----------------------------------------------------------------------------- OneCycleLR
ONE_CYCLE = [
    ("SGD", dict(max_lr=1.0, total_steps=20)),
    ("SGD", dict(max_lr=[1.0, 2.0], total_steps=17, anneal_strategy="linear")),
    ("SGD", dict(max_lr=0.5, epochs=3, steps_per_epoch=7, three_phase=True)),
    ("SGD", dict(max_lr=0.5, total_steps=15, three_phase=True, anneal_strategy="linear",
                 pct_start=0.4, base_momentum=[0.8, 0.7], max_momentum=0.99)),
    ("SGD", dict(max_lr=0.5, total_steps=12, cycle_momentum=False, div_factor=10.0,
                 final_div_factor=100.0)),
    ("Adam", dict(max_lr=0.01, total_steps=16)),
    ("Adam", dict(max_lr=0.01, total_steps=16, three_phase=True, anneal_strategy="linear")),
    ("AdamW", dict(max_lr=0.01, total_steps=10, pct_start=0.5, base_momentum=0.6)),
    ("RMSprop", dict(max_lr=0.01, total_steps=9)),
    ("Adagrad", dict(max_lr=0.01, total_steps=9, cycle_momentum=False)),
]


@pytest.mark.parametrize("name, options", ONE_CYCLE,
                         ids=[f"{name}-{options}" for name, options in ONE_CYCLE])
def test_one_cycle_equals_pytorch_including_momentum(name, options):
    ours_opt, torch_opt = make_optimizers(name)
    ours = lr_scheduler.OneCycleLR(ours_opt, **options)
    theirs = torch.optim.lr_scheduler.OneCycleLR(torch_opt, **options)
    keys = ["lr"]
    if options.get("cycle_momentum", True):
        keys.append("betas" if "betas" in ours_opt.defaults else "momentum")
    run_both(ours, theirs, ours_opt, torch_opt, epochs=ours.total_steps, keys=keys)
    for key in ("initial_lr", "max_lr", "min_lr"):
        assert group_values(ours_opt, key) == pytest.approx(group_values(torch_opt, key))
    with pytest.raises(ValueError, match="Tried to step"):
        ours.step(), ours.step()
    with pytest.raises(ValueError, match="Tried to step"):
        theirs.step(), theirs.step()


# ----------------------------------------------------------------------------- plateau
LOSSES = [5.0, 4.0, 4.0, 3.9999, 3.5, 3.5, 3.6, 3.7, 3.2, 3.2, 3.2, 3.2, 3.2, 3.1,
          3.1, 3.1, 3.1, 3.1, 3.1, 3.1, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
PLATEAUS = [
    dict(patience=2),
    dict(patience=0, factor=0.5),
    dict(patience=1, factor=0.5, cooldown=2),
    dict(patience=1, factor=0.5, threshold=0.1),
    dict(patience=1, factor=0.5, threshold=0.2, threshold_mode="abs"),
    dict(mode="max", patience=1, factor=0.5),
    dict(mode="max", patience=1, factor=0.5, threshold=0.3, threshold_mode="abs"),
    dict(patience=0, factor=0.5, min_lr=0.05),
    dict(patience=0, factor=0.5, min_lr=[0.04, 0.2], cooldown=1),
    dict(patience=0, factor=0.9, eps=0.02),
]


@pytest.mark.parametrize("options", PLATEAUS, ids=[str(options) for options in PLATEAUS])
def test_reduce_on_plateau_equals_pytorch(options):
    ours_opt, torch_opt = make_optimizers()
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **options)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **options)
    metrics = [-m for m in LOSSES] if options.get("mode") == "max" else LOSSES
    lrs = run_both(ours, theirs, ours_opt, torch_opt, epochs=len(metrics), metrics=metrics)
    assert lrs[-1] != lrs[0]
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours, key) == getattr(theirs, key), key


def test_reduce_on_plateau_by_hand_and_with_a_tensor_metric():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=2)
    lrs = []
    for loss in [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]:
        sched.step(tg.tensor(loss))              # bad epochs: 1, 2, 3 > patience → cut
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx([1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1])
    assert sched.best == 0.5 and sched.num_bad_epochs == 2


# ----------------------------------------------------------------------------- checkpoints
RESUMABLE = [
    ("StepLR", dict(step_size=2, gamma=0.5), None),
    ("MultiStepLR", dict(milestones=[3, 7, 7], gamma=0.5), None),
    ("ExponentialLR", dict(gamma=0.8), None),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01), None),
    ("LambdaLR", dict(lr_lambda=Warmup(6)), None),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=14, three_phase=True), None),
    ("ReduceLROnPlateau", dict(patience=1, factor=0.5, cooldown=1), LOSSES),
]


@pytest.mark.parametrize("name, options, metrics", RESUMABLE, ids=[r[0] for r in RESUMABLE])
def test_checkpoint_resumes_the_schedule_exactly(name, options, metrics, tmp_path):
    def make(opt):
        return getattr(lr_scheduler, name)(opt, **options)

    def step(sched, epoch):
        sched.optimizer.step()
        sched.step() if metrics is None else sched.step(metrics[epoch])

    epochs, half = 14, 6
    ours_opt, torch_opt = make_optimizers()
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **options)
    expected = []
    for epoch in range(epochs):
        expected.append(list(theirs.get_last_lr()))
        torch_opt.step()
        theirs.step() if metrics is None else theirs.step(metrics[epoch])

    sched = make(ours_opt)
    for epoch in range(half):
        step(sched, epoch)
    save({"optimizer": ours_opt.state_dict(), "scheduler": sched.state_dict()},
         tmp_path / "ckpt.npz")
    checkpoint = load(tmp_path / "ckpt.npz")

    resumed_opt, _ = make_optimizers()
    resumed = make(resumed_opt)                 # PyTorch's order: scheduler, then both loads
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert resumed.last_epoch == sched.last_epoch
    for epoch in range(half, epochs):
        assert resumed.get_last_lr() == pytest.approx(expected[epoch], rel=1e-13), epoch
        assert group_values(resumed_opt, "lr") == pytest.approx(expected[epoch], rel=1e-13)
        step(resumed, epoch)


def test_state_dict_leaves_out_the_optimizer_and_is_a_copy():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[1, 2])
    state = sched.state_dict()
    assert "optimizer" not in state and state["base_lrs"] == [1.0]
    state["base_lrs"].append(5.0)
    assert sched.base_lrs == [1.0]


# ----------------------------------------------------------------------------- errors
def test_errors_match_pytorch():
    ours_opt, torch_opt = make_optimizers()
    adagrad, torch_adagrad = make_optimizers("Adagrad")
    cases = [
        (lambda m, o: m.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
        (lambda m, o: m.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown"),
        (lambda m, o: m.ReduceLROnPlateau(o, threshold_mode="x"), ValueError,
         "threshold mode x is unknown"),
        (lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
        (lambda m, o: m.OneCycleLR(o, max_lr=1.0), ValueError, "You must define either"),
        (lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError,
         "positive integer total_steps"),
        (lambda m, o: m.OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=0), ValueError,
         "positive integer steps_per_epoch"),
        (lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1), ValueError,
         "pct_start"),
        (lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="exp"),
         ValueError, "anneal_strategy"),
        (lambda m, o: m.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError,
         "max_lr must have the same length"),
        (lambda m, o: m.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
        (lambda m, o: m.StepLR(o, step_size=2, last_epoch=3), KeyError, "initial_lr"),
        (lambda m, o: m.StepLR(object(), step_size=2), TypeError, "is not an Optimizer"),
        (lambda m, o: m.OneCycleLR(object(), max_lr=1.0), TypeError, "is not an Optimizer"),
    ]
    for make, error, message in cases:
        with pytest.raises(error, match=message):
            make(torch.optim.lr_scheduler, torch_opt)
        with pytest.raises(error, match=message):
            make(lr_scheduler, ours_opt)
    for module, opt in ((torch.optim.lr_scheduler, torch_adagrad), (lr_scheduler, adagrad)):
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            module.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    assert group_values(ours_opt, "lr") == [0.1, 0.3]


def test_module_path_matches_torch():
    import tinygrad_cnn.optim.lr_scheduler as module
    from tinygrad_cnn.optim.lr_scheduler import OneCycleLR
    assert module is optim.lr_scheduler and OneCycleLR is optim.lr_scheduler.OneCycleLR
    for name in ("LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
                 "CosineAnnealingLR", "ReduceLROnPlateau", "OneCycleLR"):
        assert hasattr(torch.optim.lr_scheduler, name) and hasattr(module, name)


def test_multistep_milestones_survive_a_checkpoint(tmp_path):
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 4, 4], gamma=0.5)
    save({"scheduler": sched.state_dict()}, tmp_path / "sched.npz")
    resumed = lr_scheduler.MultiStepLR(optim.SGD([nn.Parameter(np.ones(1))], lr=1.0),
                                       milestones=[9])
    resumed.load_state_dict(load(tmp_path / "sched.npz")["scheduler"])
    with pytest.warns(UserWarning, match="deprecated"):
        resumed.step(4)                  # the closed form counts milestones, gamma² at 4
    assert resumed.get_last_lr() == [0.125]


@pytest.mark.parametrize("name", ["LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
                                  "CosineAnnealingLR", "ReduceLROnPlateau", "OneCycleLR"])
def test_signatures_are_pytorchs(name):
    import inspect
    ours = inspect.signature(getattr(lr_scheduler, name))
    theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.parameters.values()]


# ----------------------------------------------------------------------------- warm-up, restarts
@pytest.mark.parametrize("options", [dict(T_0=3), dict(T_0=2, T_mult=2, eta_min=0.01),
                                     dict(T_0=1, T_mult=3)])
def test_warm_restarts_equal_pytorch_per_epoch_and_per_batch(options):
    ours_opt, torch_opt = make_optimizers()
    ours = lr_scheduler.CosineAnnealingWarmRestarts(ours_opt, **options)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch_opt, **options)
    run_both(ours, theirs, ours_opt, torch_opt, epochs=20)
    for epoch in [0.5, 1.25, 2.0, 7.75, 3.5, 15.0]:             # fractional, out of order
        ours.step(epoch), theirs.step(epoch)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13, abs=1e-15)
        assert ours.last_epoch == theirs.last_epoch and ours.T_i == theirs.T_i


def test_multiplicative_lr_equals_pytorch():
    ours_opt, torch_opt = make_optimizers()
    ours = lr_scheduler.MultiplicativeLR(ours_opt, lambda epoch: 0.9 if epoch % 2 else 0.8)
    theirs = torch.optim.lr_scheduler.MultiplicativeLR(torch_opt,
                                                       lambda epoch: 0.9 if epoch % 2 else 0.8)
    run_both(ours, theirs, ours_opt, torch_opt, epochs=10)


def sequence(library, opt, phases):
    schedule = library.optim.lr_scheduler if library is torch else lr_scheduler
    made = [getattr(schedule, name)(opt, **options) for name, options in phases]
    return made


@pytest.mark.parametrize("phases, milestones", [
    ([("LinearLR", dict(start_factor=0.1, total_iters=4)), ("ExponentialLR", dict(gamma=0.8))],
     [4]),
    ([("ConstantLR", dict(factor=0.5, total_iters=2)), ("StepLR", dict(step_size=2)),
      ("CosineAnnealingLR", dict(T_max=5))], [3, 8]),
])
def test_sequential_lr_equals_pytorch_and_round_trips(phases, milestones, tmp_path):
    ours_opt, torch_opt = make_optimizers()
    ours = lr_scheduler.SequentialLR(ours_opt, sequence(tg, ours_opt, phases), milestones)
    theirs = torch.optim.lr_scheduler.SequentialLR(torch_opt, sequence(torch, torch_opt, phases),
                                                   milestones)
    run_both(ours, theirs, ours_opt, torch_opt, epochs=7)
    save(ours.state_dict(), tmp_path / "sched.npz")
    ours_opt2, _ = make_optimizers()                         # resume: build, then load both
    resumed = lr_scheduler.SequentialLR(ours_opt2, sequence(tg, ours_opt2, phases), milestones)
    ours_opt2.load_state_dict(ours_opt.state_dict())
    resumed.load_state_dict(load(tmp_path / "sched.npz"))
    run_both(resumed, theirs, ours_opt2, torch_opt, epochs=8)


def test_warm_up_schedules_refuse_what_pytorch_refuses():
    opt, _ = make_optimizers()
    with pytest.raises(ValueError, match="LinearLR: start_factor must be in"):
        lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="ConstantLR: factor must be in"):
        lr_scheduler.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="T_0 must be a positive int"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    first = lr_scheduler.LinearLR(opt)
    with pytest.raises(ValueError, match="expected 1 milestones for 2 schedulers, got 0"):
        lr_scheduler.SequentialLR(opt, [first, lr_scheduler.ExponentialLR(opt, 0.9)], [])
    with pytest.raises(TypeError, match="ReduceLROnPlateau cannot be sequenced"):
        lr_scheduler.SequentialLR(opt, [first, lr_scheduler.ReduceLROnPlateau(opt)], [2])
    other, _ = make_optimizers()
    with pytest.raises(ValueError, match="drives another optimizer"):
        lr_scheduler.SequentialLR(opt, [first, lr_scheduler.ExponentialLR(other, 0.9)], [2])


def test_warm_restarts_and_linear_lr_refuse_bad_arguments():
    opt, _ = make_optimizers()
    with pytest.raises(ValueError, match="T_mult must be an int >= 1"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="eta_min must be a number"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="0")
    with pytest.raises(ValueError, match="LinearLR: end_factor must be in"):
        lr_scheduler.LinearLR(opt, end_factor=1.5)
    restarts = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match="expected a non-negative epoch, got -1"):
        restarts.step(-1)
