"""viz.explore without a browser: the page's JSON contract, its self-containment, collapsing.

What must hold: the embedded trace is the engine's own record — the order is
``reversed(topological_order(root))``, every node's δ norm is the sum of what
its consumers sent, every edge's norm is that gradient's, fan-out partial sums
end at the total; the page loads nothing from anywhere (no URL in any src or
href, no external script or style); it is written quickly and collapsed above
``max_nodes``; without ``retain_graph=True`` it says what to do.
(tests/test_explore_browser.py drives the page itself in Chromium.)
"""
import html
import json
import re
import shutil

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import viz
from tinygrad_cnn.engine import topological_order

pytest.importorskip("networkx")
pytest.importorskip("graphviz")
nn = pytest.importorskip("tinygrad_cnn.nn")
F = nn.functional
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot binary: apt-get install graphviz")


def lenet_loss(batch=2, seed=0):
    from tinygrad_cnn.models import LeNet5

    tg.manual_seed(seed)
    model = LeNet5()
    loss = F.cross_entropy(model(tg.randn(batch, 1, 28, 28)), tg.tensor([3, 7][:batch]))
    loss.backward(retain_graph=True)
    return model, loss


def embedded(page_text, element_id):
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page_text, re.S)
    return json.loads(match.group(1))


@needs_dot
def test_the_json_contract_is_the_engines_record(tmp_path):
    model, loss = lenet_loss()
    page = viz.explore(loss, model, path=tmp_path / "p.html")
    trace = embedded(page.html(), "backward-trace")
    assert trace == json.loads(json.dumps(page.trace))            # what Python returned, exactly
    engine = list(reversed(topological_order(loss.grad_fn)))
    ids = {id(node): f"op{i}" for i, node in enumerate(topological_order(loss.grad_fn))}
    assert trace["order"] == [ids[id(node)] for node in engine]
    assert trace["order"][0] == trace["output"] == "op12"
    g = viz.to_networkx(loss, model)
    by_id = {n["id"]: n for n in trace["nodes"]}
    assert set(by_id) == set(g.nodes)
    for node_id, attrs in g.nodes(data=True):
        node = by_id[node_id]
        assert (node["op"], node["name"], node["module"], tuple(node["shape"])) == (
            attrs["op"], attrs["name"], attrs["module"], attrs["shape"])
    deltas = viz.node_deltas(loss, model)
    for node_id, delta in deltas.items():
        assert by_id[node_id]["delta"]["norm"] == pytest.approx(np.linalg.norm(delta.astype(np.float64)))
    assert by_id["op12"]["delta"] == {"norm": 1.0, "shape": [], "zero_fraction": 0.0, "seed": True,
                                      "maps": None}
    assert model.conv1.weight.grad is not None
    weight = next(n for n in trace["nodes"] if n["name"] == "conv1.weight")
    assert weight["delta"]["norm"] == pytest.approx(
        np.linalg.norm(model.conv1.weight.grad.numpy().astype(np.float64)), rel=1e-6)
    edges = {(e["from"], e["to"]): e for e in trace["edges"]}
    assert len(edges) == g.number_of_edges() == 24
    for u, v, data in g.edges(data=True):
        if data["grad"] is None:
            assert edges[u, v]["norm"] is None
        else:
            assert edges[u, v]["norm"] == pytest.approx(data["grad"]["norm"])
            assert tuple(edges[u, v]["shape"]) == data["grad"]["shape"]
    symbols = {(by_id[e["from"]]["op"] if by_id[e["from"]]["kind"] == "op" else by_id[e["from"]]["name"]):
               e["symbol"] for e in trace["edges"]}
    assert symbols["relu"] == "∂L/∂a" and symbols["conv2d"] == "∂L/∂z"
    assert symbols["conv1.weight"] == "∂L/∂W" and symbols["fc3.bias"] == "∂L/∂b"
    assert "rot180" in trace["rules"]["conv2d"] and "Shape:" not in trace["rules"]["conv2d"]
    # each drawn box is tagged with its id; every δ edge is tagged producer>consumer
    text = page.html()
    assert sorted(re.findall(r'data-node="(\w+)"', text)) == sorted(g.nodes)
    assert len(re.findall(r"data-delta-edge=", text)) == sum(
        d["grad"] is not None for _, _, d in g.edges(data=True))
    for element in ('id="step-back"', 'id="step-next"', 'id="play"', 'id="reset"', 'id="node-detail"'):
        assert element in text


