"""Adding your own op: a trainable pooling layer, from derivation to training and drawing.

    python examples/custom_op.py              # gradcheck, train one epoch, draw the δ flow

*Mixed pooling* blends the two pooling rules of the chapter with a learned
coefficient per map (Lee, Gallagher & Tu, 2016): for each 2×2 window w of map c,

    y = α_c · max(w) + (1 − α_c) · mean(w)

Backward (docs/derivations.md, "Pooling layer"), with δ = ∂L/∂y:

    ∂L/∂x  = α_c · δ at the position of the window's maximum (the max rule)
           + (1 − α_c) · δ / 4 at all four positions        (the average rule)
    ∂L/∂α_c = Σ δ ⊙ (max(w) − mean(w))                      over the batch and the windows

The op is one `tinygrad_cnn.Function` subclass: ``forward`` and ``backward``
receive and return NumPy arrays, and ``backward`` returns one gradient per
positional input of ``forward`` (here x and α). `tinygrad_cnn.gradcheck`
compares it with finite differences before anything trains, and
`tinygrad_cnn.viz` draws it like any built-in op (docs/extending.md walks
through the same steps for Swish).

PyTorch equivalent: subclass ``torch.autograd.Function`` with the same
``forward(ctx, x, alpha)`` / ``backward(ctx, grad_output)``, written on Tensors.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run from a checkout

import tinygrad_cnn as tg  # noqa: E402
from tinygrad_cnn import nn, optim  # noqa: E402
from tinygrad_cnn._errors import ShapeError, describe  # noqa: E402
from tinygrad_cnn.data import DataLoader  # noqa: E402
from tinygrad_cnn.training import (  # noqa: E402
    draw_delta_flow, evaluate, load_fashion_mnist, plot_history, progress_bar, train_one_epoch,
)


def windows_of(x):
    """(N, C, H, W) → (N, C, H/2, W/2, 4): the four entries of each 2×2 window, stride 2."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(n, c, h // 2, w // 2, 4)


def image_of(windows):
    """The inverse of `windows_of`: (N, C, H/2, W/2, 4) → (N, C, H, W)."""
    n, c, h2, w2, _ = windows.shape
    blocks = windows.reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(n, c, 2 * h2, 2 * w2)


class MixedPool2d(tg.Function):
    """y = α_c · max(window) + (1 − α_c) · mean(window), 2×2 windows, stride 2.

    Shape:
        x: (N, C, H, W), H and W even;  alpha: (C,);  y: (N, C, H/2, W/2).
    """

    name = "mixed_pool2d"

    @staticmethod
    def forward(ctx, x, alpha):
        if x.ndim != 4 or x.shape[2] % 2 or x.shape[3] % 2 or alpha.shape != (x.shape[1],):
            raise ShapeError(f"mixed_pool2d: expected x (N, C, H, W) with even H, W and alpha (C,); "
                             f"got x {describe(x)}, alpha {describe(alpha)}")
        windows = windows_of(x)                                   # (N, C, H/2, W/2, 4)
        where_max = windows.argmax(axis=-1)                       # (N, C, H/2, W/2)
        largest = windows.max(axis=-1)
        mean = windows.mean(axis=-1)
        ctx.save_for_backward(where_max, largest - mean, alpha)
        a = alpha[None, :, None, None]
        return a * largest + (1 - a) * mean

    @staticmethod
    def backward(ctx, delta):                                     # δ: (N, C, H/2, W/2)
        where_max, max_minus_mean, alpha = ctx.saved_tensors
        a = alpha[None, :, None, None]
        is_max = np.arange(4) == where_max[..., None]             # (N, C, H/2, W/2, 4) one-hot
        # max rule: α·δ to where the maximum was; average rule: (1 − α)·δ/4 to all four
        grad_windows = is_max * (a * delta)[..., None] + ((1 - a) * delta / 4)[..., None]
        grad_alpha = (delta * max_minus_mean).sum(axis=(0, 2, 3))  # Σ δ ⊙ (max − mean)
        return image_of(grad_windows), grad_alpha


class MixedPool(nn.Module):
    """The layer: one α per map, starting at 0.5 (half max, half average)."""

    def __init__(self, channels):
        super().__init__()
        self.alpha = nn.Parameter(tg.full((channels,), 0.5))

    def forward(self, x):
        return MixedPool2d.apply(x, self.alpha)


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5, padding=2)   # (N, 8, 28, 28)
        self.relu1 = nn.ReLU()
        self.pool1 = MixedPool(8)                    # (N, 8, 14, 14)
        self.conv2 = nn.Conv2d(8, 16, 5)             # (N, 16, 10, 10)
        self.relu2 = nn.ReLU()
        self.pool2 = MixedPool(16)                   # (N, 16, 5, 5)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))


def check_op(seed=0):
    """gradcheck MixedPool2d in float64 (distinct values, so each maximum is unique)."""
    rng = np.random.default_rng(seed)
    values = rng.permutation(2 * 3 * 4 * 6).reshape(2, 3, 4, 6) / 10.0
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    alpha = tg.tensor(rng.uniform(0, 1, 3), dtype=tg.float64, requires_grad=True)
    return tg.gradcheck(MixedPool2d.apply, (x, alpha))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1, help="passes over the training set (default: 1)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (default: 2e-3)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--out", default=os.path.join("runs", "custom_op"),
                        help="output folder (default: runs/custom_op)")
    parser.add_argument("--max-steps", type=int, default=None, help="batches per epoch at most")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    tg.manual_seed(args.seed)

    check_op(args.seed)
    print("gradcheck: MixedPool2d's ∂L/∂x and ∂L/∂α match finite differences")

    train_set, test_set = load_fashion_mnist()
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=500)
    model = SmallNet()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
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
    # α → 1 means the layer chose max pooling, α → 0 average pooling
    print("learned α, pool1:", np.round(model.pool1.alpha.numpy(), 3))
    print("learned α, pool2:", np.round(model.pool2.alpha.numpy(), 3))

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
