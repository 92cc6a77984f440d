"""Every workbook the project writes, printed the way a person prints it.

LibreOffice prints each workbook to PDF and ``pdftoppm`` turns its pages into PNGs in
``tests/artifacts/`` (``seller-*.png``, ``portable-*.png``, ``report-*.png``, ``assess-*.png``) for
a person to look at. The checks here are what a printout shows without looking: landscape pages,
one page wide, and how many pages there are.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from office import pdf_pages, render_png

import xlcompliance as xlc
from xlcompliance.cli import main
from xlcompliance.io.sample import sample_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory):
    """About sixty sample orders (every status), their penalties, one announced window."""
    d = tmp_path_factory.mktemp("print")
    orders = xlc.read_table(sample_path("orders.csv"))
    picked = pd.concat([orders.iloc[::60], orders[orders["fulfilled_at"].isna()].head(6)]).drop_duplicates("order_id")
    picked.to_csv(d / "orders.csv", index=False)
    penalties = xlc.read_table(sample_path("penalties.csv"), kind="penalties")
    penalties[penalties["order_id"].isin(picked["order_id"])].head(15).to_csv(d / "penalties.csv", index=False)
    (d / "holidays.csv").write_text("start,end,scope,name\n2024-06-18,2024-06-20,JIT,618 sale\n", "utf-8")
    return d


def _landscape_one_page_wide(path):
    for ws in openpyxl.load_workbook(path).worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, ws.title


@pytest.mark.parametrize("portable", [False, True], ids=["seller", "portable"])
def test_workbooks_print(small_inputs, tmp_path, portable):
    name = "portable" if portable else "seller"
    out = tmp_path / f"{name}.xlsx"
    args = ["workbook", str(small_inputs / "orders.csv"), "--penalties", str(small_inputs / "penalties.csv"),
            "--holidays", str(small_inputs / "holidays.csv"), "--as-of", "2024-07-01 10:00", "--out", str(out)]
    assert main(args + (["--portable"] if portable else [])) == 0
    _landscape_one_page_wide(out)
    pages = render_png(out, name, tmp_path / "pdf")
    # one page per sheet or so: the Orders of ~60 rows fit one page, the Holidays windows two
    assert len(pages) <= (9 if portable else 12), len(pages)


def test_reconcile_report_prints(tmp_path):
    out = tmp_path / "report.xlsx"
    assert main(["reconcile", "--out", str(out)]) == 0
    _landscape_one_page_wide(out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == "Chart" and wb["Chart"].__class__.__name__ == "Chartsheet"
    pages = render_png(out, "report", tmp_path / "pdf")
    assert len(pages) < 23  # it printed 23 portrait pages with the chart cut before


def test_assess_xlsx_prints(small_inputs, tmp_path):
    out = tmp_path / "assessed.xlsx"
    assert main(["assess", str(small_inputs / "orders.csv"), "--as-of", "2024-07-01 10:00", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Orders", "Summary"]
    ws = wb["Orders"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    for col in ("paid_at", "listed_at", "fulfilled_at"):
        assert isinstance(row[col].value, dt.datetime | type(None)), col
    assert isinstance(ws.cell(row=2, column=header.index("paid_at") + 1).value, dt.datetime)
    sales = [r[header.index("last_month_sales")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert all(v is None or isinstance(v, int) for v in sales) and any(isinstance(v, int) for v in sales)
    assert {r[header.index("eligible")] for r in ws.iter_rows(min_row=2, values_only=True)} <= {"yes", "no", None}
    assert ws.cell(row=2, column=header.index("hours_late") + 1).number_format == "0.0"
    _landscape_one_page_wide(out)
    render_png(out, "assess", tmp_path / "pdf")
    assert pdf_pages(out, tmp_path / "pdf2") >= 2
