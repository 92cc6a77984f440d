"""Fuzzing every Excel function with arbitrary mixed cells, in both runtimes' value shapes.

For each function: nothing but a clear ``ValueError`` naming the argument ever escapes; every
cell of a column answer is a value, a blank or the Excel error; a row with a known-bad cell
comes back as the error; and each cell equals the same row computed alone, and the good rows of
a column equal those rows computed without the others.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlcompliance as xlc
from xlcompliance.core.parsing import ExcelError
from xlcompliance.excel import udfs
from xlcompliance.excel.values import is_error_value
from xlcompliance.io.sample import sample_path

EPOCH = dt.datetime(1899, 12, 30)
AS_OF = dt.datetime(2024, 7, 1)
STATUSES = set(xlc.STATUSES) - {"error"}
LAST_DAY = dt.datetime(9999, 12, 31, 23, 59, 59)  # Excel's last day; later deadlines are cell errors
# XLC_FUZZ_EXAMPLES=500 for a deeper local run; the default keeps the file under a minute.
FUZZ = settings(
    max_examples=int(os.environ.get("XLC_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def serial(value: dt.datetime) -> float:
    return (value - EPOCH) / dt.timedelta(days=1)


# --- cells ------------------------------------------------------------------------------------

plausible_times = st.datetimes(dt.datetime(2024, 3, 1), dt.datetime(2024, 7, 31))
naive = st.datetimes(dt.datetime(1800, 1, 1), LAST_DAY)
aware = st.datetimes(
    dt.datetime(1950, 1, 2),
    dt.datetime(2200, 1, 1),
    timezones=st.sampled_from([ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")]),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.sampled_from([10**400, -(10**400), 0, 61, 60.999, 2958466, -1e308]),  # huge / edge serials
)
error_cells = st.sampled_from(
    [
        "#N/A",
        "#VALUE!",
        "#REF!",
        " #div/0! ",
        {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"},
        {"type": "Error", "errorType": "Ref"},
        ExcelError("#NUM!"),
    ]
)
blank_cells = st.sampled_from([None, "", "   ", float("nan"), pd.NaT, np.float64("nan")])
anything = st.one_of(
    blank_cells,
    error_cells,
    numbers,
    naive,
    aware,
    st.booleans(),
    st.text(max_size=10),
    st.dates(dt.date(1800, 1, 1), LAST_DAY.date()),
    st.builds(pd.Timestamp, plausible_times),
    st.builds(np.float64, st.floats(45000, 46000)),
    st.builds(np.int64, st.integers(-5, 50)),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.just(dt.time(10, 0)),
    st.builds(lambda v: {"type": "Double", "basicValue": v}, st.floats(45000, 46000)),  # Office.js rich value
    st.sampled_from(
        [
            "POP",
            "JIT",
            "pop ",
            "仓发",
            "pickup",
            "self",
            "自寄",
            "上门揽收",
            " 12 ",
            "12.0",
            "2024-02-29",
            "2023-02-29",
            "2024/4/5 9:07",
            "2024年4月5日 09:07",
            "2024-04-15T10:00+08:00",
            "45397.5",
        ]
    ),
)

# Plausible cells per field (so rows are often good), and cells the engine must refuse.
PLAUSIBLE = {
    "channel": st.sampled_from(["POP", "JIT", "jit", "仓发"]),
    "method": st.sampled_from([None, "pickup", "self", "自寄", "上门揽收", ""]),
    "paid_at": st.one_of(plausible_times, plausible_times.map(serial), plausible_times.map(str)),
    "listed_at": st.one_of(st.none(), st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2024, 2, 28))),
    "last_month_sales": st.one_of(st.none(), st.integers(0, 40), st.integers(0, 40).map(float)),
    "fulfilled_at": st.one_of(st.none(), st.datetimes(dt.datetime(2024, 8, 1), dt.datetime(2024, 9, 1))),
    "cancelled_at": st.one_of(st.none(), st.datetimes(dt.datetime(2024, 8, 1), dt.datetime(2024, 9, 1))),
}
BAD_DATE = st.one_of(error_cells, st.sampled_from(["not a date", True, 12.0, -1, 1e12, "2023-02-29"]))
BAD = {
    "channel": st.one_of(error_cells, st.sampled_from(["FBA", 3.0, False])),
    "method": st.one_of(error_cells, st.sampled_from(["drone", 1.0])),
    "paid_at": BAD_DATE,
    "listed_at": st.one_of(BAD_DATE, st.just(dt.datetime(2024, 12, 1))),  # error or after paid_at
    "last_month_sales": st.one_of(error_cells, st.sampled_from(["many", -1, 2.5, True, math.inf])),
    "fulfilled_at": st.one_of(BAD_DATE, st.just(dt.datetime(2024, 1, 1))),  # error or before paid_at
    "cancelled_at": st.one_of(BAD_DATE, st.just(dt.datetime(2024, 1, 1))),
}


def is_blank(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def officejs(value):
    """A cell as Office.js delivers it: serials for dates, "" for blanks, errors as text."""
    if is_blank(value):
        return ""
    if isinstance(value, ExcelError):
        return value.text
    if type(value) is dt.datetime and value.tzinfo is None:
        return serial(value)
    return value


def as_column(values: list, shape: str):
    """A column as the runtime passes it: classic a flat list, Office.js a list of 1-cell rows."""
    if shape == "classic":
        return list(values)
    return [[officejs(v)] for v in values]


def answers(result, n: int) -> list:
    """The result as a list of n cells (a single cell for a one-row argument)."""
    if n == 1:
        assert not isinstance(result, list), result
        return [result]
    assert isinstance(result, list) and len(result) == n
    assert all(isinstance(r, list) and len(r) == 1 for r in result)
    return [r[0] for r in result]


# --- the row functions: one answer per order row ----------------------------------------------

STATUS_FIELDS = ("channel", "paid_at", "fulfilled_at", "method", "listed_at", "last_month_sales", "cancelled_at")
ROW_FUNCTIONS = {
    # name: the order fields it reads, in argument order (then as_of for the status functions)
    "pop_deadline": ("paid_at", "listed_at", "last_month_sales"),
    "jit_arrival": ("paid_at", "method", "listed_at", "last_month_sales"),
    "order_deadline": ("channel", "paid_at", "method", "listed_at", "last_month_sales"),
    "deadline_explain": ("channel", "paid_at", "method", "listed_at", "last_month_sales"),
    "order_status": STATUS_FIELDS,
    "hours_late": STATUS_FIELDS,
}
WITH_AS_OF = {"order_status", "hours_late"}


def call(name: str, columns: dict, rows: list[int], shape: str):
    """The function over the given rows of the columns (one row: single cells)."""
    args = []
    for field in ROW_FUNCTIONS[name]:
        values = [columns[field][i] for i in rows]
        args.append(values[0] if len(rows) == 1 and shape == "classic" else as_column(values, shape))
    if name in WITH_AS_OF:
        args.append(AS_OF if shape == "classic" else serial(AS_OF))
    return getattr(udfs, name)(*args)


def check_cell(name: str, value) -> None:
    """A cell of a row function's answer: the error, a blank, or a value of the right type."""
    if is_error_value(value) or value == "":
        return
    if name in ("pop_deadline", "jit_arrival", "order_deadline"):
        assert type(value) is dt.datetime and value.tzinfo is None and value.year <= 9999, value
    elif name == "order_status":
        assert value in STATUSES, value
    elif name == "hours_late":
        assert type(value) is float and value > 0, value
    else:
        assert isinstance(value, str) and value, value


