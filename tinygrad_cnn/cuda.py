"""``tinygrad_cnn.cuda``: PyTorch's CUDA queries, answered for a CPU-only framework.

Programs ask these to choose a device; here there is never a GPU, so they
pick the CPU and run unchanged. Seeding and synchronising are accepted and do
nothing (there is no CUDA generator or stream). Moving a tensor to ``'cuda'``
raises `tinygrad_cnn.DeviceError`.

>>> import tinygrad_cnn as tg
>>> tg.cuda.is_available(), tg.cuda.device_count()
(False, 0)
"""
from .device import DeviceError, _no_backend_message


def is_available():
    """False: tinygrad_cnn computes on the CPU."""
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted for device-agnostic programs; there is no CUDA generator to seed."""


def manual_seed_all(seed):
    """Accepted for device-agnostic programs; there is no CUDA generator to seed."""


def synchronize(device=None):
    """Nothing to wait for: every op has finished when it returns."""


def empty_cache():
    """Nothing to free: no GPU memory is ever held."""


def current_device():
    raise DeviceError("cuda.current_device: " + _no_backend_message("CUDA"))


def get_device_name(device=None):
    raise DeviceError("cuda.get_device_name: " + _no_backend_message("CUDA"))
