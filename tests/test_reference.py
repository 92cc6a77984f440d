"""Self-tests of the literal reference (tests/reference.py): the rules' worked examples by hand,
and cross-checks between independent formulations. No engine involved."""

from datetime import date, datetime, timedelta

import pytest
import reference as ref
import strategies as sx
from hypothesis import given, settings
from hypothesis import strategies as st

NONE = ref.holiday_days((), statutory=False)
STAT = ref.holiday_days((), statutory=True)
D = datetime


@pytest.mark.parametrize(
    "paid, listed, sales, days, expected",
    [
        # before the effective date: no Sunday exclusion, never relaxed
        (D(2024, 4, 11, 10), None, 0, NONE, D(2024, 4, 13, 10)),
        # allowance runs out at Saturday 24:00 -> Monday 00:00 (the latest-instant example)
        (D(2024, 5, 17, 0), None, None, NONE, D(2024, 5, 20, 0)),
        # paid on a Sunday: the clock starts Monday 00:00
        (D(2024, 5, 19, 15), None, None, NONE, D(2024, 5, 22, 0)),
        # relaxed 72 h across a Sunday
        (D(2024, 5, 16, 12), None, 10, NONE, D(2024, 5, 20, 12)),
        (D(2024, 5, 16, 12), None, 11, NONE, D(2024, 5, 18, 12)),
        (D(2024, 5, 16, 12), D(2024, 4, 16, 12), None, NONE, D(2024, 5, 20, 12)),  # 30 d exactly
        (D(2024, 5, 16, 12), D(2024, 4, 16, 11, 59), None, NONE, D(2024, 5, 18, 12)),
        # Mid-Autumn 2024 (09-15..09-17); Saturday 09-14 is a make-up working day and counts
        (D(2024, 9, 13, 10), None, None, STAT, D(2024, 9, 18, 10)),
        # Sunday 09-29 is a make-up working day but POP still excludes Sundays; the allowance
        # runs out at 10-01 00:00, the start of the National Day break -> its end
        (D(2024, 9, 28, 0), None, None, STAT, D(2024, 10, 8, 0)),
    ],
)
def test_pop_examples(paid, listed, sales, days, expected):
    assert ref.ref_pop_deadline(paid, listed, sales, days=days) == expected


@pytest.mark.parametrize(
    "paid, method, sales, days, expected",
    [
        (D(2024, 5, 15, 13, 59), "pickup", None, NONE, D(2024, 5, 15, 23, 59, 59)),
        (D(2024, 5, 15, 14, 0), "pickup", None, NONE, D(2024, 5, 16, 23, 59, 59)),
        (D(2024, 5, 15, 13, 59), "pickup", 3, NONE, D(2024, 5, 17, 23, 59, 59)),
        (D(2024, 5, 15, 14, 0), "pickup", 3, NONE, D(2024, 5, 18, 23, 59, 59)),  # Sat counts
        (D(2024, 5, 19, 12, 0), "pickup", None, NONE, D(2024, 5, 19, 23, 59, 59)),  # Sun counts
        # Labour Day 2024 break 05-01..05-05
        (D(2024, 4, 30, 15, 0), "pickup", None, STAT, D(2024, 5, 6, 23, 59, 59)),
        (D(2024, 4, 30, 13, 0), "pickup", None, STAT, D(2024, 4, 30, 23, 59, 59)),
        (D(2024, 5, 3, 9, 0), "pickup", None, STAT, D(2024, 5, 6, 23, 59, 59)),  # as if < 14:00
        (D(2024, 5, 3, 15, 0), "pickup", 0, STAT, D(2024, 5, 8, 23, 59, 59)),
        (D(2024, 4, 30, 12, 0), "self", 0, STAT, D(2024, 5, 9, 12, 0)),
        # JIT self-send: the make-up Sunday 2024-09-29 counts for JIT
        (D(2024, 9, 28, 0), "self", None, STAT, D(2024, 9, 30, 0)),
        # allowance ends 10-01 00:00 exactly as the National Day break begins -> 10-08 00:00
        (D(2024, 9, 29, 0), "self", None, STAT, D(2024, 10, 8, 0)),
    ],
)
def test_jit_examples(paid, method, sales, days, expected):
    assert ref.ref_jit_deadline(paid, method, None, sales, days=days) == expected


def test_eligibility_boundaries():
    p = D(2024, 6, 1, 12)
    assert not ref.eligible(D(2024, 4, 11, 23, 59), None, 0)
    assert ref.eligible(D(2024, 4, 12, 0, 0), None, 0)
    assert ref.eligible(p, p, None)
    assert ref.eligible(p, p - timedelta(days=30), None)
    assert not ref.eligible(p, p - timedelta(days=30, minutes=1), None)
    assert not ref.eligible(p, p + timedelta(minutes=1), None)
    assert ref.eligible(p, None, 10)
    assert not ref.eligible(p, None, 11)
    assert not ref.eligible(p, None, None)
    assert ref.eligible(p, p - timedelta(days=90), 0)


def test_windows_expand_by_scope():
    w = [(date(2024, 7, 1), date(2024, 7, 3), "POP"), (date(2024, 7, 3), date(2024, 7, 4), "JIT"),
         (date(2024, 8, 1), date(2024, 8, 1), "ALL")]
    days = ref.holiday_days(w)
    assert days["POP"] == {date(2024, 7, 1), date(2024, 7, 2), date(2024, 7, 3), date(2024, 8, 1)}
    assert days["JIT"] == {date(2024, 7, 3), date(2024, 7, 4), date(2024, 8, 1)}


@settings(max_examples=150, deadline=None)
@given(data=st.data(), hours=st.sampled_from([48, 72, 96]))
def test_day_walk_equals_minute_walk_and_definition(data, hours):
    paid = data.draw(sx.paid_at())
    windows = data.draw(sx.windows_near(paid.date()))
    days = ref.holiday_days(windows, statutory=data.draw(st.booleans()))
    for excluded in (ref.pop_excluded(paid, days["POP"]), days["JIT"]):
        dl = ref.hours_deadline(paid, hours, excluded)
        assert dl == ref.hours_deadline_by_minute(paid, hours, excluded)
        # the definition: counted time up to dl is the allowance, one second later it is more
        assert ref.counted_time(paid, dl, excluded) == timedelta(hours=hours)
        assert ref.counted_time(paid, dl + timedelta(seconds=1), excluded) > timedelta(hours=hours)
