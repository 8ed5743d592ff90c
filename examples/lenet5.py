"""LeNet-5 as LeCun built it (1998), on Fashion-MNIST: trainable subsampling and the C3 table.

    python examples/lenet5.py                 # embedded 6,000 images, a few minutes on a laptop
    python examples/lenet5.py --check         # only gradcheck the Subsample op and the C3 layer
    python examples/lenet5.py --full --epochs 5 --out runs/lenet5-full

The network of docs/networks.md ("LeNet-5"), 28×28 input padded to 32×32:

    layer  what                                       output      params  connections
    C1     conv 5×5, 6 maps (padding=2)               6@28×28        156      122,304
    S2     trainable subsampling S = β·down(a) + b    6@14×14         12        5,880
    C3     conv 5×5 with LeCun's connection table     16@10×10     1,516      151,600
    S4     trainable subsampling                      16@5×5          32        2,000
    C5     conv 5×5, 120 maps (→ 1×1)                 120@1×1     48,120       48,120
    F6     fully connected                            84          10,164       10,164
    out    fully connected (not LeCun's RBF units)    10             850          850

Every layer up to F6 is followed by LeCun's squashing function
f(a) = 1.7159·tanh(2a/3) (a scaled tanh: f(±1) = ±1, and f'(0) ≈ 1.14).
LeCun's output layer was 10 Euclidean RBF units with fixed ±1 7×12 bitmaps
as centres; here it is a plain Linear(84, 10) read by softmax cross-entropy,
which trains the same way as every other example.

Two pieces are not in `tinygrad_cnn.nn`, and this file adds them the way any
user would:

* `Subsample`, a new op written against the public `tinygrad_cnn.Function`
  API (forward and backward on NumPy arrays), checked with `tinygrad_cnn.gradcheck`
  at start-up;
* `C3`, the partially connected convolution, built from existing layers:
  gather the S2 maps each C3 map reads, then three grouped convolutions.

PyTorch equivalent: the same classes with ``torch.autograd.Function`` (whose
``forward``/``backward`` take Tensors instead of arrays), ``x[:, index]`` and
``nn.Conv2d(..., groups=g)``; the training loop is the usual one.
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


# -----------------------------------------------------------------------------
# S2 and S4: trainable subsampling, a new op
# -----------------------------------------------------------------------------
def down(a, k=2):
    """Sum over each k×k window, stride k: (N, C, H, W) → (N, C, H/k, W/k).

    >>> down(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    n, c, h, w = a.shape
    return a.reshape(n, c, h // k, k, w // k, k).sum(axis=(3, 5))


def up(delta, k=2):
    """Copy each entry into a k×k block: the Kronecker product with ones((k, k)).

    >>> up(np.array([[1, 3], [2, 4]]))
    array([[1, 1, 3, 3],
           [1, 1, 3, 3],
           [2, 2, 4, 4],
           [2, 2, 4, 4]])
    """
    return np.repeat(np.repeat(delta, k, axis=-2), k, axis=-1)


class Subsample(tg.Function):
    """LeNet-5's trainable subsampling, one coefficient and one bias per map:

        S_i = β_i · down(a_i) + b_i      (down = sum over the 2×2 window, stride 2)

    Backward, with δ_i = ∂L/∂S_i:

        ∂L/∂β_i = Σ (δ_i ⊙ down(a_i))    summed over the batch and the pixels
        ∂L/∂b_i = Σ δ_i
        ∂L/∂a_i = β_i · up(δ_i)          (the layer's f' is applied by the squashing op before it)

    Shape:
        a: (N, C, H, W) with H, W even;  beta, bias: (C,);  S: (N, C, H/2, W/2).
    """

    @staticmethod
    def forward(ctx, a, beta, bias):
        if a.ndim != 4 or a.shape[2] % 2 or a.shape[3] % 2 or beta.shape != (a.shape[1],) \
                or bias.shape != (a.shape[1],):
            raise ShapeError(f"subsample: expected a (N, C, H, W) input with even H and W and "
                             f"beta, bias of shape (C,); got a {describe(a)}, beta {describe(beta)}, "
                             f"bias {describe(bias)}")
        pooled = down(a)                                           # (N, C, H/2, W/2)
        ctx.save_for_backward(pooled, beta)
        return beta[None, :, None, None] * pooled + bias[None, :, None, None]

    @staticmethod
    def backward(ctx, delta):                                      # δ: (N, C, H/2, W/2)
        pooled, beta = ctx.saved_tensors
        grad_a = up(beta[None, :, None, None] * delta) if ctx.needs_input_grad[0] else None
        grad_beta = (delta * pooled).sum(axis=(0, 2, 3))           # Σ δ_i ⊙ down(a_i)
        grad_bias = delta.sum(axis=(0, 2, 3))                      # Σ δ_i
        return grad_a, grad_beta, grad_bias


class TrainableSubsampling(nn.Module):
    """The S2/S4 layer: `Subsample` with its 2·C parameters. β starts at 1/4,
    so the untrained layer is 2×2 average pooling."""

    def __init__(self, channels):
        super().__init__()
        self.beta = nn.Parameter(tg.full((channels,), 0.25))
        self.bias = nn.Parameter(tg.zeros(channels))

    def forward(self, a):
        return Subsample.apply(a, self.beta, self.bias)


class ScaledTanh(nn.Module):
    """LeCun's squashing function f(a) = 1.7159 · tanh(2a/3)."""

    def forward(self, a):
        return (a * (2.0 / 3.0)).tanh() * 1.7159


# -----------------------------------------------------------------------------
# C3: a convolution in which each output map reads only some input maps
# -----------------------------------------------------------------------------
#: Which S2 maps each C3 map reads (docs/networks.md, LeCun 1998 table I).
C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),            # 3 maps each
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5),         # 4 maps each
    (0, 1, 2, 5), (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),                                                           # all 6
)