@needs_dot
def test_pool_routes_and_conv_steps_are_the_recorded_and_textbook_ones(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2 * 3 * 3, 3))
    x = tg.randn(1, 1, 6, 6)
    loss = F.cross_entropy(model(x), tg.tensor([1]))
    loss.backward(retain_graph=True)
    trace = viz.explore(loss, model, path=tmp_path / "p.html").trace
    pool = next(n for n in trace["nodes"] if n["op"] == "max_pool2d")
    assert len(pool["routing"]["maps"]) == 2 and pool["routing"]["windows"] == "2×2, stride 2×2"
    # the routing pictures mark exactly the positions that received δ from the pool
    relu_out = model[1](model[0](x)).numpy()[0]                        # (2, 6, 6)
    windows = relu_out.reshape(2, 3, 2, 3, 2).transpose(0, 1, 3, 2, 4).reshape(2, 3, 3, 4)
    first = windows.argmax(axis=-1)                                    # ties: the first position
    expected = (first[0, 0, 0] // 2, first[0, 0, 0] % 2)
    assert pool["routing"]["example"].endswith(f"position {tuple(int(v) for v in expected)}")
    conv = next(n for n in trace["nodes"] if n["op"] == "conv2d")
    assert "✓ matches autograd" in conv["steps"]["text"] and "rot180" in conv["steps"]["text"]
    assert "pad δ" in conv["steps"]["text"]


def test_the_page_is_self_contained(tmp_path):
    model, loss = lenet_loss()
    text = viz.explore(loss, model, path=tmp_path / "p.html").html()
    assert not re.search(r'<(script|link|img|iframe)[^>]*\s(src|href)="(?!data:)', text)
    assert not re.search(r"(src|href)=\"(https?:|//)", text)
    assert not re.search(r"url\((?!data:)", text)
    assert "fetch(" not in text and "XMLHttpRequest" not in text and "import(" not in text
    assert text.count("<script>") == 1 and "<!DOCTYPE svg" not in text


def test_notebook_repr_and_default_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model, loss = lenet_loss(batch=1)
    page = viz.explore(loss, model, heatmaps=False)
    assert page.path == str(tmp_path / "delta_flow.html")
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=\"") and html.unescape(
        shown.split('srcdoc="')[1].split('" style=')[0]) == page.html()
    assert "steps=13" in repr(page)
    drawing = viz.draw(loss, model)
    if shutil.which("dot"):
        assert drawing._repr_svg_().lstrip().startswith("<?xml")
        assert list(drawing._repr_mimebundle_()) == ["image/svg+xml"]


def test_big_graphs_are_collapsed_and_say_so(tmp_path):
    x = tg.tensor([0.5, -1.5, 2.0], requires_grad=True)
    h = x
    for _ in range(600):
        h = h.relu()
    loss = h.sum()
    loss.backward(retain_graph=True)
    page = viz.explore(loss, path=tmp_path / "p.html")
    assert page.collapsed and "602 nodes, more than 400" in page.reason
    text = page.html()
    assert 'id="collapsed-notice"' in text and "<svg" not in text.split('id="graph"')[1].split("</div>")[0]
    assert len(re.findall(r'data-group="', text)) == 7                 # ops 0–99 … ops 600–699
    assert page.trace["order"] == [f"op{i}" for i in reversed(range(601))]
    assert all("maps" not in n.get("delta", {}) for n in page.trace["nodes"])
    if shutil.which("dot"):                                            # a higher limit draws it all
        assert not viz.explore(loss, path=tmp_path / "q.html", max_nodes=10_000).collapsed


def test_without_graphviz_the_page_is_collapsed(tmp_path, monkeypatch):
    import importlib

    explore_module = importlib.import_module("tinygrad_cnn.viz.explore")
    monkeypatch.setattr(explore_module.shutil, "which", lambda name, *a, **k: None)
    model, loss = lenet_loss(batch=1)
    page = viz.explore(loss, model, path=tmp_path / "p.html")
    assert page.collapsed and "apt-get install graphviz" in page.reason
    groups = re.findall(r'data-group="([^"]+)"', page.html())
    assert groups == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1",
                      "relu3", "fc2", "relu4", "fc3", "ops 0–99"]         # the loss ran outside


def test_without_retain_graph_it_says_what_to_do(tmp_path):
    model, _ = lenet_loss(batch=1)
    loss = F.cross_entropy(model(tg.randn(1, 1, 28, 28)), tg.tensor([1]))
    with pytest.raises(ValueError, match=r"retain_graph=True"):
        viz.explore(loss, model, path=tmp_path / "p.html")
    loss.backward()
    with pytest.raises(ValueError, match=r"retain_graph=True"):
        viz.explore(loss, model, path=tmp_path / "p.html")
    assert not (tmp_path / "p.html").exists()
    with pytest.raises(ValueError, match="level must be 'op' or 'layer'"):
        viz.explore(loss, model, path=tmp_path / "p.html", level="module")


def test_history_goes_into_the_page_and_non_finite_values_become_null(tmp_path):
    model, loss = lenet_loss(batch=1)
    history = viz.GradientHistory(every=1)
    history.record(0, loss, model)
    history.norms["conv1"][0] = float("nan")
    text = viz.explore(loss, model, path=tmp_path / "p.html", history=history, heatmaps=False).html()
    recorded = embedded(text, "training-history")
    assert recorded["steps"] == [0] and recorded["norms"]["conv1"] == [None]
    assert recorded["norms"]["fc3"][0] == pytest.approx(history.norms["fc3"][0])
    with pytest.raises(ValueError, match="every must be at least 1"):
        viz.GradientHistory(every=0)
