"""``Generator``: a random-number stream of its own, like ``torch.Generator``.

The *global* generator lives in ``_state.py`` (``manual_seed`` replaces it).
A ``Generator`` is a separate stream that code can hand to whatever draws
random numbers (``DataLoader(generator=...)``, ``random_split``, the samplers),
so that its draws neither disturb nor depend on the global stream.

Both wrap a NumPy ``np.random.Generator``. The streams are reproducible (the
same seed gives the same numbers) but are not PyTorch's bit for bit.
"""
import os

import numpy as np

from tinygrad_cnn import _state

SEED_MODULUS = 2 ** 64  # seeds are unsigned 64-bit, as in PyTorch (-1 becomes 2**64 - 1)


class Generator:
    """A seedable random stream (PyTorch's ``torch.Generator``).

    Args:
        device: only ``'cpu'``; tinygrad_cnn computes on the CPU.

    A new generator starts from a fresh, unpredictable seed, like PyTorch's;
    call ``manual_seed`` to make it reproducible.

    Example:
        >>> import tinygrad_cnn as tg
        >>> g = tg.Generator().manual_seed(42)
        >>> g.initial_seed()
        42
        >>> first = g.numpy_generator.permutation(5).tolist()
        >>> _ = g.manual_seed(42)
        >>> g.numpy_generator.permutation(5).tolist() == first
        True
    """

    def __init__(self, device="cpu"):
        if str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"Generator: tinygrad_cnn computes on the CPU only, got device={device!r}; "
                               "use Generator() or Generator('cpu')")
        self.device = "cpu"
        self.seed()

    def manual_seed(self, seed):
        """Restart the stream from ``seed`` (an int); returns the generator itself."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {type(seed).__name__}")
        self._initial_seed = int(seed) % SEED_MODULUS
        self.numpy_generator = np.random.default_rng(self._initial_seed)
        return self

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._initial_seed

    def seed(self):
        """Restart the stream from a fresh, unpredictable seed and return that seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little"))
        return self._initial_seed

    def __repr__(self):
        return f"Generator(device='cpu', initial_seed={self._initial_seed})"


def numpy_generator(generator=None):
    """The NumPy generator to draw from: ``generator``'s, or the global one if None.

    Example:
        >>> import tinygrad_cnn as tg
        >>> _ = tg.manual_seed(0)
        >>> numpy_generator() is numpy_generator()   # the global stream
        True
    """
    if generator is None:
        return _state.rng  # looked up each call: manual_seed replaces it
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a tinygrad_cnn.Generator or None, got {type(generator).__name__}")
    return generator.numpy_generator


def draw_seed(generator=None):
    """Draw a 63-bit seed from ``generator`` (or the global stream).

    Used where PyTorch seeds a private generator from the global one, so that
    an epoch's shuffle is fixed when the epoch starts.

    Example:
        >>> import tinygrad_cnn as tg
        >>> _ = tg.manual_seed(3); a = draw_seed()
        >>> _ = tg.manual_seed(3); b = draw_seed()
        >>> a == b
        True
    """
    return int(numpy_generator(generator).integers(2 ** 63))
