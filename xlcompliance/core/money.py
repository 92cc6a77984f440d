"""Exact money: amounts read through their decimal text into integer cents.

Never a binary float sum: each amount's text (a float's shortest repr, a Decimal, "1,234.50",
"¥12.30") is split into integer and fraction digits, rounded half-up to 0.01, and held as int64
cents. Totals are integer sums; shown values are ``Decimal`` with two places.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from .parsing import ExcelError, is_excel_error_text

_AMOUNT_RE = r"^(?P<sign>[-+]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?$"
_STRIP_RE = r"(?i)^\s*(?:cny|rmb|usd|us\s*\$|[¥￥$€£])?\s*|\s*(?:cny|rmb|usd|元)?\s*$"


def to_cents(values, field: str = "amount", decimals: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Parse amounts to integer minor units (half-up), with per-row error texts.

    Returns:
        ``(int64 cents, error texts)``; blank amounts give error "amount is blank".
    """
    s = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    n = len(s)
    errors = np.empty(n, dtype=object)
    cents = np.zeros(n, dtype=np.int64)
    if n == 0:
        return cents, errors
    obj = s.astype(object).to_numpy()
    text = pd.Series([_text(v) for v in obj], dtype=object)
    blank = text.isna().to_numpy()
    t = text.fillna("").str.replace(_STRIP_RE, "", regex=True).str.replace(",", "", regex=False)
    neg_paren = t.str.fullmatch(r"\(.*\)").to_numpy(dtype=bool)
    t = t.where(~neg_paren, "-" + t.str.slice(1, -1))
    parts = t.str.extract(_AMOUNT_RE)
    no_digits = (parts["int"].fillna("") == "") & (parts["frac"].fillna("") == "")
    bad = parts["int"].isna().to_numpy() | no_digits.to_numpy()
    bad &= ~blank
    whole = parts["int"].fillna("").replace("", "0")
    frac = parts["frac"].fillna("").str.ljust(decimals + 1, "0")
    ok = ~bad & ~blank
    too_long = ok & (whole.str.len().to_numpy() > 15)
    ok &= ~too_long
    if ok.any():
        w = whole[ok].astype(np.int64).to_numpy()
        f = frac[ok].str.slice(0, decimals).replace("", "0").astype(np.int64).to_numpy()
        round_digit = frac[ok].str.slice(decimals, decimals + 1).astype(np.int64).to_numpy()
        magnitude = w * 10**decimals + f + (round_digit >= 5)
        sign = np.where(parts["sign"][ok].to_numpy() == "-", -1, 1)
        cents[ok] = sign * magnitude
    for i in np.flatnonzero(blank):
        errors[i] = f"{field} is blank"
    for i in np.flatnonzero(bad):
        is_error = is_excel_error_text(obj[i]) or isinstance(obj[i], ExcelError)
        errors[i] = f"{field}: Excel error value {str(obj[i]).strip()}" if is_error else \
            f"{field}: not an amount: {obj[i]!r}"
    for i in np.flatnonzero(too_long):
        errors[i] = f"{field}: amount too large: {obj[i]!r}"
    return cents, errors


def _text(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool):
        return "not-an-amount"
    if isinstance(v, (float, np.floating)):
        if v != v:
            return None
        if not np.isfinite(v):
            return "not-an-amount"
        return np.format_float_positional(float(v), trim="-")  # shortest repr, no exponent
    if isinstance(v, Decimal):
        return format(v, "f") if v.is_finite() else "not-an-amount"
    text = str(v).strip()
    return text or None


def cents_to_decimal(cents: int, decimals: int = 2) -> Decimal:
    """Integer cents to a ``Decimal`` with exactly ``decimals`` places (1230 -> Decimal('12.30'))."""
    return Decimal(int(cents)).scaleb(-decimals)


def decimals_column(cents: np.ndarray, decimals: int = 2) -> pd.Series:
    """A column of Decimals from integer cents."""
    return pd.Series([cents_to_decimal(c, decimals) for c in np.asarray(cents)], dtype=object)
