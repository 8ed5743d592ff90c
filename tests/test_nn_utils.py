"""nn.utils: gradient clipping (norm and value) and the parameter vector, by
hand and against PyTorch."""
import math

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn

from loss_testing import torch_or_skip


def parameters_with_grads(module, grads):
    params = [module.nn.Parameter(module.tensor(np.zeros_like(g))) for g in grads]
    for p, g in zip(params, grads):
        p.grad = module.tensor(g)
    return params


def test_clip_grad_norm_by_hand_keeps_the_direction():
    # ‖(3, 4)‖ = 5 and ‖(0, 12)‖ = 12: the total is 13, every gradient scaled by 1/13
    params = parameters_with_grads(tg, [np.array([3.0, 4.0]), np.array([0.0, 12.0])])
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(13.0)
    np.testing.assert_allclose(params[0].grad.numpy(), np.array([3.0, 4.0]) / (13 + 1e-6),
                               rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.numpy(), np.array([0.0, 12.0]) / (13 + 1e-6),
                               rtol=1e-6)
    small = parameters_with_grads(tg, [np.array([0.3, 0.4])])
    assert nn.utils.clip_grad_norm_(small, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(small[0].grad.numpy(), [0.3, 0.4], rtol=1e-6)   # under: kept


def test_clip_grad_norm_options_and_edges():
    params = parameters_with_grads(tg, [np.array([3.0, -4.0])])
    assert nn.utils.clip_grad_norm_(params, 10.0, norm_type=math.inf).item() == 4.0
    assert nn.utils.clip_grad_norm_(params, 10.0, norm_type=1).item() == pytest.approx(7.0)
    no_grad = nn.Parameter(tg.ones(2))
    assert nn.utils.clip_grad_norm_([no_grad], 1.0).item() == 0.0 and no_grad.grad is None
    bad = parameters_with_grads(tg, [np.array([np.inf, 1.0])])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm .* non-finite"):
        nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    one = nn.Parameter(tg.ones(2))
    one.grad = tg.tensor([6.0, 8.0])
    nn.utils.clip_grad_norm_(one, 5.0)                       # a single tensor works too
    np.testing.assert_allclose(one.grad.numpy(), [3.0, 4.0], rtol=1e-6)


def test_clip_grad_value_and_the_parameter_vector():
    params = parameters_with_grads(tg, [np.array([3.0, -40.0, 0.5])])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.numpy(), [1.0, -1.0, 0.5])
    a, b = nn.Parameter(tg.tensor([1.0, 2.0])), nn.Parameter(tg.tensor([[3.0], [4.0]]))
    vector = nn.utils.parameters_to_vector([a, b])
    np.testing.assert_array_equal(vector.numpy(), [1, 2, 3, 4])
    nn.utils.vector_to_parameters(vector * 10, [a, b])
    np.testing.assert_array_equal(b.numpy(), [[30], [40]])
    with pytest.raises(ValueError, match="expected a vector of 4 entries"):
        nn.utils.vector_to_parameters(tg.ones(3), [a, b])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clipping_matches_pytorch(norm_type):
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)).astype(np.float32) * 5,
             rng.standard_normal(7).astype(np.float32)]
    ours, theirs = parameters_with_grads(tg, grads), parameters_with_grads(torch, grads)
    total = nn.utils.clip_grad_norm_(ours, 2.0, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 2.0, norm_type=norm_type)
    assert total.dtype == tg.float32
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
    ours, theirs = parameters_with_grads(tg, grads), parameters_with_grads(torch, grads)
    nn.utils.clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
