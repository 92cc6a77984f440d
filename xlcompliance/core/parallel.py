"""Independent column work on two threads: numpy's loops and Arrow's kernels run without the GIL,
so parsing one column can overlap parsing another.

The result is the same as calling each function in turn (the same values, the first exception
raised as such); only where it runs differs. Two threads at most, and one (no pool at all) for
small tables, where ``OMP_NUM_THREADS`` asks numeric libraries for one thread (Dask's workers set
it: a worker's thread count is its own business), or where threads cannot be started (Pyodide).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

MIN_ROWS = 50_000  # below this a thread pool costs more than it saves


def threads_allowed() -> int:
    """How many threads column work may use here: 2, or 1 where asked or the machine has one core."""
    limit = os.environ.get("OMP_NUM_THREADS", "").strip()
    cap = int(limit) if limit.isdigit() and int(limit) > 0 else 2
    return max(1, min(2, cap, os.cpu_count() or 1))


def run_all(calls: Sequence[Callable[[], Any]], rows: int) -> list:
    """Each call's result, in order; on two threads when ``rows`` is large enough and allowed."""
    if len(calls) < 2 or rows < MIN_ROWS or threads_allowed() < 2:
        return [call() for call in calls]
    from concurrent.futures import ThreadPoolExecutor

    try:
        pool = ThreadPoolExecutor(2)
        futures = [pool.submit(call) for call in calls]
    except RuntimeError:  # no threads here (Pyodide)
        return [call() for call in calls]
    with pool:
        return [future.result() for future in futures]


def in_background(call: Callable[[], Any], rows: int) -> Callable[[], Any]:
    """``call`` started on another thread where :func:`run_all` would use two, and a function
    that waits for and returns its result; elsewhere that function simply calls it."""
    if rows < MIN_ROWS or threads_allowed() < 2:
        return call
    from concurrent.futures import ThreadPoolExecutor

    try:
        pool = ThreadPoolExecutor(1)
        future = pool.submit(call)
    except RuntimeError:  # no threads here (Pyodide)
        return call

    def result():
        try:
            return future.result()
        finally:
            pool.shutdown(wait=False)

    return result


__all__ = ["MIN_ROWS", "in_background", "run_all", "threads_allowed"]
