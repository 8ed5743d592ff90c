"""`explain_backward` for the fully connected layer and softmax with cross-entropy.

Fully connected, ``z^l = W^l a^{l-1} + b^l`` (one sample, a column vector):

* ``∂L/∂a^{l-1} = (W^l)ᵀ δ^l``, and with the previous layer's activation
  ``δ^{l-1} = f′(z^{l-1}) ⊙ (W^l)ᵀ δ^l`` (the chapter's
  ``δ^l = f′(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}``, one layer down);
* ``∂L/∂W^l = δ^l (a^{l-1})ᵀ`` (an outer product), ``∂L/∂b^l = δ^l``.

Softmax with cross-entropy, ``L = −log softmax(z)_y`` averaged over N
samples: ``δ = ∂L/∂z = (softmax(z) − onehot(y)) / N``.

Each result is checked against ``F.linear`` / ``F.cross_entropy``'s backward.
"""
import numpy as np

import tinygrad_cnn as tg
from .._errors import ShapeError, describe
from ..nn import functional as F
from .explain import activation_input, activation_step, index_note, subscript, take_delta
from .steps import BackwardSteps, Step, check_step


def explain_linear(x, delta, activation, weight, bias, equations, base):
    """The steps of `explain_backward` for a fully connected layer.

    >>> steps = explain_linear(np.array([1.0, 2.0]), np.array([3.0]), None,
    ...                        np.array([[1.0, -1.0]]), None, None, 1)
    >>> steps["delta_prev"], steps["grad_weight"]                # Wᵀδ, δ aᵀ
    (array([ 3., -3.]), array([[3., 6.]]))
    """
    op = "explain_backward(linear)"
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1 or weight.ndim != 2 or weight.shape[1] != x.shape[0]:
        raise ShapeError(f"{op}: x must be one sample (in,) and weight (out, in); weight "
                         f"{describe(weight)} expects in = {weight.shape[-1]}, got x "
                         f"{describe(x)}")
    n_out = weight.shape[0]
    has_bias = bias is not None
    bias = np.zeros(n_out) if bias is None else bias
    if bias.shape != (n_out,):
        raise ShapeError(f"{op}: bias must be ({n_out},), got {describe(bias)}")
    z_prev = x
    a = activation_input(op, activation, z_prev)

    a_t = tg.tensor(a[None], requires_grad=True)
    w_t = tg.tensor(weight, requires_grad=True)
    b_t = tg.tensor(bias, requires_grad=True)
    z_t = F.linear(a_t, w_t, b_t)                                      # (1, out)
    z = z_t._data[0]
    delta = take_delta(op, delta, z.shape, layout=None)
    z_t.backward(tg.tensor(delta[None]))

    result = BackwardSteps("linear", f"linear backward: input ({a.size},), weight "
                           f"{weight.shape}; {index_note(base)}", given=[
                               Step("z", "forward: z^l = W a^{l-1} + b  (from the engine):",
                                    r"z^l = W^l a^{l-1} + b^l", z),
                               Step("delta", "given:   δ^l = ∂L/∂z^l:", r"\delta^l", delta)])
    result.autograd = {"grad_input": a_t.grad._data[0], "delta_prev": a_t.grad._data[0],
                       "grad_weight": w_t.grad._data, "grad_bias": b_t.grad._data}
    show = equations if equations is not None else weight.size <= 16

    grad_input = weight.T @ delta                                      # (in,)
    final_name = "delta_prev" if activation is None else "grad_input"
    step = Step(final_name, "∂L/∂a^{l-1} = Wᵀ δ^l:",
                r"\partial L/\partial a^{l-1} = (W^l)^\top \delta^l", grad_input)
    if show:
        step.equations = [
            (f"∂L/∂a_{subscript(base, k)} = " + " + ".join(
                f"w_{subscript(base, j, k)}·δ_{subscript(base, j)}" for j in range(n_out))
             + f" = {grad_input[k]:g}", "") for k in range(a.size)]
    result.add(check_step(step, result.autograd["grad_input"]))
    result.values["grad_input"] = grad_input
    if activation is not None:
        activation_step(result, activation, z_prev, grad_input, lambda v: v)

    grad_weight = np.outer(delta, a)                                   # δ aᵀ: (out, in)
    step = Step("grad_weight", "∂L/∂W = δ^l (a^{l-1})ᵀ  (∂L/∂w_jk = δ_j a_k):",
                r"\partial L/\partial W^l = \delta^l (a^{l-1})^\top", grad_weight)
    if show:
        step.equations = [(f"∂L/∂w_{subscript(base, j, k)} = δ_{subscript(base, j)}·"
                           f"a_{subscript(base, k)} = {delta[j]:g}·{a[k]:g} = "
                           f"{grad_weight[j, k]:g}", "")
                          for j in range(n_out) for k in range(a.size)]
    result.add(check_step(step, result.autograd["grad_weight"]))
    note = "" if has_bias else "  (this layer has no bias; shown for completeness)"
    result.add(check_step(Step("grad_bias", "∂L/∂b = δ^l:" + note,
                               r"\partial L/\partial b^l = \delta^l", delta.copy()),
                          result.autograd["grad_bias"]))
    return result


