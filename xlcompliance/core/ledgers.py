"""Finance ledgers (penalties deducted, refunds received) parsed into exact, typed columns.

Like orders, ledgers come with English or Chinese headers; each row is parsed at the boundary
and a bad row carries its reason in ``error`` instead of stopping the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .headers import canonical_series, require
from .money import to_cents
from .parsing import excel_error_messages, first_errors, parse_channels, parse_datetimes, parse_months
from .rules import Rules, default_rules
from .text import stripped_texts


def _text_errors(cols: dict, names: tuple[str, ...]) -> list[np.ndarray]:
    """Row messages for the text columns among ``names`` whose cell is an Excel error (#N/A)."""
    return [excel_error_messages(cols[name].reset_index(drop=True), name) for name in names if name in cols]


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
        channel, e_channel = np.empty(n, dtype=object), np.empty(n, dtype=object)
    error = first_errors(*_text_errors(cols, ("shop", "order_id")), e_amount, e_when, e_channel,
                         *_text_errors(cols, ("currency",)))
    month = pd.Series(deducted).dt.to_period("M")
    return pd.DataFrame({
        "shop": stripped_texts(cols.get("shop"), n),
        "order_id": stripped_texts(cols.get("order_id"), n),
        "channel": channel,
        "amount_cents": np.where(pd.isna(error), cents, 0),
        "deducted_at": pd.Series(deducted, dtype="datetime64[us]"),
        "month": month,
        "currency": stripped_texts(cols.get("currency"), n),
        "error": pd.Series(error, dtype="string"),
    })


def normalize_refunds(refunds: pd.DataFrame, rules: Rules | None = None, headers=None) -> pd.DataFrame:
    """Refunds received -> ``shop, month, amount_cents, received_at, currency, error``."""
    rules = rules or default_rules()
    require(refunds, ("month", "amount"), "refunds", headers)
    cols = canonical_series(refunds, "refunds", headers)
    n = len(refunds)
    cents, e_amount = to_cents(cols["amount"], "amount", rules.money_decimals)
    months, e_month = parse_months(cols["month"], "month", rules.timezone)
    if "received_at" in cols:
        received, e_received = parse_datetimes(cols["received_at"], "received_at", rules.timezone)
    else:
        received, e_received = np.full(n, np.datetime64("NaT", "us")), np.empty(n, dtype=object)
    error = first_errors(*_text_errors(cols, ("shop",)), e_amount, e_month, e_received,
                         *_text_errors(cols, ("currency",)))
    return pd.DataFrame({
        "shop": stripped_texts(cols.get("shop"), n),
        "month": months,
        "amount_cents": np.where(pd.isna(error), cents, 0),
        "received_at": pd.Series(received, dtype="datetime64[us]"),
        "currency": stripped_texts(cols.get("currency"), n),
        "error": pd.Series(error, dtype="string"),
    })
