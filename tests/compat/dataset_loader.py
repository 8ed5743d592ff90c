"""A Dataset subclass, TensorDataset and DataLoader, iterated over epochs.

Run: python tests/compat/dataset_loader.py torch   (or tinygrad_cnn)
"""
import importlib
import sys

name = sys.argv[1] if len(sys.argv) > 1 else "torch"
torch = importlib.import_module(name)
data = importlib.import_module(f"{name}.utils.data")       # from torch.utils.data import …
Dataset, DataLoader, TensorDataset = data.Dataset, data.DataLoader, data.TensorDataset
nn = torch.nn


class Line(Dataset):
    """Points on y = 3x − 1: sample i is (x_i, y_i) with x_i = i / 10."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        x = torch.tensor([index / 10])
        return x, 3 * x - 1


dataset = Line(10)
print("len", len(dataset), "item 3", dataset[3])
loader = DataLoader(dataset, batch_size=4, shuffle=False)
for inputs, targets in loader:
    print("batch", list(inputs.shape), inputs.dtype, [round(v, 2) for v in targets.flatten().tolist()])
print("batches per epoch:", len(loader), len(DataLoader(dataset, batch_size=4, drop_last=True)))


def collate(samples):
    """Stack the x's, keep the targets as a plain list."""
    xs = torch.stack([x for x, _ in samples])
    return xs, [round(y.item(), 2) for _, y in samples]


for xs, ys in DataLoader(dataset, batch_size=3, collate_fn=collate):
    print("collated", list(xs.shape), ys)


class Records(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, index):
        return {"id": index, "value": float(index) / 2, "pair": (index, -index)}


for batch in DataLoader(Records(), batch_size=2):
    print("dict batch", sorted(batch), batch["id"], batch["value"], batch["pair"])

# fit the line with TensorDataset and nn.MSELoss
features = torch.linspace(0, 1, 16).reshape(16, 1)
labels = 3 * features - 1
train = TensorDataset(features, labels)
print("tensor dataset", len(train), [round(v, 4) for v in train[5][0].tolist()])
model = nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(0.5)
    model.bias.zero_()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
for epoch in range(5):
    total = 0.0
    for xb, yb in DataLoader(train, batch_size=4, shuffle=False):
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    print(f"epoch {epoch}: mean loss {total / len(train):.4f}")
print(f"w = {model.weight.item():.3f}, b = {model.bias.item():.3f}")
