"""`backward_trace`: what the explorer page replays — the backward pass as plain data.

After ``loss.backward(retain_graph=True)`` every node still holds the
gradients it sent (``grad_inputs``) and what its forward saved. This module
reads them, and nothing else, into a JSON-ready dict:

* ``nodes`` — one per op node and leaf: ``id``, ``op``, ``name``, ``module``,
  ``shape``, ``kind`` (``'op'`` / ``'leaf'``), ``role`` (leaves: ``'param'``
  / ``'input'``), ``step`` (ops: the position in ``order``), ``delta`` (the δ it received: ``norm``, ``shape`` and, optionally,
  per-channel ``maps``), ``sent`` (what it sent to each input), ``group``
  (its layer), and for max pooling the ``routing`` map of the recorded
  arg-max, for a small convolution the textbook ``steps``;
* ``edges`` — ``from``, ``to``, ``shape`` and ``norm`` of the gradient sent
  back along the edge, and ``symbol`` (``∂L/∂z``, ``∂L/∂a``, ``∂L/∂W`` …);
* ``order`` — op node ids in the order the engine processed them: exactly
  ``reversed(engine.topological_order(root))``, the loop of
  `tinygrad_cnn.engine.backward`;
* ``rules`` — op name -> its docstring without the Shape block: the formula
  of its local rule;
* ``partials`` — for a node read by several consumers, ‖δ‖ of the running
  sum after each consumer's turn (fan-out: ``δ += …``), then the total;
* ``layers`` — ‖δ‖ per layer (`viz.delta_norms`), for the page's second tab.
"""
import base64
import io

import numpy as np

from ..engine import topological_order
from .analysis import delta_norms
from .draw import edge_symbol
from .graph import _build, _node_deltas, delta_stats
from .heatmap import diverging_rgb, png_bytes
from .labels import derivative_label, safe_text

#: channels (maps) shown per array at most; the page says when there are more
MAX_MAPS = 32
#: a convolution whose input is at most this wide and tall gets the textbook steps
SMALL_CONV = 16


def _image(matrix, scale):
    """One 2-D map as a PNG data URI (one pixel per value; the page enlarges it)."""
    rgb = diverging_rgb(np.asarray(matrix, dtype=np.float64), scale)
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")


def array_maps(array, max_maps=MAX_MAPS, weight=False):
    """Maps of an array for the page, on one scale shared by all of them.

    4-D (N, C, H, W): the C maps of sample 0 (a conv weight (C_out, C_in, k, k):
    the maps of input channel 0 for each filter); 2-D: the matrix itself;
    1-D: one row. Returns ``{"scale": max|value|, "maps": [data URI, …],
    "total": number of maps, "label": what one map is}`` or None for other
    shapes (a scalar, 3-D, 5-D).

    >>> info = array_maps(np.arange(24.0).reshape(1, 2, 3, 4) - 12)
    >>> info["scale"], len(info["maps"]), info["label"], info["maps"][0][:22]
    (12.0, 2, 'channel', 'data:image/png;base64,')
    """
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 4:
        maps, label = array[0], "channel"                 # (C, H, W)
        caption = ("filter 0: one map per input channel" if weight
                   else "sample 0: one map per channel")
    elif array.ndim == 2:
        maps, label = array[None], "matrix"
        caption = "the whole matrix" + (" (out × in)" if weight else " (rows: samples)")
    elif array.ndim == 1:
        maps, label = array[None, None], "vector"
        caption = "the whole vector"
    else:
        return None
    finite = maps[np.isfinite(maps)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    return {"scale": scale, "maps": [_image(m, scale) for m in maps[:max_maps]],
            "total": int(maps.shape[0]), "label": label, "caption": caption}


def _rule(node):
    """The op's docstring without its Shape block: the formula of its local rule."""
    text = type(node).__doc__ or ""
    lines = []
    for line in text.strip().splitlines():
        if line.strip().startswith("Shape:"):
            break
        lines.append(line[4:] if line.startswith("    ") else line)
    # the docstring's markup (``code``, `name`) reads as noise on the page
    text = "\n".join(lines).strip().replace("``", "").replace("`", "")
    return "\n".join(safe_text(line) for line in text.splitlines())


def _routing(node):
    """Max pooling: which input position won each window (the arg-max the forward recorded).

    One picture per channel of sample 0 on the input grid: the windows
    shaded alternately light grey and white, each window's winner black —
    the one position its δ goes back to (`MaxPool2d.backward`).
    """
    saved = node.saved_tensors
    geometry = getattr(node, "geometry", None)
    if not saved or geometry is None or saved[0] is None:
        return None
    where = saved[0]
    (n, c, h, w), (kh, kw), (sh, sw), (ph, _, pw, _), (dh, dw), (h_out, w_out) = geometry
    offsets = where[0].astype(np.int64)                               # (C, H_out, W_out)
    rows = np.arange(h_out)[:, None] * sh + offsets // kw * dh - ph   # input row of each winner
    cols = np.arange(w_out)[None, :] * sw + offsets % kw * dw - pw
    # the window grid: which window (i, j) covers each input position (stride = kernel here)
    window_row = (np.arange(h) + ph) // max(sh, 1)
    window_col = (np.arange(w) + pw) // max(sw, 1)
    shade = np.where((window_row[:, None] + window_col[None, :]) % 2 == 0, 255, 225).astype(np.uint8)
    pictures = []
    for channel in range(min(c, MAX_MAPS)):
        rgb = np.repeat(shade[:, :, None], 3, axis=2)
        inside = (rows[channel] >= 0) & (rows[channel] < h) & (cols[channel] >= 0) & (cols[channel] < w)
        rgb[rows[channel][inside], cols[channel][inside]] = (20, 20, 20)
        pictures.append("data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii"))
    first = (int(rows[0, 0, 0]), int(cols[0, 0, 0])) if c and h_out and w_out else None
    return {"maps": pictures, "total": int(c), "label": "routing",
            "windows": f"{kh}×{kw}, stride {sh}×{sw}",
            "example": (f"Window (0, 0) of channel 0 sent its δ to input position {first}"
                        if first else "")}


