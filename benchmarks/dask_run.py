"""Benchmark: the Dask backend against pandas on one machine, Parquet files in, Parquet out.

Run with ``.venv/bin/python benchmarks/dask_run.py [--rows 10000000] [--partition 1000000]
[--product-lines]``. Generated orders (``xlcompliance.io.sample.generate_orders``, one seed per
file, so some ids repeat across files) are written as Parquet files, one per partition. With
``--product-lines``, the rows are product lines instead (``io.line_sample``: one to three per
order, shuffled over all files, so orders are split between files and sales are derived from the
whole dataset), which the Dask backend assesses by order-id buckets. Each case does the whole
job: read the files, assess every order (explanations included), write the assessed orders as
Parquet. Cases:

- pandas: ``pd.read_parquet`` of the folder, ``assess``, ``to_parquet``, in a fresh process;
- Dask with 1 and 2 single-threaded worker processes (``LocalCluster``): ``read_orders``,
  ``assess`` (with the global order-id shuffle), ``write_dataset``.

Wall time is measured around the job (the cluster is started before, workers warmed up by a
small job first). Peak memory is the peak resident set size: of the pandas process
(``getrusage``), and of each worker process (sampled every 50 ms with psutil).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

AS_OF = "2024-07-01 10:00"
REPO = Path(__file__).resolve().parents[1]


def make_dataset(folder: Path, rows: int, partition: int, product_lines: bool = False) -> list[Path]:
    from xlcompliance.io.line_sample import generate_order_lines
    from xlcompliance.io.sample import generate_orders

    folder.mkdir(parents=True)
    files = []
    if product_lines:
        lines = generate_order_lines(rows * 2 // 3 + 10, seed=1000).iloc[:rows]  # 1.75 lines an order
        for i, start in enumerate(range(0, rows, partition)):
            path = folder / f"orders-{i:04d}.parquet"
            lines.iloc[start:start + partition].to_parquet(path, index=False)
            files.append(path)
        return files
    for i, start in enumerate(range(0, rows, partition)):
        path = folder / f"orders-{i:04d}.parquet"
        generate_orders(min(partition, rows - start), seed=1000 + i).to_parquet(path, index=False)
        files.append(path)
    return files


_PANDAS_JOB = """
import resource, sys, time
import pandas as pd
import xlcompliance as xlc
t = time.perf_counter()
orders = pd.read_parquet(sys.argv[1])
assessed = xlc.assess(orders, as_of=sys.argv[3])
assessed.to_parquet(sys.argv[2], index=False)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def run_pandas(source: Path, out: Path) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PANDAS_JOB, str(source), str(out), AS_OF],
                          capture_output=True, text=True, env=env, check=True)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak)


class PeakRSS:
    """Samples the resident set size of some processes in a thread; keeps each one's peak."""

    def __init__(self, pids):
        import psutil

        self.procs = {pid: psutil.Process(pid) for pid in pids}
        self.peaks = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid, proc in self.procs.items():
                try:
                    self.peaks[pid] = max(self.peaks[pid], proc.memory_info().rss)
                except Exception:  # noqa: BLE001  (a worker restarting)
                    pass
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_dask(source: Path, out: Path, workers: int, warm: Path) -> tuple[float, list[int]]:
    import distributed

    import xlcompliance as xlc
    from xlcompliance.scale.reading import read_orders
    from xlcompliance.scale.writing import write_dataset

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  memory_limit="8GiB", dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        write_dataset(xlc.assess(read_orders(warm), as_of=AS_OF), out.with_name(out.name + "-warm"),
                      client=client)  # imports, calendars and shuffle machinery warmed up
        pids = list(client.run(os.getpid).values())
        with PeakRSS(pids) as peak:
            t = time.perf_counter()
            write_dataset(xlc.assess(read_orders(source), as_of=AS_OF), out, client=client)
            seconds = time.perf_counter() - t
    return seconds, sorted(peak.peaks.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--partition", type=int, default=1_000_000, help="rows per file (= partition)")
    parser.add_argument("--product-lines", action="store_true", help="rows are product lines of orders")
    args = parser.parse_args(argv)
    mib = 2**20
    with tempfile.TemporaryDirectory(prefix="xlc-dask-bench-") as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        files = make_dataset(tmp / "orders", args.rows, args.partition, args.product_lines)
        make_dataset(tmp / "warm", 20_000, 10_000, args.product_lines)
        made = time.perf_counter() - t
        size = sum(f.stat().st_size for f in files)
        print(f"# Dask backend benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}")
        print(f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"pandas {pd.__version__}; load average {os.getloadavg()[0]:.1f} at start")
        what = "product lines of generated orders" if args.product_lines else "generated orders"
        print(f"{args.rows:,} {what} in {len(files)} Parquet files of {args.partition:,} rows "
              f"({size / mib:.0f} MiB; made in {made:.0f} s)\n")
        print("| case | rows | wall s | rows/s | s per 1M rows | vs pandas | peak RSS MiB (per process) |")
        print("|---|---:|---:|---:|---:|---:|---|")
        seconds, peak = run_pandas(tmp / "orders", tmp / "pandas.parquet")
        base = seconds

        def row(case, s, peaks):
            per_m = s / args.rows * 1e6
            print(f"| {case} | {args.rows:,} | {s:.1f} | {args.rows / s / 1e3:,.0f} k | {per_m:.2f} | "
                  f"{s / base:.2f}× | {', '.join(f'{p / mib:,.0f}' for p in peaks)} |", flush=True)

        row("pandas: read_parquet, assess, to_parquet (1 process)", seconds, [peak])
        shutil.rmtree(tmp / "pandas.parquet", ignore_errors=True)
        timings = {}
        for workers in (1, 2):
            seconds, peaks = run_dask(tmp / "orders", tmp / f"dask-{workers}", workers, tmp / "warm")
            timings[workers] = seconds
            row(f"Dask, {workers} worker process{'es' if workers > 1 else ''} × 1 thread", seconds, peaks)
            shutil.rmtree(tmp / f"dask-{workers}", ignore_errors=True)
        print(f"\n1 worker ÷ pandas: {timings[1] / base:.2f}× the time per row (target ≤ 1.5×); "
              f"2 workers speed-up over 1: {timings[1] / timings[2]:.2f}× (target ≥ 1.6×); "
              f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
