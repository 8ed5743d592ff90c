"""Tensor basics as the first pages of PyTorch's tutorials show them: making
tensors, shapes and views, indexing, arithmetic, the NumPy bridge,
reductions, and moving between dtypes.

Run: python tests/compat/tensor_basics.py torch   (or tinygrad_cnn)

Shapes are printed as lists: PyTorch's torch.Size and tinygrad_cnn's tuple
print differently but hold the same numbers.
"""
import importlib
import sys

import numpy as np

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")
F = torch.nn.functional

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(x_data, x_np.dtype, x_ones, list(x_rand.shape), x_rand.dtype)

shape = (2, 3,)
print(torch.ones(shape), torch.zeros(shape).dtype, list(torch.rand(shape).shape))

x = torch.arange(12.0).reshape(3, 4)
print(list(x.size()), x.size(0), x.shape[1], x.dim(), x.numel(), x.dtype, x.device)
print(list(x.view(-1, 6).shape), list(x.view(12).shape), list(x.view(2, -1).shape))
print("first row:", x[0], "first column:", x[:, 0], "last column:", x[..., -1])
print(x[1:, ::2])
x[:, 1] = 0
print(x)

print(x.new_ones(2, 2), x.new_zeros(3).dtype, x.new_tensor([1, 2]).dtype, x.new_full((2,), 3.0))
print(torch.add(x, 1)[0], list(x.mm(x.t()).shape), (x @ x.T)[0], x.matmul(torch.ones(4)))
print(x * x, x.mul(2)[0])

a = torch.ones(5)
b = a.numpy()
a.add_(1)
print("numpy shares the memory:", b)
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print("and the other way:", t)

print(list(x.view_as(torch.zeros(4, 3)).shape), list(x.flatten().shape), list(x.unsqueeze(0).shape))
print(x.sum(dim=1), x.mean(0), x.max(), x.argmax(1), list(x.sum(1, keepdim=True).shape))
print(list(torch.cat([x, x], dim=0).shape), list(torch.stack([x, x]).shape), list(x.permute(1, 0).shape))
print(x.clone().zero_().sum(), list(torch.zeros(1, 3, 1).squeeze(-1).shape))
print(torch.exp(torch.tensor([0.0, 1.0])), torch.sigmoid(torch.tensor(0.0)), torch.eye(3)[1])
print(torch.where(x > 5, x, torch.zeros_like(x))[2], x[0, 0].item(), x.tolist()[0])
print(x.type(torch.int64)[0], x.int().float()[0], x.detach().cpu().numpy()[0])
print(torch.numel(x), torch.is_tensor(x), torch.allclose(x, x + 1e-9))
print(list(x.expand(2, 3, 4).shape), list(x.repeat(2, 1).shape), list(x.chunk(2, dim=1)[0].shape))
print(torch.softmax(x, dim=1)[0], F.log_softmax(x, dim=1)[1])
print(x.std(), x.var(1), torch.sqrt(torch.tensor([4.0])), x.abs().sum(), x.norm())
print(x.masked_fill(x > 5, 0)[1], x.gather(1, torch.tensor([[0], [1], [2]])).flatten(), x.topk(2).values[0])
print(torch.tensor([[1, 2], [3, 4]]).float().mean(), torch.tensor(3.7).round(), torch.tensor([1.5, 2.5]).floor())
values, indices = torch.max(x, 1)
print(values, indices, list(torch.argmax(x, dim=1, keepdim=True).shape))
