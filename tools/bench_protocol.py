"""The measuring protocol the benchmarks in tools/ share (issue 13).

* Each framework runs in its own fresh process: PyTorch's OpenMP threads and
  OpenBLAS's threads spin after each call and steal each other's cores
  inside one process.
* Both get the same thread count: ``OMP_NUM_THREADS`` in the child's
  environment (read by OpenBLAS when NumPy loads, and by tinygrad_cnn's
  `get_num_threads`) and ``torch.set_num_threads`` for PyTorch. The default is
  the cores available, both frameworks' own default.
* Blocks alternate: pair 1 runs tinygrad_cnn then PyTorch, pair 2 PyTorch
  then tinygrad_cnn, and so on, so that a machine warming up or a neighbour
  starting work does not always hit the same framework.
* At least 3 fresh process pairs; the figure is the median of the per-pair
  ratios, printed with their range.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIN_PAIRS = 3


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_child(script, arguments, threads):
    """Run ``python script arguments`` in a fresh process with ``threads``
    threads everywhere; return the JSON object on its last stdout line."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    done = subprocess.run([sys.executable, script] + [str(a) for a in arguments],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{os.path.basename(script)} {' '.join(map(str, arguments))}: "
                           f"exit status {done.returncode}: {last[0]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def alternating_pairs(run_ours, run_theirs, pairs):
    """``pairs`` × (our result, their result), the order alternating per pair;
    their result is None when their run fails (PyTorch missing)."""
    results = []
    for index in range(max(pairs, 1)):
        if index % 2 == 0:
            ours = run_ours()
            theirs = _or_none(run_theirs)
        else:
            theirs = _or_none(run_theirs)
            ours = run_ours()
        results.append((ours, theirs))
        print(f"  pair {index + 1}/{pairs} done", file=sys.stderr, flush=True)
    return results


def _or_none(run):
    try:
        return run()
    except RuntimeError as error:
        print(f"  (PyTorch run failed: {error})", file=sys.stderr)
        return None


def ratio_summary(ratios):
    """``'1.05× (range 0.98–1.12×, 3 pairs)'``: the median ratio and its range."""
    ratios = [r for r in ratios if r is not None]
    if not ratios:
        return "n/a (no PyTorch run)"
    return (f"{statistics.median(ratios):.2f}× (range {min(ratios):.2f}–{max(ratios):.2f}×, "
            f"{len(ratios)} pairs)")


def median_ratio(ratios):
    ratios = [r for r in ratios if r is not None]
    return statistics.median(ratios) if ratios else None


def verdict(passed):
    return "n/a " if passed is None else ("PASS" if passed else "FAIL")


def op_profile(build_step, warmup, steps):
    """Median seconds per step of every Function's forward and backward
    (summed over its uses in a step), of the step and of what ran outside
    the ops (the engine, the modules' Python); one process, this checkout.

    ``build_step()`` returns the step to time; it is called after this
    checkout's tinygrad_cnn is importable and before the Functions are
    wrapped, so every op it uses is loaded. Returns ``[(median, min, (name,
    kind)), ...]``, slowest first."""
    import collections
    import time

    sys.path.insert(0, ROOT)                             # this checkout's tinygrad_cnn
    from tinygrad_cnn.function import Function

    per_step = collections.defaultdict(float)
    history = collections.defaultdict(list)

    def timed(method, key):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                per_step[key] += time.perf_counter() - start
        return staticmethod(run)

    step = build_step()
    pending = list(Function.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        for kind in ("forward", "backward"):
            if isinstance(cls.__dict__.get(kind), staticmethod):
                setattr(cls, kind, timed(cls.__dict__[kind].__func__, (cls.__name__, kind)))
    for index in range(warmup + steps):
        per_step.clear()
        start = time.perf_counter()
        step()
        total = time.perf_counter() - start
        if index >= warmup:
            history[("step", "total")].append(total)
            history[("outside ops", "")].append(total - sum(per_step.values()))
            for key, seconds in per_step.items():
                history[key].append(seconds)
    return sorted(((statistics.median(v), min(v), k) for k, v in history.items()), reverse=True)


def print_op_profile(title, rows):
    print(title + ": median (min) ms per step")
    for median, minimum, (name, kind) in rows:
        print(f"  {name + ' ' + kind:28} {median * 1e3:7.3f}  ({minimum * 1e3:.3f})")


def print_torch_profile(torch, step, warmup, steps, title, width=36):
    """PyTorch's own per-op profile of ``step`` (torch.profiler, self CPU time
    per aten op, per step), to set beside `op_profile`'s table."""
    from torch.profiler import ProfilerActivity, profile
    for _ in range(warmup):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as recorded:
        for _ in range(steps):
            step()
    events = sorted(recorded.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in events) / steps / 1e3
    print(f"PyTorch {torch.__version__} {title}, {steps} steps, threads "
          f"{torch.get_num_threads()}: self CPU ms per step (the profiler's own cost included), "
          f"{total:.3f} in all")
    for event in events[:20]:
        print(f"  {event.key:{width}} {event.self_cpu_time_total / steps / 1e3:7.3f}  "
              f"({event.count // steps} calls)")
