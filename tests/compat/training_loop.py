"""A device-agnostic classification loop, written as PyTorch programs are.

Run: python tests/compat/training_loop.py torch   (or tinygrad_cnn)

Three classes of 2-D points, a two-layer MLP, nn.CrossEntropyLoss and
optim.SGD; accuracy from torch.max(out, 1). The weights and the data are
made without randomness, so both frameworks print the same lines.
"""
import importlib
import sys

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")
nn = torch.nn
optim = torch.optim

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"Using {device} device")

# --- data: class k is a cloud of points around centre k -------------------------------
n = 60
centres = torch.tensor([[1.0, 0.0], [-0.5, 0.9], [-0.5, -0.9]])
labels = torch.tensor([i % 3 for i in range(n)])
offsets = torch.linspace(-0.4, 0.4, n).reshape(n, 1) * torch.tensor([[1.0, -0.7]])
points = centres[labels] + offsets
print(list(points.shape), points.dtype, labels.dtype)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 8)
        self.relu = nn.ReLU()
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        return self.out(self.relu(self.hidden(x)))


model = MLP()
with torch.no_grad():                      # deterministic weights instead of random init
    for p in model.parameters():
        pattern = [((i * 7) % 11 - 5) / 10 for i in range(p.numel())]
        p.copy_(torch.tensor(pattern).reshape(p.shape))
model.to(device)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

for epoch in range(6):
    model.train()
    running_loss = 0.0
    for start in range(0, n, 20):
        inputs = points[start:start + 20].to(device)
        targets = labels[start:start + 20].to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    model.eval()
    correct = 0
    with torch.no_grad():
        outputs = model(points.to(device))
        _, predicted = torch.max(outputs, 1)
        correct += (predicted == labels.to(device)).sum().item()
    print(f"epoch {epoch + 1}: last loss {loss:.4f}, mean loss {running_loss / 3:.4f}, "
          f"accuracy {100 * correct / n:.1f}%")
    print("  first logit {:+.2f}, correct %i".format(outputs[0, 0]) % (predicted == labels).sum())

print("final prediction", predicted[:6].tolist(), "labels", labels[:6].tolist())
print("loss is a", type(loss.item()).__name__, "and requires grad:", loss.requires_grad)
