"""Benchmarks: the engine against the numpy floor and what a user would otherwise write.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py [--sizes 10000,100000]``).
One run prints one table: wall time (best of a few repeats), rows per second and peak memory of
each case, on the same seeded synthetic orders (``xlcompliance.io.sample.generate_orders``) at 10k,
100k and 1M rows, then the ratios against the numpy floor and the per-row loop, and the growth
exponent of the cost from the smallest to the largest size.

Peak memory is ``tracemalloc``'s peak of memory allocated during the call (Python objects and
numpy buffers, which numpy reports to tracemalloc), measured in a separate traced run so the
tracing does not slow the timed runs. The input frame, allocated before the call, is not counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import xlcompliance.io.sample
from xlcompliance import assess, monthly_summary, reconcile
from xlcompliance.core.calendar import default_calendar
from xlcompliance.core.deadlines import deadlines_from_codes, jit_deadline, pop_deadline, weekmask_text
from xlcompliance.core.parsing import parse_channel_codes, parse_counts, parse_datetimes, parse_method_codes
from xlcompliance.core.rules import default_rules
from xlcompliance.excel import udfs
from xlcompliance.io import seller_workbook

AS_OF = "2024-07-01 10:00"
SIZES = (10_000, 100_000, 1_000_000)
ASSESS_REPEATS = 7  # the headline case: enough calls for a meaningful median
LOOP_SAMPLE = 2_000  # rows timed for the per-row loops; their cost is scaled to the full size
MINIMAL_LOOP_SAMPLE = 100_000  # the minimal loop is fast enough to time on more rows
EXCEL_ROWS = 100_000
WORKBOOK_ROWS = 10_000
RECONCILE_ORDERS, RECONCILE_PENALTIES = 1_000_000, 50_000
CLI_ROWS = 1_000_000
READ_ROWS = 100_000  # the same orders read from CSV and from xlsx


# --- measuring --------------------------------------------------------------------------------


class Result:
    def __init__(self, case: str, rows: int, seconds, peak: int | None, note: str = ""):
        self.case, self.rows, self.peak, self.note = case, rows, peak, note
        self.seconds, self.median = seconds if isinstance(seconds, tuple) else (seconds, None)


def measure(fn, *, repeats: int, memory: bool = True) -> tuple[tuple[float, float], int | None]:
    """(best, median) wall time of ``repeats`` calls, and the tracemalloc peak of one more (traced)
    call. The median is printed too: on a shared machine the best alone flatters."""
    times = []
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    peak = None
    if memory:
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    return (min(times), statistics.median(times)), peak


def repeats_for(n: int) -> int:
    return 5 if n <= 10_000 else 3 if n <= 100_000 else 2


# --- inputs -----------------------------------------------------------------------------------


def orders(n: int) -> pd.DataFrame:
    return xlcompliance.io.sample.generate_orders(n_orders=n)


def as_csv_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The same orders as a CSV export reads: every column text (pandas ``str``)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, date_format="%Y-%m-%d %H:%M:%S")
    buf.seek(0)
    return pd.read_csv(buf, dtype=str, keep_default_na=False, na_values=[""])


def parsed(frame: pd.DataFrame, rules):
    tz = rules.timezone
    paid, _ = parse_datetimes(frame["paid_at"], "paid_at", tz)
    listed, _ = parse_datetimes(frame["listed_at"], "listed_at", tz)
    channel, _ = parse_channel_codes(frame["channel"])
    method, _ = parse_method_codes(frame["method"])
    sales, _ = parse_counts(frame["last_month_sales"], "last_month_sales")
    return paid, channel, method, listed, sales, np.ones(len(frame), dtype=bool)


# --- what a user would otherwise write --------------------------------------------------------


def scalar_loop(frame: pd.DataFrame, calendar) -> list:
    """A per-row Python loop over the scalar rules (the public pop_deadline / jit_deadline)."""
    out = []
    for ch, method, paid, listed, sales in zip(
        frame["channel"], frame["method"], frame["paid_at"], frame["listed_at"],
        frame["last_month_sales"], strict=True,
    ):
        listed = None if pd.isna(listed) else listed
        sales = None if pd.isna(sales) else int(sales)
        if ch == "POP":
            out.append(pop_deadline(paid, listed, sales, calendar=calendar))
        else:
            out.append(jit_deadline(paid, method if isinstance(method, str) else "pickup", listed, sales,
                                    calendar=calendar))
    return out


def minimal_loop(paid) -> list:
    """The least a user writes for POP alone, over the column as pandas hands it out (Timestamps):
    48 hours as two days, walked day by day, skipping Sundays (no holidays, no rule sets, no
    JIT, no checks). The anchor for "≥ 30× a loop"."""
    one_day = pd.Timedelta(days=1)
    out = []
    for moment in paid:
        left = 2
        while left:
            moment += one_day
            if moment.weekday() != 6:
                left -= 1
        out.append(moment)
    return out


def pandas_apply(frame: pd.DataFrame, rules, calendar):
    """The pandas formulation a user would write: ``DataFrame.apply`` with ``CustomBusinessDay``.

    Eligibility by comparisons, then per row: hour rules as whole counted days plus the rest,
    the pickup rule as T plus N working days. (A cost comparison: it ignores the finer points,
    e.g. payment on an excluded day, that the engine gets right.)
    """
    relaxed, standard = rules.rule_sets[0], rules.rule_sets[-1]
    start = pd.Timestamp(relaxed.valid_from)
    cutoff = pd.Timedelta(hours=rules.cutoff.hour, minutes=rules.cutoff.minute)
    pop_hol = calendar.holidays("POP")
    jit_hol = calendar.holidays("JIT")
    pop_day = pd.offsets.CustomBusinessDay(weekmask="Mon Tue Wed Thu Fri Sat", holidays=pop_hol)
    jit_day = pd.offsets.CustomBusinessDay(weekmask="Mon Tue Wed Thu Fri Sat Sun", holidays=jit_hol)

    def row(r):
        paid = r["paid_at"]
        age = paid - r["listed_at"]
        eligible = paid >= start and (
            (pd.notna(age) and pd.Timedelta(0) <= age <= pd.Timedelta(days=30))
            or (pd.notna(r["last_month_sales"]) and r["last_month_sales"] <= 10)
        )
        rs = relaxed if eligible else standard
        if r["channel"] == "JIT" and r["method"] != "self":
            t = paid.normalize() + (jit_day if paid - paid.normalize() >= cutoff else 0 * jit_day)
            return t.normalize() + rs.pickup_days * jit_day + pd.Timedelta(hours=23, minutes=59, seconds=59)
        hours = rs.pop_hours if r["channel"] == "POP" else rs.self_send_hours
        day = pop_day if r["channel"] == "POP" else jit_day
        whole, rest = divmod(pd.Timedelta(hours=hours), pd.Timedelta(days=1))
        return paid + int(whole) * day + rest

    return frame.apply(row, axis=1)


def numpy_floor(days: np.ndarray, cal) -> None:
    """What the arithmetic cannot beat: one busday_offset and one busday_count over the dates."""
    ends = np.busday_offset(days, 2, roll="forward", busdaycal=cal)
    np.busday_count(days, ends, busdaycal=cal)


# --- the Excel adapter ------------------------------------------------------------------------


def excel_cases(udfs, frame: pd.DataFrame) -> list[Result]:
    n = len(frame)
    paid = frame["paid_at"].dt.to_pydatetime()
    listed = frame["listed_at"].astype(object).where(frame["listed_at"].notna(), None).to_numpy()
    sales = frame["last_month_sales"].astype(object).where(frame["last_month_sales"].notna(), None).to_numpy()
    epoch = np.datetime64("1899-12-30", "us")

    def serial(col):  # Office.js: serial numbers, "" for blank cells
        values = (frame[col].to_numpy(dtype="datetime64[us]") - epoch) / np.timedelta64(1, "D")
        return ["" if np.isnan(v) else float(v) for v in values]

    shapes = {
        "datetimes": ([[v] for v in paid], [[None if v is None else pd.Timestamp(v).to_pydatetime()] for v in listed]),
        "serials": ([[v] for v in serial("paid_at")], [[v] for v in serial("listed_at")]),
    }
    sales_col = [[None if v is None else int(v)] for v in sales]
    method_col = [[m if isinstance(m, str) else None] for m in frame["method"]]
    out = []
    for shape, (paid_col, listed_col) in shapes.items():
        secs, peak = measure(lambda p=paid_col, li=listed_col: udfs.pop_deadline(p, li, sales_col), repeats=3)
        out.append(Result(f"Excel POP_DEADLINE column ({shape})", n, secs, peak))
        secs, peak = measure(
            lambda p=paid_col, li=listed_col: udfs.jit_arrival(p, method_col, li, sales_col), repeats=3
        )
        out.append(Result(f"Excel JIT_ARRIVAL column ({shape})", n, secs, peak))
    header = [["order_id", "shop", "channel", "method", "paid_at", "listed_at", "last_month_sales",
               "fulfilled_at", "cancelled_at"]]
    cols = []
    for c in header[0]:
        s = frame[c]
        if pd.api.types.is_datetime64_dtype(s.dtype):
            cols.append([None if pd.isna(v) else v for v in s.dt.to_pydatetime()])
        else:
            cols.append([None if pd.isna(v) else (int(v) if c == "last_month_sales" else v) for v in s])
    table = header + [list(r) for r in zip(*cols, strict=True)]
    secs, peak = measure(lambda: udfs.shop_ontime_rate(table, "2024-05", AS_OF, "Aurora Home"), repeats=3)
    out.append(Result("Excel SHOP_ONTIME_RATE table", n, secs, peak))
    return out


# --- the run ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{mem}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
        f"load average {load:.1f} at start"
    )


def run(sizes, *, quick: bool = False) -> list[Result]:
    rules = default_rules()
    calendar = default_calendar(rules)
    pop_cal = np.busdaycalendar(weekmask=weekmask_text(1 << 6), holidays=calendar.holidays("POP"))
    results: list[Result] = []
    frames = {}

    def frame_of(n: int) -> pd.DataFrame:
        """The orders of that size: the ones timed above, or new ones of the same seed."""
        return frames[n] if n in frames else orders(n)

    for n in sizes:
        frame = orders(n)
        frames[n] = frame
        reps = 1 if quick else repeats_for(n)
        log(f"{n:,} rows: assess")
        secs, peak = measure(lambda f=frame: assess(f, as_of=AS_OF, calendar=calendar, rules=rules),
                             repeats=reps if quick else max(reps, ASSESS_REPEATS))
        results.append(Result("assess (typed columns)", n, secs, peak))
        text = as_csv_strings(frame)
        secs, peak = measure(lambda f=text: assess(f, as_of=AS_OF, calendar=calendar, rules=rules),
                             repeats=reps if quick else max(reps, ASSESS_REPEATS))  # as many as typed: a ratio
        results.append(Result("assess (string columns, CSV as read)", n, secs, peak))
        assessed = assess(frame, as_of=AS_OF, calendar=calendar, rules=rules)
        secs, peak = measure(lambda a=assessed: monthly_summary(a, as_of=AS_OF, rules=rules), repeats=reps)
        results.append(Result("monthly_summary", n, secs, peak))
        log(f"{n:,} rows: kernels")
        args = parsed(frame, rules)
        secs, peak = measure(lambda a=args: deadlines_from_codes(*a, calendar, rules), repeats=reps)
        results.append(Result("deadline kernels (deadlines_from_codes)", n, secs, peak))
        days = args[0].astype("datetime64[D]")
        secs, peak = measure(lambda d=days: numpy_floor(d, pop_cal), repeats=reps)
        results.append(Result("numpy floor (busday_offset + busday_count)", n, secs, peak))
        log(f"{n:,} rows: per-row loops on {LOOP_SAMPLE:,} rows")
        sample = frame.sample(min(LOOP_SAMPLE, n), random_state=1)
        secs, _ = measure(lambda s=sample: scalar_loop(s, calendar), repeats=1, memory=False)
        results.append(Result("per-row loop, scalar rules (scaled)", n, secs[0] * n / len(sample), None,
                              f"{len(sample):,} rows timed"))
        minimal = frame["paid_at"].iloc[:min(n, MINIMAL_LOOP_SAMPLE)]
        secs, _ = measure(lambda m=minimal: minimal_loop(m), repeats=1 if quick else 3, memory=False)
        results.append(Result("minimal loop: POP day walk skipping Sundays (scaled)", n, secs[0] * n / len(minimal),
                              None, f"{len(minimal):,} rows timed"))
        secs, _ = measure(lambda s=sample: pandas_apply(s, rules, calendar), repeats=1, memory=False)
        results.append(Result("pandas apply + CustomBusinessDay (scaled)", n, secs[0] * n / len(sample), None,
                              f"{len(sample):,} rows timed"))

    excel_n = min(EXCEL_ROWS, max(sizes))
    log("Excel adapter")
    results.extend(excel_cases(udfs, frame_of(excel_n)))

    wb_n = min(WORKBOOK_ROWS, max(sizes))
    log("workbook")
    frame = frame_of(wb_n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        secs, peak = measure(
            lambda: seller_workbook.write_workbook(path, frame, as_of=AS_OF, force=True), repeats=1 if quick else 2
        )
        size = path.stat().st_size
    results.append(Result("workbook generation (write_workbook)", wb_n, secs, peak, f"{size / 2**20:.1f} MiB"))

    cli_n = min(CLI_ROWS, max(sizes))
    log(f"command line on {cli_n:,} rows")
    results.extend(cli_cases(frame_of(cli_n), quick))

    read_n = min(READ_ROWS, max(sizes))
    log(f"reading {read_n:,} orders from CSV and xlsx")
    results.extend(read_cases(frame_of(read_n), quick))

    rec_n = min(RECONCILE_ORDERS, max(sizes))
    log("reconcile")
    assessed = assess(frame_of(rec_n), as_of=AS_OF, calendar=calendar, rules=rules)
    penalties = penalty_ledger(assessed, RECONCILE_PENALTIES * rec_n // RECONCILE_ORDERS)
    secs, peak = measure(lambda: reconcile(assessed, penalties, as_of=AS_OF, rules=rules), repeats=1 if quick else 2)
    results.append(Result(f"reconcile (+{len(penalties):,} penalties)", rec_n, secs, peak))
    return results


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """The orders as an xlsx export (openpyxl's streaming writer: cells as a platform export has
    them, text and date-time cells)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Orders")
    ws.append(list(frame.columns))
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    for row in zip(*columns, strict=True):
        ws.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])
    wb.save(path)


