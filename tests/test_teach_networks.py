"""docs/networks.md and docs/exercises.md: every table after "prints" is what the
block before it prints, so no number on the pages is typed in by hand; and the
networks page's claims hold."""
import contextlib
import io
import pathlib
import re

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRINTED = re.compile(r"```python\n(.*?)```\n(?:\nprints\n\n```text\n(.*?)```\n)?", re.S)


def run_page(name, monkeypatch, tmp_path):
    """[(printed text on the page or None, what the block printed)] for every python block."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    namespace = {"__name__": f"docs_{name}"}
    results = []
    for match in PRINTED.finditer((ROOT / "docs" / name).read_text(encoding="utf-8")):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(match.group(1), name, "exec"), namespace)   # noqa: S102 - our own docs
        results.append((match.group(2), out.getvalue()))
    return results, namespace


@pytest.fixture(scope="module")
def networks_page(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        yield run_page("networks.md", monkeypatch, tmp_path_factory.mktemp("networks"))
    finally:
        monkeypatch.undo()


def test_every_printed_table_is_what_the_code_prints(networks_page):
    results, _ = networks_page
    shown = [(page, printed) for page, printed in results if page is not None]
    assert len(shown) >= 8
    for page, printed in shown:
        assert page == printed


def test_exercises_page_prints_what_it_shows(monkeypatch, tmp_path):
    results, _ = run_page("exercises.md", monkeypatch, tmp_path)
    shown = [(page, printed) for page, printed in results if page is not None]
    assert len(shown) >= 5
    for page, printed in shown:
        assert page == printed


def test_lenet5_counts_are_lecuns(networks_page):
    _, namespace = networks_page
    rows = {row.name: row for row in namespace["lenet"].rows}
    assert (rows["s2"].params, rows["s2"].connections) == (12, 5_880)
    assert (rows["c3"].params, rows["c3"].connections) == (1_516, 151_600)
    assert rows["c1"].connections == 28 * 28 * 6 * (25 + 1) == 122_304


def test_standard_models_at_224(networks_page):
    _, namespace = networks_page
    assert namespace["alex"].total_macs == 714_188_480
    assert namespace["resnet"].total_macs == 1_814_073_344
    assert namespace["resnet"].total_params == 11_689_512


def test_page_measures_the_built_in_models_not_its_own(networks_page):
    """AlexNet, the Inception module and ResNet-18 come from tinygrad_cnn.models:
    the page defines none of them, and its tables' rows carry torchvision's names."""
    from tinygrad_cnn import models

    _, namespace = networks_page
    page = (ROOT / "docs" / "networks.md").read_text(encoding="utf-8")
    for name in ("alexnet", "AlexNet", "Inception", "BasicBlock", "resnet18", "ResNet"):
        assert not re.search(rf"^(def|class) {name}\b", page, re.M), name
    assert "switch to the built-in" not in page and "will come from" not in page
    assert isinstance(namespace["inception3a"], models.Inception)
    assert isinstance(namespace["resnet18"], models.ResNet)
    assert isinstance(namespace["halving"], models.BasicBlock)
    alex_names = [row.name for row in namespace["alex"].rows]
    assert alex_names[0] == "features.0" and alex_names[-1] == "classifier.6"
    assert "avgpool" in alex_names


def test_inception_3a_counts(networks_page):
    """torchvision's inception3a at 28×28: each branch's parameters (conv weights
    and BatchNorm's γ, β) and MACs, and the 1×1 reductions' saving."""
    _, namespace = networks_page
    rows = {row.name: row for row in namespace["module"].rows}
    assert rows["branch1"].params == 192 * 64 + 2 * 64
    assert rows["branch2"].params == 192 * 96 + 2 * 96 + 96 * 128 * 9 + 2 * 128
    assert rows["branch3"].params == 192 * 16 + 2 * 16 + 16 * 32 * 9 + 2 * 32
    assert rows["branch4"].params == 192 * 32 + 2 * 32
    pixels = 28 * 28
    assert namespace["module"].total_macs == pixels * (
        192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 9 + 192 * 32)
    assert namespace["naive_macs"] == pixels * 192 * (64 + 128 * 9 + 32 * 9 + 32)
    assert rows["branch4"].connections == pixels * 192 * 9 + pixels * 32 * 192   # pool + 1×1


def test_resnet_halving_block_counts(networks_page):
    _, namespace = networks_page
    rows = namespace["block"].rows
    assert [row.name for row in rows] == ["downsample.0", "downsample.1", "conv1", "bn1", "relu",
                                          "conv2", "bn2", "relu"]
    macs = {row.name: row.macs for row in rows}
    assert macs["downsample.0"] == 28 * 28 * 128 * 64
    assert macs["conv1"] == 28 * 28 * 128 * 64 * 9
    assert macs["conv2"] == 28 * 28 * 128 * 128 * 9


def test_page_c3_table_is_the_examples_table(networks_page):
    _, namespace = networks_page
    from test_examples import CHAPTER_C3_TABLE
    assert namespace["C3_TABLE"] == CHAPTER_C3_TABLE


def test_residual_plot_is_committed_and_drawn_by_the_tool():
    image = ROOT / "docs" / "images" / "residual_delta_norms.png"
    assert image.read_bytes()[:4] == b"\x89PNG"
    tool = (ROOT / "tools" / "plot_residual_delta.py").read_text(encoding="utf-8")
    assert "residual_delta_norms.png" in tool and "block_delta_norms" in tool
    assert "images/residual_delta_norms.png" in (ROOT / "docs" / "networks.md").read_text()


def test_residual_norms_do_not_vanish_and_plain_ones_do():
    from tinygrad_cnn.teach.deep_nets import block_delta_norms, deep_conv_net

    plain = block_delta_norms(deep_conv_net(30, residual=False))
    skips = block_delta_norms(deep_conv_net(30, residual=True))
    assert plain[0] / plain[-1] < 1e-9
    assert min(skips) >= skips[-1] > 1
    assert np.all(np.diff(np.log(plain)) > 0)              # shrinks at every block going back