class C3(nn.Module):
    """16 maps of 5×5 kernels over the 6 S2 maps, wired by `C3_TABLE`.

    Maps 0–5 read 3 S2 maps each, 6–14 read 4, 15 reads all 6. Gathering the
    maps each group reads, side by side, turns each kind into one grouped
    convolution (group g sees only its own slice of channels):

        maps 0–5:   gather 6·3 = 18 channels → Conv2d(18, 6, 5, groups=6), weight (6, 3, 5, 5)
        maps 6–14:  gather 9·4 = 36 channels → Conv2d(36, 9, 5, groups=9), weight (9, 4, 5, 5)
        map 15:     all 6 channels           → Conv2d(6, 1, 5),            weight (1, 6, 5, 5)

    and the three outputs are concatenated in map order. Parameters:
    450 + 900 + 150 weights + 16 biases = 1,516. The gather ``a[:, index]`` is
    GetItem, whose backward adds δ back to every position it read, so an S2
    map read by several C3 maps receives the sum of their δs — rule 1 of the
    convolution layer, "each input depth d sums the contributions of every
    filter p that read it".

    Shape:
        input (N, 6, H, W) → output (N, 16, H-4, W-4).
    """

    def __init__(self, table=C3_TABLE):
        super().__init__()
        self.table = tuple(tuple(maps) for maps in table)
        self.reads_three = np.array([d for maps in self.table[0:6] for d in maps])    # (18,)
        self.reads_four = np.array([d for maps in self.table[6:15] for d in maps])    # (36,)
        self.conv_three = nn.Conv2d(18, 6, 5, groups=6)
        self.conv_four = nn.Conv2d(36, 9, 5, groups=9)
        self.conv_all = nn.Conv2d(6, 1, 5)

    def forward(self, a):                                        # a: (N, 6, H, W)
        z_three = self.conv_three(a[:, self.reads_three])        # (N, 6, H-4, W-4)
        z_four = self.conv_four(a[:, self.reads_four])           # (N, 9, H-4, W-4)
        z_all = self.conv_all(a)                                 # (N, 1, H-4, W-4)
        return tg.cat([z_three, z_four, z_all], dim=1)           # (N, 16, H-4, W-4)


