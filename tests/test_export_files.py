"""The files sellers actually have: the classic export as .xlsx, real .xls (LibreOffice), HTML or
CSV text saved as .xls, Parquet; products and scans files; broken ones refused in one line."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.cli import main

AS_OF = "2024-06-30 12:00"
CLASSIC = pd.DataFrame({
    "订单号": ["8001000000000001", "8001000000000002", "8001000000000003", "8001000000000004"],
    "订单状态": ["已完成", "已完成", "等待发货", "已完成"],
    "下单时间": ["2024-05-13 09:00:00", "2024-05-13 09:30:00", "2024-05-14 08:00:00", "2024-04-08 10:00:00"],
    "付款时间": ["2024-05-13 10:00:00", "2024-05-13 10:00:00", "2024-05-14 10:00:00", "2024-04-08 10:30:00"],
    "产品信息": [
        "【1】New dress\n(产品属性: Color:Red)\n(产品数量: 1)\n(商家编码: NEW-1)",
        "【1】New dress\n(产品数量: 1)\n(商家编码: NEW-1)\n【2】Old hat\n(产品数量: 2)\n(商家编码: OLD-1)",
        "【1】Old hat\n(产品数量: 1)\n(商家编码: OLD-1)",
        "【1】Old hat\n(产品数量: 1)\n(商家编码: OLD-1)",
    ],
    "买家选择物流": ["Cainiao", "Cainiao", "Cainiao", "Cainiao"],
    "发货期限": ["2024-05-16 10:00:00", "2024-05-16 10:00:00", "2024-05-17 10:00:00", "2024-04-11 10:30:00"],
    "实际发货物流:运单号": ["Cainiao:LP001", "Cainiao:LP002", "", "Cainiao:LP004"],
    "发货时间": ["2024-05-14 18:00:00", "2024-05-14 18:00:00", "", "2024-04-09 18:00:00"],
    "确认收货时间": ["", "", "", ""],
})
PRODUCTS = pd.DataFrame({"产品ID": ["1005001", "1005002"], "商家编码": ["NEW-1", "OLD-1"],
                         "创建时间": ["2024-05-01 00:00:00", "2023-01-01 00:00:00"]})
SCANS = pd.DataFrame({"运单号": ["LP001", "LP002", "LP004", "LP001"],
                      "上网时间": ["2024-05-15 20:00:00", "2024-05-15 20:00:00", "2024-04-10 09:00:00",
                               "2024-05-16 08:00:00"]})
# hand-derived: 1 NEW-1 listed 12 d before -> relaxed 72 h (05-16 10:00), scan 05-15 20:00 on time.
# 2 NEW-1 + OLD-1: OLD-1 sold 1 order in April but April is covered only from 04-08 10:30
#   (history default = earliest payment) -> unknown -> standard 48 h (05-15 10:00) -> late.
# 3 OLD-1 unscanned, standard 05-16 10:00 < as_of -> late. 4 paid 04-08 10:30 (before the relaxation),
# standard 48 h -> 04-10 10:30 (the platform says 04-11 10:30), scanned 04-10 09:00: on time.
EXPECTED = ["on_time", "late", "late", "on_time"]


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def soffice_convert(source: Path, target_dir: Path, fmt: str) -> Path:
    profile = target_dir / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(target_dir), str(source)], check=True, capture_output=True, timeout=180)
    return target_dir / f"{source.stem}.{fmt}"


def html_table(frame: pd.DataFrame, charset: str = "utf-8") -> bytes:
    def cell(v):
        return "<td>" + str(v).replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</td>"

    rows = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>\n" for row in frame.itertuples(index=False))
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in frame.columns) + "</tr>"
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>'
            f"<body><table><tr><td>订单导出</td></tr></table><table border=1>{head}\n{rows}</table></body></html>")
    return page.encode(charset)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("exports")
    out = {"csv": d / "classic.csv"}
    CLASSIC.to_csv(out["csv"], index=False, encoding="utf-8-sig")
    out["xlsx"] = d / "classic.xlsx"
    with pd.ExcelWriter(out["xlsx"]) as writer:
        pd.DataFrame([["订单导出 2024-05"]]).to_excel(writer, index=False, header=False)
        CLASSIC.to_excel(writer, index=False, startrow=2)
    if shutil.which("soffice"):
        out["xls"] = soffice_convert(out["xlsx"], d, "xls")
    out["html.xls"] = d / "html.xls"
    out["html.xls"].write_bytes(html_table(CLASSIC, "gbk"))
    out["csv.xls"] = d / "csv.xls"
    out["csv.xls"].write_bytes(CLASSIC.to_csv(index=False).encode("gb18030"))
    out["tsv.xls"] = d / "tsv.xls"
    out["tsv.xls"].write_bytes(CLASSIC.to_csv(index=False, sep="\t").encode("utf-8"))
    out["parquet"] = d / "classic.parquet"
    CLASSIC.to_parquet(out["parquet"])
    out["products"] = d / "products.csv"
    PRODUCTS.to_csv(out["products"], index=False)
    out["products.xls"] = d / "products.xls"
    out["products.xls"].write_bytes(html_table(PRODUCTS))
    out["scans"] = d / "scans.xlsx"
    SCANS.to_excel(out["scans"], index=False)
    return out


FORMATS = ["csv", "xlsx", "xls", "html.xls", "csv.xls", "tsv.xls", "parquet"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_the_same_export(files, fmt):
    if fmt not in files:
        pytest.skip("LibreOffice not installed")
    if fmt == "xls":
        assert files[fmt].read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # a real BIFF workbook
    frame = xlc.read_table(files[fmt])
    assert list(frame.columns) == list(CLASSIC.columns)
    as_text = frame.astype(object).where(frame.notna(), "").map(str)
    assert as_text.values.tolist() == CLASSIC.values.tolist()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_classic_export_assessed_with_products_and_scans(files, fmt):
    if fmt not in files:
        pytest.skip("LibreOffice not installed")
    out = xlc.assess(xlc.read_table(files[fmt]), as_of=AS_OF, channel="POP",
                     products=xlc.read_table(files["products.xls"], kind="products"),
                     scans=xlc.read_table(files["scans"], kind="scans"))
    assert out["status"].tolist() == EXPECTED
    assert out["deadline_gap_hours"].tolist() == [0.0, -24.0, -24.0, -24.0]  # 4: ours 04-10 10:30


def test_cli_with_products_scans_and_channel(files, tmp_path):
    target = tmp_path / "assessed.csv"
    before = {p: hashlib.sha256(Path(files[p]).read_bytes()).hexdigest() for p in ("xlsx", "products", "scans")}
    code, stdout, err = cli("assess", files["xlsx"], "--products", files["products"], "--scans", files["scans"],
                            "--channel", "pop", "--as-of", AS_OF, "--out", target)
    assert code == 0, err
    written = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert written["status"].tolist() == EXPECTED
    assert "sales of 2024-04 not in the export" in written["explanation"].iloc[1]
    assert before == {p: hashlib.sha256(Path(files[p]).read_bytes()).hexdigest() for p in before}
    code, _, err = cli("assess", files["xlsx"], "--products", files["products"], "--scans", files["scans"],
                       "--channel", "POP", "--as-of", AS_OF, "--history-from", "2024-04-01")
    assert code == 0, err


def test_cli_without_channel_names_the_option(files):
    code, _, err = cli("assess", files["xlsx"], "--as-of", AS_OF)
    assert code == 2 and "--channel POP|JIT" in err and err.count("\n") == 1


# --- what is not a readable table ------------------------------------------------------------

NOT_TABLES = {  # file name -> content -> the one-line answer
    "workbook2003.xls": (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
                         b"</Workbook>", "named .xls but the content is an Excel 2003 XML spreadsheet; open it in Excel"),
    "report.xls": (b"%PDF-1.4 ...", "named .xls but the content is a PDF document"),
    "blank.xls": (b"<html><body>no table here</body></html>", "an HTML page (a web page saved as a spreadsheet) with no table"),
    "broken.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "password-protected or corrupt .xls workbook"),
    "broken.parquet": (b"PAR1 not really", "not a readable Parquet file"),
    "text.parquet": (b"a,b\n1,2\n", "named .parquet but the content is text (CSV)"),
    "empty.xls": (b"", "the file is empty"),
}


@pytest.mark.parametrize("name", NOT_TABLES)
def test_what_a_file_really_is_is_said(tmp_path, name):
    content, message = NOT_TABLES[name]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(xlc.InputFileError, match=r"^" + name.replace(".", r"\.")) as info:
        xlc.read_table(path)
    assert message in str(info.value)


BAD_INPUTS = {  # name -> content; wrong-columns checks the needed columns
    **{name: content for name, (content, _) in NOT_TABLES.items()},
    "wrong-columns.csv": (b"foo,bar\n1,2\n"),
    "corrupt.xlsx": b"PK\x03\x04" + b"not a workbook" * 20,
}


@pytest.mark.parametrize("name", BAD_INPUTS)
@pytest.mark.parametrize("cmd", ["assess", "reconcile"])
@pytest.mark.parametrize("slot", ["products", "scans"])
def test_bad_products_and_scans_files_give_one_line(files, tmp_path, name, cmd, slot):
    bad = tmp_path / name
    bad.write_bytes(BAD_INPUTS[name])
    args = [cmd, files["csv"], "--channel", "POP", "--as-of", AS_OF, f"--{slot}", bad]
    if cmd == "reconcile":
        penalties = tmp_path / "pen.csv"
        penalties.write_text("shop,order_id,channel,amount,deducted_at\n", encoding="utf-8")
        args += ["--penalties", penalties]
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    code, stdout, err = cli(*args)
    assert code == 2, (stdout, err)
    assert err.startswith(f"xlcompliance {cmd}: error: ") and err.count("\n") == 1 and "Traceback" not in err
    expected = (NOT_TABLES[name][1] if name in NOT_TABLES else
                f"{slot}: needs" if name == "wrong-columns.csv" else "not a valid xlsx file")
    assert expected in err, err
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before


def test_reconcile_quotes_an_earlier_platform_deadline_as_appeal_evidence(files, tmp_path):
    # order 1 is on time by the rules (relaxed 72 h); the platform says 05-16 10:00 too: no note.
    # Make the platform's deadline 05-15 10:00 (24 h earlier) and penalise the order.
    export = CLASSIC.copy()
    export.loc[0, "发货期限"] = "2024-05-15 10:00:00"
    orders = tmp_path / "orders.csv"
    export.to_csv(orders, index=False)
    penalties = tmp_path / "pen.csv"
    penalties.write_text("shop,order_id,channel,amount,deducted_at\n,8001000000000001,POP,3.50,2024-05-20\n",
                         encoding="utf-8")
    code, stdout, err = cli("reconcile", orders, "--penalties", penalties, "--products", files["products"],
                            "--scans", files["scans"], "--channel", "POP", "--as-of", AS_OF)
    assert code == 0, err
    assert ("assessed_on_time: fulfilled 2024-05-15 20:00:00, deadline 2024-05-16 10:00:00: on time; "
            "the platform's deadline 2024-05-15 10:00:00 is 24 h earlier than the rules'") in stdout, stdout


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_classic_sample_round_trips_and_relaxes_by_derived_sales(tmp_path, fmt):
    from xlcompliance.io.classic_sample import classic_export, write_classic_sample

    paths = write_classic_sample(tmp_path, fmt=fmt)
    export, products, scans = classic_export()
    assert len(xlc.read_table(paths["orders"])) == len(export)
    out = xlc.assess(xlc.read_table(paths["orders"]), as_of="2024-07-01", channel="POP",
                     products=xlc.read_table(paths["products"], kind="products"),
                     scans=xlc.read_table(paths["scans"], kind="scans"), history_from="2024-04-01")
    assert (out["status"] == "error").sum() == 0
    relaxed = out.attrs["relaxed_by"]
    assert relaxed["listing"] > 0 and relaxed["derived_sales"] > 0
    # April's orders cannot know March's sales: the export starts in April
    april = out["付款时间"].astype(str).str.startswith("2024-04")
    assert out.loc[april, "derived_last_month_sales"].isna().all()
    assert out.loc[~april, "derived_last_month_sales"].notna().all()
    # by default coverage starts at the first payment (2024-04-01 00:00:41), after April began
    default = xlc.assess(xlc.read_table(paths["orders"]), as_of="2024-07-01", channel="POP", explain=False)
    may = default["付款时间"].astype(str).str.startswith("2024-05")
    assert default.loc[may, "derived_last_month_sales"].isna().all()
