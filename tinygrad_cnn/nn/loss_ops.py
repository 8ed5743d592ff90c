"""Classification losses over class scores: cross-entropy (softmax fused in) and
negative log-likelihood, plus the reduction helpers every loss shares.

The pointwise losses (MSE, L1, smooth L1, Huber, binary cross-entropy, KL
divergence) are in `loss_ops_pointwise`.

docs/derivations.md: softmax followed by cross-entropy has the error term
``δ = softmax(z) − onehot(y)`` (divided by the batch size for a mean loss);
fusing the two into one op gives exactly that rule and keeps it stable for
any logits.

Both ops work on *positions*: the class axis C is moved last, so an input
(N, C, d1, …, dk) is read as P = N·d1·…·dk rows of C scores, and an unbatched
(C,) input as one row. Every result is put back into the input's layout.
"""
import numpy as np

from ..function import Function


# ----- reductions shared by every loss ---------------------------------------------
def reduce_loss(losses, reduction, divisor):
    """'none' → the losses as they are, 'sum' → their sum, 'mean' → sum / divisor.

    ``divisor`` is the count of losses, or the total weight of the targets for
    a weighted mean. A divisor of 0 gives NaN, as in PyTorch (an empty batch,
    every target ignored).

    >>> reduce_loss(np.array([1.0, 2.0, 3.0]), "mean", 3), reduce_loss(np.zeros(0), "mean", 0)
    (np.float64(2.0), np.float64(nan))
    """
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / divisor


def spread_delta(delta, shape, reduction, divisor):
    """δ of the reduced loss → δ of each loss it reduced (the adjoint of `reduce_loss`):
    ``∂L/∂l_i`` is δ for a sum and δ / divisor for a mean.

    >>> spread_delta(np.array(6.0), (3,), "mean", 3)
    array([2., 2., 2.])
    >>> spread_delta(np.array(1.0), (2,), "mean", 0)            # every target ignored
    array([0., 0.])
    """
    if reduction == "none":
        return delta
    if reduction == "mean":
        if divisor == 0:       # a mean over nothing (every target ignored): the loss is NaN,
            delta = np.zeros_like(delta)    # and no entry moved it, so no gradient (PyTorch)
        else:
            delta = delta / divisor
    return np.broadcast_to(delta, shape)


# ----- moving the class axis ----------------------------------------------------------
def classes_last(array, class_dim):
    """(N, C, d1, …) → (P, C) rows of class scores; (C,) → (1, C).

    >>> classes_last(np.zeros((2, 3, 4)), 1).shape, classes_last(np.zeros(3), 0).shape
    ((8, 3), (1, 3))
    """
    classes = array.shape[class_dim]
    return np.moveaxis(array, class_dim, -1).reshape(-1, classes)


def classes_back(rows, shape, class_dim):
    """Inverse of `classes_last`: (P, C) rows → an array shaped ``shape``.

    >>> z = np.arange(24.0).reshape(2, 3, 4)
    >>> bool((classes_back(classes_last(z, 1), z.shape, 1) == z).all())
    True
    """
    moved = shape[:class_dim] + shape[class_dim + 1:] + (shape[class_dim],)
    return np.moveaxis(rows.reshape(moved), -1, class_dim)


