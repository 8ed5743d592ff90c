"""The convolution exercises: backward to the input and to the kernel, the matrix
of 5-5, the wide convolution of 5-2, the sizes of 5-8 and the costs of 5-4.

Expected values come from the engine (``F.conv2d`` and ``backward``,
``teach.summary``); each ``diagnose`` recognises the typical mistakes by
recomputing them with the engine too (a kernel not rotated is the engine's
answer for ``rot180(W)``).
"""
import numpy as np

import tinygrad_cnn as tg
from .. import nn
from ..nn import functional as F
from .exercises import Exercise, _as_array, first_wrong_entry
from .summary import summary

RNG_SEED = 5


# ----------------------------------------------------------------------------- engine
def engine_input_grad(delta, weight, stride, padding, input_size):
    """∂L/∂a from the engine: conv2d on zeros of ``input_size``, backward δ."""
    a_t = tg.tensor(np.zeros((1, weight.shape[1]) + input_size), requires_grad=True)
    z = F.conv2d(a_t, tg.tensor(weight), stride=stride, padding=padding)
    z.backward(tg.tensor(delta[None]))
    return a_t.grad.numpy()[0]


def engine_weight_grad(a, delta, kernel_size, stride, padding):
    w_t = tg.tensor(np.zeros((delta.shape[0], a.shape[0]) + kernel_size), requires_grad=True)
    z = F.conv2d(tg.tensor(a[None]), w_t, stride=stride, padding=padding)
    z.backward(tg.tensor(delta[None]))
    return w_t.grad.numpy()


def _same(got, expected):
    got = _as_array(got)
    return isinstance(got, np.ndarray) and got.shape == expected.shape and \
        bool(np.allclose(got, expected, rtol=1e-6, atol=1e-8))


def _rot180(weight):
    return np.flip(weight, axis=(-2, -1)).copy()


# ----------------------------------------------------------------------------- backward to a
def _input_cases():
    rng = np.random.default_rng(RNG_SEED)
    cases = []
    for label, c_in, c_out, kernel, stride, padding, out in [
            ("one channel, 2×2 kernel", 1, 1, 2, 1, 0, 3),
            ("one channel, 3×3 kernel", 1, 1, 3, 1, 0, 4),
            ("padding 1", 1, 1, 3, 1, 1, 4),
            ("stride 2", 1, 1, 3, 2, 0, 3),
            ("stride 2, padding 1", 1, 1, 3, 2, 1, 3),
            ("2 input channels, 3 filters", 2, 3, 3, 1, 0, 3),
            ("2 channels, 2 filters, stride 2, padding 1", 2, 2, 3, 2, 1, 2)]:
        weight = rng.integers(-3, 4, (c_out, c_in, kernel, kernel)).astype(np.float64)
        delta = rng.integers(-3, 4, (c_out, out, out)).astype(np.float64)
        size = (out - 1) * stride + kernel - 2 * padding
        expected = engine_input_grad(delta, weight, stride, padding, (size, size))
        cases.append((label, (delta, weight), dict(stride=stride, padding=padding), expected))
    return cases


def _diagnose_input(label, args, kwargs, got, expected):
    delta, weight = args
    stride, padding = kwargs["stride"], kwargs["padding"]
    got = _as_array(got)
    size = expected.shape[1:]
    shape = np.shape(got)
    if len(shape) == 3 and shape[1:] == (size[0] + 2 * padding, size[1] + 2 * padding) \
            and padding:
        return f"your map is {shape[1:]}, the input is {size}: did you crop the padding P = " \
               f"{padding} from each border?"
    if len(shape) == 3 and stride > 1 and shape[1] == delta.shape[1] + weight.shape[2] - 1 \
            - 2 * padding:
        return f"did you insert zeros for stride {stride}? Put S-1 = {stride - 1} zeros between " \
               "neighbouring entries of δ before the wide correlation"
    if len(shape) == 3 and shape[1] < size[0]:
        return "your map is too small: the wide ⊗̃ pads δ with K-1 zeros on each side first"
    if _same(got, engine_input_grad(delta, _rot180(weight), stride, padding, size)):
        return "did you rotate the kernel? δ^{l-1} = rot180(W) ⊗̃ δ^l"
    if weight.shape[0] > 1 and any(
            _same(got, engine_input_grad(delta[p:p + 1], weight[p:p + 1], stride, padding, size))
            for p in range(weight.shape[0])):
        return "each input channel d sums over every filter p that read it: Σ_p rot180(W^(p,d)) " \
               "⊗̃ δ^(p); your answer keeps only one filter"
    return first_wrong_entry(got, expected)


