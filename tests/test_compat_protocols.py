"""Python protocols on tensors, and repr, against PyTorch."""
import operator
import re

import numpy as np
import pytest

import tinygrad_cnn as tg

torch = pytest.importorskip("torch", reason="compares with PyTorch")


def outcome(make, use):
    """What ``use(make(framework))`` gives under each framework: a value or an exception type."""
    results = []
    for framework in (torch, tg):
        try:
            results.append(use(make(framework)))
        except Exception as error:                 # noqa: BLE001 - the type is the outcome
            results.append(type(error))
    return results


SCALARS = {
    "0-d float": lambda m: m.tensor(-2.7),
    "1-elem float": lambda m: m.tensor([2.7]),
    "1x1 int": lambda m: m.tensor([[5]]),
    "0-d bool": lambda m: m.tensor(True),
    "0-d int": lambda m: m.tensor(3),
    "2 elems": lambda m: m.tensor([1.0, 2.0]),
    "empty": lambda m: m.tensor([]),
    "0-d half": lambda m: m.tensor(1.5, dtype=m.float16),
}
CONVERSIONS = {
    "int": int, "float": float, "bool": bool, "index": operator.index,
    "item": lambda t: t.item(), "list index": lambda t: [10, 20, 30, 40, 50, 60][t],
    "format +.2f": lambda t: format(t, "+.2f"), "format empty": lambda t: format(t, ""),
    "str.format": lambda t: "{:.1f}".format(t), "%i": lambda t: "%i" % t,
    "%d": lambda t: "%d items" % t, "%.3f": lambda t: "%.3f" % t,
    "f-string": lambda t: f"{t:.4f}", "f-string 3g": lambda t: f"{t:.3}",
}


@pytest.mark.parametrize("conversion", sorted(CONVERSIONS))
@pytest.mark.parametrize("kind", sorted(SCALARS))
def test_scalar_conversions_match_torch(kind, conversion):
    theirs, ours = outcome(SCALARS[kind], CONVERSIONS[conversion])
    if kind == "empty" and conversion == "format empty":
        theirs = ours = None                            # repr: compared in the repr tests
    assert ours == theirs


def test_conversion_errors_explain_themselves():
    with pytest.raises(ValueError, match="one-element"):
        int(tg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="one-element"):
        tg.tensor([1, 2]).item()
    with pytest.raises(TypeError, match="integer tensors"):
        operator.index(tg.tensor(2.0))
    with pytest.raises(TypeError, match="Tensor.__format__"):
        format(tg.tensor([1.5, 2.5]), ".2f")


@pytest.mark.parametrize("make", [
    lambda m: m.arange(6).reshape(3, 2),
    lambda m: m.tensor([1.5, -2.0]),
    lambda m: m.tensor(7.0),
    lambda m: m.zeros(0, 2),
    lambda m: m.tensor([[True, False]]),
])
def test_len_iteration_and_tolist_match_torch(make):
    for use in (len, lambda t: [row.tolist() for row in t], lambda t: t.tolist(),
                lambda t: type(t.tolist()).__name__, lambda t: 2 in t, lambda t: t.numel(),
                lambda t: [type(v).__name__ for v in np.ravel(t.tolist())]):
        theirs, ours = outcome(make, use)
        assert ours == theirs


def test_iteration_yields_tensors_of_the_first_dim():
    rows = list(tg.arange(6).reshape(3, 2))
    assert len(rows) == 3 and all(isinstance(r, tg.Tensor) and r.shape == (2,) for r in rows)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    sum(x).backward()                                   # iteration stays in the graph
    assert x.grad.tolist() == [1.0, 1.0]


def test_comparisons_and_none():
    assert (tg.ones(2) == None) is False and (tg.ones(2) != None) is True   # noqa: E711
    assert (tg.ones(2) == torch.ones(2).numpy()).tolist() == [True, True]


