"""`draw`: the graph as a Graphviz picture, forward arrows and δ arrows together.

What a drawing shows, with ``rankdir='TB'`` (input at the top, loss at the bottom):

* a box per op node (op name, output shape, module path) and per leaf
  (parameter name such as ``conv1.weight``, or ``x0`` for an input);
* **solid dark arrows** pointing down: the forward pass, producer → consumer,
  carrying the activation a^{l-1} into layer l;
* **dashed coloured arrows** pointing up: the backward pass, the error term
  δ = ∂L/∂(producer's output) that the consumer sent back along that edge,
  labelled ``δ (shape)`` and ``‖δ‖``. Colour and pen width follow log10 ‖δ‖
  over the whole graph (blue and thin: small; red and thick: large), so a δ
  that shrinks layer after layer — a vanishing gradient — fades as it goes up;
* a legend with the two arrow styles and the colour scale's min and max ‖δ‖.

δ arrows need ``loss.backward(retain_graph=True)`` before drawing: a plain
``backward()`` frees every δ once it is used (see `viz.to_networkx`).

Every piece of text goes into an HTML-like label, escaped with
`html.escape`, so a module named ``conv "a" <b> {c}`` is drawn as written
and cannot inject DOT.
"""
import html
import math
import os
import re
import shutil
import subprocess
import tempfile

from .graph import _build, _node_deltas
from .heatmap import delta_grid, write_png

FONT = "Helvetica"
FORWARD_COLOR = "#333333"
ZERO_DELTA_COLOR = "#aaaaaa"
# blue (small ‖δ‖) -> purple -> red (large ‖δ‖)
DELTA_COLORMAP = ((0.0, (49, 130, 189)), (0.5, (140, 81, 165)), (1.0, (215, 25, 28)))
FILL = {"op": "#e8f0fe", "output": "#fde2e2", "param": "#fff2c2", "input": "#eeeeee"}
INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH; it is needed to render SVG, PNG or PDF. "
    "Install it with your system's package manager: 'sudo apt-get install graphviz' "
    "(Debian/Ubuntu), 'sudo dnf install graphviz' (Fedora), 'brew install graphviz' (macOS), "
    "'conda install -c conda-forge graphviz' or 'choco install graphviz' (Windows); "
    "see https://graphviz.org/download/. Without it, save the DOT text with viz.save(dot, 'graph.dot').")


def _text(value):
    r"""Escape any text for an HTML-like Graphviz label.

    `html.escape` handles ``& < > " '``; Graphviz still expands escapes such
    as ``\N`` (the node's name) inside HTML text, so a backslash is doubled.

    >>> print(_text('conv "a" <b> {c} | \\N'))
    conv &quot;a&quot; &lt;b&gt; {c} | \\N
    """
    return html.escape(str(value), quote=True).replace("\\", "\\\\")


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


def _first_line(module, limit=64):
    line = repr(module).splitlines()[0] if repr(module) else type(module).__name__
    return line if len(line) <= limit else line[:limit - 1] + "…"


