"""How many threads tinygrad_cnn's own loops use, PyTorch's way.

NumPy runs one elementwise loop or copy on one core, but it releases the GIL
while the loop runs. The big copies and elementwise passes of a conv net step
(the im2col copy, col2im's adds, the pooling passes) are independent across
the images of a batch, so `run_in_batch_chunks` cuts the batch into one chunk
per thread and runs the chunks at once on a small persistent pool. Matrix
products are left to NumPy's BLAS, which has its own threads.

The number of threads follows PyTorch's conventions:

* `set_num_threads(n)` / `get_num_threads()`, as ``torch.set_num_threads``;
* the default is the ``OMP_NUM_THREADS`` environment variable when it is set
  (it also sets the BLAS threads, read by OpenBLAS when NumPy loads), else the
  number of cores this process may run on.

Results do not depend on the thread count: only work whose every output
entry is computed by the same arithmetic wherever the batch is cut (copies,
elementwise operations, sums over the taps of one image) is split; nothing
that sums across images is.

>>> import tinygrad_cnn as tg
>>> before = tg.get_num_threads()
>>> tg.set_num_threads(1)
>>> tg.get_num_threads()
1
>>> tg.set_num_threads(before)
"""
import os
import threading

#: Below this many bytes of work a chunk is not worth handing to a thread.
#: Handing work to a pool thread and joining it costs about 80 µs on a
#: 2-core VM (more when OpenBLAS's threads are spinning after a GEMM), as
#: long as NumPy takes for a ReLU over 1 MiB: measured, a 4 MiB elementwise
#: pass breaks even on two threads and a 16 MiB one runs 1.5× faster, and
#: LeNet's and ResNet-18's steps were fastest with this threshold.
MIN_BYTES_PER_THREAD = 4 * 2**20


def _default_num_threads():
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):      # not Linux
        return os.cpu_count() or 1


_num_threads = _default_num_threads()
_pool = None
_pool_size = 0
_pool_lock = threading.Lock()


def _forget_pool_after_fork():
    """A forked child has none of the parent's threads: start a new pool."""
    global _pool, _pool_size, _pool_lock
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def set_num_threads(n):
    """Set the number of threads tinygrad_cnn's batch-parallel loops use (as
    ``torch.set_num_threads``). It changes speed only, never a result.

    >>> import tinygrad_cnn as tg
    >>> tg.set_num_threads(2)
    >>> tg.get_num_threads()
    2
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _num_threads = n


def get_num_threads():
    """The number of threads tinygrad_cnn's batch-parallel loops use (as
    ``torch.get_num_threads``): ``OMP_NUM_THREADS`` if set, else the cores
    available, unless `set_num_threads` changed it.

    >>> import tinygrad_cnn as tg
    >>> tg.get_num_threads() >= 1
    True
    """
    return _num_threads


def _executor(workers):
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            from concurrent.futures import ThreadPoolExecutor    # imported on first use
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers,
                                       thread_name_prefix="tinygrad_cnn")
            _pool_size = workers
        return _pool


#: Chunks per thread: more, smaller chunks than threads, taken from a shared
#: queue, so that a thread the OS runs late (another program on the core)
#: holds up only its last chunk, not a whole share of the batch.
CHUNKS_PER_THREAD = 2


def run_in_batch_chunks(n, work, nbytes):
    """Call ``work(start, stop)`` over ``[0, n)`` cut into contiguous chunks
    that the calling thread and the pool's threads take in turn; ``work``
    must write only the part of its output that belongs to images
    ``start:stop``, so the result does not depend on who ran which chunk.

    ``nbytes`` (the bytes the whole call touches) decides how many threads
    are worth it; small work runs inline as ``work(0, n)``.

    >>> import numpy as np
    >>> out = np.zeros(10)
    >>> def square(start, stop):
    ...     out[start:stop] = np.arange(start, stop) ** 2
    >>> run_in_batch_chunks(10, square, nbytes=80)
    >>> out[:4]
    array([0., 1., 4., 9.])
    """
    threads = min(_num_threads, n, max(1, int(nbytes // MIN_BYTES_PER_THREAD)))
    if threads <= 1 or threading.current_thread().name.startswith("tinygrad_cnn"):
        work(0, n)                         # a pool thread never waits on the pool
        return
    chunks = min(n, threads * CHUNKS_PER_THREAD)
    bounds = [n * i // chunks for i in range(chunks + 1)]
    queue = iter(list(zip(bounds[:-1], bounds[1:])))
    lock = threading.Lock()

    def take_chunks():
        while True:
            with lock:
                chunk = next(queue, None)
            if chunk is None:
                return
            work(*chunk)

    pool = _executor(threads - 1)
    helpers = [pool.submit(take_chunks) for _ in range(threads - 1)]
    try:
        take_chunks()                       # this thread works too
    finally:
        for helper in helpers:
            helper.result()                 # re-raises a chunk's exception
