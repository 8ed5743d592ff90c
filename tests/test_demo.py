"""`tinygrad_cnn.demo`: a shortened run writes every file and reports a real accuracy."""
import argparse
import os

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import demo, training
from tinygrad_cnn.data import DataLoader, EmbeddedFashionMNIST
from tinygrad_cnn.models import LeNet5


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, demo.run_demo(out_dir=str(out), epochs=1, max_steps=3, quiet=True)


def test_run_demo_writes_everything(short_run):
    out, result = short_run
    for name in ("model.npz", "training.png", "delta_flow.svg", "delta_flow.png", "summary.txt"):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert result["paths"]["checkpoint"] == str(out / "model.npz")
    assert result["paths"]["delta_flow"].endswith("delta_flow.svg")
    svg = (out / "delta_flow.svg").read_text(encoding="utf-8")
    assert "δ" in svg and "conv1" in svg                   # δ arrows, layer boxes


def test_run_demo_writes_the_explorer_with_its_gradient_history(short_run):
    import json
    import re

    out, result = short_run
    page = (out / "delta_flow.html").read_text(encoding="utf-8")
    assert result["paths"]["explorer"] == str(out / "delta_flow.html")
    trace = json.loads(re.search(r'id="backward-trace">(.*?)</script>', page, re.S).group(1))
    assert len(trace["order"]) == 13                       # LeNet-5's 13 ops, loss first
    assert trace["nodes"][0]["name"] == "input"
    recorded = json.loads(re.search(r'id="training-history">(.*?)</script>', page, re.S).group(1))
    assert recorded == result["gradient_history"]
    assert recorded["steps"] == [0]                        # 3 steps, one record every 20
    assert set(recorded["norms"]) >= {"conv1", "pool1", "fc3"}
    assert all(v[0] > 0 for v in recorded["norms"].values())


def test_recording_the_gradient_history_changes_no_gradient():
    from tinygrad_cnn import optim, viz

    weights = []
    for history in (None, viz.GradientHistory(every=1)):
        loader = DataLoader(EmbeddedFashionMNIST(train=True), batch_size=16, shuffle=True, seed=1)
        tg.manual_seed(0)
        model = LeNet5()
        training.train_one_epoch(model, loader, optim.SGD(model.parameters(), lr=0.1), max_steps=3,
                                 history=history, first_step=5)
        weights.append({k: v.numpy().copy() for k, v in model.state_dict().items()})
    assert history.steps == [5, 6, 7]
    for name in weights[0]:
        np.testing.assert_array_equal(weights[0][name], weights[1][name])


def test_in_a_log_the_progress_bar_is_drawn_at_its_start_and_end_only(capsys):
    # a redrawn bar written to a file (CI, `> log`) is one line per redraw: 12 steps must
    # not give 12 of them; the last drawing still shows the epoch's figures
    pytest.importorskip("tqdm", reason="the bar is drawn by tqdm")
    from tinygrad_cnn import optim

    loader = DataLoader(EmbeddedFashionMNIST(train=True), batch_size=16, shuffle=False)
    model = LeNet5()
    bar = training.progress_bar(12, "epoch 1")              # stderr is captured: not a terminal
    training.train_one_epoch(model, loader, optim.SGD(model.parameters(), lr=0.1), progress=bar,
                             max_steps=12)
    bar.close()
    drawn = [part for part in capsys.readouterr().err.split("\r") if part.strip()]
    assert len(drawn) <= 3, drawn
    assert "12/12" in drawn[-1] and "loss=" in drawn[-1]


def test_plot_labels_sit_above_or_below_by_which_curve_is_higher():
    # short runs: every point, the higher curve's label above it; long runs: the last
    # point only, to its right, the higher above — never on top of the other curve
    places = training.label_places([0.54, 0.73, 0.76], [0.69, 0.75, 0.74])
    assert [va for _, _, _, va in places] == ["top", "top", "bottom"]
    assert all(ha == "center" and offset[0] == 0 for _, offset, ha, _ in places)
    long_train, long_test = list(np.linspace(1.2, 0.29, 15)), list(np.linspace(0.8, 0.47, 15))
    (index, offset, ha, va), = training.label_places(long_train, long_test)
    assert (index, ha, va) == (14, "left", "top") and offset[0] > 0 > offset[1]
    (_, offset, _, va), = training.label_places(long_test, long_train)
    assert va == "bottom" and offset[1] > 0
    assert training.label_places([1.0], []) == [(0, (0, 6), "center", "bottom")]   # no partner


