"""Render the pictures of docs/visualizing.md into docs/images/.

    python tools/render_viz_docs.py          # needs Graphviz's dot

Each picture is one forward/backward pass on the first two test images of the
embedded Fashion-MNIST subset, with weights from ``manual_seed(0)``, so a
re-run gives the same files (as long as Graphviz's version does not change).
"""
import os
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

import tinygrad_cnn as tg  # noqa: E402
from tinygrad_cnn import nn, viz  # noqa: E402
from tinygrad_cnn.cli import graph_for_model  # noqa: E402
from tinygrad_cnn.nn import functional as F  # noqa: E402

IMAGES = os.path.join(ROOT, "docs", "images")


def sigmoid_mlp(depth=4, width=16):
    """A deep sigmoid MLP: the textbook case of a vanishing δ (σ' ≤ 1/4)."""
    layers = [nn.Flatten(), nn.Linear(28 * 28, width), nn.Sigmoid()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.Sigmoid()]
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def vanishing_example():
    from tinygrad_cnn.data import EmbeddedFashionMNIST

    tg.manual_seed(0)
    model = sigmoid_mlp()
    test_set = EmbeddedFashionMNIST(train=False)
    loss = F.cross_entropy(model(tg.tensor(test_set.data[:2])), tg.tensor(test_set.targets[:2]))
    loss.backward(retain_graph=True)
    return model, loss


def main():
    os.makedirs(IMAGES, exist_ok=True)
    model, loss = graph_for_model("lenet5", batch=2, seed=0)
    with tempfile.TemporaryDirectory() as maps:
        pictures = {
            "lenet5_delta_op.png": viz.draw(loss, model, level="op"),
            "lenet5_delta_layer.png": viz.draw(loss, model, level="layer"),
            "lenet5_delta_heatmaps.png": viz.draw(loss, model, level="op", heatmaps=True,
                                                  asset_dir=maps),
        }
        mlp, mlp_loss = vanishing_example()
        pictures["sigmoid_mlp_vanishing.png"] = viz.draw(mlp_loss, mlp, level="op")
        for name, dot in pictures.items():
            path = viz.render(dot, os.path.join(IMAGES, name))
            print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path) / 1024:.0f} KB")
    print()
    print(viz.delta_norms(loss, model))
    print()
    print(viz.delta_norms(mlp_loss, mlp))


if __name__ == "__main__":
    main()
