"""The training loop, written once: shared by the demo and the examples.

Each step is the back-propagation recipe of the chapter, in PyTorch's words::

    logits = model(images)                  # forward: a^l = f(W ⊗ a^{l-1} + b)
    loss = F.cross_entropy(logits, labels)  # δ at the output = softmax(z) - onehot(y), / B
    optimizer.zero_grad()
    loss.backward()                         # δ^{l-1} from δ^l, and ∂L/∂W, ∂L/∂b per layer
    optimizer.step()                        # W ← W - η ∂L/∂W (or Adam's version of it)

The helpers here are that loop (`train_one_epoch`), the same loop without
gradients (`evaluate`), a loss/accuracy plot (`plot_history`), a progress bar
(`progress_bar`) and the pictures of δ flowing back (`draw_delta_flow`: an
SVG/PNG drawing and the step-by-step explorer page).
tqdm, matplotlib and graphviz are imported only inside the functions that
use them.
"""
import contextlib
import os
import shutil
import sys
import time

import numpy as np

from . import _state


def _cross_entropy(logits, labels):
    from .nn import functional as F

    return F.cross_entropy(logits, labels)


def load_fashion_mnist(full=False, root=None):
    """(train set, test set): the embedded 6,000 / 1,000-image subset, or with
    ``full`` the 60,000 / 10,000 images of Fashion-MNIST from ``root`` (default:
    Debian's ``dataset-fashion-mnist`` folder).

    Raises `FileNotFoundError` saying how to get the files when ``full`` and
    they are not there.

    >>> train_set, test_set = load_fashion_mnist()
    >>> len(train_set), len(test_set)
    (6000, 1000)
    """
    from .data import EmbeddedFashionMNIST, FashionMNIST

    if not full:
        return EmbeddedFashionMNIST(train=True), EmbeddedFashionMNIST(train=False)
    try:
        return FashionMNIST(root, train=True), FashionMNIST(root, train=False)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"the full Fashion-MNIST was asked for (--full) but is not there: {error} "
            "Or leave out --full to train on the embedded 6,000-image subset.") from None


def progress_bar(total, description, quiet=False):
    """A tqdm bar of ``total`` steps, or None when ``quiet`` (or tqdm is missing).

    >>> progress_bar(10, "epoch 1", quiet=True) is None
    True
    """
    if quiet:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:                       # the bar is a nicety, never a requirement
        return None
    # in a log (not a terminal) a redrawn bar is a line per redraw: there draw it
    # only every 30 s and when the epoch ends
    interval = 0.1 if _is_terminal(sys.stderr) else 30.0
    return tqdm(total=total, desc=description, unit="batch", leave=True, dynamic_ncols=True,
                mininterval=interval)


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):       # replaced or closed streams
        return False


def train_one_epoch(model, loader, optimizer, progress=None, max_steps=None, history=None,
                    first_step=0):
    """One pass over ``loader``: forward, cross-entropy, backward, step.

    Args:
        progress: an optional tqdm bar; it advances one step per batch and
            shows the running loss and accuracy.
        max_steps: stop after this many batches (short runs and tests).
        history: an optional `tinygrad_cnn.viz.GradientHistory`; on the steps
            it wants, backward keeps the graph (``retain_graph=True``, which
            changes no gradient) and ‖δ‖ per layer is recorded.
        first_step: the number of the first batch in ``history`` (the
            steps of earlier epochs).

    Returns:
        (mean loss, accuracy) over the batches seen.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn, optim
    >>> from tinygrad_cnn.data import DataLoader, EmbeddedFashionMNIST
    >>> _ = tg.manual_seed(0)
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    >>> loader = DataLoader(EmbeddedFashionMNIST(train=True), batch_size=100, shuffle=True, seed=0)
    >>> loss, accuracy = train_one_epoch(model, loader, optim.SGD(model.parameters(), lr=0.1),
    ...                                  max_steps=20)
    >>> 0.0 < loss < 2.3, 0.3 < accuracy <= 1.0
    (True, True)
    """
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for step, (images, labels) in enumerate(loader):
        if max_steps is not None and step >= max_steps:
            break
        logits = model(images)                           # (B, classes)
        loss = _cross_entropy(logits, labels)
        optimizer.zero_grad()
        record = history is not None and history.wants(first_step + step)
        loss.backward(retain_graph=record)
        if record:
            history.record(first_step + step, loss, model)
        optimizer.step()

        batch = len(labels._data)
        total_loss += float(loss.item()) * batch
        correct += int((logits._data.argmax(axis=1) == labels._data).sum())
        seen += batch
        if progress is not None:
            # the figures first, then the step: update redraws when the bar's interval has passed
            progress.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}",
                                 refresh=False)
            progress.update(1)
    if seen == 0:
        raise ValueError("train_one_epoch: the loader gave no batches")
    return total_loss / seen, correct / seen