def _log_softmax_rows(z):
    """``log softmax`` along the last axis, the row maximum subtracted first so
    that e^{·} never overflows: logits of ±1e4 stay finite."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _target_weights(target_rows, weight, ignore_index, dtype):
    """Each position's class index (0 where ignored, so it can index) and the
    weight ``m_n · w_{y_n}`` of its target (m_n = 0 for ``ignore_index``)."""
    kept = target_rows != ignore_index
    safe = np.where(kept, target_rows, 0)
    kept = kept.astype(dtype)
    return safe, (kept if weight is None else weight[safe] * kept), kept


class CrossEntropy(Function):
    """Softmax and cross-entropy as one node, for class indices or class
    probabilities. Every target becomes a distribution q over the C classes:

        class index y:          q_c = 1[c = y]
        + weight w, smoothing ε, ignore_index (m = 0 for an ignored position):
                                q_c = m · ((1 − ε) · w_y · 1[c = y] + (ε / C) · w_c)
        class probabilities t:  q_c = w_c · ((1 − ε) · t_c + ε / C)

    Forward, per position with p = softmax(z):  ``L_n = −Σ_c q_c log p_c``
    (for a class index with no options: ``L_n = log Σ_c e^{z_c} − z_y``).

    Backward: ``∂ log p_c / ∂z_k = 1[c = k] − p_k``, so
    ``δ_z = (Σ_c q_c) · softmax(z) − q``, times δ_L / D. With a plain class
    index Σ q = 1 and q = onehot(y): ``δ_z = softmax(z) − onehot(y)``, divided
    by N for a mean — docs/derivations.md's rule. For probabilities the target has a
    gradient too: ``∂L/∂t_c = −(1 − ε) · w_c · log p_c``.

    D (``reduction='mean'``): the total weight of the targets, Σ_n m_n w_{y_n}
    (the number of positions not ignored when there is no weight), or the
    number of positions for probability targets; D = 1 for 'sum'.

    Shape:
        z: (N, C, d1, …) or (C,);  class_dim: 1 (0 for unbatched input);
        target: (N, d1, …) int64 (or () unbatched), or probabilities shaped like z;
        weight: (C,);  loss: () or, for 'none', z's shape without C.
    """

    name = "cross_entropy"

    @staticmethod
    def forward(ctx, logits, target, *, weight, class_dim, reduction, ignore_index,
                label_smoothing):
        classes = logits.shape[class_dim]
        log_probs = _log_softmax_rows(classes_last(logits, class_dim))      # (P, C)
        positions = log_probs.shape[0]
        smoothing = label_smoothing
        if target.dtype.kind == "f":                                    # probabilities
            q = classes_last(target, class_dim) * (1 - smoothing) + smoothing / classes
            if weight is not None:
                q = q * weight                                          # (P, C)
            losses = -(q * log_probs).sum(axis=1)                       # (P,)
            divisor = positions
        else:                                                           # class indices
            rows = np.arange(positions)
            safe, target_weight, kept = _target_weights(
                target.reshape(-1), weight, ignore_index, log_probs.dtype)   # (P,) each
            losses = -(1 - smoothing) * target_weight * log_probs[rows, safe]
            q = np.zeros_like(log_probs)
            q[rows, safe] = (1 - smoothing) * target_weight
            if smoothing:
                class_weight = np.ones(classes, log_probs.dtype) if weight is None else weight
                smooth = (smoothing / classes) * kept[:, None] * class_weight    # (P, C)
                losses = losses - (smooth * log_probs).sum(axis=1)
                q += smooth
            divisor = target_weight.sum()
        ctx.save_for_backward(log_probs, q)
        ctx.options = (logits.shape, class_dim, reduction, divisor, smoothing, weight)
        out_shape = logits.shape[:class_dim] + logits.shape[class_dim + 1:]
        return reduce_loss(losses.reshape(out_shape), reduction, divisor)

    @staticmethod
    def backward(ctx, delta):
        log_probs, q = ctx.saved_tensors
        shape, class_dim, reduction, divisor, smoothing, weight = ctx.options
        delta_rows = spread_delta(delta, shape[:class_dim] + shape[class_dim + 1:],
                                  reduction, divisor).reshape(-1, 1)     # (P, 1)
        grad_logits = grad_target = None
        if ctx.needs_input_grad[0]:
            softmax = np.exp(log_probs)
            rows = (q.sum(axis=1, keepdims=True) * softmax - q) * delta_rows   # (P, C)
            grad_logits = classes_back(rows, shape, class_dim)
        if ctx.needs_input_grad[1]:                                     # probabilities only
            rows = -(1 - smoothing) * log_probs * delta_rows
            if weight is not None:
                rows = rows * weight
            grad_target = classes_back(rows, shape, class_dim)
        return grad_logits, grad_target


class NllLoss(Function):
    """Negative log-likelihood of log-probabilities x: ``L_n = −m_n · w_{y_n} · x_{n y_n}``
    (w = 1 without a weight, m_n = 0 where ``y_n == ignore_index``).

    Backward: x enters the loss only at the target class, so ``∂L/∂x_{nc}`` is
    ``−m_n · w_{y_n} · δ_L / D`` at c = y_n and 0 elsewhere; D is Σ_n m_n w_{y_n}
    for 'mean' (the weighted mean of PyTorch), 1 for 'sum'.

    Shape:
        x: (N, C, d1, …) or (C,);  target: (N, d1, …) or () int64;  weight: (C,);
        loss: () or, for 'none', the target's shape.
    """

    @staticmethod
    def forward(ctx, log_probs, target, *, weight, class_dim, reduction, ignore_index):
        x = classes_last(log_probs, class_dim)                          # (P, C)
        rows = np.arange(x.shape[0])
        safe, target_weight, _ = _target_weights(target.reshape(-1), weight, ignore_index,
                                                 x.dtype)
        divisor = target_weight.sum()
        ctx.save_for_backward(safe, target_weight)
        ctx.options = (log_probs.shape, class_dim, reduction, divisor)
        losses = -target_weight * x[rows, safe]                         # (P,)
        return reduce_loss(losses.reshape(target.shape), reduction, divisor)

    @staticmethod
    def backward(ctx, delta):
        safe, target_weight = ctx.saved_tensors
        shape, class_dim, reduction, divisor = ctx.options
        delta_rows = spread_delta(delta, shape[:class_dim] + shape[class_dim + 1:],
                                  reduction, divisor).reshape(-1)        # (P,)
        rows = np.zeros((len(safe), shape[class_dim]), dtype=delta.dtype)
        rows[np.arange(len(safe)), safe] = -target_weight * delta_rows
        return classes_back(rows, shape, class_dim), None
