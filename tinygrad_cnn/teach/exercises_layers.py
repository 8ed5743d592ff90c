"""The exercises on the other layers: max and average pooling, LeNet-5's S2, the
fully connected layer, softmax with cross-entropy.

Expected values and the facts the hints rest on come from the engine: how many
windows chose each input (max pooling's backward of δ = ones), which windows
overlap (average pooling's), the S2 layer as ``4β·avg_pool2d(a) + b``.
"""
import numpy as np

import tinygrad_cnn as tg
from ..nn import functional as F
from .exercises import Exercise, _as_array, first_wrong_entry

RNG_SEED = 11


def _same(got, expected):
    got = _as_array(got)
    return isinstance(got, np.ndarray) and got.shape == np.shape(expected) and \
        bool(np.allclose(got, expected, rtol=1e-6, atol=1e-8))


def engine_pool_grad(kind, a, delta, kernel_size, stride):
    a_t = tg.tensor(a[None], requires_grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    pool(a_t, kernel_size, stride=stride).backward(tg.tensor(delta[None]))
    return a_t.grad.numpy()[0]


def _wrong_where(got, expected):
    return ~np.isclose(_as_array(got), expected, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------- max pooling
def _max_cases():
    rng = np.random.default_rng(RNG_SEED)
    cases = []
    chapter_a = np.array([[[9.0, 1, 2, 3], [1, 1, 3, 9], [1, 9, 1, 1], [1, 1, 9, 1]]])
    chapter_delta = np.array([[[2.0, 8.0], [4.0, 6.0]]])
    cases.append(("the chapter's δ = [[2, 8], [4, 6]]", (chapter_a, chapter_delta, 2), {},
                  engine_pool_grad("max", chapter_a, chapter_delta, 2, 2)))
    ties = np.array([[[5.0, 5.0, 1.0, 2.0], [0.0, 5.0, 2.0, 2.0],
                      [3.0, 1.0, 7.0, 0.0], [1.0, 3.0, 0.0, 7.0]]])
    tie_delta = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    cases.append(("ties: several equal maxima in a window", (ties, tie_delta, 2), {},
                  engine_pool_grad("max", ties, tie_delta, 2, 2)))
    for label, channels, size, kernel, stride in [("2 channels", 2, 4, 2, 2),
                                                  ("overlapping 2×2 windows, stride 1", 1, 4, 2, 1),
                                                  ("3×3 windows, stride 2", 1, 5, 3, 2)]:
        a = rng.permutation(channels * size * size).reshape(channels, size, size).astype(float)
        out = (size - kernel) // stride + 1
        delta = rng.integers(1, 6, (channels, out, out)).astype(np.float64)
        kwargs = {} if stride == kernel else {"stride": stride}
        cases.append((label, (a, delta, kernel), kwargs,
                      engine_pool_grad("max", a, delta, kernel, stride)))
    return cases


def _diagnose_max(label, args, kwargs, got, expected):
    a, delta, kernel = args
    stride = kwargs.get("stride", kernel)
    if np.shape(got) != expected.shape:
        return first_wrong_entry(got, expected)
    if _same(got, engine_pool_grad("avg", a, delta, kernel, stride)):
        return "that is average pooling's backward: max pooling sends δ only to the maximum"
    chosen = engine_pool_grad("max", a, np.ones_like(delta), kernel, stride)   # windows per cell
    wrong = _wrong_where(got, expected)
    if label.startswith("ties") and np.any(wrong & (chosen == 0)):
        return "on ties the forward recorded one position, the first maximum in row-major " \
               "order: send δ only there, not to every (or the last) equal maximum"
    if np.all(chosen[wrong] > 1):
        return "overlapping windows: an input that is the maximum of several windows receives " \
               "the sum of their δs (add, don't overwrite)"
    return first_wrong_entry(got, expected)


# ----------------------------------------------------------------------------- average pooling
def _avg_cases():
    rng = np.random.default_rng(RNG_SEED + 1)
    cases = []
    for label, channels, out, kernel, stride in [("the chapter's δ = [[2, 8], [4, 6]]", 1, 2, 2, 2),
                                                 ("3×3 windows", 1, 2, 3, 3),
                                                 ("2 channels", 2, 3, 2, 2),
                                                 ("overlapping 2×2 windows, stride 1", 1, 3, 2, 1)]:
        delta = np.array([[[2.0, 8.0], [4.0, 6.0]]]) if label.startswith("the chapter") else \
            rng.integers(-4, 5, (channels, out, out)).astype(np.float64)
        size = (out - 1) * stride + kernel
        a = np.zeros((channels, size, size))
        kwargs = {} if stride == kernel else {"stride": stride}
        cases.append((label, (delta, kernel), kwargs,
                      engine_pool_grad("avg", a, delta, kernel, stride)))
    return cases


def _diagnose_avg(label, args, kwargs, got, expected):
    delta, kernel = args
    got = _as_array(got)
    if np.shape(got) != expected.shape:
        return first_wrong_entry(got, expected)
    if _same(got / kernel ** 2, expected):
        return f"divide by the window's k·k = {kernel * kernel}: δ/k² to every position"
    if _same(got / kernel, expected):
        return f"divide by k² = {kernel * kernel}, not by k = {kernel}"
    stride = kwargs.get("stride", kernel)
    size = expected.shape[1:]
    windows = engine_pool_grad("avg", np.zeros((1,) + size), np.ones((1,) + delta.shape[1:]),
                               kernel, stride)[0] * kernel ** 2         # windows per cell
    if np.all(windows[_wrong_where(got, expected).any(axis=0)] > 1):
        return "overlapping windows: a position inside several windows receives the sum of " \
               "their δ/k² (add, don't overwrite)"
    return first_wrong_entry(got, expected)


# ----------------------------------------------------------------------------- S2
def engine_subsample(a, delta, beta, bias=None):
    """(∂L/∂a, ∂L/∂β, ∂L/∂b) of S = β·down(a) + b, as 4β·avg_pool2d(a) + b in the engine."""
    channels = a.shape[0]
    a_t = tg.tensor(a[None], requires_grad=True)
    beta_t = tg.tensor(beta, requires_grad=True)
    bias_t = tg.tensor(np.zeros(channels) if bias is None else bias, requires_grad=True)
    s = F.avg_pool2d(a_t, 2) * 4.0 * beta_t.reshape(1, channels, 1, 1) \
        + bias_t.reshape(1, channels, 1, 1)
    s.backward(tg.tensor(delta[None]))
    return a_t.grad.numpy()[0], beta_t.grad.numpy(), bias_t.grad.numpy()


def _subsample_cases():
    rng = np.random.default_rng(RNG_SEED + 2)
    cases = []
    for label, channels, size in [("one map, 4×4", 1, 4), ("three maps, 6×4", 3, 6)]:
        a = rng.integers(-3, 4, (channels, size, 4)).astype(np.float64)
        delta = rng.integers(-3, 4, (channels, size // 2, 2)).astype(np.float64)
        beta = rng.integers(1, 4, channels).astype(np.float64) * 0.5
        cases.append((label, (a, delta, beta), {}, engine_subsample(a, delta, beta)))
    return cases


def _diagnose_subsample(label, args, kwargs, got, expected):
    a, delta, beta = args
    if not isinstance(got, tuple) or len(got) != 3:
        return "return a tuple (grad_a, grad_beta, grad_bias)"
    grad_a, grad_beta, grad_bias = (_as_array(g) for g in got)
    if not _same(grad_a, expected[0]):
        if _same(grad_a, engine_subsample(a, delta, np.ones_like(beta))[0]):
            return "∂L/∂a = β·up(δ): multiply up(δ) by the map's β"
        return "∂L/∂a: " + first_wrong_entry(grad_a, expected[0])
    if not _same(grad_beta, expected[1]):
        if _same(np.asarray(grad_beta) * 4, expected[1]):
            return "down(a) sums each 2×2 window, it does not average it: J_β = Σ δ ⊙ down(a)"
        return "J_β = Σ δ_i ⊙ down(a_i), one number per map: " + \
            first_wrong_entry(grad_beta, expected[1])
    return "J_b = Σ δ_i, one number per map: " + first_wrong_entry(grad_bias, expected[2])


# ----------------------------------------------------------------------------- fully connected
def engine_linear(a, weight, delta):
    a_t = tg.tensor(a[None], requires_grad=True)
    w_t = tg.tensor(weight, requires_grad=True)
    b_t = tg.tensor(np.zeros(weight.shape[0]), requires_grad=True)
    F.linear(a_t, w_t, b_t).backward(tg.tensor(delta[None]))
    return a_t.grad.numpy()[0], w_t.grad.numpy(), b_t.grad.numpy()


def _linear_cases():
    rng = np.random.default_rng(RNG_SEED + 3)
    cases = []
    for label, n_in, n_out in [("3 inputs, 2 outputs", 3, 2), ("square 3×3", 3, 3),
                               ("5 inputs, 4 outputs", 5, 4)]:
        a = rng.integers(-3, 4, n_in).astype(np.float64)
        weight = rng.integers(-3, 4, (n_out, n_in)).astype(np.float64)
        delta = rng.integers(-3, 4, n_out).astype(np.float64)
        cases.append((label, (a, weight, delta), {}, engine_linear(a, weight, delta)))
    return cases


def _diagnose_linear(label, args, kwargs, got, expected):
    a, weight, delta = args
    if not isinstance(got, tuple) or len(got) != 3:
        return "return a tuple (grad_a, grad_weight, grad_bias)"
    grad_a, grad_weight, grad_bias = (_as_array(g) for g in got)
    if not _same(grad_a, expected[0]):
        if weight.shape[0] == weight.shape[1] and _same(grad_a, weight @ delta):
            return "∂L/∂a = Wᵀ δ: transpose W (you used W δ)"
        return "∂L/∂a = Wᵀ δ: " + first_wrong_entry(grad_a, expected[0])
    if not _same(grad_weight, expected[1]):
        if _same(np.asarray(grad_weight).T, expected[1]):
            return "∂L/∂W = δ aᵀ has W's shape (out, in): yours is transposed (a δᵀ)"
        return "∂L/∂W = δ aᵀ: " + first_wrong_entry(grad_weight, expected[1])
    return "∂L/∂b = δ: " + first_wrong_entry(grad_bias, expected[2])


# ----------------------------------------------------------------------------- softmax + CE
def engine_cross_entropy_delta(logits, target):
    z_t = tg.tensor(logits, requires_grad=True)
    F.cross_entropy(z_t, tg.tensor(target)).backward()
    return z_t.grad.numpy()


def _ce_cases():
    rng = np.random.default_rng(RNG_SEED + 4)
    cases = []
    for label, logits, target in [
            ("one sample", np.array([[1.0, 2.0, 3.0]]), np.array([0])),
            ("a batch of 4", rng.normal(size=(4, 5)), rng.integers(0, 5, 4)),
            ("large logits ±1000", np.array([[1000.0, -1000.0, 0.0], [0.0, 999.0, 1000.0]]),
             np.array([1, 2]))]:
        cases.append((label, (logits, target), {}, engine_cross_entropy_delta(logits, target)))
    return cases


def _diagnose_ce(label, args, kwargs, got, expected):
    logits, target = args
    got = _as_array(got)
    count = logits.shape[0]
    if not isinstance(got, np.ndarray) or got.shape != expected.shape:
        return first_wrong_entry(got, expected)
    if np.any(~np.isfinite(got)):
        return "exp overflowed: subtract each row's maximum before exp (softmax is unchanged)"
    onehot = np.eye(logits.shape[1])[target]
    if any(_same(got, value) for value in (logits, logits - onehot, (logits - onehot) / count)):
        return "δ = softmax(z) − onehot(y): did you apply the softmax?"
    if _same(-got, expected):
        return "the sign: δ = softmax(z) − onehot(y), not onehot − softmax"
    if count > 1 and _same(got / count, expected):
        return f"the loss is the mean over the batch: divide δ by N = {count}"
    return first_wrong_entry(got, expected)


LAYER_EXERCISES = [
    Exercise("max_pool_backward", "notes: write it", "δ back through max pooling",
             "Return ∂L/∂a (C, H, W) of max_pool2d(a, kernel_size, stride) given a (C, H, W) and "
             "δ (C, H_out, W_out); stride defaults to kernel_size. On ties the forward "
             "recorded the first maximum in row-major order.",
             signature="max_pool_backward(a, delta, kernel_size, stride=None)",
             make_cases=_max_cases, diagnose=_diagnose_max),
    Exercise("avg_pool_backward", "notes: write it", "δ back through average pooling",
             "Return ∂L/∂a (C, H, W) of avg_pool2d with kernel_size and stride (default "
             "kernel_size) given δ (C, H_out, W_out); H = (H_out − 1)·S + k.",
             signature="avg_pool_backward(delta, kernel_size, stride=None)",
             make_cases=_avg_cases, diagnose=_diagnose_avg),
    Exercise("subsample_backward", "LeNet-5, S2", "δ back through trainable subsampling",
             "S_i = β_i·down(a_i) + b_i, down summing each 2×2 window (stride 2). Given a "
             "(C, H, W), δ (C, H/2, W/2) and β (C,), return (∂L/∂a, ∂L/∂β, ∂L/∂b).",
             signature="subsample_backward(a, delta, beta)",
             make_cases=_subsample_cases, diagnose=_diagnose_subsample),
    Exercise("linear_backward", "notes: write it", "δ back through a fully connected layer",
             "z = W a + b. Given a (in,), W (out, in) and δ (out,), return "
             "(∂L/∂a, ∂L/∂W, ∂L/∂b).",
             signature="linear_backward(a, weight, delta)",
             make_cases=_linear_cases, diagnose=_diagnose_linear),
    Exercise("softmax_cross_entropy_delta", "notes: write it", "δ of softmax + cross-entropy",
             "Return δ = ∂L/∂z (N, C) of L = mean_n −log softmax(z_n)[y_n], given logits "
             "(N, C) and target (N,) class indices.",
             signature="softmax_cross_entropy_delta(logits, target)",
             make_cases=_ce_cases, diagnose=_diagnose_ce),
]
