"""Optimizers and learning-rate schedules (PyTorch's ``torch.optim``).

One family per file: `sgd`, `adam` (Adam, AdamW), `adagrad`, `adadelta`,
`rmsprop`; the shared machinery (parameter groups, state, checkpoints) in
`optimizer`; schedules in `lr_scheduler`.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn, optim
>>> model = nn.Linear(3, 1)
>>> opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
>>> loss = model(tg.ones(4, 3)).sum()
>>> opt.zero_grad(); loss.backward(); opt.step()
>>> model.weight.grad.shape
(1, 3)
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD",
           "lr_scheduler"]
