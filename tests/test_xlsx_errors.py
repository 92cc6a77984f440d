"""An Excel error cell (#N/A, #VALUE! ...) in an export reads as its error text, never as a blank:
through Arrow and cell by cell alike, in .xlsx and .xls, so the engine names the row and field
("fulfilled_at: Excel error value #N/A") in orders, products, scans, penalties and refunds."""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import xlcompliance as xlc
from xlcompliance.core.headers import InputFileError
from xlcompliance.io import xlsx, xlsx_arrow, xlsx_errors
from xlcompliance.io.reading import read_table

pytest.importorskip("fastexcel")

READABLE = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!")
ARROW_NULLS = ("#N/A", "#VALUE!", "#REF!", "#NUM!", "#NULL!")  # fastexcel reads these as typed nulls
AS_OF = "2024-07-01"


def book(path: Path, header: list, rows: list[list], errors: dict | None = None) -> Path:
    """A one-sheet workbook; ``errors``: (body row, column) -> an error cell's text."""
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for values in rows:
        ws.append(values)
    for (r, c), text in (errors or {}).items():
        cell = ws.cell(row=r + 2, column=c + 1)
        cell.value, cell.data_type = text, "e"
    wb.save(path)
    return path


def cell_by_cell(path: Path, **kw) -> pd.DataFrame:
    real = xlsx.read_typed_sheet
    xlsx.read_typed_sheet = lambda *a: None
    try:
        return read_table(path, **kw)
    finally:
        xlsx.read_typed_sheet = real


def both(path: Path, **kw) -> pd.DataFrame:
    """The frame read_table gives, checked equal (types too) to the cell-by-cell reader's."""
    fast, slow = read_table(path, **kw), cell_by_cell(path, **kw)
    pd.testing.assert_frame_equal(fast, slow)
    for name in fast.columns:
        if fast[name].dtype == object:
            assert [type(v) for v in fast[name]] == [type(v) for v in slow[name]], name
    return fast


