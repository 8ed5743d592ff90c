"""`Function`: the one contract every differentiable op is written against.

Built-in ops (``+``, ``conv2d``, ``max_pool2d``, ``cross_entropy`` …) and the
ops users add are written the same way::

    class Square(Function):
        '''y = x², so ∂L/∂x = 2x · δ.'''

        @staticmethod
        def forward(ctx, x):            # x: np.ndarray
            ctx.save_for_backward(x)
            return x * x                # np.ndarray

        @staticmethod
        def backward(ctx, delta):       # delta = ∂L/∂y, np.ndarray shaped like y
            (x,) = ctx.saved_tensors
            return 2 * x * delta        # ∂L/∂x, shaped like x

    y = Square.apply(x)                 # x, y: Tensor

**What forward and backward see: NumPy arrays, everywhere.** ``apply`` unwraps
each `Tensor` argument to its NumPy array (``tensor.numpy()``) before calling ``forward``;
other arguments (ints, tuples, strings) pass through unchanged. ``forward``
returns one NumPy array. ``backward`` receives ``δ = ∂L/∂output`` as a NumPy
array and returns one gradient (a NumPy array) or ``None`` per positional
argument of ``forward``. Working on arrays means an op's backward cannot be
differentiated again (no double backward) — in exchange a rule reads exactly
like its derivation and costs no graph bookkeeping.

The ``ctx`` object *is* the graph node: ``y.grad_fn is ctx``. It holds

* ``parents``: one entry per positional argument — the producing node for a
  Tensor made by another op, the Tensor itself for a leaf, ``None`` for a
  non-Tensor argument. Nodes never hold their output Tensor, so the graph has
  no reference cycles and intermediate activations are freed as soon as no
  saved array needs them;
* ``needs_input_grad``: one bool per positional argument;
* ``saved_tensors``: what ``save_for_backward`` stored (freed after backward
  unless ``retain_graph=True``);
* ``shape`` / ``dtype`` of the output, ``name`` of the op, and ``scope``
  (the `nn.Module` running when it was made, for drawings);
* ``grad_inputs``: after a ``backward(retain_graph=True)``, the gradients this
  node sent to each parent (the δ on each edge, from the latest backward),
  read by `tinygrad_cnn.viz`.

These names (and ``released``, ``hooks``, ``retained``) belong to the node:
an op stores its own settings under other names (``ctx.stride``, …).
"""
import re

import numpy as np

from . import _state
from .tensor import Tensor