def read_cases(frame: pd.DataFrame, quick: bool) -> list[Result]:
    """``read_table`` on the same orders as CSV and as xlsx (one type per column: fastexcel, Arrow)."""
    from xlcompliance.io.reading import read_table

    reps = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = Path(tmp) / "orders.csv", Path(tmp) / "orders.xlsx"
        frame.to_csv(csv_path, index=False, date_format="%Y-%m-%d %H:%M:%S")
        write_xlsx(frame, xlsx_path)
        csv_secs, csv_peak = measure(lambda: read_table(csv_path), repeats=reps)
        xlsx_secs, xlsx_peak = measure(lambda: read_table(xlsx_path), repeats=reps)
        size = xlsx_path.stat().st_size
    ratio = xlsx_secs[1] / csv_secs[1]
    return [
        Result("read_table: CSV export", len(frame), csv_secs, csv_peak),
        Result("read_table: xlsx export (fastexcel, Arrow)", len(frame), xlsx_secs, xlsx_peak,
               f"{size / 2**20:.1f} MiB; {ratio:.1f}× the CSV (medians)"),
    ]


# A child interpreter that runs one command and reports its own peak resident memory on stderr.
_CHILD = """
import atexit, runpy, sys
def peak():  # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's over exec)
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
    print("PEAK_RSS_KIB", hwm, file=sys.stderr)
atexit.register(peak)
code = sys.argv.pop(1)
if code == "cli":
    sys.argv[0] = "xlcompliance"
    runpy.run_module("xlcompliance.cli", run_name="__main__")
else:
    exec(code)
"""
PLAIN_PANDAS = "import sys, pandas as pd; pd.read_csv(sys.argv[1]).to_csv(sys.argv[2], index=False)"


