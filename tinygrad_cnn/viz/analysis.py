"""Numbers behind the pictures: ‖δ‖ per layer, parameter counts, path lengths.

The question these answer is the one the δ arrows of `viz.draw` pose: how big
is the error term δ^l = ∂L/∂z^l at each layer, from the loss back to the
input? If ‖δ‖ falls by a constant factor per layer, the first layers learn
nothing — the vanishing gradient (sigmoid's f'(z) ≤ 1/4 is the classic cause).
"""
from ..engine import topological_order
from .graph import _build, _node_deltas, delta_stats
from .labels import derivative_label, derivative_symbol


class DeltaTable(list):
    """A list of row dicts that prints as a table (see `delta_norms`)."""

    columns = (("layer", "layer"), ("op", "op"), ("shape", "output shape"),
               ("derivative", "derivative"), ("delta_norm", "norm"), ("zero_fraction", "zeros"),
               ("param_grad_norm", "‖∂L/∂W‖"))

    def __str__(self):
        def cell(key, value):
            if value is None:
                return "—"
            if key in ("delta_norm", "param_grad_norm"):
                return f"{value:.3e}"
            if key == "zero_fraction":
                return f"{value:.0%}"
            return str(value)

        table = [[title for _, title in self.columns]]
        table += [[cell(key, row[key]) for key, _ in self.columns] for row in self]
        widths = [max(len(line[i]) for line in table) for i in range(len(self.columns))]
        lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()
                 for line in table]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(lines)


def delta_norms(output, model=None):
    """‖δ‖ at every op node, from the output back to the input.

    One row per op node, in the order back-propagation reaches them (the
    loss first). Each row is a dict: ``id``, ``layer`` (module path when
    ``model`` is given and the op belongs to a submodule, else the op name),
    ``op``, ``shape``, ``delta_norm`` — ‖δ‖ of ∂L/∂(this op's output),
    summed over its consumers (None for the output itself: its δ is the seed of
    backward) — ``derivative``, which derivative that is in the drawings' one
    convention (``δ=∂L/∂z`` at the output of a conv, linear, pool …,
    ``∂L/∂a`` after an activation), ``zero_fraction`` of it, and ``param_grad_norm``: the
    norm of the gradients this op sent to parameters (‖∂L/∂W‖, ‖∂L/∂b‖
    together), or None. ``print(table)`` shows it as text. Needs
    ``loss.backward(retain_graph=True)``; otherwise every δ column is None.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.viz import delta_norms
    >>> w = tg.tensor([2.0, 0.5], requires_grad=True)
    >>> h = (tg.tensor([1.0, -1.0]) * w).sigmoid()
    >>> loss = h.sum()
    >>> loss.backward(retain_graph=True)
    >>> table = delta_norms(loss)
    >>> [(row["op"], row["delta_norm"] is None) for row in table]
    [('sum', True), ('sigmoid', False), ('mul', False)]
    >>> round(table[1]["delta_norm"], 4), round(table[2]["delta_norm"], 4)  # ‖(1, 1)‖, ‖σ'(z)‖
    (1.4142, 0.2574)
    >>> print(table)                                   # doctest: +NORMALIZE_WHITESPACE
    layer    op       output shape  derivative  norm       zeros  ‖∂L/∂W‖
    -------  -------  ------------  ----------  ---------  -----  ---------
    sum      sum      ()            δ=∂L/∂z     —          —      —
    sigmoid  sigmoid  (2,)          ∂L/∂a       1.414e+00  0%     —
    mul      mul      (2,)          δ=∂L/∂z     2.574e-01  0%     2.574e-01
    """
    graph, recorded = _build(output, model)
    deltas = _node_deltas(recorded)
    table = DeltaTable()
    for node_id in reversed(recorded.ops):
        attrs = graph.nodes[node_id]
        stats = delta_stats(deltas[node_id]) if node_id in deltas else None
        squares = [graph.edges[parent, node_id]["grad"]["norm"] ** 2
                   for parent in graph.predecessors(node_id)
                   if graph.nodes[parent]["kind"] == "leaf" and graph.nodes[parent]["requires_grad"]
                   and graph.edges[parent, node_id]["grad"] is not None]
        table.append({
            "id": node_id,
            "layer": attrs["module"] or attrs["op"],
            "op": attrs["op"],
            "shape": attrs["shape"],
            "derivative": derivative_label(derivative_symbol("op", attrs["op"])),
            "delta_norm": None if stats is None else stats["norm"],
            "zero_fraction": None if stats is None else stats["zero_fraction"],
            "param_grad_norm": sum(squares) ** 0.5 if squares else None,
        })
    return table


