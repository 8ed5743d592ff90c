"""Fuzz tests: many generated cases per test, deterministic, bounded for CI.

Every test here draws its cases from a fixed seed (``random.Random(seed)``,
``np.random.default_rng(seed)``) or from Hypothesis with ``derandomize=True``,
so a run is reproducible and a failure reappears on the next run; a failure
found here becomes an ordinary regression test next to the code it concerns.

``FUZZ_EXAMPLES`` (an integer, default 1) multiplies every test's number of
cases, for a longer local run::

    FUZZ_EXAMPLES=20 python -m pytest -q -p no:cacheprovider tests/fuzz

With the default the folder's checkpoint and IDX tests take a few seconds.

>>> scaled(50) == 50 * FUZZ_EXAMPLES
True
"""
import os

_setting = os.environ.get("FUZZ_EXAMPLES", "1")
try:
    FUZZ_EXAMPLES = int(_setting)
except ValueError:
    raise ValueError(f"FUZZ_EXAMPLES must be a positive integer, got {_setting!r}") from None
if FUZZ_EXAMPLES < 1:
    raise ValueError(f"FUZZ_EXAMPLES must be a positive integer, got {FUZZ_EXAMPLES}")


def scaled(count):
    """``count`` cases times ``FUZZ_EXAMPLES``: the size of one fuzz test's run."""
    return count * FUZZ_EXAMPLES
