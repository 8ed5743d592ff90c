"""Apple's Metal backend: never available here.

>>> import tinygrad_cnn as tg
>>> tg.backends.mps.is_available(), tg.backends.mps.is_built()
(False, False)
"""


def is_available():
    return False


def is_built():
    return False