def run_child(args: list[str], repeats: int) -> tuple[tuple[float, float], int]:
    """(best, median) wall time of a fresh interpreter running ``args`` (start-up included), and
    its peak resident memory in bytes."""
    import subprocess

    times, peak = [], 0
    for _ in range(repeats):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        peak = max(peak, int(proc.stderr.rsplit("PEAK_RSS_KIB", 1)[1].split()[0]) * 1024)
    return (min(times), statistics.median(times)), peak


def cli_cases(frame: pd.DataFrame, quick: bool) -> list[Result]:
    """What a seller runs on an export, as a real process from the shell (start-up included):
    read the CSV, assess, summarise, neutralise, write CSV or Parquet; beside it, the plain
    pandas round trip ``pd.read_csv(f).to_csv(g)`` of the same file, the anchor."""
    repeats = 1 if quick else 3
    n = len(frame)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "orders.csv"
        frame.to_csv(source, index=False, date_format="%Y-%m-%d %H:%M:%S")
        size = f"{source.stat().st_size / 2**20:.0f} MiB CSV"
        plain, peak = run_child([PLAIN_PANDAS, str(source), str(Path(tmp) / "plain.csv")], repeats)
        out.append(Result("anchor: plain pandas read_csv + to_csv, same file (process)", n, plain, peak, size))
        for suffix in ("csv", "parquet"):
            target = Path(tmp) / f"assessed.{suffix}"
            argv = ["cli", "assess", str(source), "--as-of", AS_OF, "--out", str(target), "--force"]
            secs, peak = run_child(argv, repeats)
            ratio = f"{secs[0] / plain[0]:.2f}× the anchor (median {secs[1] / plain[1]:.2f}×)"
            out.append(Result(f"CLI: `xlcompliance assess` CSV → {suffix.upper()} (process)", n, secs, peak, ratio))
    return out


