"""Tests for the synthetic order / penalty / refund generator (xlcompliance.io.sample)."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.io import sample
from xlcompliance.io.sample import (
    COLUMNS,
    SAMPLE_AS_OF,
    generate_orders,
    generate_penalties,
    generate_refunds,
)

SAMPLE_DIR = sample.sample_path("orders.csv").parent
TIME_COLUMNS = ["paid_at", "listed_at", "fulfilled_at", "cancelled_at"]
TEXT_COLUMNS = ["order_id", "shop", "channel", "method"]
MONEY = re.compile(r"^\d+\.\d{2}$")
# docs/rules.md: Labour Day 2024 = 05-01...05-05; Dragon Boat 2024 = 06-08...06-10.
BREAKS_2024 = pd.to_datetime(
    ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05", "2024-06-08",
     "2024-06-09", "2024-06-10"]
)  # fmt: skip


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return generate_orders()


@pytest.fixture(scope="module")
def assessed(orders) -> pd.DataFrame:
    return xlc.assess(orders, as_of=SAMPLE_AS_OF)


# --- orders -------------------------------------------------------------------------------


def test_deterministic_for_a_seed():
    a = generate_orders(n_orders=5_000, seed=3)
    b = generate_orders(n_orders=5_000, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = generate_orders(n_orders=5_000, seed=4)
    assert not a["paid_at"].equals(c["paid_at"])


def test_columns_and_dtypes(orders):
    assert tuple(orders.columns) == COLUMNS
    for col in TEXT_COLUMNS:
        assert pd.api.types.is_string_dtype(orders[col]), col
    for col in TIME_COLUMNS:
        assert orders[col].dtype == "datetime64[s]", col
        assert orders[col].dt.tz is None
    assert orders["last_month_sales"].dtype == "Int64"
    assert set(orders["channel"]) == {"POP", "JIT"}
    assert orders.loc[orders["channel"] == "POP", "method"].isna().all()
    assert set(orders.loc[orders["channel"] == "JIT", "method"]) == {"pickup", "self"}


def test_default_size_and_period(orders):
    assert len(orders) == 40 * 91
    assert orders["paid_at"].min() >= pd.Timestamp("2024-04-01")
    assert orders["paid_at"].max() < pd.Timestamp("2024-07-01")
    assert orders["paid_at"].is_monotonic_increasing
    assert set(orders["shop"]) == {"Aurora Home", "Beacon Outdoor", "Cobalt Tech"}


def test_order_ids_unique_and_shaped(orders):
    assert orders["order_id"].is_unique
    assert orders["order_id"].str.fullmatch(r"815\d{13}").all()


def test_times_are_consistent(orders):
    paid = orders["paid_at"]
    assert (orders["fulfilled_at"].dropna() >= paid[orders["fulfilled_at"].notna()]).all()
    assert (orders["cancelled_at"].dropna() >= paid[orders["cancelled_at"].notna()]).all()
    assert (orders["listed_at"].dropna() <= paid[orders["listed_at"].notna()]).all()
    assert not (orders["fulfilled_at"].notna() & orders["cancelled_at"].notna()).any()
    end = pd.Timestamp("2024-07-01")
    assert (orders["fulfilled_at"].dropna() < end).all()
    assert (orders["cancelled_at"].dropna() < end).all()


def test_shares_roughly_as_designed(orders):
    pop = orders["channel"] == "POP"
    assert 0.4 < pop.mean() < 0.6
    by_shop = pop.groupby(orders["shop"]).mean()
    assert by_shop.max() - by_shop.min() > 0.15  # the mix varies per shop
    jit = orders[~pop]
    assert 0.2 < (jit["method"] == "self").mean() < 0.4
    age = orders["paid_at"] - orders["listed_at"]
    assert 0.18 < (age <= pd.Timedelta(days=30)).mean() < 0.32
    assert (age == pd.Timedelta(days=30)).sum() > 10  # exactly on the boundary
    assert (age == pd.Timedelta(days=30, seconds=1)).sum() > 5
    assert 0.01 < orders["listed_at"].isna().mean() < 0.06
    sales = orders["last_month_sales"]
    assert 0.25 < (sales <= 10).mean() < 0.5
    assert (sales == 10).sum() > 20 and (sales == 11).sum() > 20
    assert (sales > 100).any()
    assert 0.01 < sales.isna().mean() < 0.06
    assert 0.01 < orders["cancelled_at"].notna().mean() < 0.04
    evening = orders["paid_at"].dt.hour.between(18, 23).mean()
    night = orders["paid_at"].dt.hour.between(2, 7).mean()
    assert evening > 2 * night
    assert (orders["paid_at"].dt.strftime("%H:%M:%S") == "14:00:00").any()
    assert (orders["paid_at"].dt.strftime("%H:%M:%S") == "13:59:59").any()


def test_recent_orders_are_open(orders):
    open_ = orders["fulfilled_at"].isna() & orders["cancelled_at"].isna()
    assert open_.sum() > 10
    # Open orders cluster at the end of the period (apart from a few very late ones).
    assert orders.loc[open_, "paid_at"].median() > pd.Timestamp("2024-06-28")


def test_scans_seldom_fall_at_night_on_holidays_or_pop_sundays(orders):
    f = orders["fulfilled_at"].dropna()
    on_break = f.dt.normalize().isin(BREAKS_2024).sum()
    assert on_break < 0.2 * len(f) * len(BREAKS_2024) / 91
    assert (f.dt.hour < 7).mean() < 0.02
    pop = orders.loc[f.index, "channel"].eq("POP") & (orders.loc[f.index, "paid_at"] >= "2024-04-12")
    assert (f[pop].dt.day_of_week == 6).mean() < 0.2 / 7


def test_intended_status_holds_exactly_under_the_engine():
    frame, late = sample._generate(20_000, 4, "2024-04-01", 3, ("A", "B", "C"), 40, 0)
    status = xlc.assess(frame, as_of=SAMPLE_AS_OF)["status"].astype(str).to_numpy()
    fulfilled = frame["fulfilled_at"].notna().to_numpy()
    assert fulfilled.mean() > 0.9
    assert (status[fulfilled] == np.where(late[fulfilled], "late", "on_time")).all()
    open_ = ~fulfilled & frame["cancelled_at"].isna().to_numpy()
    assert set(status[open_]) == {"pending", "late"}
    assert set(status[late]) <= {"late", "pending", "cancelled"}


def test_late_share_and_a_worse_shop(assessed):
    status = assessed["status"].astype(str)
    done = status.isin(["on_time", "late"])
    assert 0.01 < (status[done] == "late").mean() < 0.06
    summary = xlc.monthly_summary(assessed, as_of=SAMPLE_AS_OF)
    settled = summary[~summary["provisional"].astype(bool)]
    qualifies = settled.set_index(["shop", "month"])["qualifies"].astype(bool)
    assert qualifies.any() and not qualifies.all()
    worst = qualifies.xs("Cobalt Tech", level="shop")
    assert worst.any() and not worst.all()


def test_other_periods_shops_and_sizes():
    df = generate_orders(n_orders=1_000, start="2025-01-01", months=2, shops=("Solo",), seed=9)
    assert len(df) == 1_000 and set(df["shop"]) == {"Solo"}
    assert df["paid_at"].min() >= pd.Timestamp("2025-01-01")
    assert df["paid_at"].max() < pd.Timestamp("2025-03-01")
    assert len(generate_orders(n_orders=0)) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [({"months": 0}, "months"), ({"n_orders": -1}, "n_orders"), ({"shops": ()}, "shops")],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_orders(**kwargs)


def test_invalid_rows_on_request():
    df = generate_orders(n_orders=2_000, n_invalid=3, seed=5)
    assert (df["listed_at"] > df["paid_at"]).sum() == 1
    assert (df["last_month_sales"] < 0).sum() == 1
    assert (df["fulfilled_at"] < df["paid_at"]).sum() == 1
    assert (xlc.assess(df, as_of=SAMPLE_AS_OF)["status"] == "error").sum() == 3


def test_scales_to_hundreds_of_thousands():
    df = generate_orders(n_orders=200_000, seed=11)
    assert len(df) == 200_000
    assert df["order_id"].is_unique
    assert (df["fulfilled_at"].dropna() >= df.loc[df["fulfilled_at"].notna(), "paid_at"]).all()


# --- penalties and refunds ------------------------------------------------------------------


@pytest.fixture(scope="module")
def penalties(assessed):
    return generate_penalties(assessed, seed=1)


def test_penalties_columns_and_money(penalties):
    assert list(penalties.columns) == ["shop", "order_id", "channel", "amount", "deducted_at", "currency"]
    assert penalties["amount"].map(lambda a: isinstance(a, str) and bool(MONEY.match(a))).all()
    amounts = penalties["amount"].map(Decimal)
    assert amounts.min() >= 5 and amounts.max() <= 60
    assert (penalties["currency"] == "CNY").all()
    assert penalties["deducted_at"].dtype == "datetime64[s]"


def test_penalties_follow_late_orders(assessed, penalties):
    late = assessed[assessed["status"] == "late"]
    assert 0.8 < late["order_id"].isin(set(penalties["order_id"])).mean() < 0.98
    merged = penalties.merge(assessed[["order_id", "deadline", "status"]], on="order_id")
    assert (merged["deducted_at"] > merged["deadline"]).all()
    late_rows = merged[merged["status"] == "late"]
    next_month = late_rows["deducted_at"].dt.to_period("M") > late_rows["deadline"].dt.to_period("M")
    assert next_month.any() and not next_month.all()


def _anomalies(penalties, assessed) -> dict[str, int]:
    merged = penalties.merge(
        assessed[["order_id", "channel", "status"]], on="order_id", how="left", suffixes=("", "_o")
    )
    known = merged[merged["status"].notna()]
    return {
        "on_time": int((merged["status"].astype(str) == "on_time").sum()),
        "twice": int(penalties["order_id"].duplicated().sum()),
        "not_in_export": int(merged["status"].isna().sum()),
        "wrong_channel": int((known["channel"] != known["channel_o"]).sum()),
    }


def test_penalty_anomalies(assessed, penalties):
    assert _anomalies(penalties, assessed) == dict.fromkeys(
        ["on_time", "twice", "not_in_export", "wrong_channel"], 1
    )


def test_penalties_as_of_cutoff(assessed):
    pen = generate_penalties(assessed, seed=1, as_of=SAMPLE_AS_OF)
    assert (pen["deducted_at"] <= SAMPLE_AS_OF).all()
    assert set(_anomalies(pen, assessed).values()) == {1}


def _summary() -> pd.DataFrame:
    """A hand-made monthly summary: shop C's last two months do not qualify."""
    rows = []
    for i, shop in enumerate(["A", "B", "C"]):
        for j, month in enumerate(pd.period_range("2024-04", "2024-06", freq="M")):
            qualifies = not (shop == "C" and j > 0)
            pen = Decimal(f"{10 * (i + 1) + j}.{j}5")
            rows.append(
                {
                    "shop": shop,
                    "month": month,
                    "provisional": False,
                    "qualifies": qualifies,
                    "penalties": pen,
                    "refund_due": pen if qualifies else Decimal("0.00"),
                }
            )
    return pd.DataFrame(rows)


