"""A slow, literal reference implementation of the assessment clock in docs/rules.md (test oracle only).

Written from docs/rules.md alone; it never imports the engine. Everything here is
deliberately naive: days are walked one at a time, hour allowances are consumed day by day
(``hours_deadline``) and, as a cross-check, minute by minute (``hours_deadline_by_minute``).

Excluded time is passed in explicitly as sets of dates, so the oracle does not depend on the
engine's ``Calendar``:

* ``holiday_days(windows, statutory=...)`` expands holiday windows into one set of dates per
  channel (``{"POP": set, "JIT": set}``), optionally adding China's official breaks.
* ``pop_excluded(paid_at, days)`` adds the POP Sunday rule (orders paid on/after the effective
  date) on top of the POP holiday days; JIT uses its holiday days as they are.

Constants are copied from docs/rules.md (rule sets, assumptions) on purpose instead of being
read from the rules data file, so that a wrong value in either place is caught.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

# ---- constants from docs/rules.md -----------------------------------------------------------
EFFECTIVE = datetime(2024, 4, 12)  # relaxation effective date (paid_at on/after, 00:00)
LISTED_WITHIN = timedelta(days=30)  # 0 <= paid_at - listed_at <= 30 x 24 h
MAX_SALES = 10  # last_month_sales <= 10
JIT_CUTOFF = time(14, 0)  # paid before 14:00:00 -> T = that day
PICKUP_TIME = time(23, 59, 59)  # day-rule deadlines are T+N 23:59:59

RELAXED = "relaxed-2024-04"
STANDARD = "standard"

# rule set -> allowances
POP_HOURS = {STANDARD: 48, RELAXED: 72}
SELF_HOURS = {STANDARD: 48, RELAXED: 96}
PICKUP_DAYS = {STANDARD: 0, RELAXED: 2}

STATUTORY_YEARS = range(2015, 2031)  # rules.toml statutory_first_year .. statutory_last_year

ONE_DAY = timedelta(days=1)
ONE_MINUTE = timedelta(minutes=1)
MIDNIGHT = time(0, 0)


# ---- official breaks --------------------------------------------------------------------------
def official_break_days(years: Iterable[int]) -> set[date]:
    """Every day of China's official holiday breaks (放假安排) for ``years``, per docs/rules.md.

    Start from the statutory days off listed by ``holidays.China`` and repeatedly add any
    Saturday or Sunday adjacent to an already-included day, unless that weekend day is a
    make-up working day (``weekend_workdays``). Iterate to a fixpoint, one day at a time.
    """
    cn = holidays.China(years=list(years))
    makeup = set(cn.weekend_workdays)
    days = set(cn.keys())
    changed = True
    while changed:
        changed = False
        for d in sorted(days):
            for nb in (d - ONE_DAY, d + ONE_DAY):
                if nb in days:
                    continue
                if nb.weekday() in (5, 6) and nb not in makeup:
                    days.add(nb)
                    changed = True
    return days


def official_breaks(years: Iterable[int]) -> list[tuple[date, date]]:
    """China's official breaks as sorted inclusive ``(first_day, last_day)`` runs."""
    days = sorted(official_break_days(years))
    runs: list[tuple[date, date]] = []
    for d in days:
        if runs and runs[-1][1] + ONE_DAY == d:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


@cache
def _default_break_days() -> frozenset[date]:
    return frozenset(official_break_days(STATUTORY_YEARS))


def holiday_days(windows=(), *, statutory: bool = False) -> dict[str, set[date]]:
    """Expand holiday windows ``(start, end, scope)`` (inclusive) into per-channel day sets."""
    out: dict[str, set[date]] = {"POP": set(), "JIT": set()}
    if statutory:
        out["POP"] |= _default_break_days()
        out["JIT"] |= _default_break_days()
    for w in windows:
        start, end = w[0], w[1]
        scope = w[2] if len(w) > 2 else "ALL"
        targets = ("POP", "JIT") if scope == "ALL" else (scope,)
        d = start
        while d <= end:
            for ch in targets:
                out[ch].add(d)
            d += ONE_DAY
    return out


class _PopExcluded:
    """POP excluded days: holiday days, plus every Sunday when ``sundays`` is set."""

    def __init__(self, days: Container[date], sundays: bool):
        self.days = days
        self.sundays = sundays

    def __contains__(self, d: date) -> bool:
        return d in self.days or (self.sundays and d.weekday() == 6)


def pop_excluded(paid_at: datetime, days: Container[date]) -> Container[date]:
    """POP excludes Sundays only for orders paid on/after the effective date."""
    return _PopExcluded(days, sundays=paid_at >= EFFECTIVE)


# ---- eligibility ------------------------------------------------------------------------------
def _is_missing(x) -> bool:
    if x is None:
        return True
    try:
        return x != x  # NaN / NaT
    except Exception:  # pragma: no cover - pd.NA raises on bool()
        return True


def eligible(paid_at: datetime, listed_at=None, last_month_sales=None) -> bool:
    if paid_at < EFFECTIVE:
        return False
    new = False
    if not _is_missing(listed_at):
        age = paid_at - listed_at
        new = timedelta(0) <= age <= LISTED_WITHIN
    few = False
    if not _is_missing(last_month_sales):
        few = 0 <= last_month_sales <= MAX_SALES
    return new or few


