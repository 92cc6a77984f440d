"""The benchmark script still runs and reports every case (a smoke run: nothing here is timed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

CASES = (
    "assess (typed columns)", "assess (string columns, CSV as read)", "monthly_summary",
    "deadline kernels (deadlines_from_codes)", "numpy floor", "per-row loop, scalar rules (scaled)",
    "pandas apply + CustomBusinessDay (scaled)", "Excel POP_DEADLINE column (datetimes)",
    "Excel JIT_ARRIVAL column (serials)", "Excel SHOP_ONTIME_RATE table", "workbook generation (write_workbook)",
    "reconcile (+", "CLI: `xlcompliance assess` CSV → CSV (process)", "CLI: `xlcompliance assess` CSV → PARQUET (process)",
    "anchor: plain pandas read_csv + to_csv", "minimal loop: POP day walk skipping Sundays (scaled)",
    "read_table: CSV export", "read_table: xlsx export (fastexcel, Arrow)",
)


def test_quick_run_reports_every_case(capsys):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--sizes", "300,600", "--quick"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| case")]
    for case in CASES:
        hits = [r for r in rows if r.startswith(f"| {case}")]
        assert hits, case
        assert all("not available" not in r for r in hits), hits
    assert "exponent 300 → 600" in out
    assert "CLI CSV → csv ÷ plain pandas round trip" in out and "minimal loop ÷ assess" in out
