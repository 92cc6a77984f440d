"""Outputs under faults, with real processes: killed mid-write (SIGKILL), two runs writing the same
file at once, and a full disk (a file-size limit, RLIMIT_FSIZE, set in the child). Never a partial
or mixed output, never a changed input, and the next run works."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from xlcompliance.io.sample import generate_orders, sample_path

COMMANDS = {  # command line (inputs named as copied into the test folder), output
    "assess": (["assess", "orders.csv", "--penalties", "penalties.csv", "--as-of", "2024-07-01"], "out.xlsx"),
    "reconcile": (["reconcile", "orders.csv", "--penalties", "penalties.csv", "--refunds", "refunds.csv",
                   "--as-of", "2024-07-01"], "report.xlsx"),
    "workbook": (["workbook", "orders.csv", "--penalties", "penalties.csv", "--as-of", "2024-07-01"], "book.xlsx"),
}
INPUTS = ("orders.csv", "penalties.csv", "refunds.csv")


def cli(args, cwd: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "-m", "xlcompliance.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture()
def folder(tmp_path):
    for name in INPUTS:
        shutil.copy(sample_path(name), tmp_path / name)
    return tmp_path


def temps(folder: Path, out: str) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(f".{Path(out).stem}")]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_killed_while_writing_leaves_no_output_and_the_next_run_works(folder, command):
    args, out = COMMANDS[command]
    proc = cli([*args, "--out", out], folder)
    seen = False
    while proc.poll() is None:
        if temps(folder, out):  # writing has begun
            seen = True
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.communicate(timeout=60)
    assert seen, f"{command} finished before its output was seen being written"
    assert proc.returncode == -signal.SIGKILL
    assert not (folder / out).exists()  # no partial output under the real name

    again = cli([*args, "--out", out], folder)
    stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr
    assert openpyxl.load_workbook(folder / out).sheetnames  # a whole workbook
    assert temps(folder, out) == []  # the killed run's temporary file is gone too


def test_two_runs_writing_the_same_file_leave_one_runs_whole_output(tmp_path):
    generate_orders(60_000, seed=7).to_csv(tmp_path / "orders.csv", index=False)
    moments = ("2024-05-15 00:00", "2024-07-01 00:00")  # different statuses, so outputs differ
    refs = []
    for i, moment in enumerate(moments):
        done = cli(["assess", "orders.csv", "--as-of", moment, "--out", f"ref{i}.csv"], tmp_path)
        assert done.wait(timeout=600) == 0, done.communicate()[1]
        refs.append((tmp_path / f"ref{i}.csv").read_bytes())
    assert refs[0] != refs[1]

    for force in (["--force"], []):
        target = tmp_path / "same.csv"
        target.unlink(missing_ok=True)
        runs = [cli(["assess", "orders.csv", "--as-of", m, "--out", "same.csv", *force], tmp_path) for m in moments]
        results = [(r.wait(timeout=600), r.communicate()[1]) for r in runs]
        codes = sorted(code for code, _ in results)
        assert target.read_bytes() in refs  # one run's whole output, never a mix
        assert temps(tmp_path, "same.csv") == []
        for code, err in results:
            assert code in (0, 2) and "Traceback" not in err and "unexpected" not in err, err
        if force:
            assert codes == [0, 0]
        else:  # never replaced without --force: one run wrote it, the other was told it exists
            assert codes == [0, 2]
            assert "already exists" in next(err for code, err in results if code == 2)


def limit_file_size(size: int):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return set_limit


@pytest.mark.parametrize("command, out, limit", [
    ("assess", "out.csv", 200_000),
    ("assess", "out.xlsx", 200_000),
    ("reconcile", "report.xlsx", 8_000),
    ("workbook", "book.xlsx", 200_000),
])
def test_a_full_disk_is_one_line_with_no_partial_file_and_inputs_intact(folder, command, out, limit):
    args, _ = COMMANDS[command]
    before = digest(folder)
    run = cli([*args, "--out", out], folder, preexec_fn=limit_file_size(limit))
    _, err = run.communicate(timeout=600)
    assert run.returncode == 2, err
    assert err.strip() == f"xlcompliance {command}: error: {out}: could not be written: File too large; nothing was written"
    assert digest(folder) == before  # inputs unchanged, nothing new, no temporary file


def test_a_full_disk_keeps_the_existing_output(folder):
    (folder / "out.csv").write_text("the last good run\n", encoding="utf-8")
    before = digest(folder)
    run = cli(["assess", "orders.csv", "--out", "out.csv", "--force"], folder, preexec_fn=limit_file_size(200_000))
    _, err = run.communicate(timeout=600)
    assert run.returncode == 2 and "the existing file is unchanged" in err
    assert digest(folder) == before