def _conv_steps(node, delta_in):
    """A small convolution: `teach.explain_backward` on sample 0, filter 0, input channel 0."""
    from ..teach import explain_backward

    a, weight = node.saved_tensors[0], node.saved_tensors[1]
    stride, padding, dilation, groups = node.options
    top, bottom, left, right = padding
    if groups != 1 or top != bottom or left != right or a.shape[2] > SMALL_CONV or a.shape[3] > SMALL_CONV:
        return {"skipped": (f"input {a.shape[2]}×{a.shape[3]} per channel: the step-by-step is "
                            f"shown for convolutions up to {SMALL_CONV}×{SMALL_CONV} without groups "
                            "(teach.explain_backward works on any size)")}
    text = io.StringIO()
    with np.printoptions(linewidth=400, precision=4, suppress=True):   # one matrix row per line
        explain_backward("conv2d", a[0, :1], weight[:1, :1], delta=np.asarray(delta_in)[0, :1],
                         stride=stride, padding=(top, left), dilation=dilation, file=text)
    return {"text": "\n".join(safe_text(line) for line in text.getvalue().splitlines()),
            "what": ("sample 0, filter p = 0, input channel d = 0 (one term of Σ_p)"
                     + ("; stride 1, so δ needs no zero-insertion" if tuple(stride) == (1, 1)
                        else f"; stride {tuple(stride)}: zeros are inserted into δ first"))}


def layer_of(graph, node_id, chunk=100):
    """The layer a node belongs to when the page is collapsed: its module path
    (the top two levels), else a block of ``chunk`` consecutive ops."""
    attrs = graph.nodes[node_id]
    if attrs["kind"] == "leaf":
        name = attrs["name"]
        if attrs["role"] == "param" and "." in name:
            return ".".join(name.split(".")[:-1][:2])
        return "inputs"
    if attrs["module"]:
        return ".".join(attrs["module"].split(".")[:2])
    index = int(node_id[2:])
    start = index - index % chunk
    return f"ops {start}–{start + chunk - 1}"


