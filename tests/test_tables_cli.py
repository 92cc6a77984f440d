"""Reading real exports (aliases, encodings, title rows, broken files) and the assess command."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.cli import main

pytestmark = pytest.mark.usefixtures("csv_engine")  # every test on both CSV paths

CHINESE_EXPORT = (
    "订单号,店铺名称,模式,发货方式,付款时间,首次上架时间,上月销量,上网时间,揽收时间,取消时间\n"
    "1001,甲店,POP,,2024/04/19 10:00,2024/04/01,,2024/04/22 09:00,,\n"
    "1002,甲店,JIT,上门揽收,2024/04/15 14:00,,3,,2024/04/18 08:00,\n"
    "1003,甲店,JIT,自寄,2024/04/30 15:00,,,,,\n"
)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_export_in_any_common_encoding(tmp_path, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(CHINESE_EXPORT.encode(encoding))
    frame = xlc.read_table(path)
    assert list(frame.columns)[:3] == ["订单号", "店铺名称", "模式"]
    out = xlc.assess(frame, as_of="2024-05-10")
    assert list(out["status"]) == ["on_time", "on_time", "late"]


def test_header_row_below_a_title(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("速卖通订单导出 2024-04\n" + CHINESE_EXPORT, encoding="utf-8")
    frame = xlc.read_table(path)
    assert "付款时间" in frame.columns and len(frame) == 3


@pytest.mark.parametrize(
    "content, suffix, message",
    [
        (b"", ".csv", "the file is empty"),
        (b"\x00\x01garbage", ".xlsx", "not a valid xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xlsx", "password-protected"),
        (b"a,b\n1,2\n", ".pdf", "unsupported file type"),
    ],
)
def test_broken_files(tmp_path, content, suffix, message):
    path = tmp_path / f"in{suffix}"
    path.write_bytes(content)
    with pytest.raises(xlc.InputFileError, match=message):
        xlc.read_table(path)


def test_decompression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 << 20))
    with pytest.raises(xlc.InputFileError, match="decompression bomb"):
        xlc.read_table(path)


def test_cli_assess_bundled_sample(capsys):
    assert main(["assess"]) == 0
    out = capsys.readouterr().out
    assert "bundled sample" in out and "qualifies" in out and "Cobalt Tech" in out


def test_cli_assess_file_writes_output_and_never_touches_input(tmp_path, capsys):
    src = tmp_path / "orders.csv"
    src.write_text(CHINESE_EXPORT + "=HYPERLINK(\"http://x\"),甲店,POP,,2024-04-19 10:00,,,,,\n", encoding="utf-8")
    before = sha(src)
    out = tmp_path / "assessed.xlsx"
    assert main(["assess", str(src), "--as-of", "2024-05-10", "--out", str(out)]) == 0
    assert sha(src) == before
    back = pd.read_excel(out)
    assert list(back["status"]) == ["on_time", "on_time", "late", "late"]
    assert back["订单号"].iloc[3].startswith("'=")  # neutralised, not a formula
    # an existing output is kept unless --force
    assert main(["assess", str(src), "--as-of", "2024-05-10", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["assess", str(src), "--as-of", "2024-05-10", "--out", str(out), "--force"]) == 0
    # never over the input, even with --force
    assert main(["assess", str(src), "--out", str(src), "--force"]) == 2
    assert sha(src) == before


def test_cli_csv_output_and_holidays_file(tmp_path):
    src = tmp_path / "orders.csv"
    src.write_text("channel,paid_at\nPOP,2024-06-17 10:00\n", encoding="utf-8")
    hol = tmp_path / "hol.csv"
    hol.write_text("start,end,scope\n2024-06-18,2024-06-18,POP\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["assess", str(src), "--holidays", str(hol), "--as-of", "2024-07-01", "--out", str(out)]) == 0
    assert pd.read_csv(out)["deadline"].iloc[0] == "2024-06-20 10:00:00"


@pytest.mark.parametrize(
    "args, message",
    [
        (["assess", "missing.csv"], "no such file"),
        (["assess", "--as-of", "whenever"], "as_of: not a date or time"),
        (["assess", "--rules", "nope.toml"], "cannot read"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_missing_columns(tmp_path, capsys):
    src = tmp_path / "o.csv"
    src.write_text("foo,bar\n1,2\n", encoding="utf-8")
    assert main(["assess", str(src)]) == 2
    assert "missing required column(s) channel, paid_at; headers found: foo, bar" in capsys.readouterr().err


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "xlcompliance.cli", "assess"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "on_time" in result.stdout


def test_output_piped_into_a_reader_that_stops_is_not_an_error():
    proc = subprocess.Popen([sys.executable, "-m", "xlcompliance.cli", "assess"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head -0`: nobody reads
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "BrokenPipe" not in err and "Traceback" not in err


def test_assess_to_csv_loads_no_spreadsheet_widget_or_excel_library(tmp_path):
    """Start-up is paid on every run: ``assess`` to CSV imports only what it needs."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from xlcompliance.cli import main\n"
        f"code = main(['assess', '--out', {str(tmp_path / 'out.csv')!r}, '--as-of', '2024-07-01 00:00'])\n"
        "heavy = ('openpyxl', 'ipywidgets', 'xlwings', 'dask', 'distributed', 'matplotlib', 'voila', 'fastexcel',\n"
        "         'python_calamine')\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout + done.stderr
