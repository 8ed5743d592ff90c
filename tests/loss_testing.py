"""Helpers shared by the loss tests: PyTorch as the oracle, float64 leaves,
and a comparison of values, dtypes and gradients."""
import numpy as np
import pytest

import tinygrad_cnn as tg


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is the parity oracle: "
                                               "pip install torch==2.13.0")


def leaf(array, dtype=np.float64):
    return tg.tensor(np.asarray(array, dtype=dtype), requires_grad=True)


def compare(ours, theirs, arrays, requires_grad=None, tolerance=None, seed=0):
    """Run ``ours`` and ``theirs`` on the same arrays; compare output values and
    dtypes, then the gradient of every input that requires grad under a random δ."""
    torch = torch_or_skip()
    requires_grad = requires_grad or [True] * len(arrays)
    dtype = arrays[0].dtype
    tolerance = tolerance or (dict(rtol=1e-9, atol=1e-11) if dtype == np.float64
                              else dict(rtol=1e-5, atol=1e-6))
    mine = [tg.tensor(a, requires_grad=r) for a, r in zip(arrays, requires_grad)]
    other = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, requires_grad)]
    y, z = ours(*mine), theirs(*other)
    assert y.dtype.name == str(z.dtype).replace("torch.", "")
    assert y.shape == tuple(z.shape)
    np.testing.assert_allclose(y.numpy(), z.detach().numpy(), **tolerance)
    delta = np.asarray(np.random.default_rng(seed).standard_normal(y.shape)).astype(y.dtype)
    y.backward(delta)
    z.backward(torch.tensor(delta))
    for m, o, r in zip(mine, other, requires_grad):
        if r:
            assert m.grad.dtype == m.dtype
            np.testing.assert_allclose(m.grad.numpy(), o.grad.numpy(), **tolerance)
    return y
