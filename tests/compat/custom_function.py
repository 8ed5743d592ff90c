"""Custom autograd Functions: forward and backward written by hand.

Run: python tests/compat/custom_function.py torch   (or tinygrad_cnn)

In PyTorch, forward and backward receive Tensors; in tinygrad_cnn they receive
NumPy arrays. Written with operators only (*, **, +, -) and
ctx.save_for_backward, one Function runs under both.
"""
import importlib
import math
import sys

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = ½(5x³ − 3x), so dP3/dx = 3/2 (5x² − 1)."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class ScaledProduct(torch.autograd.Function):
    """out = scale · x · w (scale a Python number): one gradient per input, None for scale."""

    @staticmethod
    def forward(ctx, x, w, scale):
        ctx.save_for_backward(x, w)
        ctx.scale = scale
        return scale * x * w

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        grad_x = grad_output * ctx.scale * w if ctx.needs_input_grad[0] else None
        grad_w = grad_output * ctx.scale * x if ctx.needs_input_grad[1] else None
        return grad_x, grad_w, None


x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
y = LegendrePolynomial3.apply(x)
print("P3:", [round(v, 4) for v in y.tolist()])
y.sum().backward()
print("dP3/dx:", [round(v, 4) for v in x.grad.tolist()])

w = torch.tensor([2.0, -1.0, 0.5], requires_grad=True)
u = torch.tensor([1.0, 3.0, -2.0])                      # needs no gradient
out = ScaledProduct.apply(u, w, 3.0)
out.backward(torch.ones(3))
print("out:", out.tolist(), "grad w:", w.grad.tolist(), "grad u:", u.grad)

# the Legendre fit of sin(x) from PyTorch's tutorial, shortened
xs = torch.linspace(-math.pi, math.pi, 200)
ys = torch.sin(xs)
a = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
c = torch.tensor(0.0, requires_grad=True)
d = torch.tensor(0.3, requires_grad=True)
learning_rate = 5e-5
for t in range(300):
    y_pred = a + b * LegendrePolynomial3.apply(c + d * xs)
    loss = (y_pred - ys).pow(2).sum()
    if t % 100 == 99:
        print(t, f"{loss.item():.3f}")
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad
            p.grad = None
def show(value):
    return f"{round(value, 3) + 0.0:.3f}"       # + 0.0: -0.0 prints as 0.000


print(f"Result: y = {show(a.item())} + {show(b.item())} * P3({show(c.item())} + "
      f"{show(d.item())} x)")
