"""The Excel functions against the engine, fed the way each xlwings runtime delivers values.

Classic add-in (COM): ``datetime`` objects, ``None`` for blanks, a column as a flat list.
Office.js (xlwings Lite / Server): Excel serial numbers, ``""`` for blanks, error cells as
``"#N/A"`` text or ``{"type": "Error"}`` objects, every range as a list of rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.excel import udfs
from xlcompliance.excel.values import ERROR_TEXT, is_error_value
from xlcompliance.io.sample import SAMPLE_AS_OF, sample_path

EPOCH = dt.datetime(1899, 12, 30)


def serial(value: dt.datetime) -> float:
    return (value - EPOCH) / dt.timedelta(days=1)


def classic(values):
    """A column as the classic add-in passes it: flat list, datetimes, None."""
    return [v for v in values]


def officejs(values):
    """A column as Office.js passes it: rows of one cell, serials, "" for blanks."""
    out = []
    for v in values:
        if v is None:
            v = ""
        elif isinstance(v, dt.datetime):
            v = serial(v)
        out.append([v])
    return out


SHAPES = {"classic": classic, "officejs": officejs}


# --- single cells: the scalar core API is the reference -------------------------------------

PAID = dt.datetime(2024, 4, 19, 10, 0)  # a Friday: POP counts no Sunday
CELL_CASES = [
    # (function, udf args, core call)
    ("pop", (PAID,), lambda: xlc.pop_deadline(PAID)),
    ("pop", (serial(PAID),), lambda: xlc.pop_deadline(PAID)),
    ("pop", ("2024-04-19 10:00",), lambda: xlc.pop_deadline(PAID)),
    ("pop", ("2024/4/19 10:00",), lambda: xlc.pop_deadline(PAID)),
    ("pop", ([[serial(PAID)]], [[""]], [[3]]), lambda: xlc.pop_deadline(PAID, None, 3)),
    ("pop", (PAID, dt.datetime(2024, 4, 1)), lambda: xlc.pop_deadline(PAID, dt.datetime(2024, 4, 1))),
    ("jit", ("2024-04-15 14:00", "上门揽收", None, 3), lambda: xlc.jit_deadline("2024-04-15 14:00", "pickup", None, 3)),
    ("jit", ("2024-04-15 13:59:59",), lambda: xlc.jit_deadline("2024-04-15 13:59:59")),
    ("jit", ([[serial(PAID)]], [["自寄"]], [[""]], [[2]]), lambda: xlc.jit_deadline(PAID, "self", None, 2)),
    ("jit", (PAID, "self"), lambda: xlc.jit_deadline(PAID, "self")),
    (
        "jit",
        ("2024-05-01 09:00", "pickup", "2024-04-20"),
        lambda: xlc.jit_deadline("2024-05-01 09:00", "pickup", "2024-04-20"),
    ),
]


@pytest.mark.parametrize(("which", "args", "core"), CELL_CASES)
def test_single_cell_equals_core(which, args, core):
    func = udfs.pop_deadline if which == "pop" else udfs.jit_arrival
    assert func(*args) == core()


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("not a date",), "paid_at: not a date"),
        (("#N/A",), "Excel error value #N/A"),
        (({"type": "Error", "basicValue": "#REF!", "errorType": "Ref"},), "#REF!"),
        ((PAID, "2024-05-01"), "listed_at"),
        ((PAID, None, -1), "must not be negative"),
        ((PAID, None, 2.5), "whole number"),
        ((12,), "Excel serial 12"),
    ],
)
def test_bad_cell_is_value_error_and_explained(args, why):
    assert udfs.pop_deadline(*args) == ERROR_TEXT
    assert is_error_value(udfs.pop_deadline(*args))
    explanation = udfs.deadline_explain("POP", args[0], None, *args[1:])
    assert why in explanation
    with pytest.raises(ValueError):  # the core says the same thing by raising
        xlc.pop_deadline(*args if not isinstance(args[0], dict) else ("#REF!",) + args[1:])


@pytest.mark.parametrize("as_of", [0, 0.0, [[0]], "#N/A", {"type": "Error", "basicValue": "#N/A"}, "soon"])
def test_bad_as_of_is_refused_naming_it(as_of):
    with pytest.raises(ValueError, match="as_of"):
        udfs.order_status("POP", PAID, None, None, None, None, None, as_of)


def test_blank_paid_at_gives_blank_cell():
    assert udfs.pop_deadline(None) == ""
    assert udfs.pop_deadline("") == ""
    assert udfs.order_status("POP", [[""]]) == ""
    assert udfs.deadline_explain("POP", None) == ""


# --- columns: assess() on the same rows is the reference -------------------------------------


@pytest.fixture(scope="module")
def sample_rows():
    """The first 400 sample orders plus hand-made bad rows, parsed to Python values."""
    orders = xlc.read_table(sample_path("orders.csv")).head(400).copy()
    bad = pd.DataFrame(
        [
            {
                "order_id": "x1",
                "shop": "Aurora Home",
                "channel": "POP",
                "paid_at": "2024-05-10 09:00",
                "listed_at": "2024-06-01 00:00",
            },  # listed after paid
            {"order_id": "x2", "shop": "Aurora Home", "channel": "FBA", "paid_at": "2024-05-10 09:00"},
            {
                "order_id": "x3",
                "shop": "Aurora Home",
                "channel": "JIT",
                "method": "drone",
                "paid_at": "2024-05-10 09:00",
            },
            {
                "order_id": "x4",
                "shop": "Aurora Home",
                "channel": "POP",
                "paid_at": "2024-05-10 09:00",
                "last_month_sales": "many",
            },
            {
                "order_id": "x5",
                "shop": "Aurora Home",
                "channel": "POP",
                "paid_at": "2024年5月10日 9:00",
                "fulfilled_at": "2024-05-09 09:00",
            },  # fulfilled before paid
            {
                "order_id": "x6",
                "shop": "Aurora Home",
                "channel": "POP",
                "paid_at": "2024年5月10日 9:00",
                "fulfilled_at": "2024/5/11 8:00",
            },  # text dates, fine
            {"order_id": "x7", "shop": "Aurora Home", "channel": "JIT", "paid_at": "#N/A"},
        ]
    )
    orders = pd.concat([orders, bad], ignore_index=True).astype(object)
    orders = orders.where(orders.notna() & (orders != ""), None)
    expected = xlc.assess(orders, as_of=SAMPLE_AS_OF)
    # a deadline does not depend on fulfilment: its reference leaves those columns out
    deadline_only = xlc.assess(orders.drop(columns=["fulfilled_at", "cancelled_at"]), as_of=SAMPLE_AS_OF)
    expected["deadline_alone"] = deadline_only["deadline"]
    expected["deadline_bad"] = deadline_only["status"] == "error"
    expected["explanation_alone"] = deadline_only["explanation"]
    # Cells as a workbook holds them: dates that parse become datetimes, others stay text.
    cells = {}
    for name in ("paid_at", "listed_at", "fulfilled_at", "cancelled_at"):
        values = []
        for v in orders[name]:
            ts = pd.to_datetime(v, errors="coerce", format="ISO8601") if isinstance(v, str) else None
            values.append(ts.to_pydatetime() if ts is not None and not pd.isna(ts) else v)
        cells[name] = values
    cells["last_month_sales"] = [
        int(v) if isinstance(v, str) and v.isdigit() else v for v in orders["last_month_sales"]
    ]
    for name in ("channel", "method", "shop"):
        cells[name] = list(orders[name])
    return cells, expected


def _expected_cells(expected: pd.DataFrame, values):
    bad = (expected["status"] == "error").to_numpy()
    return [ERROR_TEXT if b else v for b, v in zip(bad, values, strict=True)]


@pytest.mark.parametrize("shape", SHAPES)
def test_columns_equal_assess(shape, sample_rows):
    cells, expected = sample_rows
    to = SHAPES[shape]
    as_of = SAMPLE_AS_OF if shape == "classic" else serial(pd.Timestamp(SAMPLE_AS_OF).to_pydatetime())
    args = [
        to(cells[k])
        for k in ("channel", "paid_at", "fulfilled_at", "method", "listed_at", "last_month_sales", "cancelled_at")
    ]
    n = len(expected)
    deadlines = udfs.order_deadline(args[0], args[1], args[3], args[4], args[5])
    status = udfs.order_status(*args, as_of)
    late = udfs.hours_late(*args, as_of)
    explain = udfs.deadline_explain(args[0], args[1], args[3], args[4], args[5])
    assert len(deadlines) == len(status) == len(late) == len(explain) == n
    want_deadline = [
        ERROR_TEXT if b else d.to_pydatetime()
        for b, d in zip(expected["deadline_bad"], expected["deadline_alone"], strict=True)
    ]
    assert [r[0] for r in deadlines] == want_deadline
    assert want_deadline.count(ERROR_TEXT) == 5
    assert [r[0] for r in status] == _expected_cells(expected, list(expected["status"].astype(str)))
    assert [r[0] for r in late] == _expected_cells(expected, ["" if pd.isna(h) else h for h in expected["hours_late"]])
    assert [r[0] for r in explain] == list(expected["explanation_alone"].astype(str))
    assert (expected["status"] == "error").sum() == 6  # the bad rows really are bad
    assert set(expected["status"][:400]) >= {"on_time", "late"}


@pytest.mark.parametrize("shape", SHAPES)
def test_pop_and_jit_columns_equal_core(shape, sample_rows):
    cells, expected = sample_rows
    to = SHAPES[shape]
    pop = udfs.pop_deadline(to(cells["paid_at"]), to(cells["listed_at"]), to(cells["last_month_sales"]))
    jit = udfs.jit_arrival(
        to(cells["paid_at"]), to(cells["method"]), to(cells["listed_at"]), to(cells["last_month_sales"])
    )
    for i in range(0, 400, 37):
        row = expected.iloc[i]
        listed = None if row["listed_at"] is None else row["listed_at"]
        assert pop[i][0] == xlc.pop_deadline(row["paid_at"], listed, row["last_month_sales"])
        method = row["method"] or "pickup"
        assert jit[i][0] == xlc.jit_deadline(row["paid_at"], method, listed, row["last_month_sales"])


def test_blank_rows_in_a_column_stay_blank():
    out = udfs.pop_deadline([PAID, None, "", PAID])
    assert out == [[xlc.pop_deadline(PAID)], [""], [""], [xlc.pop_deadline(PAID)]]


def test_single_cells_broadcast_over_a_column():
    out = udfs.pop_deadline([[serial(PAID)], [serial(PAID) + 1]], None, 3)
    assert [r[0] for r in out] == [
        xlc.pop_deadline(PAID, None, 3),
        xlc.pop_deadline(PAID + dt.timedelta(days=1), None, 3),
    ]


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="listed_at has 2 rows but paid_at has 3"):
        udfs.pop_deadline([PAID, PAID, PAID], [PAID, PAID])
    with pytest.raises(ValueError, match="one column"):
        udfs.pop_deadline([[PAID, PAID], [PAID, PAID]])


# --- holidays range -> Calendar ---------------------------------------------------------------

WINDOW_PAID = dt.datetime(2024, 6, 18, 10, 0)


@pytest.mark.parametrize(
    "holidays",
    [
        [["start", "end", "scope"], [dt.datetime(2024, 6, 18), dt.datetime(2024, 6, 20), "JIT"]],
        [
            ["start", "end", "scope", "name"],
            [serial(dt.datetime(2024, 6, 18)), serial(dt.datetime(2024, 6, 20)), "jit", "618"],
            ["", "", "", ""],
        ],
        [["2024-06-18", "2024-06-20", "JIT"]],
        [[dt.datetime(2024, 6, 18), dt.datetime(2024, 6, 20), "JIT"], [None, None, None]],
    ],
)
def test_holidays_range_feeds_the_calendar(holidays):
    cal = xlc.Calendar([("2024-06-18", "2024-06-20", "JIT")])
    want = xlc.jit_deadline(WINDOW_PAID, "self", calendar=cal)
    assert want != xlc.jit_deadline(WINDOW_PAID, "self")  # the window matters
    assert udfs.jit_arrival(WINDOW_PAID, "self", None, None, holidays) == want
    assert udfs.pop_deadline(WINDOW_PAID, None, None, holidays) == xlc.pop_deadline(WINDOW_PAID)


def test_bad_holidays_range_is_an_error():
    with pytest.raises(ValueError, match="end"):
        udfs.pop_deadline(PAID, None, None, [["2024-06-20", "2024-06-18", "ALL"]])


# --- shop-months --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_tables():
    orders = xlc.read_table(sample_path("orders.csv"))
    penalties = xlc.read_table(sample_path("penalties.csv"), kind="penalties")
    assessed = xlc.assess(orders, as_of=SAMPLE_AS_OF)
    summary = xlc.monthly_summary(assessed, penalties, as_of=SAMPLE_AS_OF)

    def block(frame):
        return [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()

    return block(orders), block(penalties), assessed, summary


def test_rate_qualifies_refund_equal_monthly_summary(sample_tables):
    orders, penalties, _, summary = sample_tables
    months = [[str(m)] for m in summary["month"]]
    shops = [[s] for s in summary["shop"]]
    rate = udfs.shop_ontime_rate(orders, months, SAMPLE_AS_OF, shops)
    ok = udfs.qualifies(orders, months, SAMPLE_AS_OF, shops)
    due = udfs.refund_due(orders, penalties, months, SAMPLE_AS_OF, shops)
    for i, rec in enumerate(summary.to_dict("records")):
        assert rate[i][0] == ("" if pd.isna(rec["rate"]) else rec["rate"])
        assert ok[i][0] is bool(rec["qualifies"])
        assert due[i][0] == float(rec["refund_due"])
        assert due[i][1] == ("" if pd.isna(rec["refund_due_date"]) else rec["refund_due_date"])
    assert summary["qualifies"].any() and not summary["qualifies"].all()


def test_rate_from_an_assessed_table_and_from_two_columns(sample_tables):
    _, _, assessed, summary = sample_tables
    rec = summary.iloc[0]
    shop_rows = assessed[assessed["shop"] == rec["shop"]]
    table = [["Shop", "Deadline", "Status"]] + [
        [s, d.to_pydatetime(), str(t)]
        for s, d, t in zip(shop_rows["shop"], shop_rows["deadline"], shop_rows["status"], strict=True)
    ]
    assert udfs.shop_ontime_rate(table, str(rec["month"]), SAMPLE_AS_OF, rec["shop"]) == rec["rate"]
    # two columns (deadline, fulfilled_at) in Office.js shape; cancelled rows are not in them
    rows = shop_rows[(shop_rows["cancelled_at"].fillna("") == "") & shop_rows["deadline"].notna()]
    pairs = [
        [serial(d.to_pydatetime()), serial(pd.Timestamp(f).to_pydatetime()) if isinstance(f, str) and f else ""]
        for d, f in zip(rows["deadline"], rows["fulfilled_at"], strict=True)
    ]
    month_rows = rows["deadline"].dt.to_period("M") == rec["month"]
    counts = rows[month_rows]["status"].value_counts()
    want = counts["on_time"] / (counts["on_time"] + counts["late"])
    got = udfs.shop_ontime_rate(
        [["deadline", "fulfilled_at"]] + pairs,
        serial(dt.datetime(rec["month"].year, rec["month"].month, 15)),
        serial(pd.Timestamp(SAMPLE_AS_OF).to_pydatetime()),
    )
    assert counts["on_time"] > 0 and counts["late"] > 0
    assert got == want


def test_rate_month_errors_and_blank_rate(sample_tables):
    orders, _, _, _ = sample_tables
    out = udfs.shop_ontime_rate(orders, [["2024-04"], ["2024-13"], ["2031-01"]], SAMPLE_AS_OF, "Aurora Home")
    assert out[1][0] == ERROR_TEXT
    assert out[2][0] == ""  # no assessed orders: no rate, not 0
    assert 0.9 < out[0][0] <= 1
    with pytest.raises(ValueError, match="orders: expected"):
        udfs.shop_ontime_rate([["a", "b", "c"], [1, 2, 3]])


def test_qualifies_needs_a_shop_when_there_are_several(sample_tables):
    orders, _, _, _ = sample_tables
    assert udfs.qualifies(orders, "2024-04", SAMPLE_AS_OF) == ERROR_TEXT
    assert udfs.qualifies(orders, None, SAMPLE_AS_OF, "Aurora Home") == ERROR_TEXT


def test_monthly_summary_spills_the_engine_table(sample_tables):
    orders, penalties, _, summary = sample_tables
    table = udfs.monthly_summary(orders, penalties, SAMPLE_AS_OF)
    assert table[0] == list(xlc.SUMMARY_COLUMNS)
    assert len(table) == len(summary) + 1
    for row, rec in zip(table[1:], summary.to_dict("records"), strict=True):
        assert row[0] == rec["shop"] and row[1] == str(rec["month"])
        assert row[2:6] == [rec["assessed"], rec["on_time"], rec["late"], rec["pending"]]
        assert row[9] == float(rec["penalties"]) and row[10] == float(rec["refund_due"])


def test_numpy_and_pandas_inputs_work():
    paid = pd.Series([PAID, None])
    assert udfs.pop_deadline(paid) == [[xlc.pop_deadline(PAID)], [""]]
    assert udfs.pop_deadline(np.array([[serial(PAID)]])) == xlc.pop_deadline(PAID)


def test_lite_main_registers_every_function():
    import ast
    from pathlib import Path

    main = Path(__file__).resolve().parent.parent / "workbook" / "lite" / "main.py"
    tree = ast.parse(main.read_text("utf-8"))
    imported = {
        a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "xlcompliance.excel.udfs"
        for a in node.names
    }
    assert imported == set(udfs.__all__)
    assert all(callable(getattr(udfs, name)) for name in udfs.__all__)
