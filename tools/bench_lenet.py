"""Benchmark: one LeNet-5 training step, tinygrad_cnn against PyTorch (CPU).

The step is what a training loop does per batch: ``zero_grad``, forward,
cross-entropy, backward, SGD update (lr 0.01, momentum 0.9), on a batch of 64
float32 28×28 images:

    conv 1→6 5×5 pad 2, ReLU, max-pool 2, conv 6→16 5×5, ReLU, max-pool 2,
    flatten, linear 400→120, ReLU, linear 120→84, ReLU, linear 84→10

The protocol is issue 13's (`bench_protocol`): each framework in its own
fresh process, both with the same thread count (default: the cores
available), the order alternating between at least 3 process pairs; the
figure is the median of the per-pair ratios of median step times, printed
with its range. Target: ≤ 1.1× PyTorch (stretch ≤ 1.0×).

Each fresh tinygrad_cnn process also reports the time of ``import
tinygrad_cnn`` (target ≤ 0.2 s) and of its first training step (model built,
first batch: target ≤ 1 s), both medians over the pairs.

A last tinygrad_cnn process checks memory with tracemalloc (NumPy reports its
array buffers to it): the memory held after 10 steps and after 1,000 steps
(it must not grow: no graph or gradient may survive a step) and the peak
during one step. Python's free lists make the held figure creep up by a few
hundred KiB over the first few hundred steps and then stop; the check
therefore also requires the second half of the run to be flat.

``--profile`` instead prints where the time of a step goes, op by op
(forward and backward of each Function, medians over the steps), in one
process: the table of docs/performance.md; ``--profile --torch`` prints
PyTorch's own profile of its step (torch.profiler, self CPU time per op).

Run:  python tools/bench_lenet.py              (a few minutes)
      python tools/bench_lenet.py --quick      (rough figures)
      python tools/bench_lenet.py --profile    (per-op table)
      python tools/bench_lenet.py --profile --torch   (PyTorch's per-op profile)
      python tools/bench_lenet.py --threads 1  (both frameworks on one thread)
Timings on a busy machine are noise: take final figures on an idle one.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_protocol as protocol  # noqa: E402

BATCH = 64
TARGET_RATIO = 1.1
TARGET_IMPORT_S = 0.2
TARGET_FIRST_STEP_S = 1.0


def make_batch(seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, BATCH).astype(np.int64)
    return images, labels


def time_steps(step, warmup, steps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


# ----------------------------------------------------------------------------- tinygrad_cnn
def build_tinygrad():
    import tinygrad_cnn as tg
    from tinygrad_cnn import nn, optim
    from tinygrad_cnn.nn import functional as F

    tg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = make_batch()
    x, y = tg.from_numpy(images), tg.from_numpy(labels)
    losses = []

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    return step, losses


def tinygrad_worker(warmup, steps, memory_steps):
    start = time.perf_counter()
    import tinygrad_cnn  # noqa: F401
    import_s = time.perf_counter() - start
    start = time.perf_counter()
    step, losses = build_tinygrad()
    step()                                               # the first step of a new process
    first_step_s = time.perf_counter() - start
    times = time_steps(step, warmup, steps)
    result = {"times": times, "first_loss": losses[0], "last_loss": losses[-1],
              "import_s": import_s, "first_step_s": first_step_s}
    if memory_steps:
        result.update(memory_check(step, memory_steps))
    return result


def memory_check(step, memory_steps):
    import tracemalloc

    # memory: held after 10 steps vs after `memory_steps`, and one step's peak
    tracemalloc.start()
    for _ in range(10):
        step()
    after_10 = tracemalloc.get_traced_memory()[0]
    for _ in range(memory_steps // 2 - 10):
        step()
    after_half = tracemalloc.get_traced_memory()[0]
    for _ in range(memory_steps - memory_steps // 2):
        step()
    after_many = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    before_step = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1] - before_step
    tracemalloc.stop()
    return {"memory_after_10": after_10, "memory_after_half": after_half,
            "memory_after_n": after_many, "memory_steps": memory_steps, "step_peak": peak}


# ----------------------------------------------------------------------------- PyTorch
def build_torch(torch):
    """PyTorch's twin of `build_tinygrad`'s step."""
    tnn = torch.nn
    torch.manual_seed(0)
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = make_batch()
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    losses = []

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    return step, losses


def torch_worker(warmup, steps, threads):
    start = time.perf_counter()
    import torch
    import_s = time.perf_counter() - start
    torch.set_num_threads(threads)
    step, losses = build_torch(torch)
    start = time.perf_counter()
    step()
    first_step_s = time.perf_counter() - start
    times = time_steps(step, warmup, steps)
    return {"times": times, "first_loss": losses[0], "last_loss": losses[-1],
            "torch_version": torch.__version__, "import_s": import_s,
            "first_step_s": first_step_s}


# ----------------------------------------------------------------------------- profile
def profile(warmup, steps):
    """Median time per step of every Function's forward and backward (summed
    over its uses in a step), and of the phases; one process."""
    rows = protocol.op_profile(lambda: build_tinygrad()[0], warmup, steps)
    import tinygrad_cnn
    protocol.print_op_profile(f"LeNet-5 step, batch {BATCH}, float32, {steps} steps, threads "
                              f"{tinygrad_cnn.get_num_threads()}", rows)
    return 0


def torch_profile(warmup, steps, threads):
    """PyTorch's own per-op profile of its step, to set beside `profile`'s table."""
    import torch
    torch.set_num_threads(threads)
    step, _ = build_torch(torch)
    protocol.print_torch_profile(torch, step, warmup, steps,
                                 f"LeNet-5 step, batch {BATCH}, float32")
    return 0


# ----------------------------------------------------------------------------- driver
def mib(n_bytes):
    return f"{n_bytes / 2 ** 20:.2f} MiB"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="few steps and 3 pairs (rough figures, for a smoke test)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first")
    parser.add_argument("--pairs", type=int, default=None,
                        help=f"fresh process pairs (default 5; at least {protocol.MIN_PAIRS})")
    parser.add_argument("--memory-steps", type=int, default=None,
                        help="steps between the two tracemalloc readings (default 1000)")
    parser.add_argument("--threads", type=int, default=protocol.default_threads(),
                        help="threads for both frameworks (default: the cores available)")
    parser.add_argument("--profile", action="store_true", help="per-op table, one process")
    parser.add_argument("--torch", action="store_true",
                        help="with --profile: PyTorch's own per-op profile instead")
    parser.add_argument("--worker", choices=["tinygrad", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.steps = args.steps or (20 if args.quick else 200)
    args.warmup = args.warmup if args.warmup is not None else (3 if args.quick else 20)
    args.memory_steps = args.memory_steps or (60 if args.quick else 1000)
    args.pairs = max(protocol.MIN_PAIRS, args.pairs or (3 if args.quick else 5))

    if args.worker == "tinygrad":
        print(json.dumps(tinygrad_worker(args.warmup, args.steps, args.memory_steps)))
        return 0
    if args.worker == "torch":
        print(json.dumps(torch_worker(args.warmup, args.steps, args.threads)))
        return 0
    if args.profile and args.torch:
        return torch_profile(args.warmup, args.steps, args.threads)
    if args.profile:
        return profile(args.warmup, args.steps)

    script = os.path.abspath(__file__)
    common = ["--warmup", args.warmup, "--steps", args.steps, "--threads", args.threads]

    def ours():
        return protocol.run_child(script, ["--worker", "tinygrad", "--memory-steps", 0] + common,
                                  args.threads)

    def theirs():
        return protocol.run_child(script, ["--worker", "torch"] + common, args.threads)

    print(f"LeNet-5 training step, batch {BATCH}, float32, SGD(lr=0.01, momentum=0.9); "
          f"{args.pairs} fresh process pairs, order alternating, {args.threads} threads each; "
          f"per process the median of {args.steps} steps after {args.warmup} warm-up steps")
    pairs = protocol.alternating_pairs(ours, theirs, args.pairs)
    ratios = []
    for index, (mine, other) in enumerate(pairs, 1):
        mine_ms = statistics.median(mine["times"]) * 1e3
        other_ms = statistics.median(other["times"]) * 1e3 if other else None
        ratios.append(mine_ms / other_ms if other_ms else None)
        print(f"  pair {index}: tinygrad_cnn {mine_ms:7.2f} ms   PyTorch "
              + (f"{other_ms:7.2f} ms   ratio {ratios[-1]:.2f}×" if other_ms else "n/a"))
    mine = pairs[-1][0]
    print(f"  loss (last tinygrad_cnn process): {mine['first_loss']:.3f} → {mine['last_loss']:.3f}")
    import_s = statistics.median(p[0]["import_s"] for p in pairs)
    first_s = statistics.median(p[0]["first_step_s"] for p in pairs)
    torch_first = [p[1]["first_step_s"] for p in pairs if p[1]]
    ratio = protocol.median_ratio(ratios)
    print(f"  step ratio          : {protocol.ratio_summary(ratios)}   (target ≤ {TARGET_RATIO}×) "
          f"{protocol.verdict(None if ratio is None else ratio <= TARGET_RATIO)}")
    print(f"  import tinygrad_cnn : {import_s:.3f} s median   (target ≤ {TARGET_IMPORT_S} s) "
          f"{protocol.verdict(import_s <= TARGET_IMPORT_S)}")
    print(f"  first step          : {first_s:.3f} s median (model built + one step in a new "
          f"process; PyTorch "
          + (f"{statistics.median(torch_first):.3f} s" if torch_first else "n/a")
          + f")   (target ≤ {TARGET_FIRST_STEP_S} s) "
          f"{protocol.verdict(first_s <= TARGET_FIRST_STEP_S)}")

    memory = protocol.run_child(script, ["--worker", "tinygrad", "--memory-steps",
                                         args.memory_steps] + common, args.threads)
    growth = memory["memory_after_n"] - memory["memory_after_10"]
    late_growth = memory["memory_after_n"] - memory["memory_after_half"]
    print(f"  memory              : held after 10 steps {mib(memory['memory_after_10'])}, after "
          f"{memory['memory_steps']} steps {mib(memory['memory_after_n'])} (growth "
          f"{growth / 1024:+.1f} KiB, of which {late_growth / 1024:+.1f} KiB in the second "
          f"half); peak of one step {mib(memory['step_peak'])}")
    # Memory must not grow. A leaked graph would hold a step's activations
    # (megabytes) per step. Python's free lists (tuples, floats) keep blocks
    # that tracemalloc still counts: they fill over the first few hundred
    # steps (a few hundred KiB) and then stop, so the second half must be flat
    # (64 KiB of slack: one leaked 120×400 float32 gradient per step would add about 90 MiB).
    memory_ok = growth <= 1024 * 1024 and late_growth <= 64 * 1024
    if args.memory_steps < 500:
        print("  memory growth       : not judged (too few steps for the free lists to fill; "
              "run without --quick)")
        memory_ok = True
    else:
        print(f"  memory growth       : {protocol.verdict(memory_ok)}")
    print("(timings from a busy machine are noisy; take final figures on an idle one)")
    passed = (ratio is None or ratio <= TARGET_RATIO) and memory_ok
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
