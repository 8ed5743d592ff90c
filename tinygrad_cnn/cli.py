"""The ``tinygrad-cnn`` command line.

    tinygrad-cnn demo [--out DIR] [--epochs N] [--full]
    tinygrad-cnn graph --model lenet5 --out lenet5.svg [--level op|layer] [--heatmaps]
                       [--batch N] [--seed S]
    tinygrad-cnn explore --model lenet5 --out DIR [--level op|layer] [--batch N]
    tinygrad-cnn exercises [ID] [--check FILE]

``demo`` trains the modern LeNet-5 on the embedded Fashion-MNIST subset
(`tinygrad_cnn.demo.run_demo`) and writes its results into a folder.

``graph`` runs one forward and backward pass of a built-in model
(`tinygrad_cnn.models.MODELS`) on the first ``N`` test images of the embedded
Fashion-MNIST subset, with ``retain_graph=True`` so every δ stays on the
graph, and draws it with `tinygrad_cnn.viz.draw`. The format follows the
extension of ``--out``: ``.svg``, ``.png``, ``.pdf`` (need Graphviz's ``dot``)
or ``.dot`` (DOT text, needs nothing). With ``--heatmaps`` an SVG embeds
the δ-map images and a PNG or PDF has them drawn in, so the file stands
alone; a ``.dot`` file gets its PNG images written beside it.

``explore`` runs the same pass and writes ``DIR/<model>_explorer.html``
(`tinygrad_cnn.viz.explore`): one self-contained page that steps through the
backward pass in the engine's order.

``exercises`` lists the problems of `tinygrad_cnn.teach.exercises`; with an
ID it prints the statement, and with ``--check FILE`` it imports FILE, takes
the function the statement names (or a variable ``answer``) and marks it.

Run ``python -m tinygrad_cnn.cli --help`` or ``tinygrad-cnn --help``.
"""
import argparse
import os
import sys


def _parser():
    from .models import MODELS

    parser = argparse.ArgumentParser(
        prog="tinygrad-cnn",
        description="tinygrad_cnn: see back-propagation through a CNN.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    graph = commands.add_parser(
        "graph", help="draw a model's graph with the δ that flows back along each edge",
        description="Run one forward/backward pass of a built-in model on sample images "
                    "and draw the graph: solid arrows forward, dashed δ arrows backward.")
    graph.add_argument("--model", choices=sorted(MODELS), default="lenet5",
                       help="built-in model (default: lenet5)")
    graph.add_argument("--out", required=True,
                       help="output file; .svg, .png, .pdf (need Graphviz) or .dot")
    graph.add_argument("--level", choices=("op", "layer"), default="op",
                       help="'op': one box per op; 'layer': ops grouped by module (default: op)")
    graph.add_argument("--heatmaps", action="store_true",
                       help="show each 4-D δ as per-channel maps of the first image")
    graph.add_argument("--batch", type=int, default=4, help="number of images (default: 4)")
    graph.add_argument("--seed", type=int, default=0,
                       help="seed for the weight initialisation (default: 0)")
    graph.add_argument("--rankdir", choices=("TB", "LR"), default="TB",
                       help="layout direction (default: TB, input at the top)")
    graph.set_defaults(run=run_graph)

    add_explore_command(commands, sorted(MODELS))

    from .demo import add_demo_arguments, main_from_args

    demo = commands.add_parser(
        "demo", help="train LeNet on Fashion-MNIST (about 12 s) and draw its δ flow",
        description="Train the modern LeNet-5 on the Fashion-MNIST subset shipped in the "
                    "package (or the full data set with --full), then write the checkpoint, "
                    "the loss/accuracy plot, the δ-flow picture and a summary into --out.")
    add_demo_arguments(demo)
    demo.set_defaults(run=main_from_args)
    _add_exercises_command(commands)
    return parser


def add_explore_command(commands, models):
    """The ``explore`` subcommand: write the backward-pass explorer page for a built-in model."""
    explore = commands.add_parser(
        "explore", help="write an HTML page that steps through backward, node by node",
        description="Run one forward/backward pass of a built-in model on sample images and "
                    "write a self-contained HTML page (works offline) that replays the "
                    "backward pass in the engine's order, with δ maps for every node.")
    explore.add_argument("--model", choices=models, default="lenet5",
                         help="built-in model (default: lenet5)")
    explore.add_argument("--out", default=".", help="folder for the page (default: .)")
    explore.add_argument("--name", default=None,
                         help="file name of the page (default: <model>_explorer.html)")
    explore.add_argument("--level", choices=("op", "layer"), default="op",
                         help="'op': one box per op; 'layer': ops grouped by module (default: op)")
    explore.add_argument("--batch", type=int, default=2, help="number of images (default: 2)")
    explore.add_argument("--seed", type=int, default=0,
                         help="seed for the weight initialisation (default: 0)")
    explore.add_argument("--no-heatmaps", action="store_true", help="leave out the δ maps")
    explore.set_defaults(run=run_explore)
    return explore


