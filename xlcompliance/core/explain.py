"""Plain-words explanations of each deadline, built from a few templates.

A row's explanation is fully determined by a handful of small integers (rule set, reason,
listing age and sales as shown, kind of rule, why T is T, excluded weekdays, payment day, days to
the deadline). Rows are grouped by those integers in one pass over the column; each group's text
is built from four parts, each formatted once per distinct key, and the column is a Categorical
— so a million rows cost one factorisation, not a million f-strings.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    relaxation_for,
    time_us,
    weekmask_text,
)
from .masks import set_where
from .parsing import US_PER_DAY, as_us
from .rules import Rules

_NAT_D = np.datetime64("NaT", "D")


def _day(d: np.datetime64) -> str:
    ts = pd.Timestamp(d)
    return f"{ts:%a} {ts:%Y-%m-%d}"


def _hours(h: float) -> str:
    return f"{h:g} h"


def _rule_parts(
    rules: Rules, index: int, reason: int, days: float, sales: float, relaxation: int, ended: bool
) -> tuple[str, str]:
    """The rule-set phrase split in two: a part that does not depend on ``sales`` and one that
    depends only on ``reason``, ``relaxation`` and ``sales`` (so each part has few distinct
    values). ``relaxation``/``ended`` name the conditional rule set the order was measured
    against (:func:`~.deadlines.relaxation_for`): its window and its own limits are quoted."""
    name = rules.rule_sets[index].name
    relaxed = rules.rule_sets[relaxation] if relaxation >= 0 else None
    if reason == BY_LISTING:
        return f"{name} (listed {days:.0f} days before payment)", ""
    if reason == BY_SALES:
        return f"{name} (", f"{sales:.0f} orders last month)"
    if reason == BEFORE_WINDOW:
        if relaxed is None:
            return f"{name} (no relaxation in the rules)", ""
        if ended:
            return f"{name} (paid after the relaxation's last day {relaxed.valid_to:%Y-%m-%d})", ""
        return f"{name} (paid before the relaxation of {relaxed.valid_from:%Y-%m-%d})", ""
    if reason == UNKNOWN_INPUTS:
        return f"{name} (listing date and last-month sales unknown)", ""
    # Not eligible: say which side of each limit the order is on (few distinct texts), not the
    # exact age and count, which are in the order's own columns.
    listing = "listing date unknown" if np.isnan(days) else _beyond(
        "listed over {} days before payment", getattr(relaxed, "listed_within_days", None), days)
    sold = "sales unknown" if np.isnan(sales) else _beyond(
        "over {} orders last month", getattr(relaxed, "max_last_month_sales", None), sales)
    return f"{name} ({listing}, ", f"{sold})"


def _beyond(template: str, limit, value: float) -> str:
    if limit is None:
        return template.replace("over {} ", "").replace("{}", f"{value:.0f}")
    return template.format(f"{limit:g}")


def _excluded_text(n: int, first, last) -> str:
    if n <= 0:
        return ""
    if n == 1:
        return f", {_day(first)} not counted"
    return f", {n} days not counted ({_day(first)} … {_day(last)})"


def explanations(result: Deadlines, paid: np.ndarray, sales: np.ndarray, calendar, rules: Rules) -> pd.Categorical:
    """One explanation per computed row (others NaN), as a Categorical.

    Rows are grouped once, over the whole column, by the few small integers their text depends
    on; everything after that happens once per group: the text is the concatenation of four
    parts (rule-set phrase, its sales half, the rule, the days not counted), each formatted once
    per distinct part key.
    """
    n = len(paid)
    computed = result.kind >= 0
    if not computed.any():
        return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int64), categories=pd.Index([], dtype=object))
    ok = slice(None) if computed.all() else np.flatnonzero(computed)  # a slice takes views, not copies
    kind = result.kind[ok]
    reason = result.reason[ok]
    rule = result.rule_index[ok]
    bits = result.weekmask[ok]
    paid_day, time_of_day = np.divmod(as_us(paid[ok]), US_PER_DAY)
    days_to_deadline = np.floor_divide(as_us(result.deadline[ok]), US_PER_DAY)
    days_to_deadline -= paid_day  # a small distance keeps the key's range small

    # Only the exact listing age (eligible by listing) and sales (eligible by sales) are spelled
    # out; otherwise a value is -2 (unknown) or -1 (known, beyond the limit, or not shown).
    not_eligible = reason == NOT_ELIGIBLE
    days = _shown(result.listed_days[ok], reason == BY_LISTING, not_eligible)
    sold = _shown(sales[ok], reason == BY_SALES, not_eligible)
    # The pickup rule says why T is T: 0 paid that day before the cutoff, 1 at/after the cutoff,
    # 2 on a day off (0 for the hour rules).
    t_day = result.t_day[ok].view(np.int64)
    why = 2 - (time_of_day >= time_us(rules.cutoff)).view(np.int8)
    set_where(why, (t_day == paid_day) | (kind != PICKUP_DAYS), 0)

    codes, reps = _factorize((rule, reason, days, sold, kind, why, bits, paid_day, days_to_deadline))
    # The relaxation a text quotes depends only on the payment day (windows are whole days),
    # which is part of the key: it is found once per group, and kept only where it is quoted.
    relaxation, ended = relaxation_for(paid_day[reps] * US_PER_DAY, rules)
    quoted = (reason[reps] == BEFORE_WINDOW) | (reason[reps] == NOT_ELIGIBLE)
    groups = _Groups(
        rule=rule[reps].astype(np.int64),
        reason=reason[reps].astype(np.int64),
        days=days[reps],
        sold=sold[reps],
        kind=kind[reps].astype(np.int64),
        why=why[reps].astype(np.int64),
        bits=bits[reps].astype(np.int64),
        paid_day=paid_day[reps],
        deadline_day=paid_day[reps] + days_to_deadline[reps],
        t_day=t_day[reps],
        relaxation=np.where(quoted, relaxation, -1).astype(np.int64),
        ended=(quoted & ended).astype(np.int64),
    )
    text_codes, texts = pd.factorize(_group_texts(groups, calendar, rules))  # groups may read alike
    all_codes = np.full(n, -1, dtype=np.int64)
    all_codes[ok] = text_codes[codes]
    return pd.Categorical.from_codes(all_codes, categories=pd.Index(texts, dtype=object))


def _shown(values: np.ndarray, shown: np.ndarray, unknown_matters: np.ndarray) -> np.ndarray:
    out = np.where(shown, values, -1.0)
    np.copyto(out, -2.0, where=unknown_matters & np.isnan(values))
    return out


@dataclass
class _Groups:
    """The key of each distinct explanation (one entry per group of rows)."""

    rule: np.ndarray
    reason: np.ndarray
    days: np.ndarray  # listing age as shown: -1 not shown, -2 unknown
    sold: np.ndarray  # last-month sales as shown: -1 not shown, -2 unknown
    kind: np.ndarray
    why: np.ndarray  # pickup rule: why T is T (0 for the hour rules)
    bits: np.ndarray  # excluded weekdays
    paid_day: np.ndarray  # int days since 1970-01-01
    deadline_day: np.ndarray
    t_day: np.ndarray
    relaxation: np.ndarray  # the conditional rule set quoted (-1: none quoted)
    ended: np.ndarray  # 1 where that relaxation ended before the payment


def _group_texts(g: _Groups, calendar, rules: Rules) -> np.ndarray:
    def unknown(v):
        return np.nan if v == -2 else float(v)

    left = _part(
        (g.rule, g.reason, g.days, g.relaxation, g.ended),
        lambda r, why, d, rel, end: _rule_parts(rules, r, why, unknown(d), np.nan, rel, bool(end))[0],
    )
    right = _part(
        (g.reason, g.relaxation, g.sold),
        lambda why, rel, s: _rule_parts(rules, 0, why, np.nan, unknown(s), rel, False)[1],
    )
    pickup = g.kind == PICKUP_DAYS
    body = _part(
        (g.kind, g.rule, np.where(pickup, g.t_day, 0), g.why),
        lambda k, r, t, w: _body_text(rules, k, r, t, w),
    )
    texts = left[1][left[0]]
    for part_codes, part_texts in (right, body, _excluded_part(g, calendar)):
        texts = texts + part_texts[part_codes]
    return texts


_DENSE_FACTOR = 1  # dense codes while the key range is at most this many times the row count


def _factorize(columns) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of each row's combination of integer-valued key columns, and one row per code.

    Columns are combined in place as one mixed-radix integer. Before the key's range would
    outgrow a presence table (a few times the row count) the key so far is renumbered densely,
    so hashing is needed only when a single step is too wide for a table.
    """
    n = len(columns[0])
    limit = max(_DENSE_FACTOR * n, 1 << 16)
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for column in columns:
        values = np.asarray(column)
        if values.dtype.kind == "f":
            exact = (np.abs(values) < 2.0**52).all()
            values = values.astype(np.int64) if exact else pd.factorize(values)[0]
        low, high = (int(values.min()), int(values.max())) if n else (0, 0)
        span = high - low + 1
        if size > 1 and size * span > limit:
            key, size = _compress(key, size)
        if size * span >= 1 << 62:  # too wide to combine even so: renumber the column itself
            values = pd.factorize(values)[0]
            low, span = 0, int(values.max()) + 1
        key *= span
        key += values
        if low:
            key -= low
        size *= span
    codes, k = _compress(key, size)
    reps = np.empty(k, dtype=np.int64)
    reps[codes] = np.arange(n)  # any row of a code represents it: its key columns are equal
    return codes, reps


