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
- the machine's ceiling for two workers: the same pandas job on each half of the files, in two
  processes at once (how much faster two independent processes finish than one, on this machine);
- Dask with 1 and 2 single-threaded worker processes (``LocalCluster``): ``read_orders``,
  ``assess`` (with the global order-id shuffle), ``write_dataset``;
- the same on the same files with ids rising from file to file (a seller's monthly exports; not
  with ``--product-lines``): no id can repeat across files, so there is no shuffle.

Wall time is measured around the job (the cluster is started before, workers warmed up by a
small job first); each case runs ``--repeats`` times in turn and its fastest run is kept. Peak
memory is the peak resident set size: of the pandas processes (``getrusage``), and of each worker
process (sampled every 50 ms with psutil). CPU seconds are user + system time: of the pandas
processes, of the workers, and of the rest (this process, holding the client and the scheduler,
and the nannies).
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


def rising_ids(files: list[Path], folder: Path) -> list[Path]:
    """The same files with ids that rise from file to file, as a seller's monthly exports have them:
    no id can repeat across files, so the Dask backend needs no id shuffle."""
    import numpy as np

    folder.mkdir(parents=True)
    out, first = [], 8_000_000_000_000_000
    for f in files:
        frame = pd.read_parquet(f)
        frame["order_id"] = pd.array((first + np.arange(len(frame))).astype(str), dtype="str")
        first += len(frame)
        frame.to_parquet(folder / f.name, index=False)
        out.append(folder / f.name)
    return files


_PANDAS_JOB = """
import resource, sys, time
import pandas as pd
import xlcompliance as xlc
if len(sys.argv) > 4:  # start at an agreed moment, with another process
    time.sleep(max(0.0, float(sys.argv[4]) - time.time()))
t, started = time.perf_counter(), time.time()
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
orders = pd.read_parquet(sys.argv[1])
assessed = xlc.assess(orders, as_of=sys.argv[3])
assessed.to_parquet(sys.argv[2], index=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime - cpu0, started, time.time())
"""


def run_pandas(source: Path, out: Path) -> tuple[float, int, float]:
    """Wall seconds, peak RSS and CPU seconds of the job in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PANDAS_JOB, str(source), str(out), AS_OF],
                          capture_output=True, text=True, env=env, check=True)
    seconds, peak, cpu, _, _ = done.stdout.split()
    return float(seconds), int(peak), float(cpu)


def _halves(files: list[Path], tmp: Path) -> list[Path]:
    """Two folders linking the first and the second half of the files."""
    folders = []
    for name, part in (("half-1", files[: len(files) // 2]), ("half-2", files[len(files) // 2:])):
        folder = tmp / name
        folder.mkdir()
        for f in part:
            (folder / f.name).symlink_to(f)
        folders.append(folder)
    return folders


def run_pandas_halves(halves: list[Path], tmp: Path) -> tuple[float, list[int], list[float]]:
    """The pandas job on each half of the files, in two processes at once: the speed-up this machine
    gives two independent processes over one, the ceiling for two workers. Wall seconds of the
    pair, each one's peak RSS and CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = str(time.time() + 5)  # both imported and waiting by then
    procs = [subprocess.Popen([sys.executable, "-c", _PANDAS_JOB, str(h), str(tmp / f"{h.name}.parquet"), AS_OF,
                               start], stdout=subprocess.PIPE, text=True, env=env) for h in halves]
    outs = [p.communicate()[0].split() for p in procs]
    seconds = max(float(o[4]) for o in outs) - min(float(o[3]) for o in outs)
    if any(p.returncode for p in procs):
        raise RuntimeError("the pandas job failed on a half of the files")
    for h in halves:
        shutil.rmtree(tmp / f"{h.name}.parquet", ignore_errors=True)
        (tmp / f"{h.name}.parquet").unlink(missing_ok=True)
    return seconds, [int(o[1]) for o in outs], [float(o[2]) for o in outs]


class PeakRSS:
    """Samples the resident set size of some processes in a thread; keeps each one's peak. Also
    counts the CPU time (user + system) the workers and everything else of the run (this process,
    which holds the client and the scheduler, and the nannies) spend meanwhile."""

    def __init__(self, pids):
        import psutil

        self.procs = {pid: psutil.Process(pid) for pid in pids}
        self.peaks = dict.fromkeys(pids, 0)
        me = psutil.Process()
        self.others = [me] + [p for p in me.children(recursive=True) if p.pid not in self.procs]
        self.worker_cpu = self.other_cpu = 0.0
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

    @staticmethod
    def _cpu(procs) -> float:
        total = 0.0
        for proc in procs:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except Exception:  # noqa: BLE001  (a process gone)
                pass
        return total

    def __enter__(self):
        self._cpu0 = self._cpu(self.procs.values()), self._cpu(self.others)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.worker_cpu = self._cpu(self.procs.values()) - self._cpu0[0]
        self.other_cpu = self._cpu(self.others) - self._cpu0[1]


