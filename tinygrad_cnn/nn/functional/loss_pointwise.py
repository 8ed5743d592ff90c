"""Pointwise losses: `mse_loss`, `l1_loss`, `smooth_l1_loss`, `huber_loss`,
`binary_cross_entropy`, `binary_cross_entropy_with_logits`, `kl_div`, with
PyTorch's argument order; the backward rules are in `nn.loss_ops_pointwise`.

Like PyTorch, the regression losses broadcast an input and a target of
different shapes with a warning (usually such a call is a bug: a (N, 1)
prediction against a (N,) target gives an (N, N) loss), and promote an
integer target to the input's float dtype.
"""
import warnings

import numpy as np

from ..._errors import DTypeError, ShapeError, describe
from ...tensor import Tensor
from ..loss_ops_pointwise import (
    BinaryCrossEntropy, BinaryCrossEntropyWithLogits, HuberLoss, KlDiv, L1Loss, MseLoss,
    SmoothL1Loss,
)
from .loss import as_tensor, check_reduction, constant_array


def _promoted(op, input, target, allow_bool=True):
    """Input and target with PyTorch's promotion: an integer (or bool) operand takes the
    other's float dtype; two float dtypes widen as usual (float32 with float64 → float64)."""
    input, target = as_tensor(input), as_tensor(target)
    kinds = (input.dtype.kind, target.dtype.kind)
    if "f" not in kinds:
        raise DTypeError(f"{op}: expected a floating-point input or target, got input "
                         f"{describe(input)} and target {describe(target)}")
    if not allow_bool and "b" in kinds:
        raise DTypeError(f"{op}: a bool input or target is not supported (as in PyTorch: no "
                         f"subtraction of bools), got {describe(input)} and {describe(target)}")
    if kinds[0] != "f":
        input = Tensor._make(input._data.astype(target.dtype), None)
    if kinds[1] != "f":
        target = Tensor._make(target._data.astype(input.dtype), None)
    return input, target


def _broadcast(op, input, target):
    """Warn, as PyTorch does, when shapes differ; refuse shapes that cannot broadcast."""
    if input.shape == target.shape:
        return input.shape
    try:
        shape = np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ShapeError(f"{op}: input {describe(input)} and target {describe(target)} "
                         "cannot be broadcast together") from None
    warnings.warn(f"{op}: Using a target size {target.shape} that is different to the input "
                  f"size {input.shape}. This will likely lead to incorrect results due to "
                  "broadcasting. Please ensure they have the same size.",
                  UserWarning, stacklevel=3)
    return shape


