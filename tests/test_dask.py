"""The Dask backend against the single-machine path, on a real two-process local cluster.

Every Dask result is compared with the pandas path on the same rows as one frame: the assessed
orders (repeats across partitions cite the global row of the first occurrence), the monthly
summary and the reconciliation; a worker killed mid-computation and an unreadable file are run
for real. Skipped where dask is not installed (``pip install 'xlcompliance[dask]'``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import xlcompliance as xlc  # noqa: E402
from xlcompliance.cli import main  # noqa: E402
from xlcompliance.core.assessment import assess as assess_frame  # noqa: E402
from xlcompliance.core.headers import InputFileError  # noqa: E402
from xlcompliance.io.line_sample import generate_order_lines  # noqa: E402
from xlcompliance.io.sample import generate_orders  # noqa: E402
from xlcompliance.scale.reading import read_orders  # noqa: E402

AS_OF = "2024-07-01 12:00"
REPO = Path(__file__).resolve().parents[1]


def _cluster(**options):
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GiB",
        dashboard_address=":0", **options,
    )


@pytest.fixture(scope="module")
def client():
    with _cluster() as cluster, distributed.Client(cluster) as c:
        yield c


def _orders_with_repeats(n: int = 6000, seed: int = 7) -> pd.DataFrame:
    """Generated orders with repeats inside and across the files they will be split into."""
    o = generate_orders(n, seed=seed, n_invalid=12)
    ids = o["order_id"].astype(object)
    ids[4500] = ids[10]              # a later file repeats the first file's row 11
    ids[5999] = f"  {ids[10]} "      # ... again, with spaces: still the same id
    ids[2001] = ids[2000]            # inside one file
    ids[3] = None                    # blank ids are never compared
    ids[3500] = None
    o["paid_at"] = o["paid_at"].astype(object)
    o.loc[1200, "paid_at"] = None    # the first occurrence is itself an error row ...
    ids[5100] = ids[1200]            # ... and still the one a repeat cites
    o["order_id"] = ids
    o["paid_at"] = pd.to_datetime(o["paid_at"])
    return o


def _write_parts(frame: pd.DataFrame, folder: Path, cuts=(0, 1500, 1500, 3100, 4400, None)) -> list[pd.DataFrame]:
    """Split ``frame`` into Parquet files at ``cuts`` (one of them empty); the parts as read back."""
    folder.mkdir()
    parts = []
    for i, (start, stop) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        path = folder / f"orders-{i}.parquet"
        frame.iloc[start:stop].to_parquet(path, index=False)
        parts.append(pd.read_parquet(path))
    return parts


def assert_same_assessment(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Identical frames; only the order of the explanation categories may differ (Dask unites
    each partition's categories in partition order)."""
    assert list(got.columns) == list(expected.columns)
    assert got.index.equals(expected.index)
    for name in expected.columns:
        if name == "explanation":
            assert set(got[name].cat.categories) == set(expected[name].cat.categories)
            pd.testing.assert_series_equal(got[name].astype(object), expected[name].astype(object))
        else:
            pd.testing.assert_series_equal(got[name], expected[name], obj=name)


def test_assess_is_lazy_and_equals_the_pandas_path_with_repeats_across_partitions(client, tmp_path):
    parts = _write_parts(_orders_with_repeats(), tmp_path / "orders")
    ddf = read_orders(tmp_path / "orders")
    assert ddf.npartitions == 5
    whole = ddf.compute()  # the same rows as one frame (Dask types text columns as string[pyarrow])

    lazy = xlc.assess(ddf, as_of=AS_OF)
    assert isinstance(lazy, dd.DataFrame)
    got = lazy.compute()
    expected = assess_frame(whole, as_of=AS_OF)
    assert_same_assessment(got, expected)
    added = ["rule_set", "eligible", "deadline", "status", "hours_late", "error", "explanation"]
    assert_same_assessment(got[added], assess_frame(pd.concat(parts), as_of=AS_OF)[added])  # as read by pandas

    errors = got["error"].to_numpy()
    first = whole["order_id"].iloc[10]
    assert errors[4500] == f"order_id {first} repeats row 11; only the first is assessed"
    assert errors[5999] == errors[4500]
    assert errors[2001].endswith("repeats row 2001; only the first is assessed")
    assert errors[5100].endswith("repeats row 1201; only the first is assessed")
    assert errors[1200] == "paid_at is blank"
    assert (got["status"] == "error").sum() == (expected["status"] == "error").sum() >= 17


