"""Benchmark: ResNet-18 and VGG-11 forward + backward, tinygrad_cnn against PyTorch (CPU).

One step is what a training loop spends in the network: ``zero_grad``,
forward, cross-entropy, backward (no optimizer update), on a batch of 8
float32 3×64×64 images, the model in training mode (BatchNorm on batch
statistics, dropout on). The models are the built-in ``models.resnet18()`` and
``models.vgg11()`` (1,000 classes, torchvision's architectures) and, for
PyTorch, twins with the same layers written in ``torch.nn``.

As in tools/bench_lenet.py each framework runs in its own subprocess (their
thread pools would fight inside one process); PyTorch gets
``torch.set_num_threads(2)``. To spread machine noise evenly, the runs come in
*pairs*, one process of each framework, the order alternating from pair to
pair; each process reports the median of its timed steps, each pair gives a
ratio, and the figure reported is the median ratio over the pairs with its
range. The target is tinygrad_cnn ≤ 1.5× PyTorch. On a shared machine the
medians swing with other processes' load; the ratio of the *fastest* steps
(also printed) is the steadier guide to what each framework can do.

Run:  python tools/bench_models.py                 (3 pairs per model, a few minutes)
      python tools/bench_models.py --quick         (1 pair, few steps; rough figures)
      python tools/bench_models.py --profile       (also: tinygrad_cnn's hotspots, cProfile)
      python tools/bench_models.py --models resnet18 --pairs 5
Timings on a busy machine are noise: take final figures on an idle one.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH = 8
SIZE = 64
CLASSES = 1000
TARGET_RATIO = 1.5
MODEL_NAMES = ("resnet18", "vgg11")


def make_batch(seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((BATCH, 3, SIZE, SIZE)).astype(np.float32)
    labels = rng.integers(0, CLASSES, BATCH).astype(np.int64)
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
def tinygrad_worker(name, warmup, steps, profile):
    import tinygrad_cnn as tg
    from tinygrad_cnn import models
    from tinygrad_cnn.nn import functional as F

    tg.manual_seed(0)
    model = getattr(models, name)(num_classes=CLASSES).train()
    images, labels = make_batch()
    x, y = tg.from_numpy(images), tg.from_numpy(labels)

    def step():
        model.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()

    times = time_steps(step, warmup, steps)
    result = {"times": times}
    if profile:
        import cProfile
        import io
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            step()
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
        result["profile"] = text.getvalue()
    return result


# ----------------------------------------------------------------------------- PyTorch
def torch_model(torch, name):
    """The same architectures in torch.nn, after torchvision's definitions."""
    tnn = torch.nn
    if name == "vgg11":
        layers, channels = [], 3
        for value in [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]:
            if value == "M":
                layers.append(tnn.MaxPool2d(2, 2))
            else:
                layers += [tnn.Conv2d(channels, value, 3, padding=1), tnn.ReLU(True)]
                channels = value
        return tnn.Sequential(
            *layers, tnn.AdaptiveAvgPool2d((7, 7)), tnn.Flatten(),
            tnn.Linear(512 * 7 * 7, 4096), tnn.ReLU(True), tnn.Dropout(),
            tnn.Linear(4096, 4096), tnn.ReLU(True), tnn.Dropout(), tnn.Linear(4096, CLASSES))

    class BasicBlock(tnn.Module):
        def __init__(self, inplanes, planes, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(planes)
            self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = tnn.Sequential(
                    tnn.Conv2d(inplanes, planes, 1, stride, bias=False), tnn.BatchNorm2d(planes))

        def forward(self, x):
            shortcut = x if self.downsample is None else self.downsample(x)
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + shortcut)

    stages, inplanes = [], 64
    for planes, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        stages += [BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes, 1)]
        inplanes = planes
    return tnn.Sequential(
        tnn.Conv2d(3, 64, 7, 2, 3, bias=False), tnn.BatchNorm2d(64), tnn.ReLU(True),
        tnn.MaxPool2d(3, 2, 1), *stages, tnn.AdaptiveAvgPool2d((1, 1)), tnn.Flatten(),
        tnn.Linear(512, CLASSES))


