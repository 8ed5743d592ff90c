"""Benchmark: one LeNet-5 training step, tinygrad_cnn against PyTorch (CPU).

The step is what a training loop does per batch: ``zero_grad``, forward,
cross-entropy, backward, SGD update (lr 0.01, momentum 0.9), on a batch of 64
float32 28×28 images:

    conv 1→6 5×5 pad 2, ReLU, max-pool 2, conv 6→16 5×5, ReLU, max-pool 2,
    flatten, linear 400→120, ReLU, linear 120→84, ReLU, linear 84→10

Each framework runs in its own subprocess: PyTorch's OpenMP threads and
OpenBLAS's threads spin while waiting and steal cores from each other inside
one process. PyTorch gets ``torch.set_num_threads(2)``. The figure reported is
the median step time; the target is tinygrad_cnn ≤ 1.5× PyTorch.

For tinygrad_cnn it also reports memory with tracemalloc (NumPy reports its
array buffers to it): the memory held after 10 steps and after 1,000 steps
(it must not grow: no graph or gradient may survive a step) and the peak
during one step. Python's free lists make the held figure creep up by a few
hundred KiB over the first few hundred steps and then stop; the check
therefore also requires the second half of the run to be flat.

Run:  python tools/bench_lenet.py            (about a minute)
      python tools/bench_lenet.py --quick    (a few seconds; rough figures)
Timings on a busy machine are noise: take final figures on an idle one.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH = 64
TARGET_RATIO = 1.5


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
def tinygrad_worker(warmup, steps, memory_steps):
    import tracemalloc

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

    times = time_steps(step, warmup, steps)

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
    return {"times": times, "first_loss": losses[0], "last_loss": losses[-1],
            "memory_after_10": after_10, "memory_after_half": after_half,
            "memory_after_n": after_many,
            "memory_steps": memory_steps, "step_peak": peak}


# ----------------------------------------------------------------------------- PyTorch
def torch_worker(warmup, steps, threads):
    import torch
    torch.set_num_threads(threads)
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

    times = time_steps(step, warmup, steps)
    return {"times": times, "first_loss": losses[0], "last_loss": losses[-1],
            "torch_version": torch.__version__}


# ----------------------------------------------------------------------------- driver
def run_worker(name, args):
    command = [sys.executable, os.path.abspath(__file__), "--worker", name,
               "--warmup", str(args.warmup), "--steps", str(args.steps),
               "--memory-steps", str(args.memory_steps), "--threads", str(args.threads)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {name} worker failed (exit status {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mib(n_bytes):
    return f"{n_bytes / 2 ** 20:.2f} MiB"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="few steps (rough figures, for a smoke test)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per framework")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first")
    parser.add_argument("--memory-steps", type=int, default=None,
                        help="steps between the two tracemalloc readings (default 1000)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--worker", choices=["tinygrad", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.steps = args.steps or (20 if args.quick else 200)
    args.warmup = args.warmup if args.warmup is not None else (3 if args.quick else 20)
    args.memory_steps = args.memory_steps or (60 if args.quick else 1000)

    if args.worker == "tinygrad":
        print(json.dumps(tinygrad_worker(args.warmup, args.steps, args.memory_steps)))
        return 0
    if args.worker == "torch":
        print(json.dumps(torch_worker(args.warmup, args.steps, args.threads)))
        return 0

    print(f"LeNet-5 training step, batch {BATCH}, float32, SGD(lr=0.01, momentum=0.9); "
          f"median of {args.steps} steps after {args.warmup} warm-up steps")
    ours = run_worker("tinygrad", args)
    ours_ms = statistics.median(ours["times"]) * 1e3
    print(f"  tinygrad_cnn : {ours_ms:8.2f} ms/step   (loss {ours['first_loss']:.3f} → "
          f"{ours['last_loss']:.3f})")
    growth = ours["memory_after_n"] - ours["memory_after_10"]
    late_growth = ours["memory_after_n"] - ours["memory_after_half"]
    print(f"  memory       : held after 10 steps {mib(ours['memory_after_10'])}, after "
          f"{ours['memory_steps']} steps {mib(ours['memory_after_n'])} (growth "
          f"{growth / 1024:+.1f} KiB, of which {late_growth / 1024:+.1f} KiB in the second "
          f"half); peak of one step {mib(ours['step_peak'])}")
    try:
        theirs = run_worker("torch", args)
    except SystemExit as error:
        print(f"  PyTorch      : not run ({error}); install torch to compare")
        return 1
    theirs_ms = statistics.median(theirs["times"]) * 1e3
    print(f"  PyTorch {theirs['torch_version']} ({args.threads} threads): {theirs_ms:8.2f} ms/step")
    ratio = ours_ms / theirs_ms
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"  ratio        : {ratio:.2f}x  (target ≤ {TARGET_RATIO}x)  {verdict}")
    # Memory must not grow. A leaked graph would hold a step's activations
    # (megabytes) per step. Python's free lists (tuples, floats) keep blocks
    # that tracemalloc still counts: they fill over the first few hundred
    # steps (a few hundred KiB) and then stop, so the second half must be flat
    # (64 KiB of slack: one leaked 120×400 float32 gradient per step would add about 90 MiB).
    memory_ok = growth <= 1024 * 1024 and late_growth <= 64 * 1024
    if args.memory_steps < 500:
        print("  memory growth: not judged (too few steps for the free lists to fill; "
              "run without --quick)")
        memory_ok = True
    else:
        print(f"  memory growth: {'PASS' if memory_ok else 'FAIL'}")
    return 0 if verdict == "PASS" and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
