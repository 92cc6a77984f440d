"""Product lines: rows (or products of one cell) that belong to one order.

Rows sharing an ``order_id`` but differing in ``product_id`` are lines of one order: one
deadline, one status, counted once in every rate. Rows repeating both the order id and the
product id are duplicates. Lines of one order must agree on what makes the order (payment time,
shop, channel); where they do not, those rows are errors naming the disagreement. All of it on
whole columns: a factorize and a few sorts, no loop over orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .parsing import EXCEL_ERROR_TEXTS


def text_keys(values) -> np.ndarray:
    """Each value as stripped text (None for blank, and for an Excel error such as #N/A: a failed
    lookup's result is no id, and two of them must not match); whole-number floats lose their ``.0``.

    Converted once per distinct value, with vectorised string operations."""
    series = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    raw = np.asarray(uniques, dtype=object)
    if pd.api.types.is_string_dtype(series.dtype) and pd.api.types.infer_dtype(raw, skipna=True) in (
            "string", "empty"):
        is_float = np.zeros(len(raw), dtype=bool)  # text already: no number to reformat
    else:
        is_float = np.fromiter((type(v) is float or isinstance(v, np.floating) for v in raw), bool, len(raw))
    if is_float.any():
        floats = raw[is_float].astype(float)
        whole = np.isfinite(floats) & (floats == np.round(floats)) & (np.abs(floats) < 2**63)
        converted = floats.astype(object)
        converted[whole] = floats[whole].astype(np.int64).astype(object)
        raw = raw.copy()
        raw[is_float] = converted
    texts = pd.Series(raw, dtype=object).astype(str).str.strip().to_numpy(dtype=object)
    texts[texts == ""] = None
    texts[pd.Series(texts, dtype=object).isin(EXCEL_ERROR_TEXTS).to_numpy()] = None  # str: ExcelError too
    table = np.append(texts, None).astype(object)
    return table[codes]


def order_groups(order_ids, *, keys: np.ndarray | None = None) -> np.ndarray:
    """A group number per row: rows with the same order id share it; a blank id is its own order.
    ``keys``: the ids' :func:`text_keys`, when the caller has them already."""
    keys = text_keys(order_ids) if keys is None else keys
    n = len(keys)
    codes, _ = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=True)
    codes = codes.astype(np.int64)
    blank = codes < 0
    codes[blank] = codes.max(initial=-1) + 1 + np.arange(int(blank.sum()))
    return codes if n else np.empty(0, dtype=np.int64)


def line_numbers(groups: np.ndarray) -> np.ndarray:
    """1-based line number of each row within its order, in row order."""
    n = len(groups)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]] if n else np.empty(0, bool)
    start_pos = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else np.empty(0, np.int64)
    numbers = np.empty(n, dtype=np.int64)
    numbers[order] = np.arange(n) - start_pos + 1
    return numbers


def repeated_line_errors(groups: np.ndarray, order_ids, product_ids, *, keys: np.ndarray | None = None,
                         rows: np.ndarray | None = None) -> np.ndarray:
    """A message for each row repeating an earlier row's order id AND product id (the
    duplicate rule, applied to lines); rows without an order id are never compared. ``rows``:
    the 0-based row number cited for each row (default: its position)."""
    n = len(groups)
    errors = np.empty(n, dtype=object)
    ids = text_keys(order_ids) if keys is None else keys
    products = text_keys(product_ids)
    has_id = pd.notna(ids)
    product_codes, _ = pd.factorize(pd.Series(products, dtype=object), use_na_sentinel=False)
    pair_keys = groups.astype(np.int64) * (int(product_codes.max(initial=0)) + 1) + product_codes
    repeated = pd.Series(pair_keys).duplicated(keep="first").to_numpy() & has_id
    if not repeated.any():
        return errors
    first_row: dict[int, int] = {}
    for i in np.flatnonzero(np.isin(pair_keys, pair_keys[repeated]) & has_id):
        first_row.setdefault(int(pair_keys[i]), int(i))
    for i in np.flatnonzero(repeated):
        key = int(pair_keys[i])
        product = "" if products[i] is None else f" product_id {products[i]}"
        first = first_row[key] if rows is None else int(rows[first_row[key]])
        errors[i] = f"order_id {ids[i]}{product} repeats row {first + 1}; only the first is assessed"
    return errors


def conflict_errors(groups: np.ndarray, order_ids, fields: dict[str, np.ndarray], *,
                    keys: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """A message on every row of an order whose lines disagree on one of ``fields`` (name ->
    per-row values; blanks count as values: a line without a payment time disagrees too).
    ``rows``: the 0-based row number cited for each row (default: its position)."""
    n = len(groups)
    errors = np.empty(n, dtype=object)
    multi = np.bincount(groups, minlength=groups.max(initial=-1) + 1)[groups] > 1 if n else np.zeros(0, bool)
    if not multi.any():
        return errors
    ids = text_keys(order_ids) if keys is None else keys
    cited = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    lined = np.flatnonzero(multi)
    for name, values in fields.items():
        values = np.asarray(values)
        codes, _ = pd.factorize(pd.Series(values[lined]), use_na_sentinel=False)
        frame = pd.DataFrame({"g": groups[lined], "c": codes})
        distinct = frame.groupby("g")["c"].nunique()
        bad_groups = distinct.index[distinct.to_numpy() > 1]
        if not len(bad_groups):
            continue
        bad = lined[np.isin(groups[lined], bad_groups.to_numpy())]
        for g in np.unique(groups[bad]):
            members = bad[groups[bad] == g]
            shown = "; ".join(f"row {cited[i] + 1}: {_show(values[i])}" for i in members[:4])
            msg = f"lines of order {ids[members[0]]} disagree on {name} ({shown})"
            for i in members:
                errors[i] = msg if errors[i] is None else f"{errors[i]}; {msg}"
    return errors


def _show(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "blank"
    if isinstance(value, np.datetime64):
        return str(pd.Timestamp(value))
    return str(value)


def representatives(groups: np.ndarray, qualifies: np.ndarray, valid: np.ndarray, every_line: bool) -> np.ndarray:
    """Per row, the row whose eligibility stands for its whole order.

    ``every_line`` (the rules' assumption): the first line that does NOT qualify if any, else
    the first line, so the order is relaxed only when every line qualifies. Otherwise the first
    line that qualifies. Rows that are errors do not stand for anyone (their order's other lines
    still decide); an order with only error rows points at its first row.
    """
    n = len(groups)
    if not n:
        return np.empty(0, dtype=np.int64)
    decisive = (~qualifies if every_line else qualifies) & valid
    # rank: decisive valid lines first, then other valid lines, then error rows; ties by row
    rank = np.where(decisive, 0, np.where(valid, 1, 2))
    order = np.lexsort((np.arange(n), rank, groups))
    first_of_group = np.r_[True, groups[order][1:] != groups[order][:-1]]
    chosen = np.empty(groups.max() + 1, dtype=np.int64)
    chosen[groups[order][first_of_group]] = order[first_of_group]
    return chosen[groups]


__all__ = ["order_groups", "line_numbers", "repeated_line_errors", "conflict_errors", "representatives", "text_keys"]
