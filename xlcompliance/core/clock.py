"""The assessment clock: vectorised deadline arithmetic over whole columns.

Times are int64 microseconds of naive platform time; days are ``datetime64[D]``. A
``numpy.busdaycalendar`` holds the counted days (weekmask minus holidays) of one clock variant,
so every query is ``is_busday`` / ``busday_offset`` / ``busday_count`` in C, never a loop per row;
a column's payment days span weeks, so the deadline queries are answered once per distinct day
and looked up.
"""

from __future__ import annotations

import numpy as np

from .parsing import US_PER_DAY


def _days(us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    day = np.floor_divide(us, US_PER_DAY)
    return day, day.astype("datetime64[D]")


def _counted(day: np.ndarray, cal: np.busdaycalendar) -> np.ndarray:
    """``is_busday`` of int days since 1970-01-01, one answer per day of their range when that
    range is shorter than the column (a month of orders spans a few weeks, not a million days)."""
    if not len(day):
        return np.zeros(0, dtype=bool)
    low = int(day.min())
    span = int(day.max()) - low + 1
    if span > len(day):
        return np.is_busday(day.astype("datetime64[D]"), busdaycal=cal)
    table = np.is_busday(np.arange(low, low + span).astype("datetime64[D]"), busdaycal=cal)
    return table[day - low]


def _offset_days(day: np.ndarray, offsets, cal: np.busdaycalendar) -> np.ndarray:
    """``busday_offset(day, offsets, roll="forward")`` on int days, offsets >= 0.

    Each distinct (day, offset) of the column's range is answered once in a small table and rows
    look it up; numpy answers row by row only when that table would not be smaller than the column.
    """
    offsets = np.broadcast_to(np.asarray(offsets, dtype=np.int64), day.shape)
    if not len(day):
        return np.zeros(0, dtype=np.int64)
    low = int(day.min())
    span = int(day.max()) - low + 1
    width = int(offsets.max()) + 1
    if span * width > len(day) or offsets.min() < 0:
        return np.busday_offset(day.astype("datetime64[D]"), offsets, roll="forward", busdaycal=cal).astype(np.int64)
    firsts = np.arange(low, low + span).astype("datetime64[D]")[:, None]
    table = np.busday_offset(firsts, np.arange(width), roll="forward", busdaycal=cal).astype(np.int64).ravel()
    return table[(day - low) * width + offsets]


def hour_deadline(paid_us: np.ndarray, allowance_us: np.ndarray, cal: np.busdaycalendar) -> np.ndarray:
    """Latest instant whose counted time since ``paid_us`` is at most ``allowance_us``.

    Counted time is time on counted days. With ``s`` the counted part of the payment day already
    elapsed (0 when paid on an excluded day: the clock starts when it ends), the target is
    ``s + allowance`` counted time from the start of the first counted day on/after the payment
    day: ``k`` whole counted days and a remainder ``r``. When ``r == 0`` the allowance ends at a
    day boundary and the latest such instant is the start of the next counted day, which is what
    ``busday_offset(..., k) + 0`` gives, skipping any excluded run in between.
    """
    day = np.floor_divide(paid_us, US_PER_DAY)
    elapsed = np.where(_counted(day, cal), paid_us - day * US_PER_DAY, 0)
    whole, rest = np.divmod(elapsed + allowance_us, US_PER_DAY)
    return _offset_days(day, whole, cal) * US_PER_DAY + rest


def pickup_day(paid_us: np.ndarray, cutoff_us: int, cal: np.busdaycalendar) -> np.ndarray:
    """Day T of the JIT pickup rule as ``datetime64[D]``.

    Paid on a working day before the cutoff: that day; at/after the cutoff: the next working day;
    on a non-working day: the next working day.
    """
    day = np.floor_divide(paid_us, US_PER_DAY)
    base = day + ((paid_us - day * US_PER_DAY) >= cutoff_us)
    return _offset_days(base, 0, cal).astype("datetime64[D]")


def day_deadline(t_day: np.ndarray, offset_days: np.ndarray, at_us: int, cal: np.busdaycalendar) -> np.ndarray:
    """T advanced by ``offset_days`` working days, at the time of day ``at_us``."""
    return _offset_days(t_day.astype(np.int64), offset_days, cal) * US_PER_DAY + at_us


def excluded_days_between(
    first_us: np.ndarray, last_us: np.ndarray, cal: np.busdaycalendar
) -> np.ndarray:
    """How many whole excluded days lie in [day of first, day of last) — for explanations."""
    _, a = _days(first_us)
    _, b = _days(last_us)
    b = np.maximum(a, b)
    return (b - a).astype(np.int64) - np.busday_count(a, b, busdaycal=cal)


def excluded_span(first_us: np.ndarray, last_us: np.ndarray, cal: np.busdaycalendar):
    """First and last excluded day in [day of first, day of last) (NaT where none).

    Found by bisection on ``busday_count`` (a run of d days is clean iff it counts d busdays),
    so it stays vectorised: about log2(span) passes over the column.
    """
    _, a = _days(first_us)
    _, b = _days(last_us)
    span = np.maximum((b - a).astype(np.int64), 0)
    b = a + span.astype("timedelta64[D]")
    has = np.busday_count(a, b, busdaycal=cal) < span
    first = a + _clean_run(a, np.where(has, span, 0), cal, forward=True).astype("timedelta64[D]")
    back = _clean_run(b, np.where(has, span, 0), cal, forward=False)
    last = b - (back + 1).astype("timedelta64[D]")
    nat = np.datetime64("NaT", "D")
    return np.where(has, first, nat), np.where(has, last, nat)


def _clean_run(edge: np.ndarray, hi: np.ndarray, cal, *, forward: bool) -> np.ndarray:
    """Length of the run of counted days next to ``edge`` (bounded by ``hi``, which is unclean)."""
    lo = np.zeros(len(edge), dtype=np.int64)
    hi = hi.astype(np.int64)
    while True:
        active = hi - lo > 1
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        delta = mid.astype("timedelta64[D]")
        if forward:
            count = np.busday_count(edge, edge + delta, busdaycal=cal)
        else:
            count = np.busday_count(edge - delta, edge, busdaycal=cal)
        clean = count == mid
        lo = np.where(active & clean, mid, lo)
        hi = np.where(active & ~clean, mid, hi)
