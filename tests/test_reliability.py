"""Reliability at every entry point above the core: the CLI commands and the what-if app's upload.

Every bad input file goes through every reader of every command (orders, penalties, refunds,
holidays) and through the app's upload; each gets a one-line answer, exit code 2, no traceback
unless ``--debug``, and leaves the inputs untouched. Every written file is checked for formula
injection, atomic replacement, ``--force`` and never overwriting an input. The per-row cases and
the core readers are in test_parsing, test_assessment, test_fuzz and test_tables_cli.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.cli import main
from xlcompliance.io.sample import SAMPLE_AS_OF, generate_orders, sample_path
from xlcompliance.io.targets import OutputExistsError, atomic_write

pytestmark = pytest.mark.usefixtures("csv_engine")  # every test on both CSV paths

AS_OF = f"{SAMPLE_AS_OF:%Y-%m-%d %H:%M}"
SLOTS = {  # the input files each command reads, orders first
    "assess": ("orders", "penalties", "holidays"),
    "reconcile": ("orders", "penalties", "refunds", "holidays"),
    "workbook": ("orders", "penalties", "holidays"),
}
READERS = [(cmd, slot) for cmd, slots in SLOTS.items() for slot in slots]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]

CHINESE_ORDERS = (
    "订单号,店铺名称,模式,发货方式,付款时间,首次上架时间,上月销量,上网时间,揽收时间,取消时间\n"
    "1001,甲店,POP,,2024/04/19 10:00,2024/04/01,,2024/04/22 09:00,,\n"
    "1002,甲店,JIT,上门揽收,2024/04/15 14:00,,3,,2024/04/18 08:00,\n"
    "1003,乙店,JIT,自寄,2024/04/30 15:00,,,,,\n"
)
CHINESE_PENALTIES = "店铺,订单号,罚款金额,扣款时间\n乙店,1003,12.50,2024-05-20\n"
CHINESE_REFUNDS = "店铺,月份,返还金额,到账时间\n甲店,2024年4月,12.50,2024-05-30\n"


def cli(*argv) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def fingerprint(paths) -> dict:
    """Content hash and modification time of every existing input."""
    return {
        str(p): (hashlib.sha256(Path(p).read_bytes()).hexdigest(), Path(p).stat().st_mtime_ns)
        for p in paths
        if Path(p).is_file()
    }


def argv(cmd: str, files: dict, out=None, **override) -> list:
    chosen = {slot: files[slot] for slot in SLOTS[cmd]} | override
    args = [cmd, chosen["orders"]]
    for slot in SLOTS[cmd][1:]:
        args += [f"--{slot}", chosen[slot]]
    args += ["--as-of", AS_OF]
    return args + (["--out", out] if out is not None else [])


def assert_one_line_error(code, out, err, cmd, fragment):
    assert code == 2, (out, err)
    assert err.startswith(f"xlcompliance {cmd}: error: ") and err.count("\n") == 1, err
    assert fragment in err and "Traceback" not in err, err


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\r\n")  # CRLF: fields with a bare CR are quoted
    return path


def with_title(frame: pd.DataFrame, path: Path, sheet: str, title: str) -> Path:
    """An xlsx export with a title row and a blank row above the header."""
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([[title]]).to_excel(writer, sheet_name=sheet, index=False, header=False)
        frame.to_excel(writer, sheet_name=sheet, index=False, startrow=2)
    return path


# --- input files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("good")
    orders = pd.read_csv(sample_path("orders.csv"), dtype=str, keep_default_na=False).head(300)
    penalties = pd.read_csv(sample_path("penalties.csv"), dtype=str, keep_default_na=False)
    refunds = pd.read_csv(sample_path("refunds.csv"), dtype=str, keep_default_na=False)
    holidays = pd.DataFrame({"start": ["2024-04-20"], "end": ["2024-04-21"], "scope": ["POP"]})
    files = {name: write_csv(frame, d / f"{name}.csv") for name, frame in
             (("orders", orders), ("penalties", penalties), ("refunds", refunds), ("holidays", holidays))}
    files["orders_xlsx"] = with_title(orders, d / "orders.xlsx", "Orders", "速卖通订单导出 2024")
    files["penalties_xlsx"] = with_title(penalties, d / "penalties.xlsx", "Sheet1", "罚扣明细")
    files["dir"] = d
    return files


def _lying_sizes(src: Path, path: Path) -> Path:
    """A real workbook whose sheet part declares 2 kB but inflates to 100 MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = a.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (100 << 20), 1)
            b.writestr(info.filename, data)
    data = bytearray(buf.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        j = data.find(sig)
        while j >= 0:
            n = struct.unpack_from("<H", data, j + name_len_at)[0]
            if bytes(data[j + name_at: j + name_at + n]) == name:
                struct.pack_into("<I", data, j + size_at, 2000)
            j = data.find(sig, j + 4)
    path.write_bytes(bytes(data))
    return path


def _rewrite_part(src: Path, path: Path, part: str, change) -> Path:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = a.read(info.filename)
            b.writestr(info.filename, change(data) if info.filename == part else data)
    return path


def _protected(src: Path, path: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile  # dev dependency: a real encrypted workbook

    with open(src, "rb") as fh, open(path, "wb") as out:
        OOXMLFile(fh).encrypt("secret", out)
    return path


def _zip(path: Path, parts: dict, level: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def bad(good, tmp_path_factory) -> dict:
    """name -> a broken input file (the same files feed every reader)."""
    d = tmp_path_factory.mktemp("bad")
    real = good["orders_xlsx"]
    (d / "empty.csv").write_bytes(b"")
    pd.DataFrame().to_excel(d / "empty.xlsx")
    (d / "wrong-columns.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    (d / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"not a workbook" * 20)
    (d / "truncated.xlsx").write_bytes(real.read_bytes()[:3000])
    (d / "folder.csv").mkdir()
    (d / "notes.pdf").write_bytes(b"%PDF-1.4")
    zero_sheet = {"xl/workbook.xml": "<workbook/>"}
    ten_mib = b"\0" * (10 << 20)  # parts just under the per-part check, 1.05 GiB in all
    files = {
        "broken-sheet.xlsx": _rewrite_part(real, d / "broken-sheet.xlsx", "xl/worksheets/sheet1.xml",
                                           lambda b: b[: len(b) // 2]),
        "protected.xlsx": _protected(real, d / "protected.xlsx"),
        "bomb.xlsx": _zip(d / "bomb.xlsx", zero_sheet | {"xl/worksheets/sheet1.xml": b"\0" * (60 << 20)}),
        "bomb-total.xlsx": _zip(d / "bomb-total.xlsx",
                                zero_sheet | {f"xl/worksheets/sheet{i}.xml": ten_mib for i in range(1, 106)}, 1),
        "lying-sizes.xlsx": _lying_sizes(real, d / "lying-sizes.xlsx"),
    }
    for name in ("empty.csv", "empty.xlsx", "wrong-columns.csv", "corrupt.xlsx", "truncated.xlsx",
                 "folder.csv", "notes.pdf"):
        files[name] = d / name
    files["missing.csv"] = d / "missing.csv"
    return files


MISSING = {
    "orders": "orders: missing required column(s) channel, paid_at; headers found: foo, bar",
    "penalties": "penalties: missing required column(s) amount, deducted_at; headers found: foo, bar",
    "refunds": "refunds: missing required column(s) month, amount; headers found: foo, bar",
    "holidays": "holidays table: missing column(s) start, end; found ['foo', 'bar']",
}
BAD_FILES = {  # name -> what the one-line answer says (per reader where it differs)
    "empty.csv": "empty.csv: the file is empty",
    "empty.xlsx": "empty.xlsx: sheet 'Sheet1' is empty",
    "wrong-columns.csv": MISSING,
    "corrupt.xlsx": "corrupt.xlsx: not a valid xlsx file",
    "truncated.xlsx": "truncated.xlsx: not a valid xlsx file",
    "broken-sheet.xlsx": "broken-sheet.xlsx: cannot read sheet",
    "protected.xlsx": "protected.xlsx: password-protected",
    "bomb.xlsx": "looks like a decompression bomb",
    "bomb-total.xlsx": "MiB uncompressed exceeds the 1024 MiB limit",
    "lying-sizes.xlsx": "inflates beyond its declared size",
    "folder.csv": "is a folder, not a file",
    "notes.pdf": "unsupported file type .pdf",
    "missing.csv": "missing.csv: no such file",
}


def expected(name: str, slot: str) -> str:
    message = BAD_FILES[name]
    return message[slot] if isinstance(message, dict) else message


# --- per file: every bad file through every reader ---------------------------------------------


@pytest.mark.parametrize("name", BAD_FILES)
@pytest.mark.parametrize("cmd, slot", READERS, ids=[f"{c}-{s}" for c, s in READERS])
def test_bad_file_gives_one_line_and_touches_nothing(good, bad, tmp_path, cmd, slot, name):
    out = tmp_path / "out.xlsx"
    inputs = [good[s] for s in SLOTS[cmd]] + [bad[name]]
    before = fingerprint(inputs)
    code, stdout, err = cli(*argv(cmd, good, out=out, **{slot: bad[name]}))
    assert_one_line_error(code, stdout, err, cmd, expected(name, slot))
    assert fingerprint(inputs) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no output, no temporary file


@pytest.mark.parametrize("cmd", SLOTS)
def test_debug_raises_the_error_instead(good, bad, cmd, tmp_path):
    with pytest.raises(xlc.InputFileError, match="password-protected"):
        main(["--debug", *map(str, argv(cmd, good, out=tmp_path / "w.xlsx", orders=bad["protected.xlsx"]))])


def test_real_process_traceback_only_with_debug(bad):
    base = [sys.executable, "-m", "xlcompliance.cli"]
    args = ["assess", str(bad["corrupt.xlsx"])]
    plain = subprocess.run(base + args, capture_output=True, text=True, timeout=120)
    debug = subprocess.run(base + ["--debug"] + args, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr == "xlcompliance assess: error: corrupt.xlsx: not a valid xlsx file (corrupt or not a workbook)\n"
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "InputFileError" in debug.stderr


@pytest.mark.parametrize("cmd", SLOTS)
def test_header_below_a_title_row_in_xlsx(good, tmp_path, cmd):
    from_csv = cli(*argv(cmd, good, out=tmp_path / "a.xlsx"))
    from_xlsx = cli(*argv(cmd, good, out=tmp_path / "b.xlsx", orders=good["orders_xlsx"],
                          penalties=good["penalties_xlsx"]))
    assert from_csv[0] == from_xlsx[0] == 0, from_xlsx[2]
    strip = lambda text: text.replace("orders.xlsx", "orders.csv").replace("a.xlsx", "b.xlsx")  # noqa: E731
    assert strip(from_csv[1]) == strip(from_xlsx[1])  # the same orders, results and penalties


@pytest.mark.parametrize("cmd", SLOTS)
def test_wrong_sheet_name(good, tmp_path, cmd):
    code, out, err = cli(*argv(cmd, good, out=tmp_path / "w.xlsx", orders=good["orders_xlsx"]), "--sheet", "订单")
    assert_one_line_error(code, out, err, cmd, "orders.xlsx: no sheet named '订单'; sheets: Orders")


@pytest.fixture(scope="module")
def chinese(tmp_path_factory) -> dict:
    """The same small Chinese export (orders, penalties, refunds) in UTF-8, GBK and GB18030."""
    d = tmp_path_factory.mktemp("chinese")
    (d / "holidays.csv").write_text("start,end,scope\n2024-04-20,2024-04-21,POP\n", encoding="utf-8")
    files = {}
    for enc in ("utf-8", "gbk", "gb18030"):
        files[enc] = {"holidays": d / "holidays.csv"}
        for slot, text in (("orders", CHINESE_ORDERS), ("penalties", CHINESE_PENALTIES),
                           ("refunds", CHINESE_REFUNDS)):
            files[enc][slot] = d / f"{slot}-{enc}.csv"
            files[enc][slot].write_bytes(text.encode(enc))
    return files


@pytest.mark.parametrize("cmd", SLOTS)
@pytest.mark.parametrize("enc", ["gbk", "gb18030"])
def test_chinese_csv_exports_detected_or_named(chinese, tmp_path, cmd, enc):
    reference = cli(*argv(cmd, chinese["utf-8"], out=tmp_path / "ref.xlsx"))
    assert reference[0] == 0, reference[2]
    files = chinese[enc]
    for flag in ([], ["--encoding", enc]):
        code, out, err = cli(*argv(cmd, files, out=tmp_path / f"{len(flag)}.xlsx"), *flag)
        assert code == 0, err
        assert out.replace(f"-{enc}.csv", "-utf-8.csv").replace(f"{len(flag)}.xlsx", "ref.xlsx") == reference[1]
    code, out, err = cli(*argv(cmd, files, out=tmp_path / "x.xlsx"), "--encoding", "utf-8")
    assert_one_line_error(code, out, err, cmd, f"orders-{enc}.csv: cannot decode as utf-8")
    code, out, err = cli(*argv(cmd, files, out=tmp_path / "x.xlsx"), "--encoding", "klingon")
    assert_one_line_error(code, out, err, cmd, "unknown encoding 'klingon'")


def test_50_mb_gb18030_export_in_a_real_process(tmp_path):
    """A 50 MB export as a Chinese tool writes it (GB18030, Chinese headers) assesses completely."""
    n = 540_000
    frame = generate_orders(n_orders=n).rename(columns={
        "order_id": "订单号", "shop": "店铺名称", "channel": "模式", "method": "发货方式", "paid_at": "付款时间",
        "listed_at": "首次上架时间", "last_month_sales": "上月销量", "fulfilled_at": "上网时间", "cancelled_at": "取消时间"})
    frame["店铺名称"] = frame["店铺名称"].map({"Aurora Home": "极光家居", "Beacon Outdoor": "灯塔户外",
                                        "Cobalt Tech": "钴科技"})
    src = tmp_path / "导出.csv"
    frame.to_csv(src, index=False, encoding="gb18030")
    assert src.stat().st_size > 50e6
    before = fingerprint([src])
    out = tmp_path / "assessed.csv"
    result = subprocess.run([sys.executable, "-m", "xlcompliance.cli", "assess", str(src), "--as-of", AS_OF,
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"导出.csv: {n} orders as of {AS_OF}" in result.stdout and "钴科技" in result.stdout
    back = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(back) == n and back["订单号"].tolist() == frame["订单号"].astype(str).tolist()
    assert (back["status"] != "error").all()
    assert fingerprint([src]) == before


# --- the rules data file -----------------------------------------------------------------------

BUNDLED_RULES = resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")
RELAXED_FROM = 'valid_from = { value = 2024-04-12, source = "assumption: effective'
SUNDAYS_FROM = 'valid_from = { value = 2024-04-12, source = "assumption: from the relaxation'
RULES_CASES = {
    "malformed": (lambda t: t.replace("schema = 1", "schema = = 1"), "is not valid TOML"),
    "unknown-key": (lambda t: t.replace("[money]", "[money]\nrounding = { value = 1, source = \"x\" }"),
                    "unknown key money.rounding"),
    "negative-hours": (lambda t: t.replace("pop_hours = { value = 72,", "pop_hours = { value = -72,"),
                       "rule_sets.relaxed-2024-04.pop_hours must not be negative (got -72)"),
    "window-backwards": (lambda t: t.replace(RELAXED_FROM, 'valid_to = { value = 2024-01-01, source = "x" }\n'
                                             + RELAXED_FROM),
                         "rule_sets.relaxed-2024-04.valid_to (2024-01-01) is before valid_from (2024-04-12)"),
    "weekday-window-backwards": (lambda t: t.replace(SUNDAYS_FROM, 'valid_to = { value = 2024-01-01, source = "x" }\n'
                                                     + SUNDAYS_FROM),
                                 "excluded_weekdays[0].valid_to (2024-01-01) is before valid_from (2024-04-12)"),
    "not-utf8": (None, "is not UTF-8 text"),
}


@pytest.mark.parametrize("cmd", SLOTS)
@pytest.mark.parametrize("case", RULES_CASES)
def test_bad_rules_file_named_by_key(good, tmp_path, monkeypatch, cmd, case):
    change, message = RULES_CASES[case]
    path = tmp_path / "rules.toml"
    if change is None:
        path.write_bytes("# 规则\n".encode("gbk") + BUNDLED_RULES.encode())
    else:
        text = change(BUNDLED_RULES)
        assert text != BUNDLED_RULES
        path.write_text(text, encoding="utf-8")
    before = fingerprint([path])
    args = argv(cmd, good, out=tmp_path / "w.xlsx")
    if cmd == "workbook":  # its formulas use the bundled rules or $XLCOMPLIANCE_RULES, never --rules
        monkeypatch.setenv("XLCOMPLIANCE_RULES", str(path))
    else:
        args += ["--rules", path]
    code, out, err = cli(*args)
    assert_one_line_error(code, out, err, cmd, message)
    assert fingerprint([path]) == before and not (tmp_path / "w.xlsx").exists()


# --- outputs: atomic, kept unless --force, never over an input ---------------------------------

WRITERS = {"assess-csv": ("assess", "out.csv"), "assess-xlsx": ("assess", "out.xlsx"),
           "reconcile": ("reconcile", "report.xlsx"), "workbook": ("workbook", "seller.xlsx")}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("writer", WRITERS)
def test_output_is_atomic_and_kept_unless_force(good, tmp_path, writer):
    cmd, name = WRITERS[writer]
    out = tmp_path / name
    inputs = [good[s] for s in SLOTS[cmd]]
    before = fingerprint(inputs)
    code, stdout, err = cli(*argv(cmd, good, out=out))
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir()] == [name]  # renamed into place, no temporary left
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not the private mode of a temp file
    first = out.read_bytes()
    code, stdout, err = cli(*argv(cmd, good, out=out))
    assert_one_line_error(code, stdout, err, cmd, f"{out}: already exists (use --force to replace it)")
    assert stdout == ""  # refused before doing the work
    assert out.read_bytes() == first
    inode = out.stat().st_ino
    code, stdout, err = cli(*argv(cmd, good, out=out), "--force")
    assert code == 0, err
    assert out.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert fingerprint(inputs) == before


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
@pytest.mark.parametrize("writer", WRITERS)
def test_never_writes_over_an_input_even_with_force(good, tmp_path, writer, how):
    cmd, name = WRITERS[writer]
    suffix = Path(name).suffix
    files = {s: good[s] for s in SLOTS[cmd]}
    for slot in SLOTS[cmd]:  # every input, each in the output's format
        victim = tmp_path / f"{slot}{suffix}"
        if suffix == ".xlsx":
            frame = pd.read_csv(good[slot], dtype=str, keep_default_na=False)
            frame.to_excel(victim, index=False)
        else:
            victim.write_bytes(good[slot].read_bytes())
        out = victim
        if how == "symlink":
            out = tmp_path / f"link-{slot}{suffix}"
            out.symlink_to(victim)
        elif how == "hard link":
            out = tmp_path / f"hard-{slot}{suffix}"
            os.link(victim, out)
        before = fingerprint([victim])
        code, stdout, err = cli(*argv(cmd, files | {slot: victim}, out=out), "--force")
        assert_one_line_error(code, stdout, err, cmd, "refusing to write over an input file")
        assert fingerprint([victim]) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_output_path_problems_are_one_line(good, tmp_path):
    (tmp_path / "folder.xlsx").mkdir()
    cases = [
        (("assess", "out.txt"), "--out must end in .csv, .xlsx or .parquet (got out.txt)"),
        (("reconcile", "report.csv"), "--out must end in .xlsx (got report.csv)"),
        (("workbook", "seller.csv"), "--out must end in .xlsx (got seller.csv)"),
        (("assess", "folder.xlsx"), "is a folder"),
        (("reconcile", "orders.csv/report.xlsx"), "is a file, not a folder"),
    ]
    (tmp_path / "orders.csv").write_text("x", encoding="utf-8")
    for (cmd, name), message in cases:
        code, out, err = cli(*argv(cmd, good, out=tmp_path / name), "--force")
        assert_one_line_error(code, out, err, cmd, message)


def test_failed_write_keeps_the_existing_output(tmp_path):
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"last month's report")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"half a rep")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(out, half_then_fail, force=True)
    assert out.read_bytes() == b"last month's report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    with pytest.raises(OutputExistsError):
        atomic_write(out, half_then_fail)


# --- nothing injected ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evil(tmp_path_factory) -> dict:
    """Exports whose text cells (and one header) are formulas, plus a control character."""
    d = tmp_path_factory.mktemp("evil")
    texts = PAYLOADS + ["A\x01B"]
    orders = pd.DataFrame({
        "order_id": texts, "shop": texts, "channel": "POP", "method": "", "paid_at": "2024-05-06 10:00",
        "listed_at": "2023-01-01", "last_month_sales": "50", "fulfilled_at": "2024-05-07 10:00",
        "cancelled_at": "", "note": texts, PAYLOADS[0]: PAYLOADS[1],
    })
    penalties = pd.DataFrame({"shop": texts, "order_id": texts, "channel": "POP", "amount": "1.00",
                              "deducted_at": "2024-05-20 09:00", "reason": texts})
    refunds = pd.DataFrame({"shop": texts, "month": "2024-05", "amount": "1.00", "received_at": "2024-06-20",
                            "memo": texts})
    holidays = pd.DataFrame({"start": ["2024-04-20"], "end": ["2024-04-21"], "scope": ["POP"], "name": [PAYLOADS[3]]})
    return {name: write_csv(frame, d / f"{name}.csv") for name, frame in
            (("orders", orders), ("penalties", penalties), ("refunds", refunds), ("holidays", holidays))}


def _cells(path: Path) -> list:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [(None, v) for row in csv.reader(fh) for v in row]
    wb = openpyxl.load_workbook(path)
    return [(c, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize("writer", WRITERS)
def test_formula_injection_neutralised_in_every_written_file(evil, tmp_path, writer):
    cmd, name = WRITERS[writer]
    out = tmp_path / name
    code, stdout, err = cli(*argv(cmd, evil, out=out))
    assert code == 0, err
    cells = _cells(out)
    texts = [v for c, v in cells if isinstance(v, str) and (c is None or c.data_type != "f")]
    assert not [v for v in texts if v.startswith(DANGEROUS)]
    formulas = [str(c.value.text if hasattr(c.value, "text") else c.value) for c, _ in cells
                if c is not None and c.data_type == "f"]
    assert not [f for f in formulas if any(p.strip() in f for p in PAYLOADS)]  # only the workbook's own
    # nothing lost: each payload is there, as text (xlsx XML keeps a CR as LF; ledgers trim blanks)
    stored = {v.replace("\r", "\n") for v in texts} if name.endswith(".xlsx") else set(texts)
    for payload in PAYLOADS:
        kept = "'" + (payload.replace("\r", "\n") if name.endswith(".xlsx") else payload)
        assert kept in stored or (cmd == "reconcile" and "'" + payload.strip() in stored), payload
    assert ("A\x01B" if name.endswith(".csv") else "A\ufffdB") in texts
    if name.endswith(".csv"):  # a bare CR inside a value did not start a new row
        rows = list(csv.reader(open(out, encoding="utf-8-sig", newline="")))
        assert len(rows) == 1 + len(PAYLOADS) + 1


def test_seller_workbook_orders_and_penalties_cells(evil, tmp_path):
    out = tmp_path / "seller.xlsx"
    assert cli(*argv("workbook", evil, out=out))[0] == 0
    wb = openpyxl.load_workbook(out)
    for sheet, column in (("Orders", "order_id"), ("Orders", "shop"), ("Orders", "note"), ("Penalties", "shop"),
                          ("Penalties", "order_id"), ("Penalties", "reason")):
        ws = wb[sheet]
        header = [str(c.value).split("\n")[0] for c in ws[1]]  # English over Chinese
        values = [r[header.index(column)].value for r in ws.iter_rows(min_row=2)]
        assert values[: len(PAYLOADS)] == ["'" + p.replace("\r", "\n") for p in PAYLOADS], (sheet, column)
        assert values[len(PAYLOADS)] == "A\ufffdB"
    assert "'" + PAYLOADS[0] in [c.value for c in wb["Orders"][1]]  # an injected header, too


# --- the what-if app's upload -------------------------------------------------------------------


def _upload(content: bytes, name: str) -> tuple:
    return ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
             "last_modified": pd.Timestamp(SAMPLE_AS_OF).to_pydatetime()},)


@pytest.fixture(scope="module")
def app(good):
    pytest.importorskip("ipywidgets")
    from xlcompliance.notebook.app import build_app

    before = fingerprint([good["orders"], good["penalties"]])
    application = build_app(good["orders"], good["penalties"], as_of=AS_OF)
    assert fingerprint([good["orders"], good["penalties"]]) == before
    return application


@pytest.mark.parametrize("slot", ["orders", "penalties"])
@pytest.mark.parametrize("name", [n for n in BAD_FILES if n not in ("folder.csv", "missing.csv")])
def test_upload_of_a_bad_file_says_why_and_keeps_the_data(app, bad, slot, name):
    state = (app.source, len(app.assessed), app.result.scenario["rate"], app.penalties is None)
    widget = app.upload_orders if slot == "orders" else app.upload_penalties
    widget.value = _upload(bad[name].read_bytes(), f"{slot}-{name}")
    message = app.message.value
    assert f"{slot}-{name}: " in message and "color:#d62728" in message
    assert expected(name, slot).replace(name, f"{slot}-{name}").replace("'", "&#x27;") in message, message
    assert (app.source, len(app.assessed), app.result.scenario["rate"], app.penalties is None) == state


def test_upload_title_row_xlsx_chinese_csv_and_script_names(good, chinese):
    pytest.importorskip("ipywidgets")
    from xlcompliance.notebook.app import build_app

    application = build_app(good["orders"], as_of=AS_OF)
    reference = len(application.assessed), application.result.scenario["rate"]
    application.upload_orders.value = _upload(good["orders_xlsx"].read_bytes(), "export.xlsx")
    assert "Loaded export.xlsx" in application.message.value
    assert (len(application.assessed), application.result.scenario["rate"]) == reference
    for enc in ("gbk", "gb18030"):
        application.upload_orders.value = _upload(chinese[enc]["orders"].read_bytes(), f"{enc}.csv")
        assert f"Loaded {enc}.csv" in application.message.value and len(application.assessed) == 3
        application.upload_penalties.value = _upload(chinese[enc]["penalties"].read_bytes(), f"p-{enc}.csv")
        assert f"Loaded p-{enc}.csv" in application.message.value and len(application.penalties) == 1
    script = "<script>alert(1)</script>"
    text = CHINESE_ORDERS.replace("甲店", script)
    application.upload_orders.value = _upload(text.encode("utf-8"), script + ".csv")
    shown = [application.message.value, application.title.value, application.results.value,
             application.priority_table.value, application.flips.value]
    assert "&lt;script&gt;" in application.title.value
    assert not [h for h in shown if "<script" in h]


def test_every_bomb_is_refused_by_every_reader_within_bounded_memory(bad, good):
    for name in ("bomb.xlsx", "bomb-total.xlsx", "lying-sizes.xlsx"):
        for kind in ("orders", "penalties", "refunds", "holidays"):
            with pytest.raises(xlc.InputFileError, match=expected(name, kind).split(":")[-1].strip()):
                xlc.read_table(bad[name], kind=kind)
        with pytest.raises(xlc.InputFileError):
            xlc.read_holidays(bad[name])
    code = textwrap.dedent(f"""
        import re, xlcompliance as xlc
        for path in {[str(bad[n]) for n in ("bomb.xlsx", "bomb-total.xlsx", "lying-sizes.xlsx")]!r}:
            try:
                xlc.read_table(path)
            except xlc.InputFileError:
                pass
            else:
                raise SystemExit("read " + path)
        status = open("/proc/self/status").read()  # peak RSS of this process image, in kB
        print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 400  # MB; inflating the 1 GiB bomb would need far more


def test_warnings_are_one_line_too(good, tmp_path):
    penalties = tmp_path / "p.csv"
    penalties.write_text("shop,order_id,channel,amount,deducted_at\nS,1,POP,abc,2024-05-20\n", encoding="utf-8")
    code, out, err = cli(*argv("assess", good, penalties=penalties))
    assert code == 0
    assert err == ("xlcompliance assess: warning: monthly_summary: 1 penalty row(s) could not be read and were "
                   "left out (see .attrs['penalty_errors']); first: amount: not an amount: 'abc'\n")
