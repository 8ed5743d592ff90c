"""`Parameter`: a Tensor that is a module's trainable state (``torch.nn.Parameter``)."""
import numpy as np

from ..tensor import Tensor, _to_array, _Version


class Parameter(Tensor):
    """A Tensor that is a module's trainable state: a leaf that requires grad.

    Assigning a Parameter to a Module attribute registers it, so it appears in
    ``parameters()`` and ``state_dict()``. Like ``torch.nn.Parameter`` it
    shares memory with the array it wraps (no copy), and keeps its dtype.

    >>> import numpy as np
    >>> p = Parameter(np.array([1.0, 2.0], dtype=np.float32))
    >>> p
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    >>> p.is_leaf, p.requires_grad
    (True, True)
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        self._data = _to_array(data, copy=False)  # shares memory, like torch.nn.Parameter
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        self._hooks = None
        self._version_box = _Version()
        self._base = None
        if requires_grad:
            self.requires_grad_(True)           # refuses integer dtypes with a clear error

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (self._data, self.requires_grad))
