"""xlsx sheets read through Arrow (fastexcel) give the frame the cell-by-cell reader
(python-calamine) gives, cell for cell and type for type; every shape Arrow would read
differently (a mixed column, a title row, a sheet off A1, a number or date header, times of day,
dates past 9999, durations, repeated headers) is detected and read cell by cell."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from xlcompliance.core.headers import InputFileError
from xlcompliance.io import xlsx, xlsx_arrow
from xlcompliance.io.reading import read_table

pytest.importorskip("fastexcel")

HEADER = ["订单号", "店铺", "付款时间", "发货时间", "数量", "金额", "备注", "是否", "文本日期"]


def row(i: int) -> list:
    return [
        8_001_000_000_000_000 + i if i % 3 else 1000 + i,  # number ids, some beyond 2**53
        "A店" if i % 2 else "  B  ",
        dt.datetime(2024, 5, 1, 9, 30) + dt.timedelta(minutes=37 * i, microseconds=123_000),
        dt.datetime(2024, 5, 3) + dt.timedelta(days=i % 4) if i % 5 else None,  # midnight: date cells
        i,
        i + 0.25 if i % 4 else float(i),
        None if i % 7 else "",
        bool(i % 2),
        f"2024-05-{1 + i % 28:02d} 10:00:00",
    ]


def workbook(path: Path, rows: list[list], *, start: str = "A1", title: str | None = None,
             extra=None, sheets: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    for name in sheets:
        wb.create_sheet(name)
    ws = wb.active
    if title is not None:
        ws.append([title])
        ws.append([])
    col = ord(start[0]) - ord("A")
    first = int(start[1:])
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                ws.cell(row=first + r + (2 if title is not None else 0), column=col + c + 1, value=value)
    if extra:
        extra(ws)
    wb.save(path)
    return path


def emptied(path: Path, placeholder: str = "EMPTY") -> Path:
    """The workbook with every ``placeholder`` text made an empty text cell (openpyxl writes none)."""
    import zipfile

    source = path.with_suffix(".src.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/"):
                data = data.replace(f">{placeholder}<".encode(), b"><")
            zout.writestr(info, data)
    source.unlink()
    return path


def cell_by_cell(path: Path, **kw) -> pd.DataFrame:
    real = xlsx.read_typed_sheet
    xlsx.read_typed_sheet = lambda *a: None
    try:
        return xlsx.read_sheet(path, **kw)
    finally:
        xlsx.read_typed_sheet = real


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames, and in object columns the same Python type in every cell (1001 is not 1001.0)."""
    pd.testing.assert_frame_equal(a, b)
    for i, name in enumerate(a.columns):
        if a.iloc[:, i].dtype == object:
            assert [type(v) for v in a.iloc[:, i]] == [type(v) for v in b.iloc[:, i]], name


def typed(path: Path, sheet: str | None = None) -> pd.DataFrame | None:
    return xlsx_arrow.read_typed_sheet(path, lambda names: sheet or names[0])


BASE = [HEADER] + [row(i) for i in range(1, 60)]


def _merge(ws):
    ws.merge_cells("G3:G6")
    ws["G3"] = "合并"


def _errors(ws):
    ws["E5"] = "#N/A"
    ws["C7"] = "#VALUE!"
    ws["B9"] = "#DIV/0!"


def _trailing(ws):
    ws["B80"] = ""  # an empty-text cell far below
    ws["M2"] = ""  # and far right
    ws["K90"].number_format = "0.00"  # a formatted empty cell


def _formula(ws):
    ws["E4"] = "=1+1"  # no cached value: read as blank by both


def _blank_middle_column(ws):
    ws.insert_cols(4)


def _beyond_header(ws):
    ws["K5"] = 7.0  # a value right of the header's last cell


def _blank_header_cell(ws):
    ws["D1"] = None


def _whitespace_header(ws):
    ws["J1"] = "   "


def _empty_text_in_numbers(ws):
    ws["E6"] = ""  # openpyxl writes no cell for it: both readers see a blank