def _regression(op, input, target, weight, allow_bool=True):
    input, target = _promoted(op, input, target, allow_bool)
    _broadcast(op, input, target)
    weight = constant_array(op, "weight", weight)
    if weight is not None and weight.shape != input.shape:
        raise ValueError(f"{op}: weight and input must have the same size, got weight "
                         f"{describe(weight)} and input {describe(input)}")
    return input, target, weight


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(x − t)²``, reduced; a weighted mean divides by Σ weight.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.mse_loss(tg.tensor([1.0, 3.0]), tg.tensor([0.0, 0.0]))
    tensor(5.)
    >>> F.mse_loss(tg.tensor([1.0, 3.0]), tg.tensor([0, 0]))      # int64 target → float32
    tensor(5.)
    """
    reduction = check_reduction("mse_loss", reduction, size_average, reduce)
    input, target, weight = _regression("mse_loss", input, target, weight)
    return MseLoss.apply(input, target, reduction=reduction, weight=weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|x − t|``, reduced; a weighted mean divides by Σ weight.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.l1_loss(tg.tensor([1.0, -3.0]), tg.tensor([0.0, 0.0]), reduction="sum")
    tensor(4.)
    """
    reduction = check_reduction("l1_loss", reduction, size_average, reduce)
    input, target, weight = _regression("l1_loss", input, target, weight, allow_bool=False)
    return L1Loss.apply(input, target, reduction=reduction, weight=weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``(x − t)² / (2β)`` where ``|x − t| < β``, else ``|x − t| − β/2``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.smooth_l1_loss(tg.tensor([0.5, 3.0]), tg.tensor([0.0, 0.0]), reduction="none")
    tensor([0.1250, 2.5000])
    """
    reduction = check_reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must not be negative, got {beta}")
    input, target, _ = _regression("smooth_l1_loss", input, target, None)
    return SmoothL1Loss.apply(input, target, reduction=reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``(x − t)² / 2`` where ``|x − t| < δ``, else ``δ (|x − t| − δ/2)``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.huber_loss(tg.tensor([0.5, 3.0]), tg.tensor([0.0, 0.0]), reduction="none", delta=2.0)
    tensor([0.1250, 4.0000])
    """
    reduction = check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input, target, weight = _regression("huber_loss", input, target, weight)
    return HuberLoss.apply(input, target, reduction=reduction, delta=float(delta), weight=weight)


def _binary_operands(op, input, target, weight):
    target = as_tensor(target)
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got {describe(input)}")
    if target.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point target of 0/1 labels or "
                         f"probabilities, got {describe(target)}; use target.float()")
    if target.shape != input.shape:
        raise ShapeError(f"{op}: target {describe(target)} must have the same shape as "
                         f"input {describe(input)}")
    weight = constant_array(op, "weight", weight)
    if weight is not None:
        try:
            fits = np.broadcast_shapes(weight.shape, input.shape) == input.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"{op}: weight {describe(weight)} must broadcast to the input's "
                             f"shape {describe(input)}")
    return target, weight


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``−w (t log x + (1 − t) log(1 − x))`` on probabilities x ∈ [0, 1]
    (each log clamped at −100, as PyTorch does).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.binary_cross_entropy(tg.tensor([0.5, 1.0]), tg.tensor([1.0, 0.0]), reduction="none")
    tensor([  0.6931, 100.0000])
    """
    op = "binary_cross_entropy"
    reduction = check_reduction(op, reduction, size_average, reduce)
    target, weight = _binary_operands(op, input, target, weight)
    if target.dtype != input.dtype:
        raise DTypeError(f"{op}: target {describe(target)} must have the input's dtype, "
                         f"got input {describe(input)}")
    values = input._data
    if values.size and not ((values >= 0) & (values <= 1)).all():
        raise ValueError(f"{op}: all elements of input should be between 0 and 1 (apply "
                         f"sigmoid first, or use binary_cross_entropy_with_logits), got "
                         f"{describe(input)} with min {np.nanmin(values)} and max "
                         f"{np.nanmax(values)}")
    return BinaryCrossEntropy.apply(input, target, reduction=reduction, weight=weight)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy as one stable node:
    ``l = p t · softplus(−x) + (1 − t) · softplus(x)``, ``∂l/∂x = σ(x) − t`` for p = 1.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> x = tg.tensor([0.0, 1e4], requires_grad=True)
    >>> loss = F.binary_cross_entropy_with_logits(x, tg.tensor([1.0, 0.0]), reduction="sum")
    >>> loss
    tensor(10000.6934, grad_fn=<binary_cross_entropy_with_logits>)
    >>> loss.backward(); x.grad                       # σ(x) − t
    tensor([-0.5000,  1.0000])
    """
    op = "binary_cross_entropy_with_logits"
    reduction = check_reduction(op, reduction, size_average, reduce)
    target, weight = _binary_operands(op, input, target, weight)
    pos_weight = constant_array(op, "pos_weight", pos_weight)
    if pos_weight is not None:
        try:
            np.broadcast_shapes(pos_weight.shape, input.shape)
        except ValueError:
            raise ShapeError(f"{op}: pos_weight {describe(pos_weight)} must broadcast against "
                             f"input {describe(input)} (one entry per class, in the last "
                             "dim)") from None
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction, weight=weight,
                                              pos_weight=pos_weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence ``t (log t − x)`` of the target from the input, which holds
    log-probabilities (``log_target=True``: the target does too).
    Use ``reduction='batchmean'`` for the true KL divergence per sample;
    'mean' divides by every entry and warns, as in PyTorch.

    >>> import numpy as np, tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> log_q = tg.tensor(np.log([[0.5, 0.5]]))
    >>> F.kl_div(log_q, tg.tensor([[1.0, 0.0]]), reduction="batchmean")   # log 2
    tensor(0.6931, dtype=tinygrad_cnn.float64)
    """
    op = "kl_div"
    reduction = check_reduction(op, reduction, size_average, reduce,
                                allowed=("mean", "batchmean", "sum", "none"))
    if reduction == "mean":
        warnings.warn("kl_div: reduction: 'mean' divides the total loss by both the batch size "
                      "and the support size. 'batchmean' divides only by the batch size, and "
                      "aligns with the KL div math definition.", UserWarning, stacklevel=2)
    input, target = as_tensor(input), as_tensor(target)
    if input.dtype.kind != "f" or target.dtype.kind != "f":
        raise DTypeError(f"{op}: integer inputs are not supported, got input "
                         f"{describe(input)} and target {describe(target)}")
    _broadcast(op, input, target)
    return KlDiv.apply(input, target, reduction=reduction, log_target=bool(log_target))
