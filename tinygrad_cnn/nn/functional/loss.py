"""Classification losses: `cross_entropy`, `nll_loss` (PyTorch's argument order,
``weight=``, ``ignore_index=``, ``label_smoothing=``, class-probability targets,
(N, C, d1, …) and unbatched (C,) inputs). The backward rules are in
`nn.loss_ops`; the pointwise losses are in `loss_pointwise`.

``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
``reduction``; they are accepted with PyTorch's warning.
"""
import warnings

import numpy as np

from ... import _state
from ..._errors import DTypeError, ShapeError, describe
from ...creation import tensor
from ...tensor import Tensor
from ..loss_ops import CrossEntropy, NllLoss


def legacy_reduction(size_average, reduce):
    """PyTorch's old ``size_average`` / ``reduce`` flags → a ``reduction`` string
    (with PyTorch's deprecation warning).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     legacy_reduction(False, None), legacy_reduction(None, False)
    ('sum', 'none')
    """
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    return reduction


def check_reduction(op, reduction, size_average=None, reduce=None,
                    allowed=("mean", "sum", "none")):
    """The reduction to use, or a ValueError naming ``op``.

    >>> check_reduction("mse_loss", "sum")
    'sum'
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected "
                         + ", ".join(repr(a) for a in allowed))
    return reduction


def as_tensor(value):
    """A loss argument as a Tensor: Tensors pass, arrays and lists become constants.

    >>> as_tensor([1, 2]).dtype
    tinygrad_cnn.int64
    """
    return value if isinstance(value, Tensor) else tensor(value)


def constant_array(op, name, value, dtype=None):
    """The array of an optional argument the loss does not differentiate (``weight``,
    ``pos_weight``): refused while it requires grad, as PyTorch refuses it.

    >>> import tinygrad_cnn as tg
    >>> constant_array("bce", "weight", tg.ones(2))
    array([1., 1.], dtype=float32)
    """
    if value is None:
        return None
    tensor = as_tensor(value)
    if tensor.requires_grad and _state.grad_enabled:
        raise RuntimeError(f"{op}: the loss is not differentiable with respect to {name!r}; "
                           f"pass {name}.detach() (or build it without requires_grad)")
    if dtype is not None and tensor.dtype != dtype:
        raise DTypeError(f"{op}: {name} must have the input's dtype {dtype}, "
                         f"got {describe(tensor)}")
    return tensor._data


def _class_dim(op, input):
    if input.dtype.kind != "f":
        raise DTypeError(f"{op}: expected floating-point input (class scores), got "
                         f"{describe(input)}; convert it with .float()")
    if input.ndim == 0:
        raise ShapeError(f"{op}: expected input (N, C), (N, C, d1, ...) or unbatched (C,), "
                         f"got {describe(input)}")
    return 0 if input.ndim == 1 else 1


def _class_indices(op, input, target, class_dim, ignore_index):
    """Check a class-index target and return it as int64 (uint8 is accepted, as PyTorch)."""
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.dtype not in (np.int64, np.uint8):
        hint = (" (float labels: use target.long())" if target.dtype.kind == "f"
                else " (use target.long())")
        raise DTypeError(f"{op}: target must hold int64 class indices, got "
                         f"{describe(target)}{hint}; class probabilities must be a float "
                         f"target shaped like the input {describe(input)}")
    if target.shape != expected:
        raise ShapeError(f"{op}: target must have shape {expected} for input "
                         f"{describe(input)}, got {describe(target)}")
    indices = target._data.astype(np.int64, copy=False)
    classes = input.shape[class_dim]
    bad = (indices != ignore_index) & ((indices < 0) | (indices >= classes))
    if bad.any():
        raise IndexError(f"{op}: target {int(indices[bad][0])} is out of range for {classes} "
                         f"classes (input {describe(input)})")
    return Tensor._make(indices, None)


def _class_weight(op, weight, input, class_dim):
    weight = constant_array(op, "weight", weight, input.dtype)
    classes = input.shape[class_dim]
    if weight is not None and weight.shape != (classes,):
        raise ShapeError(f"{op}: weight must have one entry per class, shape ({classes},), "
                         f"got {describe(weight)} for input {describe(input)}")
    return weight


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax + cross-entropy as ONE node: ``L_n = log Σ_c e^{z_{nc}} − z_{n y_n}``,
    ``δ = softmax(z) − onehot(y)`` (divided by N for 'mean').

    ``target`` holds class indices (int64), or class probabilities (float,
    shaped like the input). ``weight`` (C,) scales each class's loss; the
    weighted mean divides by the sum of the weights of the targets.
    ``ignore_index`` positions add nothing and do not count in the mean.
    ``label_smoothing`` ε mixes each target with the uniform distribution:
    ``(1 − ε) · target + ε / C``.

    Shape:
        input: (N, C), (N, C, d1, …) or (C,) logits;  target: (N,), (N, d1, …) or ()
        int64, or probabilities shaped like input;  output: () or target's shape for 'none'.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> logits = tg.tensor([[0.0, 0.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, tg.tensor([1]))
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward(); logits.grad
    tensor([[ 0.5000, -0.5000]])
    >>> F.cross_entropy(tg.tensor([[0.0, 0.0]]), tg.tensor([[0.25, 0.75]])).item() == loss.item()
    True
    """
    op = "cross_entropy"
    reduction = check_reduction(op, reduction, size_average, reduce)
    target = as_tensor(target)
    class_dim = _class_dim(op, input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, "
                         f"got {label_smoothing}")
    weight = _class_weight(op, weight, input, class_dim)
    if target.dtype.kind == "f" and target.shape == input.shape:       # class probabilities
        if ignore_index != -100:
            raise ValueError(f"{op}: ignore_index is not supported for a class-probability "
                             f"target {describe(target)}")
    else:
        target = _class_indices(op, input, target, class_dim, ignore_index)
    return CrossEntropy.apply(input, target, weight=weight, class_dim=class_dim,
                              reduction=reduction, ignore_index=ignore_index,
                              label_smoothing=float(label_smoothing))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities: ``L_n = −w_{y_n} x_{n y_n}``
    (``log_softmax`` then ``nll_loss`` equals ``cross_entropy``, in two nodes).

    Shape:
        input: (N, C), (N, C, d1, …) or (C,);  target: (N,), (N, d1, …) or () int64.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.nll_loss(tg.tensor([[-1.0, -2.0]]), tg.tensor([1]))
    tensor(2.)
    >>> F.nll_loss(tg.tensor([[-1.0, -2.0], [-3.0, -4.0]]), tg.tensor([1, 0]),
    ...            weight=tg.tensor([1.0, 3.0]))           # (3·2 + 1·3) / (3 + 1)
    tensor(2.2500)
    """
    op = "nll_loss"
    reduction = check_reduction(op, reduction, size_average, reduce)
    class_dim = _class_dim(op, input)
    weight = _class_weight(op, weight, input, class_dim)
    target = _class_indices(op, input, as_tensor(target), class_dim, ignore_index)
    return NllLoss.apply(input, target, weight=weight, class_dim=class_dim,
                         reduction=reduction, ignore_index=ignore_index)
