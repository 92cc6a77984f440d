"""The seller workbook: committed copy up to date, cached values = engine, formulas = engine.

The formulas are evaluated without Excel by the ``formulas`` package, with the xlwings
functions of :mod:`xlcompliance.excel.udfs` registered under their Excel names. Ranges reach them as
``formulas`` delivers them (serial numbers, ``empty`` cells, error objects), close to Office.js.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.cli import main
from xlcompliance.excel import udfs
from xlcompliance.io.sample import SAMPLE_AS_OF, sample_path
from xlcompliance.io.seller_workbook import WORKBOOK_NAME

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "workbook" / WORKBOOK_NAME
EPOCH = dt.datetime(1899, 12, 30)


def _cells(path: Path, data_only: bool) -> dict:
    wb = openpyxl.load_workbook(path, data_only=data_only)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, openpyxl.worksheet.formula.ArrayFormula):
                    v = ("array", v.ref, v.text)
                if v is not None:
                    out[(ws.title, c.coordinate)] = (v, c.number_format)
        out[(ws.title, "freeze")] = ws.freeze_panes
    out["sheets"] = wb.sheetnames
    return out


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wb") / WORKBOOK_NAME
    assert main(["workbook", "--out", str(out)]) == 0
    return out


def test_committed_workbook_is_up_to_date(regenerated):
    """Fails when workbook/ is stale: run `xlcompliance workbook --out workbook/xlcompliance-seller.xlsx --force`."""
    assert COMMITTED.exists(), f"{COMMITTED} is missing"
    for data_only in (False, True):
        old, new = _cells(COMMITTED, data_only), _cells(regenerated, data_only)
        assert old["sheets"] == new["sheets"]
        changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        assert not changed, f"{len(changed)} cells differ, first {changed[:5]}; regenerate the workbook"


def test_workbook_layout(regenerated):
    wb = openpyxl.load_workbook(regenerated)
    assert wb.sheetnames == ["How-to", "Orders", "Summary", "Holidays", "Penalties", "Rules", "xlwings.conf"]
    conf = wb["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "xlcompliance.excel.udfs")
    orders = wb["Orders"]
    assert orders.freeze_panes == "A2"
    n = len(xlc.read_table(sample_path("orders.csv")))
    for col, name in zip("JKL", ("ORDER_DEADLINE", "ORDER_STATUS", "HOURS_LATE"), strict=True):
        f = orders[f"{col}2"].value
        assert f.text.startswith(f"={name}(") and f.ref == f"{col}2:{col}{n + 1}"
    assert orders["E2"].number_format == orders["J2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert isinstance(orders["E2"].value, dt.datetime)
    assert orders["A2"].data_type == "s"  # 16-digit order ids stay exact text
    assert orders.column_dimensions["J"].width >= 19
    assert wb["Rules"].protection.sheet
    how = [c.value for c in wb["How-to"]["B"] if c.value]
    assert any("平台" in t for t in how) and any("Import Functions" in str(c.value) for c in wb["How-to"]["A"])
    calc = wb.calculation
    assert not calc.fullCalcOnLoad  # Excel shows the cached values until Python recalculates


def test_cached_values_equal_the_engine(regenerated):
    orders = xlc.read_table(sample_path("orders.csv"))
    penalties = xlc.read_table(sample_path("penalties.csv"), kind="penalties")
    assessed = xlc.assess(orders, as_of=SAMPLE_AS_OF)
    summary = xlc.monthly_summary(assessed, penalties, as_of=SAMPLE_AS_OF)
    wb = openpyxl.load_workbook(regenerated, data_only=True)
    ws = wb["Orders"]
    rows = list(ws.iter_rows(min_row=2, max_col=12, values_only=True))
    assert len(rows) == len(assessed)
    bad = assessed["status"] == "error"
    for row, deadline, status, late, b in zip(
        rows, assessed["deadline"], assessed["status"], assessed["hours_late"], bad, strict=True
    ):
        if b:
            assert row[9:12] == ("#VALUE!",) * 3
            continue
        assert row[9] == deadline.to_pydatetime()
        assert row[10] == status
        assert row[11] == (None if pd.isna(late) else pytest.approx(late, abs=1e-9))
    s = wb["Summary"]
    assert s["B1"].value == pd.Timestamp(SAMPLE_AS_OF).to_pydatetime()
    got = list(s.iter_rows(min_row=4, max_col=6, values_only=True))
    assert len(got) == len(summary)
    for row, rec in zip(got, summary.to_dict("records"), strict=True):
        assert row[:2] == (rec["shop"], str(rec["month"]))
        assert row[2] == pytest.approx(rec["rate"])
        assert row[3] is bool(rec["qualifies"])
        assert row[4] == float(rec["refund_due"])


# --- evaluating the formulas without Excel -----------------------------------------------------


def _to_python(block):
    """A ``formulas`` range value as rows of cells the way an Excel runtime hands them over."""
    import schedula as sh
    from formulas.tokens.operand import XlError

    value = getattr(block, "value", block)
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)

    def cell(v):
        if v is sh.EMPTY:
            return None
        if isinstance(v, XlError):
            return str(v)
        return v.item() if isinstance(v, np.generic) else v

    return [[cell(v) for v in row] for row in arr.tolist()]


def _to_excel(result):
    """A function's answer as ``formulas`` holds a computed cell."""
    from formulas.functions import Error

    def cell(v):
        if isinstance(v, dt.datetime):
            return (v - EPOCH) / dt.timedelta(days=1)
        if v == "#VALUE!":
            return Error.errors["#VALUE!"]
        return v

    if isinstance(result, list):
        rows = [r if isinstance(r, list) else [r] for r in result]
        return np.array([[cell(v) for v in r] for r in rows], dtype=object)
    return cell(result)


