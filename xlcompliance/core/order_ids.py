"""Repeated order ids: a later row that repeats an id is an error; the first row is assessed.

Ids compare as text without surrounding spaces; blank ids are not compared. Each row's id text is
keyed by Python's string hash (cached on the ``str``), so the usual case, no repeats, costs one
hash pass and one sort of integers. Only rows whose hashes are shared are compared as text, so a
hash collision can never be reported as a repeat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_BLANK_HASH = hash("")


def duplicate_errors(ids: pd.Series) -> np.ndarray:
    """Per-row message for each row whose id repeats an earlier row's (None elsewhere)."""
    n = len(ids)
    errors = np.full(n, None, dtype=object)
    texts = _raw_texts(ids)
    keys = np.fromiter(map(hash, map(str.strip, texts)), dtype=np.int64, count=n)
    maybe_blank = np.flatnonzero(keys == _BLANK_HASH)
    blank = maybe_blank[[not texts[i].strip() for i in maybe_blank]]
    compared = np.ones(n, dtype=bool)
    compared[blank] = False
    shared = _shared_keys(keys[compared])
    if not len(shared):
        return errors
    first_row: dict[str, int] = {}
    for i in np.flatnonzero(compared & np.isin(keys, shared)):
        text = texts[i].strip()
        first = first_row.setdefault(text, int(i))
        if first != i:
            errors[i] = repeat_message(text, first)
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
    """The key values that occur more than once."""
    ordered = np.sort(keys)
    repeats = ordered[1:] == ordered[:-1]
    return np.unique(ordered[1:][repeats]) if repeats.any() else ordered[:0]
