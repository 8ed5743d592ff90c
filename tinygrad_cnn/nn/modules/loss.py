"""Loss layers, thin wrappers over the functional losses (PyTorch's ``nn`` loss
classes, same names, constructor arguments, defaults and reprs):
`CrossEntropyLoss`, `NLLLoss`, `MSELoss`, `L1Loss`, `SmoothL1Loss`, `HuberLoss`,
`BCELoss`, `BCEWithLogitsLoss`, `KLDivLoss`.

A loss module is called as ``criterion(input, target)``. ``weight`` and
``pos_weight`` are buffers, so they appear in ``state_dict()`` and follow
``.to(dtype)``, as in PyTorch.
"""
from .. import functional as F
from ..functional.loss import legacy_reduction
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax + cross-entropy in one node; δ at the logits = softmax(z) − onehot(y)
    (divided by N for the mean). Takes raw logits, not probabilities.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> criterion
    CrossEntropyLoss()
    >>> round(criterion(tg.tensor([[0.0, 0.0]]), tg.tensor([1])).item(), 4)
    0.6931
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (after ``LogSoftmax``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> nn.NLLLoss(reduction="sum")(tg.tensor([[-1.0, -2.0], [-3.0, -4.0]]), tg.tensor([1, 0]))
    tensor(5.)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (x − t)².

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> nn.MSELoss()(tg.tensor([1.0, 3.0]), tg.tensor([0.0, 0.0]))
    tensor(5.)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |x − t|.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> nn.L1Loss()(tg.tensor([1.0, -3.0]), tg.tensor([0.0, 0.0]))
    tensor(2.)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared below ``beta``, absolute above: (x − t)²/(2β) or |x − t| − β/2.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> nn.SmoothL1Loss(beta=2.0)(tg.tensor([1.0]), tg.tensor([0.0]))
    tensor(0.2500)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared below ``delta``, δ-scaled absolute above: (x − t)²/2 or δ(|x − t| − δ/2).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> nn.HuberLoss(delta=0.5)(tg.tensor([2.0]), tg.tensor([0.0]))
    tensor(0.8750)
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities x ∈ [0, 1] (after a ``Sigmoid``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> round(nn.BCELoss()(tg.tensor([0.5]), tg.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable node; δ at the logits = σ(x) − t.
    ``pos_weight`` (one per class) weighs the positive targets.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> criterion = nn.BCEWithLogitsLoss(pos_weight=tg.tensor([3.0]))
    >>> criterion, list(criterion.state_dict())
    (BCEWithLogitsLoss(), ['pos_weight'])
    >>> round(criterion(tg.tensor([0.0]), tg.tensor([1.0])).item(), 4)      # 3 log 2
    2.0794
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    """KL divergence of the target from the input's log-probabilities; use
    ``reduction='batchmean'`` for the divergence of the definition.

    >>> import numpy as np, tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
    >>> kl(tg.tensor(np.log([[0.5, 0.5]])), tg.tensor(np.log([[0.5, 0.5]])))
    tensor(0., dtype=tinygrad_cnn.float64)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
