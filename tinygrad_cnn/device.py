"""Devices: where a tensor's numbers live and where its ops run.

tinygrad_cnn computes with NumPy on the CPU, so ``cpu`` is the one device
that has a backend. The rest of PyTorch's device vocabulary exists so that
device-agnostic programs run unchanged::

    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")   # → cpu
    model.to(device); x = x.to(device)

A `device` is a real object: each type maps to a backend in ``BACKENDS``
(the array module its tensors use). Code that moves tensors asks
`resolve_device`, which answers with a device that has a backend or raises
one clear `DeviceError`; no op looks at device strings. A second array
backend would be one more entry in ``BACKENDS``.

>>> import tinygrad_cnn as tg
>>> tg.device("cpu"), tg.device("cpu:0").type, tg.ones(2).device
(device(type='cpu'), 'cpu', device(type='cpu'))
>>> tg.cuda.is_available(), tg.accelerator.current_accelerator()
(False, None)
"""
import numpy as np

from . import _state

#: device type → the array module that holds and computes its tensors
BACKENDS = {"cpu": np}

_KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "mtia", "privateuseone")


class DeviceError(RuntimeError):
    """A tensor or module was asked to move to a device that has no backend."""


DeviceError.__module__ = "tinygrad_cnn"


class device:
    """PyTorch's ``torch.device``: ``device('cpu')``, ``device('cpu:0')``,
    ``device('cuda', 0)``. Making one never fails for a known type (as in
    PyTorch); moving a tensor to a device without a backend does.

    >>> import tinygrad_cnn as tg
    >>> d = tg.device("cpu", 0)
    >>> d, str(d), d == tg.device("cpu:0"), d.type == "cpu", d.index
    (device(type='cpu', index=0), 'cpu:0', True, True, 0)
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise DeviceError(_no_backend_message(f"device index {type} (a CUDA device)"))
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a string or a device, got {type!r}")
        else:
            if ":" in type:
                if index is not None:
                    raise ValueError(f"device: type {type!r} already names an index; "
                                     f"do not pass index={index!r} too")
                type, _, number = type.partition(":")
                if not number.isdigit():
                    raise ValueError(f"device: invalid device string {type + ':' + number!r}")
                index = int(number)
            if type not in _KNOWN_TYPES:
                raise RuntimeError(f"device: expected one of {', '.join(_KNOWN_TYPES)} device "
                                   f"type at start of device string: {type!r}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise ValueError(f"device: index must be a non-negative int, got {index!r}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # as in PyTorch, a device never equals a string: compare x.device.type == 'cpu'
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")
_state.default_device = CPU


def _no_backend_message(what):
    return (f"{what} is not available: tinygrad_cnn computes with NumPy on the CPU only. "
            "Write device-agnostic code and it runs here unchanged: "
            "device = tinygrad_cnn.device('cuda' if tinygrad_cnn.cuda.is_available() else 'cpu'), "
            "then model.to(device) and x.to(device).")


def resolve_device(spec, op="to"):
    """``spec`` (None, a string, an int or a `device`) → a device with a backend.

    None means the default device. Raises `DeviceError` for CUDA, MPS and
    every other device without a backend, naming ``op``.
    """
    if spec is None:
        return _state.default_device
    if isinstance(spec, device) and spec.type == "cpu":
        return CPU if spec.index in (None, 0) else _bad_cpu_index(spec)
    try:
        parsed = device(spec)
    except DeviceError as error:
        raise DeviceError(f"{op}: {error}") from None
    if parsed.type not in BACKENDS:
        raise DeviceError(f"{op}: " + _no_backend_message(f"device {str(parsed)!r}"))
    if parsed.index not in (None, 0):
        _bad_cpu_index(parsed)
    return CPU


def _bad_cpu_index(parsed):
    raise DeviceError(f"device {str(parsed)!r}: there is one CPU device, cpu:0")


def set_default_device(spec):
    """Factories make tensors on this device (PyTorch's ``torch.set_default_device``);
    only ``'cpu'`` (or None) has a backend here."""
    _state.default_device = resolve_device(spec, "set_default_device")


def get_default_device():
    return _state.default_device
