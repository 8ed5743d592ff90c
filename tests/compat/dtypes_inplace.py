"""Dtypes, promotion, in-place operators, index assignment, and the errors
PyTorch raises for in-place mistakes and missing devices.

Run: python tests/compat/dtypes_inplace.py torch   (or tinygrad_cnn)
"""
import importlib
import sys

import numpy as np

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# names and conversions
print(torch.float, torch.long, torch.float is torch.float32, torch.double, torch.half)
x = torch.tensor([1.7, -2.2, 3.5])
print(x.dtype, x.long(), x.int().dtype, x.double().dtype, x.half().dtype, x.bool())
print(x.type(), x.long().type(), x.type(torch.DoubleTensor).dtype, x.type(torch.int64))
print(torch.FloatTensor([1, 2]), torch.LongTensor([1.9, 2.1]), list(torch.DoubleTensor(2, 3).shape))
print(torch.get_default_dtype(), x.is_floating_point(), torch.is_floating_point(x.long()))

# promotion: scalars never widen a tensor; int / int gives float
print((x * np.float64(0.5)).dtype, (x * 0.5).dtype, (torch.tensor([1, 2]) / 2).dtype)
print((torch.tensor([1, 2]) + 1.5).dtype, (torch.tensor([1, 2]) + torch.tensor([0.5, 1.0])).dtype)
print((torch.tensor([1, 2], dtype=torch.int32) + 1).dtype, (x.double() + x).dtype,
      (x + torch.tensor(1.0, dtype=torch.float64)).dtype)
print(torch.tensor([1, 2]) / 2, torch.tensor([True, False]) + 1)

# in place
a = torch.zeros(2, 3, dtype=torch.long, device=device)
print(a, a.dtype, a.device)
b = torch.ones(3)
a_float = a.float()
a_float += b
a_float *= 2
a_float -= torch.tensor([0.5, 1.0, 1.5])
a_float /= 4
print(a_float)
ints = torch.tensor([1, 2, 3])
ints += 2
print(ints, ints.dtype)
try:
    ints += 0.5
except RuntimeError:
    print("RuntimeError: a float result cannot be written into an int64 tensor")
m = torch.tensor([[1.0, -2.0], [-3.0, 4.0]])
m[m < 0] = 0
m[0, 1] = 7
m[1] = torch.tensor([5.0, 6.0])
print(m)
v = torch.arange(6.0)
v.add_(1).mul_(2).clamp_(3, 9).neg_()
print(v)
print(v.sub_(1).div_(2).pow_(2), v)
print(torch.zeros(3).fill_(2.5), torch.empty(2).zero_(), torch.zeros(2).copy_(torch.tensor([3, 4])))

# gradients flow through in-place ops on non-leaves and through index assignment
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = w * 2
h[1] = 0
h.mul_(w)
h.sum().backward()
print("grad through in-place ops:", w.grad.tolist())

# errors
try:
    leaf = torch.ones(2, requires_grad=True)
    leaf += 1
except RuntimeError:
    print("RuntimeError: a leaf that requires grad cannot be modified in place")
try:
    p = torch.tensor([0.5, 1.5], requires_grad=True)
    q = p.exp()
    r = q * q
    q.add_(1)
    r.sum().backward()
except RuntimeError:
    print("RuntimeError: a tensor saved for backward was modified in place")
for move in (lambda t: t.to("cuda"), lambda t: t.cuda()):
    try:
        move(torch.ones(1))
    except (AssertionError, RuntimeError):
        print("no CUDA here: stay on", device)
