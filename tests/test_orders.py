"""The parse-once boundary: one parse of the raw columns, consumed by every later step.

Regression cases for answers that went wrong when a consumer re-read the raw columns its own way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.core import assessment
from xlcompliance.core.assessment import assess_orders
from xlcompliance.core.orders import ORDER_COLUMNS, parse_orders
from xlcompliance.core.scenarios import Levers, priority_list, what_if
from xlcompliance.notebook import accessor

AS_OF = "2024-06-01 00:00"


def self_send(channel: str, n: int = 10) -> pd.DataFrame:
    """n JIT self-send orders paid on a Monday, arriving 20 h later (48 h allowed: on time)."""
    return pd.DataFrame({
        "order_id": [f"A{i}" for i in range(n)],
        "shop": "S",
        "channel": channel,
        "method": "自寄",
        "paid_at": "2024-05-06 10:00",
        "fulfilled_at": "2024-05-07 06:00",
        "last_month_sales": 50,
    })


@pytest.mark.parametrize("channel", ["JIT", "jit", " 仓发 "])
def test_jit_delay_lever_reaches_jit_orders_whatever_the_channel_alias(channel):
    result = what_if(
        xlc.assess(self_send(channel), as_of=AS_OF), shop="S", month="2024-05",
        levers=Levers(jit_shift_hours=72), as_of=AS_OF,
    )
    assert (int(result.baseline["late"]), int(result.scenario["late"])) == (0, 10)
    assert set(result.flips["channel"]) == {"JIT"}


def test_priority_list_names_channels_canonically():
    orders = self_send("仓发", 2).assign(fulfilled_at=None)
    listed = priority_list(xlc.assess(orders, as_of="2024-05-06 12:00"), as_of="2024-05-06 12:00")
    assert list(listed["channel"]) == ["JIT", "JIT"] and list(listed["method"]) == ["self", "self"]


def test_accessor_does_not_reassess_an_assessment_without_explanations(monkeypatch):
    assessed = xlc.assess(self_send("JIT"), as_of=AS_OF, explain=False)
    assert assessment.is_assessed(assessed)

    def refuse(*args, **kwargs):
        raise AssertionError("assessed again")

    monkeypatch.setattr(accessor, "assess_orders", refuse)
    summary = assessed.xlc.summary(as_of=AS_OF)
    assert int(summary["on_time"].sum()) == 10


def test_orders_are_parsed_once_for_the_whole_chain(monkeypatch):
    """assess_orders -> monthly_summary -> reconcile -> what_if: one parse of the raw columns.

    (Scenarios re-assess their own rewritten, already typed inputs; those are not the export.)
    """
    raw = self_send("仓发")
    calls = []
    real = assessment.parse_orders

    def counting(frame, **kwargs):
        calls.append(frame is raw or set(frame.columns) >= set(raw.columns) and "status" in frame)
        return real(frame, **kwargs)

    monkeypatch.setattr(assessment, "parse_orders", counting)
    result = assess_orders(raw, as_of=AS_OF)
    xlc.monthly_summary(result, as_of=AS_OF)
    xlc.reconcile(result, None, as_of=AS_OF)
    what_if(result, shop="S", month="2024-05", as_of=AS_OF)
    priority_list(result, as_of=AS_OF)
    assert sum(calls) == 1


def test_an_assessed_frame_and_its_assessed_pair_give_the_same_answers():
    s = xlc.sample()
    result = assess_orders(s.orders, as_of=s.as_of)
    frame = xlc.assess(s.orders, as_of=s.as_of)
    pd.testing.assert_frame_equal(result.frame, frame)
    pd.testing.assert_frame_equal(
        xlc.monthly_summary(result, s.penalties, as_of=s.as_of), xlc.monthly_summary(frame, s.penalties, as_of=s.as_of)
    )
    a = xlc.reconcile(result, s.penalties, s.refunds, as_of=s.as_of)
    b = xlc.reconcile(frame, s.penalties, s.refunds, as_of=s.as_of)
    for name in ("summary", "appeals", "penalties", "refunds"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_parse_orders_types_every_field_and_keeps_the_frame():
    frame = pd.DataFrame({
        "订单号": [" 1 ", "2", None],
        "店铺": [" Shop ", None, "X"],
        "模式": ["仓发", "pop", "nope"],
        "付款时间": ["2024-05-06 10:00", "2024/5/7 9:07", "2024-05-08"],
        "上架时间": [None, "2024-05-08 00:00", None],
        "上月销量": ["3", "", "x"],
        "extra": [1, 2, 3],
    })
    before = frame.copy()
    orders = parse_orders(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert orders.frame is frame and len(orders) == 3
    assert list(orders.order_ids) == ["1", "2", ""]
    assert list(orders.shops) == ["Shop", "", "X"]
    assert list(orders.channel_names) == ["JIT", "POP", None]
    assert list(orders.method_names) == [None, None, None]
    assert orders.paid_at[1] == np.datetime64("2024-05-07T09:07")
    assert np.isnan(orders.last_month_sales[1]) and orders.last_month_sales[0] == 3
    assert orders.error[0] is None
    assert "listed_at" in orders.error[1] and "after paid_at" in orders.error[1]
    assert "channel: unknown value 'nope'" in orders.error[2] and "last_month_sales" in orders.error[2]
    assert orders.columns_besides(["order_id", "channel"]) == ["店铺", "付款时间", "上架时间", "上月销量", "extra"]
    assert orders.columns_besides(ORDER_COLUMNS) == ["extra"]
