"""Benchmark one conv layer step (forward + backward) against PyTorch.

    python tools/bench_conv.py            # full run (a few minutes: 1,000 steps for the leak check)
    python tools/bench_conv.py --quick    # fewer repeats, fewer leak-check steps
    python tools/bench_conv.py --blas-threads 1   # NumPy single-threaded (busy machines)

The step: N=32, C_in=C_out=64, 32×32, 3×3 kernel, padding 1, forward and
backward (input, weight and bias gradients). Each framework runs in its own
subprocess (PyTorch with ``torch.set_num_threads(2)``). Reported:

* median step time, ours vs PyTorch, float32 and float64;
* achieved GFLOP/s (3 × 2·N·C_out·H·W·C_in·9 flops for forward + backward) vs
  NumPy's own float32 matmul GFLOP/s at a comparable GEMM size, measured in
  the same run;
* peak memory of one step (tracemalloc, which sees NumPy's buffers) vs the
  bytes the step must hold: input, output, their gradients, weight and bias
  and theirs;
* that memory does not grow: tracemalloc's current size after many steps ≈
  after 10.

Targets (PASS/FAIL): ≤ 2× PyTorch float32, ≥ 35% of NumPy matmul GFLOP/s,
peak ≤ 2× required bytes, float64 ≤ 1× PyTorch float64, no growth.
Timings on a busy machine are noisy: compare figures taken on an idle one.
"""
import argparse
import json
import os
import subprocess
import sys
import time

N, C_IN, C_OUT, SIZE, K, PAD = 32, 64, 64, 32, 3, 1
FLOPS = 3 * 2 * N * C_OUT * SIZE * SIZE * C_IN * K * K
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def _time(step, repeats):
    step()                                                    # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return _median(times)


def run_ours(repeats, leak_steps):
    """Child process: time, peak memory and leak check of tinygrad_cnn's step."""
    import tracemalloc

    import numpy as np

    sys.path.insert(0, ROOT)
    import tinygrad_cnn as tg
    from tinygrad_cnn.nn import functional as F

    def setup(dtype):
        rng = np.random.default_rng(0)
        x = tg.tensor(rng.standard_normal((N, C_IN, SIZE, SIZE)).astype(dtype), requires_grad=True)
        w = tg.tensor(0.1 * rng.standard_normal((C_OUT, C_IN, K, K)).astype(dtype),
                      requires_grad=True)
        b = tg.zeros(C_OUT, dtype=dtype, requires_grad=True)
        delta = tg.tensor(rng.standard_normal((N, C_OUT, SIZE, SIZE)).astype(dtype))

        def step():
            x.grad = w.grad = b.grad = None
            out = F.conv2d(x, w, b, padding=PAD)
            out.backward(delta)

        return x, w, b, delta, step

    result = {dtype: {"time": _time(setup(dtype)[-1], repeats)}
              for dtype in ("float32", "float64")}

    # memory, float32: the bytes the step must hold, and its tracemalloc peak
    x, w, b, delta, step = setup("float32")
    required = 2 * (x.numpy().nbytes + w.numpy().nbytes + b.numpy().nbytes) + 2 * delta.numpy().nbytes
    tracemalloc.start()
    step()
    x.grad = w.grad = b.grad = None
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()   # what the caller already holds: x, w, b, δ_out
    held_before = x.numpy().nbytes + w.numpy().nbytes + b.numpy().nbytes + delta.numpy().nbytes
    step()
    _, peak = tracemalloc.get_traced_memory()
    result["peak_bytes"] = peak - base + held_before
    result["required_bytes"] = required

    # growth: current traced memory after 10 steps vs after leak_steps
    for _ in range(10):
        step()
    after_10, _ = tracemalloc.get_traced_memory()
    for _ in range(leak_steps - 10):
        step()
    after_many, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["current_after_10"] = after_10
    result["current_after_many"] = after_many
    result["leak_steps"] = leak_steps

    # NumPy's own matmul at a comparable GEMM size: (C_out, C_in) @ (C_in, N·H·W)
    # is the per-tap GEMM; also the im2col-sized (N·H·W, C_in·9) @ (C_in·9, C_out)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((N * SIZE * SIZE, C_IN * K * K)).astype(np.float32)
    m = rng.standard_normal((C_IN * K * K, C_OUT)).astype(np.float32)
    seconds = _time(lambda: a @ m, repeats)
    result["numpy_matmul_gflops"] = 2 * a.shape[0] * a.shape[1] * m.shape[1] / seconds / 1e9
    return result


