"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler``).

A scheduler rewrites ``group['lr']`` of its optimizer each time ``step()`` is
called (once per epoch, after the optimizer's steps; `OneCycleLR` once per
batch). Like PyTorch, creating one performs an initial ``step()`` that sets
``last_epoch`` to 0, and most schedules are written in PyTorch's chainable
(recursive) form, lr_t computed from lr_{t-1}, so that a learning rate a user
or a second scheduler changed in between is carried on from.

Files: `scheduler` (the base class, `LambdaLR`, `MultiplicativeLR`), `decay`
(`StepLR`, `MultiStepLR`, `ExponentialLR`, `CosineAnnealingLR`,
`PolynomialLR`), `warmup` (`LinearLR`, `ConstantLR`, `SequentialLR`),
`restarts` (`CosineAnnealingWarmRestarts`), `plateau` (`ReduceLROnPlateau`),
`one_cycle` (`OneCycleLR`).

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import optim
>>> from tinygrad_cnn.optim.lr_scheduler import MultiStepLR
>>> opt = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
>>> lrs = []
>>> for epoch in range(6):
...     lrs.append(sched.get_last_lr()[0])
...     opt.step(); sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
"""
from .decay import CosineAnnealingLR, ExponentialLR, MultiStepLR, PolynomialLR, StepLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .restarts import CosineAnnealingWarmRestarts
from .scheduler import LambdaLR, LRScheduler, MultiplicativeLR
from .warmup import ConstantLR, LinearLR, SequentialLR

__all__ = ["ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "ExponentialLR",
           "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR",
           "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR", "StepLR"]
