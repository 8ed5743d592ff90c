"""Differential fuzz against PyTorch, float64: every op family's forward value
and the gradient of every input, over Hypothesis-drawn shapes and arguments.

Families: convolution, transposed convolution, max pooling with ties and
non-finite values, average pooling, losses with extreme logits, broadcasting
arithmetic, reductions, indexing, in-place chains. Deterministic
(``derandomize=True``); ``FUZZ_EXAMPLES`` scales the number of cases.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
import tinygrad_cnn.nn.functional as F

from . import scaled

torch = pytest.importorskip("torch", reason="the differential fuzz compares against PyTorch")
TF = torch.nn.functional


def fuzz(count):
    return settings(max_examples=scaled(count), derandomize=True, deadline=None,
                    suppress_health_check=list(HealthCheck), database=None)


def both(*arrays):
    """Each array as a float64 leaf in both frameworks."""
    ours = [tg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    return ours, theirs


def compare(our_out, their_out, ours, theirs, rtol=1e-9, atol=1e-9, seed=0):
    """Same output; then, after backward of a random weighting, the same grads."""
    np.testing.assert_allclose(our_out.numpy(), their_out.detach().numpy(), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg="forward")
    weights = np.random.default_rng(seed).standard_normal(their_out.shape)
    with np.errstate(invalid="ignore"):                # inf − inf in the weighted sum is fine
        (our_out * tg.tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            continue
        assert a.grad is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=f"gradient of input {i}")


def normal(rng, *shape):
    return rng.standard_normal(shape)


@fuzz(30)
@given(st.data())
def test_conv2d(data):
    groups = data.draw(st.sampled_from([1, 1, 2]))
    c_in = groups * data.draw(st.integers(1, 3))
    c_out = groups * data.draw(st.integers(1, 3))
    k = data.draw(st.integers(1, 3))
    stride, dilation = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    padding = data.draw(st.integers(0, (k - 1) * dilation))
    size = data.draw(st.integers(1, 8))
    n = data.draw(st.integers(0, 3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x, w, b = normal(rng, n, c_in, size, size + 1), normal(rng, c_out, c_in // groups, k, k), \
        normal(rng, c_out)
    if (size + 2 * padding - (k - 1) * dilation - 1) < 0:
        return
    ours, theirs = both(x, w, b)
    compare(F.conv2d(*ours, stride=stride, padding=padding, dilation=dilation, groups=groups),
            TF.conv2d(*theirs, stride=stride, padding=padding, dilation=dilation, groups=groups),
            ours, theirs)


@fuzz(25)
@given(st.data())
def test_conv_transpose2d(data):
    groups = data.draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    k, stride = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    dilation = data.draw(st.integers(1, 2))
    padding = data.draw(st.integers(0, (k - 1) * dilation))
    output_padding = data.draw(st.integers(0, max(stride, dilation) - 1))
    size = data.draw(st.integers(1, 5))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x, w, b = normal(rng, 2, c_in, size, size), normal(rng, c_in, c_out // groups, k, k), \
        normal(rng, c_out)
    out_size = (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
    if out_size < 1:
        return
    ours, theirs = both(x, w, b)
    options = dict(stride=stride, padding=padding, output_padding=output_padding,
                   groups=groups, dilation=dilation)
    compare(F.conv_transpose2d(*ours, **options), TF.conv_transpose2d(*theirs, **options),
            ours, theirs)


@fuzz(40)
@given(st.data())
def test_max_pool2d_with_ties_and_non_finite_values(data):
    k = data.draw(st.integers(1, 3))
    stride = data.draw(st.integers(1, 3))
    padding = data.draw(st.integers(0, k // 2))
    size = data.draw(st.integers(k, 7))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.integers(-2, 3, (2, 2, size, size)).astype(np.float64)       # many ties
    specials = data.draw(st.sampled_from(["none", "nan", "-inf", "inf"]))
    if specials != "none":
        mask = rng.random(x.shape) < 0.2
        x[mask] = float(specials)
    ours, theirs = both(x)
    compare(F.max_pool2d(ours[0], k, stride, padding), TF.max_pool2d(theirs[0], k, stride, padding),
            ours, theirs)


@fuzz(30)
@given(st.data())
def test_avg_pool2d(data):
    k = data.draw(st.integers(1, 3))
    stride = data.draw(st.integers(1, 3))
    padding = data.draw(st.integers(0, k // 2))
    size = data.draw(st.integers(k, 7))
    include_pad = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    ours, theirs = both(normal(rng, 2, 3, size, size + 2))
    compare(F.avg_pool2d(ours[0], k, stride, padding, count_include_pad=include_pad),
            TF.avg_pool2d(theirs[0], k, stride, padding, count_include_pad=include_pad),
            ours, theirs)


@fuzz(40)
@given(st.data())
def test_cross_entropy_with_extreme_logits(data):
    n, classes = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 6))
    scale = data.draw(st.sampled_from([1.0, 1e2, 1e4]))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    logits = normal(rng, n, classes) * scale
    target = rng.integers(0, classes, n)
    ours, theirs = both(logits, target)
    our_loss = F.cross_entropy(ours[0], ours[1], reduction=reduction)
    their_loss = TF.cross_entropy(theirs[0], theirs[1], reduction=reduction)
    assert np.all(np.isfinite(our_loss.numpy()))
    compare(our_loss, their_loss, ours[:1], theirs[:1], rtol=1e-8, atol=1e-8)


def broadcastable_shapes():
    base = st.lists(st.integers(1, 4), min_size=0, max_size=3)
    return base.flatmap(lambda shape: st.tuples(
        st.just(tuple(shape)),
        st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)),
        st.integers(0, len(shape))))


@fuzz(60)
@given(broadcastable_shapes(), st.sampled_from(["add", "sub", "mul", "div", "pow", "maximum"]),
       st.integers(0, 2**16))
def test_broadcasting_arithmetic(shapes, op, seed):
    shape, ones, drop = shapes
    other = tuple(1 if one else s for s, one in zip(shape, ones))[drop:]
    rng = np.random.default_rng(seed)
    a, b = normal(rng, *shape), normal(rng, *other)
    if op == "pow":
        a = np.abs(a) + 0.5
    if op == "div":
        b = np.where(np.abs(b) < 0.1, 0.5, b)
    ours, theirs = both(a, b)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: x ** y}
    our_fn = fn.get(op, tg.maximum)
    their_fn = fn.get(op, torch.maximum)
    compare(our_fn(*ours), their_fn(*theirs), ours, theirs)


@fuzz(50)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_reductions(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.integers(-3, 4, shape).astype(np.float64) if data.draw(st.booleans()) \
        else normal(rng, *shape)                                      # ties or not
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    op = data.draw(st.sampled_from(["sum", "mean", "amax", "max_dim", "sum_all"]))
    ours, theirs = both(x)
    if op == "max_dim":
        our_out, their_out = ours[0].max(dim, keepdim)[0], theirs[0].max(dim, keepdim)[0]
        np.testing.assert_array_equal(ours[0].max(dim, keepdim)[1].numpy(),
                                      theirs[0].max(dim, keepdim)[1].numpy())
    elif op == "sum_all":
        our_out, their_out = ours[0].sum(), theirs[0].sum()
    else:
        our_out = getattr(ours[0], op)(dim, keepdim=keepdim)
        their_out = getattr(theirs[0], op)(dim, keepdim=keepdim)
    compare(our_out, their_out, ours, theirs)


@fuzz(50)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.data())
def test_basic_and_integer_indexing(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    index = []
    for size in shape:
        kind = data.draw(st.sampled_from(["slice", "int", "all"]))
        if kind == "slice":
            start = data.draw(st.integers(-size, size))
            stop = data.draw(st.integers(-size, size))
            index.append(slice(start, stop, data.draw(st.integers(1, 2))))
        elif kind == "int":
            index.append(data.draw(st.integers(-size, size - 1)))
        else:
            index.append(slice(None))
    if data.draw(st.booleans()):                   # one integer-array index, maybe repeated
        axis = data.draw(st.integers(0, len(shape) - 1))
        index[axis] = rng.integers(0, shape[axis], data.draw(st.integers(1, 4)))
    index = tuple(index)
    ours, theirs = both(normal(rng, *shape))
    torch_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    compare(ours[0][index] * 1.0, theirs[0][torch_index] * 1.0, ours, theirs)


@fuzz(40)
@given(st.lists(st.sampled_from(["add_", "mul_", "sub_", "div_", "clamp_", "relu_", "neg_",
                                 "setitem"]), min_size=1, max_size=5),
       st.integers(0, 2**16))
def test_in_place_chains_give_pytorchs_gradients(steps, seed):
    rng = np.random.default_rng(seed)
    x, y = normal(rng, 3, 4), normal(rng, 3, 4)
    ours, theirs = both(x, y)
    results = []
    for lib, (a, b) in (("ours", ours), ("theirs", theirs)):
        h = a * 1.5                                     # a non-leaf the in-place ops may change
        for i, step in enumerate(steps):
            if step == "setitem":
                h[i % 3] = b[(i + 1) % 3] * 2.0
            elif step == "clamp_":
                h.clamp_(-0.5, 0.8)
            elif step in ("relu_", "neg_"):
                getattr(h, step)()
            elif step == "div_":
                h.div_(b * b + 1.0)
            else:
                getattr(h, step)(b)
        results.append(h)
    try:                     # PyTorch refuses some chains its saved outputs cannot survive
        results[1].sum().backward(retain_graph=True)
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        reject()             # ours keeps the values it needs (see the README's differences)
    for t in theirs:
        t.grad = None
    compare(results[0], results[1], ours, theirs)
