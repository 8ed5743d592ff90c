"""Warm-up schedules: `LinearLR`, `ConstantLR`, and `SequentialLR`, which runs
one schedule after another (the usual recipe: a few epochs of `LinearLR`
warm-up, then a decay).

Like the decay schedules they are written in PyTorch's chainable form, the
new lr from ``group['lr']``, with the closed form as ``_get_closed_form_lr``.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import optim
>>> from tinygrad_cnn.optim.lr_scheduler import ExponentialLR, LinearLR, SequentialLR
>>> opt = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
>>> warmup = LinearLR(opt, start_factor=0.25, total_iters=3)
>>> sched = SequentialLR(opt, [warmup, ExponentialLR(opt, gamma=0.5)], milestones=[3])
>>> lrs = []
>>> for epoch in range(6):
...     lrs.append(sched.get_last_lr()[0])
...     opt.step(); sched.step()
>>> lrs
[0.25, 0.5, 0.75, 1.0, 0.5, 0.25]
"""
import copy
from bisect import bisect_right

from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor that moves linearly from
    ``start_factor`` to ``end_factor`` over ``total_iters`` epochs, then stays:
    lr_epoch = base_lr · (s + (e − s) · min(epoch, T) / T).
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not 0 < start_factor <= 1:
            raise ValueError("LinearLR: start_factor must be in (0, 1], got "
                             f"{start_factor!r}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor, self.end_factor, self.total_iters = (start_factor, end_factor,
                                                                total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, start, end = self.last_epoch, self.start_factor, self.end_factor
        if epoch == 0:
            return [lr * start for lr in self._current_lrs()]
        if epoch > self.total_iters:
            return self._current_lrs()
        # factor_t / factor_{t−1}, so the recursion follows the straight line
        ratio = 1 + (end - start) / (self.total_iters * start + (epoch - 1) * (end - start))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * done)
                for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """Scale the learning rate by ``factor`` for the first ``total_iters``
    epochs, then restore it: lr_epoch = base_lr · (factor if epoch < T else 1).
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr / self.factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * (self.factor if self.last_epoch < self.total_iters else 1.0)
                for base_lr in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]``
    (restarted at its epoch 0) until ``milestones[1]``, and so on. The
    schedulers must drive this same optimizer; creating them stepped each of
    them once, which this undoes, so the first starts from the initial lr.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR: expected at least one scheduler, got none")
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or isinstance(scheduler, ReduceLROnPlateau):
                raise TypeError(f"SequentialLR: scheduler {index} is a "
                                f"{type(scheduler).__name__}, not an epoch schedule (a "
                                "ReduceLROnPlateau cannot be sequenced)")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {index} drives another optimizer "
                                 "than the one given")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        self._schedulers, self._milestones = schedulers, milestones
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        self._step_count = 0
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:               # undo the step each one took when made
            scheduler.last_epoch -= 1
        first = schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self._step_count += 1
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)                # a new phase starts at its own epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        """This scheduler's counters and each inner scheduler's own state."""
        state = {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        self.__dict__.update(copy.deepcopy(state))
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)