def penalty_ledger(assessed: pd.DataFrame, count: int) -> pd.DataFrame:
    """The generator's penalty statement, topped up to ``count`` rows with more penalised orders."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pen = xlcompliance.io.sample.generate_penalties(assessed, as_of=AS_OF)
    if len(pen) >= count:
        return pen.iloc[:count].reset_index(drop=True)
    rng = np.random.default_rng(7)
    pool = assessed[assessed["status"].isin(["late", "on_time"]) & ~assessed["order_id"].isin(pen["order_id"])]
    extra_rows = pool.iloc[rng.choice(len(pool), size=count - len(pen), replace=False)]
    extra = pd.DataFrame({c: pen[c].iloc[rng.integers(0, len(pen), len(extra_rows))].to_numpy() for c in pen.columns})
    for c in ("shop", "order_id", "channel"):
        if c in extra.columns:
            extra[c] = extra_rows[c].to_numpy()
    return pd.concat([pen, extra], ignore_index=True)


# --- the report -------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"  ... {msg}", file=sys.stderr, flush=True)


def _fmt_rate(rows: int, secs: float | None) -> str:
    if not secs:
        return ""
    r = rows / secs
    return f"{r / 1e6:.2f} M" if r >= 1e6 else f"{r / 1e3:.1f} k" if r >= 1e3 else f"{r:.0f}"


def table(results: list[Result]) -> str:
    floor = {r.rows: r.seconds for r in results if r.case.startswith("numpy floor")}
    loop = {r.rows: r.seconds for r in results if r.case.startswith("per-row loop")}
    minimal = {r.rows: r.seconds for r in results if r.case.startswith("minimal loop")}
    lines = [
        "| case | rows | wall s | median s | rows/s | peak MiB | × numpy floor | loop ÷ this | minimal loop ÷ this "
        "| note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.seconds is None:
            lines.append(f"| {r.case} | {r.rows:,} | | | | | | | | {r.note} |")
            continue
        peak = "" if r.peak is None else f"{r.peak / 2**20:,.0f}"
        f = floor.get(r.rows)
        lp = loop.get(r.rows)
        vs_floor = f"{r.seconds / f:,.1f}" if f and not r.case.startswith("numpy floor") else ""
        vs_loop = f"{lp / r.seconds:,.0f}" if lp and not r.case.startswith("per-row loop") else ""
        mn = minimal.get(r.rows)
        vs_minimal = f"{mn / r.seconds:,.1f}" if mn and "loop" not in r.case else ""
        lines.append(
            f"| {r.case} | {r.rows:,} | {r.seconds:.3f} | {'' if r.median is None else f'{r.median:.3f}'} "
            f"| {_fmt_rate(r.rows, r.seconds)} | {peak} "
            f"| {vs_floor} | {vs_loop} | {vs_minimal} | {r.note} |"
        )
    return "\n".join(lines)


def growth(results: list[Result]) -> str:
    """Exponent b of time ~ rows**b between the smallest and largest size, per case."""
    by_case: dict[str, dict[int, float]] = {}
    for r in results:
        if r.seconds:
            by_case.setdefault(r.case, {})[r.rows] = r.seconds
    out = []
    for case, times in by_case.items():
        if len(times) >= 2 and "scaled" not in case:
            sizes = sorted(times)
            pairs = [(sizes[0], sizes[-1])] + ([(sizes[-2], sizes[-1])] if len(sizes) > 2 else [])
            parts = [
                f"{lo:,} → {hi:,}: {math.log(times[hi] / times[lo]) / math.log(hi / lo):.2f}" for lo, hi in pairs
            ]
            out.append(f"- {case}: exponent " + "; ".join(parts))
    return "\n".join(out)


def targets(results: list[Result]) -> str:
    """The task's ratios at the largest size measured: each against its anchor."""
    largest = max(r.rows for r in results if r.seconds)
    at = {r.case: r for r in results if r.seconds and r.rows == largest}

    def find(prefix):
        return next((r for case, r in at.items() if case.startswith(prefix)), None)

    lines = []
    typed, text = find("assess (typed"), find("assess (string")
    minimal, anchor = find("minimal loop"), find("anchor: plain pandas")
    if typed:
        lines.append(f"- assess {largest:,} typed rows: {typed.seconds:.3f} s best, {typed.median:.3f} s median")
    if typed and minimal:
        lines.append(f"- minimal loop ÷ assess: {minimal.seconds / typed.seconds:.1f}× (best), "
                     f"{minimal.seconds / typed.median:.1f}× (median)")
    if typed and text:
        lines.append(f"- assess of CSV-text columns ÷ typed: {text.seconds / typed.seconds:.2f}× (best), "
                     f"{text.median / typed.median:.2f}× (median)")
    for suffix in ("CSV", "PARQUET"):
        cli = find(f"CLI: `xlcompliance assess` CSV → {suffix}")
        if cli and anchor:
            lines.append(f"- CLI CSV → {suffix.lower()} ÷ plain pandas round trip: {cli.seconds / anchor.seconds:.2f}× "
                         f"(best), {cli.median / anchor.median:.2f}× (median); peak RSS {cli.peak / 2**20:,.0f} MiB")
    peaks = [r.peak for r in at.values() if r.peak]
    if peaks:
        lines.append(f"- largest peak at {largest:,} rows: {max(peaks) / 2**20:,.0f} MiB")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated row counts")
    parser.add_argument("--quick", action="store_true", help="one repeat per case (smoke run)")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    header = f"xlcompliance benchmarks, {dt.datetime.now():%Y-%m-%d %H:%M}\n\nMachine: {machine()}\n"
    started = time.perf_counter()
    results = run(sizes, quick=args.quick)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(header)
    print(table(results))
    print("\nAgainst the targets:")
    print(targets(results))
    print("\nGrowth (time ∝ rows^b):")
    print(growth(results))
    print(
        f"\nWall time = best of repeats, median s = their median; peak = tracemalloc peak during one traced call. "
        f"Run took {time.perf_counter() - started:.0f} s; load average {load:.1f} at the end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
