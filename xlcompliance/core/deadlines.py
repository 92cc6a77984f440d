"""Deadlines: which rule set applies to each order, and when its deadline is.

:func:`compute_deadlines` is the one engine every entry point calls, on whole columns. The
scalar functions :func:`pop_deadline` and :func:`jit_deadline` are one-row batches of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np

from . import clock
from .calendar import Calendar, default_calendar
from .masks import set_where
from .parsing import (
    BLANK,
    NAT,
    UNKNOWN,
    US_PER_DAY,
    US_PER_SECOND,
    as_us,
    parse_counts,
    parse_datetimes,
    parse_methods,
)
from .rules import CHANNELS, METHODS, Rules, default_rules

# Kinds of deadline rule.
POP_HOURS, SELF_HOURS, PICKUP_DAYS = 0, 1, 2
# Why a row got its rule set (for explanations).
BY_LISTING, BY_SALES, BEFORE_WINDOW, UNKNOWN_INPUTS, NOT_ELIGIBLE = range(5)

_US_PER_HOUR = 3600 * US_PER_SECOND


def time_us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _date_us(d: dt.date | None, default: int) -> int:
    if d is None:
        return default
    return int(np.datetime64(d, "D").astype(np.int64)) * US_PER_DAY


@dataclass
class Deadlines:
    """Per-row results of :func:`compute_deadlines` (arrays of the input's length)."""

    deadline: np.ndarray  # datetime64[us], NaT where not computed
    rule_index: np.ndarray  # int8 index into rules.rule_sets, -1 where not computed
    eligible: np.ndarray  # bool
    reason: np.ndarray  # int8, one of BY_LISTING ... NOT_ELIGIBLE
    kind: np.ndarray  # int8, POP_HOURS / SELF_HOURS / PICKUP_DAYS, -1 where not computed
    weekmask: np.ndarray  # int8 bit set of excluded weekdays (bit 0 = Monday)
    listed_days: np.ndarray  # float: whole days from listing to payment (NaN unknown)
    t_day: np.ndarray  # datetime64[D]: T of the pickup rule (NaT otherwise)


def weekmask_text(bits: int) -> str:
    """numpy weekmask ("1111110") from a bit set of excluded weekdays (bit 0 = Monday)."""
    return "".join("0" if bits >> d & 1 else "1" for d in range(7))


def _window_us(valid_from: dt.date | None, valid_to: dt.date | None) -> tuple[int, int]:
    """A validity window as [lo, hi) microseconds (whole days, ends inclusive in the rules)."""
    lo = _date_us(valid_from, np.iinfo(np.int64).min)
    hi = _date_us(valid_to, np.iinfo(np.int64).max - US_PER_DAY) + US_PER_DAY
    return lo, hi


def relaxation_for(paid_us: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """The conditional rule set each payment is measured against, and whether it has ended.

    That is the first conditional rule set whose window holds the payment; for a payment in no
    such window, the next one to open after it, else the last one to close before it (``ended``
    True). -1 where the rules have no conditional rule set. Windows are whole days, so the answer
    is the same for every time of one payment day.
    """
    n = len(paid_us)
    index = np.full(n, -1, dtype=np.int8)
    ended = np.zeros(n, dtype=bool)
    windows = [(i, *_window_us(rs.valid_from, rs.valid_to))
               for i, rs in enumerate(rules.rule_sets) if rs.conditional]
    found = np.zeros(n, dtype=bool)
    for i, lo, hi in windows:
        inside = ~found & (paid_us >= lo) & (paid_us < hi)
        index[inside] = i
        found |= inside
    nearest = np.full(n, np.iinfo(np.int64).max)
    for i, lo, _ in windows:  # the next window to open
        sooner = ~found & (lo > paid_us) & (lo < nearest)
        index[sooner] = i
        nearest[sooner] = lo
    found |= nearest < np.iinfo(np.int64).max
    latest = np.full(n, np.iinfo(np.int64).min)
    for i, _, hi in windows:  # else the last window to close
        later = ~found & (hi <= paid_us) & (hi > latest)
        index[later] = i
        ended |= later
        latest[later] = hi
    return index, ended


def select_rule_sets(paid_us, listed_us, sales, rules: Rules):
    """First matching rule set per row, whether it is a relaxed (conditional) one, and why."""
    n = len(paid_us)
    index = np.full(n, len(rules.rule_sets) - 1, dtype=np.int8)
    eligible = np.zeros(n, dtype=bool)
    reason = np.full(n, NOT_ELIGIBLE, dtype=np.int8)
    listed_known = listed_us != NAT.astype(np.int64)
    since_listing = np.where(listed_known, paid_us - listed_us, -1)  # -1: never "listed within"
    sales_known = ~np.isnan(sales)
    in_any_window = np.zeros(n, dtype=bool)
    for i in range(len(rules.rule_sets) - 2, -1, -1):  # reversed: earlier sets win
        rs = rules.rule_sets[i]
        lo, hi = _window_us(rs.valid_from, rs.valid_to)
        in_window = (paid_us >= lo) & (paid_us < hi)
        in_any_window |= in_window
        by_listing = np.zeros(n, dtype=bool)
        by_sales = np.zeros(n, dtype=bool)
        if rs.listed_within_days is not None:
            limit = int(round(rs.listed_within_days * US_PER_DAY))
            by_listing = (since_listing >= 0) & (since_listing <= limit)
        if rs.max_last_month_sales is not None:  # NaN (unknown) compares False
            by_sales = (sales >= 0) & (sales <= rs.max_last_month_sales)
        hit = in_window & (by_listing | by_sales)
        set_where(index, hit, i)
        eligible |= hit
        set_where(reason, hit, BY_SALES)
        set_where(reason, hit & by_listing, BY_LISTING)
    rest = ~eligible
    set_where(reason, rest & ~in_any_window, BEFORE_WINDOW)
    set_where(reason, rest & in_any_window & ~listed_known & ~sales_known, UNKNOWN_INPUTS)
    return index, eligible, reason


def _weekmask_bits(paid_us, is_channel: dict, rules: Rules) -> np.ndarray:
    bits = np.zeros(len(paid_us), dtype=np.int8)
    for ex in rules.excluded_weekdays:
        lo, hi = _window_us(ex.valid_from, ex.valid_to)
        applies = is_channel[ex.channel] & (paid_us >= lo) & (paid_us < hi)
        value = sum(1 << d for d in ex.weekdays)  # at most 127: seven bits
        bits |= applies.view(np.int8) * np.int8(value)
    return bits


def compute_deadlines(
    paid: np.ndarray,
    channel: np.ndarray,
    method: np.ndarray,
    listed: np.ndarray,
    sales: np.ndarray,
    valid: np.ndarray,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
) -> Deadlines:
    """Deadlines for whole columns of parsed inputs.

    Args:
        paid, listed: ``datetime64[us]`` naive platform time (NaT = unknown).
        channel: "POP"/"JIT" objects; method: "pickup"/"self"/None (None = rules default).
        sales: float, NaN = unknown.
        valid: rows to compute; the others get NaT / -1.
    """
    return deadlines_from_codes(
        paid, _codes(channel, CHANNELS), _codes(method, METHODS), listed, sales, valid, calendar, rules
    )


def _codes(names: np.ndarray, allowed: tuple[str, ...]) -> np.ndarray:
    names = np.asarray(names, dtype=object)
    codes = np.where(names == None, BLANK, UNKNOWN).astype(np.int8)  # noqa: E711
    for i, name in enumerate(allowed):
        codes[names == name] = i
    return codes


BLOCK_ROWS = 1 << 17  # rows per block of the kernel: a block's int64 temporaries are 1 MiB


def deadlines_from_codes(
    paid: np.ndarray,
    channel: np.ndarray,
    method: np.ndarray,
    listed: np.ndarray,
    sales: np.ndarray,
    valid: np.ndarray,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
) -> Deadlines:
    """:func:`compute_deadlines` on choice codes: ``channel`` indexes ``CHANNELS`` and ``method``
    indexes ``METHODS`` (int8; ``BLANK`` takes the rules' default method, ``UNKNOWN`` is pickup).
    This is the engine; parsing hands it codes so no stage compares Python strings per row.

    Rows are independent, so long columns go through in blocks of ``BLOCK_ROWS``: each block's
    temporaries stay in cache and are reused, and only the results are full-length.
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    columns = (paid, channel, method, listed, sales, valid)
    if len(paid) <= BLOCK_ROWS:
        return _deadlines_block(*columns, calendar, rules)
    blocks = [
        _deadlines_block(*(c[start:start + BLOCK_ROWS] for c in columns), calendar, rules)
        for start in range(0, len(paid), BLOCK_ROWS)
    ]
    return Deadlines(**{f.name: np.concatenate([getattr(b, f.name) for b in blocks]) for f in fields(Deadlines)})


def _deadlines_block(paid, channel, method, listed, sales, valid, calendar: Calendar, rules: Rules) -> Deadlines:
    n = len(paid)
    paid_us = as_us(paid)
    listed_us = as_us(listed)
    is_channel = {ch: channel == i for i, ch in enumerate(CHANNELS)}
    is_self = method == METHODS.index("self")
    if rules.default_method == "self":
        is_self |= method == BLANK

    index, eligible, reason = select_rule_sets(paid_us, listed_us, sales, rules)
    kind = np.full(n, -1, dtype=np.int8)
    set_where(kind, is_channel["POP"], POP_HOURS)
    set_where(kind, is_channel["JIT"], PICKUP_DAYS)
    set_where(kind, is_channel["JIT"] & is_self, SELF_HOURS)
    set_where(kind, ~valid, -1)
    set_where(index, kind < 0, -1)
    eligible &= kind >= 0
    bits = _weekmask_bits(paid_us, is_channel, rules)

    sets = len(rules.rule_sets)
    # Whole microseconds of each hour rule of each rule set: a row's is at
    # (kind is SELF_HOURS) * sets + its rule set.
    hours = np.array([rs.pop_hours for rs in rules.rule_sets] + [rs.self_send_hours for rs in rules.rule_sets],
                     dtype=float)
    allowances = np.round(hours * _US_PER_HOUR).astype(np.int64)
    pick_d = np.array([rs.pickup_days for rs in rules.rule_sets], dtype=np.int64)

    deadline_us = np.full(n, NAT.astype(np.int64))
    t_day = np.full(n, np.datetime64("NaT", "D"))
    cutoff = time_us(rules.cutoff)
    pickup_at = time_us(rules.pickup_deadline_time)
    live = kind >= 0
    # The clock variants present, (channel, excluded weekdays), from one count of small keys:
    # channel * 128 + weekday bits for computed rows, 256 for the rest.
    variants = np.bincount(np.where(live, channel.astype(np.int16) * 128 + bits, 256), minlength=257)
    for c, ch in enumerate(CHANNELS):
        in_channel = is_channel[ch] & live
        for mask_bits in np.flatnonzero(variants[c * 128:(c + 1) * 128]):
            cal = calendar.day_table(ch, weekmask_text(int(mask_bits)))
            group = in_channel & (bits == mask_bits)
            hour_rows = np.flatnonzero(group & (kind != PICKUP_DAYS))
            if len(hour_rows):
                allowance = allowances[(kind[hour_rows] == SELF_HOURS) * sets + index[hour_rows]]
                deadline_us[hour_rows] = clock.hour_deadline(paid_us[hour_rows], allowance, cal)
            day_rows = np.flatnonzero(group & (kind == PICKUP_DAYS))
            if len(day_rows):
                t = clock.pickup_day(paid_us[day_rows], cutoff, cal)
                t_day[day_rows] = t
                deadline_us[day_rows] = clock.day_deadline(t, pick_d[index[day_rows]], pickup_at, cal)

    listed_days = np.where(
        listed_us != NAT.astype(np.int64), np.floor_divide(paid_us - listed_us, US_PER_DAY), np.nan
    )
    return Deadlines(
        deadline=deadline_us.view("datetime64[us]"),
        rule_index=index,
        eligible=eligible,
        reason=reason,
        kind=kind,
        weekmask=bits,
        listed_days=listed_days,
        t_day=t_day,
    )


# --- scalar API: one-row batches --------------------------------------------------------------


def _one_row(paid_at, channel: str, method, listed_at, last_month_sales, calendar, rules):
    rules = rules or default_rules()
    tz = rules.timezone
    paid, perr = parse_datetimes([paid_at], "paid_at", tz)
    if perr[0] is not None:
        raise ValueError(perr[0])
    if np.isnat(paid[0]):
        raise ValueError("paid_at is blank")
    listed, lerr = parse_datetimes([listed_at], "listed_at", tz)
    if lerr[0] is not None:
        raise ValueError(lerr[0])
    sales, serr = parse_counts([last_month_sales], "last_month_sales")
    if serr[0] is not None:
        raise ValueError(serr[0])
    if not np.isnat(listed[0]) and listed[0] > paid[0]:
        raise ValueError(f"listed_at {listed[0]} is after paid_at {paid[0]}")
    methods = np.array([None], dtype=object)
    if channel == "JIT":
        methods, merr = parse_methods([method], "method")
        if merr[0] is not None:
            raise ValueError(merr[0])
    result = compute_deadlines(
        paid, np.array([channel], dtype=object), methods, listed, sales,
        np.array([True]), calendar, rules,
    )
    value = result.deadline[0]
    if value.astype("datetime64[D]") > np.datetime64("9999-12-31"):
        raise ValueError("the deadline falls after 9999-12-31")
    return value.astype(dt.datetime)


def pop_deadline(paid_at, listed_at=None, last_month_sales=None, *, calendar=None, rules=None) -> dt.datetime:
    """Deadline for a POP order's first carrier scan (上网), naive platform time.

    Args:
        paid_at: datetime, Timestamp, ISO string (with or without offset) or Excel serial.
        listed_at: when the product was first listed (None = unknown).
        last_month_sales: the product's orders last month (None = unknown).
        calendar: holiday windows (:class:`Calendar`); default: official breaks only.

    Raises:
        ValueError: naming the field, on bad input.
    """
    return _one_row(paid_at, "POP", None, listed_at, last_month_sales, calendar, rules)


def jit_deadline(
    paid_at, method="pickup", listed_at=None, last_month_sales=None, *, calendar=None, rules=None
) -> dt.datetime:
    """Deadline for a JIT order: pickup scan (``pickup``) or warehouse arrival (``self``)."""
    return _one_row(paid_at, "JIT", method, listed_at, last_month_sales, calendar, rules)