class LeNet5Classic(nn.Module):
    """C1 → S2 → C3 → S4 → C5 → F6 → output, each followed by f up to F6."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)     # 28×28 padded to 32×32
        self.f1 = ScaledTanh()
        self.s2 = TrainableSubsampling(6)
        self.f2 = ScaledTanh()
        self.c3 = C3()
        self.f3 = ScaledTanh()
        self.s4 = TrainableSubsampling(16)
        self.f4 = ScaledTanh()
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f5 = ScaledTanh()
        self.flatten = nn.Flatten()
        self.f6 = nn.Linear(120, 84)
        self.f6_act = ScaledTanh()
        self.output = nn.Linear(84, num_classes)

    def forward(self, x):                               # x: (N, 1, 28, 28)
        x = self.f1(self.c1(x))                         # (N, 6, 28, 28)
        x = self.f2(self.s2(x))                         # (N, 6, 14, 14)
        x = self.f3(self.c3(x))                         # (N, 16, 10, 10)
        x = self.f4(self.s4(x))                         # (N, 16, 5, 5)
        x = self.f5(self.c5(x))                         # (N, 120, 1, 1)
        x = self.f6_act(self.f6(self.flatten(x)))       # (N, 84)
        return self.output(x)                           # (N, 10) logits


#: (parameters, connections) per layer in LeCun et al. 1998; S2 and C3 are the chapter's figures
PAPER_COUNTS = {"c1": (156, 122_304), "s2": (12, 5_880), "c3": (1_516, 151_600),
                "s4": (32, 2_000), "c5": (48_120, 48_120), "f6": (10_164, 10_164)}


def layer_counts(model):
    """{layer: (parameters, connections)}. A connection is one input (or the
    bias) feeding one output unit: output units × (inputs read per unit + 1)."""
    shapes = {"c1": (6, 28, 28), "s2": (6, 14, 14), "c3": (16, 10, 10), "s4": (16, 5, 5),
              "c5": (120, 1, 1), "f6": (84,), "output": (10,)}
    reads_per_unit = {"c1": 25, "s2": 4, "s4": 4, "c5": 16 * 25, "f6": 120, "output": 84}
    counts = {}
    for name, shape in shapes.items():
        layer = getattr(model, name)
        params = sum(p.numel() for p in layer.parameters())
        units = int(np.prod(shape))
        if name == "c3":       # a unit of map j reads len(table[j]) maps × 25 pixels
            pixels = int(np.prod(shape[1:]))
            connections = pixels * sum(len(maps) * 25 + 1 for maps in layer.table)
        else:
            connections = units * (reads_per_unit[name] + 1)
        counts[name] = (params, connections)
    return counts


def check_ops(seed=0):
    """gradcheck `Subsample` (all three inputs) and `C3` (its input) in float64.

    Raises `tinygrad_cnn.GradcheckError` naming the worst entry if a backward is wrong."""
    rng = np.random.default_rng(seed)
    a = tg.tensor(rng.standard_normal((2, 3, 4, 6)), dtype=tg.float64, requires_grad=True)
    beta = tg.tensor(rng.standard_normal(3), dtype=tg.float64, requires_grad=True)
    bias = tg.tensor(rng.standard_normal(3), dtype=tg.float64, requires_grad=True)
    tg.gradcheck(Subsample.apply, (a, beta, bias))

    # C3's δ to its input: the gather's backward must add up the δs of every map that read it
    c3 = C3().double()
    x = tg.tensor(rng.standard_normal((1, 6, 5, 6)), dtype=tg.float64, requires_grad=True)
    tg.gradcheck(c3, (x,))
    return True


# -----------------------------------------------------------------------------
# training
# -----------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5, help="passes over the training set (default: 5)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default: 1e-3)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--full", action="store_true", help="full Fashion-MNIST (60,000 images)")
    parser.add_argument("--out", default=os.path.join("runs", "lenet5"),
                        help="output folder (default: runs/lenet5)")
    parser.add_argument("--max-steps", type=int, default=None, help="batches per epoch at most")
    parser.add_argument("--check", action="store_true", help="only run the gradchecks and the counts")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    tg.manual_seed(args.seed)

    check_ops(args.seed)
    print("gradcheck: Subsample (∂L/∂a, ∂L/∂β, ∂L/∂b) and C3 match finite differences")

    model = LeNet5Classic()
    counts = layer_counts(model)
    print(f"{'layer':<8}{'params':>10}{'connections':>14}   LeCun 1998")
    for name, (params, connections) in counts.items():
        paper = PAPER_COUNTS.get(name)
        if paper is None:
            note = ""
        else:
            note = "matches" if paper == (params, connections) else f"DIFFERS: {paper}"
        print(f"{name:<8}{params:>10,}{connections:>14,}   {note}")
    print(f"{'total':<8}{sum(p.numel() for p in model.parameters()):>10,}")
    assert counts["s2"] == (12, 5_880) and counts["c3"][0] == 1_516, "the chapter's counts"
    if args.check:
        return {"counts": counts}

    train_set, test_set = load_fashion_mnist(args.full)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=500)
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
    print(f"S2 coefficients β after training: {np.round(model.s2.beta.numpy(), 3)}")

    checkpoint = os.path.join(args.out, "model.npz")
    tg.save(model.state_dict(), checkpoint)
    plot = plot_history(history, os.path.join(args.out, "training.png"))
    pictures, _ = draw_delta_flow(model, tg.tensor(test_set.data[:8]), tg.tensor(test_set.targets[:8]),
                                  args.out)
    print("wrote", ", ".join([checkpoint, plot, *pictures]))
    return {"accuracy": history["test_acc"][-1], "history": history, "counts": counts,
            "paths": [checkpoint, plot, *pictures]}


if __name__ == "__main__":
    main()
