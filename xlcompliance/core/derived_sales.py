"""Last month's sales, derived from the export itself.

For an order line of product P paid in month M, the count is the number of distinct orders with
a line of P, paid in month M-1 (calendar months, platform time), not cancelled. The count is
*known* only when the export covers the whole of M-1: coverage starts at ``history_from``
(default: the earliest payment in the export) and M-1 is covered when ``history_from`` is at or
before its first instant. Otherwise the count is unknown (NaN). Vectorised: the (product,
month, order) triples are de-duplicated once (hashing integers) and looked up by sorted integer
keys. An export assessed in parts counts in the parts' :class:`SalesHistory` added up instead of
its own lines.
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


@dataclass(frozen=True)
class SalesHistory:
    """What the derivation counts in, when that is more than the lines at hand (an export split
    into parts): the distinct counting orders per (product, month) and the earliest payment.

    ``table`` has columns ``product`` (the lines' product keys), ``month`` (:func:`month_numbers`)
    and ``orders``; ``earliest`` is NaT when no line has a payment time. Tables of parts that
    share no order add up (:func:`add_histories`).
    """

    table: pd.DataFrame
    earliest: np.datetime64


def month_numbers(moments: np.ndarray) -> np.ndarray:
    """Months since 0000-01 of datetime64 values (NaT -> a very negative sentinel)."""
    months = moments.astype("datetime64[M]")
    out = months.astype(np.int64)
    out[np.isnat(months)] = np.iinfo(np.int64).min // 4
    return out


def _earliest(paid: np.ndarray) -> np.datetime64:
    known = paid[~np.isnat(paid)]
    return known.min() if len(known) else np.datetime64("NaT", "us")


def _monthly_orders(codes: np.ndarray, orders, month: np.ndarray, counted: np.ndarray):
    """(product code, month, distinct orders) of the counted lines, one entry per (product, month).

    Hash-based: (product, month) keys and orders are factorized, their pairs de-duplicated as
    integers (both codes are below the number of lines, so the pair fits in 64 bits)."""
    width = np.int64(max(int(codes.max(initial=-1)) + 1, 1))
    key_codes, keys = pd.factorize(month[counted] * width + codes[counted])
    order_codes, order_values = pd.factorize(np.asarray(orders, dtype=np.int64)[counted])
    span = np.int64(max(len(order_values), 1))
    pairs = pd.unique(key_codes.astype(np.int64) * span + order_codes)
    per_key = np.bincount(pairs // span, minlength=len(keys)).astype(np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    return keys % width, keys // width, per_key


def _lines(product_ids, paid, counts):
    paid = np.asarray(paid).astype("datetime64[us]")
    codes, uniques = pd.factorize(pd.Series(product_ids, dtype=object), use_na_sentinel=True)
    have_paid = ~np.isnat(paid)
    month = np.where(have_paid, month_numbers(paid), 0)
    counted = np.asarray(counts, dtype=bool) & have_paid & (codes >= 0)
    return paid, codes.astype(np.int64), uniques, have_paid, month, counted


def sales_history(product_ids: np.ndarray, orders: np.ndarray, paid: np.ndarray, counts: np.ndarray) -> SalesHistory:
    """The :class:`SalesHistory` of these lines alone (arguments as :func:`derive_last_month_sales`)."""
    paid, codes, uniques, _, month, counted = _lines(product_ids, paid, counts)
    code, months, per = _monthly_orders(codes, orders, month, counted)
    table = pd.DataFrame({"product": np.asarray(uniques, dtype=object)[code], "month": months, "orders": per})
    return SalesHistory(table, _earliest(paid))


def add_histories(parts: list[SalesHistory]) -> SalesHistory:
    """The history of parts that share no order: counts added, the earliest payment kept."""
    table = pd.concat([p.table for p in parts], ignore_index=True)
    table = table.groupby(["product", "month"], sort=True, as_index=False)["orders"].sum()
    earliest = [p.earliest for p in parts if not np.isnat(p.earliest)]
    return SalesHistory(table, min(earliest) if earliest else np.datetime64("NaT", "us"))


def derive_last_month_sales(
    product_ids: np.ndarray,
    orders: np.ndarray,
    paid: np.ndarray,
    counts: np.ndarray,
    history_from: np.datetime64 | None = None,
    history: SalesHistory | None = None,
) -> DerivedSales:
    """Derived last month's sales for every line.

    Args:
        product_ids: per line, the product (any hashable; None/NaN = unknown product).
        orders: per line, an integer order key (lines of one order share it).
        paid: per line, datetime64 payment time (NaT = unknown).
        counts: per line, whether the line's order counts as a sale (paid, not cancelled ...).
        history_from: where the export's coverage starts (default: the earliest ``paid``, or
            ``history``'s earliest payment).
        history: count in this instead of the lines themselves (an export assessed in parts).
    """
    paid, codes, uniques, have_paid, month, counted = _lines(product_ids, paid, counts)
    n = len(paid)
    if history is None:
        t_code, t_month, t_orders = _monthly_orders(codes, orders, month, counted)
        earliest = _earliest(paid)
    else:
        t_code = pd.Index(uniques, dtype=object).get_indexer(pd.Index(history.table["product"], dtype=object))
        mine = t_code >= 0
        t_code = t_code[mine].astype(np.int64)
        t_month = history.table["month"].to_numpy(dtype=np.int64)[mine]
        t_orders = history.table["orders"].to_numpy(dtype=np.int64)[mine]
        earliest = history.earliest
    history_from = np.datetime64(earliest if history_from is None else history_from, "us")
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

    # one key per (product, month), looked up in the sorted keys of the counted months
    width = np.int64(max(len(uniques), 1))
    keys = t_month * width + t_code
    order = np.argsort(keys, kind="stable")
    keys, t_orders = keys[order], t_orders[order]
    known = covered & (codes >= 0)
    wanted = np.where(known, previous * width + codes, -1)
    at = np.clip(np.searchsorted(keys, wanted), 0, max(len(keys) - 1, 0))
    found = known & (keys[at] == wanted) if len(keys) else np.zeros(n, bool)
    count = np.where(found, t_orders[at] if len(keys) else 0, 0).astype(float)
    count[~known] = np.nan
    label = np.empty(n, dtype=object)
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


__all__ = [
    "DerivedSales", "SalesHistory", "add_histories", "derive_last_month_sales", "derive_last_month_sales_slow",
    "month_numbers", "sales_history",
]
