"""Time exporting a 10,000-node graph: `viz.to_networkx`, `viz.draw` (DOT text), `viz.explore`.

    python tools/bench_viz.py [--nodes 10000] [--repeat 3]

The graph is a chain of ``relu`` ops with a fan-out every tenth step
(``h.tanh() + h.relu()``: h is read twice), so it has both long paths and
shared nodes; one ``backward(retain_graph=True)`` puts a δ on every edge. Prints the
best of ``--repeat`` runs, total and per 1,000 nodes. Rendering with
Graphviz's ``dot`` is not timed: its layout time is Graphviz's, not ours (the
explorer page of a graph this big is collapsed to one box per layer and runs
no Graphviz at all).
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import tinygrad_cnn as tg  # noqa: E402
from tinygrad_cnn import viz  # noqa: E402


def build_graph(nodes):
    """A loss whose graph has about ``nodes`` nodes (ops + leaves), δ retained."""
    x = tg.tensor([0.5, -1.5, 2.0], requires_grad=True)
    h = x
    count = 1                         # the leaf x
    while count < nodes - 1:          # leave room for the final sum
        if count % 10 == 9 and count + 3 <= nodes - 1:
            h = h.tanh() + h.relu()   # fan-out: h is read twice; stays finite
            count += 3
        else:
            h = h.relu()
            count += 1
    loss = h.sum()
    loss.backward(retain_graph=True)
    return loss


def best_time(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    loss = build_graph(args.nodes)
    seconds, graph = best_time(lambda: viz.to_networkx(loss), args.repeat)
    nodes = graph.number_of_nodes()
    print(f"graph: {nodes} nodes, {graph.number_of_edges()} edges")
    rows = [("to_networkx", seconds)]
    rows.append(("draw (DOT text, op level)", best_time(lambda: viz.draw(loss).source, args.repeat)[0]))
    rows.append(("delta_norms", best_time(lambda: viz.delta_norms(loss), args.repeat)[0]))
    with tempfile.TemporaryDirectory() as folder:
        page = os.path.join(folder, "explorer.html")
        rows.append(("explore (HTML page, collapsed)",
                     best_time(lambda: viz.explore(loss, path=page), args.repeat)[0]))
        print(f"explorer page: {os.path.getsize(page) / 2 ** 20:.1f} MiB")
    for name, seconds in rows:
        print(f"{name:32s} {seconds:8.3f} s total   {seconds / nodes * 1000:8.4f} s per 1,000 nodes")


if __name__ == "__main__":
    main()