def torch_worker(name, warmup, steps, threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch_model(torch, name).train()
    images, labels = make_batch()
    x, y = torch.from_numpy(images), torch.from_numpy(labels)

    def step():
        model.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()

    times = time_steps(step, warmup, steps)
    return {"times": times, "torch_version": torch.__version__}


# ----------------------------------------------------------------------------- driver
def run_worker(framework, name, args, profile=False):
    command = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--models", name,
               "--warmup", str(args.warmup), "--steps", str(args.steps),
               "--threads", str(args.threads)]
    if profile:
        command.append("--profile")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {framework} worker for {name} failed (exit status "
                         f"{done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 pair, few steps (rough figures)")
    parser.add_argument("--pairs", type=int, default=None, help="process pairs per model (≥ 3)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--models", default=",".join(MODEL_NAMES),
                        help="comma-separated: " + ", ".join(MODEL_NAMES))
    parser.add_argument("--profile", action="store_true",
                        help="print tinygrad_cnn's top functions by own time")
    parser.add_argument("--worker", choices=["tinygrad", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.pairs = args.pairs or (1 if args.quick else 3)
    args.steps = args.steps or (3 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {list(MODEL_NAMES)}")

    if args.worker == "tinygrad":
        print(json.dumps(tinygrad_worker(names[0], args.warmup, args.steps, args.profile)))
        return 0
    if args.worker == "torch":
        print(json.dumps(torch_worker(names[0], args.warmup, args.steps, args.threads)))
        return 0

    print(f"forward + backward, batch {BATCH}, float32 3×{SIZE}×{SIZE}, training mode; "
          f"{args.pairs} process pair(s) per model, each the median of {args.steps} steps after "
          f"{args.warmup} warm-up steps")
    verdicts = []
    for name in names:
        ours_ms, theirs_ms, ratios, best = [], [], [], {"tinygrad": [], "torch": []}
        for pair in range(args.pairs):
            order = ("tinygrad", "torch") if pair % 2 == 0 else ("torch", "tinygrad")
            medians = {}
            for framework in order:
                try:
                    result = run_worker(framework, name, args)
                except SystemExit as error:
                    if framework == "torch":
                        print(f"  {name}: PyTorch not run ({error}); install torch to compare")
                        return 1
                    raise
                medians[framework] = statistics.median(result["times"]) * 1e3
                best[framework].append(min(result["times"]) * 1e3)
            ours_ms.append(medians["tinygrad"])
            theirs_ms.append(medians["torch"])
            ratios.append(medians["tinygrad"] / medians["torch"])
            print(f"  {name} pair {pair + 1} ({order[0]} first): tinygrad_cnn "
                  f"{medians['tinygrad']:8.1f} ms, PyTorch {medians['torch']:8.1f} ms, "
                  f"ratio {ratios[-1]:.2f}x")
        ratio = statistics.median(ratios)
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        verdicts.append(verdict)
        print(f"{name:9s}: tinygrad_cnn {statistics.median(ours_ms):8.1f} ms/step, PyTorch "
              f"{statistics.median(theirs_ms):8.1f} ms/step; ratio {ratio:.2f}x (range "
              f"{min(ratios):.2f}–{max(ratios):.2f}x over {len(ratios)} pairs; target ≤ "
              f"{TARGET_RATIO}x)  {verdict}")
        fastest_ours, fastest_theirs = min(best["tinygrad"]), min(best["torch"])
        print(f"{'':9s}  fastest steps: tinygrad_cnn {fastest_ours:8.1f} ms, PyTorch "
              f"{fastest_theirs:8.1f} ms; ratio {fastest_ours / fastest_theirs:.2f}x")
        if args.profile:
            profiled = run_worker("tinygrad", name, args, profile=True)
            print(f"  tinygrad_cnn hotspots, {name} (3 steps, by own time):")
            print("\n".join("    " + line for line in profiled["profile"].splitlines()
                            if line.strip()))
    return 0 if all(v == "PASS" for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