# ----------------------------------------------------------------------------- backward to W
def _weight_cases():
    rng = np.random.default_rng(RNG_SEED + 1)
    cases = []
    for label, c_in, c_out, kernel, stride, padding, size in [
            ("one channel, 2×2 kernel", 1, 1, 2, 1, 0, 3),
            ("one channel, 3×3 kernel", 1, 1, 3, 1, 0, 5),
            ("padding 1", 1, 1, 3, 1, 1, 4),
            ("stride 2", 1, 1, 3, 2, 0, 7),
            ("2 input channels, 3 filters, padding 1", 2, 3, 3, 1, 1, 4),
            ("2 channels, 2 filters, stride 2, padding 1", 2, 2, 3, 2, 1, 5)]:
        a = rng.integers(-3, 4, (c_in, size, size)).astype(np.float64)
        out = (size + 2 * padding - kernel) // stride + 1
        delta = rng.integers(-3, 4, (c_out, out, out)).astype(np.float64)
        expected = engine_weight_grad(a, delta, (kernel, kernel), stride, padding)
        cases.append((label, (a, delta, kernel), dict(stride=stride, padding=padding), expected))
    return cases


def _diagnose_weight(label, args, kwargs, got, expected):
    a, delta, kernel = args
    stride, padding = kwargs["stride"], kwargs["padding"]
    got = _as_array(got)
    shape = np.shape(got)
    if len(shape) == 4 and shape[:2] == expected.shape[1::-1] and shape[:2] != expected.shape[:2]:
        return f"the kernel gradient has the weight's layout (C_out, C_in, K, K) = " \
               f"{expected.shape}; yours is {shape}"
    if len(shape) == 4 and padding and shape[2] == kernel - 2 * padding:
        return f"did you pad the input by P = {padding}? ∂L/∂W = pad_P(a) ⊗ δ"
    if len(shape) == 4 and stride > 1 and shape[2] != kernel:
        return f"did you insert zeros for stride {stride}? a ⊗ δ needs δ with S-1 zeros " \
               "between its entries (or read a at m·S + u)"
    if _same(got, _rot180(expected)):
        return "did you rotate? ∂L/∂W = a ⊗ δ is a plain cross-correlation: no rot180 here"
    return first_wrong_entry(got, expected)


# ----------------------------------------------------------------------------- 5-5, 5-2
W_5_5 = np.array([[1.0, 2.0], [3.0, 4.0]])


def engine_matrix(weight):
    """M's columns are the responses to the 9 unit inputs: the engine's conv2d of each e_c."""
    columns = [F.conv2d(tg.tensor(np.eye(9)[c].reshape(1, 1, 3, 3)),
                        tg.tensor(weight[None, None])).numpy().ravel() for c in range(9)]
    return np.stack(columns, axis=1)                                   # (4, 9)


def _matrix_cases():
    return [("W = [[1, 2], [3, 4]] on a 3×3 input", (), {}, engine_matrix(W_5_5))]


def _diagnose_matrix(label, args, kwargs, got, expected):
    got = _as_array(got)
    if np.shape(got) == (9, 4):
        return "that is Mᵀ (9×4): M maps the 9 inputs to the 4 outputs, so it is 4×9"
    if np.shape(got) != (4, 9):
        return f"M is 4×9 (4 outputs, 9 inputs), yours is {np.shape(got)}"
    column_major = expected.reshape(4, 3, 3).transpose(0, 2, 1).reshape(4, 9)
    if _same(got, column_major):
        return "vec(X) unrolls X row by row (x11, x12, x13, x21, …), not column by column"
    if _same(got, engine_matrix(_rot180(W_5_5))):
        return "did you rotate the kernel? A CNN's conv is a cross-correlation: z11 = " \
               "w11 x11 + w12 x12 + w21 x21 + w22 x22"
    return first_wrong_entry(got, expected)


def _wide_cases():
    rng = np.random.default_rng(RNG_SEED + 2)
    cases = []
    for label, a_shape, b_shape in [("1×3 and 1×2", (1, 3), (1, 2)), ("3×3 and 2×2", (3, 3), (2, 2)),
                                    ("2×4 and 3×2", (2, 4), (3, 2))]:
        a = rng.integers(-3, 4, a_shape).astype(np.float64)
        b = rng.integers(-3, 4, b_shape).astype(np.float64)
        # the engine's conv2d is a cross-correlation: flip b and pad U-1, V-1 for the true wide one
        expected = F.conv2d(tg.tensor(a[None, None]), tg.tensor(_rot180(b)[None, None]),
                            padding=(b.shape[0] - 1, b.shape[1] - 1)).numpy()[0, 0]
        cases.append((label, (a, b), {}, expected))
    return cases