def run_torch(repeats):
    """Child process: PyTorch's step, 2 threads."""
    import torch

    torch.set_num_threads(2)
    result = {}
    for dtype in (torch.float32, torch.float64):
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(N, C_IN, SIZE, SIZE, dtype=dtype, generator=generator, requires_grad=True)
        w = (0.1 * torch.randn(C_OUT, C_IN, K, K, dtype=dtype, generator=generator)).requires_grad_()
        b = torch.zeros(C_OUT, dtype=dtype, requires_grad=True)
        delta = torch.randn(N, C_OUT, SIZE, SIZE, dtype=dtype, generator=generator)

        def step():
            x.grad = w.grad = b.grad = None
            out = torch.nn.functional.conv2d(x, w, b, padding=PAD)
            out.backward(delta)

        result[str(dtype).replace("torch.", "")] = {"time": _time(step, repeats)}
    return result


def _child(which, repeats, leak_steps, blas_threads):
    command = [sys.executable, __file__, "--child", which, "--repeats", str(repeats),
               "--leak-steps", str(leak_steps)]
    env = dict(os.environ)
    if which == "ours":       # NumPy's BLAS reads these when it loads, so set them before
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(blas_threads)
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    if completed.returncode != 0:
        return None, completed.stderr.strip().splitlines()[-1] if completed.stderr else "failed"
    return json.loads(completed.stdout.strip().splitlines()[-1]), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and leak-check steps")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--leak-steps", type=int, default=None)
    parser.add_argument("--blas-threads", type=int, default=2,
                        help="threads for NumPy's BLAS (default 2, as PyTorch's); 1 avoids "
                             "the stalls of spinning BLAS threads on a busy machine")
    parser.add_argument("--child", choices=("ours", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    repeats = args.repeats or (5 if args.quick else 20)
    leak_steps = args.leak_steps or (50 if args.quick else 1000)

    if args.child == "ours":
        print(json.dumps(run_ours(repeats, leak_steps)))
        return 0
    if args.child == "torch":
        print(json.dumps(run_torch(repeats)))
        return 0

    ours, error = _child("ours", repeats, leak_steps, args.blas_threads)
    if ours is None:
        print(f"tinygrad_cnn run failed: {error}")
        return 1
    theirs, torch_error = _child("torch", repeats, leak_steps, args.blas_threads)

    print(f"conv2d step: N={N}, C_in=C_out={C_IN}, {SIZE}x{SIZE}, {K}x{K}, padding {PAD}, "
          f"forward + backward; median of {repeats}; NumPy BLAS threads {args.blas_threads}, "
          "PyTorch threads 2")
    print(f"{'':34}{'tinygrad_cnn':>14}{'PyTorch':>12}{'ratio':>9}")
    verdicts = []
    for dtype, limit in (("float32", 2.0), ("float64", 1.0)):
        mine = ours[dtype]["time"]
        if theirs is None:
            print(f"{dtype + ' step (ms)':34}{mine * 1e3:14.1f}{'n/a':>12}")
            continue
        other = theirs[dtype]["time"]
        ratio = mine / other
        verdicts.append((f"{dtype} time <= {limit:g}x PyTorch", ratio <= limit,
                         f"{ratio:.2f}x"))
        print(f"{dtype + ' step (ms)':34}{mine * 1e3:14.1f}{other * 1e3:12.1f}{ratio:8.2f}x")
    gflops = FLOPS / ours["float32"]["time"] / 1e9
    share = gflops / ours["numpy_matmul_gflops"]
    print(f"{'float32 GFLOP/s':34}{gflops:14.1f}")
    print(f"{'NumPy float32 matmul GFLOP/s':34}{ours['numpy_matmul_gflops']:14.1f}")
    verdicts.append(("float32 GFLOP/s >= 35% of NumPy matmul", share >= 0.35, f"{share:.0%}"))
    peak, required = ours["peak_bytes"], ours["required_bytes"]
    print(f"{'peak memory of a step (MiB)':34}{peak / 2**20:14.1f}")
    print(f"{'required bytes (MiB)':34}{required / 2**20:14.1f}")
    verdicts.append(("peak memory <= 2x required", peak <= 2 * required,
                     f"{peak / required:.2f}x"))
    grown = ours["current_after_many"] - ours["current_after_10"]
    print(f"{'traced memory after 10 steps (MiB)':34}{ours['current_after_10'] / 2**20:14.2f}")
    label = f"... after {ours['leak_steps']} steps (MiB)"
    print(f"{label:34}{ours['current_after_many'] / 2**20:14.2f}")
    verdicts.append(("memory does not grow over steps", grown < 2**20,
                     f"{grown / 2**10:+.0f} KiB"))
    if theirs is None:
        print(f"PyTorch run failed ({torch_error}); its comparisons are skipped")
    print()
    for label, passed, figure in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}  {label:42} ({figure})")
    print("(timings from a busy machine are noisy; take final figures on an idle one)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