@st.composite
def order_columns(draw, fields):
    """Columns of mixed cells, some rows made bad on purpose: (columns, {row: bad field})."""
    n = draw(st.integers(1, 10))
    columns = {}
    for field in fields:
        columns[field] = draw(st.lists(st.one_of(PLAUSIBLE[field], PLAUSIBLE[field], anything), min_size=n, max_size=n))
    known_bad = {}
    for i in draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True)):
        field = draw(st.sampled_from([f for f in fields if f != "method" or "channel" not in fields]))
        columns[field][i] = draw(BAD[field])
        if field != "paid_at":
            columns["paid_at"][i] = draw(PLAUSIBLE["paid_at"])
        if field in ("listed_at", "fulfilled_at", "cancelled_at"):  # ordering: paid_at in 2024-03..07
            columns["paid_at"][i] = dt.datetime(2024, 5, 10, 9, 0)
        if field == "method":
            pass  # jit_arrival: every row is JIT, so the method is read
        known_bad[i] = field
    return columns, known_bad


@pytest.mark.parametrize("shape", ["classic", "officejs"])
@pytest.mark.parametrize("name", list(ROW_FUNCTIONS))
def test_row_function_fuzz(name, shape):
    fields = ROW_FUNCTIONS[name]

    @FUZZ
    @given(drawn=order_columns(fields), data=st.data())
    def run(drawn, data):
        columns, known_bad = drawn
        n = len(columns["paid_at"])
        out = answers(call(name, columns, list(range(n)), shape), n)
        for value in out:
            check_cell(name, value)
        for i, field in known_bad.items():
            if name == "deadline_explain":
                assert field in out[i], (field, columns[field][i], out[i])
            else:
                assert is_error_value(out[i]), (field, columns[field][i], out[i])
        for i in range(n):
            if is_blank(columns["paid_at"][i]):
                assert out[i] == ""
        # each cell equals its row computed alone ...
        for i in data.draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True)):
            assert call(name, columns, [i], shape) == out[i]
        # ... and the good rows equal themselves computed without the bad and blank rows
        good = [i for i in range(n) if not is_error_value(out[i]) and out[i] != ""]
        if name == "deadline_explain":
            good = [i for i in range(n) if out[i] and i not in known_bad]
        if good and len(good) < n:
            alone = answers(call(name, columns, good, shape), len(good))
            assert alone == [out[i] for i in good]

    run()


