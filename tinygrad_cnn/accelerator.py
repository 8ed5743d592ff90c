"""``tinygrad_cnn.accelerator``: PyTorch's accelerator queries; there is none here.

>>> import tinygrad_cnn as tg
>>> tg.accelerator.is_available(), tg.accelerator.current_accelerator(), tg.accelerator.device_count()
(False, None, 0)
"""


def is_available():
    """False: tinygrad_cnn has no accelerator, only the CPU."""
    return False


def current_accelerator(check_available=False):
    """None: there is no accelerator (``device = acc or 'cpu'`` picks the CPU)."""
    return None


def device_count():
    return 0