def test_assess_of_any_dask_frame_with_alias_headers_and_without_explanations(client):
    orders = _orders_with_repeats(seed=11).rename(columns={"order_id": "订单号"})
    ddf = dd.from_pandas(orders, npartitions=4, sort=False)
    expected = assess_frame(ddf.compute(), as_of=AS_OF, explain=False)
    got = xlc.assess(ddf, as_of=AS_OF, explain=False).compute()
    assert_same_assessment(got, expected)
    assert got["error"].str.contains("repeats row 11;").sum() == 2


def _ids_can_repeat_across(ddf) -> bool:
    """The pre-check's verdict on a Dask frame of orders (computed from its key ranges)."""
    from xlcompliance.scale.order_ids import global_repeats, ids_can_repeat_across

    return ids_can_repeat_across(global_repeats(ddf[["order_id"]], None)[1].compute())


def test_files_of_rising_ids_skip_the_shuffle_and_find_repeats_inside_a_file(client, tmp_path):
    orders = generate_orders(6000, seed=5)
    ids = (8150000000000000 + np.arange(6000) * 7).astype(str).astype(object)
    ids[3100 + 9] = ids[3100 + 2]      # a repeat inside the fourth file cites its global row
    ids[4400 + 30] = ids[4400 + 31]    # ... and a later row repeated earlier in the same file
    ids[200] = None                    # a blank id takes no part
    orders["order_id"] = ids
    parts = _write_parts(orders, tmp_path / "orders")
    ddf = read_orders(tmp_path / "orders")
    assert not _ids_can_repeat_across(ddf)
    got = xlc.assess(ddf, as_of=AS_OF).compute()
    assert_same_assessment(got, assess_frame(ddf.compute(), as_of=AS_OF))
    errors = got["error"].to_numpy()
    assert errors[3109] == f"order_id {ids[3102]} repeats row 3103; only the first is assessed"
    assert errors[4431] == f"order_id {ids[4430]} repeats row 4431; only the first is assessed"
    assert got["error"].str.contains("repeats row").sum() == 2
    assert len(pd.concat(parts)) == 6000


def test_overlapping_ranges_shuffle_digit_ids_as_keys_and_other_ids_as_text(client, tmp_path):
    orders = generate_orders(6000, seed=6)
    ids = (8150000000000000 + np.arange(6000) * 7).astype(str).astype(object)
    ids[5000] = ids[20]                # one repeat across files makes the ranges overlap
    ids[1600] = "A-77"                 # an id of other text in the second file ...
    ids[4600] = " A-77"                # ... repeated in the fifth
    ids[1700] = "0012"                 # the second file has other text, so its digit ids ...
    ids[3200] = "0012"                 # ... must meet the same id of an all-digit file
    ids[3300] = "12"                   # "12" is another id than "0012"
    ids[3400] = "12345678901234567890"  # too long for a key: travels as text
    ids[5500] = "12345678901234567890"
    orders["order_id"] = ids
    _write_parts(orders, tmp_path / "orders")
    ddf = read_orders(tmp_path / "orders")
    assert _ids_can_repeat_across(ddf)
    got = xlc.assess(ddf, as_of=AS_OF).compute()
    assert_same_assessment(got, assess_frame(ddf.compute(), as_of=AS_OF))
    errors = got["error"].to_numpy()
    assert errors[5000] == f"order_id {ids[20]} repeats row 21; only the first is assessed"
    assert errors[4600] == "order_id A-77 repeats row 1601; only the first is assessed"
    assert errors[3200] == "order_id 0012 repeats row 1701; only the first is assessed"
    assert errors[5500] == "order_id 12345678901234567890 repeats row 3401; only the first is assessed"
    assert errors[3300] is None
    assert got["error"].str.contains("repeats row").sum() == 4


