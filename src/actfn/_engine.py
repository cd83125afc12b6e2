"""Blocked, multi-threaded evaluation of elementwise NumPy kernels.

The engine knows nothing about activations: it applies a kernel
``fn(numpy, block, params) -> block`` to an array block by block, each block
converted to float64 on the way in and rounded once to the result dtype on the
way out, so that temporaries stay in cache and memory beyond the output stays
bounded whatever the input size.  NumPy's ufuncs release the GIL, so blocks run
on several threads at once.

Blocks are independent and every element goes through the same arithmetic, so
the result does not depend on the number of threads or on the block size.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["elementwise", "get_num_threads", "set_num_threads"]

#: Elements per block: 8192 float64 elements is 64 KiB per temporary, so a
#: kernel's few temporaries stay in L2.
BLOCK = 8192
#: Below this many elements a call runs in the caller's thread.
PARALLEL_MIN = 1 << 16

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_local = threading.local()


def _default_threads() -> int:
    env = os.environ.get("ACTFN_NUM_THREADS")
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"ACTFN_NUM_THREADS must be a positive integer; got {env!r}") from None
        if n < 1:
            raise ValueError(f"ACTFN_NUM_THREADS must be a positive integer; got {env!r}")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


_num_threads: int | None = None


def get_num_threads() -> int:
    """The number of threads the engine uses for large NumPy inputs."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n: int) -> None:
    """Set the number of threads for large NumPy inputs (default: the CPUs available,
    or the ``ACTFN_NUM_THREADS`` environment variable)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive integer; got {n!r}")
    _num_threads = int(n)


def _get_pool(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < n:
            # The old pool is not shut down: another thread may be about to submit
            # to it ("cannot schedule new futures after shutdown").  Once the last
            # caller drops it, the executor is collected and its idle workers exit.
            _pool = ThreadPoolExecutor(
                max_workers=n, thread_name_prefix="actfn", initializer=_mark_worker
            )
            _pool_size = n
        return _pool


def _mark_worker() -> None:
    _local.worker = True


def _after_fork() -> None:
    # A forked child has no worker threads: start afresh.
    global _pool, _pool_size, _lock
    _pool = None
    _pool_size = 0
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


Kernel = Callable[[Any, np.ndarray[Any, Any], dict[str, Any]], Any]


# "contig": every block the kernel sees is contiguous (copied through the buffer
# when x or out is strided), so NumPy takes the same (SIMD or scalar) loop for
# every layout and the result does not depend on strides.  Typed Any: NumPy's
# stubs misspell this flag.
_OP_FLAGS: Any = [["readonly", "contig"], ["writeonly", "contig"]]


def _run_range(
    fn: Kernel,
    x: np.ndarray[Any, Any],
    out: np.ndarray[Any, Any],
    p: dict[str, Any],
    start: int,
    stop: int,
) -> None:
    it = np.nditer(
        [x, out],
        # "delay_bufalloc": without it the iterator fills its buffers for the
        # first block at construction, and moving it to its range afterwards
        # writes that (uninitialized) output buffer over out's first block,
        # while another thread may already have computed it.
        flags=["external_loop", "buffered", "ranged", "zerosize_ok", "delay_bufalloc"],
        op_flags=_OP_FLAGS,
        op_dtypes=[np.float64, np.float64],
        casting="unsafe",
        buffersize=BLOCK,
        order="K",
    )
    it.iterrange = (start, stop)  # type: ignore[misc]  # settable with the 'ranged' flag
    it.reset()  # allocates the buffers, at the start of the range
    # Intermediate overflow (exp(800) = inf on the way to a correct limit) is
    # expected inside kernels: no warnings from here.
    with it, np.errstate(all="ignore"):
        for xb, ob in it:
            ob[...] = fn(np, xb, p)


def elementwise(
    fn: Kernel,
    x: np.ndarray[Any, Any],
    p: dict[str, Any],
    result_dtype: Any,
    out: np.ndarray[Any, Any] | None,
) -> np.ndarray[Any, Any]:
    """Evaluate ``fn`` elementwise over ``x`` into ``out`` (allocated if None)."""
    if out is None:
        out = np.empty_like(x, dtype=result_dtype)
    n = x.size
    if n == 0:
        return out
    if x.ndim == 0:
        with np.errstate(all="ignore"):
            out[...] = fn(np, np.asarray(x, dtype=np.float64), p)
        return out
    threads = get_num_threads()
    if threads == 1 or n < PARALLEL_MIN or getattr(_local, "worker", False):
        _run_range(fn, x, out, p, 0, n)
        return out
    # Split into ranges of whole blocks; the caller's thread takes the first.
    nblocks = -(-n // BLOCK)
    parts = min(threads, nblocks)
    bounds = [min(n, (nblocks * i // parts) * BLOCK) for i in range(parts + 1)]
    pool = _get_pool(threads)
    futures: list[Future[None]] = [
        pool.submit(_run_range, fn, x, out, p, bounds[i], bounds[i + 1]) for i in range(1, parts)
    ]
    try:
        _run_range(fn, x, out, p, bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()
    return out
