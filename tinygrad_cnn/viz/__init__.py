"""Seeing back-propagation: the recorded graph as data and as pictures.

* `to_networkx` — the graph as a `networkx.DiGraph`; after
  ``loss.backward(retain_graph=True)`` its edges carry the statistics of the
  error term δ that flowed back along each of them;
* `draw` — a Graphviz picture: solid forward arrows, dashed δ arrows coloured
  by log ‖δ‖, optional per-layer boxes and δ heat maps; `save` writes the DOT
  text, `render` an SVG, PNG or PDF;
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
from .render import render, save
from .graph import delta_stats, node_deltas, to_networkx

__all__ = [
    "check_topological_order", "delta_norms", "delta_stats", "draw", "longest_path",
    "node_deltas", "param_counts", "render", "save", "to_networkx",
]
