"""The one place that holds tinygrad_cnn's global state.

Four things are global, as in PyTorch, and all of them live here:

* **grad mode**: whether new operations record a graph (`no_grad`, `enable_grad`);
* **the random generator** used by `randn`, `rand`, dropout and `nn.init`
  (`manual_seed` replaces it);
* **the defaults** for new tensors: the float dtype (`set_default_dtype`) and
  the device (`set_default_device`);
* **the scope stack**: what is currently running forward (an `nn.Module`
  pushes itself while it runs), copied onto each new graph node so that
  drawings can group op nodes by the layer that made them. The core only
  stores the object; it never looks inside it.
"""
import functools

import numpy as np

grad_enabled = True
default_dtype = None       # the DType Python floats become; dtypes.py sets float32
default_device = None      # the device factories use; device.py sets cpu
rng = np.random.default_rng()
scope_stack = []


def manual_seed(seed):
    """Seed the global random generator (PyTorch's ``torch.manual_seed``).

    >>> import tinygrad_cnn as tg
    >>> _ = tg.manual_seed(0); a = tg.randn(3)
    >>> _ = tg.manual_seed(0); b = tg.randn(3)
    >>> bool((a == b).all())
    True
    """
    global rng
    rng = np.random.default_rng(seed)
    return rng


def is_grad_enabled():
    return grad_enabled


class _GradMode:
    """Context manager *and* decorator that sets grad mode, restoring it on exit."""

    mode = True

    def __enter__(self):
        global grad_enabled
        self._previous = grad_enabled
        grad_enabled = self.mode

    def __exit__(self, *exc_info):
        global grad_enabled
        grad_enabled = self._previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class _BareDecorator:
    """Lets ``@no_grad`` work without parentheses, as in PyTorch."""

    def __new__(cls, func=None):
        mode = super().__new__(cls)
        return mode if func is None else mode(func)


class no_grad(_BareDecorator, _GradMode):
    """Operations inside record no graph: outputs do not require grad.
    A context manager, and a decorator with or without parentheses.

    >>> import tinygrad_cnn as tg
    >>> x = tg.ones(2, requires_grad=True)
    >>> with tg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_BareDecorator, _GradMode):
    """Turn graph recording back on inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode from a flag. Like PyTorch's, it takes effect at once, so it
    works as a plain call (``set_grad_enabled(False)``), as a context manager
    (restoring the previous mode on exit) and as a decorator."""

    def __init__(self, mode=True):
        global grad_enabled
        self.mode = bool(mode)
        self._previous = grad_enabled
        grad_enabled = self.mode

    def __enter__(self):
        return None

    def __call__(self, func):
        global grad_enabled
        grad_enabled = self._previous          # as a decorator it applies per call only
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode``: here the same as `no_grad` (``mode=False``
    turns grad recording back on)."""

    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


class scope:
    """Mark the graph nodes created inside the block with ``owner``.

    ``nn.Module.__call__`` uses it; ``viz`` reads ``node.scope`` to group op
    nodes into layers. Any object can be an owner.
    """

    def __init__(self, owner):
        self.owner = owner

    def __enter__(self):
        scope_stack.append(self.owner)
        return self.owner

    def __exit__(self, *exc_info):
        scope_stack.pop()
        return False
