"""Plain-words explanations of each deadline, built from a few templates.

A row's explanation is fully determined by a handful of small integers (rule set, reason,
listing age, sales, kind of rule, T, excluded-day span). It is built from four parts, each
formatted once per distinct key; parts are joined once per distinct combination of integer codes,
and the column is a Categorical — so a million rows cost a few hash passes, not a million
f-strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import clock
from .deadlines import (
    BEFORE_WINDOW,
    BY_LISTING,
    BY_SALES,
    NOT_ELIGIBLE,
    PICKUP_DAYS,
    POP_HOURS,
    SELF_HOURS,
    UNKNOWN_INPUTS,
    Deadlines,
    time_us,
    weekmask_text,
)
from .parsing import US_PER_DAY
from .rules import Rules

_NAT_D = np.datetime64("NaT", "D")


def _day(d: np.datetime64) -> str:
    ts = pd.Timestamp(d)
    return f"{ts:%a} {ts:%Y-%m-%d}"


def _hours(h: float) -> str:
    return f"{h:g} h"


def _rule_parts(rules: Rules, index: int, reason: int, days: float, sales: float) -> tuple[str, str]:
    """The rule-set phrase split in two: a part that does not depend on ``sales`` and one that
    depends only on ``reason`` and ``sales`` (so each part has few distinct values)."""
    name = rules.rule_sets[index].name
    if reason == BY_LISTING:
        return f"{name} (listed {days:.0f} days before payment)", ""
    if reason == BY_SALES:
        return f"{name} (", f"{sales:.0f} orders last month)"
    if reason == BEFORE_WINDOW:
        starts = [rs.valid_from for rs in rules.rule_sets if rs.conditional and rs.valid_from]
        when = f" of {min(starts):%Y-%m-%d}" if starts else ""
        return f"{name} (paid before the relaxation{when})", ""
    if reason == UNKNOWN_INPUTS:
        return f"{name} (listing date and last-month sales unknown)", ""
    # Not eligible: say which side of each limit the order is on (few distinct texts), not the
    # exact age and count, which are in the order's own columns.
    limits = next((rs for rs in rules.rule_sets if rs.conditional), None)
    listing = "listing date unknown" if np.isnan(days) else _beyond(
        "listed over {} days before payment", getattr(limits, "listed_within_days", None), days)
    sold = "sales unknown" if np.isnan(sales) else _beyond(
        "over {} orders last month", getattr(limits, "max_last_month_sales", None), sales)
    return f"{name} ({listing}, ", f"{sold})"


def _beyond(template: str, limit, value: float) -> str:
    if limit is None:
        return template.replace("over {} ", "").replace("{}", f"{value:.0f}")
    return template.format(f"{limit:g}")


def _rule_text(rules: Rules, index: int, reason: int, days: float, sales: float) -> str:
    return "".join(_rule_parts(rules, index, reason, days, sales))


def _excluded_text(n: int, first, last) -> str:
    if n <= 0:
        return ""
    if n == 1:
        return f", {_day(first)} not counted"
    return f", {n} days not counted ({_day(first)} … {_day(last)})"


def explanations(result: Deadlines, paid: np.ndarray, sales: np.ndarray, calendar, rules: Rules) -> pd.Categorical:
    """One explanation per computed row (others NaN), as a Categorical.

    The text is the concatenation of four parts (rule-set phrase, its sales half, the rule, the
    days not counted), each keyed by a few small integers. Each part is formatted once per
    distinct key; the parts are concatenated once per distinct combination of part codes; the
    days not counted are computed once per distinct (clock, payment day, deadline day).
    """
    n = len(paid)
    ok = np.flatnonzero(result.kind >= 0)
    if not len(ok):
        return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int64), categories=pd.Index([], dtype=object))
    kind = result.kind[ok].astype(np.int64)
    rule = result.rule_index[ok].astype(np.int64)
    reason = result.reason[ok].astype(np.int64)
    paid_us = paid[ok].astype("datetime64[us]").astype(np.int64)
    paid_day = np.floor_divide(paid_us, US_PER_DAY)
    deadline_day = np.floor_divide(result.deadline[ok].astype("datetime64[us]").astype(np.int64), US_PER_DAY)

    # Only the exact listing age (eligible by listing) and sales (eligible by sales) are spelled
    # out; otherwise a value is -2 (unknown) or -1 (known, beyond the limit, or not shown).
    days = np.where(reason == BY_LISTING, result.listed_days[ok], -1)
    days = np.where((reason == NOT_ELIGIBLE) & np.isnan(result.listed_days[ok]), -2, days)
    sold = np.where(reason == BY_SALES, sales[ok], -1)
    sold = np.where((reason == NOT_ELIGIBLE) & np.isnan(sales[ok]), -2, sold)

    def unknown(v):
        return np.nan if v == -2 else float(v)

    left = _part((rule, reason, days), lambda r, why, d: _rule_parts(rules, r, why, unknown(d), np.nan)[0])
    right = _part((reason, sold), lambda why, s: _rule_parts(rules, 0, why, np.nan, unknown(s))[1])

    pickup = kind == PICKUP_DAYS
    cutoff = time_us(rules.cutoff)
    t_int = result.t_day[ok].astype(np.int64)
    tod = paid_us - paid_day * US_PER_DAY
    why = np.where(t_int == paid_day, 0, np.where(tod >= cutoff, 1, 2))  # pickup: why T is T
    body = _part(
        (kind, rule, np.where(pickup, t_int, 0), np.where(pickup, why, 0)),
        lambda k, r, t, w: _body_text(rules, k, r, t, w),
    )
    excluded = _excluded_part(result, ok, kind, paid_day, deadline_day, calendar)

    parts = (left, right, body, excluded)
    codes, reps = _factorize([p[0] for p in parts])
    texts = parts[0][1][parts[0][0][reps]]
    for part_codes, part_texts in parts[1:]:
        texts = texts + part_texts[part_codes[reps]]
    categories = pd.Index(texts, dtype=object)
    if not categories.is_unique:  # two keys spelled alike: merge them
        inverse, uniques = pd.factorize(texts)
        codes, categories = inverse[codes], pd.Index(uniques, dtype=object)
    all_codes = np.full(n, -1, dtype=np.int64)
    all_codes[ok] = codes
    return pd.Categorical.from_codes(all_codes, categories=categories)


_DENSE_FACTOR = 4  # dense codes while the key range is at most this many times the row count


def _factorize(columns) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of each row's combination of integer-valued key columns, and one row per code.

    Columns are combined as one mixed-radix integer; when its range is small the codes come
    from a presence table (no hashing), otherwise from one hash factorisation.
    """
    n = len(columns[0])
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for column in columns:
        values = _offsets(np.asarray(column))
        span = int(values.max()) + 1 if n else 1
        if size * span >= 1 << 62:  # keep the mixed-radix key within int64
            key, size = _compress(key, size)
        key = key * span + values
        size *= span
    codes, k = _compress(key, size)
    reps = np.empty(k, dtype=np.int64)
    reps[codes] = np.arange(n)  # any row of a code represents it: its key columns are equal
    return codes, reps


