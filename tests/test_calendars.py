"""Calendar: announced windows, scopes, statutory switch, loading from CSV and xlsx."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xlc


def days(cal, channel):
    return [str(d) for d in cal.holidays(channel)]


def test_windows_scopes_and_inclusive_ends():
    cal = xlc.Calendar(
        [("2024-06-18", "2024-06-19", "JIT"), (dt.date(2024, 7, 1), dt.date(2024, 7, 1), "pop"),
         (pd.Timestamp("2024-08-01"), "2024-08-02")],
        statutory=False,
    )
    assert days(cal, "JIT") == ["2024-06-18", "2024-06-19", "2024-08-01", "2024-08-02"]
    assert days(cal, "POP") == ["2024-07-01", "2024-08-01", "2024-08-02"]


def test_statutory_breaks_are_included_by_default():
    cal = xlc.Calendar()
    jit = set(cal.holidays("JIT").astype(str))
    assert {"2024-05-01", "2024-05-05", "2024-06-08", "2024-06-10"} <= jit
    assert "2024-05-06" not in jit and "2024-05-11" not in jit  # 05-11 is a make-up working day
    assert not len(xlc.Calendar(statutory=False).holidays("JIT"))


@pytest.mark.parametrize(
    "window, message",
    [
        (("2024-06-19", "2024-06-18"), "before start"),
        (("2024-06-18", "x"), "not a date"),
        (("2024-06-18", "2024-06-19", "SEA"), "scope must be POP, JIT or ALL"),
        (("2024-06-18",), "expected (start, end[, scope])"),
    ],
)
def test_bad_windows(window, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        xlc.Calendar([window])


def test_from_csv_with_chinese_headers(tmp_path):
    path = tmp_path / "holidays.csv"
    path.write_text("开始日期,结束日期,适用范围,名称\n2024-06-18,2024-06-19,JIT,平台活动\n\n", encoding="utf-8")
    cal = xlc.read_holidays(path, statutory=False)
    assert cal.windows == ((dt.date(2024, 6, 18), dt.date(2024, 6, 19), "JIT"),)


def test_from_xlsx_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"a": [1]}).to_excel(w, sheet_name="Orders", index=False)
        pd.DataFrame({"start": [dt.datetime(2024, 6, 18)], "end": [dt.datetime(2024, 6, 19)], "scope": ["ALL"]}).to_excel(
            w, sheet_name="Holidays", index=False)
    cal = xlc.read_holidays(path, statutory=False)
    assert days(cal, "POP") == ["2024-06-18", "2024-06-19"]
    with pytest.raises(xlc.InputFileError, match="no sheet named 'Nope'"):
        xlc.read_holidays(path, sheet="Nope")


def test_from_frame_reports_the_bad_row():
    with pytest.raises(ValueError, match="row 3"):
        xlc.Calendar.from_frame(pd.DataFrame({"start": ["2024-01-01", "nope"], "end": ["2024-01-02", "2024-01-03"]}))


def test_day_table_is_cached_and_consistent():
    cal = xlc.Calendar(statutory=False)
    assert cal.day_table("POP", "1111110") is cal.day_table("POP", "1111110")
    assert not cal.day_table("POP", "1111110").is_counted(np.datetime64("2024-04-21").astype(np.int64))


def test_years_without_make_up_days_are_the_unannounced_ones():
    import holidays

    from xlcompliance.core.calendar import unannounced_years

    cn = holidays.China(years=range(2015, 2031))
    listed = {d.year for d in cn.weekend_workdays}
    assert set(unannounced_years(2015, 2030)) == set(range(2015, 2031)) - listed
    assert 2024 not in unannounced_years(2015, 2030)  # announced: make-up days on Sundays and Saturdays


def test_an_assessment_reaching_into_an_unannounced_year_warns_naming_it(monkeypatch):
    import warnings

    import pandas as pd

    import xlcompliance as xlc
    from xlcompliance.core import calendar as calendar_module

    monkeypatch.setattr(calendar_module, "unannounced_years", lambda first, last: (2027, 2028))
    orders = pd.DataFrame({"channel": ["POP", "POP"], "paid_at": ["2026-12-31 10:00", "2026-05-06 10:00"]})
    with pytest.warns(UserWarning, match="arrangement for 2027 is not known yet") as caught:
        out = xlc.assess(orders, as_of="2027-01-10")  # the first order's deadline is in 2027
    assert len([w for w in caught if "holidays:" in str(w.message)]) == 1
    assert out.attrs["warnings"] == [str(caught[0].message)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # orders of 2026 alone, or no official breaks: nothing to say
        assert xlc.assess(orders.iloc[1:], as_of="2027-01-10").attrs["warnings"] == []
        quiet = xlc.assess(orders, as_of="2027-01-10", calendar=xlc.Calendar(statutory=False))
        assert quiet.attrs["warnings"] == []
