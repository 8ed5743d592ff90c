"""Benchmark: ResNet-18 and VGG-11 forward + backward, tinygrad_cnn against PyTorch (CPU).

One step is what a training loop spends in the network: ``zero_grad``,
forward, cross-entropy, backward (no optimizer update), on a batch of 8
float32 3×64×64 images, the model in training mode (BatchNorm on batch
statistics, dropout on). The models are the built-in ``models.resnet18()`` and
``models.vgg11()`` (1,000 classes, torchvision's architectures) and, for
PyTorch, twins with the same layers written in ``torch.nn``.

The protocol is issue 13's (`bench_protocol`): each framework in its own
fresh process with the same thread count (default: the cores available), the
order alternating over at least 3 process pairs; each process reports the
median of its timed steps, each pair gives a ratio, and the figure reported is
the median ratio over the pairs with its range. Targets: ResNet-18 ≤ 1.5×
(issue 9) and ≤ 1.3× (issue 13) PyTorch, VGG-11 ≤ 1.5× (issue 9). The ratio
of the *fastest* steps (also printed) is the steadier guide on a shared machine.

Run:  python tools/bench_models.py                 (3 pairs per model, a few minutes)
      python tools/bench_models.py --quick         (3 pairs, few steps; rough figures)
      python tools/bench_models.py --profile       (where a step goes, op by op; one process)
      python tools/bench_models.py --profile --torch   (PyTorch's own per-op profile)
      python tools/bench_models.py --models resnet18 --pairs 5
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

BATCH = 8
SIZE = 64
CLASSES = 1000
#: The targets, by the issue that set them.
TARGETS = {"resnet18": {"issue 9": 1.5, "issue 13": 1.3}, "vgg11": {"issue 9": 1.5}}
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
def build_tinygrad(name):
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
    return step


def tinygrad_worker(name, warmup, steps):
    return {"times": time_steps(build_tinygrad(name), warmup, steps)}


def profile(name, warmup, steps):
    """Where one step of ``name`` goes, op by op (this process only)."""
    rows = protocol.op_profile(lambda: build_tinygrad(name), warmup, steps)
    import tinygrad_cnn
    protocol.print_op_profile(f"{name} step, batch {BATCH}, float32 3×{SIZE}×{SIZE}, {steps} "
                              f"steps, threads {tinygrad_cnn.get_num_threads()}", rows[:25])
    return 0


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


def build_torch(name, threads):
    """PyTorch's step on the twin model: zero_grad, forward, cross-entropy, backward."""
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
    return step


def torch_profile(name, warmup, steps, threads):
    """PyTorch's own per-op profile of its step."""
    import torch
    protocol.print_torch_profile(torch, build_torch(name, threads), warmup, steps,
                                 f"{name} step, batch {BATCH}, float32 3×{SIZE}×{SIZE}", width=40)
    return 0


def torch_worker(name, warmup, steps, threads):
    import torch
    times = time_steps(build_torch(name, threads), warmup, steps)
    return {"times": times, "torch_version": torch.__version__}


# ----------------------------------------------------------------------------- driver
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 pairs, few steps (rough figures)")
    parser.add_argument("--pairs", type=int, default=None, help="process pairs per model (≥ 3)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=protocol.default_threads(),
                        help="threads for both frameworks (default: the cores available)")
    parser.add_argument("--models", default=",".join(MODEL_NAMES),
                        help="comma-separated: " + ", ".join(MODEL_NAMES))
    parser.add_argument("--profile", action="store_true",
                        help="per-op table of tinygrad_cnn's step instead (one process)")
    parser.add_argument("--torch", action="store_true",
                        help="with --profile: PyTorch's own per-op profile instead")
    parser.add_argument("--worker", choices=["tinygrad", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.pairs = max(protocol.MIN_PAIRS, args.pairs or 3)
    args.steps = args.steps or (3 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {list(MODEL_NAMES)}")

    if args.worker == "tinygrad":
        print(json.dumps(tinygrad_worker(names[0], args.warmup, args.steps)))
        return 0
    if args.worker == "torch":
        print(json.dumps(torch_worker(names[0], args.warmup, args.steps, args.threads)))
        return 0
    if args.profile:
        for name in names:
            if args.torch:
                torch_profile(name, args.warmup, args.steps, args.threads)
            else:
                profile(name, args.warmup, args.steps)
        return 0

    print(f"forward + backward, batch {BATCH}, float32 3×{SIZE}×{SIZE}, training mode; "
          f"{args.pairs} fresh process pairs per model, order alternating, {args.threads} "
          f"threads each; per process the median of {args.steps} steps after {args.warmup} "
          "warm-up steps")
    script = os.path.abspath(__file__)
    passed = True
    for name in names:
        common = ["--models", name, "--warmup", args.warmup, "--steps", args.steps,
                  "--threads", args.threads]
        pairs = protocol.alternating_pairs(
            lambda: protocol.run_child(script, ["--worker", "tinygrad"] + common, args.threads),
            lambda: protocol.run_child(script, ["--worker", "torch"] + common, args.threads),
            args.pairs)
        ratios, fastest = [], []
        for index, (mine, other) in enumerate(pairs, 1):
            mine_ms = statistics.median(mine["times"]) * 1e3
            other_ms = statistics.median(other["times"]) * 1e3 if other else None
            ratios.append(mine_ms / other_ms if other_ms else None)
            if other:
                fastest.append(min(mine["times"]) / min(other["times"]))
            print(f"  {name} pair {index}: tinygrad_cnn {mine_ms:7.1f} ms   PyTorch "
                  + (f"{other_ms:7.1f} ms   ratio {ratios[-1]:.2f}×" if other_ms else "n/a"))
        ratio = protocol.median_ratio(ratios)
        print(f"  {name} step ratio: {protocol.ratio_summary(ratios)}"
              + (f"; fastest steps {statistics.median(fastest):.2f}×" if fastest else ""))
        for issue, target in TARGETS.get(name, {}).items():
            ok = None if ratio is None else ratio <= target
            passed = passed and ok is not False
            print(f"    target ≤ {target}× ({issue}) {protocol.verdict(ok)}")
    print("(timings from a busy machine are noisy; take final figures on an idle one)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
