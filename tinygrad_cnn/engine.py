"""The backward engine: reverse-mode differentiation over the recorded graph.

Back-propagation computes, for every node, ``δ = ∂L/∂(node's output)`` from
the δ of the nodes that consumed it:

1. sort the nodes reachable from the output so that every consumer comes
   before what it consumed (an iterative depth-first search: no recursion,
   so a chain of 100,000 ops is fine);
2. walk that order; each node's δ is complete when its turn comes, because
   all its consumers have already added their share (``δ += …`` over fan-out);
3. the node's own ``backward`` turns its δ into one gradient per input;
   leaves accumulate theirs into ``.grad`` (across calls, like PyTorch).
"""
import numpy as np

from ._errors import ShapeError
from .function import describe_saved


def topological_order(root):
    """Nodes reachable from ``root`` (a Function node, or a list of them),
    producers first.

    A depth-first search with an explicit stack: each node is appended after
    all nodes it reads from (its parents), so ``reversed(order)`` visits every
    consumer before its producers.
    """
    order = []
    visited = set()
    roots = root if isinstance(root, (list, tuple)) else [root]
    stack = [(node, False) for node in reversed(roots)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        # pushed last-first, so parent 0 is explored first: the order follows
        # argument order, which gives drawings stable node numbers
        for parent, needed in zip(reversed(node.parents), reversed(node.needs_input_grad)):
            if needed and parent is not None and not isinstance(parent, _Tensor) and parent not in visited:
                stack.append((parent, False))
    return order


def _run_hooks(hooks, delta):
    for hook in hooks:
        result = hook(_Tensor._make(delta, None))
        if result is not None:
            replacement = result._data if isinstance(result, _Tensor) else np.asarray(result)
            if replacement.shape != delta.shape:
                raise ShapeError(f"hook {hook!r} returned a gradient of shape "
                                 f"{replacement.shape}, expected {delta.shape}")
            delta = replacement
    return delta


def _accumulate_leaf(leaf, delta, shared=True):
    """Add δ into ``leaf.grad``. The first δ of a pass becomes ``.grad`` as it
    is when ``shared`` is False — a fresh array nothing else holds (the weight
    gradient of a big Linear layer is hundreds of MB); otherwise it is copied,
    since ``.grad`` is accumulated into in place later."""
    if leaf._hooks:
        delta = _run_hooks(leaf._hooks, delta)
        shared = True                        # a hook may hand back an array it keeps
    if leaf.grad is None:
        if shared or delta.dtype != leaf._data.dtype:
            delta = np.array(delta, dtype=leaf._data.dtype, copy=True)
        leaf._grad = _Tensor._make(delta, None)             # the leaf's shape and dtype
    else:
        leaf.grad._data += delta


def _seed(tensor, gradient, op="backward"):
    """δ of an output: ones for a one-element tensor, else the gradient given."""
    if not tensor.requires_grad:
        raise RuntimeError(
            f"{op}: element 0 of tensors does not require grad and does not have a grad_fn "
            "(was it computed under no_grad(), from inputs without requires_grad=True, or "
            "modified by an optimizer step? Note that `w -= lr * w.grad` must run inside "
            "no_grad())")
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for a scalar output, but this "
                f"tensor has shape {tensor.shape}; pass gradient= (a tensor of that shape), "
                "or reduce it first, e.g. loss.sum().backward()")
        return np.ones_like(tensor._data)
    seed = gradient._data if isinstance(gradient, _Tensor) else np.asarray(gradient)
    if seed.shape != tensor.shape:
        raise ShapeError(f"{op}: gradient has shape {seed.shape}, "
                         f"but the tensor has shape {tensor.shape}")
    return seed.astype(tensor._data.dtype, copy=False)


def backward(tensor, gradient=None, retain_graph=False, create_graph=False, inputs=None):
    """Back-propagate from ``tensor``; see `Tensor.backward`."""
    run_backward([tensor], [gradient], retain_graph, create_graph=create_graph, inputs=inputs)


