"""viz.explore in a real browser: headless Chromium (Debian's package) driven by Playwright.

What must hold, as a learner uses the page: it opens from file:// with no
console error and no network request; Next walks the engine's processing
order exactly, highlighting one node at a time; the δ norm the panel shows
is the engine's (to 3 significant figures); ← and → step too; the heat maps
are real images; Play runs; the ‖δ‖ tab draws one point per layer; a
10,000-node page opens collapsed and steps; and a screenshot is not blank.

Set TINYGRAD_CNN_SCREENSHOTS=folder to keep copies of the screenshots.
"""
import io
import os
import shutil

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import viz
from tinygrad_cnn.engine import topological_order

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright drives the browser: pip install playwright")
CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is needed: apt-get install chromium", allow_module_level=True)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot binary: apt-get install graphviz")
nn = pytest.importorskip("tinygrad_cnn.nn")
F = nn.functional

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class KeptNet(nn.Module):
    """A small CNN that keeps every intermediate tensor with retain_grad():
    their .grad is the δ the engine passed, an independent record to check
    the page against. fc1's output fans out (h + tanh(h))."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3, padding=1)       # (N, 3, 8, 8)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)                      # (N, 3, 4, 4)
        self.conv2 = nn.Conv2d(3, 4, 3)                   # (N, 4, 2, 2)
        self.flatten = nn.Flatten()                       # (N, 16)
        self.fc1 = nn.Linear(16, 6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        self.kept = []

        def keep(t):
            t.retain_grad()
            self.kept.append(t)
            return t

        x = keep(self.pool1(keep(self.relu1(keep(self.conv1(x))))))
        x = keep(self.flatten(keep(self.conv2(x))))
        h = keep(self.fc1(x))
        h = keep(h + keep(h.tanh()))                      # fan-out: h is read twice
        return keep(self.fc2(h))


def kept_net_page(tmp_path):
    tg.manual_seed(0)
    model = KeptNet()
    loss = F.cross_entropy(model(tg.randn(2, 1, 8, 8)), tg.tensor([0, 2]))
    loss.retain_grad()
    loss.backward(retain_graph=True)
    page = viz.explore(loss, model, path=tmp_path / "flow.html")
    ids = {id(node): f"op{i}" for i, node in enumerate(topological_order(loss.grad_fn))}
    engine = {ids[id(t.grad_fn)]: float(np.linalg.norm(t.grad.numpy().astype(np.float64)))
              for t in model.kept + [loss]}
    return page, engine


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


class Opened:
    """A page opened from file:// with every other request refused and recorded."""

    def __init__(self, browser, path, width=1400, height=900):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests, self.errors = [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(("file://", "data:"))
                     else self.requests.append(r.url))
        self.page.goto(f"file://{os.path.abspath(path)}", timeout=30_000)

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def current(self):
        return self.page.eval_on_selector_all(".current", "els => els.map(e => e.dataset.node || e.dataset.group)")

    def close(self):
        self.context.close()


def shown_norm(page):
    """The δ norm the side panel shows, as the learner reads it, and its full value."""
    field = page.locator('#node-detail [data-field="delta-norm"]')
    text = field.inner_text()
    return float(text.split("=")[1].split(",")[0]), float(field.get_attribute("data-value"))


def non_blank(png):
    image = pytest.importorskip("matplotlib.image").imread(io.BytesIO(png))
    grey = image[..., :3].mean(axis=2)
    return grey.std() > 0.05 and (np.abs(grey - np.median(grey)) > 0.1).mean() > 0.02