def run_dask(source: Path, out: Path, workers: int, warm: Path) -> tuple[float, list[int], float, float]:
    """Wall seconds, each worker's peak RSS, and the CPU seconds of the workers and of the rest."""
    import distributed

    import xlcompliance as xlc
    from xlcompliance.scale.reading import read_orders
    from xlcompliance.scale.writing import write_dataset

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  memory_limit="8GiB", dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        write_dataset(xlc.assess(read_orders(warm), as_of=AS_OF), out.with_name(out.name + "-warm"), force=True,
                      client=client)  # imports, calendars and shuffle machinery warmed up
        pids = list(client.run(os.getpid).values())
        with PeakRSS(pids) as peak:
            t = time.perf_counter()
            write_dataset(xlc.assess(read_orders(source), as_of=AS_OF), out, client=client)
            seconds = time.perf_counter() - t
    return seconds, sorted(peak.peaks.values()), peak.worker_cpu, peak.other_cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--partition", type=int, default=1_000_000, help="rows per file (= partition)")
    parser.add_argument("--product-lines", action="store_true", help="rows are product lines of orders")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each case, in turn; the fastest is kept")
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
        print("| case | rows | wall s | rows/s | s per 1M rows | vs pandas | peak RSS MiB (per process) "
              "| CPU s: workers + rest | cores busy |")
        print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
        halves = _halves(files, tmp)
        rising = None if args.product_lines else rising_ids(files, tmp / "rising")

        def row(case, s, peaks, cpu):
            per_m = s / args.rows * 1e6
            used = " + ".join(f"{c:.1f}" for c in cpu)
            print(f"| {case} | {args.rows:,} | {s:.1f} | {args.rows / s / 1e3:,.0f} k | {per_m:.2f} | "
                  f"{s / base:.2f}× | {', '.join(f'{p / mib:,.0f}' for p in peaks)} | {used} | "
                  f"{sum(cpu) / s:.2f} |", flush=True)

        # Every case runs `repeats` times, in turn, and keeps its fastest run: on a virtual machine
        # the first runs after a quiet spell pay for memory the host hands back (see RESULTS.md).
        best = {}

        def keep_fastest(case, result):  # result[0] is the wall time
            if case not in best or result[0] < best[case][0]:
                best[case] = result

        for _ in range(args.repeats):
            keep_fastest("pandas", run_pandas(tmp / "orders", tmp / "pandas.parquet"))
            shutil.rmtree(tmp / "pandas.parquet", ignore_errors=True)
            keep_fastest("halves", run_pandas_halves(halves, tmp))
            for workers in (1, 2):
                keep_fastest(workers, run_dask(tmp / "orders", tmp / f"dask-{workers}", workers, tmp / "warm"))
                shutil.rmtree(tmp / f"dask-{workers}", ignore_errors=True)
                if rising:
                    keep_fastest(f"rising {workers}", run_dask(rising[0].parent, tmp / f"dask-{workers}", workers,
                                                               tmp / "warm"))
                    shutil.rmtree(tmp / f"dask-{workers}", ignore_errors=True)
        seconds, peak, cpu = best["pandas"]
        base = seconds
        row("pandas: read_parquet, assess, to_parquet (1 process)", seconds, [peak], [cpu])
        seconds, peaks, cpus = best["halves"]
        row("machine ceiling: the pandas job on half the files, 2 processes at once", seconds, peaks, cpus)
        ceiling = base / seconds
        for workers in (1, 2):
            seconds, peaks, worker_cpu, other_cpu = best[workers]
            row(f"Dask, {workers} worker process{'es' if workers > 1 else ''} × 1 thread", seconds, peaks,
                [worker_cpu, other_cpu])
        if rising:
            for workers in (1, 2):
                seconds, peaks, worker_cpu, other_cpu = best[f"rising {workers}"]
                row(f"Dask, {workers} worker process{'es' if workers > 1 else ''} × 1 thread, ids rising from "
                    "file to file (no id shuffle)", seconds, peaks, [worker_cpu, other_cpu])
        speed_up = best[1][0] / best[2][0]
        print(f"\nBest of {args.repeats} runs each. 1 worker ÷ pandas: {best[1][0] / base:.2f}× the time per row "
              f"(target ≤ 1.5×); 2 workers speed-up over 1: {speed_up:.2f}× (target ≥ 1.6×)"
              + (f", {best['rising 1'][0] / best['rising 2'][0]:.2f}× with ids rising from file to file"
                 if rising else "")
              + f"; two pandas processes at once over one: {ceiling:.2f}× (what this machine allows); "
              f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
