"""Column work on two threads gives what calling each function in turn gives."""

from __future__ import annotations

import concurrent.futures
import threading

import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.core import parallel
from xlcompliance.io.sample import generate_orders


def test_results_come_back_in_order_and_from_two_threads(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    if parallel.threads_allowed() < 2:
        pytest.skip("one core: column work runs in turn")
    seen = set()

    def call(i):
        def run():
            seen.add(threading.get_ident())
            return i * i
        return run

    assert parallel.run_all([call(i) for i in range(20)], rows=parallel.MIN_ROWS) == [i * i for i in range(20)]
    assert threading.get_ident() not in seen  # the pool's threads did the work


@pytest.mark.parametrize("setting, expected", [("1", 1), ("", 2), ("8", 2), ("x", 2)])
def test_omp_num_threads_caps_the_threads(monkeypatch, setting, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", setting)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 4)
    assert parallel.threads_allowed() == expected


def test_small_tables_and_one_thread_run_in_turn(monkeypatch):
    here = threading.get_ident()
    calls = [lambda: threading.get_ident(), lambda: threading.get_ident()]
    assert parallel.run_all(calls, rows=parallel.MIN_ROWS - 1) == [here, here]
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert parallel.run_all(calls, rows=10**6) == [here, here]


def test_where_threads_cannot_start_the_work_runs_in_turn(monkeypatch):
    """Pyodide (xlwings Lite) has no threads: the pool refuses, the calls still run."""
    def refuse(self, *args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "submit", refuse)
    assert parallel.run_all([lambda: 1, lambda: 2], rows=10**6) == [1, 2]


def test_the_first_exception_is_raised_as_itself():
    def bad():
        raise ValueError("column 3")

    with pytest.raises(ValueError, match="column 3"):
        parallel.run_all([lambda: 1, bad, lambda: 3], rows=10**6)


def test_assess_is_the_same_on_one_thread_and_two(monkeypatch):
    orders = generate_orders(parallel.MIN_ROWS + 5_000, seed=7)
    orders.loc[3, "paid_at"] = pd.NaT
    orders.loc[4, "order_id"] = orders.loc[5, "order_id"]
    text = orders.astype(str)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = [xlc.assess(f, as_of="2024-07-01 10:00") for f in (orders, text)]
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    two = [xlc.assess(f, as_of="2024-07-01 10:00") for f in (orders, text)]
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert one[0].at[4, "error"] is None and "repeats" in one[0].at[5, "error"]


def test_work_in_the_background_gives_its_result_or_its_exception(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    here = threading.get_ident()
    later = parallel.in_background(threading.get_ident, rows=10**6)
    assert later() != here or parallel.threads_allowed() < 2
    assert parallel.in_background(threading.get_ident, rows=10)() == here  # small: called here, when asked

    def bad():
        raise KeyError("x")

    failing = parallel.in_background(bad, rows=10**6)
    with pytest.raises(KeyError):
        failing()
    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "submit",
                        lambda self, *a, **k: (_ for _ in ()).throw(RuntimeError("can't start new thread")))
    assert parallel.in_background(threading.get_ident, rows=10**6)() == here
