"""tinygrad_cnn.viz: the graph as networkx data and as Graphviz pictures.

What must hold: the networkx graph has exactly the nodes and edges of the
recorded graph (counted by hand for a small CNN), the δ statistics on its
edges are the gradients the engine computed, reading the graph changes no
gradient, the drawing is deterministic and escapes every label, and it
renders with the real Graphviz `dot`.
"""
import html
import json
import os
import pathlib
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import _state, viz
from tinygrad_cnn.engine import topological_order
from tinygrad_cnn.viz.heatmap import delta_grid

nx = pytest.importorskip("networkx")
pytest.importorskip("graphviz")
nn = pytest.importorskip("tinygrad_cnn.nn")
F = nn.functional
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot binary: apt-get install graphviz")


# ----- models -------------------------------------------------------------------
class SmallCNN(nn.Module):
    """2 conv, 2 pool, 3 linear, 3 relu and a flatten, on 1×12×12 images."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3, padding=1)       # (N, 3, 12, 12)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)                      # (N, 3, 6, 6)
        self.conv2 = nn.Conv2d(3, 4, 3)                   # (N, 4, 4, 4)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)                      # (N, 4, 2, 2)
        self.flatten = nn.Flatten()                       # (N, 16)
        self.fc1 = nn.Linear(16, 12)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(12, 8)
        self.fc3 = nn.Linear(8, 5)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.relu3(self.fc1(self.flatten(x)))
        return self.fc3(self.fc2(x))


def small_cnn_loss(seed=0, batch=3, retain=True, keep=None):
    """(model, loss) after one backward; ``keep`` collects retain_grad()-ed tensors."""
    tg.manual_seed(seed)
    model = SmallCNN()
    x = tg.randn(batch, 1, 12, 12)
    target = tg.tensor(np.arange(batch) % 5)
    a1 = model.relu1(model.conv1(x))
    if keep is not None:
        a1.retain_grad()
        keep["relu1"] = a1
    h = model.pool2(model.relu2(model.conv2(model.pool1(a1))))
    logits = model.fc3(model.fc2(model.relu3(model.fc1(model.flatten(h)))))
    loss = F.cross_entropy(logits, target)
    loss.backward(retain_graph=retain)
    return model, loss


class LabelledBlock:
    """A Module-like object with a hostile name: only what viz reads
    (named_modules, named_parameters, repr, and the scope it pushes)."""

    NAME = 'conv "a" <b> {c} | \\N'

    def __init__(self):
        tg.manual_seed(1)
        self.weight = tg.randn(4, 3, requires_grad=True)
        self.inner = LabelledInner(self)

    def named_modules(self):
        return [("", self), (self.NAME, self.inner)]

    def named_parameters(self):
        return [(self.NAME + ".weight", self.weight)]

    def __call__(self, x):
        return (self.inner(x) * 2.0).sum()


class LabelledInner:
    def __init__(self, owner):
        self.owner = owner

    def __repr__(self):
        return 'Inner(label="x" <y> & {z} | \\l)'

    def __call__(self, x):
        with _state.scope(self):
            return (x @ self.owner.weight).relu()


def svg_texts(svg):
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def render_svg(dot, tmp_path, name="g.svg"):
    path = viz.render(dot, tmp_path / name)
    return pathlib.Path(path).read_text(encoding="utf-8")


# ----- to_networkx: structure ---------------------------------------------------
def test_networkx_graph_of_core_ops_by_hand():
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    x = tg.tensor([2.0, 2.0, 2.0])
    y = (w * x).relu()                                   # op0 mul, op1 relu
    loss = (y @ w)                                       # op2 mat_mul: w used twice
    g = viz.to_networkx(loss)
    assert list(g.nodes) == ["leaf0", "leaf1", "op0", "op1", "op2"]
    assert g.graph["output"] == "op2"
    assert [(u, v, d["slot"]) for u, v, d in g.edges(data=True)] == [
        ("leaf0", "op0", 0), ("leaf0", "op2", 1), ("leaf1", "op0", 1),
        ("op0", "op1", 0), ("op1", "op2", 0)]
    assert g.nodes["op0"] == {"kind": "op", "op": "mul", "name": "mul", "shape": (3,),
                              "dtype": "float32", "module": None, "scope_type": None,
                              "requires_grad": True, "params": 0}
    # without a model: a leaf that requires grad is a parameter, the other an input
    assert g.nodes["leaf0"]["name"] == "param" and g.nodes["leaf0"]["params"] == 3
    assert g.nodes["leaf0"]["role"] == "param" and g.nodes["leaf1"]["role"] == "input"
    assert g.nodes["leaf1"]["name"] == "input"
    assert g.nodes["leaf1"]["requires_grad"] is False and g.nodes["leaf1"]["params"] == 0
    assert all(d["grad"] is None for _, _, d in g.edges(data=True))   # no backward yet

    loss.backward(retain_graph=True)
    g = viz.to_networkx(loss)
    # relu output y = (2, 0, 6); ∂L/∂y = w = (1, -2, 3); the mat_mul sends y to w
    assert g.edges["op1", "op2"]["grad"]["norm"] == pytest.approx(np.sqrt(14))
    assert g.edges["leaf0", "op2"]["grad"]["norm"] == pytest.approx(np.sqrt(40))
    assert g.edges["leaf1", "op0"]["grad"] is None                    # x needs no grad
    # δ through relu: zero where w·x < 0
    assert g.edges["op0", "op1"]["grad"]["zero_fraction"] == pytest.approx(1 / 3)


def test_an_argument_used_twice_shares_one_edge_with_the_summed_delta():
    x = tg.tensor([1.0, -3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    g = viz.to_networkx(loss)
    edge = g.edges["leaf0", "op0"]
    assert edge["slots"] == (0, 1) and edge["slot"] == 0
    assert edge["grad"]["norm"] == pytest.approx(np.linalg.norm(x.grad.numpy()))
    assert edge["grad"]["max_abs"] == pytest.approx(6.0)


def test_small_cnn_nodes_and_edges_counted_by_hand():
    model, loss = small_cnn_loss()
    g = viz.to_networkx(loss, model)
    assert nx.is_directed_acyclic_graph(g)
    ops = Counter(d["op"] for _, d in g.nodes(data=True) if d["kind"] == "op")
    assert ops == {"conv2d": 2, "max_pool2d": 2, "linear": 3, "relu": 3, "flatten": 1,
                   "cross_entropy": 1}
    # leaves: the input, the target, and 5 weights + 5 biases
    leaves = [d for _, d in g.nodes(data=True) if d["kind"] == "leaf"]
    assert len(leaves) == 12
    assert g.number_of_nodes() == 12 + 12
    # edges: conv 3 + 3, linear 3 + 3 + 3, relu 3, pool 2, flatten 1, cross_entropy 2
    assert g.number_of_edges() == 6 + 9 + 3 + 2 + 1 + 2
    names = sorted(d["name"] for d in leaves)
    assert names == sorted([f"{m}.{p}" for m in ("conv1", "conv2", "fc1", "fc2", "fc3")
                            for p in ("weight", "bias")] + ["input", "target"])
    conv = next(n for n, d in g.nodes(data=True) if d["op"] == "conv2d" and d["module"] == "conv1")
    assert g.nodes[conv]["shape"] == (3, 3, 12, 12) and g.nodes[conv]["scope_type"] == "Conv2d"
    assert g.nodes["leaf1"]["params"] == 3 * 1 * 3 * 3      # conv1.weight, used second
    assert sum(d["params"] for _, d in g.nodes(data=True)) == sum(
        p.numel() for p in model.parameters())
    output = g.graph["output"]
    assert g.nodes[output]["op"] == "cross_entropy" and g.out_degree(output) == 0
    assert viz.longest_path(g)[-1] == output
    assert len(viz.longest_path(g)) == 1 + 12              # the input, then every op in turn


def test_ids_follow_the_graph_not_memory():
    g1 = viz.to_networkx(small_cnn_loss(seed=0)[1], None)
    g2 = viz.to_networkx(small_cnn_loss(seed=5)[1], None)
    assert list(g1.nodes(data="op")) == list(g2.nodes(data="op"))
    assert list(g1.edges) == list(g2.edges)


def test_parameters_in_a_sequential_are_named_by_index():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = model(tg.randn(2, 3)).sum()
    g = viz.to_networkx(loss, model)
    names = {d["name"] for _, d in g.nodes(data=True) if d["kind"] == "leaf"}
    assert names == {"input", "0.weight", "0.bias", "2.weight", "2.bias"}
    assert [d["module"] for _, d in g.nodes(data=True) if d["kind"] == "op"] == ["0", "1", "2", None]  # .sum() ran outside the model


# ----- δ statistics are the engine's gradients ------------------------------------
def test_edge_statistics_equal_the_engines_gradients():
    keep = {}
    model, loss = small_cnn_loss(keep=keep)
    g = viz.to_networkx(loss, model)
    by_name = {d["name"]: n for n, d in g.nodes(data=True) if d["kind"] == "leaf"}
    for name, param in model.named_parameters():           # each used exactly once
        (consumer,) = g.successors(by_name[name])
        stats = g.edges[by_name[name], consumer]["grad"]
        grad = param.grad.numpy().astype(np.float64)
        assert stats["shape"] == param.shape
        assert stats["norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-12)
        assert stats["mean_abs"] == pytest.approx(np.abs(grad).mean(), rel=1e-12)
        assert stats["max_abs"] == pytest.approx(np.abs(grad).max(), rel=1e-12)
    # an intermediate edge: relu1 -> pool1 carries exactly relu1's retained grad
    relu1 = next(n for n, d in g.nodes(data=True) if d["module"] == "relu1")
    (pool1,) = g.successors(relu1)
    retained = keep["relu1"].grad.numpy().astype(np.float64)
    stats = g.edges[relu1, pool1]["grad"]
    assert stats["norm"] == pytest.approx(np.linalg.norm(retained), rel=1e-12)
    assert stats["zero_fraction"] == pytest.approx(np.mean(retained == 0))
    assert stats["zero_fraction"] >= 0.75                  # a 2×2 max pool routes δ to 1 of 4
    np.testing.assert_array_equal(viz.node_deltas(loss, model)[relu1], keep["relu1"].grad.numpy())


def test_without_retain_graph_no_delta_is_kept():
    model, loss = small_cnn_loss(retain=False)
    g = viz.to_networkx(loss, model)
    assert all(d["grad"] is None for _, _, d in g.edges(data=True))
    assert "retain_graph=True" in viz.draw(loss, model).source      # the legend says why


def test_reading_and_drawing_change_no_gradient(tmp_path):
    model, loss = small_cnn_loss()
    before = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
    sent = [tuple(None if d is None else d.copy() for d in node.grad_inputs)
            for node in topological_order(loss.grad_fn)]
    viz.to_networkx(loss, model)
    viz.draw(loss, model, level="layer", heatmaps=True, asset_dir=tmp_path)
    viz.delta_norms(loss, model)
    viz.check_topological_order(loss)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.grad.numpy(), before[name])
    for node, old in zip(topological_order(loss.grad_fn), sent):
        for new_delta, old_delta in zip(node.grad_inputs, old):
            assert (new_delta is None) == (old_delta is None)
            if new_delta is not None:
                np.testing.assert_array_equal(new_delta, old_delta)
    # the graph still back-propagates, to the same gradients
    loss.backward(retain_graph=True)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), 2 * before[name], rtol=1e-6)


# ----- draw ----------------------------------------------------------------------
def test_delta_edges_are_dashed_back_arrows_labelled_with_one_convention():
    model, loss = small_cnn_loss()
    source = viz.draw(loss, model).source
    delta_edges = [line for line in source.splitlines() if "dir=back" in line]
    g = viz.to_networkx(loss, model)
    with_grad = [e for e in g.edges(data=True) if e[2]["grad"] is not None]
    assert len(delta_edges) == len(with_grad)
    assert all("style=dashed" in line for line in delta_edges)
    by_edge = {tuple(line.split("[")[0].split(" -> ")): line for line in delta_edges}
    for producer, consumer, _ in with_grad:
        line = by_edge[(f"\t{producer}", f"{consumer} ")]
        attrs = g.nodes[producer]
        if attrs["kind"] == "leaf":                  # a parameter: ∂L/∂W or ∂L/∂b, never δ
            symbol = "∂L/∂b" if attrs["name"].endswith("bias") else "∂L/∂W"
            assert f"{symbol} {attrs['shape']}" in line and "δ" not in line
        elif attrs["op"] == "relu":                  # after an activation: ∂L/∂a
            assert f"∂L/∂a {attrs['shape']}" in line and "‖∂L/∂a‖=" in line and "δ" not in line
        else:                                        # conv, pool, linear, flatten: δ = ∂L/∂z
            assert f"δ=∂L/∂z {attrs['shape']}" in line and "‖δ‖=" in line
    assert "δ=∂L/∂z (3, 3, 12, 12)" in source and "∂L/∂W (3, 1, 3, 3)" in source
    assert "dir=back" not in viz.draw(loss, model, show_grad=False).source


def test_inputs_are_called_input_and_target_or_what_the_user_says():
    tg.manual_seed(0)
    model = SmallCNN()
    images, labels = tg.randn(2, 1, 12, 12), tg.tensor([1, 2])
    loss = F.cross_entropy(model(images), labels)
    g = viz.to_networkx(loss, model)
    inputs = {d["name"] for _, d in g.nodes(data=True) if d["kind"] == "leaf" and d["role"] == "input"}
    assert inputs == {"input", "target"}
    g = viz.to_networkx(loss, model, names={"images": images, "labels": labels})
    inputs = {d["name"] for _, d in g.nodes(data=True) if d["kind"] == "leaf" and d["role"] == "input"}
    assert inputs == {"images", "labels"}
    assert "<B>images</B>" in viz.draw(loss, model, names={"images": images}).source
    with pytest.raises(TypeError, match="names maps a name to a Tensor"):
        viz.to_networkx(loss, model, names={"images": 3})


def test_colour_and_width_follow_log_norm():
    # a chain of sigmoids: ‖δ‖ shrinks by ≤ 1/4 per layer, the vanishing gradient
    x = tg.tensor([0.5, -0.5], requires_grad=True)
    h = x
    for _ in range(6):
        h = h.sigmoid()
    loss = h.sum()
    loss.backward(retain_graph=True)
    g = viz.to_networkx(loss)
    norms = [g.edges[f"op{i}", f"op{i + 1}"]["grad"]["norm"] for i in range(6)]
    assert all(a < b for a, b in zip(norms, norms[1:]))     # smaller towards the input
    source = viz.draw(loss).source
    widths = [float(w) for w in re.findall(r"dir=back[^\]]*penwidth=([0-9.]+)", source)]
    edge_lines = [l for l in source.splitlines() if "dir=back" in l]
    assert 'color="#3182bd"' in edge_lines[0] or "#3182bd" in edge_lines[0]  # leaf x: smallest
    assert "#d7191c" in next(l for l in edge_lines if l.strip().startswith("op5 -> op6"))
    assert min(widths) == pytest.approx(0.8) and max(widths) == pytest.approx(3.5)


def test_same_seed_same_dot_text(tmp_path):
    from tinygrad_cnn.models import LeNet5

    def dot_text(level, heatmaps):
        tg.manual_seed(3)
        model = LeNet5()
        loss = F.cross_entropy(model(tg.randn(2, 1, 28, 28)), tg.tensor([1, 7]))
        loss.backward(retain_graph=True)
        return viz.draw(loss, model, level=level, heatmaps=heatmaps,
                        asset_dir=tmp_path / "maps").source

    for level in ("op", "layer"):
        assert dot_text(level, False) == dot_text(level, False)
    first = dot_text("layer", True)
    assert first == dot_text("layer", True)
    assert "0x" not in first                                 # no memory addresses


def test_layer_level_clusters_per_module():
    model, loss = small_cnn_loss()
    source = html.unescape(viz.draw(loss, model, level="layer").source)
    clusters = re.findall(r"subgraph (cluster_\w+)", source)
    # 11 modules ran an op; relu1..relu3 are drawn inside the layer they follow
    assert clusters == [f"cluster_{i}" for i in range(8)]
    titles = re.findall(r"title_\d+ \[label=<<TABLE[^>]*><TR><TD><B>([^<]*)</B>", source)
    assert titles == ["conv1: Conv2d(1, 3, 3, padding=1) + relu1", "pool1: MaxPool2d(2)",
                      "conv2: Conv2d(3, 4, 3) + relu2", "pool2: MaxPool2d(2)", "flatten: Flatten",
                      "fc1: Linear(16, 12) + relu3", "fc2: Linear(12, 8)", "fc3: Linear(8, 5)"]
    # the full repr is the title's tooltip
    assert 'tooltip="MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"' in source
    # a parameter and the activation are drawn inside their layer's box
    block = source[source.index("fc1: Linear"):]
    block = block[:block.index("}")]
    assert "fc1.weight" in block and "fc1.bias" in block and "<B>relu</B>" in block
    # asked for: every activation in a box of its own
    apart = viz.draw(loss, model, level="layer", group_activations=False).source
    assert len(re.findall(r"subgraph cluster_", apart)) == 11


def plain_layout(dot):
    """Graphviz's own layout as (node boxes, edge control points), from ``dot -Tplain``."""
    text = subprocess.run(["dot", "-Tplain"], input=dot.source.encode(), capture_output=True,
                          check=True).stdout.decode()
    boxes, edges = {}, []
    for line in text.splitlines():
        parts = line.split()
        if parts[0] == "node":
            x, y, w, h = map(float, parts[2:6])
            boxes[parts[1]] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        elif parts[0] == "edge":
            count = int(parts[3])
            points = [(float(parts[4 + 2 * i]), float(parts[5 + 2 * i])) for i in range(count)]
            edges.append((parts[1], parts[2], points))
    return boxes, edges


