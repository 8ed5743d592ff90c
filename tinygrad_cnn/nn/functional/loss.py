"""Losses: `cross_entropy`, `nll_loss`, `mse_loss`; the backward rules are in `nn.loss_ops`."""
import numpy as np

from ..._errors import DTypeError, ShapeError, describe
from ...tensor import Tensor
from ..loss_ops import CrossEntropy, MseLoss, NllLoss


def _check_reduction(op, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_classification(op, input, target):
    """input (N, C) float; target (N,) int64 class indices in [0, C)."""
    if input.ndim != 2:
        raise ShapeError(f"{op}: expected input (N, C), got {describe(input)}")
    target_array = target._data if isinstance(target, Tensor) else np.asarray(target)
    if target_array.dtype != np.int64:
        raise DTypeError(f"{op}: target must hold int64 class indices, got {describe(target)}")
    if target_array.shape != (input.shape[0],):
        raise ShapeError(f"{op}: target must have shape ({input.shape[0]},) for input "
                         f"{describe(input)}, got {describe(target)}")
    classes = input.shape[1]
    if target_array.size and (target_array.min() < 0 or target_array.max() >= classes):
        bad = target_array[(target_array < 0) | (target_array >= classes)][0]
        raise IndexError(f"{op}: target {int(bad)} is out of range for {classes} classes "
                         f"(input {describe(input)})")
    return target_array


def cross_entropy(input, target, reduction="mean"):
    """Softmax + cross-entropy as ONE node: ``L_n = log Σ_c e^{z_{nc}} − z_{n y_n}``,
    ``δ = softmax(z) − onehot(y)`` (divided by N for 'mean').

    Shape:
        input: (N, C) logits;  target: (N,) int64;  output: () or (N,) for 'none'.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> logits = tg.tensor([[0.0, 0.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, tg.tensor([1]))
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward(); logits.grad
    tensor([[ 0.5, -0.5]])
    """
    _check_reduction("cross_entropy", reduction)
    target_array = _check_classification("cross_entropy", input, target)
    return CrossEntropy.apply(input, Tensor._make(target_array, None), reduction=reduction)


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities: ``L_n = −x_{n y_n}``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.nll_loss(tg.tensor([[-1.0, -2.0]]), tg.tensor([1]))
    tensor(2.)
    """
    _check_reduction("nll_loss", reduction)
    target_array = _check_classification("nll_loss", input, target)
    return NllLoss.apply(input, Tensor._make(target_array, None), reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error ``(x − t)²`` (reduced); shapes must match exactly.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.mse_loss(tg.tensor([1.0, 3.0]), tg.tensor([0.0, 0.0]))
    tensor(5.)
    """
    _check_reduction("mse_loss", reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ShapeError(f"mse_loss: input {describe(input)} and target {describe(target)} must "
                         "have the same shape (no broadcasting)")
    if input.dtype != target.dtype:
        raise DTypeError(f"mse_loss: input {describe(input)} and target {describe(target)} must "
                         "have the same dtype")
    return MseLoss.apply(input, target, reduction=reduction)
