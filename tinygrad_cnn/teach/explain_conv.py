"""`explain_backward` for a convolution layer: the chapter's three rules, step by step.

Forward ``z^{(p)} = Σ_d W^{(p,d)} ⊗ a^{(d)} + b^{(p)}`` (stride S, padding P,
dilation D, groups g: filter p reads only the C_in/g channels d of its group).
Backward, checked against ``F.conv2d``'s:

1. stride: insert S-1 zeros between neighbouring entries of δ^l (the stride-1
   map it skipped);
2. dilation: insert D-1 zeros between the kernel's taps, which then span
   K_eff = D·(K−1) + 1 pixels;
3. ``∂L/∂a^{(d)} = Σ_p rot180(W^{(p,d)}) ⊗̃ δ^{(p)}``: pad δ with K_eff-1 zeros
   on each side and cross-correlate with the rotated kernel, on the padded
   input, then crop P from each border (then ⊙ f′(z^{l-1}) if an activation
   is given);
4. ``∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}`` (on the padded input, zero-inserted δ);
5. ``∂L/∂b^{(p)} = Σ_{i,j} δ^{(p)}_{ij}``.

For a small layer each entry's equation is written out, from the forward's
index map ``z_mn`` reads ``a_{mS+uD−P, nS+vD−P}`` through ``w_uv``.
"""
import numpy as np

import tinygrad_cnn as tg
from .._errors import ShapeError, describe
from ..nn import functional as F
from .conv_matrix import cross_correlate, rot180
from .explain import (
    activation_input, activation_step, channels_first, index_note, subscript, take_delta,
)
from .steps import BackwardSteps, Step, check_step

OP = "explain_backward(conv2d)"
EQUATION_LIMIT = 16        # write per-entry equations when a map has at most this many entries


def insert_zeros(maps, step, length):
    """Put maps[..., i, j] at (i·step[0], j·step[1]) of a zero array whose last
    two dims are ``length``: stride's zero insertion, dilation's spread taps."""
    spread = np.zeros(maps.shape[:-2] + tuple(length))
    spread[..., ::step[0], ::step[1]][..., :maps.shape[-2], :maps.shape[-1]] = maps
    return spread


