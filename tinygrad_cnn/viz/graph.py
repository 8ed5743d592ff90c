"""`to_networkx`: the recorded graph as a `networkx.DiGraph`, δ statistics on its edges.

The forward pass records one `Function` node per op (``y.grad_fn``); each node
lists its ``parents`` — the producing node, or the leaf `Tensor` itself
(an input or a parameter W, b). Reading that graph *forward* gives the arrows
a → z → a of the network; ``backward(retain_graph=True)`` additionally keeps,
on every node, ``grad_inputs``: the error terms δ it sent back to each parent.
This module turns both into plain data that networkx (and `viz.draw`) can use.

Nothing here changes the graph or any gradient: it only reads attributes.
"""
import numpy as np

from ..engine import topological_order
from ..function import Function
from ..tensor import Tensor


def delta_stats(delta):
    """Summary statistics of one δ array: what an edge of the drawing shows.

    Returns a dict with ``shape``, ``norm`` (the L2 norm ‖δ‖ over all
    entries), ``mean_abs``, ``max_abs`` and ``zero_fraction`` (share of exact
    zeros: a dead ReLU or the non-maximal positions of a max pool).

    >>> import numpy as np
    >>> s = delta_stats(np.array([[3.0, 0.0], [-4.0, 0.0]]))
    >>> s["shape"], s["norm"], s["mean_abs"], s["max_abs"], s["zero_fraction"]
    ((2, 2), 5.0, 1.75, 4.0, 0.5)
    """
    values = np.asarray(delta, dtype=np.float64)
    if values.size == 0:
        return {"shape": tuple(values.shape), "norm": 0.0, "mean_abs": 0.0,
                "max_abs": 0.0, "zero_fraction": 0.0}
    magnitudes = np.abs(values)
    return {
        "shape": tuple(values.shape),
        "norm": float(np.sqrt(np.sum(magnitudes * magnitudes))),
        "mean_abs": float(magnitudes.mean()),
        "max_abs": float(magnitudes.max()),
        "zero_fraction": float(np.count_nonzero(values == 0) / values.size),
    }


def _module_paths(model):
    """``id(module) -> path`` and ``id(parameter) -> name`` from the model's own listings."""
    if model is None:
        return {}, {}
    module_paths = {id(module): path for path, module in model.named_modules()}
    param_names = {id(param): name for name, param in model.named_parameters()}
    return module_paths, param_names


class _Recorded:
    """The graph as objects: ids for every op node and leaf, in a fixed order.

    Shared by `to_networkx` and `viz.draw` (which also needs the node objects
    themselves, e.g. to group op nodes by the module object that made them).
    """

    def __init__(self, output, model=None, names=None):
        if not isinstance(output, Tensor):
            raise TypeError(f"viz: expected the output Tensor of a forward pass, got {type(output).__name__}")
        self.model = model
        self.module_paths, self.param_names = _module_paths(model)
        self.given_names = _given_names(names)
        self.ids = {}            # id(object) -> node id ("op3", "leaf1")
        self.objects = {}        # node id -> Function node or leaf Tensor
        self.ops = []            # op node ids, producers first
        self.leaves = []         # leaf ids, in order of first use
        self.edges = []          # (producer id, consumer id, slot)
        if output.grad_fn is None:
            self.output = self._leaf(output)
            return
        for node in topological_order(output.grad_fn):    # the engine's own order
            node_id = f"op{len(self.ops)}"
            self.ids[id(node)] = node_id
            self.objects[node_id] = node
            self.ops.append(node_id)
            for slot, parent in enumerate(node.parents):
                if parent is None:
                    continue
                producer = self.ids[id(parent)] if isinstance(parent, Function) else self._leaf(parent)
                self.edges.append((producer, node_id, slot))
        self.output = self.ids[id(output.grad_fn)]

    def _leaf(self, tensor):
        key = id(tensor)
        if key not in self.ids:
            leaf_id = f"leaf{len(self.leaves)}"
            self.ids[key] = leaf_id
            self.objects[leaf_id] = tensor
            self.leaves.append(leaf_id)
        return self.ids[key]

    def module_path(self, node):
        """Path of the module that made ``node`` ('' for the model itself), or None."""
        if node.scope is None or id(node.scope) not in self.module_paths:
            return None
        return self.module_paths[id(node.scope)]

    def leaf_names(self):
        """leaf id -> name: the parameter's name, a name the caller gave, else
        ``target`` for what the output node (the loss) reads besides its first
        argument, ``input`` for the other inputs and ``param`` for a leaf that
        requires grad when no model names it (``input1``, ``target1`` … when
        there are several)."""
        read_by_output = {producer for producer, consumer, slot in self.edges
                          if consumer == self.output and slot > 0}
        names, counts = {}, {"input": 0, "target": 0, "param": 0}
        for leaf_id in self.leaves:
            key = id(self.objects[leaf_id])
            given = self._given_name(leaf_id)
            if key in self.param_names:
                names[leaf_id] = self.param_names[key]
            elif given is not None:
                names[leaf_id] = given
            else:
                role = self.leaf_role(leaf_id)
                if role == "input" and leaf_id in read_by_output:
                    role = "target"
                names[leaf_id] = role if counts[role] == 0 else f"{role}{counts[role]}"
                counts[role] += 1
        return names

    def _given_name(self, leaf_id):
        tensor = self.objects[leaf_id]
        return self.given_names.get(id(tensor), self.given_names.get(id(tensor._data)))

    def leaf_role(self, leaf_id):
        """``'param'`` for a model parameter — or, without a model, any leaf
        that requires grad and was not given a name — else ``'input'``."""
        tensor = self.objects[leaf_id]
        if id(tensor) in self.param_names:
            return "param"
        if self._given_name(leaf_id) is not None or self.model is not None:
            return "input"
        return "param" if tensor.requires_grad else "input"

    def edge_delta(self, producer, consumer, slot):
        """The δ array the consumer sent back along this edge, or None."""
        grads = self.objects[consumer].grad_inputs
        if grads is None:
            return None
        return grads[slot]


