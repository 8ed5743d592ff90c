"""`explore`: watch back-propagation step by step, in one self-contained HTML page.

``explore(loss, model)`` runs nothing new. After ``loss.backward(retain_graph=True)``
it reads the graph (`viz.trace.backward_trace`), draws it (`viz.draw`, the same
picture, each box tagged ``data-node="<id>"``) and writes one HTML file with
everything inline — style, script, images as data URIs — that makes no
network request and works offline from ``file://``. In Jupyter the returned
`Explorer` shows the page inline.

The page replays the backward pass in the order the engine ran it
(``reversed(engine.topological_order(root))``): Back / Next / Play / Reset
and the ← → keys step through it; a side panel shows the current node's op,
module, local rule, δ received and gradients sent, with heat maps, the
max-pooling routes and, for a small convolution, the textbook's steps. A
second tab plots ‖δ‖ per layer, and its change over training when given a
`viz.GradientHistory`.

A graph of more than ``max_nodes`` nodes (default 400), or one drawn where
Graphviz's ``dot`` is missing, is shown collapsed: one box per layer, no
per-node heat maps; the page says so. Its JSON contract is the same.
"""
import html
import json
import os
import re
import shutil

from .draw import draw
from .explorer_assets import STYLE
from .explorer_script import SCRIPT
from .labels import safe_text
from .trace import backward_trace

#: above this many nodes (ops + leaves) the page is collapsed to one box per layer
MAX_DRAWN_NODES = 400


class Explorer:
    """What `explore` wrote: ``path`` (the HTML file), ``trace`` (its data),
    ``collapsed`` (True when drawn one box per layer); in a notebook it shows
    the page inline (``_repr_html_``: an ``<iframe srcdoc=…>``, so the page's
    script runs apart from the notebook's)."""

    def __init__(self, path, trace, collapsed, reason):
        self.path = path
        self.trace = trace
        self.collapsed = collapsed
        self.reason = reason

    def html(self):
        """The page's HTML text."""
        with open(self.path, encoding="utf-8") as f:
            return f.read()

    def _repr_html_(self):
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
                'style="width:100%;height:760px;border:1px solid #ddd" '
                'title="tinygrad_cnn backward explorer"></iframe>')

    def __repr__(self):
        return (f"Explorer(path={self.path!r}, nodes={len(self.trace['nodes'])}, "
                f"steps={len(self.trace['order'])}, collapsed={self.collapsed})")


def _json_script(element_id, data):
    # ASCII-only JSON with every "<" escaped: nothing in a name can close the script element
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _finite(value):
    """JSON has no NaN or infinity: write them as null (the page shows —)."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _tag_svg(svg):
    """The Graphviz SVG ready to inline: no XML prologue, boxes and δ edges tagged."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'<g id="((?:op|leaf)\d+)" class="node">', r'<g id="\1" class="node" data-node="\1">', svg)
    return re.sub(r'<g id="delta:((?:op|leaf)\d+):(op\d+)" class="edge">',
                  r'<g id="delta:\1:\2" class="edge pending" data-delta-edge="\1&gt;\2">', svg)


def _collapsed_graph(trace):
    """One box per layer, in forward order, for a graph too big to draw node by node."""
    groups = {}
    for node in trace["nodes"]:
        if node["kind"] == "op":
            groups.setdefault(node["group"], []).append(node)
    rows = []
    for key, members in groups.items():
        ops = sorted({m["op"] for m in members})
        names = ", ".join(ops[:4]) + (" …" if len(ops) > 4 else "")
        rows.append(f'<div class="group" data-group="{html.escape(key, quote=True)}">'
                    f'<b>{html.escape(key)}</b> · {len(members)} op node(s): {html.escape(names)} · '
                    f'output {html.escape(str(tuple(members[-1]["shape"])))}</div>')
    return f'<div class="groups">{"".join(rows)}</div>'


