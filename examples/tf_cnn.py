"""The TensorFlow-tutorial CNN of the chapter: conv → pool → conv → pool → fc → softmax.

    python examples/tf_cnn.py                  # embedded Fashion-MNIST subset
    python examples/tf_cnn.py --full           # the 60,000 images

Sizes, 28×28 input (docs/networks.md, "The TensorFlow-tutorial network"):

    conv 5×5 valid, 8 maps     28 → 24      z = W ⊗ a + b, then ReLU
    max pool 2×2               24 → 12      δ goes back to where each maximum was
    conv 5×5 valid, 16 maps    12 → 8
    max pool 2×2                8 → 4
    fully connected 256 → 128, ReLU
    fully connected 128 → 10, softmax (inside the cross-entropy loss: δ = softmax(z) − onehot(y))

The tutorial itself uses 32 and 64 maps and 1,024 hidden units; pass
``--channels 32 64 --hidden 1024`` for those widths (about 13.5 times the
multiply-accumulates of the default, so slow on a CPU).

The model is defined here, top to bottom, instead of importing
`tinygrad_cnn.models.TFCNN` (which is the same network), so the file reads
on its own. PyTorch equivalent: replace ``tinygrad_cnn`` by ``torch`` in the
imports; every layer has the same name and arguments.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run from a checkout

import tinygrad_cnn as tg  # noqa: E402
from tinygrad_cnn import nn, optim  # noqa: E402
from tinygrad_cnn.data import DataLoader  # noqa: E402
from tinygrad_cnn.training import (  # noqa: E402
    draw_delta_flow, evaluate, load_fashion_mnist, plot_history, progress_bar, train_one_epoch,
)


class TFCNN(nn.Module):
    def __init__(self, channels=(8, 16), hidden=128, num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 5)              # (N, c1, 24, 24)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)                  # (N, c1, 12, 12)
        self.conv2 = nn.Conv2d(c1, c2, 5)             # (N, c2, 8, 8)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)                  # (N, c2, 4, 4)
        self.flatten = nn.Flatten()                   # (N, c2·16)
        self.fc1 = nn.Linear(c2 * 4 * 4, hidden)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(hidden, num_classes)     # logits; softmax is in the loss

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.relu3(self.fc1(self.flatten(x)))
        return self.fc2(x)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set (default: 5)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default: 1e-3)")
    parser.add_argument("--channels", type=int, nargs=2, default=(8, 16), help="maps of conv1, conv2")
    parser.add_argument("--hidden", type=int, default=128, help="hidden units of fc1 (default: 128)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--full", action="store_true", help="full Fashion-MNIST (60,000 images)")
    parser.add_argument("--out", default=os.path.join("runs", "tf_cnn"),
                        help="output folder (default: runs/tf_cnn)")
    parser.add_argument("--max-steps", type=int, default=None, help="batches per epoch at most")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    tg.manual_seed(args.seed)

    train_set, test_set = load_fashion_mnist(args.full)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=500)

    model = TFCNN(tuple(args.channels), args.hidden)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(f"TFCNN: {sum(p.numel() for p in model.parameters()):,} parameters; "
          f"{len(train_set):,} training images")
    os.makedirs(args.out, exist_ok=True)

    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    steps = len(train_loader) if args.max_steps is None else min(args.max_steps, len(train_loader))
    for epoch in range(1, args.epochs + 1):
        bar = progress_bar(steps, f"epoch {epoch}/{args.epochs}", args.quiet)
        started = time.perf_counter()
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, bar, args.max_steps)
        seconds = time.perf_counter() - started
        if bar is not None:
            bar.close()
        test_loss, test_acc, _ = evaluate(model, test_loader)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch}: train loss {train_loss:.4f} acc {train_acc:.2%} | "
              f"test loss {test_loss:.4f} acc {test_acc:.2%} | {seconds:.1f} s")

    checkpoint = os.path.join(args.out, "model.npz")
    tg.save(model.state_dict(), checkpoint)
    plot = plot_history(history, os.path.join(args.out, "training.png"))
    pictures, _ = draw_delta_flow(model, tg.tensor(test_set.data[:8]), tg.tensor(test_set.targets[:8]),
                                  args.out)
    print("wrote", ", ".join([checkpoint, plot, *pictures]))
    return {"accuracy": history["test_acc"][-1], "history": history,
            "paths": [checkpoint, plot, *pictures]}


if __name__ == "__main__":
    main()
