"""Draw docs/images/residual_delta_norms.png: ‖δ‖ at every block input of a
30-block plain conv net and of the same net with skip connections.

    python tools/plot_residual_delta.py [--depth 30] [--out docs/images/residual_delta_norms.png]

Both nets start from the same weights (`tinygrad_cnn.teach.deep_nets`); the
numbers are measured by one backward pass of the engine, nothing is simulated.
Deterministic: the same command draws the same picture.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from tinygrad_cnn.teach.deep_nets import block_delta_norms, deep_conv_net  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "images",
                                                      "residual_delta_norms.png"))
    args = parser.parse_args(argv)
    plain = block_delta_norms(deep_conv_net(args.depth, residual=False))
    skips = block_delta_norms(deep_conv_net(args.depth, residual=True))
    blocks = range(args.depth)

    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    axes.semilogy(blocks, plain, "o-", label="plain: x_{k+1} = F(x_k)")
    axes.semilogy(blocks, skips, "s-", label="residual: x_{k+1} = x_k + F(x_k)")
    axes.set_xlabel("block k (0 = input side)")
    axes.set_ylabel("‖δ_k‖ = ‖∂L/∂x_k‖")
    axes.set_title(f"δ back through {args.depth} blocks of F = conv3×3 ∘ relu, same weights")
    axes.grid(True, which="major", alpha=0.4)
    axes.legend()
    figure.tight_layout()
    figure.savefig(args.out, metadata={"Software": None})
    print(f"wrote {args.out}: plain ‖δ_0‖ = {plain[0]:.2g}, residual ‖δ_0‖ = {skips[0]:.3g}")


if __name__ == "__main__":
    main()
