"""Shared hypothesis strategies for the xlcompliance property tests.

All datetimes are naive platform time at minute resolution. Draws are biased toward the
instants where the rules change behaviour: the 14:00 JIT cutoff, midnights, Saturday late
evening (POP's Sunday), days at the edges of official breaks, and the 2024-04-12 effective date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import reference as ref
from hypothesis import strategies as st

PAID_MIN = datetime(2023, 6, 1)
PAID_MAX = datetime(2026, 12, 31, 23, 59)

SCOPES = ("POP", "JIT", "ALL")
CHANNEL_METHODS = (("POP", None), ("JIT", "pickup"), ("JIT", "self"))

INTERESTING_TIMES = [
    time(0, 0), time(0, 1), time(13, 59), time(14, 0), time(14, 1), time(12, 0),
    time(23, 0), time(23, 59),
]


def _interesting_dates() -> list[date]:
    out = {date(2024, 4, 11), date(2024, 4, 12), date(2024, 4, 13), date(2024, 4, 14)}
    for first, last in ref.official_breaks(range(2023, 2027)):
        for d in (first - timedelta(days=2), first - timedelta(days=1), first,
                  last, last + timedelta(days=1)):
            if PAID_MIN.date() <= d <= PAID_MAX.date():
                out.add(d)
    return sorted(out)


INTERESTING_DATES = _interesting_dates()


def _trunc_minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def times() -> st.SearchStrategy[time]:
    """A minute-resolution time of day, often one of the interesting ones."""
    interesting = st.sampled_from(INTERESTING_TIMES)
    return st.one_of(interesting, interesting, st.builds(time, st.integers(0, 23), st.integers(0, 59)))


def _saturday_late() -> st.SearchStrategy[datetime]:
    first_sat = date(2023, 6, 3)
    n_weeks = (PAID_MAX.date() - first_sat).days // 7
    return st.builds(
        lambda w, h, m: datetime.combine(first_sat + timedelta(weeks=w), time(h, m)),
        st.integers(0, n_weeks), st.integers(20, 23), st.integers(0, 59),
    )


def paid_at() -> st.SearchStrategy[datetime]:
    """paid_at in 2023-06 .. 2026-12, minute resolution, biased toward interesting instants."""
    near_interesting = st.builds(datetime.combine, st.sampled_from(INTERESTING_DATES), times())
    return st.one_of(
        near_interesting,
        near_interesting,
        _saturday_late(),
        st.datetimes(PAID_MIN, PAID_MAX).map(_trunc_minute),
    )


def paid_near(center: date, spread_days: int = 10) -> st.SearchStrategy[datetime]:
    """paid_at within +-spread_days of ``center`` (clamped to the paid_at range)."""
    return st.builds(
        lambda k, t: min(max(datetime.combine(center + timedelta(days=k), t), PAID_MIN), PAID_MAX),
        st.integers(-spread_days, spread_days), times(),
    )


def listed_at(paid: datetime) -> st.SearchStrategy[datetime | None]:
    """listed_at for an order paid at ``paid``: never after it (that is an input error)."""
    d30 = timedelta(days=30)
    return st.one_of(
        st.none(),
        st.sampled_from([paid - d30, paid - d30 - timedelta(minutes=1),
                         paid - d30 + timedelta(minutes=1), paid]),
        st.integers(0, 90 * 24 * 60).map(lambda m: paid - timedelta(minutes=m)),
    )


def last_month_sales() -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), st.sampled_from([0, 10, 11]), st.integers(0, 500))


def window(lo: date, hi: date) -> st.SearchStrategy[tuple[date, date, str]]:
    """One holiday window (start, end, scope), inclusive, starting in [lo, hi], 1..9 days."""
    span = (hi - lo).days
    return st.builds(
        lambda k, n, s: (lo + timedelta(days=k), lo + timedelta(days=k + n), s),
        st.integers(0, span), st.integers(0, 8), st.sampled_from(SCOPES),
    )


def windows(lo: date = date(2023, 5, 1), hi: date = date(2027, 1, 31), max_size: int = 4):
    return st.lists(window(lo, hi), max_size=max_size)


def windows_near(center: date, max_size: int = 3):
    """Windows that start between 5 days before and 10 days after ``center``."""
    return windows(center - timedelta(days=5), center + timedelta(days=10), max_size=max_size)


def channel_method() -> st.SearchStrategy[tuple[str, str | None]]:
    return st.sampled_from(CHANNEL_METHODS)