def explain_cross_entropy(logits, target, equations, base):
    """The steps of `explain_backward` for softmax with cross-entropy.

    >>> steps = explain_cross_entropy(np.zeros(2), 1, None, 1)
    >>> steps["delta"]                                           # softmax − onehot
    array([ 0.5, -0.5])
    """
    op = "explain_backward(cross_entropy)"
    single = logits.ndim == 1
    logits = logits[None] if single else logits                        # (N, classes)
    target = np.atleast_1d(np.asarray(target, dtype=np.int64))
    if logits.ndim != 2 or target.shape != (logits.shape[0],) \
            or np.any((target < 0) | (target >= logits.shape[1])):
        raise ShapeError(f"{op}: logits must be (classes,) or (N, classes) and target N class "
                         f"indices in [0, classes), got logits {describe(logits)}, target "
                         f"{target.tolist()}")
    count, classes = logits.shape
    z_t = tg.tensor(logits, requires_grad=True)
    loss_t = F.cross_entropy(z_t, tg.tensor(target))
    loss_t.backward()

    def squeeze(array):
        return array[0] if single else array

    result = BackwardSteps("cross_entropy", f"softmax + cross-entropy backward: {count} "
                           f"sample(s), {classes} classes, mean over the batch; "
                           "classes are numbered from 0", given=[
                               Step("z", "given:   logits z:", "z", squeeze(logits)),
                               Step("loss", "forward: L = mean −log softmax(z)_y  (from the "
                                    "engine):", r"L = -\tfrac1N\sum\log\mathrm{softmax}(z)_y",
                                    np.array(loss_t.item()))])
    result.autograd = {"delta": squeeze(z_t.grad._data)}
    shifted = logits - logits.max(axis=1, keepdims=True)               # exp never overflows
    softmax = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    result.add(check_step(Step("softmax", "softmax(z)_k = e^{z_k} / Σ_j e^{z_j}:",
                               r"\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}",
                               squeeze(softmax)),
                          squeeze(F.softmax(tg.tensor(logits), dim=1)._data),
                          mark="✓ matches the engine's F.softmax"))
    onehot = np.eye(classes)[target]
    result.add(Step("onehot", f"onehot(y), y = {target.tolist() if not single else int(target[0])}:",
                    r"\mathrm{onehot}(y)", squeeze(onehot)))
    delta = (softmax - onehot) / count
    title = "δ = ∂L/∂z = softmax(z) − onehot(y)" + (f", divided by N = {count}" if count > 1
                                                   else "") + ":"
    step = Step("delta", title, r"\delta = \partial L/\partial z = "
                r"(\mathrm{softmax}(z) - \mathrm{onehot}(y))/N", squeeze(delta))
    show = equations if equations is not None else logits.size <= 10
    if show:
        step.equations = [(f"δ_{subscript(base, k)} = {softmax[0, k]:.4g} − {onehot[0, k]:g} = "
                           f"{delta[0, k]:.4g}", "") for k in range(classes)] if single else []
    result.add(check_step(step, result.autograd["delta"]))
    return result