def test_run_demo_accuracy_is_the_checkpoints_accuracy(short_run):
    out, result = short_run
    assert isinstance(result["accuracy"], float) and 0.0 <= result["accuracy"] <= 1.0
    model = LeNet5()
    model.load_state_dict(tg.load(out / "model.npz"))
    loss, accuracy, per_class = training.evaluate(
        model, DataLoader(EmbeddedFashionMNIST(train=False), batch_size=500))
    assert accuracy == pytest.approx(result["accuracy"])
    assert loss == pytest.approx(result["test_loss"], rel=1e-5)
    assert list(result["per_class_accuracy"].values()) == pytest.approx(per_class.tolist())
    # per-class accuracies of a balanced 100-per-class test set average to the accuracy
    assert np.mean(per_class) == pytest.approx(accuracy)


def test_run_demo_history_and_summary(short_run):
    out, result = short_run
    history = result["history"]
    assert [len(history[k]) for k in ("train_loss", "train_acc", "test_loss", "test_acc")] == [1] * 4
    assert history["test_acc"][-1] == result["accuracy"]
    text = (out / "summary.txt").read_text(encoding="utf-8")
    for needle in ("LeNet5", "Ankle boot", "δ=∂L/∂z", "∂L/∂a", "train", "s"):
        assert needle in text, needle
    assert result["seconds"]["train"] > 0 and result["seconds"]["total"] >= result["seconds"]["train"]


def test_run_demo_without_graphviz_writes_dot(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(training.shutil, "which", lambda name: None)
    result = demo.run_demo(out_dir=str(tmp_path), epochs=1, max_steps=1, quiet=True)
    assert (tmp_path / "delta_flow.dot").is_file()
    assert not (tmp_path / "delta_flow.svg").exists()
    assert "collapsed" in (tmp_path / "delta_flow.html").read_text(encoding="utf-8")
    assert result["paths"]["delta_flow"].endswith("delta_flow.dot")
    assert (tmp_path / "delta_flow.dot").read_text(encoding="utf-8").startswith("digraph")
    assert "install" in capsys.readouterr().out


def test_full_without_the_files_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="--full"):
        demo.run_demo(out_dir=str(tmp_path / "out"), full=True, root=str(tmp_path), quiet=True)


def test_zero_epochs_is_refused(tmp_path):
    with pytest.raises(ValueError, match="epochs"):
        demo.run_demo(out_dir=str(tmp_path), epochs=0, quiet=True)


def test_argument_helpers(tmp_path, capsys):
    parser = demo.add_demo_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--out", str(tmp_path), "--epochs", "2", "--full",
                              "--root", str(tmp_path), "--max-steps", "1"])
    assert (args.out, args.epochs, args.full, args.max_steps) == (str(tmp_path), 2, True, 1)
    assert demo.main_from_args(args) == 1                       # no IDX files in tmp_path
    assert "--full" in capsys.readouterr().err
    assert parser.parse_args([]).epochs == demo.DEFAULT_EPOCHS


def _has_demo_subcommand():
    from tinygrad_cnn import cli

    parser = cli._parser()
    return any(isinstance(action, argparse._SubParsersAction) and "demo" in action.choices
               for action in parser._actions)


def test_cli_demo(tmp_path, capsys):
    from tinygrad_cnn import cli

    if not _has_demo_subcommand():
        pytest.skip("`tinygrad-cnn demo` is not wired into tinygrad_cnn/cli.py yet")
    status = cli.main(["demo", "--out", str(tmp_path), "--epochs", "1", "--max-steps", "2",
                       "--quiet"])
    assert status == 0
    assert {"model.npz", "training.png", "summary.txt"} <= set(os.listdir(tmp_path))
