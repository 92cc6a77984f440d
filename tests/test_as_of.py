"""An assessment's moment travels with it: a summary or reconciliation never mixes two moments."""

from __future__ import annotations

import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.core.as_of import recorded_as_of

SAMPLE = xlc.sample()


def june_orders() -> pd.DataFrame:
    """Shop S: 20 POP orders paid Mon 2024-06-03 10:00 (standard 48 h -> Wed 06-05 10:00), all
    scanned on Tue 06-04: every one on time, June's only orders."""
    return pd.DataFrame({
        "order_id": [f"o{i}" for i in range(20)], "shop": "S", "channel": "POP",
        "paid_at": "2024-06-03 10:00", "last_month_sales": "50", "fulfilled_at": "2024-06-04 10:00",
    })


def test_sample_loads_the_bundled_files():
    assert SAMPLE.as_of == pd.Timestamp("2024-07-01 00:00")
    assert len(SAMPLE.orders) and len(SAMPLE.penalties) and len(SAMPLE.refunds)


def test_assess_records_its_moment_and_ordinary_pandas_keeps_it():
    assessed = xlc.assess(june_orders(), as_of="2024-06-20 12:00")
    moment = pd.Timestamp("2024-06-20 12:00")
    assert recorded_as_of(assessed) == moment
    pieces = pd.concat([assessed.iloc[:5], assessed.iloc[5:]])
    for kept in (assessed.copy(), assessed[assessed["shop"] == "S"], assessed.sort_values("order_id"),
                 assessed.assign(x=1), assessed[["shop", "deadline", "status"]], pieces):
        assert recorded_as_of(kept) == moment
    again = xlc.assess(assessed[["order_id", "shop", "channel", "paid_at"]], as_of="2024-06-21")
    assert recorded_as_of(again) == pd.Timestamp("2024-06-21")  # a re-assessment records its own


def test_summary_defaults_to_the_assessments_moment():
    # as of 06-20 June has not ended: provisional, not qualifying, whatever today's date is
    assessed = xlc.assess(june_orders(), as_of="2024-06-20 12:00")
    row = xlc.monthly_summary(assessed).iloc[0]
    assert (row["rate"], bool(row["provisional"]), bool(row["qualifies"])) == (1.0, True, False)
    assert recorded_as_of(xlc.monthly_summary(assessed)) == pd.Timestamp("2024-06-20 12:00")


def test_reconcile_refuses_an_assessment_as_of_another_moment():
    # the README's first version: assessed as of now, reconciled as of 2024-07-01 10:00
    assessed_now = xlc.assess(SAMPLE.orders)
    with pytest.raises(ValueError, match=r"assessed as of .* but reconcile is asked for 2024-07-01 10:00:00"):
        xlc.reconcile(assessed_now, SAMPLE.penalties, SAMPLE.refunds, as_of="2024-07-01 10:00")


def test_reconcile_defaults_to_the_assessments_moment():
    assessed = xlc.assess(SAMPLE.orders, as_of=SAMPLE.as_of)
    implied = xlc.reconcile(assessed, SAMPLE.penalties, SAMPLE.refunds)
    explicit = xlc.reconcile(assessed, SAMPLE.penalties, SAMPLE.refunds, as_of="2024-07-01 00:00:00")
    assert implied.as_of == SAMPLE.as_of
    pd.testing.assert_frame_equal(implied.summary, explicit.summary)
    rates = implied.summary.set_index(["shop", "month"])["rate"]
    assert rates[("Cobalt Tech", pd.Period("2024-05", "M"))] == pytest.approx(298 / 325)  # CLI table: 91.69 %


def test_reconcile_sees_a_stale_assessment_that_lost_its_moment():
    # read back from a file (no attrs): 06-01 assessment, orders still pending, deadline 06-05 10:00
    orders = june_orders().drop(columns="fulfilled_at")
    assessed = xlc.assess(orders, as_of="2024-06-01 12:00")
    assessed.attrs = {}
    with pytest.raises(ValueError, match=r"20 order\(s\) are pending although their deadline is before 2024-07-01"):
        xlc.reconcile(assessed, None, as_of="2024-07-01 00:00")
    result = xlc.reconcile(assessed, None, as_of="2024-06-02 00:00")  # consistent: accepted
    assert result.summary["pending"].tolist() == [20]


def test_an_assessment_with_its_moment_writes_to_parquet_and_back(tmp_path):
    """pandas writes a frame's attrs into Parquet as JSON: the recorded moment must survive it."""
    moment = pd.Timestamp("2024-06-20 12:00")
    assessed = xlc.assess(xlc.sample().orders, as_of=moment)
    assessed.to_parquet(tmp_path / "a.parquet")
    back = pd.read_parquet(tmp_path / "a.parquet")
    assert recorded_as_of(back) == moment
    assert list(back["status"].astype(str)) == list(assessed["status"].astype(str))
