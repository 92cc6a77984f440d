"""Deadlines derived by hand from docs/rules.md, one line of the table per rule it exercises.

Each expected value was worked out on paper from the rules' wording (the working is in the
``why`` column), not computed with the engine. 2024 calendar facts used: 2024-04-12 is a Friday;
the official breaks Labour Day 2024-05-01..05-05, Dragon Boat 06-08..06-10; 2024-09-29 (Sun)
is a make-up working day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import xlcompliance as xlc

D = dt.datetime


def T(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


NO_HOLIDAYS = xlc.Calendar(statutory=False)

POP_CASES = [
    # paid_at, listed_at, sales, expected, why
    ("2024-04-15 10:00", None, None, "2024-04-17 10:00", "Mon + 48 h, nothing excluded"),
    ("2024-04-19 10:00", None, None, "2024-04-22 10:00", "Fri 14 h + Sat 24 h + Mon 10 h; Sun 04-21 not counted"),
    ("2024-04-19 00:00", None, None, "2024-04-22 00:00", "allowance ends Sat 24:00 as Sunday begins: latest instant is Mon 00:00"),
    ("2024-04-19 00:00:01", None, None, "2024-04-22 00:00:01", "one second later: Mon 00:00:01"),
    ("2024-04-21 15:00", None, None, "2024-04-24 00:00", "paid on Sunday: the clock starts Mon 00:00"),
    ("2024-04-20 23:59:59", None, None, "2024-04-23 23:59:59", "Sat 1 s + Mon 24 h + Tue 23:59:59"),
    ("2024-03-22 10:00", None, None, "2024-03-24 10:00", "before the effective date Sundays count"),
    ("2024-04-11 23:59:59", "2024-04-01", None, "2024-04-13 23:59:59", "new listing but paid before 04-12: standard, Sunday counts"),
    ("2024-04-12 00:00", None, None, "2024-04-15 00:00", "effective date: Fri + Sat = 48 h, Sunday excluded"),
    ("2024-04-12 00:00", "2024-04-01", None, "2024-04-16 00:00", "effective date, new listing: 72 h, Sunday excluded"),
    ("2024-04-30 10:00", None, None, "2024-05-07 10:00", "Apr 30 14 h, Labour Day break 05-01..05-05 excluded, Mon 24 h, Tue 10 h"),
    ("2024-05-31 12:00", "2024-05-01 12:00", None, "2024-06-04 12:00", "listed exactly 30 days before: relaxed 72 h"),
    ("2024-05-31 12:00", "2024-05-01 11:59", None, "2024-06-03 12:00", "30 days + 1 minute: standard 48 h"),
    ("2024-05-31 12:00", "2024-05-31 12:00", None, "2024-06-04 12:00", "listed at the payment instant: 0 days, relaxed"),
    ("2024-05-31 12:00", None, 10, "2024-06-04 12:00", "10 orders last month: relaxed"),
    ("2024-05-31 12:00", None, 11, "2024-06-03 12:00", "11 orders last month: standard"),
    ("2024-05-31 12:00", None, 0, "2024-06-04 12:00", "0 orders last month: relaxed"),
    ("2024-05-31 12:00", "2023-01-01", 11, "2024-06-03 12:00", "old listing and 11 sales: standard"),
    ("2024-09-27 10:00", None, None, "2024-09-30 10:00", "Sun 09-29 is a make-up working day, still not counted for POP"),
    ("2024-06-07 10:00", None, None, "2024-06-12 10:00", "Fri 14 h; Dragon Boat 06-08..06-10 excluded; Tue 24 h; Wed 10 h"),
]


@pytest.mark.parametrize("paid, listed, sales, expected, why", POP_CASES, ids=[c[4] for c in POP_CASES])
def test_pop_deadline(paid, listed, sales, expected, why):
    assert xlc.pop_deadline(paid, listed, sales) == T(expected)


JIT_PICKUP_CASES = [
    # paid_at, sales, expected, why
    ("2024-04-15 13:59:59", None, "2024-04-15 23:59:59", "before 14:00: T = the day, T+0"),
    ("2024-04-15 14:00:00", None, "2024-04-16 23:59:59", "at 14:00: T+1"),
    ("2024-04-15 23:59:59", None, "2024-04-16 23:59:59", "late evening: T+1"),
    ("2024-04-21 10:00", None, "2024-04-21 23:59:59", "JIT counts Sundays"),
    ("2024-04-15 13:59:59", 3, "2024-04-17 23:59:59", "relaxed before 14:00: T+2"),
    ("2024-04-15 14:00", 3, "2024-04-18 23:59:59", "relaxed at 14:00: T+3"),
    ("2024-05-01 15:00", None, "2024-05-06 23:59:59", "paid in the Labour Day break: T = next working day, as if before 14:00"),
    ("2024-05-01 09:00", 3, "2024-05-08 23:59:59", "paid in the break, relaxed: T = 05-06, +2 working days"),
    ("2024-04-30 15:00", None, "2024-05-06 23:59:59", "after 14:00 on the eve of the break: next working day 05-06"),
    ("2024-04-29 10:00", 5, "2024-05-06 23:59:59", "relaxed: T = 04-29, 04-30, then the break, then 05-06"),
    ("2024-04-11 10:00", 3, "2024-04-11 23:59:59", "paid before the effective date: standard"),
]


@pytest.mark.parametrize("paid, sales, expected, why", JIT_PICKUP_CASES, ids=[c[3] for c in JIT_PICKUP_CASES])
def test_jit_pickup_deadline(paid, sales, expected, why):
    assert xlc.jit_deadline(paid, "pickup", None, sales) == T(expected)


JIT_SELF_CASES = [
    ("2024-04-20 10:00", None, "2024-04-22 10:00", "48 h, Sunday counts for JIT"),
    ("2024-04-15 10:00", 0, "2024-04-19 10:00", "relaxed 96 h"),
    ("2024-04-30 15:00", None, "2024-05-07 15:00", "Apr 30 9 h, break excluded, May 6 24 h, May 7 15 h"),
    ("2024-05-03 08:00", None, "2024-05-08 00:00", "paid in the break: clock starts 05-06 00:00, 48 h"),
]


@pytest.mark.parametrize("paid, sales, expected, why", JIT_SELF_CASES, ids=[c[3] for c in JIT_SELF_CASES])
def test_jit_self_deadline(paid, sales, expected, why):
    assert xlc.jit_deadline(paid, "self", None, sales) == T(expected)


def test_missing_method_means_pickup_and_aliases():
    assert xlc.jit_deadline("2024-04-15 14:00", None) == T("2024-04-16 23:59:59")
    assert xlc.jit_deadline("2024-04-15 14:00", " 上门揽收 ") == T("2024-04-16 23:59:59")
    assert xlc.jit_deadline("2024-04-15 10:00", "自寄") == T("2024-04-17 10:00")
    assert xlc.jit_deadline("2024-04-15 10:00", " SELF ") == T("2024-04-17 10:00")


def test_jit_only_window_does_not_touch_pop_and_vice_versa():
    jit_cal = xlc.Calendar([("2024-06-18", "2024-06-19", "JIT")], statutory=False)
    pop_cal = xlc.Calendar([("2024-06-18", "2024-06-18", "POP")], statutory=False)
    paid = "2024-06-17 10:00"
    assert xlc.pop_deadline(paid, calendar=jit_cal) == T("2024-06-19 10:00")
    assert xlc.jit_deadline(paid, "self", calendar=jit_cal) == T("2024-06-21 10:00")
    assert xlc.jit_deadline(paid, "pickup", calendar=jit_cal) == T("2024-06-17 23:59:59")
    assert xlc.jit_deadline("2024-06-17 15:00", "pickup", calendar=jit_cal) == T("2024-06-20 23:59:59")
    assert xlc.pop_deadline(paid, calendar=pop_cal) == T("2024-06-20 10:00")
    assert xlc.jit_deadline(paid, "self", calendar=pop_cal) == T("2024-06-19 10:00")


def test_windows_apply_whatever_the_payment_date():
    cal = xlc.Calendar([("2023-06-13", "2023-06-13")], statutory=False)
    # Before the effective date there is no Sunday exclusion, but holiday windows still apply.
    assert xlc.pop_deadline("2023-06-12 10:00", calendar=cal) == T("2023-06-15 10:00")


def test_statutory_off_removes_official_breaks():
    assert xlc.pop_deadline("2024-04-30 10:00", calendar=NO_HOLIDAYS) == T("2024-05-02 10:00")


TIMEZONE_CASES = [
    ("2024-04-15T02:00:00Z", "UTC string"),
    ("2024-04-15T10:00:00+08:00", "Shanghai offset"),
    ("2024-04-14T22:00:00-04:00", "New York offset"),
    (D(2024, 4, 14, 22, 0, tzinfo=ZoneInfo("America/New_York")), "aware datetime"),
    (pd.Timestamp("2024-04-15 04:00", tz="Europe/Berlin"), "aware Timestamp"),
    (pd.Timestamp("2024-04-15 10:00"), "naive Timestamp is platform time"),
    ("2024-04-15 10:00", "naive string is platform time"),
    ("2024/04/15 10:00", "slashes as exported"),
]


@pytest.mark.parametrize("paid, why", TIMEZONE_CASES, ids=[c[1] for c in TIMEZONE_CASES])
def test_time_zones_are_converted_to_platform_time(paid, why):
    result = xlc.pop_deadline(paid)
    assert result == T("2024-04-17 10:00")
    assert result.tzinfo is None


SERIAL_CASES = [
    (45397.5, "pop", "2024-04-17 12:00", "serial 45397.5 = 2024-04-15 12:00"),
    (45397 + 50399 / 86400, "pickup", "2024-04-15 23:59:59", "13:59:59 as a serial: T+0"),
    (45397 + 14 / 24, "pickup", "2024-04-16 23:59:59", "14:00 as a serial: T+1"),
    (45397 + 14 / 24 - 0.4 / 86400, "pickup", "2024-04-16 23:59:59", "13:59:59.6 rounds to 14:00:00"),
    (45401.0, "pop", "2024-04-22 00:00", "serial of Fri 2024-04-19 00:00: latest-instant rule"),
    (45397.25, "self", "2024-04-17 06:00", "self-send from a serial"),
]


@pytest.mark.parametrize("serial, kind, expected, why", SERIAL_CASES, ids=[c[3] for c in SERIAL_CASES])
def test_excel_serials(serial, kind, expected, why):
    if kind == "pop":
        got = xlc.pop_deadline(serial)
    else:
        got = xlc.jit_deadline(serial, kind)
    assert got == T(expected)


@pytest.mark.parametrize("serial", [60, 60.99, 0, -1, 2958466, float("inf"), float("nan")])
def test_excel_serials_out_of_range_are_errors(serial):
    with pytest.raises(ValueError, match="paid_at"):
        xlc.pop_deadline(serial)


def test_excel_serial_range_edges():
    assert xlc.pop_deadline(61) == T("1900-03-03 00:00")  # 1900-03-01 is a Thursday
    with pytest.raises(ValueError, match="9999-12-31"):
        xlc.pop_deadline(2958465.5)  # valid input, but its deadline is past Excel's last day


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(paid_at="not a date"), "paid_at"),
        (dict(paid_at=None), "paid_at"),
        (dict(paid_at="2024-04-15", listed_at="2024-04-16"), "listed_at"),
        (dict(paid_at="2024-04-15", last_month_sales=-1), "last_month_sales"),
        (dict(paid_at="2024-04-15", last_month_sales=2.5), "last_month_sales"),
        (dict(paid_at="2024-04-15", last_month_sales="many"), "last_month_sales"),
        (dict(paid_at="2024-04-15", listed_at="#N/A"), "listed_at"),
    ],
)
def test_scalar_bad_input_raises_value_error_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        xlc.pop_deadline(**kwargs)


def test_unknown_method_is_an_error():
    with pytest.raises(ValueError, match="method"):
        xlc.jit_deadline("2024-04-15", "carrier pigeon")


def test_text_numbers_for_sales():
    assert xlc.pop_deadline("2024-05-31 12:00", last_month_sales=" 10 ") == T("2024-06-04 12:00")
    assert xlc.pop_deadline("2024-05-31 12:00", last_month_sales="11.0") == T("2024-06-03 12:00")


def test_month_end_deadlines_land_in_the_right_month():
    frame = pd.DataFrame({
        "channel": ["JIT", "JIT"],
        "paid_at": ["2024-04-30 13:00", "2024-04-30 14:00"],
        "fulfilled_at": ["2024-04-30 20:00", "2024-05-06 08:00"],
    })
    out = xlc.assess(frame, as_of="2024-07-01")
    assert list(out["deadline"]) == [T("2024-04-30 23:59:59"), T("2024-05-06 23:59:59")]
    summary = xlc.monthly_summary(out, as_of="2024-07-01")
    assert [str(m) for m in summary["month"]] == ["2024-04", "2024-05"]
