"""Text as exports spell it: one fold for header and value aliases, one stripped-text column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_FOLDED_AWAY = re.compile(r"[\s_\-]+")


def fold(text) -> str:
    """Compare-key of a header or choice value: its first line (our workbooks put a translation
    on the next), no spaces, underscores or hyphens, lower case, full-width brackets as ASCII
    (订单号（ID） matches 订单号(ID))."""
    text = str(text).strip().split("\n", 1)[0].replace("（", "(").replace("）", ")")
    return _FOLDED_AWAY.sub("", text).lower()


def stripped_texts(series: pd.Series | None, n: int) -> np.ndarray:
    """Each row's value as stripped text ("" for blanks, or for every row when the column is absent)."""
    if series is None:
        return np.full(n, "", dtype=object)
    values = series.reset_index(drop=True).astype(object)
    return np.array(["" if pd.isna(v) else str(v).strip() for v in values], dtype=object)
