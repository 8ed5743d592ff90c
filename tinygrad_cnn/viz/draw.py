"""`draw`: the graph as a Graphviz picture, forward arrows and δ arrows together.

What a drawing shows, with ``rankdir='TB'`` (input at the top, loss at the bottom):

* a box per op node (op name, output shape, module path) and per leaf
  (parameter name such as ``conv1.weight``; ``input`` and ``target`` for the
  data, or the names you pass);
* **solid dark arrows** pointing down: the forward pass, producer → consumer,
  carrying the activation a^{l-1} into layer l;
* **dashed coloured arrows** pointing up: the backward pass, the derivative
  of L with respect to the producer's output, sent back by the consumer. One
  convention everywhere (`viz.labels`): ``δ=∂L/∂z`` at the output z of a conv,
  linear, pool or other op, ``∂L/∂a`` at the output of an activation,
  ``∂L/∂W`` / ``∂L/∂b`` into a parameter (never called δ), ``∂L/∂x`` into the
  input; each labelled with its shape and norm. Colour and pen width follow
  log10 of the norm over the whole graph (blue and thin: small; red and thick:
  large), so a δ that shrinks layer after layer — a vanishing gradient —
  fades as it goes up;
* a legend with the arrow styles, the symbols and the colour scale.

δ arrows need ``loss.backward(retain_graph=True)`` before drawing: a plain
``backward()`` frees every δ once it is used (see `viz.to_networkx`).

Every piece of text goes through `viz.labels` (control characters made
visible, HTML escaped), so a module named ``conv "a" <b> {c}`` or
``"\x1b[31m"`` is drawn as written and cannot inject DOT.
"""
import math
import os

from .graph import _build, _node_deltas
from .heatmap import delta_grid, png_bytes
from .labels import (ACTIVATION_MODULES, DERIVATIVE_MEANINGS, attribute_text, derivative_label,
                     derivative_symbol, full_title, html_label_text, norm_label, short_title)
from .render import make_drawing

FONT = "Helvetica"
FORWARD_COLOR = "#333333"
ZERO_DELTA_COLOR = "#aaaaaa"
# blue (small ‖δ‖) -> purple -> red (large ‖δ‖)
DELTA_COLORMAP = ((0.0, (49, 130, 189)), (0.5, (140, 81, 165)), (1.0, (215, 25, 28)))
FILL = {"op": "#e8f0fe", "output": "#fde2e2", "param": "#fff2c2", "input": "#eeeeee"}


def _text(value):
    return html_label_text(value)


def _shape(shape):
    return _text(tuple(shape))


def _norm(value):
    return f"{value:.1e}"


def _colour(t):
    """Interpolate `DELTA_COLORMAP` at t in [0, 1] → '#rrggbb'."""
    for (t0, c0), (t1, c1) in zip(DELTA_COLORMAP, DELTA_COLORMAP[1:]):
        if t <= t1:
            w = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            rgb = [round(a + (b - a) * w) for a, b in zip(c0, c1)]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return "#" + "".join(f"{v:02x}" for v in DELTA_COLORMAP[-1][1])


class _Scale:
    """log10 ‖δ‖ → t in [0, 1] over the non-zero norms of the graph."""

    def __init__(self, norms):
        positive = [n for n in norms if n > 0 and math.isfinite(n)]
        self.low = min(positive) if positive else None
        self.high = max(positive) if positive else None

    def position(self, norm):
        if self.low is None or self.high == self.low:
            return 1.0
        t = (math.log10(norm) - math.log10(self.low)) / (math.log10(self.high) - math.log10(self.low))
        return min(1.0, max(0.0, t))

    def style(self, norm):
        """(colour, pen width) of a δ arrow."""
        if not norm > 0:
            return ZERO_DELTA_COLOR, 0.8
        t = self.position(norm)
        return _colour(t), round(0.8 + 2.7 * t, 2)


def _rows(*rows):
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows if row)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


def _small(text, colour="#444444"):
    return f'<FONT POINT-SIZE="9" COLOR="{colour}">{text}</FONT>'


def edge_symbol(graph, producer):
    """The derivative an edge out of ``producer`` carries back: ``∂L/∂z``, ``∂L/∂a``, ``∂L/∂W`` …"""
    attrs = graph.nodes[producer]
    if attrs["kind"] == "leaf":
        return derivative_symbol(attrs["role"], name=attrs["name"])
    return derivative_symbol("op", attrs["op"])


