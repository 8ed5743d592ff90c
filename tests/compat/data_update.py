"""The old-style training step through ``.data``: p.data -= lr * p.grad.data.

Run: python tests/compat/data_update.py torch   (or tinygrad_cnn)

``.data`` is the same memory as the tensor, cut from the graph, so writing
into it updates the parameter without recording anything.
"""
import importlib
import sys

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")
nn = torch.nn

x = torch.linspace(-1, 1, 12).reshape(6, 2)
y = x[:, :1] * 2 - x[:, 1:] + 0.5

model = nn.Linear(2, 1)
model.weight.data = torch.tensor([[0.1, 0.2]])          # rebinding .data replaces the values
model.bias.data.fill_(0.0)
print("weight", model.weight, "is leaf", model.weight.is_leaf)

lr = 0.05
for step in range(40):
    loss = ((model(x) - y) ** 2).mean()
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad.data
    if step % 10 == 9:
        print(step, f"{loss.item():.5f}")

print("weights:", [round(float(v), 3) for v in model.weight.data.numpy().reshape(-1)],
      [round(float(v), 3) for v in model.bias.data.numpy()])
print("inputs as NumPy:", x.data.numpy().dtype, x.data.numpy().shape, round(float(x.data.numpy()[1, 1]), 6))
print("norm of the weight:", f"{model.weight.data.norm():.4f}")
print("x.data is a tensor:", type(x.data).__name__, "requires grad:", model.weight.data.requires_grad)

# writing into .data shows in the tensor (shared memory); .data is never in the graph
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w.data[0] = 10.0
w.data.mul_(2)
print("w", w, "still in the graph:", (w * w).sum().grad_fn is not None)
view = w.data
view += 1
print("after view += 1:", w.tolist())