def rule_set(paid_at, listed_at=None, last_month_sales=None) -> str:
    return RELAXED if eligible(paid_at, listed_at, last_month_sales) else STANDARD


# ---- hour rules -------------------------------------------------------------------------------
def hours_deadline(paid_at: datetime, hours: int, excluded: Container[date]) -> datetime:
    """Latest instant at which the non-excluded time since ``paid_at`` equals ``hours``.

    Walks the clock one local day at a time: an excluded day contributes nothing, a counted
    day contributes the part of it that lies after the current instant.
    """
    remaining = timedelta(hours=hours)
    t = paid_at
    while True:
        day_end = datetime.combine(t.date() + ONE_DAY, MIDNIGHT)
        if t.date() in excluded:  # paid (or arrived) during excluded time: skip it
            t = day_end
            continue
        room = day_end - t
        if remaining <= room:
            t = t + remaining
            break
        remaining -= room
        t = day_end
    # The allowance ran out at t. If excluded time begins exactly at t, scanning during it
    # uses no counted time, so the latest instant is the end of that excluded run.
    while t.time() == MIDNIGHT and t.date() in excluded:
        t += ONE_DAY
    return t


def hours_deadline_by_minute(paid_at: datetime, hours: int, excluded: Container[date]) -> datetime:
    """Same as ``hours_deadline``, by stepping one minute at a time (minute-aligned paid_at)."""
    assert paid_at.second == 0 and paid_at.microsecond == 0
    target = hours * 60
    counted = 0
    t = paid_at
    while counted < target:
        if t.date() not in excluded:  # the minute [t, t+1) lies inside day t.date()
            counted += 1
        t += ONE_MINUTE
    while t.date() in excluded:  # the next minute is free: counted time stays equal
        t += ONE_MINUTE
    return t


def counted_time(start: datetime, end: datetime, excluded: Container[date]) -> timedelta:
    """Non-excluded time in [start, end] (for checking deadlines against the definition)."""
    total = timedelta(0)
    t = start
    while t < end:
        day_end = min(datetime.combine(t.date() + ONE_DAY, MIDNIGHT), end)
        if t.date() not in excluded:
            total += day_end - t
        t = day_end
    return total


# ---- day rule (JIT pickup) --------------------------------------------------------------------
def next_working_day(d: date, excluded: Container[date]) -> date:
    """The first working day strictly after ``d``."""
    d += ONE_DAY
    while d in excluded:
        d += ONE_DAY
    return d


def pickup_deadline(paid_at: datetime, n_days: int, excluded: Container[date]) -> datetime:
    d = paid_at.date()
    if d in excluded:  # non-working day: next working day, as if paid before 14:00
        t_day = next_working_day(d, excluded)
    elif paid_at.time() < JIT_CUTOFF:
        t_day = d
    else:  # at/after 14:00: T counts from the next working day
        t_day = next_working_day(d, excluded)
    for _ in range(n_days):
        t_day = next_working_day(t_day, excluded)
    return datetime.combine(t_day, PICKUP_TIME)


# ---- public-ish helpers mirroring the engine's scalar functions ---------------------------------
def ref_pop_deadline(paid_at, listed_at=None, last_month_sales=None, *, days) -> datetime:
    """``days``: the holiday-day dict from ``holiday_days`` (or a POP day set)."""
    hol = days["POP"] if isinstance(days, dict) else days
    rs = rule_set(paid_at, listed_at, last_month_sales)
    return hours_deadline(paid_at, POP_HOURS[rs], pop_excluded(paid_at, hol))


def ref_jit_deadline(paid_at, method="pickup", listed_at=None, last_month_sales=None, *,
                     days) -> datetime:
    hol = days["JIT"] if isinstance(days, dict) else days
    rs = rule_set(paid_at, listed_at, last_month_sales)
    if method == "self":
        return hours_deadline(paid_at, SELF_HOURS[rs], hol)
    if method == "pickup":
        return pickup_deadline(paid_at, PICKUP_DAYS[rs], hol)
    raise ValueError(f"method {method!r}")


def ref_deadline(channel, method, paid_at, listed_at, last_month_sales, *, days) -> datetime:
    if channel == "POP":
        return ref_pop_deadline(paid_at, listed_at, last_month_sales, days=days)
    return ref_jit_deadline(paid_at, method or "pickup", listed_at, last_month_sales, days=days)


def ref_status(deadline, fulfilled_at=None, cancelled_at=None, as_of=None):
    """(status, hours_late or None) per the order status table of docs/rules.md."""
    if not _is_missing(fulfilled_at):
        if fulfilled_at <= deadline:
            return "on_time", None
        return "late", (fulfilled_at - deadline) / timedelta(hours=1)
    if not _is_missing(cancelled_at):
        if cancelled_at <= deadline:
            return "cancelled", None
        return "late", (cancelled_at - deadline) / timedelta(hours=1)
    if as_of > deadline:
        return "late", (as_of - deadline) / timedelta(hours=1)
    return "pending", None