def draw(output, model=None, level="op", show_grad=True, heatmaps=False, rankdir="TB",
         asset_dir=None, names=None, group_activations=True):
    """Draw the graph that produced ``output`` as a `graphviz.Digraph`.

    Args:
        output: the Tensor at the end of the forward pass (usually the loss).
        model: the `nn.Module` that ran it, to name parameters
            (``conv1.weight``) and modules (``conv1``); optional.
        level: ``'op'`` — every op node on its own; ``'layer'`` — op nodes
            (and parameters) grouped in one box (``cluster_<n>``) per module,
            titled briefly (``pool1: MaxPool2d(2)``; the full repr is the
            title's tooltip).
        show_grad: draw the δ arrows (needs ``backward(retain_graph=True)``).
        heatmaps: inside each op node whose δ is 4-D (N, C, H, W), show the C
            δ maps of sample 0 (blue < 0 < red, shared scale ±max|δ|). The
            PNG images stay in memory (``drawing.images``); `render` embeds
            them, leaving no file behind.
        rankdir: Graphviz layout direction, ``'TB'`` (top to bottom) or ``'LR'``.
        asset_dir: also write the δ-map PNGs into this folder (for DOT text
            that another program renders later).
        names: ``{name: Tensor}`` for inputs: how to label them instead of
            ``input`` / ``target``.
        group_activations: at ``level='layer'``, draw an activation module
            (ReLU, Sigmoid …) inside the box of the layer it follows
            (``conv1: Conv2d(1, 6, 5) + relu1``) rather than in a box of its own.

    The result depends only on the graph: the same model, seed and data give
    the same DOT text (``draw(...).source``). Write it with `save` (no
    Graphviz needed) or render it with `render` (needs Graphviz's ``dot``);
    in a notebook the drawing shows itself.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import viz
    >>> w = tg.tensor([[0.5, -1.0]], requires_grad=True)
    >>> x = tg.tensor([[1.0], [2.0]])
    >>> loss = (w @ x).relu().sum()
    >>> loss.backward(retain_graph=True)
    >>> dot = viz.draw(loss)
    >>> "∂L/∂a (1, 1)" in dot.source, "‖∂L/∂a‖=1.0e+00" in dot.source, "∂L/∂W (1, 2)" in dot.source
    (True, True, True)
    """
    if level not in ("op", "layer"):
        raise ValueError(f"draw: level must be 'op' or 'layer', got {level!r}")
    graph, recorded = _build(output, model, names)

    dot = make_drawing(name="tinygrad_cnn")
    dot.attr("graph", rankdir=rankdir, fontname=FONT, nodesep="0.3", ranksep="0.35",
             newrank="true")
    dot.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled",
             color="#555555", penwidth="1")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")

    images = _heatmap_images(graph, recorded) if heatmaps else {}
    for node_id, (data, _) in images.items():
        dot.images[f"{node_id}_delta.png"] = data
    if asset_dir is not None and images:
        os.makedirs(asset_dir, exist_ok=True)
        for name, data in dot.images.items():
            with open(os.path.join(asset_dir, name), "wb") as f:
                f.write(data)
    statements = {node_id: _node(graph, node_id, level, images) for node_id in graph.nodes}

    if level == "layer":
        _add_clusters(dot, graph, recorded, statements, group_activations)
    for node_id in graph.nodes:
        if statements[node_id] is not None:
            dot.node(node_id, **statements[node_id])

    edges = list(graph.edges(data=True))
    scale = _Scale([data["grad"]["norm"] for _, _, data in edges if data["grad"] is not None])
    for producer, consumer, data in edges:
        dot.edge(producer, consumer, color=FORWARD_COLOR, penwidth="1.2",
                 id=f"forward:{producer}:{consumer}")
    if show_grad:
        for producer, consumer, data in edges:
            if data["grad"] is None:
                continue
            colour, width = scale.style(data["grad"]["norm"])
            symbol = edge_symbol(graph, producer)
            label = _rows(
                f'<FONT COLOR="{colour}">{derivative_label(symbol)} {_shape(data["grad"]["shape"])}</FONT>',
                f'<FONT COLOR="{colour}">{norm_label(symbol)}={_norm(data["grad"]["norm"])}</FONT>')
            # drawn producer -> consumer so it lies beside the forward arrow, but with
            # dir=back its arrowhead sits at the producer: δ travels consumer -> producer
            dot.edge(producer, consumer, label=label, style="dashed", dir="back",
                     color=colour, penwidth=str(width), arrowtail="normal",
                     id=f"delta:{producer}:{consumer}")
        _add_legend(dot, scale, any(data["grad"] is not None for _, _, data in edges), images)
    return dot