def test_refunds_anomalies():
    summary = _summary()
    ref = generate_refunds(summary, seed=2, as_of=pd.Timestamp("2024-08-15"))
    assert list(ref.columns) == ["shop", "month", "amount", "received_at", "currency"]
    assert ref["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert ref["amount"].map(lambda a: bool(MONEY.match(a))).all()
    key = summary.assign(month=summary["month"].astype(str)).set_index(["shop", "month"])
    got = ref.set_index(["shop", "month"])
    due = key.loc[key["qualifies"], "refund_due"]
    assert len(due.index.difference(got.index)) == 1  # missing
    paid = got.loc[got.index.intersection(due.index), "amount"].map(Decimal)
    diff = paid - due.loc[paid.index]
    assert (diff == 0).sum() == len(paid) - 1
    assert (diff == Decimal("-0.01")).sum() == 1
    unexpected = got.index.difference(due.index)
    assert len(unexpected) == 1 and not key.loc[unexpected[0], "qualifies"]
    # Received in the last days before the due date: the end of the next month, 23:59:59.
    due_dates = pd.PeriodIndex(paid.index.get_level_values("month"), freq="M") + 1
    due_dates = due_dates.to_timestamp(how="end").floor("s")
    received = got.loc[paid.index, "received_at"].to_numpy()
    assert (received <= due_dates).all() and (due_dates - received < pd.Timedelta(days=5)).all()


def test_refunds_as_of_leaves_future_refunds_out():
    ref = generate_refunds(_summary(), seed=2, as_of=pd.Timestamp("2024-07-01"))
    assert (ref["received_at"] <= pd.Timestamp("2024-07-01")).all()
    assert not (ref["month"] == "2024-06").any()


def test_ledgers_of_nothing_are_empty():
    pen = generate_penalties(xlc.assess(generate_orders(n_orders=0), as_of=SAMPLE_AS_OF))
    assert pen.empty and list(pen.columns)[-1] == "currency"
    ref = generate_refunds(_summary().iloc[:0])
    assert ref.empty and list(ref.columns) == ["shop", "month", "amount", "received_at", "currency"]


# --- the bundled sample ----------------------------------------------------------------------


def test_bundled_files_exist_and_are_small():
    for name in ("orders", "penalties", "refunds"):
        path = SAMPLE_DIR / f"{name}.csv"
        assert path.is_file(), path
        assert path.stat().st_size < 1_000_000
    text = (SAMPLE_DIR / "orders.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].split(",") == list(COLUMNS)
    assert re.search(r",2024-04-\d\d \d\d:\d\d:\d\d,", text)


def test_bundled_sample_is_up_to_date(tmp_path):
    written = sample.write_bundled_sample(tmp_path)
    for name, path in written.items():
        assert path.read_bytes() == (SAMPLE_DIR / path.name).read_bytes(), (
            f"{name}.csv is stale: run `python -m xlcompliance.io.sample` to regenerate it"
        )


def test_bundled_sample_assesses_with_everything_present():
    orders = xlc.read_table(SAMPLE_DIR / "orders.csv", kind="orders")
    assessed = xlc.assess(orders, as_of=SAMPLE_AS_OF)
    assert set(assessed["status"].astype(str)) == {"on_time", "late", "pending", "cancelled", "error"}
    assert (assessed["status"] == "error").sum() == 3
    penalties = xlc.read_table(SAMPLE_DIR / "penalties.csv", kind="penalties")
    summary = xlc.monthly_summary(assessed, penalties, as_of=SAMPLE_AS_OF)
    settled = summary[~summary["provisional"].astype(bool) & (summary["assessed"] > 0)]
    qualifies = settled["qualifies"].astype(bool)
    assert qualifies.any() and (~qualifies).any()
    assert (summary["refund_due"].map(Decimal) > 0).sum() >= 3
    assert set(_anomalies(penalties, assessed).values()) == {1}
    refunds = xlc.read_table(SAMPLE_DIR / "refunds.csv", kind="refunds")
    assert refunds["amount"].map(lambda a: bool(MONEY.match(str(a)))).all()
    got = refunds.assign(amount=refunds["amount"].map(Decimal)).set_index(["shop", "month"])["amount"]
    due = summary.assign(month=summary["month"].astype(str)).set_index(["shop", "month"])
    due = due.loc[due["refund_due"].map(Decimal) > 0, "refund_due"].map(Decimal)
    past_due = due[pd.PeriodIndex(due.index.get_level_values("month"), freq="M") + 1 < SAMPLE_AS_OF.to_period("M")]
    assert len(past_due.index.difference(got.index)) == 1  # a missing refund
    paid = got.reindex(past_due.index).dropna()
    diff = paid - past_due[paid.index]
    assert (diff == Decimal("-0.01")).sum() == 1 and (diff == 0).sum() == len(diff) - 1
    assert len(got.index.difference(due.index)) == 1  # an unexpected refund
