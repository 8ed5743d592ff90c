"""The examples run end to end (shortened), and LeNet-5's pieces match the chapter.

Each example is imported from its file and run through its ``main(argv)``
with ``--max-steps`` so a run takes a second or two; one runs as a script in
a subprocess to check it works from a checkout.
"""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn._errors import ShapeError

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NAMES = ("lenet5", "tf_cnn", "modern_lenet", "custom_op")


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lenet5():
    return load_example("lenet5")


def short_run(name, out, *extra):
    return load_example(name).main(["--epochs", "1", "--max-steps", "2", "--out", str(out),
                                    "--quiet", *extra])


def assert_outputs(out):
    names = sorted(os.listdir(out))
    assert "model.npz" in names and "training.png" in names, names
    assert "delta_flow.svg" in names or "delta_flow.dot" in names, names
    with open(out / "training.png", "rb") as f:
        assert f.read(4) == b"\x89PNG"


# ---- every example, shortened ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["tf_cnn", "modern_lenet", "custom_op"])
def test_example_runs_and_writes_its_files(name, tmp_path):
    result = short_run(name, tmp_path)
    assert 0.0 <= result["accuracy"] <= 1.0
    assert len(result["history"]["train_loss"]) == 1
    assert_outputs(tmp_path)
    state = tg.load(tmp_path / "model.npz")
    assert any(key.endswith("weight") for key in state)


def test_lenet5_runs_and_its_checkpoint_restores(lenet5, tmp_path):
    result = short_run("lenet5", tmp_path)
    assert_outputs(tmp_path)
    model = lenet5.LeNet5Classic()
    model.load_state_dict(tg.load(tmp_path / "model.npz"))
    assert model.s2.beta.shape == (6,) and model.c3.conv_four.weight.shape == (9, 4, 5, 5)
    assert 0.0 <= result["accuracy"] <= 1.0


def test_example_runs_as_a_script(tmp_path):
    env = dict(os.environ, PYTHONPATH="")             # the script finds the package itself
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "tf_cnn.py"), "--epochs", "1", "--max-steps", "1",
         "--out", str(tmp_path / "run"), "--quiet"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "epoch 1:" in completed.stdout
    assert_outputs(tmp_path / "run")


@pytest.mark.parametrize("name", NAMES)
def test_example_help(name):
    completed = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--help"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    for option in ("--seed", "--epochs", "--out", "--max-steps"):
        assert option in completed.stdout


def test_modern_lenet_reads_mnist_idx_files(tmp_path):
    from tinygrad_cnn.data import write_idx

    rng = np.random.default_rng(0)
    root = tmp_path / "mnist"
    root.mkdir()
    for split, count in (("train", 40), ("t10k", 20)):
        write_idx(root / f"{split}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (count, 28, 28)).astype(np.uint8))
        write_idx(root / f"{split}-labels-idx1-ubyte.gz",
                  (np.arange(count) % 10).astype(np.uint8))
    result = short_run("modern_lenet", tmp_path / "out", "--mnist-root", str(root),
                       "--batch-size", "16")
    assert 0.0 <= result["accuracy"] <= 1.0
    assert_outputs(tmp_path / "out")


# ---- LeNet-5: parameter counts and the C3 table ----------------------------------------------
def test_lenet5_counts_match_the_chapter(lenet5):
    counts = lenet5.layer_counts(lenet5.LeNet5Classic())
    assert counts["s2"] == (12, 5_880)                 # 6·(1+1) params, 6·14·14·(2·2+1) connections
    assert counts["c3"][0] == 1_516                    # 60·25 + 16
    assert counts == {**lenet5.PAPER_COUNTS, "output": (850, 850)}
    c3 = lenet5.C3()
    assert [tuple(p.shape) for p in c3.parameters()] == [
        (6, 3, 5, 5), (6,), (9, 4, 5, 5), (9,), (1, 6, 5, 5), (1,)]


#: The chapter's C3 table (LeCun 1998, table I), typed in independently of examples/lenet5.py.
CHAPTER_C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5),
)
NETWORKS_PAGE = ROOT / "docs" / "networks.md"


def networks_page_c3_table():
    """The table as docs/networks.md prints it: ``0: 0 1 2      4: 0 4 5 …``."""
    text = NETWORKS_PAGE.read_text(encoding="utf-8")
    block = text[text.index("C3 connection table"):]
    block = block[:block.index("15:") + 40]
    entries = dict(re.findall(r"(\d+):((?: \d)+)", block))
    return tuple(tuple(int(d) for d in entries[str(j)].split()) for j in range(16))


def test_c3_table_equals_the_networks_page(lenet5):
    assert networks_page_c3_table() == CHAPTER_C3_TABLE
    assert lenet5.C3_TABLE == CHAPTER_C3_TABLE