def longest_path(graph):
    """The longest chain of nodes in a graph from `to_networkx` (or a Tensor):
    networkx's ``dag_longest_path``, the depth back-propagation has to cross.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.viz import longest_path, to_networkx
    >>> x = tg.tensor([1.0], requires_grad=True)
    >>> longest_path(to_networkx(x.exp().log().sum()))
    ['leaf0', 'op0', 'op1', 'op2']
    """
    import networkx as nx

    if not isinstance(graph, nx.DiGraph):
        from .graph import to_networkx
        graph = to_networkx(graph)
    return nx.dag_longest_path(graph)


def param_counts(model):
    """Number of parameters per module that owns them, in ``named_parameters`` order.

    Returns a dict ``{module path: count}``; ``''`` holds parameters the model
    owns directly. ``sum(param_counts(model).values())`` is the total.

    >>> import tinygrad_cnn as tg
    >>> class Tiny:                       # any object with named_parameters() works
    ...     def named_parameters(self):
    ...         yield "fc.weight", tg.zeros(3, 4)
    ...         yield "fc.bias", tg.zeros(3)
    ...         yield "scale", tg.zeros(1)
    >>> param_counts(Tiny())
    {'fc': 15, '': 1}
    """
    counts = {}
    for name, param in model.named_parameters():
        owner = name.rpartition(".")[0]
        counts[owner] = counts.get(owner, 0) + int(param._data.size)
    return counts


def check_topological_order(output):
    """Check the engine's order against networkx; returns the order as node ids.

    `tinygrad_cnn.engine.topological_order` is what ``backward`` walks (in
    reverse). It must contain every op node of the graph exactly once, and
    every edge of the networkx graph must go forward in it — which is what
    makes it a topological order of that DAG, as networkx confirms. Raises
    `AssertionError` naming the first offending node or edge.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.viz import check_topological_order
    >>> x = tg.tensor([1.0], requires_grad=True)
    >>> y = x.exp()
    >>> check_topological_order((y * y + y).sum())
    ['op0', 'op1', 'op2', 'op3']
    """
    import networkx as nx

    graph, recorded = _build(output, None)
    if output.grad_fn is None:
        return []
    engine_order = [recorded.ids[id(node)] for node in topological_order(output.grad_fn)]
    op_graph = graph.subgraph(recorded.ops)
    if not nx.is_directed_acyclic_graph(graph):
        raise AssertionError("the recorded graph has a cycle")
    if len(engine_order) != len(set(engine_order)) or set(engine_order) != set(recorded.ops):
        missing = sorted(set(recorded.ops) - set(engine_order))
        raise AssertionError(f"engine order has {len(engine_order)} entries for "
                             f"{len(recorded.ops)} op nodes; missing {missing[:5]}")
    position = {node_id: i for i, node_id in enumerate(engine_order)}
    for producer, consumer in op_graph.edges:
        if position[producer] >= position[consumer]:
            raise AssertionError(f"edge {producer} -> {consumer} goes backward in the engine's order")
    # the same statement in networkx's terms: the order, read as a chain, adds no cycle
    chain = nx.DiGraph(op_graph)
    chain.add_edges_from(zip(engine_order, engine_order[1:]))
    if not nx.is_directed_acyclic_graph(chain):
        raise AssertionError("the engine's order contradicts the graph (networkx found a cycle)")
    return engine_order