def draw(output, model=None, level="op", show_grad=True, heatmaps=False, rankdir="TB",
         asset_dir=None):
    """Draw the graph that produced ``output`` as a `graphviz.Digraph`.

    Args:
        output: the Tensor at the end of the forward pass (usually the loss).
        model: the `nn.Module` that ran it, to name parameters
            (``conv1.weight``) and modules (``conv1``); optional.
        level: ``'op'`` — every op node on its own; ``'layer'`` — op nodes
            (and parameters) grouped in one box (``cluster_<n>``) per module,
            titled with its path and the first line of its repr.
        show_grad: draw the δ arrows (needs ``backward(retain_graph=True)``).
        heatmaps: inside each op node whose δ is 4-D (N, C, H, W), show the C
            δ maps of sample 0 (blue < 0 < red, shared scale ±max|δ|). The PNG
            files go to ``asset_dir`` (a new temporary directory when None;
            the CLI puts them next to the output file) and must still exist
            when the graph is rendered.
        rankdir: Graphviz layout direction, ``'TB'`` (top to bottom) or ``'LR'``.

    The result depends only on the graph: the same model, seed and data give
    the same DOT text (``draw(...).source``). Write it with `save` (no
    Graphviz needed) or render it with `render` (needs Graphviz's ``dot``).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import viz
    >>> w = tg.tensor([[0.5, -1.0]], requires_grad=True)
    >>> x = tg.tensor([[1.0], [2.0]])
    >>> loss = (w @ x).relu().sum()
    >>> loss.backward(retain_graph=True)
    >>> dot = viz.draw(loss)
    >>> "δ (1, 1)" in dot.source, "‖δ‖=1.0e+00" in dot.source
    (True, True)
    """
    import graphviz

    if level not in ("op", "layer"):
        raise ValueError(f"draw: level must be 'op' or 'layer', got {level!r}")
    graph, recorded = _build(output, model)

    dot = graphviz.Digraph(name="tinygrad_cnn")
    dot.attr("graph", rankdir=rankdir, fontname=FONT, nodesep="0.3", ranksep="0.35",
             newrank="true")
    dot.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled",
             color="#555555", penwidth="1")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")

    images = _write_heatmaps(graph, recorded, asset_dir) if heatmaps else {}
    statements = {node_id: _node(graph, node_id, level, images) for node_id in graph.nodes}

    if level == "layer":
        _add_clusters(dot, graph, recorded, statements)
    for node_id in graph.nodes:
        if statements[node_id] is not None:
            dot.node(node_id, **statements[node_id])

    edges = list(graph.edges(data=True))
    scale = _Scale([data["grad"]["norm"] for _, _, data in edges if data["grad"] is not None])
    for producer, consumer, data in edges:
        dot.edge(producer, consumer, color=FORWARD_COLOR, penwidth="1.2")
    if show_grad:
        for producer, consumer, data in edges:
            if data["grad"] is None:
                continue
            colour, width = scale.style(data["grad"]["norm"])
            label = _rows(f'<FONT COLOR="{colour}">δ {_shape(data["grad"]["shape"])}</FONT>',
                          f'<FONT COLOR="{colour}">‖δ‖={_norm(data["grad"]["norm"])}</FONT>')
            # drawn producer -> consumer so it lies beside the forward arrow, but with
            # dir=back its arrowhead sits at the producer: δ travels consumer -> producer
            dot.edge(producer, consumer, label=label, style="dashed", dir="back",
                     color=colour, penwidth=str(width), arrowtail="normal")
        _add_legend(dot, scale, any(data["grad"] is not None for _, _, data in edges), images)
    return dot


def _node(graph, node_id, level, images):
    attrs = graph.nodes[node_id]
    if attrs["kind"] == "leaf":
        fill = FILL["param"] if attrs["requires_grad"] else FILL["input"]
        label = _rows(f"<B>{_text(attrs['name'])}</B>", _small(_shape(attrs["shape"])))
        return {"label": label, "fillcolor": fill, "style": "filled"}
    rows = [f"<B>{_text(attrs['op'])}</B>", _small(_shape(attrs["shape"]))]
    if level == "op" and attrs["module"]:
        rows.append(_small(_text(attrs["module"]), "#1a5fb4"))
    if node_id in images:
        path, scale = images[node_id]
        rows.append(f'<IMG SRC="{_text(path)}"/>')
        rows.append(_small(f"δ maps, sample 0, ±{_norm(scale)}", "#666666"))
    fill = FILL["output"] if node_id == graph.graph["output"] else FILL["op"]
    attrs_out = {"label": _rows(*rows), "fillcolor": fill}
    if node_id == graph.graph["output"]:
        attrs_out["penwidth"] = "2"
    return attrs_out