FAST = {
    "typed columns": None,
    "merged cells": _merge,
    "error cells": _errors,
    "trailing empty rows and columns": _trailing,
    "formula without a cached value": _formula,
    "an empty column in the middle": _blank_middle_column,
    "a value beyond the header": _beyond_header,
    "a blank header cell": _blank_header_cell,
    "a whitespace header cell": _whitespace_header,
    "empty text in a number column": _empty_text_in_numbers,
}


def _early_1900(ws):
    for r, day in enumerate((1, 59, 60, 61, 62), start=2):  # around Excel's 29 Feb 1900
        ws.cell(row=r, column=4, value=day).number_format = "yyyy-mm-dd hh:mm"


def _mac_1904(ws):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    ws.parent.epoch = CALENDAR_MAC_1904


def _na_text_in_text(ws):
    for r, text in enumerate(("NA", "None", "null", "n/a", "nan", "N/A", "<NA>", "-nan", "1.#IND"), start=2):
        ws.cell(row=r, column=2, value=text)
        ws.cell(row=r, column=10, value=text)  # and in a column of nothing else, beyond the header


def _iso_dates(ws):
    ws.parent.iso_dates = True  # date-times stored as ISO text cells (t="d"), not serial numbers


def _na_headers(ws):
    ws["B1"], ws["J1"] = "NA", "None"


FAST.update({"dates around 29 Feb 1900": _early_1900, "the 1904 date system": _mac_1904,
             "n/a text among text": _na_text_in_text, "NA and None headers": _na_headers,
             "ISO date cells": _iso_dates})


@pytest.mark.parametrize("shape", FAST)
def test_shapes_read_through_arrow_match_cell_by_cell(tmp_path, shape):
    path = workbook(tmp_path / "x.xlsx", BASE, extra=FAST[shape])
    fast = typed(path)
    assert fast is not None, "this shape should be read through Arrow"
    same(cell_by_cell(path), fast)
    same(cell_by_cell(path), xlsx.read_sheet(path))


def _text_in_numbers_late(ws):
    ws["E1500"] = "late text"  # beyond any sample of rows
    ws["A1500"] = "x"


def _number_in_dates(ws):
    ws["C10"] = 45400.5
    ws["C10"].number_format = "General"  # a plain number, not a date-formatted one


def _bool_in_numbers(ws):
    ws["F10"] = True


def _time_of_day(ws):
    ws["C10"] = dt.time(10, 30)


def _serial_zero(ws):
    ws["C10"] = 0
    ws["C10"].number_format = "yyyy-mm-dd"


def _after_9999(ws):
    ws["D10"] = 3_000_000
    ws["D10"].number_format = "yyyy-mm-dd"


def _duration(ws):
    for r in range(2, 60):
        ws.cell(row=r, column=10, value=dt.timedelta(hours=r, minutes=5)).number_format = "[h]:mm:ss"


def _number_header(ws):
    ws["B1"] = 2024


def _date_header(ws):
    ws["B1"] = dt.datetime(2024, 5, 1)


def _repeated_header(ws):
    ws["B1"] = "订单号"


def _na_text_in_numbers(ws):
    ws["E40"] = "n/a"  # fastexcel's type guess skips text it takes for a missing value


def _na_text_in_dates(ws):
    ws["C30"] = "NULL"


CELL_BY_CELL = {
    "text in a number column past row 1000": (_text_in_numbers_late, {}),
    "a number in a date column": (_number_in_dates, {}),
    "a boolean in a number column": (_bool_in_numbers, {}),
    "a time of day in a date column": (_time_of_day, {}),
    "date serial 0": (_serial_zero, {}),
    "a date past 9999": (_after_9999, {}),
    "durations": (_duration, {}),
    "a number header": (_number_header, {}),
    "a date header": (_date_header, {}),
    "a repeated header": (_repeated_header, {}),
    "n/a text in a number column": (_na_text_in_numbers, {}),
    "NULL text in a date column": (_na_text_in_dates, {}),
    "a title row": (None, {"title": "速卖通订单导出 2024"}),
    "starts at C3": (None, {"start": "C3"}),
    "starts at B1": (None, {"start": "B1"}),
    "starts at A2": (None, {"start": "A2"}),
}