def explore(loss, model=None, path=None, level="op", heatmaps=True, history=None, names=None,
            max_nodes=MAX_DRAWN_NODES, title=None):
    """Write the backward-pass explorer for ``loss`` to ``path`` and return an `Explorer`.

    Args:
        loss: the output of the forward pass, after ``loss.backward(retain_graph=True)``.
        model: the `nn.Module` that ran it (names modules and parameters).
        path: the HTML file to write (default ``delta_flow.html`` in the
            current folder).
        level: ``'op'`` or ``'layer'``: how the graph is drawn (`viz.draw`).
        heatmaps: per-channel maps of every δ in the side panel.
        history: a `viz.GradientHistory` (or its ``as_dict()``) recorded during
            training, for the second tab's plot over training.
        names: ``{name: Tensor}`` for inputs (default ``input`` and ``target``).
        max_nodes: above this many nodes the page shows one box per layer.
        title: the page's heading.

    The page embeds its data as JSON in
    ``<script type="application/json" id="backward-trace">`` (``nodes``,
    ``edges``, ``order``; see docs/visualizing.md); each drawn box has
    ``data-node="<id>"``; the buttons are ``#step-back``, ``#step-next``,
    ``#play``, ``#reset``; the current box has class ``current``, finished
    ones ``done``; the side panel is ``#node-detail``.

    >>> import os, tempfile, tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn, viz
    >>> from tinygrad_cnn.nn import functional as F
    >>> _ = tg.manual_seed(0)
    >>> model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    >>> loss = F.cross_entropy(model(tg.randn(2, 1, 6, 6)), tg.tensor([0, 2]))
    >>> loss.backward(retain_graph=True)
    >>> page = viz.explore(loss, model, path=os.path.join(tempfile.mkdtemp(), "flow.html"))
    >>> page.trace["order"][0] == page.trace["output"], len(page.trace["order"])
    (True, 6)
    >>> text = page.html()
    >>> 'id="backward-trace"' in text, 'id="step-next"' in text, "http://" in text.split("<svg")[0]
    (True, True, False)
    """
    if level not in ("op", "layer"):
        raise ValueError(f"explore: level must be 'op' or 'layer', got {level!r}")
    path = os.path.abspath(os.fspath(path if path is not None else "delta_flow.html"))
    from .graph import _Recorded

    recorded = _Recorded(loss, model, names)
    graph_size = len(recorded.ops) + len(recorded.leaves)
    reason = None
    if graph_size > max_nodes:
        reason = (f"This graph has {graph_size:,} nodes, more than {max_nodes:,}: it is shown "
                  "collapsed, one box per layer, without per-node heat maps, so the page stays quick. "
                  "Stepping still visits every node in the engine's order.")
    elif shutil.which("dot") is None:
        reason = ("Graphviz's 'dot' program is not installed, so the graph is shown collapsed, one box "
                  "per layer (install it with apt-get install graphviz, brew install graphviz or "
                  "conda install graphviz to see every node).")
    collapsed = reason is not None
    trace = backward_trace(loss, model, names, heatmaps=heatmaps and not collapsed,
                           details=not collapsed)
    if collapsed:
        picture = _collapsed_graph(trace)
    else:
        picture = _tag_svg(draw(loss, model, level=level, names=names).svg())

    history_data = None
    if history is not None:
        history_data = history.as_dict() if hasattr(history, "as_dict") else dict(history)
    heading = safe_text(title or "Back-propagation, step by step")
    notice = f'<p class="notice" id="collapsed-notice">{html.escape(reason)}</p>' if collapsed else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>{html.escape(heading)}</h1>
<nav><button class="tab active" id="tab-graph">Step through backward</button>
<button class="tab" id="tab-norms">‖δ‖ per layer</button></nav></header>
<section id="view-graph">
<div class="toolbar">
<button id="reset" title="back to the start">Reset</button>
<button id="step-back" title="one step back (←)">◀ Back</button>
<button id="step-next" title="process the next node (→)">Next ▶</button>
<button id="play" title="step automatically">▶ Play</button>
<span id="status"></span></div>
{notice}
<div class="main"><div id="graph">{picture}</div><aside id="node-detail"></aside></div>
</section>
<section id="view-norms" hidden><div id="norm-chart"></div><div id="history-chart"></div></section>
{_json_script("backward-trace", _finite(trace))}
{_json_script("training-history", _finite(history_data)) if history_data is not None else ""}
<script>{SCRIPT}</script>
</body></html>
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return Explorer(path, trace, collapsed, reason)