def backward_trace(output, model=None, names=None, heatmaps=True, details=True):
    """The backward pass behind ``output`` as a JSON-ready dict (see the module docstring).

    Needs ``loss.backward(retain_graph=True)``: without it no δ is left to
    read and `ValueError` says so. ``heatmaps`` adds per-channel maps (data
    URIs), ``details`` the pooling routes and conv steps.

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> loss = (x.relu() * 3.0).sum()
    >>> loss.backward(retain_graph=True)
    >>> trace = backward_trace(loss, heatmaps=False)
    >>> trace["order"], [n["delta"]["norm"] for n in trace["nodes"] if n["id"] == "op1"]
    (['op2', 'op1', 'op0'], [1.4142135623730951])
    >>> [(e["from"], e["to"], e["symbol"], round(e["norm"], 3)) for e in trace["edges"]]
    [('leaf0', 'op0', '∂L/∂W', 3.0), ('op0', 'op1', '∂L/∂a', 4.243), ('op1', 'op2', '∂L/∂z', 1.414)]
    """
    graph, recorded = _build(output, model, names)
    if output.grad_fn is None:
        raise ValueError("explore: the output has no graph (it is a leaf); run a forward pass first")
    engine_order = [recorded.ids[id(node)] for node in reversed(topological_order(output.grad_fn))]
    sent_any = any(recorded.objects[n].grad_inputs is not None for n in engine_order)
    if not sent_any:
        raise ValueError("explore: no δ is recorded on the graph; call "
                         "loss.backward(retain_graph=True) first (a plain backward() frees them)")
    deltas = _node_deltas(recorded)
    root = graph.graph["output"]
    seed = np.ones(graph.nodes[root]["shape"])      # the engine seeds backward with ones
    deltas[root] = seed
    position = {node_id: i for i, node_id in enumerate(engine_order)}

    nodes, edges, rules = [], [], {}
    for node_id in graph.nodes:
        attrs = graph.nodes[node_id]
        entry = {"id": node_id, "op": attrs["op"], "name": safe_text(attrs["name"]),
                 "module": None if attrs["module"] is None else safe_text(attrs["module"]),
                 "shape": list(attrs["shape"]), "kind": attrs["kind"],
                 "group": safe_text(layer_of(graph, node_id))}
        if attrs["kind"] == "leaf":
            entry["role"] = attrs["role"]
        else:
            rules.setdefault(attrs["op"], _rule(recorded.objects[node_id]))
            entry["step"] = position.get(node_id)
        delta = deltas.get(node_id)
        if delta is not None:
            stats = delta_stats(delta)
            entry["delta"] = {"norm": stats["norm"], "shape": list(stats["shape"]),
                              "zero_fraction": stats["zero_fraction"], "seed": node_id == root}
            if heatmaps:
                entry["delta"]["maps"] = array_maps(delta, weight=entry.get("role") == "param")
        if details and attrs["kind"] == "op" and delta is not None:
            node = recorded.objects[node_id]
            if attrs["op"] == "max_pool2d" and np.ndim(delta) == 4:
                entry["routing"] = _routing(node)
            elif attrs["op"] == "conv2d" and np.ndim(delta) == 4 and hasattr(node, "options"):
                entry["steps"] = _conv_steps(node, delta)
        nodes.append(entry)

    for producer, consumer, data in graph.edges(data=True):
        symbol = edge_symbol(graph, producer)
        edge = {"from": producer, "to": consumer, "symbol": symbol,
                "label": derivative_label(symbol), "shape": None, "norm": None}
        if data["grad"] is not None:
            edge["shape"], edge["norm"] = list(data["grad"]["shape"]), data["grad"]["norm"]
            if heatmaps:
                grads = [recorded.edge_delta(producer, consumer, slot) for slot in data["slots"]]
                grads = [g for g in grads if g is not None]
                edge["maps"] = array_maps(sum(grads[1:], grads[0]),
                                          weight=graph.nodes[producer].get("role") == "param")
        edges.append(edge)

    return {"nodes": nodes, "edges": edges, "order": engine_order, "output": root, "rules": rules,
            "partials": _partials(graph, recorded, position),
            "layers": [{"layer": safe_text(row["layer"]), "op": row["op"], "id": row["id"],
                        "norm": row["delta_norm"]} for row in delta_norms(output, model)]}


def _partials(graph, recorded, position):
    """Fan-out: node id -> [{"after": consumer, "count": k, "of": n, "norm": ‖δ so far‖}].

    The engine adds each consumer's share into the producer's δ in its own
    processing order (``δ += …``); these are the norms of that running sum,
    the last one being the total δ.
    """
    partials = {}
    for producer in graph.nodes:
        into = [(position[consumer], consumer, data) for consumer, data in graph.succ[producer].items()
                if consumer in position and data["grad"] is not None]
        if len(into) < 2:
            continue
        into.sort()
        running, steps = None, []
        for count, (_, consumer, data) in enumerate(into, 1):
            for slot in data["slots"]:
                grad = recorded.edge_delta(producer, consumer, slot)
                if grad is not None:
                    running = grad.astype(np.float64) if running is None else running + grad
            steps.append({"after": consumer, "count": count, "of": len(into),
                          "norm": float(np.sqrt(np.sum(running * running)))})
        partials[producer] = steps
    return partials
