"""Render the pictures of docs/visualizing.md into docs/images/.

    python tools/render_viz_docs.py          # needs Graphviz's dot (and, for the
                                             # explorer screenshot, Playwright + chromium)

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


def explorer_screenshot(loss, model, path, steps=10):
    """A screenshot of the explorer after ``steps`` presses of Next (needs Playwright and
    Debian's chromium; skipped with a note when either is missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright is not installed: no explorer screenshot")
        return None
    if not os.path.exists("/usr/bin/chromium"):
        print("/usr/bin/chromium is missing: no explorer screenshot")
        return None
    with tempfile.TemporaryDirectory() as folder:
        page = viz.explore(loss, model, path=os.path.join(folder, "explorer.html"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            tab = browser.new_page(viewport={"width": 1280, "height": 820})
            tab.goto("file://" + page.path)
            for _ in range(steps):
                tab.keyboard.press("ArrowRight")
            tab.screenshot(path=path)
            browser.close()
    return path


def main():
    os.makedirs(IMAGES, exist_ok=True)
    model, loss = graph_for_model("lenet5", batch=2, seed=0)
    pictures = {
        "lenet5_delta_op.png": viz.draw(loss, model, level="op"),
        "lenet5_delta_layer.png": viz.draw(loss, model, level="layer"),
        "lenet5_delta_heatmaps.png": viz.draw(loss, model, level="op", heatmaps=True),
    }
    mlp, mlp_loss = vanishing_example()
    pictures["sigmoid_mlp_vanishing.png"] = viz.draw(mlp_loss, mlp, level="op")
    paths = [viz.render(dot, os.path.join(IMAGES, name)) for name, dot in pictures.items()]
    paths.append(explorer_screenshot(loss, model, os.path.join(IMAGES, "lenet5_explorer.png")))
    for path in paths:
        if path is not None:
            print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path) / 1024:.0f} KB")
    print()
    print(viz.delta_norms(loss, model))
    print()
    print(viz.delta_norms(mlp_loss, mlp))


if __name__ == "__main__":
    main()
