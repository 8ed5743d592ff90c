"""Keep freed memory for the next training step (Linux with glibc only).

Every training step allocates, then frees, the same large arrays: activations,
im2col columns, gradients. By default glibc returns blocks this large to the
operating system (``munmap`` and heap trimming), so the next step page-faults
all of it back in: on LeNet-5 with batch 64 that was about 3,400 page faults
and a third of the step's time. Raising two thresholds once makes glibc keep
the freed blocks in its heap and reuse them, as long-running numerical
programs commonly do; the process keeps up to ``trim_threshold`` bytes of
freed memory instead of returning it at once.

It changes no result, only where memory comes from. Set the environment
variable ``TINYGRAD_CNN_KEEP_FREED_MEMORY=0`` before importing tinygrad_cnn to
leave the allocator alone; on other platforms this does nothing.
"""
import os
import sys

M_TRIM_THRESHOLD = -1      # mallopt parameter numbers from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold=32 * 2**20, trim_threshold=128 * 2**20):
    """Ask glibc to serve blocks below ``mmap_threshold`` from its heap and to
    keep up to ``trim_threshold`` bytes of free heap. Returns True if applied."""
    if os.environ.get("TINYGRAD_CNN_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        return (libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1
                and libc.mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1)
    except (OSError, AttributeError):      # not glibc (musl, …): leave it be
        return False