def evaluate(model, loader, max_steps=None):
    """Loss and accuracy on ``loader`` under ``no_grad`` and ``model.eval()``.

    Returns:
        (mean loss, accuracy, per-class accuracy) — the last a NumPy array
        with one entry per class (NaN for a class absent from the data).
        The model is put back in training mode afterwards.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> from tinygrad_cnn.data import DataLoader, EmbeddedFashionMNIST
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    >>> _ = nn.init.zeros_(model[1].weight); _ = nn.init.zeros_(model[1].bias)
    >>> loss, accuracy, per_class = evaluate(model, DataLoader(EmbeddedFashionMNIST(train=False), 500))
    >>> round(loss, 4), accuracy, per_class.shape     # all-zero logits: loss ln 10, always class 0
    (2.3026, 0.1, (10,))
    """
    was_training = model.training
    model.eval()
    total_loss, seen = 0.0, 0
    hits, counts = None, None
    try:
        with _state.no_grad():
            for step, (images, labels) in enumerate(loader):
                if max_steps is not None and step >= max_steps:
                    break
                logits = model(images)                   # (B, classes)
                loss = _cross_entropy(logits, labels)
                batch = len(labels._data)
                total_loss += float(loss.item()) * batch
                seen += batch
                classes = logits.shape[1]
                right = logits._data.argmax(axis=1) == labels._data
                if hits is None:
                    hits, counts = np.zeros(classes), np.zeros(classes)
                hits += np.bincount(labels._data, weights=right, minlength=classes)[:classes]
                counts += np.bincount(labels._data, minlength=classes)[:classes]
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the loader gave no batches")
    per_class = np.full(len(counts), np.nan)
    np.divide(hits, counts, out=per_class, where=counts > 0)
    return total_loss / seen, float(hits.sum() / seen), per_class


def label_places(values, partner):
    """Where `plot_history` writes a curve's numbers: ``(index, offset in
    points, ha, va)`` for every point of a short run (≤ 8), for the last one
    otherwise (to its right). At each point the higher of the curve and its
    partner (train against test) is labelled above, the lower below, so a
    label never sits on the other curve.

    >>> label_places([0.5, 0.7], [0.6, 0.6])
    [(0, (0, -6), 'center', 'top'), (1, (0, 6), 'center', 'bottom')]
    """
    every = len(values) <= 8
    places = []
    for i in range(len(values)) if every else [len(values) - 1]:
        higher = i >= len(partner) or values[i] >= partner[i]
        rise = (6 if every else 5) * (1 if higher else -1)
        places.append((i, (0 if every else 7, rise), "center" if every else "left",
                       "bottom" if higher else "top"))
    return places


