"""``tinygrad-cnn demo``: train LeNet on Fashion-MNIST in about 20 s and show δ flowing back.

What it does, top to bottom (`run_demo`):

1. loads the embedded 6,000 / 1,000-image Fashion-MNIST subset (or, with
   ``full=True``, the full 60,000 / 10,000 images from Debian's
   ``dataset-fashion-mnist`` folder);
2. trains the modern LeNet-5 (`tinygrad_cnn.models.LeNet5`: ReLU, max
   pooling) with Adam, printing a tqdm bar with the running loss and accuracy,
   and evaluates on the test split after every epoch;
3. writes into ``out_dir``:

   ``model.npz``        the trained weights (`tinygrad_cnn.save`; read back with `tinygrad_cnn.load`)
   ``training.png``     loss and accuracy per epoch
   ``delta_flow.svg``   the graph of one test batch, grouped by layer, with the
   ``delta_flow.png``   derivative sent back along every edge (``.dot`` without Graphviz)
   ``delta_flow.html``  the same backward pass to step through in a browser, node by
                        node in the engine's order, with ‖δ‖ per layer over training
   ``summary.txt``      model summary, per-class test accuracy, ‖δ‖ per layer, timings

The PyTorch equivalent is the usual loop: ``model = LeNet5(); opt =
torch.optim.Adam(model.parameters(), 2e-3); for x, y in loader: loss =
F.cross_entropy(model(x), y); opt.zero_grad(); loss.backward(); opt.step()``.

Run it as ``tinygrad-cnn demo [--out DIR] [--epochs N] [--full]`` or
``python -m tinygrad_cnn.demo``.
"""
import argparse
import os
import sys
import time

import numpy as np

#: Epochs of the default run over the embedded 6,000 images: about 20 s on two
#: CPU cores (≈ 1 s per epoch plus evaluation), reaching ≈ 84 % test accuracy on
#: the 1,000 embedded test images (more epochs over so few images overfit).
DEFAULT_EPOCHS = 15
DEFAULT_LR = 2e-3
DELTA_FLOW_BATCH = 8
#: record ‖δ‖ per layer every this many training steps (about 70 records in a default run)
GRADIENT_EVERY = 20


def _model_summary(model):
    """The table of `tinygrad_cnn.teach.summary`, or a note if it is not available."""
    try:
        from .teach import summary
    except ImportError:
        return "(tinygrad_cnn.teach.summary is not available)"
    summary = summary if callable(summary) else getattr(summary, "summary", None)
    if summary is None:
        return "(tinygrad_cnn.teach.summary is not available)"
    return str(summary(model, (1, 1, 28, 28)))


def _delta_table(loss, model):
    try:
        from .viz import delta_norms
    except ImportError:
        return "(tinygrad_cnn.viz.analysis.delta_norms is not available)"
    return str(delta_norms(loss, model))


def run_demo(out_dir="demo-output", epochs=DEFAULT_EPOCHS, full=False, batch_size=64, seed=0,
             quiet=False, max_steps=None, lr=DEFAULT_LR, root=None):
    """Train `LeNet5` on Fashion-MNIST, evaluate it, and write the checkpoint,
    the plot, the δ-flow picture and a summary into ``out_dir``.

    Args:
        epochs: passes over the training set.
        full: use the full Fashion-MNIST (``root``, default Debian's folder)
            instead of the embedded subset; raises `FileNotFoundError` with
            install instructions if the files are not there
            (`tinygrad_cnn.training.load_fashion_mnist`).
        max_steps: batches per epoch at most (for a quick check).
        quiet: no progress bar and no printing.

    Returns:
        a dict: ``accuracy`` (test, a float in [0, 1]), ``test_loss``,
        ``per_class_accuracy`` ({class name: accuracy}), ``history`` (per
        epoch lists), ``gradient_history`` (‖δ‖ per layer every
        ``GRADIENT_EVERY`` steps, `viz.GradientHistory.as_dict`), ``paths``
        ({what: file}), ``seconds`` (timings).

    A short run (the full default takes about 20 s):

    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), epochs=1, max_steps=5, quiet=True)
    >>> sorted(result["paths"])
    ['checkpoint', 'delta_flow', 'delta_flow_files', 'explorer', 'plot', 'summary']
    >>> result["gradient_history"]["steps"]
    [0]
    >>> 0.0 <= result["accuracy"] <= 1.0
    True
    """
    import tinygrad_cnn as tg
    from . import optim, viz
    from .data import DataLoader
    from .models import LeNet5
    from .training import (Timer, draw_delta_flow, evaluate, load_fashion_mnist, plot_history,
                           progress_bar, train_one_epoch)

    if epochs < 1:
        raise ValueError(f"demo: epochs must be at least 1, got {epochs}")
    say = (lambda *args: None) if quiet else print
    timer = Timer()
    started = time.perf_counter()
    os.makedirs(out_dir, exist_ok=True)

    # ---- data -----------------------------------------------------------------
    with timer("load data"):
        train_set, test_set = load_fashion_mnist(full, root)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=seed)
    test_loader = DataLoader(test_set, batch_size=500)
    say(f"data: {len(train_set):,} training and {len(test_set):,} test images "
        f"({'full Fashion-MNIST' if full else 'embedded Fashion-MNIST subset'})")

    # ---- model and optimizer --------------------------------------------------
    tg.manual_seed(seed)
    model = LeNet5()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    say(f"model: LeNet5, {sum(p.numel() for p in model.parameters()):,} parameters; "
        f"Adam lr={lr}, batch {batch_size}, {epochs} epoch(s)")

    # ---- train ------------------------------------------------------------------
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    steps = len(train_loader) if max_steps is None else min(max_steps, len(train_loader))
    # ‖δ‖ per layer every GRADIENT_EVERY steps, for the explorer's second tab
    gradients = viz.GradientHistory(every=GRADIENT_EVERY)
    for epoch in range(1, epochs + 1):
        bar = progress_bar(steps, f"epoch {epoch}/{epochs}", quiet)
        with timer("train"):
            train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, bar, max_steps,
                                                    history=gradients,
                                                    first_step=(epoch - 1) * steps)
        if bar is not None:
            bar.close()
        with timer("evaluate"):
            test_loss, test_acc, per_class = evaluate(model, test_loader)
        for key, value in (("train_loss", train_loss), ("train_acc", train_acc),
                           ("test_loss", test_loss), ("test_acc", test_acc)):
            history[key].append(value)
        say(f"epoch {epoch}: train loss {train_loss:.4f}, train accuracy {train_acc:.2%}, "
            f"test loss {test_loss:.4f}, test accuracy {test_acc:.2%}")

    # ---- outputs ------------------------------------------------------------------
    paths = {}
    with timer("write outputs"):
        paths["checkpoint"] = os.path.join(out_dir, "model.npz")
        tg.save(model.state_dict(), paths["checkpoint"])
        paths["plot"] = plot_history(history, os.path.join(out_dir, "training.png"))

        images = tg.tensor(test_set.data[:DELTA_FLOW_BATCH])       # (8, 1, 28, 28)
        labels = tg.tensor(test_set.targets[:DELTA_FLOW_BATCH])    # (8,)
        delta_paths, loss = draw_delta_flow(model, images, labels, out_dir, history=gradients)
        paths["delta_flow"] = delta_paths[0]
        paths["delta_flow_files"] = delta_paths
        paths["explorer"] = delta_paths[-1]

    seconds = dict(timer.seconds, total=time.perf_counter() - started)
    seen = len(history["train_loss"]) * min(steps * batch_size, len(train_set))
    per_class_accuracy = {name: float(value) for name, value in zip(test_set.classes, per_class)}
    paths["summary"] = os.path.join(out_dir, "summary.txt")
    with open(paths["summary"], "w", encoding="utf-8") as f:
        f.write(_summary_text(model, loss, history, per_class_accuracy, seconds, seen))

    say(f"\ntest accuracy: {test_acc:.2%}  ({seconds['total']:.1f} s in all)")
    say(f"wrote into {os.path.abspath(out_dir)}:")
    for what in ("checkpoint", "plot", "summary"):
        say(f"  {what:<11} {paths[what]}")
    for path in delta_paths:
        say(f"  {'delta flow':<11} {path}")
    return {"accuracy": float(test_acc), "test_loss": float(test_loss),
            "per_class_accuracy": per_class_accuracy, "history": history,
            "gradient_history": gradients.as_dict(), "paths": paths, "seconds": seconds}


