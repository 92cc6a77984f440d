"""Repeated order ids: a later row that repeats an id is an error; the first row is assessed.

Ids compare as text without surrounding spaces; blank ids are not compared. Each row's id text is
keyed by Python's string hash (cached on the ``str``), so the usual case, no repeats, costs one
hash pass and one sort of integers. Only rows whose hashes are shared are compared as text, so a
hash collision can never be reported as a repeat. Arrow-backed text of plain digits (what order
ids are in real exports) skips Python strings altogether: ids of one length are keyed exactly by
their digits, read from the bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .arrowtext import arrow_text, digit_keys

_BLANK_HASH = hash("")


def duplicate_errors(ids: pd.Series, first_row: int = 0) -> np.ndarray:
    """Per-row message for each row whose id repeats an earlier row's (None elsewhere). The rows
    cited are numbered from ``first_row`` (a part of a larger export cites its global rows)."""
    n = len(ids)
    errors = np.empty(n, dtype=object)  # all None
    arrow = arrow_text(ids)
    digits = None if arrow is None else digit_keys(arrow)
    if digits is not None:  # exact keys: a shared key is a repeated id
        rows, keys = digits
        shared = _shared_keys(keys)
        if len(shared):
            rows = rows[np.isin(keys, shared)]
            _report_repeats(errors, rows, arrow.take(rows).to_pylist(), first_row)
        return errors
    texts = _raw_texts(ids)
    keys = np.fromiter(map(hash, map(str.strip, texts)), dtype=np.int64, count=n)
    maybe_blank = np.flatnonzero(keys == _BLANK_HASH)
    blank = maybe_blank[[not texts[i].strip() for i in maybe_blank]]
    compared = np.ones(n, dtype=bool)
    compared[blank] = False
    shared = _shared_keys(keys[compared])
    if not len(shared):
        return errors
    rows = np.flatnonzero(compared & np.isin(keys, shared))
    _report_repeats(errors, rows, [texts[i].strip() for i in rows], first_row)
    return errors


def _report_repeats(errors: np.ndarray, rows: np.ndarray, texts: list[str], offset: int) -> None:
    """In place: each of ``rows`` (ascending) whose id text was seen in an earlier one, citing
    the earlier row plus ``offset``."""
    first_row: dict[str, int] = {}
    for i, text in zip(rows.tolist(), texts, strict=True):
        first = first_row.setdefault(text, i)
        if first != i:
            errors[i] = repeat_message(text, first + offset)
    return errors


def repeat_message(order_id: str, first_position: int) -> str:
    """The error of a row whose id repeats the row at 0-based ``first_position`` (shown 1-based)."""
    return f"order_id {order_id} repeats row {first_position + 1}; only the first is assessed"


def id_texts(ids: pd.Series) -> np.ndarray:
    """Each row's id as compared here: text without surrounding spaces ("" where blank)."""
    return np.array([text.strip() for text in _raw_texts(ids)], dtype=object)


def _raw_texts(ids: pd.Series) -> np.ndarray:
    """Each row's id as ``str`` ("" for a missing one), not yet stripped.

    Text columns are taken as they are; any other column is converted once per distinct value.
    """
    if isinstance(ids.dtype, pd.StringDtype):
        return ids.to_numpy(dtype=object, na_value="")
    if ids.dtype == object:
        values = ids.to_numpy(dtype=object, na_value="")
        if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
            return values
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    table = np.array([str(u) for u in uniques] + [""], dtype=object)
    return table[codes]


def _shared_keys(keys: np.ndarray) -> np.ndarray:
    """The key values that occur more than once (none in a strictly rising or falling column,
    which is how exports list orders: checked in one pass instead of a sort)."""
    if (keys[1:] > keys[:-1]).all() or (keys[1:] < keys[:-1]).all():  # not np.diff: it can wrap
        return keys[:0]
    ordered = np.sort(keys)
    repeats = ordered[1:] == ordered[:-1]
    return np.unique(ordered[1:][repeats]) if repeats.any() else ordered[:0]
