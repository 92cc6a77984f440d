"""Both workbooks built from a real export (the classic seller-centre sample: no channel, no
listing dates, no sales, no scans in it) with its products list and scans: the Orders sheet holds
the values the assessment used, marked as filled in, so the sheets' own formulas give the engine's
deadlines and statuses, and an order of several rows counts once in the Summary.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from office import recalculated

import xlcompliance as xlc
from xlcompliance.cli import main
from xlcompliance.core.assessment import assess_orders
from xlcompliance.io.classic_sample import write_classic_sample
from xlcompliance.io.filled_cells import FILLED_COLOUR
from xlcompliance.io.portable_workbook import FIRST, SUMMARY_HEADER_ROW

AS_OF = "2024-07-01 00:00"
HISTORY_FROM = "2024-04-01"
EPOCH = dt.datetime(1899, 12, 30)
ORDER_ID, INFO = "订单号", "产品信息"


def _with_a_second_line(export: pd.DataFrame, row: int) -> pd.DataFrame:
    """The export plus a second row for order ``row`` (another product of the catalogue), the way
    an export of one row per product line gives a multi-line order."""
    first = export.iloc[row].copy()
    other = next(v for v in export[INFO] if str(v).split("\n")[0] != str(first[INFO]).split("\n")[0])
    first[INFO] = other
    return pd.concat([export, first.to_frame().T], ignore_index=True)


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    """The classic sample (every sixth order plus a second line of one order), its inputs, and the
    engine's assessment and monthly summary with them."""
    tmp = tmp_path_factory.mktemp("classic")
    paths = write_classic_sample(tmp)
    export = xlc.read_table(paths["orders"], kind="orders")
    export = export.iloc[::6].reset_index(drop=True)
    products = xlc.read_table(paths["products"], kind="products")
    scans = xlc.read_table(paths["scans"], kind="scans")
    once = xlc.assess(export, products=products, scans=scans, history_from=HISTORY_FROM, channel="POP", as_of=AS_OF)
    # a late order gets the second line: counted twice, it would move its month's rate and late count
    export = _with_a_second_line(export, int(np.flatnonzero(once["status"].astype(str) == "late")[0]))
    orders_csv = tmp / "orders.csv"
    export.to_csv(orders_csv, index=False, encoding="utf-8-sig")
    read = xlc.read_table(orders_csv, kind="orders")
    result = assess_orders(read, products=products, scans=scans, history_from=HISTORY_FROM, channel="POP",
                           as_of=AS_OF)
    assessed = result.frame
    assert assessed.equals(xlc.assess(read, products=products, scans=scans, history_from=HISTORY_FROM,
                                      channel="POP", as_of=AS_OF))
    summary = xlc.monthly_summary(assessed, as_of=AS_OF)
    assessed.attrs["inputs"] = result.orders.inputs
    args = [str(orders_csv), "--products", str(paths["products"]), "--scans", str(paths["scans"]),
            "--history-from", HISTORY_FROM, "--channel", "POP", "--as-of", AS_OF]
    return tmp, args, assessed, summary


def _header_columns(ws, row: int) -> dict:
    return {str(c.value).split("\n")[0]: c.column for c in ws[row] if c.value is not None}


def test_the_multi_line_order_is_one_order(classic):
    _, _, assessed, summary = classic
    lines = assessed["order_line"].to_numpy()
    assert (lines == 2).sum() == 1 and (lines == 1).sum() == len(assessed) - 1
    two = assessed[assessed[ORDER_ID].astype(str) == str(assessed.loc[lines == 2, ORDER_ID].iloc[0])]
    assert len(two) == 2 and two["deadline"].nunique() == 1 and set(two["status"].astype(str)) == {"late"}
    assert summary["assessed"].sum() + summary["pending"].sum() <= len(assessed) - 1


