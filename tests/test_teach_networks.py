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
