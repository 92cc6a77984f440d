"""assess(): every status of the order status table, hours late, errors per row, columns as given."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xlc

AS_OF = "2024-04-20 12:00"
# POP paid Mon 2024-04-15 10:00 (standard) -> deadline Wed 2024-04-17 10:00.
PAID = "2024-04-15 10:00"
DEADLINE = dt.datetime(2024, 4, 17, 10, 0)


def one(**row):
    base = {"order_id": "1", "shop": "S", "channel": "POP", "paid_at": PAID}
    base.update(row)
    return xlc.assess(pd.DataFrame([base]), as_of=row.pop("as_of", AS_OF)).iloc[0]


@pytest.mark.parametrize(
    "row, status, hours_late",
    [
        (dict(fulfilled_at="2024-04-17 10:00:00"), "on_time", None),
        (dict(fulfilled_at="2024-04-17 10:00:01"), "late", 1 / 3600),
        (dict(fulfilled_at="2024-04-18 13:30"), "late", 27.5),
        (dict(), "late", (dt.datetime(2024, 4, 20, 12) - DEADLINE).total_seconds() / 3600),
        (dict(as_of="2024-04-17 10:00"), "pending", None),
        (dict(as_of="2024-04-17 10:00:01"), "late", 1 / 3600),
        (dict(cancelled_at="2024-04-17 10:00"), "cancelled", None),
        (dict(cancelled_at="2024-04-17 12:00"), "late", 2.0),
        (dict(cancelled_at="2024-04-16 12:00", fulfilled_at="2024-04-16 11:00"), "on_time", None),
        (dict(channel="nope"), "error", None),
    ],
)
def test_status_table(row, status, hours_late):
    as_of = row.pop("as_of", AS_OF)
    base = {"order_id": "1", "shop": "S", "channel": "POP", "paid_at": PAID, **row}
    out = xlc.assess(pd.DataFrame([base]), as_of=as_of).iloc[0]
    assert out["status"] == status
    if hours_late is None:
        assert pd.isna(out["hours_late"])
    else:
        assert out["hours_late"] == pytest.approx(hours_late, abs=1e-9)


def test_returns_input_columns_as_given_plus_added():
    frame = pd.DataFrame({
        "订单号": ["a"], "模式": ["POP"], "付款时间": [PAID], "上网时间": ["2024-04-16"], "note": ["x"],
    })
    before = frame.copy()
    out = xlc.assess(frame, as_of=AS_OF)
    assert list(out.columns) == list(frame.columns) + list(xlc.ADDED_COLUMNS)
    pd.testing.assert_frame_equal(out[frame.columns], before)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert out["status"].iloc[0] == "on_time"


def test_alias_columns_merge_row_by_row():
    frame = pd.DataFrame({
        "channel": ["POP", "JIT"],
        "method": ["", "pickup"],
        "paid_at": [PAID, "2024-04-15 10:00"],
        "上网时间": ["2024-04-16 09:00", None],
        "揽收时间": [None, "2024-04-16 09:00"],
    })
    out = xlc.assess(frame, as_of=AS_OF)
    assert list(out["status"]) == ["on_time", "late"]


def test_bad_rows_do_not_change_good_rows():
    good = pd.DataFrame({
        "order_id": ["g1", "g2", "g3"],
        "channel": ["POP", "JIT", "jit"],
        "method": [None, "self", "上门揽收"],
        "paid_at": ["2024-04-19 10:00", "2024-04-30 15:00", "2024-04-15 14:00"],
        "last_month_sales": [None, 3, None],
        "fulfilled_at": ["2024-04-22 09:00", None, "2024-04-17 00:00"],
    })
    bad = pd.DataFrame({
        "order_id": ["b1", "b2", "b3", "b4", "b5", "g1"],
        "channel": ["POP", "POP", "JIT", "carrier", "POP", "POP"],
        "method": [None, None, "drone", None, None, None],
        "paid_at": ["yesterday", "2024-04-15", "2024-04-15", "2024-04-15", "#N/A", "2024-04-15"],
        "last_month_sales": [None, -3, None, None, None, None],
        "fulfilled_at": [None, None, None, None, None, None],
    })
    alone = xlc.assess(good, as_of=AS_OF)
    mixed = xlc.assess(pd.concat([bad.iloc[:3], good, bad.iloc[3:]], ignore_index=True), as_of=AS_OF)
    goods = mixed[mixed["order_id"].isin(["g1", "g2", "g3"]) & mixed["error"].isna()].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        goods[["deadline", "status", "hours_late", "rule_set"]].astype(object),
        alone[["deadline", "status", "hours_late", "rule_set"]].astype(object),
    )
    errors = mixed[mixed["status"] == "error"]
    assert len(errors) == 6
    messages = " | ".join(errors["error"])
    for needle in ("paid_at: not a date or time: 'yesterday'", "last_month_sales must not be negative",
                   "method: unknown value 'drone'", "channel: unknown value 'carrier'",
                   "paid_at: Excel error value #N/A", "order_id g1 repeats row 4"):
        assert needle in messages
    assert (errors["explanation"] == errors["error"]).all()
    assert errors["deadline"].isna().all()


@pytest.mark.parametrize(
    "row, field",
    [
        (dict(listed_at="2024-04-16"), "listed_at"),
        (dict(fulfilled_at="2024-04-15 09:59"), "fulfilled_at"),
        (dict(cancelled_at="2024-04-14"), "cancelled_at"),
        (dict(paid_at=""), "paid_at is blank"),
        (dict(channel=None), "channel is blank"),
        (dict(last_month_sales="2.5"), "whole number"),
        (dict(fulfilled_at=7), "fulfilled_at: Excel serial 7 is outside"),
    ],
)
def test_row_errors_name_the_field(row, field):
    out = one(**row)
    assert out["status"] == "error"
    assert field in out["error"]


def test_missing_required_columns_are_named():
    with pytest.raises(xlc.InputFileError, match="missing required column.*paid_at.*headers found: channel, foo"):
        xlc.assess(pd.DataFrame({"channel": ["POP"], "foo": [1]}))


def test_typed_and_mixed_columns_give_the_same_answers():
    paid = pd.to_datetime(["2024-04-19 10:00", "2024-04-15 14:00", "2024-04-30 15:00"])
    typed = pd.DataFrame({"channel": ["POP", "JIT", "JIT"], "method": [None, "pickup", "self"], "paid_at": paid})
    mixed = typed.copy()
    mixed["paid_at"] = pd.Series(
        [paid[0].to_pydatetime(), "2024-04-15T06:00:00Z", 45412 + 15 / 24], dtype=object
    )
    a = xlc.assess(typed, as_of=AS_OF)["deadline"]
    b = xlc.assess(mixed, as_of=AS_OF)["deadline"]
    pd.testing.assert_series_equal(a, b)


def test_explanations_are_plain_words():
    frame = pd.DataFrame({
        "channel": ["POP", "JIT", "JIT", "POP"],
        "method": [None, "pickup", "self", None],
        "paid_at": ["2024-04-19 10:00", "2024-04-15 15:00", "2024-04-30 15:00", "2024-03-01 10:00"],
        "listed_at": ["2024-04-07 10:00", None, None, "2024-02-28"],
        "last_month_sales": [None, 3, 50, None],
    })
    text = list(xlc.assess(frame, as_of=AS_OF)["explanation"])
    assert text[0] == (
        "relaxed-2024-04 (listed 12 days before payment): 72 h to first carrier scan, "
        "Sun 2024-04-21 not counted"
    )
    assert text[1] == (
        "relaxed-2024-04 (3 orders last month): pickup scan by T+2 23:59, "
        "T = Tue 2024-04-16 (paid at/after 14:00: next working day)"
    )
    assert text[2] == (
        "standard (listing date unknown, over 10 orders last month): 48 h to warehouse arrival, "
        "5 days not counted (Wed 2024-05-01 … Sun 2024-05-05)"
    )
    assert text[3] == "standard (paid before the relaxation of 2024-04-12): 48 h to first carrier scan"


def test_eligible_and_rule_set_columns():
    frame = pd.DataFrame({
        "channel": ["POP", "POP", "POP"],
        "paid_at": ["2024-05-31 12:00"] * 3,
        "listed_at": ["2024-05-01 12:00", "2024-05-01 11:59", None],
        "last_month_sales": [None, None, None],
    })
    out = xlc.assess(frame, as_of=AS_OF)
    assert list(out["eligible"]) == [True, False, False]
    assert list(out["rule_set"]) == ["relaxed-2024-04", "standard", "standard"]


def test_empty_frame():
    out = xlc.assess(pd.DataFrame({"channel": [], "paid_at": []}), as_of=AS_OF)
    assert len(out) == 0
    assert list(out.columns) == ["channel", "paid_at", *xlc.ADDED_COLUMNS]


def test_as_of_defaults_to_now():
    out = xlc.assess(pd.DataFrame({"channel": ["POP"], "paid_at": ["2024-01-02"]}))
    assert out["status"].iloc[0] == "late"  # long past


def test_index_is_kept():
    frame = pd.DataFrame({"channel": ["POP", "POP"], "paid_at": [PAID, "bad"]}, index=[10, 20])
    out = xlc.assess(frame, as_of=AS_OF)
    assert list(out.index) == [10, 20]
    assert list(out["status"]) == ["late", "error"]
    assert np.isnan(out.loc[20, "hours_late"])


def test_without_explanations_everything_else_is_the_same():
    from xlcompliance.io.sample import generate_orders

    orders = generate_orders(2_000, n_invalid=30)
    full = xlc.assess(orders, as_of=AS_OF)
    lean = xlc.assess(orders, as_of=AS_OF, explain=False)
    assert "explanation" not in lean.columns
    pd.testing.assert_frame_equal(lean, full.drop(columns="explanation"))
