"""`LRScheduler`, the base of every schedule, and `LambdaLR` (lr = base_lr · f(epoch)).

The base class keeps PyTorch's bookkeeping so that checkpoints and training
loops read the same:

* ``base_lrs``: each group's ``initial_lr`` (set to its ``lr`` when the
  scheduler is created with ``last_epoch=-1``);
* ``last_epoch``: how many times ``step()`` ran after the initial one;
* ``get_last_lr()``: the learning rates the latest ``step()`` set;
* ``state_dict()``: every attribute except the optimizer.
"""
import copy
import types
import warnings

from ..optimizer import Optimizer

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch): call "
    "`scheduler.step()` once per epoch instead. With an epoch the closed form "
    "lr(epoch) is used where the schedule has one.")


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the next lr of every group
    (``self.last_epoch`` has already been advanced), and may define
    ``_get_closed_form_lr()``, the lr at ``last_epoch`` from ``base_lrs`` alone.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> class Halve(LRScheduler):
    ...     def get_lr(self):
    ...         return [base * 0.5 ** self.last_epoch for base in self.base_lrs]
    >>> opt = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = Halve(opt); sched.step(); sched.step()
    >>> sched.last_epoch, sched.get_last_lr(), opt.param_groups[0]["lr"]
    (2, [0.25], 0.25)
    """

    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] "
                                   "when resuming a scheduler with last_epoch >= 0 (load the "
                                   "optimizer's state_dict first, or use last_epoch=-1)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The step a new scheduler performs (``last_epoch`` −1 → 0)."""
        self._step_count = 0
        self._is_initial = True            # the first step keeps the optimizer's lr as it is
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The next learning rate of every group (called by ``step()``)."""
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates set by the latest ``step()``, one per group."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance one epoch and write the new lr into every group. Call it after
        ``optimizer.step()``. ``epoch`` is deprecated, as in PyTorch."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        """The next epoch's lr, or with ``epoch`` the closed form there, into every group."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        self._apply_lrs(values)

    def _apply_lrs(self, values):
        """Write one lr per group, and remember them for ``get_last_lr()``."""
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute but the optimizer (PyTorch's convention), as copies.

        >>> import tinygrad_cnn as tg
        >>> from tinygrad_cnn import optim
        >>> from tinygrad_cnn.optim.lr_scheduler import StepLR
        >>> sched = StepLR(optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1), step_size=3)
        >>> sched.state_dict()["last_epoch"], sched.state_dict()["step_size"]
        (0, 3)
        """
        return {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict` returned (the optimizer is restored separately)."""
        self.__dict__.update({key: copy.deepcopy(value) for key, value in state_dict.items()})


class LambdaLR(LRScheduler):
    """lr_epoch = base_lr · f(epoch), with one function for all groups or one per group.

    Not chainable: the lr is recomputed from ``base_lrs`` each epoch. As in
    PyTorch, ``state_dict()`` stores a callable *object*'s attributes but not a
    plain function or lambda (``None`` in its place).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> opt = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
    >>> warmup = LambdaLR(opt, lr_lambda=lambda epoch: min(1.0, (epoch + 1) / 4))
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(warmup.get_last_lr()[0], 6))
    ...     opt.step(); warmup.step()
    >>> lrs
    [0.025, 0.05, 0.075, 0.1, 0.1]
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(groups):
                raise ValueError(f"Expected {len(groups)} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(groups)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lr_lambda(self.last_epoch)
                for lr_lambda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas")
        super().load_state_dict(state)
        for fn, saved in zip(self.lr_lambdas, saved_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class MultiplicativeLR(LambdaLR):
    """Multiply the learning rate by ``f(epoch)`` every epoch:
    lr_epoch = lr_{epoch−1} · f(epoch) (chainable; one function or one per
    group, stored in ``state_dict`` as `LambdaLR` stores them).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import optim
    >>> opt = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.5)
    >>> opt.step(); sched.step(); opt.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def get_lr(self):
        if self.last_epoch <= 0:
            return self._current_lrs()
        return [lr * lr_lambda(self.last_epoch)
                for lr_lambda, lr in zip(self.lr_lambdas, self._current_lrs())]
