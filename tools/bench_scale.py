"""Scale to keep (issue: reliability): a very long graph back-propagates, and a
training loop holds its memory flat.

1. A chain of 1,000,000 elementwise ops (alternating ``·c`` and ``+c`` on a
   4-element tensor) is built and back-propagated; each framework runs in its
   own subprocess, which reports its peak resident memory (``ru_maxrss``).
2. 1,000 LeNet-5 training steps (batch 16, SGD): memory traced by tracemalloc
   after step 100 and after step 1,000 (the difference is what a step leaks),
   and Python's cycle collector's count after the last step (0 means the graph
   holds no reference cycles).

    python tools/bench_scale.py            # the full sizes above
    python tools/bench_scale.py --quick    # 100,000 ops and 300 steps
"""
import argparse
import json
import subprocess
import sys
import textwrap

CHAIN = textwrap.dedent(r"""
    import json, resource, sys, time
    framework, depth = sys.argv[1], int(sys.argv[2])
    if framework == "tinygrad_cnn":
        import tinygrad_cnn as lib
    else:
        import torch as lib
        lib.set_num_threads(2)
    x = lib.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(depth // 2):
        y = y * 1.0000001 + 0.0000001
    y.sum().backward()
    seconds = time.perf_counter() - start
    ok = bool(abs(float(x.grad[0]) - 1.0) < 0.2)
    print(json.dumps({"seconds": seconds, "peak_rss_mib": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "gradient_ok": ok}))
""")

STEPS = textwrap.dedent(r"""
    import gc, json, sys, tracemalloc
    import tinygrad_cnn as tg
    from tinygrad_cnn import nn
    import tinygrad_cnn.nn.functional as F
    steps = int(sys.argv[1])
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = tg.randn(16, 1, 28, 28), tg.randint(0, 10, (16,))
    tracemalloc.start()
    held = {}
    for step in range(1, steps + 1):
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
        if step in (steps // 10, steps):
            held[step] = tracemalloc.get_traced_memory()[0]
    del loss
    print(json.dumps({"held_kib": {k: v / 1024 for k, v in held.items()},
                      "cycle_garbage_objects": gc.collect()}))
""")


def run(code, *args):
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    depth, steps = (100_000, 300) if args.quick else (1_000_000, 1_000)

    print(f"chain of {depth:,} ops, built and back-propagated:")
    chain = {}
    for framework in ("tinygrad_cnn", "torch"):
        result = chain[framework] = run(CHAIN, framework, depth)
        if "error" in result:
            print(f"  {framework:<13} ({result['error'][:70]})")
        else:
            print(f"  {framework:<13} {result['seconds']:7.1f} s   peak RSS "
                  f"{result['peak_rss_mib']:7.0f} MiB   gradient right: {result['gradient_ok']}")
    print(f"\n{steps:,} LeNet-5 training steps (batch 16):")
    flat = run(STEPS, steps)
    if "error" in flat:
        print(f"  ({flat['error']})")
    else:
        (first, a), (last, b) = sorted((int(k), v) for k, v in flat["held_kib"].items())
        print(f"  memory held after step {first}: {a:,.0f} KiB; after step {last}: {b:,.0f} KiB "
              f"(moved {b - a:+,.0f} KiB); cycle garbage: {flat['cycle_garbage_objects']}")

    verdicts = []
    ours, theirs = chain["tinygrad_cnn"], chain["torch"]
    if "error" not in ours:
        verdicts.append((f"a {depth:,}-op chain back-propagates with the right gradient",
                         ours["gradient_ok"]))
        if "error" not in theirs:
            verdicts.append((f"its peak RSS ≤ PyTorch's ({ours['peak_rss_mib']:.0f} vs "
                             f"{theirs['peak_rss_mib']:.0f} MiB)",
                             ours["peak_rss_mib"] <= theirs["peak_rss_mib"]))
    if "error" not in flat:
        verdicts.append((f"memory flat over the steps (moved {b - a:+,.0f} KiB, < 1 MiB)",
                         abs(b - a) < 1024))
        verdicts.append(("no cycle garbage after training", flat["cycle_garbage_objects"] == 0))
    print()
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")


if __name__ == "__main__":
    main()