def assessed(frame: pd.DataFrame, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xlc.assess(frame, as_of=AS_OF, **kw)


ORDER_FIELDS = ["order_id", "shop", "channel", "method", "paid_at", "listed_at", "last_month_sales",
                "fulfilled_at", "cancelled_at"]
HEADER = ORDER_FIELDS + ["note"]


def order(i: int) -> list:
    return [f"A{i}", "S1", "JIT" if i == 3 else "POP", "pickup", dt.datetime(2024, 5, 10, 9, 0),
            dt.datetime(2024, 5, 1), 3, dt.datetime(2024, 5, 11, 9, 0), None, "free text"]


@pytest.mark.parametrize("spelling", READABLE)
def test_an_error_in_every_order_field_is_that_rows_error(tmp_path, spelling):
    # row i holds the error in field i (row 3 is a JIT order: its method matters); the rest are clean
    n = len(HEADER) + 3
    errors = {(i, i): spelling for i in range(len(HEADER))}
    path = book(tmp_path / "o.xlsx", HEADER, [order(i) for i in range(n)], errors)
    if spelling in ARROW_NULLS:
        assert xlsx_arrow.read_typed_sheet(path, lambda names: names[0]) is not None
    frame = both(path)
    for (row, column), text in errors.items():
        assert frame.iat[row, column] == text
    assert type(frame.at[n - 1, "last_month_sales"]) is int  # the column's numbers stay whole
    out = assessed(frame)
    for i, field in enumerate(ORDER_FIELDS):
        assert out.at[i, "status"] == "error", field
        assert out.at[i, "error"] == f"{field}: Excel error value {spelling}"
    assert out.at[len(HEADER) - 1, "note"] == spelling  # free text the engine does not read: as is
    clean = book(tmp_path / "clean.xlsx", HEADER, [order(i) for i in range(n)])
    expected = assessed(read_table(clean))
    rest = list(range(len(HEADER) - 1, n))
    pd.testing.assert_frame_equal(out.loc[rest, ["status", "deadline", "error"]],
                                  expected.loc[rest, ["status", "deadline", "error"]])


def test_the_reported_case_is_an_error_not_a_late_order(tmp_path):
    path = book(tmp_path / "err.xlsx", ["order_id", "channel", "paid_at", "fulfilled_at"],
                [["1", "POP", "2024-05-01 10:00:00", "#N/A"]], {(0, 3): "#N/A"})
    out = xlc.assess(xlc.read_table(path), as_of=AS_OF)
    assert out[["status", "error"]].values.tolist() == [["error", "fulfilled_at: Excel error value #N/A"]]


def test_the_errors_place_and_its_neighbours_types(tmp_path):
    header = ["id", "n", "when", "only errors", "text"]
    rows = [[1001 + i, i + 0.5 if i % 2 else i, dt.datetime(2024, 5, 1 + i, 10), None, f"t{i}"] for i in range(8)]
    rows.append([None, None, None, None, None])  # a trailing row holding only an error
    errors = {(1, 0): "#N/A", (2, 1): "#VALUE!", (3, 2): "#REF!", (4, 3): "#NUM!", (5, 3): "#N/A",
              (8, 4): "#NULL!", (6, 6): "#N/A"}  # the last one beyond the header, as a column7
    frame = both(book(tmp_path / "t.xlsx", header, rows, errors))
    assert frame.shape == (9, 7) and frame.columns[-1] == "column7"
    assert frame["id"].tolist()[:3] == [1001, "#N/A", 1003] and type(frame.at[0, "id"]) is int
    assert frame.at[2, "n"] == "#VALUE!" and frame.at[3, "n"] == 3.5 and type(frame.at[4, "n"]) is int
    assert frame.at[3, "when"] == "#REF!" and frame.at[4, "when"] == pd.Timestamp("2024-05-05 10:00")
    assert frame["only errors"].tolist()[3:7] == [None, "#NUM!", "#N/A", None]
    assert frame.at[8, "text"] == "#NULL!" and frame.at[6, "column7"] == "#N/A"


def test_an_error_in_the_header_row_reads_as_its_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["order_id", "channel", "paid_at", "x"])
    ws.append(["1", "POP", "2024-05-01 10:00:00", 1])
    ws["D1"].data_type = "e"
    ws["D1"].value = "#REF!"
    wb.save(tmp_path / "h.xlsx")
    from xlcompliance.io.xlsx_first_row import arrow_may_read

    assert not arrow_may_read(tmp_path / "h.xlsx", "Sheet")  # cell by cell: the header is text there
    assert list(both(tmp_path / "h.xlsx").columns) == ["order_id", "channel", "paid_at", "#REF!"]


def test_scans_and_products_rows_with_errors_are_left_out_and_named(tmp_path):
    orders = pd.DataFrame({"order_id": ["1", "2", "3", "#N/A"], "channel": "POP", "paid_at": "2024-05-13 10:00",
                           "product_id": ["P1", "P2", "P3", "P1"], "tracking_no": ["LP1", "LP2", "LP3", "LP4"]})
    scans = both(book(tmp_path / "s.xlsx", ["order_id", "tracking_no", "fulfilled_at"],
                      [["1", "LP1", "2024-05-14 10:00"], ["2", "LP2", None], [None, "LP3", "2024-05-14 10:00"],
                       [None, "LP4", "2024-05-14 10:00"]],
                      {(1, 2): "#N/A", (2, 0): "#REF!", (3, 0): "#N/A"}), kind="scans")
    products = both(book(tmp_path / "p.xlsx", ["product_id", "listed_at"],
                         [["P1", "2024-05-01"], [None, "2024-05-01"], ["P3", None]],
                         {(1, 0): "#N/A", (2, 1): "#DIV/0!"}), kind="products")
    with pytest.warns(UserWarning) as caught:
        out = xlc.assess(orders, as_of=AS_OF, scans=scans, products=products)
    said = " | ".join(str(w.message) for w in caught)
    assert "scans: 3 row(s) could not be read and were left out; first: scans row 2: fulfilled_at: Excel error value #N/A" in said
    assert "products: 2 row(s) could not be read and were left out; first: products row 2: product_id: Excel error value #N/A" in said
    # order 3's scan named it by tracking number beside a #REF! order id: left out, not matched
    assert out["status"].tolist()[:3] == ["on_time", "late", "late"]
    # the #N/A order id is that row's error; it matches no scan (nor the scan's own #N/A id)
    assert out.at[3, "error"] == "order_id: Excel error value #N/A"
    assert out["eligible"].tolist()[:3] == [True, False, False]  # P2, P3: listing unknown