def _node(graph, node_id, level, images):
    attrs = graph.nodes[node_id]
    if attrs["kind"] == "leaf":
        fill = FILL["param"] if attrs["role"] == "param" else FILL["input"]
        label = _rows(f"<B>{_text(attrs['name'])}</B>", _small(_shape(attrs["shape"])))
        return {"label": label, "fillcolor": fill, "style": "filled", "id": node_id}
    rows = [f"<B>{_text(attrs['op'])}</B>", _small(_shape(attrs["shape"]))]
    if level == "op" and attrs["module"]:
        rows.append(_small(_text(attrs["module"]), "#1a5fb4"))
    if node_id in images:
        _, scale = images[node_id]
        rows.append(f'<IMG SRC="{node_id}_delta.png"/>')
        rows.append(_small(f"δ maps, sample 0, ±{_norm(scale)}", "#666666"))
    fill = FILL["output"] if node_id == graph.graph["output"] else FILL["op"]
    attrs_out = {"label": _rows(*rows), "fillcolor": fill, "id": node_id}
    if node_id == graph.graph["output"]:
        attrs_out["penwidth"] = "2"
    return attrs_out


def layer_groups(graph, recorded, group_activations=True):
    """Which box each node goes in at ``level='layer'``.

    Returns ``(keys, titles, tooltips)``: node id -> cluster key for op nodes
    made inside a module and for parameters (in their owner's box); key ->
    short title; key -> the full repr. With ``group_activations``, an
    activation module's ops join the box of the layer whose output they read.
    """
    keys, titles, tooltips = {}, {}, {}
    for node_id in recorded.ops:
        node = recorded.objects[node_id]
        if node.scope is None:
            continue
        path = graph.nodes[node_id]["module"]
        if recorded.model is not None:
            if not path:           # the model itself, or a module it does not list
                continue
            key = path
            titles[key] = f"{path}: {short_title(node.scope)}"
        else:
            key = f"#{id(node.scope)}"
            titles.setdefault(key, short_title(node.scope))
        tooltips.setdefault(key, full_title(node.scope))
        keys[node_id] = key
    for leaf_id in recorded.leaves:
        name = graph.nodes[leaf_id]["name"]
        owner = name.rpartition(".")[0] if id(recorded.objects[leaf_id]) in recorded.param_names else None
        if owner in titles:
            keys[leaf_id] = owner
    if group_activations:
        _merge_activations(graph, recorded, keys, titles, tooltips)
    return keys, titles, tooltips


def _merge_activations(graph, recorded, keys, titles, tooltips):
    """Move each activation module's ops into the box of the layer it follows."""
    members = {}
    for node_id, key in keys.items():
        members.setdefault(key, []).append(node_id)
    for key, nodes in list(members.items()):
        ops = [n for n in nodes if graph.nodes[n]["kind"] == "op"]
        if not ops or graph.nodes[ops[0]]["scope_type"] not in ACTIVATION_MODULES:
            continue
        if any(graph.nodes[n]["kind"] == "leaf" for n in nodes):
            continue                        # PReLU-like: it has parameters of its own
        producers = {p for n in ops for p in graph.predecessors(n) if p not in ops}
        owners = {keys.get(p) for p in producers}
        if len(owners) != 1 or None in owners or owners == {key}:
            continue
        (owner,) = owners
        if "." in key and "." in owner and key.rpartition(".")[0] != owner.rpartition(".")[0]:
            continue                        # different parents: keep the nesting honest
        for n in ops:
            keys[n] = owner
        name = key if recorded.model is not None else short_title(recorded.objects[ops[0]].scope)
        titles[owner] = f"{titles[owner]} + {name}"
        tooltips[owner] = f"{tooltips[owner]}\n{key}: {tooltips.pop(key, '')}"
        titles.pop(key, None)