def bezier_points(controls, steps=24):
    """Points along a piecewise cubic Bézier curve (Graphviz's edge splines)."""
    points = []
    for start in range(0, len(controls) - 3, 3):
        p0, p1, p2, p3 = (np.array(c) for c in controls[start:start + 4])
        for t in np.linspace(0, 1, steps):
            points.append((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1
                          + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)
    return points


@needs_dot
def test_no_edge_crosses_a_layer_title():
    from tinygrad_cnn.models import LeNet5

    tg.manual_seed(0)
    model = LeNet5()
    loss = F.cross_entropy(model(tg.randn(2, 1, 28, 28)), tg.tensor([3, 7]))
    loss.backward(retain_graph=True)
    boxes, edges = plain_layout(viz.draw(loss, model, level="layer"))
    titles = {name: box for name, box in boxes.items() if name.startswith("title_")}
    assert len(titles) == 8                                   # 12 modules, 4 relus merged
    drawn = [(u, v, points) for u, v, points in edges if not v.startswith("title_")
             and not u.startswith("title_")]
    g = viz.to_networkx(loss, model)                          # forward and δ arrows
    assert len(drawn) == 24 + sum(d["grad"] is not None for _, _, d in g.edges(data=True)) == 24 + 22
    for producer, consumer, controls in drawn:
        for x, y in bezier_points(controls):
            for name, (x0, y0, x1, y1) in titles.items():
                assert not (x0 < x < x1 and y0 < y < y1), f"{producer} -> {consumer} crosses {name}"


@needs_dot
def test_render_svg_with_graphviz(tmp_path):
    model, loss = small_cnn_loss()
    g = viz.to_networkx(loss, model)
    svg = render_svg(viz.draw(loss, model, level="layer"), tmp_path)
    texts = svg_texts(svg)
    assert svg.count('class="node"') == g.number_of_nodes() + 1 + 8  # + the legend, 8 titles
    assert svg.count('class="cluster"') == 8
    assert "conv1: Conv2d(1, 3, 3, padding=1) + relu1" in texts
    assert "pool2: MaxPool2d(2)" in texts
    assert "δ=∂L/∂z (3, 3, 12, 12)" in texts and "conv1.weight" in texts
    norm_texts = [t for t in texts if re.match(r"‖(δ|∂L/∂[abWx])‖=", t)]
    assert len(norm_texts) == sum(d["grad"] is not None for _, _, d in g.edges(data=True))


@needs_dot
def test_hostile_labels_are_escaped(tmp_path):
    block = LabelledBlock()
    loss = block(tg.tensor([[1.0, 2.0, 3.0, 4.0]]))
    loss.backward(retain_graph=True)
    g = viz.to_networkx(loss, block)
    assert g.nodes["op0"]["module"] == LabelledBlock.NAME
    for level in ("op", "layer"):
        dot = viz.draw(loss, block, level=level)
        # Graphviz parses it into exactly the nodes we made: nothing injected
        parsed = json.loads(subprocess.run(["dot", "-Tjson"], input=dot.source.encode(),
                                           capture_output=True, check=True).stdout)
        names = sorted(o["name"] for o in parsed["objects"] if "nodes" not in o)
        titles = ["title_0"] if level == "layer" else []
        assert names == sorted(list(g.nodes) + ["legend"] + titles)
        texts = svg_texts(render_svg(dot, tmp_path, f"{level}.svg"))
        assert LabelledBlock.NAME + ".weight" in texts            # \N not expanded
        if level == "op":
            assert LabelledBlock.NAME in texts
        else:
            assert LabelledBlock.NAME + ": LabelledInner" in texts   # the short title
            svg = (tmp_path / f"{level}.svg").read_text(encoding="utf-8")
            # the full repr is the box's tooltip, \l not expanded
            assert 'title="Inner(label=&quot;x&quot; &lt;y&gt; &amp; {z} | \\l)"' in svg


class NamedBlock:
    """A Module-like object whose one submodule has a given (hostile) name."""

    def __init__(self, name):
        tg.manual_seed(2)
        self.name = name
        self.weight = tg.randn(4, 3, requires_grad=True)
        self.inner = NamedInner(self, name)

    def named_modules(self):
        return [("", self), (self.name, self.inner)]

    def named_parameters(self):
        return [(self.name + ".weight", self.weight)]

    def __call__(self, x):
        return (self.inner(x) * 2.0).sum()


class NamedInner:
    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __repr__(self):
        return f"Inner({self.name})"

    def __call__(self, x):
        with _state.scope(self):
            return (x @ self.owner.weight).relu()


CONTROL_NAMES = ["a\x01b", "tab\x0bv", "\x1b[31mred\x1b[0m", "\t", "\r", "\t\r\t",
                 'x"] ; evil [label="y', "a\\N -> b", "\x00nul\x7f\x85", "<b>", "\ud800lone"]


@needs_dot
@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_control_characters_in_names_render_and_inject_nothing(tmp_path, name):
    block = NamedBlock(name)
    loss = block(tg.tensor([[1.0, 2.0, 3.0, 4.0]]))
    loss.backward(retain_graph=True)
    g = viz.to_networkx(loss, block)
    shown = viz.labels.safe_text(name)
    assert all(ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF for c in shown)
    for level in ("op", "layer"):
        dot = viz.draw(loss, block, level=level)
        parsed = json.loads(subprocess.run(["dot", "-Tjson"], input=dot.source.encode("utf-8"),
                                           capture_output=True, check=True).stdout)
        names = sorted(o["name"] for o in parsed["objects"] if "nodes" not in o)
        titles = ["title_0"] if level == "layer" else []
        assert names == sorted(list(g.nodes) + ["legend"] + titles)
        with_grad = sum(d["grad"] is not None for _, _, d in g.edges(data=True))
        invisible = dot.source.count("style=invis")          # title -> the box's first nodes
        assert invisible == (1 if level == "layer" else 0)
        assert len(parsed.get("edges", [])) == g.number_of_edges() + with_grad + invisible
        texts = svg_texts(render_svg(dot, tmp_path, f"{level}.svg"))
        assert shown + ".weight" in texts


@needs_dot
def test_heatmaps_are_written_and_embedded(tmp_path, monkeypatch):
    model, loss = small_cnn_loss()
    dot = viz.draw(loss, model, heatmaps=True, asset_dir=tmp_path / "maps")
    files = sorted(p.name for p in (tmp_path / "maps").iterdir())
    g = viz.to_networkx(loss, model)
    four_d = sorted(f"{n}_delta.png" for n, d in g.nodes(data=True)
                    if d["kind"] == "op" and len(d["shape"]) == 4)
    assert files == four_d and len(files) == 6               # conv, relu, pool, twice
    assert dot.source.count("<IMG SRC=") == 6
    # the PNG decodes to exactly the δ grid of that node
    relu1 = next(n for n, d in g.nodes(data=True) if d["module"] == "relu1")
    expected, _ = delta_grid(viz.node_deltas(loss, model)[relu1])
    np.testing.assert_array_equal(read_png(tmp_path / "maps" / f"{relu1}_delta.png"), expected)
    import tempfile

    scratch = tmp_path / "tmp"                    # a temp dir of this test's own, so other
    scratch.mkdir()                               # processes' files cannot confuse the check
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def leftovers():
        return sorted(p for p in os.listdir(tempfile.gettempdir()) if p.startswith("tinygrad_cnn_"))

    before = leftovers()
    svg = render_svg(dot, tmp_path)
    assert svg.count("data:image/png;base64,") == 6           # the SVG stands alone
    png = viz.render(dot, tmp_path / "g.png")
    assert pathlib.Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert leftovers() == before                              # no temporary folder left behind
    # without asset_dir the maps live in the drawing itself, and render still draws them
    in_memory = viz.draw(loss, model, heatmaps=True)
    assert sorted(in_memory.images) == files and '<IMG SRC="op0_delta.png"/>' in in_memory.source
    assert render_svg(in_memory, tmp_path, "m.svg").count("data:image/png;base64,") == 6
    assert leftovers() == before


@needs_dot
def test_heatmap_pictures_fit_a_screen_and_show_every_value():
    from tinygrad_cnn.models import LeNet5

    tg.manual_seed(0)
    model = LeNet5()
    loss = F.cross_entropy(model(tg.randn(2, 1, 28, 28)), tg.tensor([3, 7]))
    loss.backward(retain_graph=True)
    drawing = viz.draw(loss, model, heatmaps=True)
    for name, data in drawing.images.items():
        width, height = struct.unpack(">II", data[16:24])
        assert width <= 340, name                             # a node stays narrow
    conv1 = viz.node_deltas(loss, model)["op0"]                # (2, 6, 28, 28)
    rgb, _ = delta_grid(conv1)
    assert rgb.shape[1] == 2 + 3 * (84 + 2)                     # 3 px per value, 3 maps per row
    svg = drawing.svg()
    width_pt = float(re.search(r'<svg width="([0-9.]+)pt"', svg).group(1))
    assert width_pt * 96 / 72 < 1920                            # the picture fits a screen width
    assert drawing._repr_svg_() == svg and drawing._repr_mimebundle_() == {"image/svg+xml": svg}


def read_png(path):
    """Decode the 8-bit RGB, unfiltered PNGs that viz.heatmap writes."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(height, -1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def test_save_writes_dot_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    dot = viz.draw(loss)
    for name in ("g.dot", "g.gv"):
        path = viz.render(dot, tmp_path / name)
        assert pathlib.Path(path).read_text(encoding="utf-8") == dot.source
    assert pathlib.Path(viz.save(dot.source, tmp_path / "s.dot")).read_text(encoding="utf-8") == dot.source


def test_missing_dot_binary_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    x = tg.tensor([1.0], requires_grad=True)
    dot = viz.draw(x.exp().sum())
    for name in ("g.svg", "g.png", "g.pdf"):
        with pytest.raises(RuntimeError, match="apt-get install graphviz") as error:
            viz.render(dot, tmp_path / name)
        assert "brew install graphviz" in str(error.value)
        assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf or \.dot"):
        viz.render(dot, tmp_path / "g.jpeg")
    # a notebook shows how to install Graphviz instead of a traceback
    assert dot._repr_svg_() is None
    assert "apt-get install graphviz" in dot._repr_mimebundle_()["text/plain"]


def test_ten_thousand_node_graph_without_recursion():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    h = x
    for _ in range(10_000):
        h = h.relu()
    loss = h.sum()
    loss.backward(retain_graph=True)
    g = viz.to_networkx(loss)
    assert g.number_of_nodes() == 10_002 and g.number_of_edges() == 10_001
    assert len(viz.longest_path(g)) == 10_002
    source = viz.draw(loss).source
    assert source.count("dir=back") == 10_001
    assert len(viz.check_topological_order(loss)) == 10_001


# ----- analysis ------------------------------------------------------------------
def test_engine_order_is_a_topological_order_per_networkx():
    model, loss = small_cnn_loss()
    order = viz.check_topological_order(loss)
    g = viz.to_networkx(loss)
    ops = [n for n, d in g.nodes(data=True) if d["kind"] == "op"]
    assert sorted(order) == sorted(ops)
    assert nx.is_directed_acyclic_graph(g)
    position = {n: i for i, n in enumerate(order)}
    assert all(position[u] < position[v] for u, v in g.subgraph(ops).edges)
    # a diamond with fan-out: y feeds two branches that meet again
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = (y.sigmoid() * y.tanh() + y).sum()
    assert viz.check_topological_order(z)[0] == "op0"


def test_check_topological_order_catches_a_wrong_order(monkeypatch):
    x = tg.tensor([1.0], requires_grad=True)
    loss = x.exp().log().sum()
    from tinygrad_cnn.viz import analysis
    monkeypatch.setattr(analysis, "topological_order", lambda root: topological_order(root)[::-1])
    with pytest.raises(AssertionError, match="goes backward"):
        viz.check_topological_order(loss)


def test_delta_norms_table():
    keep = {}
    model, loss = small_cnn_loss(keep=keep)
    table = viz.delta_norms(loss, model)
    assert [row["layer"] for row in table] == [
        "cross_entropy", "fc3", "fc2", "relu3", "fc1", "flatten", "pool2", "relu2", "conv2",
        "pool1", "relu1", "conv1"]
    assert table[0]["delta_norm"] is None
    relu1 = next(row for row in table if row["layer"] == "relu1")
    assert relu1["delta_norm"] == pytest.approx(np.linalg.norm(keep["relu1"].grad.numpy()))
    fc3 = table[1]
    grads = [model.fc3.weight.grad.numpy(), model.fc3.bias.grad.numpy()]
    assert fc3["param_grad_norm"] == pytest.approx(np.sqrt(sum((g.astype(float) ** 2).sum()
                                                                for g in grads)))
    assert table[5]["param_grad_norm"] is None                 # flatten has no parameters
    text = str(table)
    assert text.splitlines()[0].split() == ["layer", "op", "output", "shape", "derivative", "norm",
                                            "zeros", "‖∂L/∂W‖"]
    assert relu1["derivative"] == "∂L/∂a" and fc3["derivative"] == "δ=∂L/∂z"
    assert len(text.splitlines()) == 2 + 12 and "conv1" in text.splitlines()[-1]


def test_param_counts():
    from tinygrad_cnn.models import LeNet5
    assert viz.param_counts(LeNet5()) == {"conv1": 156, "conv2": 2416, "fc1": 48120,
                                          "fc2": 10164, "fc3": 850}
    assert viz.param_counts(SmallCNN()) == {"conv1": 30, "conv2": 112, "fc1": 204, "fc2": 104,
                                            "fc3": 45}


def test_nested_modules_give_nested_clusters():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.features(x).flatten(1))

    tg.manual_seed(0)
    model = Net()
    loss = model(tg.randn(2, 1, 4, 4)).sum()
    loss.backward(retain_graph=True)
    source = html.unescape(viz.draw(loss, model, level="layer").source)
    features = source.index("features: Sequential")
    inner = [source.index("features.0: Conv2d(1, 2, 3) + features.1")]
    end_of_features = source.index("\n\t}", max(inner))           # the outer cluster closes last
    assert features < min(inner) and source.count("subgraph cluster_") == 3
    assert source[end_of_features:].count("\t}") >= 1
    g = viz.to_networkx(loss, model)
    assert {d["module"] for _, d in g.nodes(data=True) if d["kind"] == "op"} == {
        "features.0", "features.1", "head", "", None}   # flatten ran in Net.forward; sum outside