def _offsets(values: np.ndarray) -> np.ndarray:
    """Non-negative int64 codes that preserve equality of integer-valued ``values``."""
    if values.dtype.kind == "f" and not (np.abs(values) < 2.0**52).all():
        return pd.factorize(values)[0].astype(np.int64)
    values = values.astype(np.int64, copy=False)
    low = values.min() if len(values) else 0
    return values - low if low else values


def _compress(key: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    if size <= max(_DENSE_FACTOR * len(key), 1 << 16):
        present = np.zeros(size, dtype=bool)
        present[key] = True
        rank = np.cumsum(present) - 1
        return rank[key], int(rank[-1]) + 1 if size else 0
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64), len(uniques)


def _part(columns, fmt) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes and the text of each code (formatted once per distinct key, texts unique)."""
    codes, reps = _factorize(columns)
    texts = [fmt(*(col[i].item() for col in columns)) for i in reps]
    inverse, uniques = pd.factorize(np.array(texts, dtype=object))
    return inverse[codes], np.asarray(uniques, dtype=object)


def _excluded_part(result: Deadlines, ok, kind, paid_day, deadline_day, calendar):
    """", n days not counted (...)" per row, computed once per (clock, first day, last day)."""
    channel = np.where(kind == POP_HOURS, 0, 1)
    bits = result.weekmask[ok].astype(np.int64)
    codes, reps = _factorize((channel, bits, paid_day, deadline_day))
    ch, bt = channel[reps], bits[reps]
    a_us, b_us = paid_day[reps] * US_PER_DAY, deadline_day[reps] * US_PER_DAY
    count = np.zeros(len(reps), dtype=np.int64)
    lo = np.full(len(reps), _NAT_D)
    hi = np.full(len(reps), _NAT_D)
    for c, name in enumerate(("POP", "JIT")):
        for b in np.unique(bt[ch == c]):
            rows = np.flatnonzero((ch == c) & (bt == b))
            cal = calendar.busdaycal(name, weekmask_text(int(b)))
            count[rows] = clock.excluded_days_between(a_us[rows], b_us[rows], cal)
            lo[rows], hi[rows] = clock.excluded_span(a_us[rows], b_us[rows], cal)
    texts = [_excluded_text(int(k), f, la) for k, f, la in zip(count, lo, hi, strict=True)]
    inverse, uniques = pd.factorize(np.array(texts, dtype=object))
    return inverse[codes], np.asarray(uniques, dtype=object)


def _body_text(rules: Rules, kind: int, index: int, t: int, why: int) -> str:
    rs = rules.rule_sets[index]
    if kind == POP_HOURS:
        return f": {_hours(rs.pop_hours)} to first carrier scan"
    if kind == SELF_HOURS:
        return f": {_hours(rs.self_send_hours)} to warehouse arrival"
    day = _day(np.datetime64(int(t), "D"))
    cutoff = f"{rules.cutoff:%H:%M}"
    reason = ("paid before " + cutoff, f"paid at/after {cutoff}: next working day",
              "paid on a non-working day: next working day")[why]
    at = f"{rules.pickup_deadline_time:%H:%M}"
    return f": pickup scan by T+{rs.pickup_days} {at}, T = {day} ({reason})"
