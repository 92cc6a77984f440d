"""Beyond one machine: the same assessment, monthly summary and reconciliation on Dask.

Each function takes a ``dask.dataframe.DataFrame`` (one partition per file or block of an
export) and gives what the single-machine path gives on the same rows as one pandas frame.
The core knows nothing of Dask; this package builds the task graphs around it. Install with
``pip install 'xlcompliance[dask]'``.
"""

from __future__ import annotations

INSTALL_HINT = "the Dask backend needs dask[dataframe] and distributed: pip install 'xlcompliance[dask]'"

try:
    import dask.dataframe  # noqa: F401
except ImportError as exc:  # say how to get it, not just what is missing
    raise ImportError(f"{INSTALL_HINT} ({exc})") from exc
