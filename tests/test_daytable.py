"""The day table answers exactly what numpy's busday functions answer (the old formulation, kept
here only as the reference), on any weekmask, dense or sparse holidays, and dates anywhere in
Excel's range — far before and after the span the holidays cover."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlcompliance as xlc
from xlcompliance.core.daytable import DayTable

EXCEL_FIRST = int(np.datetime64("1900-03-01", "D").astype(np.int64))
EXCEL_LAST = int(np.datetime64("9999-12-31", "D").astype(np.int64))
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

weekmasks = st.lists(st.booleans(), min_size=7, max_size=7).filter(any).map(
    lambda bits: "".join("1" if b else "0" for b in bits)
)


@st.composite
def holidays(draw):
    """Holiday days: a dense window (runs, most days off), plus a few scattered ones."""
    centre = draw(st.integers(EXCEL_FIRST + 400, EXCEL_LAST - 400))
    width = draw(st.integers(0, 120))
    dense = [centre + i for i in range(width) if draw(st.integers(0, 9)) < 7]
    scattered = draw(st.lists(st.integers(EXCEL_FIRST, EXCEL_LAST), max_size=6))
    return np.array(sorted(set(dense + scattered)), dtype=np.int64)


@st.composite
def days_near(draw, excluded: np.ndarray, size: int):
    """Days anywhere in Excel's range, often at, inside or next to the holidays."""
    anywhere = st.integers(EXCEL_FIRST, EXCEL_LAST)
    if len(excluded):
        lo, hi = int(excluded.min()), int(excluded.max())
        near = st.integers(lo - 15, hi + 15)
        at = st.sampled_from(excluded.tolist())
        choice = st.one_of(anywhere, near, near, at)
    else:
        choice = anywhere
    return np.array(draw(st.lists(choice, min_size=size, max_size=size)), dtype=np.int64)


def numpy_cal(weekmask: str, excluded: np.ndarray) -> np.busdaycalendar:
    return np.busdaycalendar(weekmask=weekmask, holidays=excluded.astype("datetime64[D]"))


def as_days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


@SETTINGS
@given(weekmask=weekmasks, excluded=holidays(), data=st.data())
def test_table_equals_numpy_busday(weekmask, excluded, data):
    table = DayTable(weekmask, excluded.astype("datetime64[D]"))
    cal = numpy_cal(weekmask, excluded)
    days = data.draw(days_near(excluded, 40))
    ends = data.draw(days_near(excluded, 40))
    n = np.array(data.draw(st.lists(st.integers(-40, 400), min_size=40, max_size=40)), dtype=np.int64)

    counted = table.is_counted(days)
    assert counted.dtype == bool and (counted == np.is_busday(as_days(days), busdaycal=cal)).all()
    assert (table.count(days, ends) == np.busday_count(as_days(days), as_days(ends), busdaycal=cal)).all()
    expected = np.busday_offset(as_days(days), n, roll="forward", busdaycal=cal).astype(np.int64)
    assert (table.offset(days, n) == expected).all()
    # number and day_of are inverse on counted days
    assert (table.day_of(table.number(expected)) == expected).all()
    # all inside the holidays' span: answered by lookups in the day-by-day part of the table
    if len(excluded):
        inside = np.clip(days, excluded[0], excluded[-1])
        assert (table.is_counted(inside) == np.is_busday(as_days(inside), busdaycal=cal)).all()
        small = np.minimum(n, 3).clip(0)
        expected = np.busday_offset(as_days(inside), small, roll="forward", busdaycal=cal).astype(np.int64)
        assert (table.offset(inside, small) == expected).all()
        assert (table.count(inside, inside[::-1]) == np.busday_count(
            as_days(inside), as_days(inside[::-1]), busdaycal=cal)).all()
    # a range of days (inside the holidays' span a view of the table) answers like its days
    first, length = int(days[0]), data.draw(st.integers(0, 500))
    run = np.arange(first, first + length)
    assert (table.number_range(first, length) == table.number(run)).all()
    assert (table.counted_range(first, length) == np.is_busday(as_days(run), busdaycal=cal)).all()
    assert (np.diff(table.number_range(first, length)) == np.is_busday(as_days(run[:-1]), busdaycal=cal)).all()


@SETTINGS
@given(weekmask=weekmasks, excluded=holidays(), data=st.data())
def test_first_and_last_excluded_day_of_a_range(weekmask, excluded, data):
    table = DayTable(weekmask, excluded.astype("datetime64[D]"))
    cal = numpy_cal(weekmask, excluded)
    begins = data.draw(days_near(excluded, 10))
    lengths = np.array(data.draw(st.lists(st.integers(0, 400), min_size=10, max_size=10)), dtype=np.int64)
    ends = begins + lengths
    first = table.first_excluded(begins, ends)
    last = table.last_excluded(begins, ends)
    for a, b, f, la in zip(begins, ends, first, last, strict=True):
        off = a + np.flatnonzero(~np.is_busday(as_days(np.arange(a, b)), busdaycal=cal))
        assert f == (off[0] if len(off) else b)
        assert la == (off[-1] if len(off) else a - 1)


def test_every_day_of_excels_range_with_the_real_calendar():
    """Each day 1900-03-01 .. 9999-12-31 and the offsets of the clocks, on the statutory breaks."""
    calendar = xlc.Calendar([("2024-06-18", "2024-06-20", "JIT"), ("2031-02-01", "2031-02-03")])
    days = np.arange(EXCEL_FIRST, EXCEL_LAST + 1)
    for channel in ("POP", "JIT"):
        for weekmask in ("1111111", "1111110"):
            table = calendar.day_table(channel, weekmask)
            cal = numpy_cal(weekmask, calendar.holidays(channel).astype(np.int64))
            assert (table.is_counted(days) == np.is_busday(as_days(days), busdaycal=cal)).all()
            for n in (0, 1, 3):
                expected = np.busday_offset(as_days(days), n, roll="forward", busdaycal=cal).astype(np.int64)
                assert (table.offset(days, n) == expected).all()
            ends = days + 9
            assert (table.count(days, ends) == np.busday_count(as_days(days), as_days(ends), busdaycal=cal)).all()


@pytest.mark.parametrize("weekmask, message", [("0000000", "every weekday"), ("111111", "seven 0/1")])
def test_bad_weekmask(weekmask, message):
    with pytest.raises(ValueError, match=message):
        DayTable(weekmask)
