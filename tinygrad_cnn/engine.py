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


def topological_order(root):
    """Nodes reachable from ``root`` (a Function node), producers first.

    A depth-first search with an explicit stack: each node is appended after
    all nodes it reads from (its parents), so ``reversed(order)`` visits every
    consumer before its producers.
    """
    order = []
    visited = set()
    stack = [(root, False)]
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


def _accumulate_leaf(leaf, delta):
    if leaf._hooks:
        delta = _run_hooks(leaf._hooks, delta)
    if leaf.grad is None:
        # copy: backward rules may hand the same array to several inputs
        leaf.grad = _Tensor._make(np.array(delta, dtype=leaf._data.dtype, copy=True), None)
    else:
        leaf.grad._data += delta


def backward(tensor, gradient=None, retain_graph=False):
    """Back-propagate from ``tensor``; see `Tensor.backward`."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn "
            "(was it computed under no_grad(), or from inputs without requires_grad=True?)")
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a scalar output, but this "
                f"tensor has shape {tensor.shape}; pass gradient= (a tensor of that shape), "
                "or reduce it first, e.g. loss.sum().backward()")
        seed = np.ones_like(tensor._data)
    else:
        seed = gradient._data if isinstance(gradient, _Tensor) else np.asarray(gradient)
        if seed.shape != tensor.shape:
            raise ShapeError(f"backward: gradient has shape {seed.shape}, "
                             f"but the tensor has shape {tensor.shape}")
        seed = seed.astype(tensor.dtype, copy=False)

    root = tensor.grad_fn
    if root is None:                      # backward() on a leaf: dL/dL = 1
        _accumulate_leaf(tensor, seed)
        return

    deltas = {root: seed}                 # node -> ∂L/∂(node output), summed over consumers
    for node in reversed(topological_order(root)):
        delta = deltas.pop(node, None)
        if delta is None:                 # every consumer returned None for it
            continue
        if node.released:
            raise RuntimeError(
                f"backward: trying to go back through the '{node.name}' node a second time, "
                "but its saved values were freed after the first backward. "
                "Pass retain_graph=True to the first backward() if you need to call it twice.")
        if node.hooks:
            delta = _run_hooks(node.hooks, delta)
        if node.retained is not None:
            _retain(node, delta)

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
            if grad.dtype != parent.dtype:
                grad = grad.astype(parent.dtype)
            checked.append(grad)
            if isinstance(parent, _Tensor):
                _accumulate_leaf(parent, grad)
            else:
                previous = deltas.get(parent)
                deltas[parent] = grad if previous is None else previous + grad

        if retain_graph:
            node.grad_inputs = tuple(checked)
        else:
            node.grad_inputs = None
            node.release()


def _retain(node, delta):
    tensor = node.retained()
    if tensor is None:
        return
    if tensor.grad is None:
        tensor.grad = _Tensor._make(np.array(delta, copy=True), None)
    else:
        tensor.grad._data += delta


from .tensor import Tensor as _Tensor  # noqa: E402  (tensor.py imports this module)