def _check_shapes(a, weight, bias, groups):
    c_in = a.shape[0]
    if weight.ndim != 4 or groups < 1 or c_in % groups or weight.shape[0] % groups \
            or weight.shape[1] * groups != c_in:
        raise ShapeError(f"{OP}: weight must be (U, V) or (C_out, C_in/groups, U, V) with C_in = "
                         f"{c_in} input channels and groups = {groups}, got {describe(weight)}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ShapeError(f"{OP}: bias must be ({weight.shape[0]},), got {describe(bias)}")


class _Names:
    """Symbols of the per-entry equations: channel superscripts only when needed."""

    def __init__(self, base, c_in, c_out, c_in_group):
        self.base = base
        self.many_in, self.many_out = c_in > 1, c_out > 1
        self.many_kernel = c_out > 1 or c_in_group > 1

    def delta(self, p, m, n):
        sup = f"^({p})" if self.many_out else ""
        return f"δ{sup}_{subscript(self.base, m, n)}", \
            rf"\delta{'^{(%d)}' % p if self.many_out else ''}_{{{subscript(self.base, m, n)}}}"

    def weight(self, p, j, u, v):
        sup = f"^({p},{j})" if self.many_kernel else ""
        return f"w{sup}_{subscript(self.base, u, v)}", \
            rf"w{'^{(%d,%d)}' % (p, j) if self.many_kernel else ''}_{{{subscript(self.base, u, v)}}}"

    def input(self, d, r, c):
        sup = f"^({d})" if self.many_in else ""
        return f"a{sup}_{subscript(self.base, r, c)}", \
            rf"a{'^{(%d)}' % d if self.many_in else ''}_{{{subscript(self.base, r, c)}}}"


def _equation(target, terms, total):
    """'∂L/∂t = s1·f1 + … = v1·g1 + … = total' as (text, LaTeX); terms: (sym, sym, val, val)."""
    text_target, latex_target = target
    if not terms:
        return f"∂L/∂{text_target} = 0", rf"\partial L/\partial {latex_target} = 0"
    symbols = " + ".join(f"{a[0]}·{b[0]}" for a, b, _, _ in terms)
    numbers = " + ".join(f"{x:g}·{y:g}" for _, _, x, y in terms)
    latex = " + ".join(f"{a[1]} {b[1]}" for a, b, _, _ in terms)
    return (f"∂L/∂{text_target} = {symbols} = {numbers} = {total:g}",
            rf"\partial L/\partial {latex_target} = {latex} = {total:g}")


def _input_equations(names, a, weight, delta, grad_input, stride, padding, dilation, groups):
    """∂L/∂a^{(d)}_rc = Σ δ^{(p)}_mn w^{(p,j)}_uv over the (p, m, n, u, v) whose forward read a_rc."""
    c_in, height, width = a.shape
    c_out, c_in_group, kernel_h, kernel_w = weight.shape
    c_out_group = c_out // groups
    terms = {(d, r, c): [] for d in range(c_in) for r in range(height) for c in range(width)}
    for p in range(c_out):
        group = p // c_out_group
        for j in range(c_in_group):
            d = group * c_in_group + j
            for m in range(delta.shape[1]):
                for n in range(delta.shape[2]):
                    for u in range(kernel_h):
                        for v in range(kernel_w):
                            r = m * stride[0] + u * dilation[0] - padding[0]
                            c = n * stride[1] + v * dilation[1] - padding[1]
                            if 0 <= r < height and 0 <= c < width:      # not a padded zero
                                terms[d, r, c].append((names.delta(p, m, n),
                                                       names.weight(p, j, u, v),
                                                       delta[p, m, n], weight[p, j, u, v]))
    equations = []
    for (d, r, c), entry in terms.items():
        total = sum(x * y for _, _, x, y in entry)
        assert np.isclose(total, grad_input[d, r, c]), (d, r, c)   # two routes, one number
        equations.append(_equation(names.input(d, r, c), entry, grad_input[d, r, c]))
    return equations


def _weight_equations(names, a, weight, delta, grad_weight, stride, padding, dilation, groups):
    """∂L/∂w^{(p,j)}_uv = Σ_mn δ^{(p)}_mn a^{(d)}_{mS+uD−P, nS+vD−P} (padded zeros omitted)."""
    c_out, c_in_group, kernel_h, kernel_w = weight.shape
    c_out_group = c_out // groups
    equations = []
    for p in range(c_out):
        for j in range(c_in_group):
            d = (p // c_out_group) * c_in_group + j
            for u in range(kernel_h):
                for v in range(kernel_w):
                    entry = []
                    for m in range(delta.shape[1]):
                        for n in range(delta.shape[2]):
                            r = m * stride[0] + u * dilation[0] - padding[0]
                            c = n * stride[1] + v * dilation[1] - padding[1]
                            if 0 <= r < a.shape[1] and 0 <= c < a.shape[2]:
                                entry.append((names.delta(p, m, n), names.input(d, r, c),
                                              delta[p, m, n], a[d, r, c]))
                    total = grad_weight[p, j, u, v]
                    assert np.isclose(sum(x * y for _, _, x, y in entry), total), (p, j, u, v)
                    equations.append(_equation(names.weight(p, j, u, v), entry, total))
    return equations


def _weight_rule(base, stride, dilation):
    """∂L/∂w_ij = Σ_mn δ_mn a_{...}: the index of a depends on the base, S and D."""
    shift = "" if base == 0 else "−1"
    if stride == (1, 1) and dilation == (1, 1):
        index = f"i+m{shift},j+n{shift}"
    else:
        index = f"m·S+i·D{shift},n·S+j·D{shift}" if base == 0 else \
            "(m−1)·S+(i−1)·D+1,(n−1)·S+(j−1)·D+1"
    return f"∂L/∂w_ij = Σ_mn δ_mn a_({index})"


def explain_conv(x, delta, activation, weight, bias, has_bias, stride, padding, dilation,
                 groups, equations, base):
    """The steps of `explain_backward` for a convolution (see the module docstring).

    >>> steps = explain_conv(np.ones((4, 4)), None, None, np.ones((2, 2)), None, False,
    ...                      (2, 2), (0, 0), (1, 1), 1, None, 1)
    >>> [step.name for step in steps][:2], steps["delta_dilated"].shape
    (['delta_dilated', 'delta_padded'], (3, 3))
    """
    squeeze_2d = x.ndim == 2 and weight.ndim == 2
    z_prev = channels_first(OP, "x", x)                                # (C_in, H, W)
    a = activation_input(OP, activation, z_prev)                       # a^{l-1}
    if weight.ndim == 2:
        weight = weight[None, None]
    _check_shapes(a, weight, bias, groups)
    c_out, c_in_group, kernel_h, kernel_w = weight.shape
    c_in = a.shape[0]
    if bias is None:
        bias = np.zeros(c_out)                  # δ-wise the same; the gradient is still shown

    # the engine's answer, to check each step against
    a_t = tg.tensor(a[None], requires_grad=True)
    w_t = tg.tensor(weight, requires_grad=True)
    b_t = tg.tensor(bias, requires_grad=True)
    z_t = F.conv2d(a_t, w_t, b_t, stride=stride, padding=padding, dilation=dilation,
                   groups=groups)
    z = z_t._data[0]                                                   # (C_out, H_out, W_out)
    delta = take_delta(OP, delta, z.shape)
    z_t.backward(tg.tensor(delta[None]))

    def squeeze(array):
        if not squeeze_2d:
            return array
        return array.reshape(array.shape[-2:]) if array.ndim >= 2 else array.reshape(())

    header = (f"conv2d backward: input {squeeze(a).shape}, weight {squeeze(weight).shape}, "
              f"stride {stride}, padding {padding}, dilation {dilation}"
              + (f", groups {groups}" if groups != 1 else "") + f"; {index_note(base)}")
    filters, channels = ("p",), ("d",)
    result = BackwardSteps("conv2d", header, given=[
        Step("z", "forward: z^l = W ⊗ a^{l-1} + b  (from the engine):",
             r"z^l = W \otimes a^{l-1} + b", squeeze(z), filters),
        Step("delta", "given:   δ^l = ∂L/∂z^l:", r"\delta^l = \partial L/\partial z^l",
             squeeze(delta), filters)])
    result.autograd = {"grad_input": squeeze(a_t.grad._data[0]),
                       "delta_prev": squeeze(a_t.grad._data[0]),
                       "grad_weight": squeeze(w_t.grad._data),
                       "grad_bias": squeeze(b_t.grad._data)}

    span_h = dilation[0] * (kernel_h - 1) + 1                        # K_eff = D·(K-1) + 1
    span_w = dilation[1] * (kernel_w - 1) + 1
    a_padded = np.pad(a, ((0, 0), (padding[0],) * 2, (padding[1],) * 2))   # (C_in, H+2P, W+2P)
    # the stride-1 output size on the padded input; a stride > 1 kept every S-th entry of it
    full_h, full_w = a_padded.shape[1] - span_h + 1, a_padded.shape[2] - span_w + 1

    delta_dilated = insert_zeros(delta, stride, (full_h, full_w))     # (C_out, full_h, full_w)
    result.values["delta_dilated"] = squeeze(delta_dilated)
    if stride != (1, 1):
        gaps = (stride[0] - 1, stride[1] - 1)
        result.add(Step("delta_dilated", f"stride S = {stride}: insert S-1 zeros ({gaps}) between "
                        "neighbouring entries of δ^l (the stride-1 map it skipped):",
                        r"\text{insert } S-1 \text{ zeros into } \delta^l",
                        squeeze(delta_dilated), filters))
    kernel = insert_zeros(weight, dilation, (span_h, span_w))        # (C_out, C_in/g, K_eff, K_eff)
    result.values["kernel_dilated"] = squeeze(kernel)
    if dilation != (1, 1):
        result.add(Step("kernel_dilated", f"dilation D = {dilation}: insert D-1 zeros between the "
                        f"kernel taps, which now span K_eff = D·(K-1)+1 = {(span_h, span_w)}:",
                        r"\text{dilate } W:\ K_\text{eff} = D(K-1)+1",
                        squeeze(kernel), ("p", "d")))

    pad_h, pad_w = span_h - 1, span_w - 1
    delta_padded = np.pad(delta_dilated, ((0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    size = "K-1" if dilation == (1, 1) else "K_eff-1 = D·(K-1)"
    result.add(Step("delta_padded", f"pad δ with {size} = {(pad_h, pad_w)} zeros on each side "
                    "(the wide ⊗̃):", r"\mathrm{pad}_{K-1}(\delta^l)", squeeze(delta_padded),
                    filters))
    kernel_rotated = rot180(kernel)
    result.add(Step("rot180_kernel", "rot180(W), filter p, channel d:", r"\mathrm{rot180}(W)",
                    squeeze(kernel_rotated), ("p", "d")))

    # ∂L/∂a^{(d)} = Σ_{p in d's group} pad(δ^{(p)}) ⊗ rot180(W^{(p,d)}), on the padded input
    c_out_group = c_out // groups
    grad_padded = np.zeros_like(a_padded)
    for d in range(c_in):
        group, j = divmod(d, c_in_group)
        for p in range(group * c_out_group, (group + 1) * c_out_group):
            grad_padded[d] += cross_correlate(kernel_rotated[p, j], delta_padded[p])
    top, left = padding
    grad_input = grad_padded[:, top:top + a.shape[1], left:left + a.shape[2]]
    small = equations if equations is not None else (
        grad_input.size <= EQUATION_LIMIT and weight.size <= EQUATION_LIMIT)
    names = _Names(base, c_in, c_out, c_in_group)
    over = "Σ_p" if groups == 1 else "Σ over the filters p of d's group"
    target = "δ^{l-1} = ∂L/∂a^{l-1}" if activation is None else "∂L/∂a^{l-1}"
    final_name = "delta_prev" if activation is None else "grad_input"
    if padding != (0, 0):
        # the engine's gradient for the padded input itself: conv2d(pad(a), W) without padding
        padded_t = tg.tensor(a_padded[None], requires_grad=True)
        F.conv2d(padded_t, w_t.detach(), stride=stride, dilation=dilation,
                 groups=groups).backward(tg.tensor(delta[None]))
        result.add(check_step(Step(
            "delta_prev_padded", f"{over} pad(δ^(p)) ⊗ rot180(W^(p,d)) on the padded input:",
            r"\sum_p \mathrm{pad}(\delta^{(p)}) \otimes \mathrm{rot180}(W^{(p,d)})",
            squeeze(grad_padded), channels), squeeze(padded_t.grad._data[0])))
        title = f"crop padding P = {padding} from each border: {target}:"
    else:
        title = f"{target} = {over} rot180(W^(p,d)) ⊗̃ δ^(p):"
    step = Step(final_name, title, r"\frac{\partial L}{\partial a^{(l-1,d)}} = \sum_p "
                r"\mathrm{rot180}(W^{(p,d)}) \tilde\otimes \delta^{(p)}", squeeze(grad_input),
                channels)
    if small:
        step.equations = _input_equations(names, a, weight, delta, grad_input, stride, padding,
                                          dilation, groups)
    if activation is None:
        step.note = "δ^{l-1} of the previous layer is this ⊙ f'(z^{l-1}) if it has an activation"
    result.add(check_step(step, result.autograd["grad_input"]))
    result.values["grad_input"] = squeeze(grad_input)
    if activation is not None:
        activation_step(result, activation, z_prev, grad_input, squeeze, channels)

    # ∂L/∂W^{(p,d)} = a^{(d)} ⊗ δ^{(p)}; with dilation only every D-th tap is a real weight
    grad_kernel = np.zeros_like(kernel)
    for p in range(c_out):
        group = p // c_out_group
        for j in range(c_in_group):
            grad_kernel[p, j] = cross_correlate(delta_dilated[p], a_padded[group * c_in_group + j])
    grad_weight = grad_kernel[..., ::dilation[0], ::dilation[1]]
    step = Step("grad_weight", f"∂L/∂W^(p,d) = a^(l-1,d) ⊗ δ^(p)  ({_weight_rule(base, stride, dilation)}):",
                r"\frac{\partial L}{\partial W^{(p,d)}} = a^{(l-1,d)} \otimes \delta^{(p)}",
                squeeze(grad_weight), ("p", "d"))
    if small:
        step.equations = _weight_equations(names, a, weight, delta, grad_weight, stride, padding,
                                           dilation, groups)
    result.add(check_step(step, result.autograd["grad_weight"]))

    grad_bias = delta.sum(axis=(1, 2))                              # (C_out,)
    note = "" if has_bias else "  (this layer has no bias; shown for completeness)"
    result.add(check_step(Step("grad_bias", "∂L/∂b^(p) = Σ_ij δ^(p)_ij:" + note,
                               r"\frac{\partial L}{\partial b^{(p)}} = \sum_{ij}\delta^{(p)}_{ij}",
                               squeeze(grad_bias)), result.autograd["grad_bias"]))
    return result