def _add_clusters(dot, graph, recorded, statements, group_activations):
    """One ``cluster_<n>`` per module, nested by path (``features.0`` inside ``features``).

    Each box's title is a node of its own (``title_<n>``) at the top of the
    box rather than Graphviz's cluster label: Graphviz routes edges around
    nodes but straight through cluster labels.
    """
    keys, titles, tooltips = layer_groups(graph, recorded, group_activations)
    order = []                                  # cluster keys in order of their first op
    for node_id in recorded.ops + recorded.leaves:
        if node_id in keys and keys[node_id] not in order:
            order.append(keys[node_id])
    parents = {}
    if recorded.model is not None:
        modules = dict(recorded.model.named_modules())
        for key in list(order):
            prefix = key
            while "." in prefix:
                parent = prefix.rpartition(".")[0]
                parents.setdefault(prefix, parent)
                if parent not in titles:
                    titles[parent] = f"{parent}: {short_title(modules[parent])}" if parent in modules else parent
                    tooltips[parent] = full_title(modules[parent]) if parent in modules else parent
                    order.append(parent)
                prefix = parent
    numbers = {key: n for n, key in enumerate(order)}
    children = {key: [k for k in order if parents.get(k) == key] for key in order}
    members = {key: [n for n in graph.nodes if keys.get(n) == key] for key in order}

    def emit(target, key):                      # recursion depth = module nesting depth
        number = numbers[key]
        with target.subgraph(name=f"cluster_{number}") as cluster:
            cluster.attr(label="", style="rounded,dashed", color="#7f7f7f",
                         tooltip=attribute_text(tooltips.get(key, titles[key])))
            cluster.node(f"title_{number}", label=_rows(f"<B>{_text(titles[key])}</B>"),
                         shape="plaintext", style="", fontsize="10",
                         tooltip=attribute_text(tooltips.get(key, titles[key])))
            inside = set(members[key])
            for node_id in members[key]:
                cluster.node(node_id, **statements[node_id])
                statements[node_id] = None      # drawn here, not again at top level
                if not any(p in inside for p in graph.predecessors(node_id)):
                    # the title sits above the box's first nodes, and below what they
                    # read from outside, so boxes stack instead of overlapping in rank
                    cluster.edge(f"title_{number}", node_id, style="invis")
                    for producer in graph.predecessors(node_id):
                        title_inputs.append((producer, f"title_{number}"))
            for child in children[key]:
                emit(cluster, child)

    title_inputs = []
    for key in order:
        if key not in parents:
            emit(dot, key)
    for producer, title in dict.fromkeys(title_inputs):
        dot.edge(producer, title, style="invis")


def _heatmap_images(graph, recorded):
    """The δ-map grid of every op node with a 4-D δ: id -> (PNG bytes, scale)."""
    images = {}
    for node_id, delta in _node_deltas(recorded).items():
        if graph.nodes[node_id]["kind"] != "op" or delta.ndim != 4:
            continue
        rgb, scale = delta_grid(delta)
        images[node_id] = (png_bytes(rgb), scale)
    return dict(sorted(images.items(), key=lambda item: int(item[0][2:])))


def _add_legend(dot, scale, has_delta, images):
    """One table node: the arrow styles, the symbols, then the colour scale."""
    colour = _colour(1.0) if has_delta else ZERO_DELTA_COLOR
    steps = 5
    rows = [
        f'<TR><TD COLSPAN="{steps}"><B>Legend</B></TD></TR>',
        f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT"><FONT COLOR="{FORWARD_COLOR}">━━━▶</FONT>'
        '  solid: forward, the output of the producer read by the consumer</TD></TR>',
        f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT"><FONT COLOR="{colour}">◀╍╍╍</FONT>'
        '  dashed: backward, ∂L/∂(producer\'s output) sent back by the consumer</TD></TR>',
    ]
    rows += [f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT">   {_text(meaning)}</TD></TR>'
             for _, meaning in DERIVATIVE_MEANINGS]
    if not has_delta:
        rows.append(f'<TR><TD COLSPAN="{steps}">no δ recorded: call '
                    'loss.backward(retain_graph=True) before drawing</TD></TR>')
    else:
        cells = []
        for i in range(steps):
            t = i / (steps - 1)
            if scale.high == scale.low:
                value = scale.high
            else:
                value = 10 ** (math.log10(scale.low) + t * (math.log10(scale.high) - math.log10(scale.low)))
            cells.append(f'<TD BGCOLOR="{_colour(t)}" WIDTH="52"><FONT COLOR="white" '
                         f'POINT-SIZE="8">{_norm(value)}</FONT></TD>')
        rows.append(f'<TR><TD COLSPAN="{steps}">the norm sets colour and width (log scale): '
                    f'min {_norm(scale.low or 0.0)}, max {_norm(scale.high or 0.0)}</TD></TR>')
        rows.append(f'<TR>{"".join(cells)}</TR>')
        rows.append(f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT">small: thin and blue — '
                    'large: thick and red; grey: exactly 0</TD></TR>')
        if images:
            rows.append(f'<TR><TD COLSPAN="{steps}">δ maps: <FONT COLOR="#2166ac">blue &lt; 0'
                        '</FONT> · white = 0 · <FONT COLOR="#b2182b">red &gt; 0</FONT>'
                        ' (strength √(|δ| / max|δ|))</TD></TR>')
    table = ('<<TABLE BORDER="1" COLOR="#999999" STYLE="ROUNDED" CELLBORDER="0" '
             f'CELLSPACING="2" CELLPADDING="2">{"".join(rows)}</TABLE>>')
    dot.node("legend", label=table, shape="plaintext", style="", fontsize="9")
