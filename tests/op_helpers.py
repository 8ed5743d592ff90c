"""Run one op in tinygrad_cnn and in PyTorch and compare what comes out.

An op is written once, for both frameworks: ``lambda lib, x, y: lib.atan2(x, y)``
gets ``lib = tinygrad_cnn`` with our tensors and ``lib = torch`` with torch's.

* `check_op` compares the outputs (values, shapes, dtypes; a tuple of outputs
  entry by entry) and then the gradient of every floating-point input, from one
  backward of Σ R ⊙ output with a fixed random R (so a swapped or mis-summed δ
  cannot pass by symmetry);
* `check_error` checks that we reject what PyTorch rejects, with an exception
  of PyTorch's type whose message names the op.
"""
import numpy as np
import pytest

import tinygrad_cnn as tg

#: tolerances per dtype: float64 tight, float32 PyTorch's own (``assert_close``)
TOLERANCES = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1.3e-6, atol=1e-5)}


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch comparison needs torch")


def random_array(shape, seed=0, dtype="float64", low=None, high=None):
    """Standard normal values (or uniform in [low, high]) of ``shape``."""
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, high, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _outputs(result):
    """A result as a list of tensors (a named tuple, tuple or list is unpacked)."""
    if isinstance(result, (tuple, list)):
        return [r for part in result for r in _outputs(part)]
    return [result]


def _both(arrays, grad):
    torch = torch_or_skip()
    ours, theirs = [], []
    for array in arrays:
        if not isinstance(array, np.ndarray):          # a number or a setting: pass as it is
            ours.append(array)
            theirs.append(array)
            continue
        needs = grad and array.dtype.kind == "f"
        ours.append(tg.tensor(array.copy(), requires_grad=needs))
        theirs.append(torch.tensor(array.copy(), requires_grad=needs))
    return ours, theirs


def assert_same(ours, theirs, rtol, atol, what="output"):
    """One of our tensors (or Python values) equals torch's: shape, dtype, values."""
    torch = torch_or_skip()
    if not isinstance(theirs, torch.Tensor):
        assert not isinstance(ours, tg.Tensor), f"{what}: torch gives a {type(theirs)}"
        if isinstance(theirs, float):
            np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
        else:
            assert ours == theirs, f"{what}: {ours!r} != {theirs!r}"
        return
    assert isinstance(ours, tg.Tensor), f"{what}: expected a Tensor, got {type(ours)}"
    expected = theirs.detach().numpy(force=True)
    assert ours.shape == tuple(theirs.shape), f"{what}: shape {ours.shape} != {tuple(theirs.shape)}"
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1], \
        f"{what}: dtype {ours.dtype} != {theirs.dtype}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(ours.numpy(), expected, err_msg=what)
    else:
        np.testing.assert_allclose(ours.numpy(), expected, rtol=rtol, atol=atol, err_msg=what)


def check_op(op, *arrays, grad=True, dtype=None, seed=1):
    """``op(lib, *tensors)`` gives the same outputs in both frameworks and, when
    ``grad``, the same gradient for every float input. Returns our result."""
    torch = torch_or_skip()
    floats = [a.dtype.name for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    tolerance = TOLERANCES[dtype or (floats[0] if floats else "float64")]
    ours_in, theirs_in = _both(arrays, grad)
    ours, theirs = op(tg, *ours_in), op(torch, *theirs_in)
    ours_out, theirs_out = _outputs(ours), _outputs(theirs)
    assert len(ours_out) == len(theirs_out), f"{len(ours_out)} outputs != {len(theirs_out)}"
    for i, (o, t) in enumerate(zip(ours_out, theirs_out)):
        assert_same(o, t, what=f"output {i}", **_tolerance_of(t, tolerance))
    if not grad:
        return ours
    rng = np.random.default_rng(seed)
    loss_ours, loss_theirs = 0, 0
    for o, t in zip(ours_out, theirs_out):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert o.requires_grad, "torch's output requires grad, ours does not"
            weight = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
            loss_ours = loss_ours + (o * tg.tensor(weight)).sum()
            loss_theirs = loss_theirs + (t * torch.tensor(weight)).sum()
    if isinstance(loss_theirs, int):
        return ours
    loss_ours.backward()
    loss_theirs.backward()
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        if not isinstance(t, torch.Tensor) or not t.requires_grad:
            continue
        if t.grad is None or o.grad is None:           # unused input: none, or zeros, each side
            present = t.grad if t.grad is not None else o.grad
            assert present is None or not np.any(np.asarray(present)), f"grad of input {i}"
            continue
        assert_same(o.grad, t.grad, what=f"grad of input {i}", **_tolerance_of(t.grad, tolerance))
    return ours


def _tolerance_of(value, default):
    """float32 results get float32's tolerance even when the inputs were integers."""
    return TOLERANCES["float32"] if "float32" in str(getattr(value, "dtype", "")) else default


def check_error(op, *arrays, name=None):
    """PyTorch rejects ``op(lib, *tensors)``; we reject it with an exception of
    the same type whose message names ``name`` (the op)."""
    torch = torch_or_skip()
    ours_in, theirs_in = _both(arrays, grad=False)
    with pytest.raises(Exception) as theirs:
        op(torch, *theirs_in)
    with pytest.raises(Exception) as ours:
        op(tg, *ours_in)
    assert isinstance(ours.value, type(theirs.value)), (
        f"torch raises {type(theirs.value).__name__} ({theirs.value}), we raise "
        f"{type(ours.value).__name__} ({ours.value})")
    if name is not None:
        assert name in str(ours.value), f"the message does not name {name!r}: {ours.value}"
    return ours.value