def _snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class OpName(str):
    """An op's name: a string (``node.name == 'mul'``) that can also be called,
    as PyTorch code calls ``grad_fn.name()``."""

    def __call__(self):
        return str(self)


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the end of a δ path, where the
    gradient is added to ``variable.grad`` (PyTorch's ``AccumulateGrad``)."""

    name = OpName("accumulate_grad")
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def __repr__(self):
        return f"<AccumulateGrad for {tuple(self.variable.shape)}>"


class _Released(tuple):
    """The saved_tensors of a node whose arrays were freed after backward."""

    __slots__ = ()


_RELEASED = _Released()
_KEPT_AFTER_RELEASE = frozenset(("parents", "needs_input_grad", "shape", "dtype", "scope",
                                 "hooks", "retained"))


class Function:
    """Base class of every op. Subclass it, write ``forward`` and ``backward``
    as static methods, and call ``YourOp.apply(...)``.

    >>> import numpy as np, tinygrad_cnn as tg
    >>> class Cube(tg.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, delta):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * delta
    >>> x = tg.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad.numpy()
    array([12.], dtype=float32)
    """

    #: The op's name in graphs and error messages; defaults to the class
    #: name in snake_case (``MaxPool2d`` → ``max_pool2d``).
    name = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__ or cls.__dict__["name"] is None:
            cls.name = OpName(_snake_case(cls.__name__))
        else:
            cls.name = OpName(cls.__dict__["name"])

    # Per-node state. Class-level defaults keep creating a node cheap; apply()
    # and the engine set the instance attributes when they differ.
    saved_tensors = ()
    needs_input_grad = ()
    parents = ()
    shape = None
    dtype = None
    scope = None
    grad_inputs = None
    hooks = None          # hooks of the output tensor (non-leaf)
    retained = None       # weakref to the output tensor, if retain_grad()
    saved_versions = ()   # (counter, count at forward, (position, dtype, shape)) per saved array
    non_differentiable = False

    # ----- used inside forward ---------------------------------------------
    def save_for_backward(self, *arrays):
        """Keep arrays for backward. They are dropped after backward unless
        ``retain_graph=True``; a second backward then raises."""
        self.saved_tensors = arrays

    def mark_non_differentiable(self, *outputs):
        """Declare the output constant (an index, a mask): it gets no grad_fn."""
        self.non_differentiable = True

    @property
    def next_functions(self):
        """PyTorch's view of the graph: one ``(node, 0)`` per input — the producing
        node, an `AccumulateGrad` for a leaf that requires grad, or None."""
        return tuple(
            (None if not needed or parent is None else
             AccumulateGrad(parent) if isinstance(parent, Tensor) else parent, 0)
            for parent, needed in zip(self.parents, self.needs_input_grad))

    # ----- the two methods an op writes ---------------------------------------
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, delta)")

    # ----- recording ---------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on the arrays of ``args`` and, when grad mode is on
        and some input requires grad, record this call as a graph node."""
        ctx = cls()
        needs = tuple(isinstance(arg, Tensor) and arg.requires_grad for arg in args)
        record = _state.grad_enabled and True in needs
        ctx.needs_input_grad = needs if record else (False,) * len(args)
        arrays = [arg._data if isinstance(arg, Tensor) else arg for arg in args]

        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if not record or ctx.non_differentiable:
            return _view_aware(Tensor._make(out, None), out, args)
        if out.dtype.kind != "f":
            raise TypeError(
                f"{cls.name}: forward returned dtype {out.dtype}, but an op whose "
                "inputs require grad must return a floating-point array")

        ctx.parents = tuple([
            (arg if arg.grad_fn is None else arg.grad_fn) if isinstance(arg, Tensor) else None
            for arg in args])
        ctx.shape = out.shape
        ctx.dtype = out.dtype
        if _state.scope_stack:
            ctx.scope = _state.scope_stack[-1]
        result = _view_aware(Tensor._make(out, ctx), out, args)
        if ctx.saved_tensors:
            ctx.saved_versions = _versions_of(ctx.saved_tensors, args, result)
        return result

    # ----- engine side ---------------------------------------------------------
    def release(self):
        """Drop what forward saved — the saved arrays and the op's own settings —
        keeping only what drawings read (parents, shape, dtype, scope, name), so
        a graph kept alive after backward holds no arrays and does not grow."""
        state = self.__dict__
        for key in [k for k in state if k not in _KEPT_AFTER_RELEASE]:
            del state[key]
        self.saved_tensors = _RELEASED

    @property
    def released(self):
        return self.saved_tensors is _RELEASED

    def __repr__(self):
        return f"<{self.name} node {self.shape}>"


def _view_aware(result, out, args):
    """An output that is a NumPy view of an input shares that input's version
    counter, so an in-place write through either is seen by both."""
    base = out.base
    if base is not None:
        for arg in args:
            if isinstance(arg, Tensor) and (base is arg._data or base is arg._data.base):
                result._version_box = arg._version_box
                result._base = arg
                break
    return result


def describe_saved(which, dtype, shape):
    """How a version error names a saved array: ``"input 0 (a float32 tensor of
    shape (2, 3))"``; built only when the error is raised."""
    role = "its output" if which is None else f"input {which}"
    return f"{role} (a {dtype} tensor of shape {tuple(shape)})"


def _versions_of(saved, args, result):
    """(version counter, its count now, (input position or None for the
    output, dtype, shape)) for each saved array that is an input's or the
    output's own memory, for backward's check."""
    versions = []
    for array in saved:
        if array is result._data:
            versions.append((result._version_box, result._version_box.count,
                             (None, array.dtype, array.shape)))
            continue
        for position, arg in enumerate(args):
            if isinstance(arg, Tensor) and array is arg._data:
                versions.append((arg._version_box, arg._version_box.count,
                                 (position, array.dtype, array.shape)))
                break
    return tuple(versions)
