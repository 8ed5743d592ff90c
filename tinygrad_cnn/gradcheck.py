"""`gradcheck`: compare an op's backward with central finite differences.

For a function f of inputs x₁ … xₖ we pick a fixed random weighting R of the
output and check the vector–Jacobian product of ``L = Σ R ⊙ f(x)``:

    analytic:  ∂L/∂x  from one backward pass (the rule under test)
    numeric:   (L(x + ε·e_i) − L(x − ε·e_i)) / 2ε  for every entry i

A random R (rather than all ones) makes every output entry count with a
different weight, so a backward that, say, swaps two output positions or
forgets a transpose cannot pass by symmetry.

Output entries that are ±inf or NaN at x get weight 0: no finite difference
can measure them, and one of them would make L itself NaN, so that every
comparison came out NaN. A NaN in either gradient fails the check.
"""
import numpy as np

from . import _state
from .tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and numeric gradients disagree."""


def _outputs(result):
    if isinstance(result, Tensor):
        return (result,)
    if isinstance(result, (tuple, list)) and all(isinstance(r, Tensor) for r in result):
        return tuple(result)
    raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, "
                    f"got {type(result).__name__}")


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check ``fn``'s gradients w.r.t. every input that requires grad.

    Inputs are copied to float64 first. Returns True, or raises
    `GradcheckError` naming the input, the worst entry's index and both values.

    >>> import tinygrad_cnn as tg
    >>> x = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
    >>> tg.gradcheck(lambda t: (t * t).sum(dim=1), (x,))
    True
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    leaves = []
    for item in inputs:
        if isinstance(item, Tensor) and item.requires_grad:
            leaf = Tensor(item._data, dtype=np.float64, requires_grad=True)
        else:
            leaf = item
        leaves.append(leaf)
    checked = [i for i, leaf in enumerate(leaves) if isinstance(leaf, Tensor) and leaf.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, nothing to check")

    rng = np.random.default_rng(seed)
    with _state.enable_grad():
        outputs = _outputs(fn(*leaves))
    finite = [np.isfinite(out._data) for out in outputs]            # what a difference can see
    weights = [np.where(seen, rng.standard_normal(out.shape), 0.0)
               for out, seen in zip(outputs, finite)]

    def weighted_loss():
        with _state.no_grad():
            return sum(float(np.sum(np.where(seen, out._data.astype(np.float64), 0.0) * w))
                       for out, w, seen in zip(_outputs(fn(*leaves)), weights, finite))

    # analytic: one backward of L = Σ R ⊙ f(x)  (inf·0 may make L's value NaN;
    # its backward is R itself, which is all the check needs)
    with _state.enable_grad(), np.errstate(invalid="ignore"):
        outputs = _outputs(fn(*leaves))
        loss = None
        for out, w in zip(outputs, weights):
            if not out.requires_grad:
                continue
            term = (out * Tensor._make(w.astype(out.dtype), None)).sum()
            loss = term if loss is None else loss + term
    for i in checked:
        leaves[i].grad = None
    if loss is not None:
        loss.backward()

    for i in checked:
        leaf = leaves[i]
        analytic = leaf.grad._data if leaf.grad is not None else np.zeros_like(leaf._data)
        numeric = np.zeros_like(leaf._data)
        flat = leaf._data.reshape(-1)          # a view: perturbing it perturbs the leaf
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = weighted_loss()
            flat[k] = original - eps
            minus = weighted_loss()
            flat[k] = original
            numeric.reshape(-1)[k] = (plus - minus) / (2 * eps)
        error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        error = np.where(np.isnan(error), np.inf, error)             # a NaN gradient fails
        if error.size and error.max() > 0:
            worst = np.unravel_index(int(np.argmax(error)), error.shape)
            raise GradcheckError(
                f"gradcheck: gradient of input {i} (shape {leaf.shape}) is wrong at index "
                f"{tuple(int(j) for j in worst)}: analytic {analytic[worst]:.6g}, "
                f"numeric {numeric[worst]:.6g} (atol={atol}, rtol={rtol})")
    return True