def _register():
    import formulas

    registry = formulas.get_functions()
    for name in udfs.__all__:
        func = getattr(udfs, name)

        def wrapper(*args, _func=func):
            return _to_excel(_func(*[_to_python(a) for a in args]))

        registry[name.upper()] = wrapper


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory):
    """A workbook of 120 sample orders plus bad rows, an announced window and penalties."""
    tmp = tmp_path_factory.mktemp("small")
    orders = xlc.read_table(sample_path("orders.csv"))
    orders = pd.concat(
        [
            orders.iloc[::30].head(120),
            pd.DataFrame(
                [
                    {
                        "order_id": "b1",
                        "shop": "Aurora Home",
                        "channel": "POP",
                        "paid_at": "2024-06-12 09:00",
                        "listed_at": "2024-06-20 00:00",
                    },
                    {"order_id": "b2", "shop": "Aurora Home", "channel": "FBA", "paid_at": "2024-06-12 09:00"},
                    {"order_id": "b3", "shop": "Beacon Outdoor", "channel": "JIT", "paid_at": "yesterday"},
                    {
                        "order_id": "b4",
                        "shop": "Beacon Outdoor",
                        "channel": "JIT",
                        "method": "self",
                        "paid_at": "2024-06-17 20:00",
                        "fulfilled_at": "2024-06-24 08:00",
                    },
                ]
            ),
        ],
        ignore_index=True,
    ).fillna("")
    orders_csv = tmp / "orders.csv"
    orders.to_csv(orders_csv, index=False)
    holidays_csv = tmp / "holidays.csv"
    holidays_csv.write_text("start,end,scope,name\n2024-06-18,2024-06-20,JIT,618 sale\n", "utf-8")
    out = tmp / "small.xlsx"
    assert (
        main(
            [
                "workbook",
                str(orders_csv),
                "--penalties",
                str(sample_path("penalties.csv")),
                "--holidays",
                str(holidays_csv),
                "--as-of",
                "2024-07-01 10:00",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out, orders, holidays_csv


def test_formulas_evaluate_to_the_engine(small_workbook):
    import formulas

    path, orders, holidays_csv = small_workbook
    _register()
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    name = path.name

    def computed(sheet, ref):
        return np.asarray(solution[f"'[{name}]{sheet.upper()}'!{ref}"].value, dtype=object)

    calendar = xlc.read_holidays(holidays_csv)
    assessed = xlc.assess(orders, as_of="2024-07-01 10:00", calendar=calendar)
    n = len(orders)
    assert (assessed["status"] == "error").sum() == 3
    assert assessed["explanation"].astype(str).str.contains("not counted").any()
    deadline = computed("Orders", f"J2:J{n + 1}")[:, 0]
    status = computed("Orders", f"K2:K{n + 1}")[:, 0]
    late = computed("Orders", f"L2:L{n + 1}")[:, 0]
    for i, rec in enumerate(assessed.to_dict("records")):
        if rec["status"] == "error":
            assert str(deadline[i]) == str(status[i]) == str(late[i]) == "#VALUE!", rec["error"]
            continue
        want = (rec["deadline"].to_pydatetime() - EPOCH) / dt.timedelta(days=1)
        assert deadline[i] == pytest.approx(want, abs=1e-9)
        assert status[i] == rec["status"]
        assert (late[i] in ("", 0) and pd.isna(rec["hours_late"])) or late[i] == pytest.approx(rec["hours_late"])
    # the announced JIT window moved the self-send deadline of order b4
    b4 = assessed[assessed["order_id"] == "b4"].iloc[0]
    assert b4["deadline"] != xlc.jit_deadline("2024-06-17 20:00", "self")

    penalties = xlc.read_table(sample_path("penalties.csv"), kind="penalties")
    summary = xlc.monthly_summary(assessed, penalties, as_of="2024-07-01 10:00")
    k = len(summary)
    rate = computed("Summary", f"C4:C{k + 3}")[:, 0]
    ok = computed("Summary", f"D4:D{k + 3}")[:, 0]
    due = computed("Summary", f"E4:F{k + 3}")
    for i, rec in enumerate(summary.to_dict("records")):
        assert (rate[i] == "" and pd.isna(rec["rate"])) or rate[i] == pytest.approx(rec["rate"], abs=0)
        assert bool(ok[i]) is bool(rec["qualifies"])
        assert due[i, 0] == float(rec["refund_due"])
        if pd.isna(rec["refund_due_date"]):
            assert due[i, 1] in ("", 0)
        else:
            assert due[i, 1] == pytest.approx(
                (rec["refund_due_date"].to_pydatetime() - EPOCH) / dt.timedelta(days=1), abs=1e-9
            )
    assert summary["refund_due"].sum() > 0
    # the built-in columns beside them: late, pending, penalties and net cost per shop-month
    for i, rec in enumerate(summary.to_dict("records")):
        late, pending, pen, net = (computed("Summary", f"{c}{4 + i}").ravel()[0] for c in "GHIJ")
        assert (late, pending) == (rec["late"], rec["pending"])
        assert pen == pytest.approx(float(rec["penalties"]), abs=1e-9)
        assert net == pytest.approx(float(rec["penalties"] - rec["refund_due"]), abs=1e-9)


def test_cli_refuses_to_overwrite_and_unsupported_options(tmp_path, capsys):
    out = tmp_path / "w.xlsx"
    out.write_bytes(b"keep")
    assert main(["workbook", "--out", str(out)]) == 2
    assert out.read_bytes() == b"keep"
    assert main(["workbook", "--no-statutory", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "not available for the workbook" in capsys.readouterr().err


def test_seller_finish_and_same_bytes(regenerated, tmp_path):
    """As a seller uses it: bilingual headers, filters, late/soon colours, plain-words rules, prints
    landscape one page wide with the header repeated; the same inputs give the same bytes."""
    again = tmp_path / WORKBOOK_NAME
    assert main(["workbook", "--out", str(again)]) == 0
    assert again.read_bytes() == regenerated.read_bytes()
    wb = openpyxl.load_workbook(regenerated)
    orders = wb["Orders"]
    assert orders["E1"].value == "paid_at\n付款时间" and orders["K1"].value.startswith("status\n")
    assert orders.auto_filter.ref.startswith("A1:L")
    rules = [r.formula[0] for rng in orders.conditional_formatting for r in rng.rules]
    assert any('"late"' in f for f in rules) and any('"pending"' in f and "as_of" in f for f in rules)
    assert "as_of" in wb.defined_names
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert orders.print_title_rows == "$1:$1"
    text = " ".join(str(c.value) for row in wb["Rules"].iter_rows() for c in row if c.value is not None)
    for internal in ("rule_sets", "pop_hours", "statutory_channels", "seed ", "SPEC", ".toml"):
        assert internal not in text, internal
    assert "72 hours" in text and "95 % or more" in text and "14:00:00" in text
    summary = wb["Summary"]
    assert [summary.cell(row=3, column=j).value.split("\n")[0] for j in range(7, 11)] == [
        "late", "pending", "penalties", "net_cost"]
