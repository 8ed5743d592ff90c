"""Benchmark: one epoch of the modern LeNet-5 over Fashion-MNIST, batch 64.

The epoch is `tinygrad_cnn.training.train_one_epoch` with the recipe of
examples/modern_lenet.py (`tinygrad_cnn.models.LeNet5`, Adam lr 3e-3,
shuffled batches of 64): the 60,000 training images of Debian's
``dataset-fashion-mnist`` (/usr/share/datasets/fashion-mnist/). Without those
files it runs over the embedded 6,000-image subset and scales the time by
10 to an estimate for 60,000, and says so. Target: ≤ 7 s.

The protocol is issue 13's: each run a fresh process with the thread count
given (default: the cores available), at least 3 runs; the median epoch time
and its range are printed. ``--torch`` also runs the same epoch in PyTorch
(its own model and optimiser, the same data), alternating with ours, and
prints the median ratio with its range.

Run:  python tools/bench_epoch.py                (3 runs, about a minute)
      python tools/bench_epoch.py --torch        (and PyTorch's, alternating)
      python tools/bench_epoch.py --max-steps 100  (a short smoke run)
Timings on a busy machine are noise: take final figures on an idle one.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_protocol as protocol  # noqa: E402

BATCH = 64
TARGET_S = 7.0
FULL_IMAGES = 60_000


def load_images(max_steps):
    """(images float32 (N, 1, 28, 28) in [0, 1], labels int64, scale, source)."""
    from tinygrad_cnn.training import load_fashion_mnist
    try:
        train_set, _ = load_fashion_mnist(full=True)
        source, scale = "Fashion-MNIST, 60,000 training images", 1.0
    except FileNotFoundError:
        train_set, _ = load_fashion_mnist(full=False)
        source = (f"the embedded {len(train_set):,}-image subset (the full files are missing): "
                  f"time × {FULL_IMAGES // len(train_set)} as an estimate for 60,000")
        scale = FULL_IMAGES / len(train_set)
    if max_steps:
        scale = None                   # a smoke run: no estimate for a full epoch
    return train_set, scale, source


def ours_worker(max_steps, seed):
    import tinygrad_cnn as tg
    from tinygrad_cnn import optim
    from tinygrad_cnn.data import DataLoader
    from tinygrad_cnn.models import LeNet5
    from tinygrad_cnn.training import train_one_epoch

    tg.manual_seed(seed)
    train_set, scale, source = load_images(max_steps)
    loader = DataLoader(train_set, batch_size=BATCH, shuffle=True, seed=seed)
    model = LeNet5()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    loss, accuracy = train_one_epoch(model, loader, optimizer, max_steps=max_steps)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "scale": scale, "source": source, "loss": loss,
            "accuracy": accuracy, "threads": tg.get_num_threads()}


def torch_worker(max_steps, seed, threads):
    import numpy as np
    import torch
    from tinygrad_cnn.data import DataLoader

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    train_set, scale, source = load_images(max_steps)
    loader = DataLoader(train_set, batch_size=BATCH, shuffle=True, seed=seed)
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    total, seen = 0.0, 0
    for step, (images, labels) in enumerate(loader):     # the same batches, read the same way
        if max_steps is not None and step >= max_steps:
            break
        x, y = torch.from_numpy(np.asarray(images.numpy())), torch.from_numpy(labels.numpy())
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        seen += len(y)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "scale": scale, "source": source, "loss": total / seen}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=protocol.MIN_PAIRS,
                        help=f"fresh processes (pairs with --torch), at least {protocol.MIN_PAIRS}")
    parser.add_argument("--threads", type=int, default=protocol.default_threads(),
                        help="threads (default: the cores available)")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch, alternating")
    parser.add_argument("--max-steps", type=int, default=None, help="batches at most (smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", choices=("ours", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker == "ours":
        print(json.dumps(ours_worker(args.max_steps, args.seed)))
        return 0
    if args.worker == "torch":
        print(json.dumps(torch_worker(args.max_steps, args.seed, args.threads)))
        return 0

    script = os.path.abspath(__file__)
    common = ["--seed", args.seed, "--threads", args.threads] + (
        ["--max-steps", args.max_steps] if args.max_steps else [])

    def ours():
        return protocol.run_child(script, ["--worker", "ours"] + common, args.threads)

    def theirs():
        return protocol.run_child(script, ["--worker", "torch"] + common, args.threads)

    runs = max(protocol.MIN_PAIRS, args.runs)
    if args.torch:
        results = protocol.alternating_pairs(ours, theirs, runs)
    else:
        results = [(ours(), None) for _ in range(runs)]
    first = results[0][0]
    print(f"Modern LeNet-5, one epoch, batch {BATCH}, Adam lr 3e-3, {args.threads} threads, "
          f"{runs} fresh processes; data: {first['source']}")
    seconds = [mine["seconds"] for mine, _ in results]
    scale = first["scale"]
    for index, (mine, other) in enumerate(results, 1):
        line = f"  run {index}: tinygrad_cnn {mine['seconds']:6.2f} s (loss {mine['loss']:.3f})"
        if other:
            line += f"   PyTorch {other['seconds']:6.2f} s   ratio " \
                    f"{mine['seconds'] / other['seconds']:.2f}×"
        print(line)
    median = statistics.median(seconds)
    if scale is None:
        print(f"  median {median:.2f} s for {args.max_steps} batches (a smoke run: not judged)")
        return 0
    note = "" if scale == 1.0 else f" (measured {median:.2f} s × {scale:g}: an estimate)"
    epoch = median * scale
    print(f"  epoch over 60,000 images: {epoch:.2f} s median, range {min(seconds) * scale:.2f}–"
          f"{max(seconds) * scale:.2f} s{note}   (target ≤ {TARGET_S} s) "
          f"{protocol.verdict(epoch <= TARGET_S)}")
    if args.torch:
        ratios = [mine["seconds"] / other["seconds"] if other else None for mine, other in results]
        print(f"  ratio to PyTorch: {protocol.ratio_summary(ratios)}")
    print("(timings from a busy machine are noisy; take final figures on an idle one)")
    return 0 if epoch <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