def plot_history(history, path):
    """Plot loss and accuracy per epoch to ``path`` (a PNG) with matplotlib's Agg backend.

    ``history`` maps names to one value per epoch: ``train_loss``,
    ``test_loss``, ``train_acc``, ``test_acc`` (any may be missing).

    >>> import os, pathlib, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "training.png")
    >>> _ = plot_history({"train_loss": [1.0, 0.5], "test_acc": [0.6, 0.8]}, path)
    >>> pathlib.Path(path).read_bytes()[:4] == b"\\x89PNG"
    True
    """
    import matplotlib
    matplotlib.use("Agg")                        # files only, no window
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(9, 3.5))
    longest = 1
    for key, axes in (("train_loss", loss_axes), ("test_loss", loss_axes),
                      ("train_acc", accuracy_axes), ("test_acc", accuracy_axes)):
        values = history.get(key) or []
        if not values:
            continue
        epochs = np.arange(1, len(values) + 1)
        longest = max(longest, len(values))
        line, = axes.plot(epochs, values, marker="o", markersize=6, label=key.split("_")[0])
        # the numbers themselves, so a one-epoch run reads as more than a lone dot:
        # every point for short runs, the last one otherwise
        partner = history.get(("test_" if key.startswith("train") else "train_")
                              + key.split("_", 1)[1]) or []
        for i, offset, ha, va in label_places(values, partner):
            text = f"{values[i]:.1%}" if key.endswith("acc") else f"{values[i]:.3f}"
            axes.annotate(text, (epochs[i], values[i]), textcoords="offset points",
                          xytext=offset, ha=ha, va=va, fontsize=8, color=line.get_color())
    loss_axes.set(title="cross-entropy loss", xlabel="epoch")
    accuracy_axes.set(title="accuracy", xlabel="epoch", ylim=(0, 1.05))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.set_xlim(0.5, longest + 0.5)                            # room around a single epoch
        if longest <= 20:                                            # epochs are whole numbers
            axes.set_xticks(range(1, longest + 1))
        else:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.margins(y=0.15)
        if axes.get_legend_handles_labels()[0]:
            axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def draw_delta_flow(model, images, labels, out_dir, stem="delta_flow", level="layer",
                    history=None):
    """One forward/backward with ``retain_graph=True`` and the pictures of δ flowing back.

    Writes ``<stem>.svg`` and ``<stem>.png`` into ``out_dir``; when Graphviz's
    ``dot`` program is missing it writes ``<stem>.dot`` instead and prints
    how to install Graphviz. Also writes ``<stem>.html``, the step-by-step
    explorer (`tinygrad_cnn.viz.explore`; ``history``, a
    `viz.GradientHistory`, feeds its second tab). Returns ``(paths, loss)``:
    the files written (the explorer page last), and the loss Tensor whose
    retained graph `tinygrad_cnn.viz.delta_norms` can read.
    """
    from . import viz

    model.eval()                       # a deterministic picture (no dropout)
    loss = _cross_entropy(model(images), labels)
    loss.backward(retain_graph=True)   # keep every edge's δ for the drawing
    model.zero_grad()
    model.train()
    dot = viz.draw(loss, model=model, level=level)
    os.makedirs(out_dir, exist_ok=True)
    if shutil.which("dot") is None:
        path = viz.save(dot, os.path.join(out_dir, stem + ".dot"))
        print(f"Graphviz's 'dot' program is not installed, so the δ-flow picture was saved as "
              f"DOT text: {path}\n  install it (apt install graphviz, brew install graphviz or "
              f"conda install graphviz) and run: dot -Tsvg {path} -o {stem}.svg")
        paths = [path]
    else:
        paths = [viz.render(dot, os.path.join(out_dir, stem + extension))
                 for extension in (".svg", ".png")]
    page = viz.explore(loss, model, path=os.path.join(out_dir, stem + ".html"), level=level,
                       history=history, title="LeNet-5 on Fashion-MNIST: back-propagation, step by step")
    return paths + [page.path], loss


class Timer:
    """Seconds spent per named phase: ``with timer("train"): ...``.

    >>> timer = Timer()
    >>> with timer("work"):
    ...     pass
    >>> list(timer.seconds), timer.seconds["work"] >= 0
    (['work'], True)
    """

    def __init__(self):
        self.seconds = {}

    @contextlib.contextmanager
    def __call__(self, name):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
