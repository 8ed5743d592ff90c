"""`explain_backward` for the pooling layers: max, average, and LeNet-5's S2.

* Max pooling routes each δ to the recorded argmax of its window (the first
  in row-major order on ties); overlapping windows add up.
* Average pooling spreads δ/(k·k) over each window: ``up(δ)/k²`` for
  non-overlapping windows (``up`` = Kronecker product with a block of ones).
* Trainable subsampling ``S_i = β_i·down(a_i) + b_i`` (``down`` sums each 2×2
  window, stride 2): ``∂L/∂a_i = β_i·up(δ_i)``, ``J_β = Σ δ_i ⊙ down(a_i)``,
  ``J_b = Σ δ_i``. The engine checks it as ``4β·avg_pool2d(a) + b``.

Each step is checked against ``F.max_pool2d`` / ``F.avg_pool2d``'s backward.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_cnn as tg
from .._errors import ShapeError, describe
from ..nn import functional as F
from .explain import (
    activation_input, activation_step, channels_first, index_note, subscript, take_delta,
)
from .steps import BackwardSteps, Step, check_step


def _squeezer(squeeze_2d):
    def squeeze(array):
        return array[0] if squeeze_2d and array.shape[:1] == (1,) else array
    return squeeze


def explain_pool(kind, x, delta, activation, kernel_size, stride, padding, equations, base):
    """The steps of `explain_backward` for max or average pooling.

    >>> steps = explain_pool("avg_pool2d", np.ones((2, 2)), [[4.0]], None, (2, 2), (2, 2),
    ...                      (0, 0), None, 1)
    >>> steps["delta_prev"]
    array([[1., 1.],
           [1., 1.]])
    """
    op = f"explain_backward({kind})"
    squeeze = _squeezer(x.ndim == 2)
    z_prev = channels_first(op, "x", x)                               # (C, H, W)
    a = activation_input(op, activation, z_prev)
    channels = a.shape[0]
    (k_h, k_w), (s_h, s_w), (p_h, p_w) = kernel_size, stride, padding

    a_t = tg.tensor(a[None], requires_grad=True)
    pool = F.max_pool2d if kind == "max_pool2d" else F.avg_pool2d
    z_t = pool(a_t, kernel_size, stride=stride, padding=padding)
    z = z_t._data[0]                                                   # (C, H_out, W_out)
    delta = take_delta(op, delta, z.shape)
    z_t.backward(tg.tensor(delta[None]))

    labels = ("c",)
    result = BackwardSteps(kind, f"{kind} backward: input {squeeze(a).shape}, kernel "
                           f"{kernel_size}, stride {stride}, padding {padding}; "
                           f"{index_note(base)}", given=[
                               Step("z", "forward: pooled output (from the engine):", "z^l",
                                    squeeze(z), labels),
                               Step("delta", "given:   δ^l = ∂L/∂z^l:", r"\delta^l",
                                    squeeze(delta), labels)])
    result.autograd = {"grad_input": squeeze(a_t.grad._data[0]),
                       "delta_prev": squeeze(a_t.grad._data[0])}

    # max pooling pads with -inf (a padded cell never wins), average pooling with zeros
    fill = -np.inf if kind == "max_pool2d" else 0.0
    a_padded = np.pad(a, ((0, 0), (p_h, p_h), (p_w, p_w)), constant_values=fill)
    windows = sliding_window_view(a_padded, (k_h, k_w), axis=(1, 2))[:, ::s_h, ::s_w]
    windows = windows[:, :z.shape[1], :z.shape[2]]                    # (C, H_out, W_out, k_h, k_w)
    routed = np.zeros_like(a_padded)                                  # (C, H+2P, W+2P)
    show_equations = equations if equations is not None else delta.size <= 16
    target = "δ^{l-1}" if activation is None else "∂L/∂a^{l-1}"
    final_name = "delta_prev" if activation is None else "grad_input"

    if kind == "max_pool2d":
        # the forward recorded where each window's maximum was (the first one on ties)
        flat = windows.reshape(windows.shape[:3] + (-1,)).argmax(axis=-1)    # (C, H_out, W_out)
        rows = np.arange(z.shape[1])[:, None] * s_h + flat // k_w - p_h
        cols = np.arange(z.shape[2])[None, :] * s_w + flat % k_w - p_w
        positions = np.stack([rows, cols], axis=-1)                   # (C, H_out, W_out, 2)
        lines = []
        for c in range(channels):
            for i in range(z.shape[1]):
                cells = "  ".join(f"{tuple(int(n) + base for n in positions[c, i, j])}"
                                  f" ← δ={delta[c, i, j]:g}" for j in range(z.shape[2]))
                lines.append((f"{f'channel {c}: ' if channels > 1 else ''}{cells}", ""))
        result.add(Step("argmax_positions", "the recorded argmax of each window (row, col in "
                        f"the input, {base}-based) and its δ:",
                        r"\arg\max \text{ of each window}", equations=lines))
        result.values["argmax_positions"] = squeeze(positions)
        for c in range(channels):
            for i in range(z.shape[1]):
                for j in range(z.shape[2]):
                    # δ goes to the winner; overlapping windows add up
                    row, col = positions[c, i, j] + (p_h, p_w)      # in the padded input
                    routed[c, row, col] += delta[c, i, j]
        title = f"route δ to the argmax positions, 0 elsewhere: {target}:"
        math = r"\delta^{l-1}_{\arg\max} = \delta^l"
    else:
        share = delta / (k_h * k_w)                                   # δ/(k·k) for every cell
        result.add(Step("delta_share", f"δ/(k·k) = δ/{k_h * k_w}:", r"\delta^l / k^2",
                        squeeze(share), labels))
        for i in range(z.shape[1]):
            for j in range(z.shape[2]):
                window = routed[:, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
                window += share[:, i:i + 1, j:j + 1]                # a view: adds into routed
        title = "spread δ/(k·k) over each window"
        math = r"\delta^{l-1} = \tfrac{1}{k^2}\,\mathrm{up}(\delta^l)"
        if (s_h, s_w) == (k_h, k_w) and padding == (0, 0):
            title += " = up(δ)/k² (Kronecker product with a block of ones)"
        title += f": {target}:"
    grad_input = routed[:, p_h:p_h + a.shape[1], p_w:p_w + a.shape[2]]
    step = Step(final_name, title, math, squeeze(grad_input), labels)
    if show_equations:
        step.equations = _pool_equations(kind, a, delta, grad_input, kernel_size, stride,
                                         padding, base, result.values.get("argmax_positions"))
    result.add(check_step(step, result.autograd["grad_input"]))
    result.values["grad_input"] = squeeze(grad_input)
    if activation is not None:
        activation_step(result, activation, z_prev, grad_input, squeeze, labels)
    return result


def _pool_equations(kind, a, delta, grad_input, kernel_size, stride, padding, base, positions):
    """∂L/∂a_rc = Σ over the windows (m, n) that chose / contain a_rc of δ_mn (/k²)."""
    (k_h, k_w), (s_h, s_w), (p_h, p_w) = kernel_size, stride, padding
    channels, height, width = a.shape
    equations = []
    for c in range(channels):
        sup = f"^({c})" if channels > 1 else ""
        for r in range(height):
            for col in range(width):
                terms = []
                for m in range(delta.shape[1]):
                    for n in range(delta.shape[2]):
                        if kind == "max_pool2d":
                            hit = positions is not None and \
                                tuple(np.asarray(positions).reshape(channels, *delta.shape[1:], 2)
                                      [c, m, n]) == (r, col)
                        else:
                            hit = (m * s_h - p_h <= r < m * s_h - p_h + k_h
                                   and n * s_w - p_w <= col < n * s_w - p_w + k_w)
                        if hit:
                            terms.append((f"δ{sup}_{subscript(base, m, n)}", delta[c, m, n]))
                if not terms:
                    continue
                scale = "" if kind == "max_pool2d" else f"/{k_h * k_w}"
                symbols = " + ".join(f"{name}{scale}" for name, _ in terms)
                value = grad_input[c, r, col]
                assert np.isclose(sum(v for _, v in terms) / (1 if not scale else k_h * k_w),
                                  value)
                target = f"a{sup}_{subscript(base, r, col)}"
                equations.append((f"∂L/∂{target} = {symbols} = {value:g}", ""))
    return equations


def down(a):
    """Sum over each 2×2 window, stride 2: (C, H, W) → (C, H/2, W/2).

    >>> down(np.arange(16.0).reshape(1, 4, 4))[0]
    array([[10., 18.],
           [42., 50.]])
    """
    channels, height, width = a.shape
    return a.reshape(channels, height // 2, 2, width // 2, 2).sum(axis=(2, 4))


def up(delta):
    """Copy each entry into a 2×2 block: the Kronecker product with ones((2, 2)).

    >>> up(np.array([[1, 3], [2, 4]]))
    array([[1, 1, 3, 3],
           [1, 1, 3, 3],
           [2, 2, 4, 4],
           [2, 2, 4, 4]])
    """
    return np.repeat(np.repeat(delta, 2, axis=-2), 2, axis=-1)


def explain_subsample(x, delta, activation, beta, bias, equations, base):
    """The steps of `explain_backward` for LeNet-5's trainable subsampling S2.

    >>> steps = explain_subsample(np.ones((2, 2)), [[3.0]], None, [2.0], [0.0], None, 1)
    >>> steps["delta_prev"], steps["grad_beta"], steps["grad_bias"]
    (array([[6., 6.],
           [6., 6.]]), array([12.]), array([3.]))
    """
    op = "explain_backward(subsample)"
    squeeze = _squeezer(x.ndim == 2)
    z_prev = channels_first(op, "x", x)                               # (C, H, W)
    a = activation_input(op, activation, z_prev)
    channels = a.shape[0]
    beta, bias = np.atleast_1d(beta), np.atleast_1d(bias)
    if a.shape[1] % 2 or a.shape[2] % 2 or beta.shape != (channels,) or bias.shape != (channels,):
        raise ShapeError(f"{op}: expected a (C, H, W) input with even H and W and beta, bias of "
                         f"shape (C,) = ({channels},); got x {describe(a)}, beta "
                         f"{describe(beta)}, bias {describe(bias)}")

    # the engine: S = 4β·avg_pool2d(a) + b, written with the framework's own ops
    a_t = tg.tensor(a[None], requires_grad=True)
    beta_t = tg.tensor(beta, requires_grad=True)
    bias_t = tg.tensor(bias, requires_grad=True)
    s_t = F.avg_pool2d(a_t, 2) * 4.0 * beta_t.reshape(1, channels, 1, 1) \
        + bias_t.reshape(1, channels, 1, 1)
    s = s_t._data[0]                                                   # (C, H/2, W/2)
    delta = take_delta(op, delta, s.shape)
    s_t.backward(tg.tensor(delta[None]))

    labels = ("i",)
    result = BackwardSteps("subsample", f"trainable subsampling (LeNet-5's S2) backward: input "
                           f"{squeeze(a).shape}, S_i = β_i·down(a_i) + b_i; {index_note(base)}",
                           given=[Step("z", "forward: S = β·down(a) + b  (from the engine):",
                                       r"S_i = \beta_i\,\mathrm{down}(a_i) + b_i", squeeze(s),
                                       labels),
                                  Step("delta", "given:   δ^l = ∂L/∂S:", r"\delta^l",
                                       squeeze(delta), labels)])
    result.autograd = {"grad_input": squeeze(a_t.grad._data[0]),
                       "delta_prev": squeeze(a_t.grad._data[0]),
                       "grad_beta": beta_t.grad._data.copy(), "grad_bias": bias_t.grad._data.copy()}

    pooled = down(a)
    result.add(check_step(Step("down_a", "down(a_i): the sum of each 2×2 window (kept by the "
                               "forward):", r"\mathrm{down}(a_i)", squeeze(pooled), labels),
                          squeeze(F.avg_pool2d(tg.tensor(a[None]), 2)._data[0] * 4.0),
                          mark="✓ matches the engine's forward, 4·avg_pool2d(a)"))
    upsampled = up(delta)
    spread_t = tg.tensor(a[None], requires_grad=True)
    F.avg_pool2d(spread_t, 2).backward(tg.tensor(delta[None] * 4.0))
    result.add(check_step(Step("up_delta", "up(δ_i): each δ copied into its 2×2 block "
                               "(Kronecker product with ones):",
                               r"\mathrm{up}(\delta_i) = \delta_i \otimes \mathbf{1}_{2\times2}",
                               squeeze(upsampled), labels), squeeze(spread_t.grad._data[0]),
                          mark="✓ matches autograd: avg_pool2d's backward of 4δ"))
    grad_input = beta[:, None, None] * upsampled
    final_name = "delta_prev" if activation is None else "grad_input"
    result.add(check_step(Step(final_name, "∂L/∂a_i = β_i·up(δ_i):",
                               r"\partial L/\partial a_i = \beta_i\,\mathrm{up}(\delta_i)",
                               squeeze(grad_input), labels), result.autograd["grad_input"]))
    result.values["grad_input"] = squeeze(grad_input)
    if activation is not None:
        activation_step(result, activation, z_prev, grad_input, squeeze, labels)
    grad_beta = (delta * pooled).sum(axis=(1, 2))
    step = Step("grad_beta", "J_β = ∂L/∂β_i = Σ δ_i ⊙ down(a_i):",
                r"\partial L/\partial\beta_i = \sum \delta_i \odot \mathrm{down}(a_i)", grad_beta)
    show = equations if equations is not None else delta.size <= 16
    if show:
        step.equations = [(f"∂L/∂β_{i + base} = " + " + ".join(
            f"{d:g}·{p:g}" for d, p in zip(delta[i].ravel(), pooled[i].ravel()))
            + f" = {grad_beta[i]:g}", "") for i in range(channels)]
    result.add(check_step(step, result.autograd["grad_beta"]))
    grad_bias = delta.sum(axis=(1, 2))
    result.add(check_step(Step("grad_bias", "J_b = ∂L/∂b_i = Σ δ_i:",
                               r"\partial L/\partial b_i = \sum \delta_i", grad_bias),
                          result.autograd["grad_bias"]))
    return result
