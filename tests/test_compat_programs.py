"""PyTorch programs run unchanged with ``import tinygrad_cnn as torch``.

Each script in ``tests/compat/`` is a short, complete program in PyTorch's
idiom that takes the framework's module name as its argument
(``python tests/compat/training_loop.py tinygrad_cnn``). Its output with
tinygrad_cnn must equal its output with PyTorch, which is recorded in
``tests/compat/expected/NAME.txt`` so that the comparison runs without torch
installed; where torch is installed, each record is also checked against a
fresh PyTorch run. To record a program's output after changing it::

    python tests/compat/NAME.py torch > tests/compat/expected/NAME.txt

One difference is normalised before comparing: the package name in front of
printed dtypes and types. PyTorch prints ``torch.float32`` for both ``str``
and ``repr`` of a dtype; tinygrad_cnn's repr is ``tinygrad_cnn.float32`` and
its str the bare ``float32`` (see docs/pytorch.md), so both outputs are
compared with ``torch.``/``tinygrad_cnn.`` removed before a name.

All programs of one framework run in one child process (importing torch once
costs seconds), each as ``__main__`` with its own ``sys.argv``.
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "compat"
EXPECTED = PROGRAMS / "expected"
NAMES = sorted(p.stem for p in PROGRAMS.glob("*.py") if p.stem != "conftest")

# programs that need a branch not merged yet: {name: reason}
PENDING = {}

DRIVER = """
import contextlib, io, json, runpy, sys, traceback
framework, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]
results = {}
for name in names:
    path = f"{folder}/{name}.py"
    out = io.StringIO()
    sys.argv = [path, framework]
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        results[name] = [0, out.getvalue()]
    except BaseException:
        results[name] = [1, out.getvalue() + traceback.format_exc()]
print(json.dumps(results))
"""


def start(framework):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")
    return subprocess.Popen([sys.executable, "-c", DRIVER, framework, str(PROGRAMS), *NAMES],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process):
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return json.loads(out.splitlines()[-1])


@pytest.fixture(scope="module")
def runs():
    """{framework: {program: (exit code, output)}}; torch only where installed."""
    processes = {"tinygrad_cnn": start("tinygrad_cnn")}
    try:
        import torch  # noqa: F401
        processes["torch"] = start("torch")
    except ImportError:
        pass
    return {framework: finish(process) for framework, process in processes.items()}


def normalise(text):
    return re.sub(r"\b(torch|tinygrad_cnn)\.(?=[A-Za-z])", "", text)


def test_every_program_has_a_record():
    assert len(NAMES) >= 9
    assert sorted(p.stem for p in EXPECTED.glob("*.txt")) == NAMES


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=PENDING[n])) if n in PENDING
    else n for n in NAMES])
def test_program_prints_what_pytorch_prints(name, runs):
    expected = (EXPECTED / f"{name}.txt").read_text(encoding="utf-8")
    if "torch" in runs:
        torch_code, torch_out = runs["torch"][name]
        assert torch_code == 0, f"{name}.py failed with torch:\n{torch_out}"
        assert torch_out == expected, f"the record of {name} is not what PyTorch prints now"
    code, out = runs["tinygrad_cnn"][name]
    assert code == 0, f"{name}.py failed with tinygrad_cnn:\n{out}"
    assert normalise(out) == normalise(expected)


def test_the_cuda_error_says_how_to_write_device_agnostic_code():
    import tinygrad_cnn as tg
    for move in (lambda t: t.to("cuda"), lambda t: t.cuda(), lambda t: t.to(tg.device("cuda"))):
        with pytest.raises(tg.DeviceError) as raised:
            move(tg.ones(1))
        assert isinstance(raised.value, RuntimeError)
        message = str(raised.value)
        assert "CPU" in message and "cuda.is_available()" in message
        assert "model.to(device)" in message and "x.to(device)" in message
