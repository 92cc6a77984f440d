"""What a new user hits first on the command line: exports nothing in which can be read, day-first
dates, options in the wrong place, output folders that do not exist, Chinese shop names."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.cli import main
from xlcompliance.cli.common import format_summary
from xlcompliance.io.sample import sample_path

# POP, no listing date or sales: standard 48 h, Sundays not counted (paid after 2024-04-12).
# Paid Sat 13 Apr 2024 10:00 -> deadline Tue 16 Apr 10:00; scanned Mon 15 Apr 09:00: on time.
# Paid Mon 15 Apr 10:00 -> Wed 17 Apr 10:00; scanned Thu 18 Apr 09:00: late.
DAY_FIRST = (
    "order_id,shop,channel,paid_at,fulfilled_at\n"
    "o1,S,POP,13/04/2024 10:00,15/04/2024 09:00\n"
    "o2,S,POP,15/04/2024 10:00,18/04/2024 09:00\n"
)


def test_every_row_failing_is_an_error_naming_the_commonest_reason_and_day_first_hint(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text(DAY_FIRST, encoding="utf-8")
    assert main(["assess", str(path), "--as-of", "2024-05-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "none of the 2 orders could be assessed" in err
    assert "commonest reason (2 rows), e.g. data row 1: paid_at: not a date or time: '13/04/2024 10:00'" in err
    assert "--dayfirst" in err
    assert main(["reconcile", str(path), "--penalties", str(path), "--as-of", "2024-05-01"]) == 2
    assert "--dayfirst" in capsys.readouterr().err


def test_dayfirst_reads_the_dates_day_first(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text(DAY_FIRST, encoding="utf-8")
    assert main(["assess", str(path), "--as-of", "2024-05-01", "--dayfirst"]) == 0
    assert "on_time 1, late 1" in capsys.readouterr().out
    out = xlc.assess(xlc.read_table(path), as_of="2024-05-01", dayfirst=True)
    assert list(out["deadline"]) == [pd.Timestamp("2024-04-16 10:00"), pd.Timestamp("2024-04-17 10:00")]
    assert list(out["status"]) == ["on_time", "late"]
    assert (xlc.assess(xlc.read_table(path), as_of="2024-05-01")["status"] == "error").all()  # never guessed


def test_month_first_dates_get_their_own_hint(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text("channel,paid_at\nPOP,04/13/2024 10:00\n", encoding="utf-8")
    assert main(["assess", str(path), "--dayfirst"]) == 2
    assert "month first (MM/DD/YYYY) are not read" in capsys.readouterr().err


def test_out_into_a_missing_folder_is_refused_naming_it(tmp_path, capsys):
    for command in (["assess"], ["reconcile"], ["workbook"]):
        target = tmp_path / "no-such-folder" / ("r.xlsx" if command != ["assess"] else "a.csv")
        assert main([*command, "--out", str(target)]) == 2
        err = capsys.readouterr().err
        assert f"the folder {target.parent} does not exist" in err and len(err.strip().splitlines()) == 1
        assert not target.parent.exists()


def test_sheet_with_a_csv_is_refused(tmp_path, capsys):
    assert main(["assess", "--sheet", "Orders"]) == 2  # the bundled sample is a CSV
    assert "has no sheets (sheet 'Orders' applies to an xlsx or xls file)" in capsys.readouterr().err
    with pytest.raises(xlc.InputFileError, match="has no sheets"):
        xlc.read_table(sample_path("orders.csv"), sheet="Orders")


@pytest.mark.parametrize("argv", [["assess", "--sheet", "X", "--debug"], ["--debug", "assess", "--sheet", "X"]])
def test_debug_before_or_after_the_command_shows_the_traceback(argv):
    with pytest.raises(xlc.InputFileError):
        main(argv)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_chinese_shop_names_line_up_in_the_summary_table():
    orders = pd.DataFrame({
        "shop": ["甲乙丙丁店", "Aurora Home", "乙"], "channel": "POP", "paid_at": "2024-05-06 10:00",
        "fulfilled_at": "2024-05-07 10:00",
    })
    table = format_summary(xlc.monthly_summary(xlc.assess(orders, as_of="2024-07-01")))
    lines = table.splitlines()
    assert len({display_width(line) for line in lines}) == 1, table
    starts = {display_width(line[: line.index("2024-05")]) for line in lines[1:]}
    assert len(starts) == 1, table


def test_month_columns_are_monthly_periods_that_compare_with_text():
    # pandas compares a period[M] column with "YYYY-MM" text by reading the text as a month; an
    # object column of Period values compares each Period with the text and is silently never
    # equal (e.g. the empty priority list's month column was such a column)
    from xlcompliance.core.scenarios import priority_list

    sample = xlc.sample()
    assessed = xlc.assess(sample.orders, as_of=sample.as_of)
    result = xlc.reconcile(assessed, sample.penalties, sample.refunds)
    frames = {
        "summary": xlc.monthly_summary(assessed, sample.penalties),
        "reconcile": result.summary, "penalties": result.penalties, "refunds": result.refunds,
        "priority": priority_list(assessed),
        "priority, nothing pending": priority_list(xlc.assess(sample.orders, as_of="2030-01-01")),
    }
    for name, frame in frames.items():
        assert frame["month"].dtype == pd.PeriodDtype("M"), name
        july = frame[frame["month"] == "2024-07"]
        assert len(july) == int((frame["month"].astype(str) == "2024-07").sum()), name
    summary = frames["summary"]
    assert len(summary[summary["month"] == "2024-07"]) == 3 and len(summary[summary["month"] >= "2024-06"]) == 6