def _compress(key: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Dense codes 0..k-1 of the distinct values of ``key`` (all in ``range(size)``)."""
    if size <= max(_DENSE_FACTOR * len(key), 1 << 16):
        present = np.zeros(size, dtype=bool)
        present[key] = True
        distinct = np.flatnonzero(present)
        # Only the entries of present values are written or read; 4-byte entries halve the memory
        # the random lookups below touch.
        rank = np.empty(size, dtype=np.int32)
        rank[distinct] = np.arange(len(distinct), dtype=np.int32)
        return rank[key].astype(np.int64), len(distinct)
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64), len(uniques)


def _part(columns, fmt) -> tuple[np.ndarray, np.ndarray]:
    """Per-group codes and the text of each code (formatted once per distinct key, texts unique)."""
    codes, reps = _factorize(columns)
    texts = [fmt(*(col[i].item() for col in columns)) for i in reps]
    inverse, uniques = pd.factorize(np.array(texts, dtype=object))
    return inverse[codes], np.asarray(uniques, dtype=object)


def _excluded_part(g: _Groups, calendar) -> tuple[np.ndarray, np.ndarray]:
    """", n days not counted (...)" per group: the excluded days from payment day to deadline day."""
    channel = np.where(g.kind == POP_HOURS, 0, 1)
    codes, reps = _factorize((channel, g.bits, g.paid_day, g.deadline_day))
    ch, bt = channel[reps], g.bits[reps]
    a_us, b_us = g.paid_day[reps] * US_PER_DAY, g.deadline_day[reps] * US_PER_DAY
    count = np.zeros(len(reps), dtype=np.int64)
    lo = np.full(len(reps), _NAT_D)
    hi = np.full(len(reps), _NAT_D)
    for c, name in enumerate(("POP", "JIT")):
        for b in np.unique(bt[ch == c]):
            rows = np.flatnonzero((ch == c) & (bt == b))
            cal = calendar.day_table(name, weekmask_text(int(b)))
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
