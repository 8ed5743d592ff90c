"""Seeing back-propagation: the recorded graph as data and as pictures.

* `to_networkx` — the graph as a `networkx.DiGraph`; after
  ``loss.backward(retain_graph=True)`` its edges carry the statistics of the
  error term δ that flowed back along each of them;
* `draw` — a Graphviz picture: solid forward arrows, dashed δ arrows coloured
  by log ‖δ‖, optional per-layer boxes and δ heat maps; `save` writes the DOT
  text, `render` an SVG, PNG or PDF;
* `explore` — one self-contained HTML page that replays the backward pass
  step by step in the engine's order, with a side panel per node (δ maps,
  local rule, pooling routes, conv steps) and ‖δ‖ per layer; `GradientHistory`
  records ‖δ‖ per layer during training for it; `backward_trace` is its data;
* `analysis` — ‖δ‖ per layer from the loss back to the input (to spot a
  vanishing gradient), parameter counts, longest path, and a check of the
  engine's topological order against networkx.

networkx and graphviz are imported only when these functions run, so
``import tinygrad_cnn`` stays fast.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import viz
>>> x = tg.tensor([1.0, -2.0], requires_grad=True)
>>> loss = (x.relu() * 3.0).sum()
>>> loss.backward(retain_graph=True)
>>> g = viz.to_networkx(loss)
>>> [g.nodes[n]["op"] for n in ("op0", "op1", "op2")]
['relu', 'mul', 'sum']
"""
from .analysis import check_topological_order, delta_norms, longest_path, param_counts
from .draw import draw
from .explore import Explorer, explore
from .graph import delta_stats, node_deltas, to_networkx
from .history import GradientHistory
from .render import render, save
from .trace import backward_trace

__all__ = [
    "Explorer", "GradientHistory", "backward_trace", "check_topological_order", "delta_norms",
    "delta_stats", "draw", "explore", "longest_path", "node_deltas", "param_counts", "render",
    "save", "to_networkx",
]