def keep_screenshot(png, name):
    folder = os.environ.get("TINYGRAD_CNN_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(png)


@needs_dot
def test_next_walks_the_engines_order_and_shows_its_delta(browser, tmp_path):
    page, engine = kept_net_page(tmp_path)
    order = page.trace["order"]
    assert order == [f"op{i}" for i in reversed(range(len(order)))]      # reversed topological order
    opened = Opened(browser, page.path)
    try:
        assert opened.current() == []                                     # nothing processed yet
        drawn = opened.page.eval_on_selector_all("[data-node]", "els => els.map(e => e.dataset.node)")
        assert sorted(drawn) == sorted(n["id"] for n in page.trace["nodes"])
        for i, expected in enumerate(order):
            opened.page.click("#step-next")
            assert opened.current() == [expected]
            done = opened.page.eval_on_selector_all(".node.done[data-node^=op]", "els => els.map(e => e.dataset.node)")
            assert sorted(done) == sorted(order[:i])
            shown, value = shown_norm(opened.page)
            assert shown == pytest.approx(engine[expected], rel=1e-3)     # 3 significant figures
            assert value == pytest.approx(engine[expected], rel=1e-6)
        assert opened.page.is_disabled("#step-next")
        # every δ edge has arrived once the last node is processed
        assert opened.page.locator("[data-delta-edge].pending").count() == 0
        assert opened.page.locator("[data-delta-edge].arrived").count() == sum(
            e["norm"] is not None for e in page.trace["edges"])
        fanout = opened.page.locator("svg text.fanout").evaluate_all("els => els.map(e => e.textContent)")
        assert any(t.startswith("Σδ total (2 of 2)") for t in fanout)
        png = opened.page.screenshot(path=str(tmp_path / "last_step.png"))
        assert non_blank(png)
        keep_screenshot(png, "explorer_last_step.png")
        assert opened.errors == [] and opened.requests == []
    finally:
        opened.close()


@needs_dot
def test_keys_back_reset_play_heatmaps_and_the_norms_tab(browser, tmp_path):
    page, engine = kept_net_page(tmp_path)
    order = page.trace["order"]
    opened = Opened(browser, page.path)
    try:
        for _ in range(3):
            opened.page.keyboard.press("ArrowRight")
        assert opened.current() == [order[2]]
        opened.page.keyboard.press("ArrowLeft")
        assert opened.current() == [order[1]]
        opened.page.click("#step-back")
        assert opened.current() == [order[0]]
        opened.page.click("#reset")
        assert opened.current() == []
        # step to the first conv processed: its maps are real, decoded images
        conv = next(n["id"] for n in page.trace["nodes"] if n["op"] == "conv2d" and n["module"] == "conv2")
        for _ in range(order.index(conv) + 1):
            opened.page.keyboard.press("ArrowRight")
        assert opened.current() == [conv]
        images = opened.page.locator("#node-detail .maps img")
        # δ received (4 channels), sent: ∂L/∂z to pool1 (3), ∂L/∂W of filter 0 (3), ∂L/∂b (1)
        assert images.count() == 4 + 3 + 3 + 1
        sources = images.evaluate_all("els => els.map(e => [e.src.slice(0, 22), e.naturalWidth])")
        assert all(src == "data:image/png;base64," and width > 0 for src, width in sources)
        assert "full cross-correlation" in opened.page.inner_text("#node-detail")   # the rule
        assert "✓ matches autograd" in opened.page.inner_text("#node-detail")       # the steps
        png = opened.page.screenshot()
        assert non_blank(png)
        keep_screenshot(png, "explorer_conv2.png")
        # max pooling shows where δ went
        pool = next(n["id"] for n in page.trace["nodes"] if n["op"] == "max_pool2d")
        opened.page.click("#reset")
        for _ in range(order.index(pool) + 1):
            opened.page.click("#step-next")
        assert opened.page.locator("#node-detail img.routing").count() == 3
        # Play steps by itself, then pauses
        opened.page.click("#reset")
        opened.page.click("#play")
        opened.page.wait_for_function("document.querySelectorAll('.current').length === 1", timeout=5000)
        opened.page.click("#play")
        # clicking a box shows it without moving the step
        step_now = opened.current()
        leaf = next(n["id"] for n in page.trace["nodes"] if n["name"] == "conv1.weight")
        opened.page.click(f'[data-node="{leaf}"]')
        assert "conv1.weight" in opened.page.inner_text("#node-detail h2")
        assert opened.current() == step_now
        # the second tab: one point per op with a δ
        opened.page.click("#tab-norms")
        assert opened.page.is_visible("#norm-svg")
        points = opened.page.locator("#norm-svg circle").count()
        assert points == sum(1 for row in page.trace["layers"] if row["norm"])
        assert opened.errors == [] and opened.requests == []
    finally:
        opened.close()


def test_a_ten_thousand_node_page_opens_collapsed_and_steps(browser, tmp_path):
    x = tg.tensor([0.5, -1.5, 2.0], requires_grad=True)
    h = x
    for i in range(9_998):
        h = h.tanh() if i % 2 else h.relu()
    loss = h.sum()
    loss.backward(retain_graph=True)
    page = viz.explore(loss, path=tmp_path / "big.html")
    assert page.collapsed and len(page.trace["nodes"]) == 10_000
    opened = Opened(browser, page.path)
    try:
        assert "10,000 nodes" in opened.page.inner_text("#collapsed-notice")
        assert opened.page.locator("[data-group]").count() == 100
        for _ in range(5):
            opened.page.click("#step-next")
        node = next(n for n in page.trace["nodes"] if n["id"] == page.trace["order"][4])
        assert opened.current() == [node["group"]]
        assert opened.errors == [] and opened.requests == []
    finally:
        opened.close()


def test_hostile_names_stay_text(browser, tmp_path):
    tg.manual_seed(0)
    layer = nn.Linear(3, 2)
    model = nn.Sequential()
    name = '</script><img src=x onerror=alert(1)>\x1b[31m\t'
    model.add_module(name, layer)
    loss = model(tg.randn(2, 3)).sum()
    loss.backward(retain_graph=True)
    page = viz.explore(loss, model, path=tmp_path / "hostile.html", max_nodes=0)   # no Graphviz needed
    opened = Opened(browser, page.path)
    try:
        opened.page.click("#step-next")
        opened.page.click("#step-next")
        assert opened.page.locator("img[src=x]").count() == 0
        assert "</script><img src=x onerror=alert(1)>␛[31m␉" in opened.page.inner_text("#node-detail")
        assert opened.errors == [] and opened.requests == []
    finally:
        opened.close()
