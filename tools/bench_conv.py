"""Benchmark one conv layer step (forward + backward) against PyTorch.

    python tools/bench_conv.py              # 5 process pairs and the leak check (a few minutes)
    python tools/bench_conv.py --quick      # 3 pairs, fewer repeats and leak-check steps
    python tools/bench_conv.py --threads 1  # both frameworks on one thread

The step: N=32, C_in=C_out=64, 32×32, 3×3 kernel, padding 1, forward and
backward (input, weight and bias gradients). The protocol is issue 13's
(`bench_protocol`): each framework in its own fresh process with the same
thread count (default: the cores available), the order alternating over at
least 3 process pairs, the median of the per-pair ratios printed with its
range. Reported:

* step time ratio, ours vs PyTorch, float32 and float64;
* achieved GFLOP/s (3 × 2·N·C_out·H·W·C_in·9 flops for forward + backward) vs
  NumPy's own float32 matmul GFLOP/s at the im2col GEMM's size, measured in
  the same process (median over the pairs);
* in one last process: peak memory of one step (tracemalloc, which sees
  NumPy's buffers) vs the bytes the step must hold (input, output, their
  gradients, weight and bias and theirs), and that memory does not grow:
  tracemalloc's current size after many steps ≈ after 10.

Targets (PASS/FAIL): float32 ≤ 1.2× PyTorch and ≥ 75 % of NumPy's matmul
GFLOP/s, float64 ≤ 1× PyTorch float64, peak ≤ 2× required bytes, no growth.
Timings on a busy machine are noisy: compare figures taken on an idle one.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_protocol as protocol  # noqa: E402

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
    # NumPy's own matmul at the im2col GEMM's size: (N·H·W, C_in·9) @ (C_in·9, C_out)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((N * SIZE * SIZE, C_IN * K * K)).astype(np.float32)
    m = rng.standard_normal((C_IN * K * K, C_OUT)).astype(np.float32)
    seconds = _time(lambda: a @ m, repeats)
    result["numpy_matmul_gflops"] = 2 * a.shape[0] * a.shape[1] * m.shape[1] / seconds / 1e9
    if not leak_steps:
        return result

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
    return result


def run_torch(repeats, threads):
    """Child process: PyTorch's step."""
    import torch

    torch.set_num_threads(threads)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and leak-check steps")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps per process")
    parser.add_argument("--pairs", type=int, default=None,
                        help=f"fresh process pairs (default 5; at least {protocol.MIN_PAIRS})")
    parser.add_argument("--leak-steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=protocol.default_threads(),
                        help="threads for both frameworks (default: the cores available)")
    parser.add_argument("--child", choices=("ours", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    repeats = args.repeats or (5 if args.quick else 20)
    leak_steps = args.leak_steps if args.leak_steps is not None else (50 if args.quick else 1000)
    pairs = max(protocol.MIN_PAIRS, args.pairs or (3 if args.quick else 5))

    if args.child == "ours":
        print(__import__("json").dumps(run_ours(repeats, leak_steps)))
        return 0
    if args.child == "torch":
        print(__import__("json").dumps(run_torch(repeats, args.threads)))
        return 0

    script = os.path.abspath(__file__)

    def ours():
        return protocol.run_child(script, ["--child", "ours", "--repeats", repeats,
                                           "--leak-steps", 0], args.threads)

    def theirs():
        return protocol.run_child(script, ["--child", "torch", "--repeats", repeats,
                                           "--threads", args.threads], args.threads)

    print(f"conv2d step: N={N}, C_in=C_out={C_IN}, {SIZE}x{SIZE}, {K}x{K}, padding {PAD}, "
          f"forward + backward; {pairs} fresh process pairs, order alternating, "
          f"{args.threads} threads each; per process the median of {repeats} steps")
    results = protocol.alternating_pairs(ours, theirs, pairs)
    verdicts = []
    for dtype, limit in (("float32", 1.2), ("float64", 1.0)):
        ratios = []
        for index, (mine, other) in enumerate(results, 1):
            ratios.append(mine[dtype]["time"] / other[dtype]["time"] if other else None)
            print(f"  {dtype} pair {index}: tinygrad_cnn {mine[dtype]['time'] * 1e3:7.1f} ms   "
                  + (f"PyTorch {other[dtype]['time'] * 1e3:7.1f} ms   ratio {ratios[-1]:.2f}×"
                     if other else "PyTorch n/a"))
        ratio = protocol.median_ratio(ratios)
        verdicts.append((f"{dtype} time <= {limit:g}x PyTorch",
                         None if ratio is None else ratio <= limit, protocol.ratio_summary(ratios)))
    shares = [FLOPS / mine["float32"]["time"] / 1e9 / mine["numpy_matmul_gflops"]
              for mine, _ in results]
    gflops = statistics.median(FLOPS / mine["float32"]["time"] / 1e9 for mine, _ in results)
    numpy_gflops = statistics.median(mine["numpy_matmul_gflops"] for mine, _ in results)
    print(f"  float32 GFLOP/s {gflops:.1f} (median); NumPy float32 matmul {numpy_gflops:.1f}")
    verdicts.append(("float32 GFLOP/s >= 75% of NumPy matmul", statistics.median(shares) >= 0.75,
                     f"{statistics.median(shares):.0%}, range {min(shares):.0%}–{max(shares):.0%}"))

    memory = protocol.run_child(script, ["--child", "ours", "--repeats", 3, "--leak-steps",
                                         leak_steps], args.threads)
    peak, required = memory["peak_bytes"], memory["required_bytes"]
    print(f"  peak memory of a step {peak / 2**20:.1f} MiB; required {required / 2**20:.1f} MiB")
    verdicts.append(("peak memory <= 2x required", peak <= 2 * required,
                     f"{peak / required:.2f}x"))
    grown = memory["current_after_many"] - memory["current_after_10"]
    print(f"  traced memory after 10 steps {memory['current_after_10'] / 2**20:.2f} MiB, after "
          f"{memory['leak_steps']} steps {memory['current_after_many'] / 2**20:.2f} MiB")
    verdicts.append(("memory does not grow over steps", grown < 2**20,
                     f"{grown / 2**10:+.0f} KiB"))
    print()
    for label, passed, figure in verdicts:
        print(f"{protocol.verdict(passed)}  {label:42} ({figure})")
    print("(timings from a busy machine are noisy; take final figures on an idle one)")
    return 0 if all(passed is not False for _, passed, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
