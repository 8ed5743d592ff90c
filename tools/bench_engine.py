"""Backward cost per graph node on a long chain of small elementwise ops.

Builds y = ((x·c + c)·c + c)… (alternating mul and add on a 4-element tensor),
then times y.sum().backward(). Each framework runs in its own subprocess so that
one's threads cannot steal the other's cores. Also reports whether a training
step leaves work for Python's cycle collector, and `import tinygrad_cnn` time.

    python tools/bench_engine.py            # 10,000 and 100,000 nodes
    python tools/bench_engine.py --quick    # 10,000 only, fewer repeats
"""
import argparse
import json
import subprocess
import sys
import textwrap

WORKER = textwrap.dedent(r"""
    import gc, json, statistics, sys, time
    framework, depth, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    def chain(x, depth, mul, add):
        y = x
        for i in range(depth // 2):
            y = add(mul(y))
        return y

    if framework == "tinygrad_cnn":
        import tinygrad_cnn as tg
        make = lambda: tg.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
        mul, add = (lambda y: y * 1.0001), (lambda y: y + 0.001)
        scalar = lambda y: y.sum()
    elif framework == "torch":
        import torch
        torch.set_num_threads(2)
        make = lambda: torch.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
        mul, add = (lambda y: y * 1.0001), (lambda y: y + 0.001)
        scalar = lambda y: y.sum()
    elif framework == "micrograd":
        from micrograd.engine import Value
        make = lambda: Value(0.1)
        mul, add = (lambda y: y * 1.0001), (lambda y: y + 0.001)
        scalar = lambda y: y
        sys.setrecursionlimit(max(10_000, 4 * depth))   # micrograd's sort recurses

    forward, backward = [], []
    for _ in range(repeats):
        gc.collect(); gc.disable()
        x = make()
        t0 = time.perf_counter()
        out = scalar(chain(x, depth, mul, add))
        t1 = time.perf_counter()
        try:
            out.backward()
        except RecursionError:
            print(json.dumps({"error": "RecursionError"})); sys.exit(0)
        t2 = time.perf_counter()
        forward.append(t1 - t0); backward.append(t2 - t1)
        del out, x
        unreachable = gc.collect()       # what the cycle collector had to find
        gc.enable()
    print(json.dumps({"forward_us": statistics.median(forward) / depth * 1e6,
                      "backward_us": statistics.median(backward) / depth * 1e6,
                      "cycle_garbage_objects": unreachable}))
""")

IMPORT_TIME = "import time; t = time.perf_counter(); import tinygrad_cnn; print(time.perf_counter() - t)"


def run(framework, depth, repeats):
    proc = subprocess.run([sys.executable, "-c", WORKER, framework, str(depth), str(repeats)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    depths = [10_000] if args.quick else [10_000, 100_000]
    repeats = 3 if args.quick else 5

    print(f"{'nodes':>8}  {'framework':<13} {'fwd µs/node':>12} {'bwd µs/node':>12} "
          f"{'cycle garbage':>14}")
    verdicts = []
    for depth in depths:
        results = {}
        for framework in ("tinygrad_cnn", "torch", "micrograd"):
            result = results[framework] = run(framework, depth, repeats)
            if "error" in result:
                print(f"{depth:>8}  {framework:<13} {'(' + result['error'][:60] + ')':>40}")
                continue
            print(f"{depth:>8}  {framework:<13} {result['forward_us']:>12.2f} "
                  f"{result['backward_us']:>12.2f} {result['cycle_garbage_objects']:>14}")
        ours, torch = results["tinygrad_cnn"], results["torch"]
        if "error" not in ours and "error" not in torch:
            ratio = ours["backward_us"] / torch["backward_us"]
            verdicts.append((f"backward per node at {depth:,} nodes ≤ PyTorch's "
                             f"(ratio {ratio:.2f})", ratio <= 1.0))
        if "error" not in ours:
            verdicts.append((f"no cycle garbage after a backward at {depth:,} nodes "
                             f"({ours['cycle_garbage_objects']} objects)",
                             ours["cycle_garbage_objects"] == 0))

    seconds = sorted(float(subprocess.run([sys.executable, "-c", IMPORT_TIME], capture_output=True,
                                          text=True).stdout) for _ in range(5))[2]
    verdicts.append((f"import tinygrad_cnn ≤ 0.2 s (median {seconds:.3f} s)", seconds <= 0.2))
    print()
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")


if __name__ == "__main__":
    main()
