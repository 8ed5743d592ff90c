"""cuDNN's flags, accepted so that programs which set them run; they change nothing
(NumPy on the CPU is already deterministic and there is nothing to benchmark).

>>> import tinygrad_cnn as tg
>>> tg.backends.cudnn.deterministic = True
>>> tg.backends.cudnn.is_available()
False
"""
deterministic = False
benchmark = False
enabled = True
allow_tf32 = False


def is_available():
    return False


def version():
    return None
