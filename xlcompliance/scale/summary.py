"""``monthly_summary`` and ``reconcile`` of an assessed Dask DataFrame, as pandas frames.

The orders are never collected: each partition counts its statuses per (shop, month) as exact
integers, the counts are summed by a tree reduction, and the single-machine code turns the total
into the summary. Reconciliation collects only the rows a penalty names, in row order, which
is all its matching reads.
"""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from ..core.assessment import STATUSES, resolve_as_of
from ..core.monthly import COUNT_COLUMNS, add_counts, monthly_counts, summary_from_counts
from ..core.reconciliation import Reconciliation, penalised_rows, penalty_order_ids, reconcile_counts
from ..core.rules import Rules, default_rules

_KEY = ["shop", "month"]
COUNTS_META = pd.DataFrame({
    "shop": pd.Series([], dtype=object),
    "month": pd.Series([], dtype="period[M]"),
    **{name: pd.Series([], dtype=np.int64) for name in COUNT_COLUMNS},
})


def _partition_counts(frame: pd.DataFrame, headers: dict | None) -> pd.DataFrame:
    counts = monthly_counts(frame, headers=headers).reset_index()
    counts["month"] = pd.PeriodIndex(counts["month"], freq="M")
    return counts


def _sum_counts(stacked: pd.DataFrame) -> pd.DataFrame:
    return add_counts(stacked.set_index(_KEY)).reset_index()


def count_months(assessed: dd.DataFrame, headers: dict | None = None, split_every: int | None = None):
    """Lazy total of ``monthly_counts`` over every partition (a tree reduction of exact integers)."""
    return assessed.reduction(
        _partition_counts, aggregate=_sum_counts, combine=_sum_counts, meta=COUNTS_META,
        chunk_kwargs={"headers": headers}, split_every=split_every,
    )


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """The computed reduction in ``monthly_counts``' shape (indexed by shop and month)."""
    table = counts.set_index(_KEY)[list(COUNT_COLUMNS)].astype(np.int64)
    return table.sort_index()


def monthly_summary(
    assessed: dd.DataFrame,
    penalties: pd.DataFrame | None = None,
    *,
    as_of=None,
    rules: Rules | None = None,
    headers: dict | None = None,
    split_every: int | None = None,
) -> pd.DataFrame:
    """:func:`xlcompliance.monthly_summary` of a lazily assessed Dask DataFrame (a pandas frame).

    Computes the assessment (use ``assess(..., explain=False)`` when only counts are wanted).
    """
    rules = rules or default_rules()
    as_of_ts = resolve_as_of(as_of, rules)
    counts = counts_table(count_months(assessed, headers, split_every).compute())
    return summary_from_counts(counts, penalties, as_of=as_of_ts, rules=rules, headers=headers)


def _penalised(frame: pd.DataFrame, order_ids, headers) -> pd.DataFrame:
    return frame[penalised_rows(frame, order_ids, headers)]


def reconcile(
    assessed: dd.DataFrame,
    penalties: pd.DataFrame | None,
    refunds: pd.DataFrame | None = None,
    *,
    as_of=None,
    rules: Rules | None = None,
    headers: dict | None = None,
    split_every: int | None = None,
) -> Reconciliation:
    """:func:`xlcompliance.reconcile` of a lazily assessed Dask DataFrame.

    One pass over the orders gives both the monthly counts and the penalised rows.
    """
    rules = rules or default_rules()
    as_of_ts = resolve_as_of(as_of, rules)
    order_ids = dask.delayed(penalty_order_ids(penalties, rules, headers), traverse=False)
    rows = assessed.map_partitions(_penalised, order_ids, headers, meta=assessed._meta)
    counts, orders = dask.compute(count_months(assessed, headers, split_every), rows)
    return reconcile_counts(
        counts_table(counts), orders, penalties, refunds, as_of=as_of_ts, rules=rules, headers=headers
    )


def _partition_overview(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    codes = pd.Categorical(frame["status"], categories=list(STATUSES)).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(STATUSES))
    bad = np.flatnonzero(pd.notna(frame["error"]).to_numpy())[:limit]
    return pd.DataFrame({
        "rows": [len(frame)],
        **{name: [int(n)] for name, n in zip(STATUSES, counts, strict=True)},
        "errors": [[(int(i), frame["error"].iloc[i]) for i in bad]],
    })


def status_overview(assessed: dd.DataFrame, limit: int = 5) -> tuple[pd.Series, list[tuple[int, str]]]:
    """How many rows have each status, and the first ``limit`` row errors as (0-based global row,
    error text), from one small record per partition."""
    meta = pd.DataFrame({
        "rows": pd.Series([], dtype=np.int64), **{s: pd.Series([], dtype=np.int64) for s in STATUSES},
        "errors": pd.Series([], dtype=object),
    })
    parts = assessed[["status", "error"]].map_partitions(_partition_overview, limit, meta=meta).compute()
    starts = np.concatenate([[0], np.cumsum(parts["rows"].to_numpy())])
    errors = [
        (int(start) + i, text) for start, found in zip(starts[:-1], parts["errors"], strict=True) for i, text in found
    ]
    return parts[list(STATUSES)].sum().astype(np.int64), errors[:limit]


__all__ = ["count_months", "monthly_summary", "reconcile", "status_overview"]