def _cluster_keys(graph, recorded):
    """node id -> (cluster key, title) for op nodes made inside a module, and
    for parameters (in their owner's cluster)."""
    keys = {}
    titles = {}
    for node_id in recorded.ops:
        node = recorded.objects[node_id]
        if node.scope is None:
            continue
        path = graph.nodes[node_id]["module"]
        if recorded.model is not None:
            if not path:           # the model itself, or a module it does not list
                continue
            key = path
            titles[key] = f"{path}: {_first_line(node.scope)}"
        else:
            key = f"#{id(node.scope)}"
            titles.setdefault(key, _first_line(node.scope))
        keys[node_id] = key
    for leaf_id in recorded.leaves:
        name = graph.nodes[leaf_id]["name"]
        owner = name.rpartition(".")[0] if id(recorded.objects[leaf_id]) in recorded.param_names else None
        if owner in titles:
            keys[leaf_id] = owner
    return keys, titles


def _add_clusters(dot, graph, recorded, statements):
    """One ``cluster_<n>`` per module, nested by path (``features.0`` inside ``features``)."""
    keys, titles = _cluster_keys(graph, recorded)
    order = []                                  # cluster keys in order of first node
    for node_id in graph.nodes:
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
                    titles[parent] = f"{parent}: {_first_line(modules[parent])}" if parent in modules else parent
                    order.append(parent)
                prefix = parent
    numbers = {key: n for n, key in enumerate(order)}
    children = {key: [k for k in order if parents.get(k) == key] for key in order}
    members = {key: [n for n in graph.nodes if keys.get(n) == key] for key in order}

    def emit(target, key):                      # recursion depth = module nesting depth
        with target.subgraph(name=f"cluster_{numbers[key]}") as cluster:
            cluster.attr(label=_rows(f"<B>{_text(titles[key])}</B>"), style="rounded,dashed",
                         color="#7f7f7f", fontsize="10", labeljust="l")
            for node_id in members[key]:
                cluster.node(node_id, **statements[node_id])
                statements[node_id] = None      # drawn here, not again at top level
            for child in children[key]:
                emit(cluster, child)

    for key in order:
        if key not in parents:
            emit(dot, key)


def _write_heatmaps(graph, recorded, asset_dir):
    """Write the δ-map grid of every op node with a 4-D δ; id -> (path, scale)."""
    if asset_dir is None:
        asset_dir = tempfile.mkdtemp(prefix="tinygrad_cnn_delta_maps_")
    asset_dir = os.path.abspath(os.fspath(asset_dir))
    os.makedirs(asset_dir, exist_ok=True)
    images = {}
    for node_id, delta in _node_deltas(recorded).items():
        if graph.nodes[node_id]["kind"] != "op" or delta.ndim != 4:
            continue
        rgb, scale = delta_grid(delta)
        path = os.path.join(asset_dir, f"{node_id}_delta.png")
        write_png(path, rgb)
        images[node_id] = (path, scale)
    return images


