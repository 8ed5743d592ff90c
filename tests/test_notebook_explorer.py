"""docs/notebooks/backprop_explorer.ipynb runs top to bottom in a real Jupyter kernel.

The kernel is ipykernel's ``python3`` for this very interpreter (a kernel spec
written into a temporary JUPYTER_PATH, so nothing is installed anywhere), started
in the repository root so that ``import tinygrad_cnn`` finds this tree. The
committed notebook carries no outputs.
"""
import json
import os
import shutil
import sys

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient")
pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel")
pytest.importorskip("graphviz")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "docs", "notebooks", "backprop_explorer.ipynb")


def test_the_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) >= 8
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """ipykernel's python3 kernel spec, for sys.executable, on a private JUPYTER_PATH."""
    folder = tmp_path / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return "python3"


def test_the_notebook_runs_top_to_bottom(python3_kernel):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name=python3_kernel, timeout=300,
                                     resources={"metadata": {"path": ROOT}})
    client.execute()                       # raises CellExecutionError on the first failing cell
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "recorded steps: [0, 2, 4, 6, 8, 10]" in text
    assert "✓ matches autograd" in text and "steps" in text
    rich = [o for o in outputs if o.output_type in ("execute_result", "display_data")]
    html_outputs = [o["data"]["text/html"] for o in rich if "text/html" in o.get("data", {})]
    assert any(h.startswith("<iframe srcdoc=") and "backward-trace" in h for h in html_outputs)
    if shutil.which("dot"):
        assert any("image/svg+xml" in o.get("data", {}) for o in rich)   # the drawing, inline