def run_backward(tensors, gradients, retain_graph=False, create_graph=False, inputs=None,
                 capture=None, allow_unused=True):
    """The engine. ``tensors``' δs start as ``gradients``; each leaf's share is
    added to its ``.grad`` — or, when ``capture`` (a list of tensors) is given,
    returned in that order instead, touching no ``.grad`` (`autograd.grad`).
    ``inputs`` limits which leaves accumulate."""
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (double backward) is not supported: a Function's backward "
            "works on NumPy arrays, so it records no graph of its own")
    seeds = [_seed(t, g) for t, g in zip(tensors, gradients)]
    captured = {} if capture is not None else None
    wanted = None if capture is None else {id(t): t for t in capture}
    only = None if inputs is None else {id(t) for t in
                                       ([inputs] if isinstance(inputs, _Tensor) else inputs)}

    def arrive_at_leaf(leaf, delta, shared=True):
        if wanted is not None:
            if id(leaf) in wanted:
                if leaf._hooks:
                    delta = _run_hooks(leaf._hooks, delta)
                previous = captured.get(id(leaf))
                captured[id(leaf)] = delta.copy() if previous is None else previous + delta
        elif only is None or id(leaf) in only:
            _accumulate_leaf(leaf, delta, shared)

    deltas = {}                           # node -> ∂L/∂(node output), summed over consumers
    roots = []
    for tensor, seed in zip(tensors, seeds):
        if tensor.grad_fn is None:        # backward() on a leaf: dL/dL = 1
            arrive_at_leaf(tensor, seed)
            continue
        previous = deltas.get(tensor.grad_fn)
        deltas[tensor.grad_fn] = seed if previous is None else previous + seed
        roots.append(tensor.grad_fn)
    wanted_nodes = {} if wanted is None else {
        t.grad_fn: t for t in capture if t.grad_fn is not None}

    for node in reversed(topological_order(roots) if roots else []):
        delta = deltas.pop(node, None)
        if delta is None:                 # every consumer returned None for it
            continue
        if node.released:
            raise RuntimeError(
                f"backward: trying to go back through the '{node.name}' node a second time, "
                "but its saved values were freed after the first backward. "
                "Pass retain_graph=True to the first backward() if you need to call it twice.")
        if node.saved_versions:
            _check_versions(node)
        if node.hooks:
            delta = _run_hooks(node.hooks, delta)
        if node.retained is not None and wanted is None:
            _retain(node, delta)
        if node in wanted_nodes:
            captured[id(wanted_nodes[node])] = delta.copy()

        grads = node.backward(node, delta)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(node.parents):
            raise RuntimeError(
                f"{node.name}: backward returned {len(grads)} gradient(s) but forward had "
                f"{len(node.parents)} positional input(s); return one gradient or None per input")

        checked = []
        for parent, needed, grad in zip(node.parents, node.needs_input_grad, grads):
            if grad is None or not needed:
                checked.append(None)
                continue
            if not isinstance(grad, np.ndarray):
                grad = np.asarray(grad)
            if grad.shape != parent.shape:
                raise ShapeError(
                    f"{node.name}: backward returned a gradient of shape {grad.shape} "
                    f"for an input of shape {tuple(parent.shape)}")
            parent_dtype = parent._data.dtype if isinstance(parent, _Tensor) else parent.dtype
            if grad.dtype != parent_dtype:
                grad = grad.astype(parent_dtype)
            checked.append(grad)
            if isinstance(parent, _Tensor):
                arrive_at_leaf(parent, grad, retain_graph or _shared(grad, delta, grads, node))
            else:
                previous = deltas.get(parent)
                deltas[parent] = grad if previous is None else previous + grad

        if retain_graph:
            node.grad_inputs = tuple(checked)
        else:
            node.release()

    if capture is None:
        return None
    results = []
    for i, t in enumerate(capture):
        grad = captured.get(id(t))
        if grad is None and not allow_unused:
            raise RuntimeError(
                f"grad: one of the differentiated tensors (input {i}, shape {tuple(t.shape)}) "
                "appears to not have been used in the graph; set allow_unused=True if this "
                "is the desired behavior")
        results.append(None if grad is None else _Tensor._make(grad, None))
    return tuple(results)


def _shared(grad, delta, grads, node):
    """Whether a leaf's δ may be held elsewhere, so that ``.grad`` (added into in
    place later) must be a copy: a view; the node's own incoming δ passed
    through (others may hold it); an array returned for two inputs; or one of
    forward's saved arrays. Anything else is a fresh array the rule computed."""
    return (not grad.flags.owndata or grad is delta
            or sum(g is grad for g in grads) > 1
            or any(grad is saved for saved in node.saved_tensors))


def _check_versions(node):
    for counter, expected, saved in node.saved_versions:
        if counter.count != expected:
            what = describe_saved(*saved)
            by = f" by {counter.last_op}" if counter.last_op else ""
            raise RuntimeError(
                f"backward: one of the variables needed for gradient computation has been "
                f"modified by an inplace operation: {what}, saved by the '{node.name}' node "
                f"(output shape {node.shape}), was modified in place{by}: it is at version "
                f"{counter.count}; expected version {expected} instead. Compute out of place "
                "(x = x + 1 instead of x += 1), or modify x.clone() instead")


def _retain(node, delta):
    tensor = node.retained()
    if tensor is None:
        return
    if tensor.grad is None:
        tensor._grad = _Tensor._make(np.array(delta, copy=True), None)
    else:
        tensor.grad._data += delta


from .tensor import Tensor as _Tensor  # noqa: E402  (tensor.py imports this module)
