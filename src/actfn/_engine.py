"""Blocked, multi-threaded evaluation of NumPy kernels.

The engine knows nothing about activations.  It applies a kernel
``fn(numpy, block, params) -> block`` to an array block by block: each block is
copied (and converted) into a float64 scratch buffer that belongs to the
running thread, the kernel runs on it, and its result is rounded once into the
output.  Temporaries therefore stay in cache, memory beyond the output stays
bounded whatever the input size, and NumPy's ufuncs, which release the GIL,
run on several threads at once.

Kernels may overwrite the block they are given (it is always a private copy)
and may ask for up to :data:`NTEMP` more scratch arrays of the block's shape
with :func:`temp`, so that a kernel written with ``out=`` arguments allocates
nothing: on this machine a fresh 64 KiB NumPy temporary costs more than the
arithmetic on it (the allocator returns freed pages to the system and the next
allocation faults them in again).

A contiguous input is cut into runs of blocks that go to whichever thread asks
next (the caller's among them), so that a thread on a slower or busier core
takes fewer and the threads finish together.  Every element goes through the
same arithmetic on an aligned float64 copy whatever block or thread it falls
in, so results do not depend on the number of threads or on the block size.
Functions along an axis go through :func:`rows`, which hands the kernel whole
rows (the axis moved last), a block of rows at a time.

Two refinements keep the one-rounding accuracy: a kernel that is exact in any
dtype (max, clip, copies) may run ``native`` on the input's own dtype, and a
kernel may ask :func:`narrow` whether its float64 result will be rounded to
float32 or narrower, where a float64 error of a few ULPs cannot show.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as _wait_all
from functools import partial
from typing import Any

import numpy as np

__all__ = [
    "BLOCK",
    "NTEMP",
    "elementwise",
    "get_num_threads",
    "narrow",
    "rows",
    "set_num_threads",
    "temp",
]

#: Elements per block.  16384 float64 elements is 128 KiB per temporary: the
#: block, its :data:`NTEMP` temporaries and the result fit in a 1 MiB L2 cache,
#: while each ufunc call still works on enough elements to hide the ~1 µs
#: Python cost of the call.
BLOCK = 16384
#: Scratch temporaries a kernel may ask for with :func:`temp`.
NTEMP = 6
#: Below this many elements a call runs in the caller's thread: handing blocks
#: to another thread costs tens of microseconds (more on a busy machine), about
#: what 10^5 elements of a cheap kernel take on one thread.
PARALLEL_MIN = 1 << 17
#: A compiled kernel on fewer elements than this times a first chunk on the
#: caller's thread and hands the rest to the threads only if it would take
#: PARALLEL_WORK seconds or more there (measured on 2 cores: the hand-off costs
#: 30 to 60 us, so relu on 2^19 elements took 72 us on 2 threads, 47 on one);
#: above it every kernel is worth the threads.
PROBE_MAX = 1 << 21
PARALLEL_WORK = 150e-6

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_local = threading.local()

Array = np.ndarray[Any, Any]
Kernel = Callable[[Any, Array, dict[str, Any]], Any]
#: A compiled float32 kernel (actfn._native): ck(x, y, start, stop) on 1-D arrays.
CKernel = Callable[[Array, Array, int, int], None]
#: A compiled row kernel: ck(x, y, start_row, stop_row, length, out_length).
CRowKernel = Callable[[Array, Array, int, int, int, int], None]
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
#: The fewest elements per call of a compiled kernel from a worker (larger
#: inputs: calls of up to 2^20 elements, about 1 ms for the slowest kernels,
#: shrinking towards the end: _Chunks); a worker checks for cancellation between
#: calls.
C_CHUNK = 1 << 16
#: The fewest elements per run of blocks that a thread takes at a time in a
#: contiguous NumPy-kernel evaluation (larger inputs: up to 64 blocks, shrinking
#: towards the end).
FLAT_CHUNK = 4 * BLOCK


# --------------------------------------------------------------------------- threads


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
            _pool = ThreadPoolExecutor(
                max_workers=n, thread_name_prefix="actfn", initializer=_mark_worker
            )
            _pool_size = n
            # The old pool is not shut down: another thread may have fetched it and be
            # about to submit to it ("cannot schedule new futures after shutdown").
            # Once the last such caller drops it, the executor is collected and its
            # idle workers exit.
        return _pool


def _mark_worker() -> None:
    _local.worker = True


def _quiet() -> Any:
    """Floating-point warnings off while kernels run.

    Overflow, underflow and invalid operations inside a kernel give the IEEE
    results that are the answers (exp(1000) = inf).  NumPy's error state is per
    thread, so every thread that runs blocks sets it.
    """
    return np.errstate(all="ignore")


def _after_fork() -> None:
    # A forked child has only the forking thread: the pool's workers and any lock
    # held by another thread at the fork are gone, so start afresh.
    global _pool, _pool_size, _lock
    _pool = None
    _pool_size = 0
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _parallel(tasks: list[Callable[[threading.Event], None]]) -> None:
    """Run ``tasks`` (each given a cancel event), the first in the caller's thread.

    If the caller's share raises (KeyboardInterrupt included), the others are
    told to stop at their next block and are waited for before the exception
    propagates, so no worker writes into the output after the call has ended.
    """
    stop = threading.Event()
    pool = _get_pool(len(tasks))
    futures: list[Future[None]] = [pool.submit(t, stop) for t in tasks[1:]]
    try:
        tasks[0](stop)
    except BaseException:
        stop.set()
        for f in futures:
            f.cancel()
        _wait_all(futures)
        raise
    done = False
    try:
        for f in futures:
            f.result()
        done = True
    finally:
        if not done:
            stop.set()
            for f in futures:
                f.cancel()
            _wait_all(futures)


class _Chunks:
    """Ranges [lo, hi) covering [start, n), handed out in order to whichever thread
    asks next: a thread on a slower core (or one that started later) takes fewer.
    Each range is a ``2 parts``-th of what remains, between ``smallest`` and
    ``largest`` elements, in multiples of ``quantum`` (the last one excepted): the
    ranges shrink towards the end, so that the threads finish within a small range
    of each other.  Each ``iter()`` is one thread's view of the shared sequence."""

    __slots__ = ("_div", "_largest", "_lock", "_n", "_next", "_quantum", "_smallest")

    def __init__(
        self, n: int, parts: int, smallest: int, largest: int, quantum: int, start: int = 0
    ) -> None:
        self._n, self._div = n, 2 * parts
        self._smallest, self._largest, self._quantum = smallest, largest, quantum
        self._next = start
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[tuple[int, int]]:
        q = self._quantum
        while True:
            with self._lock:
                lo = self._next
                if lo >= self._n:
                    return
                size = -(-(self._n - lo) // (self._div * q)) * q
                hi = min(self._n, lo + min(self._largest, max(self._smallest, size)))
                self._next = hi
            yield lo, hi


def _serial() -> bool:
    return get_num_threads() == 1 or getattr(_local, "worker", False)


# --------------------------------------------------------------------------- scratch


class _Frame:
    """One thread's scratch for one level of engine calls: the block and temps."""

    __slots__ = ("block", "narrow", "temps")

    def __init__(self, size: int) -> None:
        self.block = np.empty(size, dtype=np.float64)
        self.temps: list[Array | None] = [None] * NTEMP
        self.narrow = False


def _enter(size: int, result: Any = None) -> _Frame:
    """Push a scratch frame of at least ``size`` elements for this thread."""
    stack: list[_Frame] | None = getattr(_local, "stack", None)
    depth: int = getattr(_local, "depth", 0)
    if stack is None:
        stack = _local.stack = []
    if depth == len(stack):
        stack.append(_Frame(max(size, BLOCK)))
    elif stack[depth].block.size < size:
        stack[depth] = _Frame(size)
    _local.depth = depth + 1
    frame = stack[depth]
    frame.narrow = result is not None and result.itemsize < 8
    return frame


def _leave() -> None:
    _local.depth -= 1
    stack: list[_Frame] = _local.stack
    if stack[_local.depth].block.size > BLOCK:
        # An oversized frame (one very long row) is not kept.
        stack[_local.depth] = _Frame(BLOCK)


def narrow() -> bool:
    """Whether the running call rounds its float64 results to a narrower dtype.

    A float64 result with a relative error of a few float64 ULPs rounds to
    within 1 ULP of the true value in float32 (or float16, bfloat16), so a
    kernel may then use a cheaper float64 formula with such an error.  False
    outside the engine and for float64 results.
    """
    depth: int = getattr(_local, "depth", 0)
    if depth == 0:
        return False
    frame: _Frame = _local.stack[depth - 1]
    return frame.narrow


def temp(block: Array, k: int = 0) -> Array:
    """The ``k``-th float64 scratch array shaped like ``block`` (uninitialised).

    Inside the engine it belongs to the running thread and is reused from block
    to block; outside it (a kernel called directly) it is a fresh array.  The
    ``k`` temporaries and the block are distinct memory.
    """
    depth: int = getattr(_local, "depth", 0)
    if depth == 0:
        return np.empty(block.shape, dtype=np.float64)
    frame: _Frame = _local.stack[depth - 1]
    n = block.size
    t = frame.temps[k]
    if t is None or t.size < n:
        t = frame.temps[k] = np.empty(max(n, frame.block.size), dtype=np.float64)
    return t[:n].reshape(block.shape)


# --------------------------------------------------------------------------- elementwise


def _flat_pair(x: Array, out: Array) -> tuple[Array, Array] | None:
    """1-D views of x and out in the same element order, if both exist."""
    if x.flags.c_contiguous and out.flags.c_contiguous:
        return x.reshape(-1), out.reshape(-1)
    if x.flags.f_contiguous and out.flags.f_contiguous:
        return x.reshape(-1, order="F"), out.reshape(-1, order="F")
    return None


def _run_flat(
    fn: Kernel,
    xf: Array,
    of: Array,
    p: dict[str, Any],
    ranges: Iterable[tuple[int, int]],
    cancel: threading.Event | None,
) -> None:
    buf = _enter(BLOCK, of.dtype).block
    try:
        with _quiet():
            for start, stop in ranges:
                for s in range(start, stop, BLOCK):
                    if cancel is not None and cancel.is_set():
                        return
                    e = min(stop, s + BLOCK)
                    b = buf[: e - s]
                    np.copyto(b, xf[s:e], casting="unsafe")
                    np.copyto(of[s:e], fn(np, b, p), casting="unsafe")
    finally:
        _leave()


def _run_native(
    fn: Kernel,
    xf: Array,
    of: Array,
    p: dict[str, Any],
    ranges: Iterable[tuple[int, int]],
    cancel: threading.Event | None,
) -> None:
    same = xf.__array_interface__["data"][0] == of.__array_interface__["data"][0]
    _enter(BLOCK)
    try:
        with _quiet():
            for start, stop in ranges:
                for s in range(start, stop, BLOCK):
                    if cancel is not None and cancel.is_set():
                        return
                    e = min(stop, s + BLOCK)
                    o = of[s:e]
                    if not same:
                        np.copyto(o, xf[s:e])
                    r = fn(np, o, p)
                    if r is not o:
                        np.copyto(o, r, casting="unsafe")
    finally:
        _leave()


def _run_iter(
    fn: Kernel,
    x: Array,
    out: Array,
    p: dict[str, Any],
    start: int,
    stop: int,
    cancel: threading.Event | None,
) -> None:
    # Any layout: NumPy's buffered iterator gathers BLOCK elements at a time (in
    # memory order, so negative strides cost nothing) and scatters the results.
    it = np.nditer(
        [x, out],
        flags=["external_loop", "buffered", "ranged", "zerosize_ok", "delay_bufalloc"],
        op_flags=[["readonly"], ["writeonly"]],
        op_dtypes=[np.float64, np.float64],
        casting="unsafe",
        buffersize=BLOCK,
        order="K",
    )
    # The ranged-iteration recipe of NumPy's documentation: buffers allocated and
    # filled only by reset(), after the range is set.
    it.iterrange = (start, stop)  # type: ignore[misc]  # settable; the stubs say read-only
    it.reset()
    buf = _enter(BLOCK, out.dtype).block
    try:
        with _quiet(), it:
            for xb, ob in it:
                if cancel is not None and cancel.is_set():
                    return
                b = buf[: xb.size]
                np.copyto(b, xb)
                ob[...] = fn(np, b, p)
    finally:
        _leave()


def _run_c(ck: CKernel, xf: Array, of: Array, chunks: _Chunks, cancel: threading.Event) -> None:
    for lo, hi in chunks:
        if cancel.is_set():
            return
        ck(xf, of, lo, hi)


def _run_c_iter(
    ck: CKernel,
    x: Array,
    out: Array,
    start: int,
    stop: int,
    cancel: threading.Event | None,
) -> None:
    # Any layout: NumPy's buffered iterator hands over contiguous float32 blocks.
    it = np.nditer(
        [x, out],
        flags=["external_loop", "buffered", "ranged", "zerosize_ok", "delay_bufalloc"],
        op_flags=[["readonly"], ["writeonly"]],
        buffersize=BLOCK,
        order="K",
    )
    it.iterrange = (start, stop)  # type: ignore[misc]  # settable; the stubs say read-only
    it.reset()
    with it:
        for xb, ob in it:
            if cancel is not None and cancel.is_set():
                return
            if xb.flags.c_contiguous and ob.flags.c_contiguous:
                ck(xb, ob, 0, xb.size)
            else:  # (the iterator gives strided views where it need not buffer)
                r = np.empty(ob.shape, dtype=ob.dtype)
                ck(np.ascontiguousarray(xb), r, 0, xb.size)
                ob[...] = r


def _compiled(ck: CKernel, x: Array, out: Array) -> Array:
    n = x.size
    if n < PARALLEL_MIN and x.flags.c_contiguous and out.flags.c_contiguous:
        ck(x, out, 0, n)  # (any C-contiguous shape is one buffer)
        return out
    flat = _flat_pair(x, out)
    if n < PARALLEL_MIN or _serial():
        if flat is not None:
            ck(flat[0], flat[1], 0, n)
        else:
            _run_c_iter(ck, x, out, 0, n, None)
        return out
    nchunks = -(-n // C_CHUNK)
    parts = min(get_num_threads(), nchunks)
    tasks: list[Callable[[threading.Event], None]] = []
    if flat is not None:
        start = 0
        if n < PROBE_MAX:
            t = time.perf_counter()
            ck(flat[0], flat[1], 0, C_CHUNK)
            if (time.perf_counter() - t) * (n - C_CHUNK) < PARALLEL_WORK * C_CHUNK:
                ck(flat[0], flat[1], C_CHUNK, n)
                return out
            start = C_CHUNK
        # Chunks of C_CHUNK to 2^20 elements (few enough that the Python between
        # calls is not seen), smaller towards the end (the threads finish together),
        # in whole KiB lines of the output (no cache line written by two threads).
        chunks = _Chunks(n, parts, C_CHUNK, 1 << 20, 1024, start)
        tasks = [partial(_run_c, ck, flat[0], flat[1], chunks)] * parts
    else:
        bounds = [min(n, (nchunks * i // parts) * C_CHUNK) for i in range(parts + 1)]
        for i in range(parts):
            tasks.append(partial(_run_c_iter, ck, x, out, bounds[i], bounds[i + 1]))
    _parallel(tasks)
    return out


def elementwise(
    fn: Kernel,
    x: Array,
    p: dict[str, Any],
    result_dtype: Any,
    out: Array | None,
    native: bool = False,
    ck: CKernel | None = None,
) -> Array:
    """Evaluate ``fn`` elementwise over ``x`` into ``out`` (allocated if None).

    ``fn(np, block, p)`` gets a private float64 1-D block it may overwrite and
    returns an array of the block's shape (a temporary from :func:`temp`, the
    block itself, or a new array).  ``out`` may be ``x`` itself.

    ``native=True`` says the kernel's arithmetic is exact in the input's own
    dtype (max, clip, copies): when x and out are contiguous with one dtype, the
    block is then ``out``'s own slice, filled from x without conversion.

    ``ck``, a compiled kernel (:mod:`actfn._native`) for x's dtype, computes the
    same function in one pass, without scratch; it is used when x and out are
    both float32 or both float64.
    """
    if out is None:
        out = np.empty_like(x, dtype=result_dtype)
    n = x.size
    if n == 0:
        return out
    if ck is not None and x.dtype == out.dtype and (x.dtype == _F32 or x.dtype == _F64):
        return _compiled(ck, x, out)
    if x.ndim == 0:
        one = np.array([x], dtype=np.float64)
        _run_flat(fn, one, out.reshape(1), p, [(0, 1)], None)
        return out
    flat = _flat_pair(x, out)
    run_flat = _run_native if native and x.dtype == out.dtype else _run_flat
    if n < PARALLEL_MIN or _serial():
        if flat is not None:
            run_flat(fn, flat[0], flat[1], p, [(0, n)], None)
        else:
            _run_iter(fn, x, out, p, 0, n, None)
        return out
    # Contiguous: runs of whole blocks to whichever thread is free (the caller's
    # thread among them).  Otherwise ranges of whole blocks, one per
    # thread (each thread's iterator over its own range).
    nblocks = -(-n // BLOCK)
    parts = min(get_num_threads(), nblocks)
    tasks: list[Callable[[threading.Event], None]] = []
    if flat is not None:
        # (as _compiled's chunks, in whole blocks: FLAT_CHUNK to 64 blocks)
        smallest = BLOCK * max(1, FLAT_CHUNK // BLOCK)
        chunks = _Chunks(n, parts, smallest, max(smallest, 64 * BLOCK), BLOCK)
        tasks = [partial(run_flat, fn, flat[0], flat[1], p, chunks)] * parts
    else:
        bounds = [min(n, (nblocks * i // parts) * BLOCK) for i in range(parts + 1)]
        for i in range(parts):
            tasks.append(partial(_run_iter, fn, x, out, p, bounds[i], bounds[i + 1]))
    _parallel(tasks)
    return out


# --------------------------------------------------------------------------- rows


def _as_rows(a: Array) -> Array | None:
    """``a`` (axis of interest last) as a 2-D view (rows, length), if one exists."""
    try:
        return np.reshape(a, (-1, a.shape[-1]), copy=False)
    except ValueError:
        return None


def _row_views(xm: Array, om: Array) -> Iterator[tuple[Array, Array]]:
    """Pairs of 2-D row views of xm and om covering every row, without copies."""
    xv, ov = _as_rows(xm), _as_rows(om)
    if xv is not None and ov is not None:
        yield xv, ov
        return
    for i in range(xm.shape[0]):
        yield from _row_views(xm[i], om[i])


def _row_blocks(xm: Array, om: Array, rows_per: int) -> Iterator[tuple[Array, Array]]:
    for xv, ov in _row_views(xm, om):
        for r in range(0, xv.shape[0], rows_per):
            yield xv[r : r + rows_per], ov[r : r + rows_per]


def _take(
    blocks: Iterator[tuple[Array, Array]], lock: threading.Lock | None
) -> tuple[Array, Array] | None:
    """The next block of rows (None when done), under the lock shared by threads."""
    if lock is None:
        return next(blocks, None)
    with lock:
        return next(blocks, None)


def _run_rows(
    fn: Kernel,
    blocks: Iterator[tuple[Array, Array]],
    lock: threading.Lock | None,
    p: dict[str, Any],
    length: int,
    rows_per: int,
    result: Any,
    cancel: threading.Event | None,
) -> None:
    buf = _enter(rows_per * length, result).block
    try:
        with _quiet():
            while True:
                if cancel is not None and cancel.is_set():
                    return
                nxt = _take(blocks, lock)
                if nxt is None:
                    return
                xb, ob = nxt
                b = buf[: xb.size].reshape(xb.shape)
                np.copyto(b, xb, casting="unsafe")
                np.copyto(ob, fn(np, b, p), casting="unsafe")
    finally:
        _leave()


def _run_c_rows(
    ck: CRowKernel,
    same: bool,
    blocks: Iterator[tuple[Array, Array]],
    lock: threading.Lock | None,
    length: int,
    olen: int,
    rows_per: int,
    cancel: threading.Event | None,
) -> None:
    xs: Array | None = None
    os_: Array | None = None
    while True:
        if cancel is not None and cancel.is_set():
            return
        nxt = _take(blocks, lock)
        if nxt is None:
            return
        xb, ob = nxt
        nr = xb.shape[0]
        if not xb.flags.c_contiguous:  # rows gathered into a float32 scratch block
            if xs is None:
                xs = np.empty((rows_per, length), dtype=np.float32)
            np.copyto(xs[:nr], xb)
            xb = xs[:nr]
        if ob.flags.c_contiguous and not same:
            ck(xb, ob, 0, nr, length, olen)
        else:  # (through a scratch block: out is strided, or is x itself)
            if os_ is None:
                os_ = np.empty((rows_per, olen), dtype=np.float32)
            ck(xb, os_[:nr], 0, nr, length, olen)
            np.copyto(ob, os_[:nr])


def _run_c_span(
    ck: CRowKernel,
    xv: Array,
    ov: Array,
    length: int,
    olen: int,
    chunks: _Chunks,
    cancel: threading.Event,
) -> None:
    for lo, hi in chunks:
        if cancel.is_set():
            return
        ck(xv, ov, lo, hi, length, olen)


def _compiled_rows(ck: CRowKernel, xv: Array, ov: Array, length: int, olen: int) -> None:
    """Rows of C-contiguous 2-D float32 views (not overlapping) in few calls: one
    in the caller's thread, or ranges of rows shrinking towards the end, as
    :func:`_compiled` hands out elements."""
    nrows = xv.shape[0]
    if xv.size < PARALLEL_MIN or nrows < 2 or _serial():
        ck(xv, ov, 0, nrows, length, olen)
        return
    smallest = max(1, C_CHUNK // length)
    parts = min(get_num_threads(), -(-nrows // smallest))
    chunks = _Chunks(nrows, parts, smallest, max(1, (1 << 20) // length), 1)
    _parallel([partial(_run_c_span, ck, xv, ov, length, olen, chunks)] * parts)


def rows(
    fn: Kernel,
    x: Array,
    axis: int,
    p: dict[str, Any],
    result_dtype: Any,
    out: Array | None,
    out_length: int | None = None,
    ck: CRowKernel | None = None,
) -> Array:
    """Evaluate a row kernel along ``axis`` of ``x`` into ``out`` (allocated if None).

    ``fn(np, block, p)`` gets a private float64 C-contiguous 2-D block of whole
    rows (``axis`` moved last; it may overwrite it) and returns the rows of the
    result, of length ``out_length`` (default: the length of ``axis``).  Blocks
    hold about :data:`BLOCK` elements, whatever the layout of ``x``; one row
    longer than that is one block.

    ``ck``, a compiled row kernel (:mod:`actfn._native`), is used instead when x
    and out are both float32: it reads float32 rows (gathered into a scratch
    block where they are not contiguous) and writes float32 results.
    """
    length = x.shape[axis]
    olen = length if out_length is None else out_length
    if out is None:
        shape = list(x.shape)
        shape[axis] = olen
        out = np.empty(shape, dtype=result_dtype)
    if out.size == 0 or x.size == 0:
        return out
    last = axis in (-1, x.ndim - 1)
    xm = x if last else np.moveaxis(x, axis, -1)
    om = out if last else np.moveaxis(out, axis, -1)
    if xm.ndim == 1:
        xm, om = xm[None, :], om[None, :]
    compiled = ck is not None and x.dtype == _F32 and out.dtype == _F32
    if compiled and not np.may_share_memory(x, out):
        xv, ov = _as_rows(xm), _as_rows(om)
        if xv is not None and ov is not None and xv.flags.c_contiguous and ov.flags.c_contiguous:
            assert ck is not None
            _compiled_rows(ck, xv, ov, length, olen)
            return out
    # (A compiled kernel needs no scratch: blocks of C_CHUNK elements, fewer calls.)
    rows_per = max(1, (C_CHUNK if compiled else BLOCK) // max(length, 1))
    blocks = _row_blocks(xm, om, rows_per)
    nrows = math.prod(xm.shape[:-1])
    run: Callable[..., None]
    if compiled:
        assert ck is not None
        # out=x: results go through a scratch block (a row kernel reads its whole
        # row before writing, but never writes into its input).
        run = partial(_run_c_rows, ck, bool(np.may_share_memory(x, out)), blocks)
        tail: tuple[Any, ...] = (length, olen, rows_per)
    else:
        run = partial(_run_rows, fn, blocks)
        tail = (p, length, rows_per, out.dtype)
    if x.size < PARALLEL_MIN or nrows < 2 or _serial():
        run(None, *tail, None)
        return out
    parts = min(get_num_threads(), -(-nrows // rows_per))
    lock = threading.Lock()
    task = partial(run, lock, *tail)
    tasks: list[Callable[[threading.Event], None]] = [task] * parts
    _parallel(tasks)
    return out
