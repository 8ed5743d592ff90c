"""The ``tinygrad-cnn`` command line and the built-in models it draws."""
import shutil

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import viz

pytest.importorskip("graphviz")
pytest.importorskip("networkx")
from tinygrad_cnn.cli import graph_for_model, main  # noqa: E402
from tinygrad_cnn.models import MODELS, TFCNN, LeNet5  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot binary: apt-get install graphviz")


@needs_dot
def test_graph_command_writes_an_svg(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "--model", "lenet5", "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("conv1.weight", "fc3.bias", "max_pool2d", "cross_entropy",
                 "δ=∂L/∂z (4, 6, 28, 28)", "‖δ‖=", "∂L/∂W (6, 1, 5, 5)", "input", "target"):
        assert text in svg
    assert f"wrote {out}" in capsys.readouterr().out


@needs_dot
def test_graph_command_layer_level_with_heatmaps(tmp_path):
    out = tmp_path / "lenet.png"
    assert main(["graph", "--model", "lenet5", "--out", str(out), "--level", "layer",
                 "--heatmaps", "--batch", "2", "--seed", "1"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the δ maps are drawn into the PNG: no folder of image files is left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lenet.png"]


def test_graph_command_dot_with_heatmaps_writes_its_images_beside_it(tmp_path):
    out = tmp_path / "lenet.dot"
    assert main(["graph", "--model", "lenet5", "--out", str(out), "--heatmaps", "--batch", "2"]) == 0
    maps = sorted(p.name for p in tmp_path.iterdir() if p.name != "lenet.dot")
    assert len(maps) == 6 and all(name.endswith("_delta.png") for name in maps)
    assert all(f'<IMG SRC="{name}"/>' in out.read_text(encoding="utf-8") for name in maps)


def test_graph_command_dot_output_is_deterministic(tmp_path):
    for name in ("a.dot", "b.dot"):
        assert main(["graph", "--model", "tf_cnn", "--out", str(tmp_path / name),
                     "--level", "layer", "--seed", "2"]) == 0
    a = (tmp_path / "a.dot").read_text(encoding="utf-8")
    assert a == (tmp_path / "b.dot").read_text(encoding="utf-8")
    assert "cluster_" in a and "conv2: Conv2d(8, 16, 5) + " in a


def test_graph_command_reports_errors(tmp_path, capsys, monkeypatch):
    assert main(["graph", "--out", str(tmp_path / "g.jpeg")]) == 1
    assert ".svg, .png, .pdf or .dot" in capsys.readouterr().err
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert main(["graph", "--out", str(tmp_path / "g.svg")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", "--model", "alexnet", "--out", "x.svg"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        main([])


def test_explore_command_writes_the_page(tmp_path, capsys):
    import json
    import re

    assert main(["explore", "--model", "tf_cnn", "--out", str(tmp_path / "pages"), "--batch", "2"]) == 0
    path = tmp_path / "pages" / "tf_cnn_explorer.html"
    page = path.read_text(encoding="utf-8")
    trace = json.loads(re.search(r'id="backward-trace">(.*?)</script>', page, re.S).group(1))
    model, loss = graph_for_model("tf_cnn", batch=2)
    assert len(trace["order"]) == len(viz.check_topological_order(loss))
    assert f"wrote {path}" in capsys.readouterr().out
    assert main(["explore", "--model", "lenet5", "--out", str(tmp_path), "--name", "x.html",
                 "--level", "layer", "--no-heatmaps"]) == 0
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    trace = json.loads(re.search(r'id="backward-trace">(.*?)</script>', page, re.S).group(1))
    assert trace["nodes"][-1]["delta"]["norm"] == 1.0 and "maps" not in trace["nodes"][-1]["delta"]
    assert all("maps" not in e for e in trace["edges"])
    assert page.count('class="cluster"') == 8          # level=layer: 12 modules, 4 ReLUs inside


def test_help_lists_the_graph_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "graph" in out and "explore" in out


def test_graph_for_model_uses_the_first_test_images():
    from tinygrad_cnn.data import EmbeddedFashionMNIST
    import tinygrad_cnn.nn.functional as F

    model, loss = graph_for_model("lenet5", batch=3, seed=4)
    test_set = EmbeddedFashionMNIST(train=False)
    tg.manual_seed(4)
    again = LeNet5()
    expected = F.cross_entropy(again(tg.tensor(test_set.data[:3])), tg.tensor(test_set.targets[:3]))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert loss.grad_fn.grad_inputs is not None               # the graph kept its δ
    assert model.conv1.weight.grad is not None


def test_built_in_models():
    assert set(MODELS) == {"lenet5", "modern_lenet", "tf_cnn", "resnet18"}
    tg.manual_seed(0)
    lenet, tf_cnn = LeNet5(), TFCNN()
    x = tg.randn(2, 1, 28, 28)
    assert lenet(x).shape == (2, 10) and tf_cnn(x).shape == (2, 10)
    assert sum(p.numel() for p in lenet.parameters()) == 61706
    assert sum(p.numel() for p in tf_cnn.parameters()) == 8 * 25 + 8 + 16 * 8 * 25 + 16 \
        + 256 * 128 + 128 + 128 * 10 + 10
    assert [name for name, _ in lenet.named_children()] == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3",
        "fc2", "relu4", "fc3"]
    assert TFCNN(channels=(32, 64), hidden=1024)(x).shape == (2, 10)
    np.testing.assert_array_equal(lenet.conv1.weight.shape, (6, 1, 5, 5))
