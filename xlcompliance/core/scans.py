"""First carrier scans from logistics records, matched to orders.

A scans table (``order_id`` or ``tracking_no`` 运单号, plus the scan time 上网时间/揽收时间/到仓时间)
gives each order's earliest scan: by its order id, by any of its tracking numbers, whichever is
earlier. Tracking numbers compare without the carrier prefix the classic export puts before
them ("Cainiao:LP001" -> "LP001"), case- and space-insensitively; one cell may hold several.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .headers import InputFileError, canonical_series
from .parsing import excel_error_messages, first_errors, parse_datetimes
from .product_lines import text_keys

NAT = np.datetime64("NaT", "us")


@dataclass(frozen=True)
class Scans:
    """Per order row: the earliest matching scan (NaT if none); plus unreadable scan rows."""

    fulfilled: np.ndarray
    bad_rows: list[str]


def tracking_tokens(values) -> pd.Series:
    """Each cell's tracking numbers, one per exploded row (index = the cell's position)."""
    texts = pd.Series(text_keys(values), dtype=object)
    parts = texts.str.split(r"[\n,;，；|]+", regex=True).explode()
    parts = parts.str.replace(r"^.*[:：]", "", regex=True).str.replace(r"\s+", "", regex=True).str.upper()
    return parts[parts.notna() & parts.ne("")]


def _earliest(keys: pd.Series, moments: np.ndarray) -> pd.Series:
    frame = pd.DataFrame({"key": keys.to_numpy(dtype=object), "at": moments[keys.index.to_numpy()]})
    frame = frame[frame["key"].notna() & ~np.isnat(frame["at"].to_numpy())]
    return frame.groupby("key", sort=False)["at"].min()


def earliest_scans(order_ids, tracking, scans: pd.DataFrame, tz: str, headers: dict | None = None) -> Scans:
    """The earliest scan of every order row (by order id, or tracking number, or both)."""
    cols = canonical_series(scans, "scans", headers)
    if "fulfilled_at" not in cols or not ({"order_id", "tracking_no"} & set(cols)):
        shown = ", ".join(str(c) for c in list(scans.columns)[:20]) or "(none)"
        raise InputFileError(
            "scans: needs an order id or tracking number (运单号) column and a scan time column; "
            f"headers found: {shown}"
        )
    at, errs = parse_datetimes(cols["fulfilled_at"].reset_index(drop=True), "fulfilled_at", tz)
    keys = [name for name in ("order_id", "tracking_no") if name in cols]
    errs = first_errors(*(excel_error_messages(cols[name].reset_index(drop=True), name) for name in keys), errs)
    at[pd.notna(errs)] = NAT  # a row with an Excel error (#N/A for an id) is left out whole
    bad_rows = [f"scans row {i + 1}: {errs[i]}" for i in np.flatnonzero(errs != None)]  # noqa: E711
    order_keys = pd.Series(text_keys(order_ids), dtype=object)
    n = len(order_keys)
    best = np.full(n, NAT)
    if "order_id" in cols:
        by_id = _earliest(pd.Series(text_keys(cols["order_id"]), dtype=object), at)
        index = by_id.index.get_indexer(pd.Index(order_keys, dtype=object))
        hit = index >= 0
        best[hit] = by_id.to_numpy(dtype="datetime64[us]")[index[hit]]
    if "tracking_no" in cols and tracking is not None:
        by_no = _earliest(tracking_tokens(cols["tracking_no"]), at)
        tokens = tracking_tokens(tracking)
        index = by_no.index.get_indexer(pd.Index(tokens.to_numpy(dtype=object)))
        hit = index >= 0
        if hit.any():
            rows = tokens.index.to_numpy()[hit]
            moments = by_no.to_numpy(dtype="datetime64[us]")[index[hit]]
            per_row = pd.Series(moments).groupby(rows).min()
            rows, moments = per_row.index.to_numpy(), per_row.to_numpy(dtype="datetime64[us]")
            current = best[rows]
            best[rows] = np.where(np.isnat(current) | (moments < current), moments, current)
    return Scans(best, bad_rows)


__all__ = ["Scans", "earliest_scans", "tracking_tokens"]