def repr_body(text, package):
    """repr without the grad_fn name and with the package prefix removed (the only
    differences allowed: node names and ``torch.``/``tinygrad_cnn.`` in dtype=)."""
    return re.sub(r"grad_fn=<\w+>", "grad_fn=<…>", text).replace(package + ".", "")


REPRS = [
    lambda m: m.tensor([1.0, 2.0, 3.0]),                      # whole numbers
    lambda m: m.tensor([1.5, 2.25, -3.0]),
    lambda m: m.tensor([1e-5, 1.0, 1000.0]),                  # mixed magnitudes → sci
    lambda m: m.tensor([1e10, 2.0]),
    lambda m: m.tensor([123456.0, 0.5]),
    lambda m: m.tensor([100000.0, 2.0]),
    lambda m: m.tensor([0.0001, 0.5]),
    lambda m: m.tensor([1e-5]),
    lambda m: m.tensor([1e9]),
    lambda m: m.tensor([1e8]),
    lambda m: m.tensor([12345678.0]),
    lambda m: m.tensor([float("nan"), 1.0, float("inf"), -float("inf")]),
    lambda m: m.tensor([float("nan"), 1.5]),
    lambda m: m.tensor([0.0, -0.0]),
    lambda m: m.tensor([0.0, -1.5]),
    lambda m: m.tensor([1, 2, -30]),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor([True, True]),
    lambda m: m.tensor(3.5),
    lambda m: m.tensor(3.0),
    lambda m: m.tensor(0.0),
    lambda m: m.tensor(7),
    lambda m: m.tensor(True),
    lambda m: m.tensor([]),
    lambda m: m.zeros(0, 3),
    lambda m: m.zeros(2, 0, dtype=m.long),
    lambda m: m.tensor([], dtype=m.long),
    lambda m: m.zeros(3, 1, 0),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda m: m.tensor(2.0, requires_grad=True).sum(),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    lambda m: m.tensor([0.1, 0.2], dtype=m.float64),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float16),
    lambda m: m.tensor([65504.0], dtype=m.float16),
    lambda m: m.tensor([1, 2], dtype=m.int32),
    lambda m: m.tensor([1, 2], dtype=m.uint8),
    lambda m: m.arange(24.0).reshape(2, 3, 4),
    lambda m: m.arange(24.0).reshape(2, 3, 4) / 7,
    lambda m: m.arange(120.0).reshape(2, 3, 4, 5) - 60,
    lambda m: m.arange(40.0) / 3,                            # wraps at 80 characters
    lambda m: m.arange(12.0, dtype=m.float64) / 3,            # dtype= on its own line
    lambda m: m.arange(20.0, dtype=m.float64),
    lambda m: m.arange(14.0, dtype=m.float64, requires_grad=True) / 3,
    lambda m: m.arange(2000).reshape(2, 1000),                # summarised
    lambda m: m.arange(1500.0),
    lambda m: m.arange(2000.0, dtype=m.float64).reshape(10, 2, 100),
    lambda m: m.arange(10000).reshape(100, 100) * 1.5,
    lambda m: m.arange(3000).reshape(10, 300) > 1500,
    lambda m: m.arange(-1000, 1001).reshape(1, -1),
    lambda m: m.tensor([[1e-8, 1.0], [3.0, 4.0]]),
    lambda m: m.ones(2, 3, dtype=m.float64, requires_grad=True),
]


@pytest.mark.parametrize("number", range(len(REPRS)))
def test_repr_matches_torch(number):
    make = REPRS[number]
    theirs = repr_body(repr(make(torch)), "torch")
    ours = repr_body(repr(make(tg)), "tinygrad_cnn")
    assert ours == theirs
    assert str(make(tg)) == repr(make(tg))


def test_repr_names_the_node_and_the_package():
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2., 4.], grad_fn=<mul>)"
    assert repr(tg.ones(1, dtype=tg.float64)) == "tensor([1.], dtype=tinygrad_cnn.float64)"
    assert f"{tg.ones(2)}" == "tensor([1., 1.])"