def _summary_text(model, loss, history, per_class_accuracy, seconds, images_seen):
    lines = ["tinygrad_cnn demo: LeNet5 on Fashion-MNIST", "",
             "== Model ==", _model_summary(model), "",
             "== Test accuracy per epoch ==",
             *(f"epoch {i}: train loss {tl:.4f}, train acc {ta:.2%}, test loss {vl:.4f}, "
               f"test acc {va:.2%}"
               for i, (tl, ta, vl, va) in enumerate(zip(history["train_loss"], history["train_acc"],
                                                       history["test_loss"], history["test_acc"]), 1)),
             "", "== Test accuracy per class (last epoch) ==",
             *(f"{name:<12} {'—' if np.isnan(value) else f'{value:.2%}'}"
               for name, value in per_class_accuracy.items()),
             "", f"== ∂L/∂(output) per layer, one test batch of {DELTA_FLOW_BATCH} (loss first): "
                 "δ=∂L/∂z at a conv, linear or pool output, ∂L/∂a after an activation ==",
             _delta_table(loss, model), "",
             "== Timings ==",
             *(f"{name:<14} {value:8.2f} s" for name, value in seconds.items())]
    if seconds.get("train"):
        lines.append(f"{'throughput':<14} {images_seen / seconds['train']:8.0f} training images/s")
    return "\n".join(lines) + "\n"


def add_demo_arguments(parser):
    """Add the demo's options to an `argparse` parser (the CLI's ``demo`` subcommand).

    >>> args = add_demo_arguments(argparse.ArgumentParser()).parse_args(["--epochs", "2"])
    >>> args.out, args.epochs, args.full
    ('demo-output', 2, False)
    """
    parser.add_argument("--out", default="demo-output",
                        help="folder for the outputs (default: demo-output)")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"passes over the training set (default: {DEFAULT_EPOCHS}, "
                             "about 20 s on the embedded data)")
    parser.add_argument("--full", action="store_true",
                        help="train on the full Fashion-MNIST (60,000 images; "
                             "apt install dataset-fashion-mnist) instead of the embedded 6,000")
    parser.add_argument("--root", default=None,
                        help="folder of the Fashion-MNIST IDX files for --full "
                             "(default: /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR,
                        help=f"Adam learning rate (default: {DEFAULT_LR})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="stop each epoch after this many batches (quick checks)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or printing")
    return parser


def main_from_args(args):
    """Run the demo from parsed arguments; returns the exit status (1 if data is missing)."""
    try:
        run_demo(out_dir=args.out, epochs=args.epochs, full=args.full, batch_size=args.batch_size,
                 seed=args.seed, quiet=args.quiet, max_steps=args.max_steps, lr=args.lr,
                 root=args.root)
    except (FileNotFoundError, ValueError) as error:
        print(f"tinygrad-cnn demo: error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinygrad_cnn.demo", description=__doc__.split("\n")[0])
    return main_from_args(add_demo_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