def _add_legend(dot, scale, has_delta, images):
    """One table node: the two arrow styles, then the ‖δ‖ colour scale."""
    colour = _colour(1.0) if has_delta else ZERO_DELTA_COLOR
    steps = 5
    rows = [
        f'<TR><TD COLSPAN="{steps}"><B>Legend</B></TD></TR>',
        f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT"><FONT COLOR="{FORWARD_COLOR}">━━━▶</FONT>'
        '  solid: forward, activation a, producer → consumer</TD></TR>',
        f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT"><FONT COLOR="{colour}">◀╍╍╍</FONT>'
        '  dashed: backward, δ = ∂L/∂a sent back by the consumer</TD></TR>',
    ]
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
        rows.append(f'<TR><TD COLSPAN="{steps}">‖δ‖ sets colour and width (log scale): '
                    f'min {_norm(scale.low or 0.0)}, max {_norm(scale.high or 0.0)}</TD></TR>')
        rows.append(f'<TR>{"".join(cells)}</TR>')
        rows.append(f'<TR><TD COLSPAN="{steps}" ALIGN="LEFT">small ‖δ‖: thin and blue — '
                    'large ‖δ‖: thick and red; grey: ‖δ‖ = 0</TD></TR>')
        if images:
            rows.append(f'<TR><TD COLSPAN="{steps}">δ maps: <FONT COLOR="#2166ac">blue &lt; 0'
                        '</FONT> · white = 0 · <FONT COLOR="#b2182b">red &gt; 0</FONT>'
                        ' (strength √(|δ| / max|δ|))</TD></TR>')
    table = ('<<TABLE BORDER="1" COLOR="#999999" STYLE="ROUNDED" CELLBORDER="0" '
             f'CELLSPACING="2" CELLPADDING="2">{"".join(rows)}</TABLE>>')
    dot.node("legend", label=table, shape="plaintext", style="", fontsize="9")


def save(dot, path):
    """Write the DOT text of ``dot`` (a `graphviz.Digraph` or a string) to ``path``.

    Needs no Graphviz installation; open the file with any DOT viewer, or
    run ``dot -Tsvg path -o graph.svg`` later. Returns ``path``.

    >>> import os, tempfile, tinygrad_cnn as tg
    >>> from tinygrad_cnn import viz
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "graph.dot")
    >>> _ = viz.save(viz.draw((x * x).sum()), path)
    >>> open(path, encoding="utf-8").read().startswith("digraph tinygrad_cnn {")
    True
    """
    source = dot.source if hasattr(dot, "source") else str(dot)
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    return path


def render(dot, path, dpi=None):
    """Render ``dot`` to ``path``; the format comes from the extension:
    ``.svg``, ``.png``, ``.pdf`` (these need Graphviz's ``dot`` program) or
    ``.dot`` / ``.gv`` (DOT text, written by `save`). Returns ``path``.

    Without ``dot`` on PATH it raises a `RuntimeError` that says how to install
    Graphviz. In an SVG, the δ-map images are embedded (as data: URIs), so the
    file stands alone. ``dpi`` sets the resolution of a PNG.

    >>> import os, tempfile, tinygrad_cnn as tg
    >>> from tinygrad_cnn import viz
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (x * x).sum(); loss.backward(retain_graph=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "g.svg")
    >>> try:
    ...     _ = viz.render(viz.draw(loss), path)
    ... except RuntimeError as error:          # Graphviz is not installed
    ...     print("apt-get install graphviz" in str(error))
    ... else:
    ...     print("δ" in open(path, encoding="utf-8").read())
    True
    """
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    if fmt in ("dot", "gv"):
        return save(dot, path)
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: cannot tell the format from {path!r}; "
                         "use a name ending in .svg, .png, .pdf or .dot")
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError(INSTALL_HINT)
    source = dot.source if hasattr(dot, "source") else str(dot)
    command = [program, f"-T{fmt}", "-o", path]
    if dpi is not None:
        command.insert(1, f"-Gdpi={int(dpi)}")
    result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"render: Graphviz 'dot' failed (exit {result.returncode}): "
                           + result.stderr.decode("utf-8", "replace").strip())
    if fmt == "svg":
        _embed_images(path)
    return path


def _embed_images(svg_path):
    """Replace file references to PNG images in an SVG by data: URIs."""
    import base64

    with open(svg_path, encoding="utf-8") as f:
        text = f.read()

    def inline(match):
        file = html.unescape(match.group(2))
        if not os.path.isfile(file):
            return match.group(0)
        with open(file, "rb") as image:
            encoded = base64.b64encode(image.read()).decode("ascii")
        return f'{match.group(1)}="data:image/png;base64,{encoded}"'

    embedded = re.sub(r'(xlink:href|href)="([^"]+\.png)"', inline, text)
    if embedded != text:
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(embedded)
