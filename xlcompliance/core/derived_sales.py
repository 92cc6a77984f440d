"""Last month's sales, derived from the export itself.

For an order line of product P paid in month M, the count is the number of distinct orders with
a line of P, paid in month M-1 (calendar months, platform time), not cancelled. The count is
*known* only when the export covers the whole of M-1: coverage starts at ``history_from``
(default: the earliest payment in the export) and M-1 is covered when ``history_from`` is at or
before its first instant. Otherwise the count is unknown (NaN). Vectorised: the (product,
month, order) triples are de-duplicated once and looked up by sorted integer keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class DerivedSales:
    """Per line: the count (NaN when unknown), the month counted (``YYYY-MM``; None without a
    payment time) and whether that month is covered by the export."""

    count: np.ndarray
    month: np.ndarray
    covered: np.ndarray


def month_numbers(moments: np.ndarray) -> np.ndarray:
    """Months since 0000-01 of datetime64 values (NaT -> a very negative sentinel)."""
    months = moments.astype("datetime64[M]")
    out = months.astype(np.int64)
    out[np.isnat(months)] = np.iinfo(np.int64).min // 4
    return out


def derive_last_month_sales(
    product_ids: np.ndarray,
    orders: np.ndarray,
    paid: np.ndarray,
    counts: np.ndarray,
    history_from: np.datetime64 | None = None,
) -> DerivedSales:
    """Derived last month's sales for every line.

    Args:
        product_ids: per line, the product (any hashable; None/NaN = unknown product).
        orders: per line, an integer order key (lines of one order share it).
        paid: per line, datetime64 payment time (NaT = unknown).
        counts: per line, whether the line's order counts as a sale (paid, not cancelled ...).
        history_from: where the export's coverage starts (default: the earliest ``paid``).
    """
    paid = np.asarray(paid).astype("datetime64[us]")
    n = len(paid)
    product_codes, _ = pd.factorize(pd.Series(product_ids, dtype=object), use_na_sentinel=True)
    month = month_numbers(paid)
    have_paid = ~np.isnat(paid)
    if history_from is None:
        history_from = paid[have_paid].min() if have_paid.any() else np.datetime64("NaT", "us")
    history_from = np.datetime64(history_from, "us")
    # month m is covered iff history_from <= its first instant: m >= the month after
    # history_from, or m == history_from's month when history_from is that month's first instant
    if np.isnat(history_from):
        first_covered = np.iinfo(np.int64).max // 4
    else:
        h_month = history_from.astype("datetime64[M]")
        starts_month = h_month.astype("datetime64[us]") == history_from
        first_covered = int(h_month.astype(np.int64)) + (0 if starts_month else 1)
    previous = month - 1
    covered = have_paid & (previous >= first_covered)

    width = np.int64(max(int(product_codes.max(initial=-1)) + 2, 1))
    base = month.min(initial=0) - 1 if n else 0
    counted = counts & have_paid & (product_codes >= 0)
    # one key per (product, month); distinct (key, order) pairs are the sales
    key = (month - base).astype(np.int64) * width + product_codes
    pairs = np.unique(np.stack([key[counted], np.asarray(orders, dtype=np.int64)[counted]]), axis=1)
    keys, per_key = np.unique(pairs[0], return_counts=True) if pairs.size else (np.empty(0, np.int64),) * 2
    wanted = (previous - base).astype(np.int64) * width + product_codes
    at = np.clip(np.searchsorted(keys, wanted), 0, max(len(keys) - 1, 0))
    found = (len(keys) > 0) & (keys[at] == wanted) if len(keys) else np.zeros(n, bool)
    count = np.where(found, per_key[at] if len(keys) else 0, 0).astype(float)
    known = covered & (product_codes >= 0)
    count[~known] = np.nan
    label = np.full(n, None, dtype=object)
    if have_paid.any():
        prev_months = (paid[have_paid].astype("datetime64[M]") - np.timedelta64(1, "M")).astype(str)
        label[have_paid] = prev_months
    return DerivedSales(count, label, covered)


def derive_last_month_sales_slow(product_ids, orders, paid, counts, history_from=None) -> np.ndarray:
    """The rule read literally, one line at a time (the reference for the property test)."""
    paid = [None if pd.isna(p) else pd.Timestamp(p) for p in paid]
    known_paid = [p for p in paid if p is not None]
    start = pd.Timestamp(history_from) if history_from is not None else (min(known_paid) if known_paid else None)
    out = []
    for i, p in enumerate(paid):
        product = product_ids[i]
        if p is None or product is None or (isinstance(product, float) and np.isnan(product)) or start is None:
            out.append(np.nan)
            continue
        first = pd.Timestamp(p.year, p.month, 1) - pd.DateOffset(months=1)
        if start > first:
            out.append(np.nan)
            continue
        sold = {
            orders[j] for j, q in enumerate(paid)
            if q is not None and counts[j] and product_ids[j] == product
            and (q.year, q.month) == (first.year, first.month)
        }
        out.append(float(len(sold)))
    return np.array(out, dtype=float)


__all__ = ["DerivedSales", "derive_last_month_sales", "derive_last_month_sales_slow", "month_numbers"]
