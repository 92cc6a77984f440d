"""Finance ledgers (penalties deducted, refunds received) parsed into exact, typed columns.

Like orders, ledgers come with English or Chinese headers; each row is parsed at the boundary
and a bad row carries its reason in ``error`` instead of stopping the others.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .headers import canonical_series, require
from .money import to_cents
from .parsing import first_errors, parse_channels, parse_datetimes
from .rules import Rules, default_rules

PENALTY_COLUMNS = ("shop", "order_id", "channel", "amount", "deducted_at")
REFUND_COLUMNS = ("shop", "month", "amount", "received_at")


def _text(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, "", dtype=object)
    values = series.reset_index(drop=True).astype(object)
    return np.array(["" if pd.isna(v) else str(v).strip() for v in values], dtype=object)


_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def parse_months(values, field: str = "month") -> tuple[pd.PeriodIndex, np.ndarray]:
    """``YYYY-MM`` / ``2024年4月`` text, Periods, or any date the date parser takes -> monthly Periods.

    Anything else (e.g. "April" with no year) is an error, never a guess.
    """
    s = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    obj = s.astype(object).to_numpy()
    out = np.full(len(obj), pd.NaT, dtype=object)
    errors = np.full(len(obj), None, dtype=object)
    rest = []
    for i, v in enumerate(obj):
        if isinstance(v, pd.Period):
            out[i] = v.asfreq("M")
            continue
        match = _MONTH_TEXT.match(v.strip()) if isinstance(v, str) else None
        if match and 1 <= int(match.group(2)) <= 12:
            out[i] = pd.Period(year=int(match.group(1)), month=int(match.group(2)), freq="M")
        else:
            rest.append(i)
    if rest:
        when, errs = parse_datetimes(obj[rest], field)
        for k, i in enumerate(rest):
            if np.isnat(when[k]):
                errors[i] = f"{field}: not a month (YYYY-MM): {obj[i]!r}"
            else:
                out[i] = pd.Period(pd.Timestamp(when[k]), "M")
    return pd.PeriodIndex(list(out), freq="M"), errors


def normalize_penalties(penalties: pd.DataFrame, rules: Rules | None = None, headers=None) -> pd.DataFrame:
    """Penalty statement -> ``shop, order_id, channel, amount_cents, deducted_at, month, currency, error``."""
    rules = rules or default_rules()
    require(penalties, ("amount", "deducted_at"), "penalties", headers)
    cols = canonical_series(penalties, "penalties", headers)
    n = len(penalties)
    cents, e_amount = to_cents(cols["amount"], "amount", rules.money_decimals)
    deducted, e_when = parse_datetimes(cols["deducted_at"], "deducted_at", rules.timezone)
    e_when[np.isnat(deducted) & (e_when == None)] = "deducted_at is blank"  # noqa: E711
    if "channel" in cols:
        channel, e_channel = parse_channels(cols["channel"])
    else:
        channel, e_channel = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    error = first_errors(e_amount, e_when, e_channel)
    month = pd.Series(deducted).dt.to_period("M")
    return pd.DataFrame({
        "shop": _text(cols.get("shop"), n),
        "order_id": _text(cols.get("order_id"), n),
        "channel": channel,
        "amount_cents": np.where(pd.isna(error), cents, 0),
        "deducted_at": pd.Series(deducted, dtype="datetime64[us]"),
        "month": month,
        "currency": _text(cols.get("currency"), n),
        "error": pd.Series(error, dtype="string"),
    })


def normalize_refunds(refunds: pd.DataFrame, rules: Rules | None = None, headers=None) -> pd.DataFrame:
    """Refunds received -> ``shop, month, amount_cents, received_at, currency, error``."""
    rules = rules or default_rules()
    require(refunds, ("month", "amount"), "refunds", headers)
    cols = canonical_series(refunds, "refunds", headers)
    n = len(refunds)
    cents, e_amount = to_cents(cols["amount"], "amount", rules.money_decimals)
    months, e_month = parse_months(cols["month"])
    if "received_at" in cols:
        received, e_received = parse_datetimes(cols["received_at"], "received_at", rules.timezone)
    else:
        received, e_received = np.full(n, np.datetime64("NaT", "us")), np.full(n, None, dtype=object)
    error = first_errors(e_amount, e_month, e_received)
    return pd.DataFrame({
        "shop": _text(cols.get("shop"), n),
        "month": months,
        "amount_cents": np.where(pd.isna(error), cents, 0),
        "received_at": pd.Series(received, dtype="datetime64[us]"),
        "currency": _text(cols.get("currency"), n),
        "error": pd.Series(error, dtype="string"),
    })