def _given_names(names):
    """``{name: Tensor}`` (or ``{Tensor: name}``) -> ``{id(tensor): name}``."""
    if not names:
        return {}
    given = {}
    for key, value in dict(names).items():
        name, tensor = (key, value) if isinstance(value, Tensor) else (value, key)
        if not isinstance(tensor, Tensor):
            raise TypeError(f"viz: names maps a name to a Tensor, got {type(key).__name__} -> "
                            f"{type(value).__name__}")
        given[id(tensor)] = str(name)
        # a functional may wrap the same array in a Tensor of its own (cross_entropy's target)
        given.setdefault(id(tensor._data), str(name))
    return given


def to_networkx(output, model=None, names=None):
    """The graph that produced ``output``, as a `networkx.DiGraph`.

    Nodes are the op nodes (``kind='op'``, ids ``op0, op1, …`` producers
    first) and the leaves — inputs and parameters (``kind='leaf'``, ids
    ``leaf0, …`` in order of first use). The ids depend only on the graph's
    structure, never on memory addresses, so the same model gives the same graph.

    Node attributes: ``kind``, ``op`` (the op's name — ``conv2d``, ``relu`` … —
    or ``'leaf'``), ``shape`` (of the output), ``dtype`` (a string), ``module``
    (path of the innermost module that ran the op, looked up in
    ``model.named_modules()``: ``'conv1'``, ``'0'`` in a Sequential, ``''`` for
    the model itself; None without a model or for a leaf), ``scope_type`` (the
    class name of that module, even without a model), ``name`` (leaves: the
    parameter name from ``model.named_parameters()`` matched by identity, such
    as ``conv1.weight``; a name from ``names``, a dict ``{name: Tensor}``;
    otherwise ``target`` for a leaf the output node reads as a later argument —
    the labels of a loss — ``input`` for the other inputs and, without a model,
    ``param`` for a leaf that requires grad; then ``input1``, ``param1`` …),
    ``role`` (leaves: ``'param'`` or ``'input'``), ``requires_grad``,
    ``params`` (leaves that require grad: their number of elements; else 0).

    Edges run forward, producer → consumer, with ``slot`` (the argument index
    at the consumer). After ``loss.backward(retain_graph=True)`` each edge
    also has ``grad``: the statistics (`delta_stats`: shape, norm, mean_abs,
    max_abs, zero_fraction) of the δ the consumer sent back along it, read
    from ``consumer.grad_inputs[slot]``. ``grad`` is None before a backward,
    for an input that does not require grad, and after a plain
    ``backward()``: without ``retain_graph=True`` the engine frees every δ as
    soon as it is used. If a producer feeds the same consumer twice (``x * x``)
    the two arguments share one edge: ``slot`` is the first, ``slots`` all of
    them, and ``grad`` describes the sum of their δ — the consumer's whole
    contribution to ∂L/∂(producer).

    ``graph.graph['output']`` is the id of the node that produced ``output``.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.viz import to_networkx
    >>> w = tg.tensor([3.0, -4.0], requires_grad=True)
    >>> x = tg.tensor([1.0, 2.0])
    >>> loss = (w * x).sum()
    >>> g = to_networkx(loss)
    >>> sorted(g.nodes), g.graph["output"]
    (['leaf0', 'leaf1', 'op0', 'op1'], 'op1')
    >>> [(u, v, d["slot"]) for u, v, d in g.edges(data=True)]
    [('leaf0', 'op0', 0), ('leaf1', 'op0', 1), ('op0', 'op1', 0)]
    >>> g.nodes["op0"]["op"], g.nodes["op0"]["shape"], g.edges["op0", "op1"]["grad"]
    ('mul', (2,), None)
    >>> loss.backward(retain_graph=True)
    >>> g = to_networkx(loss)
    >>> g.edges["leaf0", "op0"]["grad"]["norm"]      # ‖∂L/∂w‖ = ‖x‖ = √5
    2.23606797749979
    """
    return _build(output, model, names)[0]


