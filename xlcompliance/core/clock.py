"""The assessment clock: vectorised deadline arithmetic over whole columns.

Times are int64 microseconds of naive platform time; days are int64 days since 1970-01-01 (or
``datetime64[D]`` where a result is a date). A :class:`~.daytable.DayTable` holds the counted
days (weekmask minus holidays) of one clock variant and answers every query with
``searchsorted`` and index arithmetic, never a loop per row; a column's payment days span weeks,
so the deadline queries are answered once per distinct day and looked up.
"""

from __future__ import annotations

import numpy as np

from .daytable import DayTable
from .parsing import US_PER_DAY


def _day_numbers(us: np.ndarray) -> np.ndarray:
    return np.floor_divide(us, US_PER_DAY)


def _counted(day: np.ndarray, table: DayTable) -> np.ndarray:
    """``is_counted`` of int days, one answer per day of their range when that range is shorter
    than the column (a month of orders spans a few weeks, not a million days)."""
    if not len(day):
        return np.zeros(0, dtype=bool)
    low = int(day.min())
    span = int(day.max()) - low + 1
    if span > len(day):
        return table.is_counted(day)
    return table.counted_range(low, span)[day - low]


def _offset_days(day: np.ndarray, offsets, table: DayTable) -> np.ndarray:
    """``offset(day, offsets)`` (roll forward) on int days, offsets >= 0.

    Each distinct (day, offset) of the column's range is answered once in a small table and rows
    look it up; rows are answered one by one (still vectorised) only when that table would not be
    smaller than the column.
    """
    offsets = np.broadcast_to(np.asarray(offsets, dtype=np.int64), day.shape)
    if not len(day):
        return np.zeros(0, dtype=np.int64)
    low = int(day.min())
    span = int(day.max()) - low + 1
    width = int(offsets.max()) + 1
    if span * width > len(day) or offsets.min() < 0:
        return table.offset(day, offsets)
    firsts = table.number_range(low, span)
    answers = table.day_of(firsts[:, None] + np.arange(width)).ravel()
    return answers[(day - low) * width + offsets]


def hour_deadline(paid_us: np.ndarray, allowance_us: np.ndarray, table: DayTable) -> np.ndarray:
    """Latest instant whose counted time since ``paid_us`` is at most ``allowance_us``.

    Counted time is time on counted days. With ``s`` the counted part of the payment day already
    elapsed (0 when paid on an excluded day: the clock starts when it ends), the target is
    ``s + allowance`` counted time from the start of the first counted day on/after the payment
    day: ``k`` whole counted days and a remainder ``r``. When ``r == 0`` the allowance ends at a
    day boundary and the latest such instant is the start of the next counted day, which is what
    ``offset(..., k) + 0`` gives, skipping any excluded run in between.
    """
    day = _day_numbers(paid_us)
    elapsed = np.where(_counted(day, table), paid_us - day * US_PER_DAY, 0)
    whole, rest = np.divmod(elapsed + allowance_us, US_PER_DAY)
    return _offset_days(day, whole, table) * US_PER_DAY + rest


def pickup_day(paid_us: np.ndarray, cutoff_us: int, table: DayTable) -> np.ndarray:
    """Day T of the JIT pickup rule as ``datetime64[D]``.

    Paid on a working day before the cutoff: that day; at/after the cutoff: the next working day;
    on a non-working day: the next working day.
    """
    day = _day_numbers(paid_us)
    base = day + ((paid_us - day * US_PER_DAY) >= cutoff_us)
    return _offset_days(base, 0, table).astype("datetime64[D]")


def day_deadline(t_day: np.ndarray, offset_days: np.ndarray, at_us: int, table: DayTable) -> np.ndarray:
    """T advanced by ``offset_days`` working days, at the time of day ``at_us``."""
    return _offset_days(t_day.astype(np.int64), offset_days, table) * US_PER_DAY + at_us


def _day_range(first_us: np.ndarray, last_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = _day_numbers(first_us)
    return a, np.maximum(a, _day_numbers(last_us))


def excluded_days_between(first_us: np.ndarray, last_us: np.ndarray, table: DayTable) -> np.ndarray:
    """How many whole excluded days lie in [day of first, day of last) — for explanations."""
    a, b = _day_range(first_us, last_us)
    return (b - a) - table.count(a, b)


def excluded_span(first_us: np.ndarray, last_us: np.ndarray, table: DayTable):
    """First and last excluded day in [day of first, day of last) as ``datetime64[D]`` (NaT where
    none): the nearest off weekday or listed excluded day at either end, found directly."""
    a, b = _day_range(first_us, last_us)
    first = table.first_excluded(a, b)
    has = first < b
    nat = np.datetime64("NaT", "D")
    last = table.last_excluded(a, b)
    return (np.where(has, first.astype("datetime64[D]"), nat),
            np.where(has, last.astype("datetime64[D]"), nat))
