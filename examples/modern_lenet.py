"""LeNet-5 as it is written today (ReLU, max pooling), trained on Fashion-MNIST or MNIST.

    python examples/modern_lenet.py                        # embedded 6,000-image subset
    python examples/modern_lenet.py --full --epochs 5      # the 60,000 images: ≈ 89–90 % test accuracy
    python examples/modern_lenet.py --mnist-root ~/data/mnist   # the real MNIST digits (IDX files)

The model is `tinygrad_cnn.models.LeNet5`:

    conv1 1→6 5×5 pad 2 → ReLU → max pool 2     (N, 6, 14, 14)
    conv2 6→16 5×5      → ReLU → max pool 2     (N, 16, 5, 5)
    fc 400→120 → ReLU → 84 → ReLU → 10          (N, 10) logits     61,706 parameters

Recipe: Adam, learning rate 3e-3, multiplied by 0.3 every 2 epochs (StepLR),
batch 64. Measured on the full Fashion-MNIST (2026-12-01), test accuracy after
5 epochs: 89.03 % (seed 0), 89.68 % (seed 1), 90.05 % (seed 2); seed 0 after
epochs 1–5: 85.43, 86.30, 88.08, 88.86, 89.03 %. Each epoch took about 6.8 s
on 2 cores. With 2e-3 the same schedule reached 88.9 %; with a fixed 1e-3,
87.9 % (measured 2026-11-22).

PyTorch equivalent (the same code with torch's names)::

    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.3)
    for epoch in range(5):
        for images, labels in DataLoader(train_set, batch_size=64, shuffle=True):
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad(); loss.backward(); optimizer.step()
        scheduler.step()
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run from a checkout

import tinygrad_cnn as tg  # noqa: E402
from tinygrad_cnn import optim  # noqa: E402
from tinygrad_cnn.data import MNIST, DataLoader  # noqa: E402
from tinygrad_cnn.models import LeNet5  # noqa: E402
from tinygrad_cnn.training import (  # noqa: E402
    draw_delta_flow, evaluate, load_fashion_mnist, plot_history, progress_bar, train_one_epoch,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set (default: 5)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam",
                        help="Adam, or SGD with momentum 0.9 (default: adam)")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default: 3e-3 for Adam, 0.05 for SGD)")
    parser.add_argument("--lr-step", type=int, default=2,
                        help="multiply the learning rate by --lr-gamma every this many epochs "
                             "(StepLR; default: 2)")
    parser.add_argument("--lr-gamma", type=float, default=0.3,
                        help="StepLR factor (default: 0.3; 1 keeps the learning rate fixed)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--full", action="store_true",
                        help="the full Fashion-MNIST (60,000 images, apt install dataset-fashion-mnist)")
    parser.add_argument("--fashion-root", default=None,
                        help="folder of the Fashion-MNIST IDX files for --full "
                             "(default: /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--mnist-root", default=None,
                        help="folder with the four MNIST IDX files: train on the digits instead")
    parser.add_argument("--out", default=os.path.join("runs", "modern_lenet"),
                        help="output folder (default: runs/modern_lenet)")
    parser.add_argument("--max-steps", type=int, default=None, help="batches per epoch at most")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    tg.manual_seed(args.seed)

    # ---- data ---------------------------------------------------------------------
    if args.mnist_root is not None:
        train_set, test_set = MNIST(args.mnist_root, train=True), MNIST(args.mnist_root, train=False)
        data_name = f"MNIST from {args.mnist_root}"
    else:
        train_set, test_set = load_fashion_mnist(args.full, args.fashion_root)
        data_name = "Fashion-MNIST" if args.full else "embedded Fashion-MNIST subset"
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=500)
    print(f"{data_name}: {len(train_set):,} training / {len(test_set):,} test images")

    # ---- model and optimizer --------------------------------------------------------
    model = LeNet5()
    if args.optimizer == "adam":
        optimizer = optim.Adam(model.parameters(), lr=args.lr or 3e-3)
    else:
        optimizer = optim.SGD(model.parameters(), lr=args.lr or 0.05, momentum=0.9)
    # lr · gamma^⌊epoch / lr_step⌋: large steps first, small ones to settle
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=args.lr_step, gamma=args.lr_gamma)
    print(f"LeNet5: {sum(p.numel() for p in model.parameters()):,} parameters, "
          f"{type(optimizer).__name__}, StepLR every {args.lr_step} epochs × {args.lr_gamma}")
    os.makedirs(args.out, exist_ok=True)

    # ---- train ----------------------------------------------------------------------
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": [], "seconds": []}
    steps = len(train_loader) if args.max_steps is None else min(args.max_steps, len(train_loader))
    for epoch in range(1, args.epochs + 1):
        bar = progress_bar(steps, f"epoch {epoch}/{args.epochs}", args.quiet)
        started = time.perf_counter()
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, bar, args.max_steps)
        seconds = time.perf_counter() - started
        scheduler.step()
        if bar is not None:
            bar.close()
        test_loss, test_acc, per_class = evaluate(model, test_loader)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        history["seconds"].append(seconds)
        images = min(steps * args.batch_size, len(train_set))
        print(f"epoch {epoch}: train loss {train_loss:.4f} acc {train_acc:.2%} | "
              f"test loss {test_loss:.4f} acc {test_acc:.2%} | {seconds:.1f} s "
              f"({images / seconds:,.0f} images/s)", flush=True)
    for name, accuracy in zip(test_set.classes, per_class):
        print(f"  {name:<12} {accuracy:.2%}")

    # ---- outputs ----------------------------------------------------------------------
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
