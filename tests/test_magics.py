"""``%load_ext xlcompliance``: the %deadline magic, the rich display and the pandas accessor,
through a real IPython shell."""

from __future__ import annotations

import pandas as pd
import pytest

import xlcompliance
from xlcompliance import jit_deadline, pop_deadline
from xlcompliance.io.sample import SAMPLE_AS_OF, sample_path

pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402


@pytest.fixture(scope="module")
def ip():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "xlcompliance")
    yield shell
    shell.run_line_magic("unload_ext", "xlcompliance")
    InteractiveShell.clear_instance()


@pytest.mark.parametrize(
    "line, expected, words",
    [
        ("JIT pickup 2024-04-15 15:00 --sales 3",
         jit_deadline("2024-04-15 15:00", "pickup", last_month_sales=3), ["T+2", "3 orders last month"]),
        ("JIT 2024-04-15 13:00", jit_deadline("2024-04-15 13:00"), ["standard"]),
        ("jit 自寄 2024-04-15 15:00 --sales 3", jit_deadline("2024-04-15 15:00", "self", last_month_sales=3),
         ["96 h"]),
        ("POP 2024-04-13 10:00 --listed 2024-04-01 09:00",
         pop_deadline("2024-04-13 10:00", listed_at="2024-04-01 09:00"), ["72 h", "Sun 2024-04-14"]),
        ("POP '2024-05-06T10:00:00+08:00'", pop_deadline("2024-05-06 10:00"), ["48 h"]),
    ],
)
def test_deadline_magic_prints_the_engine_deadline(ip, capsys, line, expected, words):
    result = ip.run_cell(f"%deadline {line}")
    assert result.success
    out = capsys.readouterr().out
    first, explanation = out.splitlines()[:2]
    assert first.startswith(f"deadline: {expected:%Y-%m-%d %H:%M:%S} ({expected:%a})")
    for word in words:
        assert word in explanation


@pytest.mark.parametrize(
    "line, message",
    [
        ("JIT pickup 2024-04-15 15:00 --sales -2", "last_month_sales"),
        ("JIT pickup banana", "paid_at"),
        ("FOO 2024-04-15", "channel"),
        ("POP", "paid_at is missing"),
        ("POP 2024-04-13 --listed 2024-05-01", "listed_at"),
        ("POP 2024-04-13 --bogus 1", "unknown option"),
        ("", "usage: %deadline CHANNEL"),  # argparse once read the "%d" of "%deadline" as a format
        ("--sales 3", "CHANNEL and PAID_AT are missing"),
        ("POP 2024-04-13 --listed", "usage: %deadline"),
        ("POP '2024-04-13", "usage: %deadline"),
    ],
)
def test_deadline_magic_reports_bad_input_in_one_line(ip, capsys, line, message):
    result = ip.run_cell(f"%deadline {line}")
    assert not result.success
    err = capsys.readouterr()
    assert message in err.out + err.err
    assert "Traceback" not in err.out + err.err


@pytest.mark.parametrize("line", ["--help", "-h", "POP --help"])
def test_deadline_help_prints_the_usage(ip, capsys, line):
    result = ip.run_cell(f"%deadline {line}")
    assert result.success
    out = capsys.readouterr().out
    assert out.startswith("usage: %deadline CHANNEL [METHOD] PAID_AT")
    assert "--sales N" in out and "--no-statutory" in out


@pytest.fixture(scope="module")
def orders():
    return xlcompliance.read_table(sample_path("orders.csv"), kind="orders")


def test_accessor_equals_assess(ip, orders):
    ip.push({"orders": orders, "AS_OF": SAMPLE_AS_OF})
    assert ip.run_cell("via_accessor = orders.xlc.assess(as_of=AS_OF)").success
    pd.testing.assert_frame_equal(ip.user_ns["via_accessor"], xlcompliance.assess(orders, as_of=SAMPLE_AS_OF))
    assert ip.run_cell("summary = orders.xlc.summary(as_of=AS_OF)").success
    direct = xlcompliance.monthly_summary(xlcompliance.assess(orders, as_of=SAMPLE_AS_OF), as_of=SAMPLE_AS_OF)
    pd.testing.assert_frame_equal(ip.user_ns["summary"], direct)


def test_rich_display_of_an_assessment(ip, orders):
    assessed = xlcompliance.assess(orders, as_of=SAMPLE_AS_OF)
    data, _ = ip.display_formatter.format(assessed)
    html = data["text/html"]
    assert "xlc-assessment" in html and f"<b>{len(assessed)} orders</b>" in html
    for status, count in assessed["status"].value_counts().items():
        if count:
            assert f"{status} {count}</span>" in html
    first = assessed.iloc[0]
    assert f"<td>{first['order_id']}</td>" in html
    assert f"{len(assessed) - pd.get_option('display.max_rows')} more rows" in html
    # any other frame keeps pandas' own display
    plain, _ = ip.display_formatter.format(pd.DataFrame({"x": [1]}))
    assert "xlc-assessment" not in plain["text/html"] and "dataframe" in plain["text/html"]


def test_display_escapes_cell_text(ip):
    frame = xlcompliance.assess(pd.DataFrame({"order_id": ["<script>x</script>"], "channel": ["POP"],
                                              "paid_at": ["2024-05-06 10:00"]}), as_of="2024-06-01")
    html = ip.display_formatter.format(frame)[0]["text/html"]
    assert "<script>" not in html and "&lt;script&gt;" in html
