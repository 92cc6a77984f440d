"""Plain-words explanations of each deadline, built from a few templates.

A row's explanation is fully determined by a handful of small integers (rule set, reason,
listing age, sales, kind of rule, T, excluded-day span). Rows are grouped by those keys, each
distinct combination is formatted once, and the column is a Categorical — so a million rows cost
a group-by, not a million f-strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import clock
from .deadlines import (
    BEFORE_WINDOW,
    BY_LISTING,
    BY_SALES,
    PICKUP_DAYS,
    POP_HOURS,
    SELF_HOURS,
    UNKNOWN_INPUTS,
    Deadlines,
    _weekmask_text,
    time_us,
)
from .parsing import US_PER_DAY
from .rules import Rules

_NAT_D = np.datetime64("NaT", "D")


def _day(d: np.datetime64) -> str:
    ts = pd.Timestamp(d)
    return f"{ts:%a} {ts:%Y-%m-%d}"


def _hours(h: float) -> str:
    return f"{h:g} h"


def _rule_text(rules: Rules, index: int, reason: int, days: float, sales: float) -> str:
    name = rules.rule_sets[index].name
    if reason == BY_LISTING:
        return f"{name} (listed {days:.0f} days before payment)"
    if reason == BY_SALES:
        return f"{name} ({sales:.0f} orders last month)"
    if reason == BEFORE_WINDOW:
        starts = [rs.valid_from for rs in rules.rule_sets if rs.conditional and rs.valid_from]
        when = f" of {min(starts):%Y-%m-%d}" if starts else ""
        return f"{name} (paid before the relaxation{when})"
    if reason == UNKNOWN_INPUTS:
        return f"{name} (listing date and last-month sales unknown)"
    listing = "listing date unknown" if np.isnan(days) else f"listed {days:.0f} days before payment"
    sold = "sales unknown" if np.isnan(sales) else f"{sales:.0f} orders last month"
    return f"{name} ({listing}, {sold})"


def _excluded_text(n: int, first, last) -> str:
    if n <= 0:
        return ""
    if n == 1:
        return f", {_day(first)} not counted"
    return f", {n} days not counted ({_day(first)} … {_day(last)})"


def explanations(result: Deadlines, paid: np.ndarray, sales: np.ndarray, calendar, rules: Rules) -> pd.Categorical:
    """One explanation per computed row (others NaN), as a Categorical."""
    n = len(paid)
    ok = result.kind >= 0
    paid_us = paid.astype("datetime64[us]").astype(np.int64)
    deadline_us = result.deadline.astype(np.int64)
    count = np.zeros(n, dtype=np.int64)
    first = np.full(n, _NAT_D)
    last = np.full(n, _NAT_D)
    for ch in ("POP", "JIT"):
        for bits in np.unique(result.weekmask[ok]):
            rows = np.flatnonzero(ok & (result.weekmask == bits) & _channel_rows(result, ch))
            if not len(rows):
                continue
            cal = calendar.busdaycal(ch, _weekmask_text(int(bits)))
            count[rows] = clock.excluded_days_between(paid_us[rows], deadline_us[rows], cal)
            f, la = clock.excluded_span(paid_us[rows], deadline_us[rows], cal)
            first[rows], last[rows] = f, la

    cutoff = time_us(rules.cutoff)
    paid_day = np.floor_divide(paid_us, US_PER_DAY)
    tod = paid_us - paid_day * US_PER_DAY
    t_int = result.t_day.astype(np.int64)
    why = np.where(t_int == paid_day, 0, np.where(tod >= cutoff, 1, 2))  # pickup: why T is T
    relevant_days = np.where(np.isin(result.reason, (BY_SALES, BEFORE_WINDOW, UNKNOWN_INPUTS)), -1, result.listed_days)
    relevant_sales = np.where(np.isin(result.reason, (BY_LISTING, BEFORE_WINDOW, UNKNOWN_INPUTS)), -1, sales)
    keys = pd.DataFrame({
        "rule": result.rule_index,
        "reason": result.reason,
        "days": np.nan_to_num(relevant_days, nan=-2),
        "sales": np.nan_to_num(relevant_sales, nan=-2),
        "kind": result.kind,
        "t": np.where(result.kind == PICKUP_DAYS, t_int, 0),
        "why": np.where(result.kind == PICKUP_DAYS, why, 0),
        "n": count,
        "first": first.astype(np.int64),
        "last": last.astype(np.int64),
    })[ok]
    codes, uniques = _factorize_rows(keys)
    texts = [_format(rules, row) for row in uniques.itertuples(index=False)]
    categories, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
    all_codes = np.full(n, -1, dtype=np.int64)
    all_codes[ok] = inverse[codes] if len(codes) else codes
    return pd.Categorical.from_codes(all_codes, categories=pd.Index(categories, dtype=object))


def _channel_rows(result: Deadlines, channel: str) -> np.ndarray:
    return (result.kind == POP_HOURS) if channel == "POP" else np.isin(result.kind, (SELF_HOURS, PICKUP_DAYS))


def _factorize_rows(keys: pd.DataFrame):
    if keys.empty:
        return np.zeros(0, dtype=np.int64), keys
    grouped = keys.groupby(list(keys.columns), sort=False)
    codes = grouped.ngroup().to_numpy()
    uniques = keys.drop_duplicates()
    # drop_duplicates keeps first occurrences in order, matching ngroup(sort=False) numbering
    return codes, uniques


def _format(rules: Rules, row) -> str:
    rs = rules.rule_sets[row.rule]
    days = np.nan if row.days == -2 else float(row.days)
    sales = np.nan if row.sales == -2 else float(row.sales)
    head = _rule_text(rules, row.rule, row.reason, days, sales)
    first = np.datetime64(int(row.first), "D") if row.n else None
    last = np.datetime64(int(row.last), "D") if row.n else None
    excluded = _excluded_text(int(row.n), first, last)
    if row.kind == POP_HOURS:
        return f"{head}: {_hours(rs.pop_hours)} to first carrier scan{excluded}"
    if row.kind == SELF_HOURS:
        return f"{head}: {_hours(rs.self_send_hours)} to warehouse arrival{excluded}"
    t = _day(np.datetime64(int(row.t), "D"))
    cutoff = f"{rules.cutoff:%H:%M}"
    why = ("paid before " + cutoff, f"paid at/after {cutoff}: next working day",
           "paid on a non-working day: next working day")[row.why]
    at = f"{rules.pickup_deadline_time:%H:%M}"
    return f"{head}: pickup scan by T+{rs.pickup_days} {at}, T = {t} ({why}){excluded}"