def _diagnose_wide(label, args, kwargs, got, expected):
    a, b = args
    got = _as_array(got)
    if np.shape(got) != expected.shape:
        return f"the wide convolution is (M+U-1)×(N+V-1) = {expected.shape}: pad U-1 and V-1 " \
               "zeros on each side"
    flipped = F.conv2d(tg.tensor(a[None, None]), tg.tensor(b[None, None]),
                       padding=(b.shape[0] - 1, b.shape[1] - 1)).numpy()[0, 0]
    if _same(got, flipped):
        return "that is the wide cross-correlation b ⊗̃ a: a true convolution flips the kernel " \
               "(rot180) first"
    return first_wrong_entry(got, expected)


# ----------------------------------------------------------------------------- sizes (5-8)
def _size_cases():
    cases = []
    for label, size, kernel, stride, padding, dilation in [
            ("valid 5×5 on 28", 28, 5, 1, 0, 1), ("same 5×5 on 28", 28, 5, 1, 2, 1),
            ("stride 2, padding 1", 7, 3, 2, 1, 1), ("stride 2, rounds down", 8, 3, 2, 1, 1),
            ("dilation 2", 10, 3, 1, 0, 2), ("AlexNet's conv1", 224, 11, 4, 2, 1)]:
        out = F.conv2d(tg.zeros(1, 1, size, size), tg.zeros(1, 1, kernel, kernel), stride=stride,
                       padding=padding, dilation=dilation).shape[-1]
        cases.append((label, (size, kernel), dict(stride=stride, padding=padding,
                                                  dilation=dilation), out))
    return cases


def _diagnose_size(label, args, kwargs, got, expected):
    size, kernel = args
    stride, padding, dilation = kwargs["stride"], kwargs["padding"], kwargs["dilation"]
    if not isinstance(got, (int, np.integer)):
        return "return an int (use // to round down)"
    if dilation > 1 and got == (size + 2 * padding - kernel) // stride + 1:
        return "did you use the dilated kernel's span D·(K-1)+1 instead of K?"
    if got == (size + 2 * padding - dilation * (kernel - 1) - 1) // stride:
        return "count the first position too: H_out = ⌊(H + 2P − D(K−1) − 1)/S⌋ + 1"
    if got == (size + padding - dilation * (kernel - 1) - 1) // stride + 1:
        return "padding P is added on both sides: H + 2P"
    return "H_out = ⌊(H + 2P − D(K−1) − 1)/S⌋ + 1"


def _padding_cases():
    cases = []
    for kernel, dilation in [(3, 1), (5, 1), (3, 2), (5, 3), (7, 2), (3, 4)]:
        # the engine decides: the P for which conv2d keeps 16 → 16 at stride 1
        keeps = [p for p in range(20) if F.conv2d(
            tg.zeros(1, 1, 16, 16), tg.zeros(1, 1, kernel, kernel), padding=p,
            dilation=dilation).shape[-1] == 16]
        cases.append((f"K={kernel}, D={dilation}", (kernel, dilation), {}, keeps[0]))
    return cases


def _diagnose_padding(label, args, kwargs, got, expected):
    kernel, dilation = args
    if got == (kernel - 1) // 2 and dilation > 1:
        return "a dilated kernel spans D·(K-1)+1 pixels, not K: P = (K-1)·D/2"
    if got == (kernel - 1) * dilation:
        return "that is the total over both sides; P is the padding on each side"
    return "solve (H + 2P) − (D(K−1) + 1) + 1 = H for P"


# ----------------------------------------------------------------------------- cost (5-4)
def _cost_cases():
    plain = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1, bias=False))
    bottleneck = nn.Sequential(nn.Conv2d(256, 64, 1, bias=False),
                               nn.Conv2d(64, 256, 3, padding=1, bias=False))
    expected = {}
    for name, model in (("plain", plain), ("bottleneck", bottleneck)):
        cost = summary(model, (1, 256, 100, 100))
        expected[name] = {"time": cost.total_macs, "space": cost.total_activations,
                          "space_with_weights": cost.total_activations + cost.total_params}
    return [("100×100×256, 3×3 conv to 256, with and without a 1×1 to 64", (), {}, expected)]


def _compare_cost(got, expected):
    try:
        return all(got[name]["time"] == expected[name]["time"] and got[name]["space"] in (
            expected[name]["space"], expected[name]["space_with_weights"])
            for name in ("plain", "bottleneck"))
    except (TypeError, KeyError, IndexError):
        return False


def _cost_convention(got, expected):
    with_weights = got["plain"]["space"] == expected["plain"]["space_with_weights"]
    return ("space counted with the weights (parameters + activations)" if with_weights
            else "space counted as the activations only, without the weights")


