"""Looking at the graph autograd records: grad_fn, next_functions,
retain_grad, autograd.grad, requires_grad_, detach, no_grad and
set_grad_enabled.

Run: python tests/compat/autograd_inspection.py torch   (or tinygrad_cnn)

Node *names* differ (PyTorch's MulBackward0 is tinygrad_cnn's mul), so this
program prints the graph's shape, not its names.
"""
import importlib
import sys

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")


def describe(node):
    """A leaf's AccumulateGrad, another op's node, or None (no gradient needed)."""
    if node is None:
        return "none"
    if hasattr(node, "variable"):
        return f"leaf{list(node.variable.shape)}"
    return "op"


x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
c = torch.tensor([1.0, 1.0, 1.0])
y = x * w
z = y + c
loss = (z * z).sum()
print("leaves:", x.is_leaf, w.is_leaf, c.is_leaf, "y leaf:", y.is_leaf)
print("grad_fn:", x.grad_fn is None, y.grad_fn is not None, c.requires_grad, z.requires_grad)
print("y's inputs:", [describe(f) for f, _ in y.grad_fn.next_functions])
print("z's inputs:", [describe(f) for f, _ in z.grad_fn.next_functions])
print("loss <- sum <- mul:", describe(loss.grad_fn.next_functions[0][0]))
print("the same node:", z.grad_fn.next_functions[0][0] is y.grad_fn)

y.retain_grad()
loss.backward(retain_graph=True)
print("x.grad", x.grad.tolist(), "w.grad", w.grad.tolist())
print("y.grad", y.grad.tolist(), "retains:", y.retains_grad, z.retains_grad)

# autograd.grad returns the gradients and leaves .grad alone
dx, dz = torch.autograd.grad(loss, [x, z], retain_graph=True)
print("grad wrt x", dx.tolist(), "wrt z", dz.tolist(), "x.grad unchanged", x.grad.tolist())
(du,) = torch.autograd.grad((x ** 3).sum(), x, grad_outputs=torch.tensor(2.0))
print("d(2 sum x^3)/dx", du.tolist())
unused = torch.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
print("unused input:", unused[1])
try:
    torch.autograd.grad((x * 2).sum(), [x, w])
except RuntimeError:
    print("RuntimeError: w was not used")

# accumulate, zero, backward from two outputs at once
x.grad = None
(x * 2).sum().backward()
(x * 3).sum().backward()
print("accumulated:", x.grad.tolist())
x.grad.zero_()
torch.autograd.backward([(x * x).sum(), x.sum()], [torch.tensor(1.0), torch.tensor(10.0)])
print("two roots:", x.grad.tolist())

# switching recording on and off
a = torch.ones(2)
print("requires grad:", a.requires_grad, a.requires_grad_().requires_grad, a.is_leaf)
b = (a * 2).detach()
print("detached:", b.requires_grad, b.grad_fn is None, b.is_leaf)
with torch.no_grad():
    print("under no_grad:", (a * 2).requires_grad, torch.is_grad_enabled())
    with torch.enable_grad():
        print("enable_grad inside:", (a * 2).requires_grad)
torch.set_grad_enabled(False)
print("set_grad_enabled(False):", (a * 2).requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
with torch.set_grad_enabled(False):
    print("as a context manager:", (a * 2).requires_grad)
print("restored:", (a * 2).requires_grad)


@torch.no_grad()
def evaluate(t):
    return t * 2


print("decorated:", evaluate(a).requires_grad, (a * 2).requires_grad)
with torch.inference_mode():
    print("inference mode:", (a * 2).requires_grad)
try:
    (a * 2).backward()
except RuntimeError:
    print("RuntimeError: backward of a non-scalar needs a gradient")