@pytest.mark.parametrize("field, value", [("product_id", "#N/A"), ("product_info", "#REF!"), ("tracking_no", "#N/A")])
def test_an_error_in_a_field_matched_against_another_table_is_the_rows_error(field, value):
    """A failed lookup in a product id, product info or tracking number would silently match
    nothing (no listing date, no scan): it is the row's error instead, the other rows unaffected."""
    orders = pd.DataFrame({"order_id": ["1", "2"], "channel": "POP", "paid_at": "2024-05-13 10:00",
                           field: [{"product_id": "P1", "product_info": "【1】Dress\n(商家编码: P1)",
                                    "tracking_no": "LP1"}[field], value]})
    products = pd.DataFrame({"product_id": ["P1"], "listed_at": ["2024-05-01"]})
    scans = pd.DataFrame({"tracking_no": ["LP1", value], "fulfilled_at": ["2024-05-14 10:00", "2024-05-14 10:00"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scans row with the error is left out, and says so
        out = xlc.assess(orders, as_of=AS_OF, products=products if field != "tracking_no" else None,
                         scans=scans if field == "tracking_no" else None)
    assert out["error"].tolist()[-1] == f"{field}: Excel error value {value}"
    assert pd.isna(out["error"].iloc[0]) and out["status"].iloc[0] != "error"
    if field == "tracking_no":
        assert out["status"].iloc[0] == "on_time"  # its scan matched
    else:
        assert bool(out["eligible"].iloc[0])  # its listing date was found


def _ledgers(tmp_path):
    orders = pd.DataFrame({"order_id": [f"D{i}" for i in range(4)], "shop": "D", "channel": "POP",
                           "paid_at": "2024-05-10 09:00", "fulfilled_at": "2024-05-10 10:00"})
    pen_header = ["shop", "order_id", "channel", "amount", "deducted_at", "currency"]
    pen_rows = [["D", f"D{i}", "POP", "1.00", "2024-05-22 10:00:00", "CNY"] for i in range(7)]
    ref_header = ["shop", "month", "amount", "received_at", "currency"]
    ref_rows = [["D", "2024-05", "1.00", "2024-06-25 10:00:00", "CNY"] for _ in range(6)]
    return orders, pen_header, pen_rows, ref_header, ref_rows


@pytest.mark.parametrize("spelling", READABLE)
def test_penalties_and_refunds_rows_with_errors(tmp_path, spelling):
    orders, pen_header, pen_rows, ref_header, ref_rows = _ledgers(tmp_path)
    penalties = both(book(tmp_path / "pen.xlsx", pen_header, pen_rows,
                          {(i, i): spelling for i in range(len(pen_header))}), kind="penalties")
    refunds = both(book(tmp_path / "ref.xlsx", ref_header, ref_rows,
                        {(i, i): spelling for i in range(len(ref_header))}), kind="refunds")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = xlc.reconcile(assessed(orders), penalties, refunds)
    errors = res.penalties["error"].tolist()
    for i, field in enumerate(pen_header):
        assert errors[i] == f"{field}: Excel error value {spelling}", field
    assert pd.isna(errors[-1])
    notes = res.refunds["note"].tolist()
    for i, field in enumerate(ref_header):
        assert f"{field}: Excel error value {spelling}" in notes[i], (field, notes[i])
    assert res.refunds["counted"].tolist() == [False] * len(ref_header) + [True]


def test_a_formula_without_a_cached_value_stays_blank(tmp_path):
    path = book(tmp_path / "f.xlsx", ["order_id", "channel", "paid_at", "fulfilled_at"],
                [["1", "POP", "2024-05-01 10:00:00", "x"]], {(0, 3): "#N/A"})
    patched = tmp_path / "g.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>#N/A</v>", b"<f>1/0</f><v/>")
            zout.writestr(info, data)
    assert b"<f>1/0</f><v/>" in zipfile.ZipFile(patched).read("xl/worksheets/sheet1.xml")
    assert both(patched).at[0, "fulfilled_at"] is None


@pytest.mark.parametrize("spelling", ["#SPILL!", "#CALC!", "#GETTING_DATA"])
def test_an_error_calamine_cannot_read_refuses_the_sheet_naming_the_cells(tmp_path, spelling):
    path = book(tmp_path / "s.xlsx", ["order_id", "channel", "paid_at"],
                [["1", "POP", "2024-05-01"], ["2", "POP", "x"]], {(1, 2): spelling})
    with pytest.raises(InputFileError, match=rf"holds Excel error values this reader cannot read: C3 \({spelling}\);"
                       " replace them with values"):
        read_table(path)


def test_the_scan_finds_a_mark_across_chunks_and_ignores_it_in_text(tmp_path, monkeypatch):
    rows = [[f"t{i}", i] for i in range(200)]
    path = book(tmp_path / "c.xlsx", ["a", "b"], rows, {(150, 1): "#N/A"})
    monkeypatch.setattr(xlsx_errors, "_CHUNK", 7)  # every mark straddles some chunk boundary
    assert xlsx_errors.xlsx_error_cells(path, "Sheet") == {(151, 1): "#N/A"}
    text = book(tmp_path / "t.xlsx", ["a", "b"], [['<c t="e">', 1]])
    assert xlsx_errors.xlsx_error_cells(text, "Sheet") == {}


def test_error_cells_are_found_without_parsing_the_sheet(tmp_path, monkeypatch):
    clean = book(tmp_path / "n.xlsx", HEADER, [order(i) for i in range(50)])
    errors = book(tmp_path / "e.xlsx", HEADER, [order(i) for i in range(50)], {(40, 7): "#DIV/0!", (3, 0): "#N/A"})
    expected = cell_by_cell(errors)

    def refuse(*a, **kw):
        raise AssertionError("parsed the sheet element by element")

    monkeypatch.setattr(xlsx_errors, "_error_cells_parsed", refuse)
    assert xlsx_errors.xlsx_error_cells(clean, "Sheet") == {}
    assert xlsx_errors.xlsx_error_cells(errors, "Sheet") == {(41, 7): "#DIV/0!", (4, 0): "#N/A"}
    pd.testing.assert_frame_equal(cell_by_cell(errors), expected)


def test_cells_without_references_are_placed_by_the_parse(tmp_path):
    import re

    path = book(tmp_path / "r.xlsx", ["a", "b", "c"], [["x", 1, None], ["y", None, 3]], {(0, 2): "#N/A", (1, 1): "#REF!"})
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", data)  # openpyxl writes every cell of these rows
            zout.writestr(info, data)
    assert b'<c r="' not in zipfile.ZipFile(bare).read("xl/worksheets/sheet1.xml")
    assert xlsx_errors.xlsx_error_cells(bare, "Sheet") == {(1, 2): "#N/A", (2, 1): "#REF!"}


def test_a_file_is_only_read(tmp_path):
    path = book(tmp_path / "r.xlsx", HEADER, [order(i) for i in range(5)], {(1, 7): "#N/A"})
    before = path.read_bytes()
    both(path)
    assert path.read_bytes() == before


LO_CSV = """order_id,channel,paid_at,fulfilled_at,last_month_sales,note
1,POP,2024-05-10 09:00:00,=NA(),3,a
2,POP,2024-05-10 09:00:00,=1/0,3,b
3,POP,"=VALUE(""x"")",2024-05-11 09:00:00,3,c
4,=NOSUCHFN(),2024-05-10 09:00:00,2024-05-11 09:00:00,3,d
5,POP,2024-05-10 09:00:00,2024-05-11 09:00:00,=10^400,e
"=INDIRECT(""ZZZ0"")",POP,2024-05-10 09:00:00,2024-05-11 09:00:00,3,f
7,POP,2024-05-10 09:00:00,2024-05-11 09:00:00,3,=NA()
8,POP,2024-05-10 09:00:00,2024-05-11 09:00:00,3,h
"""
LO_ERRORS = ["fulfilled_at: Excel error value #N/A", "fulfilled_at: Excel error value #DIV/0!",
             "paid_at: Excel error value #VALUE!", "channel: Excel error value #NAME?",
             "last_month_sales: Excel error value #NUM!", "order_id: Excel error value #REF!", None, None]


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_libreoffice_error_formulas(tmp_path, fmt):
    from office import convert

    source = tmp_path / "orders.csv"
    source.write_text(LO_CSV, encoding="utf-8")
    path = convert(source, fmt, tmp_path / "lo")  # the formulas computed: cached error values
    frame = both(path) if fmt == "xlsx" else read_table(path)
    assert frame.at[6, "note"] == "#N/A"
    out = assessed(frame)
    assert out["error"].where(out["error"].notna(), None).tolist() == LO_ERRORS
    assert out["status"].tolist()[6:] == ["on_time", "on_time"]


def test_xls_error_cells_off_a1(tmp_path):
    from office import convert

    source = tmp_path / "off.csv"
    source.write_text(",,,\n,,,\n,,order_id,x\n,,1,\n,,,=NA()\n", encoding="utf-8")
    frame = read_table(convert(source, "xls", tmp_path / "lo"))
    assert frame.iat[3, 3] == "#N/A" and frame.iat[2, 2] == 1


def _two_orders(tmp_path) -> Path:
    return book(tmp_path / "two.xlsx", ["order_id", "channel", "paid_at", "fulfilled_at"],
                [["1", "POP", "2024-05-01 10:00", "2024-05-02 10:00"], ["2", "POP", "2024-05-01 10:00", None]],
                {(1, 3): "#N/A"})


def test_the_command_line_reports_the_row(tmp_path, capsys):
    from xlcompliance.cli import main

    out = tmp_path / "out.csv"
    assert main(["assess", str(_two_orders(tmp_path)), "--as-of", AS_OF, "--out", str(out)]) == 0
    assert "data row 2: fulfilled_at: Excel error value #N/A" in capsys.readouterr().out
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert written["fulfilled_at"].tolist() == ["2024-05-02 10:00", "#N/A"]
    assert written["status"].tolist() == ["on_time", "error"]
    assert written["error"].tolist() == ["", "fulfilled_at: Excel error value #N/A"]


def test_the_what_if_upload_reads_the_error(tmp_path):
    pytest.importorskip("ipywidgets")
    from xlcompliance.notebook.app import build_app

    app = build_app(as_of=AS_OF)
    data = _two_orders(tmp_path).read_bytes()
    app.upload_orders.value = ({"name": "two.xlsx", "type": "", "size": len(data), "content": memoryview(data),
                                "last_modified": pd.Timestamp(AS_OF).to_pydatetime()},)
    assert "Loaded two.xlsx" in app.message.value
    assert app.assessed["status"].tolist() == ["on_time", "error"]
    assert app.assessed["error"].tolist()[1] == "fulfilled_at: Excel error value #N/A"