@FUZZ
@given(name=st.sampled_from(list(ROW_FUNCTIONS)), data=st.data())
def test_any_arguments_give_values_or_a_clear_value_error(name, data):
    """Any cells or short ranges in any argument, as_of and holidays included."""
    arity = getattr(udfs, name).__code__.co_argcount
    args = data.draw(st.lists(st.one_of(anything, st.lists(anything, min_size=1, max_size=3)), max_size=arity))
    args += [None] * (2 - len(args))  # the required arguments
    try:
        result = getattr(udfs, name)(*args)
    except ValueError as exc:
        assert str(exc)
        return
    for value in result if isinstance(result, list) else [result]:
        check_cell(name, value[0] if isinstance(value, list) else value)


# --- the table functions: shop-months of an orders range ---------------------------------------


@pytest.fixture(scope="module")
def base_orders():
    """Sixty sample orders (two shops, several months), cells as a workbook holds them."""
    orders = xlc.read_table(sample_path("orders.csv"))
    orders = orders[orders["shop"].isin(["Aurora Home", "Beacon Outdoor"])].iloc[::40].head(60)
    rows = []
    for rec in orders.to_dict("records"):
        row = []
        for name, v in rec.items():
            if pd.isna(v) or v == "":
                v = None
            elif name.endswith("_at"):
                v = pd.Timestamp(v).to_pydatetime()
            elif name == "last_month_sales":
                v = int(v)
            row.append(v)
        rows.append(row)
    penalties = xlc.read_table(sample_path("penalties.csv"), kind="penalties")
    penalty_rows = [list(penalties.columns)] + penalties.astype(object).where(penalties.notna(), None).values.tolist()
    return list(orders.columns), rows, penalty_rows


def as_table(header, rows, shape):
    if shape == "classic":
        return [list(header)] + [list(r) for r in rows]
    return [list(header)] + [[officejs(v) for v in r] for r in rows]


TABLE_FUNCTIONS = ("shop_ontime_rate", "qualifies", "refund_due", "monthly_summary")


def table_call(name, table, penalties, months, shops):
    if name == "shop_ontime_rate":
        return udfs.shop_ontime_rate(table, months, AS_OF, shops)
    if name == "qualifies":
        return udfs.qualifies(table, months, AS_OF, shops)
    if name == "refund_due":
        return udfs.refund_due(table, penalties, months, AS_OF, shops)
    return udfs.monthly_summary(table, penalties, AS_OF)


month_cells = st.one_of(
    st.sampled_from(["2024-04", "2024-05", "2024-06", "2024-6", 45444.0, None, "2031-01"]), anything
)
shop_cells = st.one_of(st.sampled_from(["Aurora Home", "Beacon Outdoor", " Aurora Home ", None]), anything)


