"""``torch.nn.utils``: clipping the gradients of a model and flattening its
parameters into one vector.

Clipping is what a learner reaches for when the δ flowing back grows from
layer to layer (exploding gradients): `clip_grad_norm_` rescales every
gradient by one factor so that their joint norm is at most ``max_norm``;
`clip_grad_value_` clamps each entry.

>>> import tinygrad_cnn as tg
>>> w = tg.nn.Parameter(tg.tensor([3.0, 4.0]))
>>> w.grad = tg.tensor([3.0, 4.0])
>>> tg.nn.utils.clip_grad_norm_([w], max_norm=1.0)      # the norm before clipping
tensor(5.)
>>> w.grad
tensor([0.6000, 0.8000])
"""
import math

import numpy as np

from ..tensor import Tensor


def _with_grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients in place so that ‖(g₁, g₂, …)‖_p ≤ ``max_norm``:
    with ``N = ‖(‖g₁‖_p, ‖g₂‖_p, …)‖_p`` every gradient is multiplied by
    ``min(1, max_norm / (N + 10⁻⁶))`` (PyTorch's rule, the same factor for all,
    so their directions are kept). Returns N, the norm before clipping;
    ``norm_type`` may be ``inf`` (the largest |entry|). ``foreach`` is
    accepted and changes nothing (one NumPy loop).

    Raises RuntimeError when N is inf or NaN and ``error_if_nonfinite``.
    """
    grads = [p.grad for p in _with_grads(parameters)]
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.asarray(0.0, dtype=np.float32), None)
    dtype = grads[0]._data.dtype
    if norm_type == math.inf:
        norms = [np.abs(g._data).max(initial=0) for g in grads]
        total = max(norms)
    else:
        norms = [np.linalg.norm(g._data.ravel(), ord=norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms, dtype=np.float64), ord=norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {float(total)}, non-finite, so it cannot be clipped; "
                           "pass error_if_nonfinite=False to clip anyway")
    factor = min(1.0, float(max_norm) / (float(total) + 1e-6))
    for grad in grads:
        grad.mul_(factor)
    return Tensor._make(total, None)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one vector (a graph op, as in PyTorch)."""
    from ..ops.movement import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters' values (no graph)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    parameters = list(parameters)
    needed = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.numel() != needed:
        raise ValueError(f"vector_to_parameters: expected a vector of {needed} entries for "
                         f"the parameters, got shape {tuple(vec.shape)}")
    start = 0
    for p in parameters:
        count = p.numel()
        p._data[...] = vec._data[start:start + count].reshape(p._data.shape)
        start += count
