"""Where the work runs: an existing Dask cluster (its scheduler's address) or a local one."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from . import INSTALL_HINT

try:
    from distributed import Client, LocalCluster
except ImportError as exc:  # say how to get it, not just what is missing
    raise ImportError(f"{INSTALL_HINT} ({exc})") from exc


@contextmanager
def connect(address: str | None = None, *, n_workers: int | None = None, memory_limit="auto", quiet: bool = True):
    """A ``distributed.Client`` for the block: connected to ``address`` (``tcp://host:8786``), or
    to a local cluster of worker processes (one single-threaded worker a core) started for it,
    whose log lines are kept off the terminal when ``quiet`` (errors reach the caller anyway)."""
    if address:
        with Client(address) as client:
            yield client
        return
    level = logging.CRITICAL if quiet else logging.WARNING
    with LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
        dashboard_address=":0", silence_logs=level,
    ) as cluster, Client(cluster) as client:
        yield client


__all__ = ["connect"]