def _diagnose_cost(label, args, kwargs, got, expected):
    try:
        for name in ("plain", "bottleneck"):
            time, space = got[name]["time"], got[name]["space"]
            right = expected[name]["time"]
            if time != right:
                if name == "bottleneck" and time == 1_474_560_000:
                    return "bottleneck time: add the 1×1 layer's 100²·1²·256·64 = 163,840,000"
                for factor, why in ((256, "C_in"), (9, "K² = 9"), (64, "C_in = 64")):
                    if time * factor == right:
                        return f"{name} time: each output sums K²·C_in products — multiply by {why}"
                return f"{name} time: MACs = M²·K²·C_in·C_out per layer, summed over the layers"
            if space not in (expected[name]["space"], expected[name]["space_with_weights"]):
                if name == "bottleneck" and space in (2_560_000, 2_560_000 + 163_840):
                    return "bottleneck space: the 1×1 layer's 100×100×64 output is stored too"
                return f"{name} space: count the output activations M²·C_out of every layer " \
                       "(with or without the weights K²·C_in·C_out: two conventions, both accepted)"
    except (TypeError, KeyError, IndexError):
        pass
    return 'answer {"plain": {"time": …, "space": …}, "bottleneck": {"time": …, "space": …}}'


CONV_EXERCISES = [
    Exercise("conv_backward_input", "notes: write it", "δ back through a convolution layer",
             "Return ∂L/∂a^{l-1} (C_in, H, W) of z = conv2d(a, W, stride, padding) given "
             "δ^l (C_out, H_out, W_out) and W (C_out, C_in, K, K), with NumPy only. The input "
             "size is (H_out − 1)·S + K − 2P. Rule: insert S−1 zeros between the entries of δ, "
             "pad with K−1, cross-correlate with rot180(W), sum over filters p, crop P.",
             signature="conv_backward_input(delta, weight, stride=1, padding=0)",
             make_cases=_input_cases, diagnose=_diagnose_input),
    Exercise("conv_backward_weight", "notes: write it", "the kernel gradient of a convolution",
             "Return ∂L/∂W (C_out, C_in, K, K) of z = conv2d(a, W, stride, padding) given the "
             "input a (C_in, H, W) and δ^l (C_out, H_out, W_out). Rule: ∂L/∂W^(p,d) = "
             "pad_P(a^(d)) ⊗ δ^(p), δ with S−1 zeros inserted for a stride S.",
             signature="conv_backward_weight(a, delta, kernel_size, stride=1, padding=0)",
             make_cases=_weight_cases, diagnose=_diagnose_weight),
    Exercise("conv_matrix_5_5", "exercise 5-5", "a convolution as a 4×9 matrix",
             "For W = [[1, 2], [3, 4]] (w11 w12 / w21 w22) on a 3×3 input X, give the matrix M "
             "with z = M · vec(X), vec unrolling X row by row, as a NumPy array.",
             answer="value", make_cases=_matrix_cases, diagnose=_diagnose_matrix),
    Exercise("wide_conv_5_2", "exercise 5-2", "the wide (full) true convolution",
             "Return the wide convolution a ∗̃ b (2-D arrays; the kernel b flipped, U−1 and V−1 "
             "zeros of padding), shape (M+U−1, N+V−1). Then convince yourself it commutes.",
             signature="wide_conv(a, b)", make_cases=_wide_cases, diagnose=_diagnose_wide),
    Exercise("conv_output_size", "chapter §5.1", "the output size of a convolution",
             "Return the output length of a convolution along one axis (an int).",
             signature="output_size(size, kernel_size, stride=1, padding=0, dilation=1)",
             make_cases=_size_cases, diagnose=_diagnose_size),
    Exercise("same_padding_5_8", "exercise 5-8", "the padding that keeps the size (dilated)",
             "Return the padding P (each side) that keeps the size of a stride-1 convolution "
             "with a K×K kernel dilated by D; (K−1)·D is even in every case.",
             signature="same_padding(kernel_size, dilation)", make_cases=_padding_cases,
             diagnose=_diagnose_padding),
    Exercise("cost_5_4", "exercise 5-4", "time and space of a conv layer and a 1×1 bottleneck",
             "Input 100×100×256; a 3×3 conv to 256 channels with same padding ('plain'), and "
             "the same after a 1×1 conv to 64 channels ('bottleneck'); no biases. Give "
             '{"plain": {"time": MACs, "space": …}, "bottleneck": {…}}. Space counts the '
             "output activations, with or without the weights (both conventions are accepted; "
             "the message says which you used).",
             answer="value", make_cases=_cost_cases, diagnose=_diagnose_cost,
             compare=_compare_cost, praise=_cost_convention),
]