@pytest.mark.parametrize("shape", CELL_BY_CELL)
def test_shapes_arrow_would_change_are_read_cell_by_cell(tmp_path, shape):
    fix, kw = CELL_BY_CELL[shape]
    rows = BASE + [row(i) for i in range(60, 1600)] if "1000" in shape else BASE
    path = workbook(tmp_path / "x.xlsx", rows, extra=fix, **kw)
    assert typed(path) is None, "Arrow would read this shape differently: it must go cell by cell"
    same(cell_by_cell(path), xlsx.read_sheet(path))


def test_a_mixed_column_keeps_every_cell(tmp_path):
    # the reason for strict typing: fastexcel's default would make the text and the number null
    path = workbook(tmp_path / "x.xlsx", BASE + [row(i) for i in range(60, 1600)],
                    extra=lambda ws: (_text_in_numbers_late(ws), _number_in_dates(ws)))
    frame = xlsx.read_sheet(path)
    assert frame.loc[1498, "数量"] == "late text" and frame.loc[1498, "订单号"] == "x"
    assert frame.loc[8, "付款时间"] == 45400.5


def test_empty_text_cells(tmp_path):
    def text(ws):
        ws["B4"] = ws["B70"] = ws["N2"] = "EMPTY"  # in a text column, a trailing row and column

    path = emptied(workbook(tmp_path / "x.xlsx", BASE, extra=text))
    assert typed(path) is not None
    same(cell_by_cell(path), xlsx.read_sheet(path))
    assert xlsx.read_sheet(path).shape == (59, 9)

    def number(ws):
        ws["E6"] = "EMPTY"

    path = emptied(workbook(tmp_path / "y.xlsx", BASE, extra=number))
    assert typed(path) is None  # text among numbers, if empty: reported by fastexcel, cell by cell
    same(cell_by_cell(path), xlsx.read_sheet(path))
    assert xlsx.read_sheet(path).loc[4, "数量"] is None


def test_na_text_among_numbers_past_many_rows_keeps_its_cell(tmp_path):
    path = workbook(tmp_path / "x.xlsx", BASE + [row(i) for i in range(60, 3000)],
                    extra=lambda ws: ws.cell(row=2900, column=5, value="N/A"))
    assert typed(path) is None
    assert xlsx.read_sheet(path).loc[2898, "数量"] == "N/A"


@pytest.mark.parametrize("title", [["速卖通订单导出 2024"], ["导出", "2024-05"]])
def test_text_only_sheet_under_a_title_matches(tmp_path, title):
    # platform exports often hold every value as text, under a title row: read through Arrow
    rows = [title, [], [str(v) for v in HEADER]] + [[str(v) for v in row(i)] for i in range(9)]
    path = workbook(tmp_path / "x.xlsx", rows)
    assert typed(path) is not None
    same(cell_by_cell(path), xlsx.read_sheet(path))
    frame = read_table(path)
    assert list(frame.columns) == HEADER and len(frame) == 9  # the header is found below the title
    xlsx.read_typed_sheet, real = (lambda *a: None), xlsx.read_typed_sheet
    try:
        same(read_table(path), frame)
    finally:
        xlsx.read_typed_sheet = real


def test_the_first_rows_tell_which_sheets_to_try_through_arrow(tmp_path):
    from xlcompliance.io.xlsx_first_row import arrow_may_read

    long = BASE + [row(i) for i in range(60, 400)]
    assert arrow_may_read(workbook(tmp_path / "a.xlsx", BASE), "Sheet")  # all rows looked at
    assert arrow_may_read(workbook(tmp_path / "b.xlsx", long), "Sheet")  # the first hundred
    # a typed sheet under a title: the header's text above numbers, known without parsing it all
    assert not arrow_may_read(workbook(tmp_path / "c.xlsx", BASE, title="导出"), "Sheet")
    mixed = workbook(tmp_path / "d.xlsx", long, extra=lambda ws: ws.cell(row=50, column=5, value="x"))
    assert not arrow_may_read(mixed, "Sheet")
    late = workbook(tmp_path / "e.xlsx", long, extra=lambda ws: ws.cell(row=300, column=5, value="x"))
    assert arrow_may_read(late, "Sheet") and typed(late) is None  # there, fastexcel refuses it
    same(cell_by_cell(late), xlsx.read_sheet(late))
    assert not arrow_may_read(workbook(tmp_path / "f.xlsx", BASE, start="A2"), "Sheet")
    assert not arrow_may_read(workbook(tmp_path / "g.xlsx", BASE, extra=_number_header), "Sheet")
    assert not arrow_may_read(workbook(tmp_path / "h.xlsx", BASE), "no such sheet")