@pytest.mark.parametrize("shape", ["classic", "officejs"])
@FUZZ
@given(data=st.data())
def test_table_functions_ignore_bad_rows(base_orders, shape, data):
    """Rows the engine refuses (bad paid_at, other cells anything) change no shop-month answer."""
    header, rows, penalties = base_orders
    junk = data.draw(st.lists(st.lists(anything, min_size=len(header), max_size=len(header)), max_size=5))
    mixed = [list(r) for r in rows]
    for k, row in enumerate(junk):
        row[header.index("paid_at")] = data.draw(BAD_DATE)
        row[header.index("order_id")] = data.draw(st.sampled_from([None, f"junk-{k}", 7.5, "#N/A"]))
        mixed.insert(data.draw(st.integers(0, len(mixed))), row)
    n = data.draw(st.integers(1, 4))
    months = data.draw(st.lists(month_cells, min_size=n, max_size=n))
    shops = data.draw(st.lists(shop_cells, min_size=n, max_size=n))
    months_arg = months[0] if n == 1 else [[m] for m in months]
    shops_arg = shops[0] if n == 1 else [[s] for s in shops]
    for name in TABLE_FUNCTIONS:
        want = table_call(name, as_table(header, rows, shape), penalties, months_arg, shops_arg)
        got = table_call(name, as_table(header, mixed, shape), penalties, months_arg, shops_arg)
        assert got == want, name
        if name == "monthly_summary":
            assert got[0] == list(xlc.SUMMARY_COLUMNS) and len(got) > 1
            continue
        cells = [got] if n == 1 else got
        for cell in cells:
            for value in cell if isinstance(cell, list) else [cell]:
                assert is_error_value(value) or value == "" or isinstance(value, (float, bool, dt.datetime))


@FUZZ
@given(data=st.data())
def test_two_column_rate_ignores_bad_rows(base_orders, data):
    """SHOP_ONTIME_RATE over (deadline, fulfilled_at): rows with a bad deadline do not count."""
    header, rows, _ = base_orders
    assessed = xlc.assess(pd.DataFrame(rows, columns=header, dtype=object), as_of=AS_OF)
    pairs = [
        [d.to_pydatetime(), f]
        for d, f, c in zip(assessed["deadline"], assessed["fulfilled_at"], assessed["cancelled_at"], strict=True)
        if c is None and pd.notna(d)
    ]
    mixed = [list(p) for p in pairs]
    for _ in range(data.draw(st.integers(0, 5))):
        mixed.insert(data.draw(st.integers(0, len(mixed))), [data.draw(BAD_DATE), data.draw(anything)])
    shape = data.draw(st.sampled_from(["classic", "officejs"]))
    month = data.draw(st.sampled_from([None, "2024-04", "2024-05", "2024-06"]))
    want = udfs.shop_ontime_rate(as_table(["deadline", "fulfilled_at"], pairs, shape), month, AS_OF)
    got = udfs.shop_ontime_rate(as_table(["deadline", "fulfilled_at"], mixed, shape), month, AS_OF)
    assert got == want
    assert want == "" or 0 <= want <= 1


@FUZZ
@given(
    orders=st.lists(st.lists(anything, min_size=1, max_size=4), min_size=1, max_size=5),
    month=anything,
    as_of=st.one_of(st.just(AS_OF), anything),
)
def test_table_functions_on_any_range_give_values_or_a_clear_value_error(orders, month, as_of):
    for name in TABLE_FUNCTIONS:
        try:
            if name == "monthly_summary":
                udfs.monthly_summary(orders, None, as_of)
            elif name == "refund_due":
                udfs.refund_due(orders, None, month, as_of)
            else:
                getattr(udfs, name)(orders, month, as_of)
        except ValueError as exc:
            assert str(exc)


@FUZZ
@given(
    rows=st.lists(
        st.lists(
            st.one_of(naive, st.sampled_from(["POP", "JIT", "ALL", "start", "end"]), anything), min_size=1, max_size=4
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_holidays_range_gives_values_or_a_clear_value_error(rows):
    try:
        value = udfs.jit_arrival(dt.datetime(2024, 6, 18, 10), "self", None, None, rows)
    except ValueError as exc:
        assert str(exc)
        return
    assert type(value) is dt.datetime


def test_deadline_after_9999_is_a_cell_error():
    """A payment on Excel's last day has its deadline past it: that cell errors, the next computes."""
    out = udfs.pop_deadline([[2958465.5], [45400.5]])
    assert is_error_value(out[0][0])
    assert out[1][0] == dt.datetime(2024, 4, 20, 12, 0)  # Thu 2024-04-18 12:00 + 48 h
    assert "9999-12-31" in udfs.deadline_explain("POP", 2958465.5)
