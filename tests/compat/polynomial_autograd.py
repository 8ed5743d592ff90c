"""Fit y = sin(x) with a cubic by hand-written gradient descent on autograd's
gradients (the manual-SGD loop of the PyTorch tutorials).

Run: python tests/compat/polynomial_autograd.py torch   (or tinygrad_cnn)

The coefficients start at fixed values instead of torch.randn, so both
frameworks print the same numbers.
"""
import importlib
import math
import sys

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# requires_grad=True: autograd computes d(loss)/d(a) … during backward
a = torch.tensor(0.1, device=device, dtype=dtype, requires_grad=True)
b = torch.tensor(-0.2, device=device, dtype=dtype, requires_grad=True)
c = torch.tensor(0.3, device=device, dtype=dtype, requires_grad=True)
d = torch.tensor(-0.1, device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(1000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 200 == 199:
        print(t, f"{loss.item():.1f}")

    loss.backward()

    # update the weights in place, outside the graph, then zero the gradients
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad.zero_()
        b.grad.zero_()
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item():.3f} + {b.item():.3f} x + {c.item():.3f} x^2 + {d.item():.3f} x^3")
print("leaves:", a.is_leaf, a.requires_grad, "grad:", a.grad, c.grad)
print("dtype:", y_pred.dtype, "shape:", list(y_pred.shape))