def run_explore(args):
    from . import viz

    model, loss = graph_for_model(args.model, args.batch, args.seed)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, args.name or f"{args.model}_explorer.html")
    page = viz.explore(loss, model, path=path, level=args.level, heatmaps=not args.no_heatmaps,
                       title=f"{args.model}: back-propagation, step by step")
    print(f"wrote {page.path} ({args.model}, {len(page.trace['order'])} steps, "
          f"loss={loss.item():.4f}); open it in a browser")
    return 0


def _add_exercises_command(commands):
    exercises = commands.add_parser(
        "exercises", help="list the chapter's exercises; show one; check your solution",
        description="Exercises solved in code (tinygrad_cnn.teach.exercises). Without an ID: "
                    "the list. With an ID: the statement. With --check FILE: import FILE and "
                    "mark the function the statement names (or a variable 'answer').")
    exercises.add_argument("id", nargs="?", help="an exercise id from the list")
    exercises.add_argument("--check", metavar="FILE", help="a .py file with your solution")
    exercises.set_defaults(run=run_exercises)


def run_exercises(args):
    """List, show or check; exit status 1 when a checked answer is not yet right.

    >>> run_exercises(argparse.Namespace(id="cost_5_4", check=None))  # doctest: +ELLIPSIS
    cost_5_4  (exercise 5-4) time and space of a conv layer and a 1×1 bottleneck
    ...
    0
    """
    import importlib.util

    from .teach import exercises

    if args.id is None:
        if args.check:
            raise ValueError("--check needs an exercise id: tinygrad-cnn exercises ID --check FILE")
        print(exercises.listing())
        print("\nShow one with: tinygrad-cnn exercises ID; "
              "check yours with: tinygrad-cnn exercises ID --check FILE.py")
        return 0
    try:
        exercise = exercises.get(args.id)
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    if args.check is None:
        print(exercise)
        print(f"\nWrite `{exercises.answer_name(exercise)}` in a file and run: "
              f"tinygrad-cnn exercises {exercise.id} --check FILE.py")
        return 0
    if not os.path.exists(args.check):
        raise ValueError(f"no such file: {args.check}")
    spec = importlib.util.spec_from_file_location("exercise_solution", args.check)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    name = exercises.answer_name(exercise)
    if not hasattr(module, name):
        raise ValueError(f"{args.check} defines no `{name}`, which {exercise.id} asks for")
    result = exercises.check(exercise, getattr(module, name))
    print(result)
    return 0 if result else 1


def graph_for_model(model_name, batch=4, seed=0):
    """One forward/backward pass of a built-in model on test images.

    Returns ``(model, loss)``; the graph behind ``loss`` is retained, with the
    δ of every edge. The weights come from ``manual_seed(seed)``, the images
    are the first ``batch`` of ``EmbeddedFashionMNIST(train=False)``.

    >>> model, loss = graph_for_model("lenet5", batch=2)
    >>> loss.grad_fn.name, model.conv1.weight.grad.shape
    ('cross_entropy', (6, 1, 5, 5))
    """
    import tinygrad_cnn as tg
    from .data import EmbeddedFashionMNIST
    from .models import MODELS
    from .nn import functional as F

    if batch < 1:
        raise ValueError(f"graph: --batch must be at least 1, got {batch}")
    tg.manual_seed(seed)
    model = MODELS[model_name]()
    test_set = EmbeddedFashionMNIST(train=False)
    images = tg.tensor(test_set.data[:batch])                # (N, 1, 28, 28)
    labels = tg.tensor(test_set.targets[:batch])             # (N,)
    loss = F.cross_entropy(model(images), labels)
    loss.backward(retain_graph=True)                         # keep every δ for the drawing
    return model, loss


def run_graph(args):
    from . import viz

    model, loss = graph_for_model(args.model, args.batch, args.seed)
    dot = viz.draw(loss, model, level=args.level, heatmaps=args.heatmaps, rankdir=args.rankdir)
    viz.render(dot, args.out)
    print(f"wrote {args.out} ({args.model}, level={args.level}, batch={args.batch}, "
          f"loss={loss.item():.4f})")
    return 0


def main(argv=None):
    """Entry point of the ``tinygrad-cnn`` console script; returns the exit status.

    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "lenet5.dot")
    >>> main(["graph", "--model", "lenet5", "--out", out, "--batch", "2"])  # doctest: +ELLIPSIS
    wrote ...lenet5.dot (lenet5, level=op, batch=2, loss=...)
    0
    """
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (RuntimeError, ValueError) as error:
        print(f"tinygrad-cnn {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