def test_seller_workbook_holds_the_inputs_the_engine_used(classic):
    tmp, args, assessed, summary = classic
    out = tmp / "seller.xlsx"
    assert main(["workbook", *args, "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out, data_only=True)
    assert "Products" in wb.sheetnames
    products = wb["Products"]
    assert [str(c.value).split("\n")[0] for c in products[1]] == ["product_id", "seller_code", "listed_at"]
    assert isinstance(products["C2"].value, dt.datetime) and products.max_row == 61
    ws = wb["Orders"]
    col = _header_columns(ws, 1)
    rows = list(ws.iter_rows(min_row=2, max_row=len(assessed) + 1))
    assert len(rows) == len(assessed) and ws.max_row == len(assessed) + 1
    filled = 0
    inputs = assessed.attrs["inputs"]
    assert pd.notna(inputs.sales).sum() > 50  # sales derived from the export
    for i, (row, rec) in enumerate(zip(rows, assessed.to_dict("records"), strict=True)):
        value = {name: row[j - 1].value for name, j in col.items()}
        # (a) the cached deadline and status are the engine's ...
        assert value["status"] == rec["status"]
        assert value["deadline"] == rec["deadline"].to_pydatetime()
        assert value["order_line"] == rec["order_line"]
        # ... and the cells the formulas read hold the values the engine used
        assert value["channel"] == "POP"
        for name, used in (("listed_at", inputs.listed[i]), ("fulfilled_at", inputs.fulfilled[i])):
            assert value[name] == (None if np.isnat(used) else pd.Timestamp(used).to_pydatetime())
        sales = inputs.sales[i]
        assert value["last_month_sales"] == (None if np.isnan(sales) else int(sales))
        for name in ("channel", "listed_at", "last_month_sales", "fulfilled_at"):  # none is in the export
            cell = row[col[name] - 1]
            if cell.value is not None:
                assert cell.fill.fgColor.rgb.endswith(FILLED_COLOUR)
                filled += 1
        assert not row[col["paid_at"] - 1].fill.fgColor.rgb.endswith(FILLED_COLOUR)
    assert filled > 2 * len(assessed)
    assert any("Light blue" in str(c.value) for c in wb["How-to"]["A"])
    # the Summary: the engine's rates, and built-in late/pending counts that count an order once
    s = wb["Summary"]
    got = [r for r in s.iter_rows(min_row=4, max_col=8, values_only=True) if r[0] is not None]
    assert len(got) == len(summary)
    for row, rec in zip(got, summary.to_dict("records"), strict=True):
        assert row[:2] == (rec["shop"], str(rec["month"]))
        assert row[2] == pytest.approx(rec["rate"])
        assert (row[6], row[7]) == (rec["late"], rec["pending"])


def test_seller_workbook_formulas_recompute_the_engine(classic):
    """The xlwings formulas, evaluated by the ``formulas`` package over the sheet's own cells."""
    pytest.importorskip("formulas")
    import formulas
    from test_workbook import _register

    tmp, args, assessed, summary = classic
    out = tmp / "seller-eval.xlsx"
    assert main(["workbook", *args, "--out", str(out)]) == 0
    _register()
    solution = formulas.ExcelModel().loads(str(out)).finish().calculate()
    n = len(assessed)

    def computed(sheet, ref):
        return np.asarray(solution[f"'[{out.name}]{sheet.upper()}'!{ref}"].value, dtype=object)

    deadline = computed("Orders", f"J2:J{n + 1}")[:, 0]
    status = computed("Orders", f"K2:K{n + 1}")[:, 0]
    for i, rec in enumerate(assessed.to_dict("records")):
        want = (rec["deadline"].to_pydatetime() - EPOCH) / dt.timedelta(days=1)
        assert deadline[i] == pytest.approx(want, abs=1e-9), rec
        assert status[i] == rec["status"], rec
    k = len(summary)
    rate = computed("Summary", f"C4:C{k + 3}")[:, 0]
    for i, rec in enumerate(summary.to_dict("records")):
        assert rate[i] == pytest.approx(rec["rate"], abs=0)  # the second line is not counted again
        late, pending = (computed("Summary", f"{c}{4 + i}").ravel()[0] for c in "GH")
        assert (late, pending) == (rec["late"], rec["pending"])


def _seconds(value) -> int:
    if isinstance(value, dt.datetime):
        return round((value - EPOCH).total_seconds())
    return round(float(value) * 86400)


def test_portable_workbook_recalculated_by_libreoffice_equals_the_engine(classic):
    tmp, args, assessed, summary = classic
    out = tmp / "portable.xlsx"
    assert main(["workbook", *args, "--portable", "--out", str(out)]) == 0
    written = openpyxl.load_workbook(out)
    ws = written["Orders"]
    col = _header_columns(ws, FIRST - 1)
    listed = ws.cell(row=FIRST, column=col["listed_at"])
    assert listed.value is not None and listed.fill.fgColor.rgb.endswith(FILLED_COLOUR)
    assert any("Light blue" in str(c.value) for c in written["Read me"]["A"])

    computed = openpyxl.load_workbook(recalculated(out, tmp / "lo"), data_only=True)
    rows = list(computed["Orders"].iter_rows(min_row=FIRST, max_row=FIRST + len(assessed) - 1, values_only=True))
    assert len(rows) == len(assessed)
    mismatches = []
    for row, rec in zip(rows, assessed.to_dict("records"), strict=True):
        deadline, status = row[col["deadline"] - 1], row[col["status"] - 1]
        if status != rec["status"] or _seconds(deadline) != _seconds(rec["deadline"].to_pydatetime()):
            mismatches.append((rec[ORDER_ID], deadline, status, rec["deadline"], rec["status"]))
        assert row[col["order_line"] - 1] == rec["order_line"]
    assert not mismatches, f"{len(mismatches)} rows differ from the engine, first: {mismatches[:3]}"
    got = [r for r in computed["Summary"].iter_rows(min_row=SUMMARY_HEADER_ROW + 1, max_col=7, values_only=True)
           if r[0] is not None]
    assert len(got) == len(summary)
    for row, rec in zip(got, summary.to_dict("records"), strict=True):
        shop, month, counted, on_time, late, pending, rate = row
        assert (shop, pd.Timestamp(month).to_period("M")) == (rec["shop"], rec["month"])
        assert (counted, on_time, late, pending) == (rec["assessed"], rec["on_time"], rec["late"], rec["pending"])
        assert rate == pytest.approx(rec["rate"], abs=1e-12)


@pytest.mark.parametrize("portable", [False, True], ids=["seller", "portable"])
def test_every_export_column_is_in_the_workbook(classic, portable):
    """Columns read as other fields than the nine laid out (产品信息, the tracking number, the
    platform's deadline) and columns nothing reads are carried as given: nothing of the export
    is lost."""
    tmp, args, assessed, _ = classic
    out = tmp / f"all-columns-{portable}.xlsx"
    assert main(["workbook", *args, *(["--portable"] if portable else []), "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out, read_only=True)["Orders"]
    header_row = FIRST - 1 if portable else 1
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    col = {str(v).split("\n")[0]: j for j, v in enumerate(rows[0]) if v is not None}
    body = rows[1:len(assessed) + 1]
    export = xlc.read_table(tmp / "orders.csv", kind="orders")
    for name in ("产品信息", "实际发货物流:运单号", "发货期限", "订单状态", "买家选择物流"):
        assert name in col, name
        want = [None if pd.isna(v) or v == "" else v for v in export[name].astype(object)]
        assert [r[col[name]] for r in body] == want, name
    assert "\n(商家编码: " in body[0][col["产品信息"]]