def test_header_only_and_empty_sheets(tmp_path):
    path = workbook(tmp_path / "h.xlsx", [HEADER])
    same(cell_by_cell(path), xlsx.read_sheet(path))
    assert xlsx.read_sheet(path).empty
    empty = workbook(tmp_path / "e.xlsx", [])
    with pytest.raises(InputFileError, match="is empty"):
        xlsx.read_sheet(empty)


def test_sheet_chosen_by_name_and_by_kind(tmp_path):
    def orders(ws):
        for values in BASE[:5]:
            ws.parent["Orders"].append(values)

    path = workbook(tmp_path / "x.xlsx", BASE, sheets=("Penalties", "Orders"), extra=orders)
    for name in ("Sheet", "Orders"):
        same(cell_by_cell(path, sheet=name), xlsx.read_sheet(path, sheet=name))
    assert len(xlsx.read_sheet(path)) == 4  # kind orders: the Orders sheet
    with pytest.raises(InputFileError, match="sheet 'Penalties' is empty"):
        xlsx.read_sheet(path, kind="penalties")
    with pytest.raises(InputFileError, match="no sheet named 'Nope'; sheets: Sheet, Penalties, Orders"):
        xlsx.read_sheet(path, sheet="Nope")


def test_without_fastexcel_every_sheet_reads_cell_by_cell(tmp_path, monkeypatch):
    import sys

    path = workbook(tmp_path / "x.xlsx", BASE)
    arrow = xlsx.read_sheet(path)
    monkeypatch.setitem(sys.modules, "fastexcel", None)  # import fastexcel raises ImportError
    assert typed(path) is None
    same(arrow, xlsx.read_sheet(path))


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_a_libreoffice_xlsx_matches(tmp_path):
    (tmp_path / "src").mkdir()
    source = workbook(tmp_path / "src" / "x.xlsx", BASE, extra=_trailing)
    out = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    path = out / "x.xlsx"
    assert typed(path) is not None
    same(cell_by_cell(path), xlsx.read_sheet(path))


def test_a_file_is_only_read(tmp_path):
    path = workbook(tmp_path / "x.xlsx", BASE)
    before = path.read_bytes()
    xlsx.read_sheet(path)
    assert path.read_bytes() == before


def test_generated_orders_read_the_same_both_ways(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).resolve().parents[1] / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "orders.xlsx"
    bench.write_xlsx(bench.orders(20_000), path)
    assert typed(path, "Orders") is not None
    real = xlsx.read_typed_sheet
    xlsx.read_typed_sheet = lambda *a: None
    try:
        before = read_table(path)
    finally:
        xlsx.read_typed_sheet = real
    after = read_table(path)
    same(before, after)
    assert str(after["paid_at"].dtype) == "datetime64[us]" and type(after["last_month_sales"][0]) is int


def test_the_first_row_is_looked_at_within_a_bound(tmp_path, monkeypatch):
    from xlcompliance.io import xlsx_first_row

    path = workbook(tmp_path / "x.xlsx", BASE)
    assert xlsx_first_row.arrow_may_read(path, "Sheet")
    monkeypatch.setattr(xlsx_first_row, "MAX_PEEK", 200)  # less than the sheet XML up to row 1's end
    assert not xlsx_first_row.arrow_may_read(path, "Sheet")
    assert typed(path) is None
    same(cell_by_cell(path), xlsx.read_sheet(path))