def test_buckets_find_what_one_frame_finds_whatever_form_the_ids_travel_in():
    """The shuffle's two ends without a cluster: every partition keyed, all in one bucket."""
    from xlcompliance.core.order_ids import duplicate_errors
    from xlcompliance.scale.order_ids import bucket_repeats, keyed_ids, repeat_errors

    values = ["7", "07", " 7", "x", "x ", None, "", "7", "12345678901234567", "007", "x", "0", "00", "0"]
    cuts = [0, 3, 3, 7, 11, len(values)]
    frames = [pd.DataFrame({"order_id": pd.array(values[a:b], dtype="string[pyarrow]")})
              for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    keyed = pd.concat([keyed_ids(f, None, partition_info={"number": i}) for i, f in enumerate(frames)])
    repeats = bucket_repeats(keyed.sample(frac=1, random_state=1))  # bucket rows come in any order
    ranges = pd.DataFrame({"ids": [1, 1], "digits": [False, False], "low": [0, 0], "high": [0, 0],
                           "inside": [False, False]})  # ranges that say: ids can repeat across
    lengths = pd.Series([len(f) for f in frames])
    got = [e for i, f in enumerate(frames)
           for e in repeat_errors(f, None, i, repeats[repeats["part"] == i], ranges, lengths)]
    assert got == list(duplicate_errors(pd.Series(values, dtype="str")))
    assert sum(e is not None for e in got) == 5


def test_orders_without_ids_need_no_global_step(client):
    ddf = dd.from_pandas(generate_orders(800, seed=3).drop(columns="order_id"), npartitions=3)
    got = xlc.assess(ddf, as_of=AS_OF).compute()
    assert_same_assessment(got, assess_frame(ddf.compute(), as_of=AS_OF))


def test_summary_and_reconciliation_equal_the_pandas_path(client):
    s = xlc.sample()
    orders = s.orders.copy()
    orders.loc[len(orders) - 1, "order_id"] = orders["order_id"].iloc[0]  # a penalised order repeated
    ddf = dd.from_pandas(orders, npartitions=4, sort=False)
    assessed_dask = xlc.assess(ddf, as_of=s.as_of)
    assessed = xlc.assess(orders, as_of=s.as_of)

    pd.testing.assert_frame_equal(
        xlc.monthly_summary(assessed_dask, s.penalties, as_of=s.as_of),
        xlc.monthly_summary(assessed, s.penalties, as_of=s.as_of),
    )
    got = xlc.reconcile(assessed_dask, s.penalties, s.refunds, as_of=s.as_of)
    expected = xlc.reconcile(assessed, s.penalties, s.refunds, as_of=s.as_of)
    for name in ("summary", "appeals", "penalties", "refunds"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    assert len(expected.appeals) and expected.summary["qualifies"].any()


def test_summary_of_many_shops_and_months_by_tree_reduction(client):
    orders = generate_orders(20_000, seed=5, months=5, shops=[f"shop {k:02d}" for k in range(17)])
    ddf = dd.from_pandas(orders, npartitions=9, sort=False)
    got = xlc.monthly_summary(xlc.assess(ddf, as_of=AS_OF, explain=False), as_of=AS_OF, split_every=2)
    expected = xlc.monthly_summary(assess_frame(orders, as_of=AS_OF, explain=False), as_of=AS_OF)
    pd.testing.assert_frame_equal(got, expected)
    assert len(expected) == 17 * 6 and expected["assessed"].sum() > 0


class _KillWorkerOnce(distributed.diagnostics.plugin.SchedulerPlugin):
    """Kills the worker holding the second finished assessment partition, once."""

    def __init__(self, scheduler, pids: dict[str, int]):
        self.scheduler, self.pids, self.finished, self.killed = scheduler, pids, 0, None

    def transition(self, key, start, finish, *args, **kwargs):
        if self.killed or finish != "memory" or "_assess_partition" not in str(key):
            return
        self.finished += 1
        if self.finished == 2:
            (worker,) = [ws.address for ws in self.scheduler.tasks[key].who_has]
            self.killed = worker
            os.kill(self.pids[worker], signal.SIGKILL)


def test_a_worker_killed_mid_computation_changes_nothing(tmp_path):
    ddf = dd.from_pandas(_orders_with_repeats(seed=9), npartitions=8, sort=False)
    expected = assess_frame(ddf.compute(scheduler="sync"), as_of=AS_OF)
    with _cluster() as cluster, distributed.Client(cluster) as c:
        pids = c.run(os.getpid)
        plugin = _KillWorkerOnce(cluster.scheduler, pids)
        cluster.scheduler.add_plugin(plugin)
        got = c.compute(xlc.assess(ddf, as_of=AS_OF)).result(timeout=240)
        assert plugin.killed in pids and plugin.finished < 8 + 4  # killed before all were done
        c.wait_for_workers(2, timeout=240)  # a restarted worker imports pandas again: slow on a busy machine
        assert pids[plugin.killed] not in c.run(os.getpid).values()  # the nanny started a new one
    assert_same_assessment(got, expected)


def test_an_unreadable_file_fails_the_run_naming_it(client, tmp_path):
    _write_parts(generate_orders(900, seed=2), tmp_path / "orders", cuts=(0, 300, 600, None))
    bad = tmp_path / "orders" / "orders-1.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file")
    with pytest.raises(InputFileError, match=rf"{bad}: cannot be read as PARQUET"):
        xlc.assess(read_orders(tmp_path / "orders"), as_of=AS_OF).compute()
    first = tmp_path / "orders" / "orders-0.parquet"
    first.write_bytes(b"")
    with pytest.raises(InputFileError, match=rf"{first}: cannot be read"):
        read_orders(tmp_path / "orders")  # the first file gives the layout, read at once


def test_cli_writes_the_dataset_atomically_on_a_running_cluster(client, tmp_path, capsys):
    parts = _write_parts(_orders_with_repeats(), tmp_path / "orders")
    out = tmp_path / "assessed"
    address = client.scheduler.address
    argv = ["assess", str(tmp_path / "orders" / "*.parquet"), "--dask", "--scheduler", address,
            "--as-of", AS_OF, "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    written = pd.read_parquet(out)
    expected = assess_frame(pd.concat(parts, ignore_index=True), as_of=AS_OF)
    assert sorted(p.name for p in out.iterdir()) == [f"part.{i}.parquet" for i in range(5)]
    for name in expected.columns:  # Parquet keeps every value; texts come back as strings
        assert written[name].astype(object).where(written[name].notna(), None).equals(
            expected[name].astype(object).where(expected[name].notna(), None)), name
    counts = expected["status"].value_counts()
    assert "6000 orders in 5 file(s) as of 2024-07-01 12:00" in printed
    assert f"error {counts['error']}" in printed and f"on_time {counts['on_time']}" in printed
    first_error = int(np.flatnonzero(expected["error"].notna())[0])
    assert f"data row {first_error + 1}: {expected['error'].iloc[first_error]}" in printed
    assert "Aurora Home" in printed and "wrote" in printed

    assert main(argv) == 2  # exists: refused before any work
    assert "already exists" in capsys.readouterr().err
    before = (out / "part.0.parquet").stat().st_mtime_ns
    (tmp_path / "orders" / "orders-3.parquet").write_bytes(b"not parquet")
    assert main([*argv, "--force"]) == 2
    err = capsys.readouterr().err
    assert "orders-3.parquet: cannot be read as PARQUET" in err
    assert (out / "part.0.parquet").stat().st_mtime_ns == before  # the old dataset is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assessed", "orders"]  # no temp folder left


def test_cli_on_a_local_cluster_reads_csv_files(tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    orders = _orders_with_repeats(seed=4)
    frames = []
    for i, (start, stop) in enumerate(((0, 2500), (2500, 6000))):
        path = folder / f"shop-{i}.csv"
        orders.iloc[start:stop].to_csv(path, index=False)
        frames.append(xlc.read_table(path))
    out = tmp_path / "assessed"
    assert main(["assess", str(folder), "--dask", "--as-of", AS_OF, "--out", str(out)]) == 0
    assert "6000 orders in 2 file(s)" in capsys.readouterr().out
    expected = assess_frame(pd.concat(frames, ignore_index=True), as_of=AS_OF)
    written = pd.read_parquet(out)
    assert written["error"].astype(object).where(written["error"].notna(), None).equals(expected["error"])
    assert written["deadline"].equals(expected["deadline"])


def test_ids_as_arrow_texts_are_the_ids_the_pandas_path_compares():
    from xlcompliance.core.order_ids import id_texts
    from xlcompliance.scale.order_ids import id_text_array

    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    values = [None, "", " ", "a", " a", "a ", " a b ", "订单 1\u3000", "\u200b", *spaces,
              *(f"{c}x{c}y{c}" for c in spaces), *(f"x{c}" for c in spaces)]
    for dtype in ("string[pyarrow]", object, "str"):
        ids = pd.Series(values, dtype=dtype)
        assert id_text_array(ids).to_pylist() == list(id_texts(ids)), dtype
    numbers = pd.Series([1, None, 30], dtype="Int64")
    assert id_text_array(numbers).to_pylist() == list(id_texts(numbers)) == ["1", "", "30"]


_HIDE_DASK = """
import builtins, sys
real_import = builtins.__import__
def no_dask(name, *args, **kwargs):
    if name.split(".")[0] in ("dask", "distributed"):
        raise ImportError(f"No module named {name!r}")
    return real_import(name, *args, **kwargs)
builtins.__import__ = no_dask
"""


def test_without_dask_the_dask_paths_say_how_to_install_it_and_the_rest_works(tmp_path):
    script = _HIDE_DASK + f"""
import xlcompliance as xlc
from xlcompliance.cli import main
assessed = xlc.assess(xlc.sample().orders, as_of="2024-07-01")
assert len(xlc.monthly_summary(assessed, as_of="2024-07-01"))
assert not any(m.split(".")[0] in ("dask", "distributed") for m in sys.modules)
try:
    import xlcompliance.scale
except ImportError as exc:
    print("import:", exc)
code = main(["assess", {str(tmp_path)!r}, "--dask", "--out", {str(tmp_path / "out")!r}])
print("exit", code)
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    hint = "pip install 'xlcompliance[dask]'"
    assert f"import: the Dask backend needs dask[dataframe] and distributed: {hint}" in run.stdout
    assert "exit 2" in run.stdout and hint in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_pandas_path_never_imports_dask():
    script = "import sys, xlcompliance as x; x.assess(x.sample().orders); print(sorted(m for m in sys.modules if m.startswith(('dask', 'distributed'))))"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


# --- product lines: several rows per order, anywhere in the dataset -----------------------------------


def _lined_orders(n: int = 1800, seed: int = 3) -> pd.DataFrame:
    """Orders of one to three product lines, rows shuffled: the lines of an order and a product's
    previous-month orders sit in different partitions; some products sell 10 orders a month or
    fewer (relaxed by derived sales)."""
    return generate_order_lines(n, seed=seed, months=3)


def _assess_quietly(frame: pd.DataFrame, **options) -> pd.DataFrame:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # products missing from the products list are announced
        return assess_frame(frame, as_of=AS_OF, **options)


def _per_partition(ddf, **options) -> pd.DataFrame:
    """What assessing each partition alone would give (the wrong answer the backend must avoid)."""
    return pd.concat([_assess_quietly(ddf.get_partition(i).compute(), **options) for i in range(ddf.npartitions)])


def test_lines_of_one_order_in_different_files_are_one_order(client, tmp_path):
    lines = _lined_orders()
    cuts = (0, 900, 900, 2100, 3000, None)
    _write_parts(lines, tmp_path / "orders", cuts=cuts)
    ddf = read_orders(tmp_path / "orders")
    whole = ddf.compute()
    expected = _assess_quietly(whole)
    got = xlc.assess(ddf, as_of=AS_OF).compute()
    assert_same_assessment(got, expected)

    # the data exercise what a partition alone gets wrong: split orders, derived sales from other files
    alone = _per_partition(ddf)
    assert (alone["order_line"] != expected["order_line"]).sum() > 100
    derived, alone_derived = expected["derived_last_month_sales"], alone["derived_last_month_sales"]
    assert (derived.notna() & (alone_derived.isna() | (alone_derived != derived))).sum() > 500
    relaxed = expected["eligible"].fillna(False) & expected["explanation"].astype(str).str.contains("derived")
    assert relaxed.sum() > 20  # some orders are relaxed by sales counted in other files
    split = whole.groupby("order_id")["order_id"].transform("size").gt(1) & (expected["order_line"] > 1)
    assert split.sum() > 300 and (got["status"][split] != "error").sum() > 300

    summary = xlc.monthly_summary(xlc.assess(ddf, as_of=AS_OF, explain=False), as_of=AS_OF)
    pd.testing.assert_frame_equal(summary, xlc.monthly_summary(expected, as_of=AS_OF))
    first_lines = expected.drop_duplicates("order_id")  # each order once, its status on every line
    assert summary["assessed"].sum() == first_lines["status"].isin(["on_time", "late"]).sum() > 1000


def test_repeated_and_conflicting_lines_across_partitions_cite_global_rows(client):
    lines = _lined_orders(900, seed=5)
    first = lines.iloc[10]
    repeat = first.copy()                                  # the same order and product, far away
    conflict = lines.iloc[20].copy()
    conflict["product_id"] = "SKU-NEW"                     # another line of order 21's ...
    conflict["paid_at"] = conflict["paid_at"] + pd.Timedelta(hours=1)  # ... paid at another time
    blank = lines.iloc[30].copy()
    blank["order_id"] = None                               # blank ids are orders of their own
    extra = pd.DataFrame([repeat, conflict, blank, blank])
    lines = pd.concat([lines.iloc[:700], extra.iloc[:2], lines.iloc[700:], extra.iloc[2:]], ignore_index=True)
    ddf = dd.from_pandas(lines, npartitions=4, sort=False)
    expected = _assess_quietly(ddf.compute())
    got = xlc.assess(ddf, as_of=AS_OF).compute()
    assert_same_assessment(got, expected)

    errors = got["error"].to_numpy()
    assert errors[700] == (f"order_id {first['order_id']} product_id {first['product_id']} repeats row 11; "
                           "only the first is assessed")
    rows = np.flatnonzero((lines["order_id"] == conflict["order_id"]).to_numpy())
    assert 20 in rows and 701 in rows
    assert all(f"lines of order {conflict['order_id']} disagree on paid_at (row 21: " in errors[i] for i in rows)
    assert "row 702: " in errors[701]
    assert pd.isna(errors[-1]) and pd.isna(errors[-2])


def test_products_scans_and_history_from_travel_to_every_task(client):
    lines = _lined_orders(1200, seed=8)
    lines["order_id"] = lines["order_id"].astype(object)
    gone = lines["fulfilled_at"].notna() & (np.arange(len(lines)) % 3 == 0)
    scans = pd.DataFrame({"订单号": lines.loc[gone, "order_id"],
                          "上网时间": (lines.loc[gone, "fulfilled_at"] - pd.Timedelta(hours=5)).astype(str)})
    lines.loc[gone, "fulfilled_at"] = pd.NaT                 # these orders' times come from the scans
    listed = pd.date_range("2024-03-20", periods=40, freq="2D")
    products = pd.DataFrame({"商品ID": [f"SKU-{i:02d}" for i in range(40)], "创建时间": listed.astype(str)})
    ddf = dd.from_pandas(lines, npartitions=5, sort=False)
    for options in ({"products": products, "scans": scans}, {"products": products, "history_from": "2024-04-15"}):
        expected = _assess_quietly(ddf.compute(), **options)
        got = xlc.assess(ddf, as_of=AS_OF, **options).compute()
        assert_same_assessment(got, expected)
    assert expected["explanation"].astype(str).str.contains("listed").any()
    with_scans = _assess_quietly(ddf.compute(), products=products, scans=scans)
    assert with_scans["scanned_at"].notna().sum() >= gone.sum()


def test_the_classic_export_cell_split_over_partitions(client):
    from xlcompliance.io.classic_sample import classic_export

    export, products, scans = classic_export(seed=12, n_orders=2500)
    export = pd.concat([export, export.iloc[[5, 900]]], ignore_index=True)  # repeated orders, later files
    ddf = dd.from_pandas(export, npartitions=4, sort=False)
    options = {"channel": "POP", "products": products, "scans": scans}
    expected = _assess_quietly(ddf.compute(), **options)
    got = xlc.assess(ddf, as_of=AS_OF, **options).compute()
    assert_same_assessment(got, expected)
    assert got["error"].iloc[-2].endswith("repeats row 6; only the first is assessed")
    assert (got["derived_last_month_sales"] <= 10).sum() > 0 and "platform_deadline" in got.columns
    alone = _per_partition(ddf, **options)
    assert (alone["derived_last_month_sales"].fillna(-1) != expected["derived_last_month_sales"].fillna(-1)).any()


def test_summary_and_reconciliation_count_a_split_order_once(client):
    from xlcompliance.io.sample import generate_penalties

    lines = _lined_orders(1500, seed=6)
    ddf = dd.from_pandas(lines, npartitions=4, sort=False)
    assessed = _assess_quietly(ddf.compute())
    penalties = generate_penalties(assessed[assessed["order_line"] == 1], as_of=AS_OF)
    assessed_dask = xlc.assess(ddf, as_of=AS_OF)
    pd.testing.assert_frame_equal(xlc.monthly_summary(assessed_dask, penalties, as_of=AS_OF),
                                  xlc.monthly_summary(assessed, penalties, as_of=AS_OF))
    got = xlc.reconcile(assessed_dask, penalties, as_of=AS_OF)
    expected = xlc.reconcile(assessed, penalties, as_of=AS_OF)
    for name in ("summary", "appeals", "penalties"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    first_lines = assessed.drop_duplicates("order_id")
    assert expected.summary["assessed"].sum() == first_lines["status"].isin(["on_time", "late"]).sum()
    assert len(expected.appeals) and len(expected.penalties)


def test_orders_of_one_row_take_scans_and_channel_too(client):
    orders = _orders_with_repeats(seed=13).drop(columns="channel")
    shipped = orders["fulfilled_at"].notna() & (np.arange(len(orders)) % 2 == 0)
    scans = pd.DataFrame({"order_id": orders.loc[shipped, "order_id"], "fulfilled_at": orders.loc[shipped, "fulfilled_at"]})
    orders.loc[shipped, "fulfilled_at"] = pd.NaT
    ddf = dd.from_pandas(orders, npartitions=3, sort=False)
    options = {"channel": "JIT", "scans": scans}
    expected = _assess_quietly(ddf.compute(), **options)
    got = xlc.assess(ddf, as_of=AS_OF, **options).compute()
    assert_same_assessment(got, expected)
    assert "order_line" not in got.columns and got["scanned_at"].notna().sum() >= shipped.sum() - 2


def test_cli_takes_the_export_options_for_a_dataset_of_product_lines(client, tmp_path, capsys):
    lines = _lined_orders(900, seed=9)
    parts = _write_parts(lines, tmp_path / "orders", cuts=(0, 700, 1200, None))
    products = pd.DataFrame({"商品ID": [f"SKU-{i:02d}" for i in range(60)], "创建时间": "2024-04-20"})
    products.to_csv(tmp_path / "products.csv", index=False)
    out = tmp_path / "assessed"
    argv = ["assess", str(tmp_path / "orders"), "--dask", "--scheduler", client.scheduler.address, "--as-of", AS_OF,
            "--out", str(out), "--products", str(tmp_path / "products.csv"), "--history-from", "2024-03-01"]
    assert main(argv) == 0
    expected = _assess_quietly(pd.concat(parts, ignore_index=True), products=xlc.read_table(tmp_path / "products.csv"),
                               history_from="2024-03-01")
    written = pd.read_parquet(out)
    for name in ("deadline", "order_line", "derived_last_month_sales"):
        assert written[name].equals(expected[name]), name
    assert written["explanation"].astype(object).equals(expected["explanation"].astype(object))
    assert expected["explanation"].astype(str).str.contains("listed").any()
    assert f"{len(lines)} orders in 3 file(s)" in capsys.readouterr().out


def test_product_lines_without_order_ids_are_orders_of_their_own(client):
    lines = _lined_orders(900, seed=10).drop(columns="order_id")
    ddf = dd.from_pandas(lines, npartitions=3, sort=False)
    expected = _assess_quietly(ddf.compute())
    got = xlc.assess(ddf, as_of=AS_OF).compute()
    assert_same_assessment(got, expected)
    assert (expected["order_line"] == 1).all() and expected["derived_last_month_sales"].notna().sum() > 300
    alone = _per_partition(ddf)
    assert (alone["derived_last_month_sales"].fillna(-1) != expected["derived_last_month_sales"].fillna(-1)).any()
