"""A CNN on MNIST-shaped data, structured as pytorch/examples' mnist/main.py:
Conv2d → relu → Conv2d → relu → max_pool2d → flatten → Linear → relu →
Linear → log_softmax, trained with F.nll_loss, optim.Adadelta and StepLR.

Run: python tests/compat/mnist_cnn.py torch   (or tinygrad_cnn)

Smaller than the example (8 and 16 channels), without dropout (its random
masks differ between frameworks), on 28×28 images drawn by NumPy. The
weights come from the same NumPy generator through load_state_dict, so both
frameworks start from the same model and print the same numbers.
"""
import importlib
import sys

import numpy as np

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")
nn = torch.nn
F = torch.nn.functional
optim = torch.optim
StepLR = torch.optim.lr_scheduler.StepLR


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.fc1 = nn.Linear(2304, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(model, device, batches, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(batches):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 2 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(batches) * len(data)}]"
                  f"\tLoss: {loss.item():.4f}")


def test(model, device, batches):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in batches:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    total = sum(len(target) for _, target in batches)
    print(f"Test set: Average loss: {test_loss / total:.4f}, Accuracy: {correct}/{total}")


rng = np.random.default_rng(0)
images = rng.random((32, 1, 28, 28), dtype=np.float32)
classes = rng.integers(0, 10, 32)
images[np.arange(32), 0, classes * 2 + 4, 4:24] += 2.0       # a bar whose row is the class
images = (images - 0.5) / 0.5
batches = [(torch.from_numpy(images[i:i + 8]), torch.from_numpy(classes[i:i + 8]))
           for i in range(0, 32, 8)]

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Net().to(device)
state = {name: torch.from_numpy(
             (rng.standard_normal(tuple(value.shape)) / np.sqrt(value[0].numel()) * 0.8
              ).astype(np.float32))
         for name, value in model.state_dict().items()}
model.load_state_dict(state)
print("parameters:", sum(p.numel() for p in model.parameters()),
      list(model.state_dict().keys()))

optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, 4):
    train(model, device, batches, optimizer, epoch)
    test(model, device, batches)
    scheduler.step()
    print("lr now", [round(lr, 4) for lr in scheduler.get_last_lr()])