def test_c3_wiring_follows_the_table(lenet5):
    """Which S2 maps each C3 map really reads: send δ from one output map and see
    which input maps receive a non-zero δ."""
    tg.manual_seed(0)
    c3 = lenet5.C3()
    x = tg.randn(1, 6, 10, 10, requires_grad=True)
    out = c3(x)                                                     # (1, 16, 6, 6)
    assert out.shape == (1, 16, 6, 6)
    reads = []
    for j in range(16):
        x.grad = None
        picked = np.zeros(out.shape, dtype=np.float32)
        picked[:, j] = 1.0
        out.backward(tg.tensor(picked), retain_graph=True)
        energy = np.abs(x.grad.numpy()).sum(axis=(0, 2, 3))        # per input map
        reads.append(tuple(int(d) for d in np.flatnonzero(energy)))
    assert tuple(reads) == CHAPTER_C3_TABLE


def test_c3_output_map_is_a_sum_over_its_table_row(lenet5):
    """Map 4 reads S2 maps 0, 4, 5: its value is Σ_d W^(4,d) ⊗ a^(d) + b^(4) over those d."""
    tg.manual_seed(1)
    c3 = lenet5.C3().double()
    a = tg.randn(1, 6, 5, 5, dtype=tg.float64)                     # 5×5 input → one 1×1 output
    out = c3(a).numpy()[0, :, 0, 0]
    weight = c3.conv_three.weight.numpy()[4]                       # (3, 5, 5): maps 0, 4, 5
    expected = sum((weight[k] * a.numpy()[0, d]).sum() for k, d in enumerate((0, 4, 5)))
    assert out[4] == pytest.approx(expected + c3.conv_three.bias.numpy()[4])


# ---- the Subsample op ------------------------------------------------------------------------
def test_up_is_the_kronecker_product_with_ones(lenet5):
    assert lenet5.up(np.array([[1, 3], [2, 4]])).tolist() == [
        [1, 1, 3, 3], [1, 1, 3, 3], [2, 2, 4, 4], [2, 2, 4, 4]]
    delta = np.array([[1.0, 3.0], [2.0, 4.0]])
    assert np.array_equal(lenet5.up(delta), np.kron(delta, np.ones((2, 2))))


def test_subsample_by_hand(lenet5):
    a = tg.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    beta = tg.tensor([2.0], requires_grad=True)
    bias = tg.tensor([0.5], requires_grad=True)
    s = lenet5.Subsample.apply(a, beta, bias)
    # down(a) = [[0+1+4+5, 2+3+6+7], [8+9+12+13, 10+11+14+15]] = [[10, 18], [42, 50]]
    assert s.numpy()[0, 0].tolist() == [[20.5, 36.5], [84.5, 100.5]]
    delta = np.array([[[[1.0, 3.0], [2.0, 4.0]]]], dtype=np.float32)
    s.backward(tg.tensor(delta))
    assert a.grad.numpy()[0, 0].tolist() == [[2, 2, 6, 6], [2, 2, 6, 6], [4, 4, 8, 8], [4, 4, 8, 8]]
    assert beta.grad.numpy().tolist() == [1 * 10 + 3 * 18 + 2 * 42 + 4 * 50]   # Σ δ ⊙ down(a) = 348
    assert bias.grad.numpy().tolist() == [10.0]                              # Σ δ


def test_subsample_gradcheck(lenet5):
    rng = np.random.default_rng(3)
    a = tg.tensor(rng.standard_normal((2, 4, 6, 4)), requires_grad=True)
    beta = tg.tensor(rng.standard_normal(4), requires_grad=True)
    bias = tg.tensor(rng.standard_normal(4), requires_grad=True)
    assert tg.gradcheck(lenet5.Subsample.apply, (a, beta, bias))
    assert lenet5.check_ops()


def test_subsample_rejects_odd_maps(lenet5):
    with pytest.raises(ShapeError, match="subsample"):
        lenet5.Subsample.apply(tg.zeros(1, 2, 5, 4), tg.ones(2), tg.zeros(2))


# ---- the custom op ----------------------------------------------------------------------------
def test_mixed_pool_by_hand_and_gradcheck():
    custom = load_example("custom_op")
    x = tg.tensor([[[[1.0, 4.0], [3.0, 2.0]]]], requires_grad=True)
    alpha = tg.tensor([0.25], requires_grad=True)
    y = custom.MixedPool2d.apply(x, alpha)
    assert y.numpy().ravel().tolist() == [0.25 * 4 + 0.75 * 2.5]
    y.sum().backward()
    # (1 − α)/4 = 0.1875 everywhere, plus α = 0.25 at the maximum
    assert x.grad.numpy()[0, 0].tolist() == [[0.1875, 0.4375], [0.1875, 0.1875]]
    assert alpha.grad.numpy().tolist() == [4.0 - 2.5]
    assert custom.check_op()


def test_lenet5_docstring_examples(lenet5):
    import doctest

    failures, attempted = doctest.testmod(lenet5, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 2 and failures == 0