def _build(output, model, names=None):
    """`to_networkx`'s work; also returns the `_Recorded` objects for `viz.draw`."""
    import networkx as nx

    recorded = _Recorded(output, model, names)
    graph = nx.DiGraph()
    graph.graph["output"] = recorded.output

    # a fixed insertion order (leaves by number, then op nodes producers first)
    # keeps every listing of the graph, and the DOT text drawn from it, deterministic
    leaf_names = recorded.leaf_names()
    for leaf_id in recorded.leaves:
        tensor = recorded.objects[leaf_id]
        graph.add_node(
            leaf_id, kind="leaf", op="leaf", name=leaf_names[leaf_id], role=recorded.leaf_role(leaf_id),
            shape=tuple(tensor.shape),
            dtype=str(tensor.dtype), module=None, scope_type=None,
            requires_grad=bool(tensor.requires_grad),
            params=int(tensor._data.size) if tensor.requires_grad else 0)
    for op_id in recorded.ops:
        node = recorded.objects[op_id]
        graph.add_node(
            op_id, kind="op", op=node.name, name=node.name, shape=tuple(node.shape),
            dtype=str(node.dtype), module=recorded.module_path(node),
            scope_type=None if node.scope is None else type(node.scope).__name__,
            requires_grad=True, params=0)

    merged = {}                  # (producer, consumer) -> [slots]
    for producer, consumer, slot in recorded.edges:
        merged.setdefault((producer, consumer), []).append(slot)
    for (producer, consumer), slots in merged.items():
        deltas = [recorded.edge_delta(producer, consumer, slot) for slot in slots]
        deltas = [d for d in deltas if d is not None]
        grad = None
        if deltas:
            total = deltas[0] if len(deltas) == 1 else sum(deltas[1:], deltas[0])
            grad = delta_stats(total)
        graph.add_edge(producer, consumer, slot=slots[0], slots=tuple(slots), grad=grad)
    return graph, recorded


def node_deltas(output, model=None):
    """``{node id: δ array}``: ∂L/∂(node's output) for every node that got one.

    The δ of a node is the sum of what its consumers sent back to it
    (``δ += …`` over fan-out, exactly as the engine adds it up); it needs a
    ``backward(retain_graph=True)``. The output node itself is left out (its
    δ is the seed of backward, 1 for a scalar loss, which no node records).

    >>> import tinygrad_cnn as tg
    >>> x = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> y = x.relu()
    >>> loss = (y * y).sum()
    >>> loss.backward(retain_graph=True)
    >>> deltas = node_deltas(loss)
    >>> deltas["op0"].tolist(), deltas["leaf0"].tolist()    # δ of y = 2y; δ of x = 2y·1[x>0]
    ([2.0, 0.0], [2.0, 0.0])
    """
    return _node_deltas(_Recorded(output, model))


def _node_deltas(recorded):
    deltas = {}
    for producer, consumer, slot in recorded.edges:
        delta = recorded.edge_delta(producer, consumer, slot)
        if delta is None:
            continue
        previous = deltas.get(producer)
        deltas[producer] = delta if previous is None else previous + delta
    return deltas
