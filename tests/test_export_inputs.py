"""What fills a real export's gaps: product lines, listing dates, derived last month's sales, scans.

Tables derived by hand from the rules: relaxed-2024-04 applies from 2024-04-12 when the product
was listed 0..30 days before payment or sold <= 10 orders in the previous calendar month.
POP standard = 48 h, relaxed = 72 h, Sundays not counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlcompliance as xlc
from xlcompliance.core.assessment import assess as assess_frame
from xlcompliance.core.derived_sales import add_histories, derive_last_month_sales, derive_last_month_sales_slow
from xlcompliance.core.headers import InputFileError
from xlcompliance.core.orders import order_sales
from xlcompliance.core.product_info import split_product_info
from xlcompliance.io.line_sample import generate_order_lines

AS_OF = "2024-09-01"


def _orders(rows, columns=("order_id", "product_id", "paid_at")):
    frame = pd.DataFrame(rows, columns=list(columns))
    frame.insert(1, "channel", "POP")
    return frame


def _assess(frame, **kwargs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xlc.assess(frame, as_of=AS_OF, **kwargs)


# --- the 产品信息 cell ------------------------------------------------------------------------

ONE = "【1】Summer dress\n(产品属性: Color:Red Size:M)\n(产品数量: 2)\n(商家编码: DRESS-RED-M)"
CELLS = [  # cell -> [(position, title, quantity, seller code)]
    (ONE, [(1, "Summer dress", 2.0, "DRESS-RED-M")]),
    ("【1】Hat（产品属性：Color：Blue）（产品数量：1）（商家编码：HAT-1）【2】Scarf\n（产品数量： 3 ）\n（商家编码： SC-9 ）",
     [(1, "Hat", 1.0, "HAT-1"), (2, "Scarf", 3.0, "SC-9")]),
    ("  【 1 】  A\r\n(产品数量:1)\r\n(商家编码:A1)\r\n\r\n  【 2 】B\n(商家编码:B1)\n(产品数量:4)\n【3】C\n(产品数量:1)(商家编码:C1)",
     [(1, "A", 1.0, "A1"), (2, "B", 4.0, "B1"), (3, "C", 1.0, "C1")]),
    ("".join(f"[{k}]item {k}\n(产品数量: {k})\n(商家编码: K{k})\n" for k in range(1, 5)),
     [(k, f"item {k}", float(k), f"K{k}") for k in range(1, 5)]),
    ("".join(f"【{k}】P{k} (产品属性: size (EU) 4{k})\n(产品数量: 1)\n(商家编码: P-{k})\n" for k in range(1, 6)),
     [(k, f"P{k}", 1.0, f"P-{k}") for k in range(1, 6)]),
]


@pytest.mark.parametrize("cell, expected", CELLS)
def test_product_info_cell_splits_into_lines(cell, expected):
    lines, errors = split_product_info([cell])
    got = list(zip(lines["position"], lines["title"], lines["quantity"], lines["product_id"], strict=True))
    assert got == expected
    assert errors.tolist() == [None]


def test_product_info_cells_that_are_not_products():
    lines, errors = split_product_info(["", None, "just text", "【1】No code\n(产品数量: 1)"])
    assert lines["row"].tolist() == [3]
    assert errors[:2].tolist() == [None, None]
    assert errors[2].startswith("product_info: no product (【n】title) found in 'just text'")
    assert errors[3] == "product_info: product 【1】 has no 商家编码 (seller code)"


# --- derived last month's sales: hand-derived tables --------------------------------------------


def test_derived_counts_at_month_edges():
    # product P: orders paid 2024-04-30 23:59:59 (April), 2024-05-01 00:00:00 (May) and 2024-05-31
    # 23:59:59 (May); asked for orders paid in May and June. history_from 2024-04-01 covers April.
    paid = np.array(["2024-04-30T23:59:59", "2024-05-01T00:00:00", "2024-05-31T23:59:59",
                     "2024-06-01T00:00:00"], dtype="datetime64[us]")
    got = derive_last_month_sales(np.array(["P"] * 4, dtype=object), np.arange(4), paid, np.ones(4, bool),
                                  np.datetime64("2024-04-01", "us"))
    # April row asks for March: history_from 04-01 is after March's first instant -> unknown
    # May rows ask for April: 1 order; the June row asks for May: 2 orders
    assert np.array_equal(got.count, [np.nan, 1, 1, 2], equal_nan=True)
    assert got.month.tolist() == ["2024-03", "2024-04", "2024-04", "2024-05"]


def test_coverage_starting_mid_month_leaves_that_month_unknown():
    paid = np.array(["2024-04-15T10:00", "2024-04-20T10:00", "2024-05-10T10:00", "2024-06-10T10:00"],
                    dtype="datetime64[us]")
    products = np.array(["P"] * 4, dtype=object)
    default = derive_last_month_sales(products, np.arange(4), paid, np.ones(4, bool))  # from 04-15 10:00
    assert np.array_equal(default.count, [np.nan, np.nan, np.nan, 1], equal_nan=True)  # April not covered
    exact = derive_last_month_sales(products, np.arange(4), paid, np.ones(4, bool), np.datetime64("2024-04-01"))
    assert np.array_equal(exact.count, [np.nan, np.nan, 2, 1], equal_nan=True)
    one_us_late = derive_last_month_sales(products, np.arange(4), paid, np.ones(4, bool),
                                          np.datetime64("2024-04-01T00:00:00.000001"))
    assert np.isnan(one_us_late.count[2])


def test_cancelled_orders_and_lines_of_one_order_count_once():
    # April: order 1 (two lines of P), order 2 cancelled, order 3 of another product; May: order 4.
    frame = pd.DataFrame({
        "order_id": ["1", "1", "2", "3", "4"],
        "product_id": ["P", "P2", "P", "Q", "P"],
        "channel": "POP",
        "paid_at": ["2024-04-02 10:00", "2024-04-02 10:00", "2024-04-03 10:00", "2024-04-04 10:00",
                    "2024-05-06 10:00"],
        "cancelled_at": ["", "", "2024-04-03 12:00", "", ""],
    })
    out = _assess(frame, history_from="2024-04-01")
    assert out["derived_last_month_sales"].iloc[4] == 1  # order 1 only: 2 is cancelled


@pytest.mark.parametrize("sold, relaxed", [(10, True), (11, False)])
def test_a_product_with_10_and_11_orders_last_month(sold, relaxed):
    april = [(f"A{i}", "P", f"2024-04-{i + 1:02d} 10:00") for i in range(sold)]
    may = [("M1", "P", "2024-05-13 10:00")]  # Monday; listed long ago (no products file: unknown)
    out = _assess(_orders(april + may), history_from="2024-04-01")
    row = out.iloc[-1]
    assert row["derived_last_month_sales"] == sold
    assert bool(row["eligible"]) is relaxed
    assert row["deadline"] == pd.Timestamp("2024-05-16 10:00" if relaxed else "2024-05-15 10:00")
    assert f"{sold} order(s) of P in 2024-04" in row["explanation"]


def test_sales_month_not_in_the_export_is_said():
    out = _assess(_orders([("1", "P", "2024-05-13 10:00")]))
    assert np.isnan(out["derived_last_month_sales"].iloc[0])
    assert not out["eligible"].iloc[0]
    assert "sales of 2024-04 not in the export" in out["explanation"].iloc[0]


def test_a_value_in_the_row_wins_over_the_derived_one():
    frame = _orders([("A1", "P", "2024-04-02 10:00"), ("M1", "P", "2024-05-13 10:00")])
    frame["last_month_sales"] = ["", "50"]
    out = _assess(frame, history_from="2024-04-01")
    assert not out["eligible"].iloc[1] and np.isnan(out["derived_last_month_sales"].iloc[1])


# --- product lines -----------------------------------------------------------------------------

PRODUCTS = pd.DataFrame({"商品ID": ["NEW", "OLD"], "创建时间": ["2024-05-01", "2023-01-01"]})


def test_multi_line_order_with_one_ineligible_line_is_not_relaxed():
    # Order X: NEW (listed 12 days before) qualifies, OLD (old, sales of April unknown) does not.
    frame = _orders([("X", "NEW", "2024-05-13 10:00"), ("X", "OLD", "2024-05-13 10:00"),
                     ("Y", "NEW", "2024-05-13 10:00")])
    frame["fulfilled_at"] = ["2024-05-16 09:00", "2024-05-16 09:00", "2024-05-16 09:00"]
    out = _assess(frame, products=PRODUCTS)
    assert out["eligible"].tolist() == [False, False, True]
    assert out["deadline"].tolist() == [pd.Timestamp("2024-05-15 10:00")] * 2 + [pd.Timestamp("2024-05-16 10:00")]
    assert out["status"].tolist() == ["late", "late", "on_time"]
    assert out["order_line"].tolist() == [1, 2, 1]
    assert "order of 2 product lines; OLD does not qualify" in out["explanation"].iloc[0]
    summary = xlc.monthly_summary(out, as_of=AS_OF)
    assert summary[["assessed", "on_time", "late"]].values.tolist() == [[2, 1, 1]]  # X counted once


def test_every_line_must_be_fulfilled():
    frame = _orders([("X", "NEW", "2024-05-13 10:00"), ("X", "OLD", "2024-05-13 10:00")])
    frame["fulfilled_at"] = ["2024-05-14 09:00", ""]
    out = _assess(frame, products=pd.DataFrame({"商品ID": ["NEW", "OLD"], "创建时间": "2024-05-01"}))
    assert out["status"].tolist() == ["late", "late"]  # the order is not shipped until OLD is


def test_repeated_order_and_product_is_a_duplicate_and_disagreements_are_errors():
    frame = _orders([("X", "P", "2024-05-13 10:00"), ("X", "P", "2024-05-13 10:00"),
                     ("Z", "P", "2024-05-13 10:00"), ("Z", "Q", "2024-05-14 10:00")])
    out = _assess(frame)
    assert out["error"].iloc[1] == "order_id X product_id P repeats row 1; only the first is assessed"
    assert out["error"].iloc[2] == out["error"].iloc[3] == (
        "lines of order Z disagree on paid_at (row 3: 2024-05-13 10:00:00; row 4: 2024-05-14 10:00:00)")
    assert out["status"].tolist() == ["late", "error", "error", "error"]


def test_without_product_ids_a_repeated_order_id_is_still_a_duplicate():
    frame = pd.DataFrame({"order_id": ["X", "X"], "channel": "POP", "paid_at": "2024-05-13 10:00"})
    out = _assess(frame)
    assert out["error"].iloc[1] == "order_id X repeats row 1; only the first is assessed"
    assert "order_line" not in out.columns


def test_classic_export_cell_with_two_products():
    frame = pd.DataFrame({
        "订单号": ["8001", "8002"],
        "付款时间": ["2024-05-13 10:00", "2024-05-13 10:00"],
        "产品信息": ["【1】New\n(产品数量: 1)\n(商家编码: NEW)\n【2】Old\n(产品数量: 2)\n(商家编码: OLD)",
                 "【1】New\n(产品数量: 1)\n(商家编码: NEW)"],
    })
    out = _assess(frame, products=PRODUCTS, channel="POP")
    assert out["eligible"].tolist() == [False, True]
    assert "OLD does not qualify" in out["explanation"].iloc[0]


def test_classic_export_without_channel_names_the_option():
    frame = pd.DataFrame({"订单号": ["1"], "付款时间": ["2024-05-13 10:00"]})
    with pytest.raises(InputFileError, match=r"channel='POP' or 'JIT' \(command line: --channel POP\|JIT\)"):
        xlc.assess(frame)


# --- listing dates and scans ------------------------------------------------------------------


def test_listing_dates_join_own_value_wins_conflicts_and_missing():
    products = pd.DataFrame({"产品ID": ["NEW", "TWO", "TWO"], "首次上架时间": ["2024-05-01", "2024-05-01", "2024-05-02"]})
    frame = _orders([("1", "NEW", "2024-05-13 10:00"), ("2", "TWO", "2024-05-13 10:00"),
                     ("3", "GONE", "2024-05-13 10:00"), ("4", "NEW", "2024-05-13 10:00")])
    frame["listed_at"] = ["", "", "", "2023-01-01"]
    with pytest.warns(UserWarning, match=r"products: 1 product\(s\) of the orders are not in the products file"):
        out = xlc.assess(frame, as_of=AS_OF, products=products)
    assert out["eligible"].tolist()[0] is True and out["eligible"].tolist()[3] is False
    assert out["error"].iloc[1] == ("listed_at: product TWO has 2 different listing dates in the products file "
                                    "(2024-05-01 00:00:00, 2024-05-02 00:00:00)")
    assert out["eligible"].iloc[2] is False or not out["eligible"].iloc[2]


def test_scans_fill_fulfilled_at_earliest_and_own_value_wins():
    frame = pd.DataFrame({
        "订单号": ["1", "2", "3"], "模式": "POP", "付款时间": "2024-05-13 10:00",
        "运单号": ["Cainiao:LP001", "LP002", "LP003"],
        "上网时间": ["", "", "2024-05-20 10:00"],
    })
    scans = pd.DataFrame({"运单号": ["lp001", "LP001", "LP003"], "订单号": ["", "", ""],
                          "上网时间": ["2024-05-14 09:00", "2024-05-16 09:00", "2024-05-14 09:00"]})
    scans.loc[3] = ["", "2", "2024-05-17 09:00"]
    out = _assess(frame, scans=scans)
    assert out["status"].tolist() == ["on_time", "late", "late"]  # 3 keeps its own (late) scan


def test_platform_deadline_gap():
    frame = pd.DataFrame({"order_id": ["1"], "channel": "POP", "paid_at": "2024-05-13 10:00",
                          "发货期限": "2024-05-15 04:00"})
    out = _assess(frame)
    assert out["deadline_gap_hours"].iloc[0] == 6.0  # ours 05-15 10:00 minus theirs 04:00


# --- the derivation against its literal reading -----------------------------------------------

moments = st.datetimes(pd.Timestamp("2024-01-01").to_pydatetime(), pd.Timestamp("2024-06-30").to_pydatetime())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.tuples(st.sampled_from(["P", "Q", None]), st.integers(0, 6), moments | st.none(), st.booleans()),
                   max_size=30),
    history=st.none() | moments,
)
def test_derivation_matches_the_literal_rule(lines, history):
    products = np.array([p for p, *_ in lines], dtype=object)
    orders = np.array([o for _, o, *_ in lines], dtype=np.int64)
    paid = np.array([np.datetime64(t, "us") if t else np.datetime64("NaT", "us") for _, _, t, _ in lines],
                    dtype="datetime64[us]")
    counts = np.array([c for *_, c in lines], dtype=bool)
    start = None if history is None else np.datetime64(history, "us")
    fast = derive_last_month_sales(products, orders, paid, counts, start).count
    slow = derive_last_month_sales_slow(list(products), list(orders), list(paid), list(counts),
                                        None if history is None else pd.Timestamp(history))
    assert np.array_equal(fast, slow, equal_nan=True)


# --- an export assessed in parts that hold whole orders (the Dask backend's buckets) ------------


def test_parts_holding_whole_orders_add_up_to_the_export_and_assess_as_it_does():
    lines = generate_order_lines(700, seed=4, months=3)
    lines.loc[len(lines)] = lines.iloc[3]  # a repeated line, cited by its row in the whole export
    mine = lines["order_id"].astype(str).str[-1].isin(list("01234")).to_numpy()
    whole = order_sales(lines)
    parts = [order_sales(lines[mine]), order_sales(lines[~mine])]
    added = add_histories(parts)
    assert len(whole.table) > 100 and all(len(p.table) < len(whole.table) for p in parts)
    pd.testing.assert_frame_equal(added.table, add_histories([whole]).table)  # the same, in one order
    assert added.table["orders"].sum() == whole.table["orders"].sum()
    assert added.earliest == whole.earliest == min(p.earliest for p in parts)

    expected = _assess(lines)
    rows = np.flatnonzero(mine if mine[-1] else ~mine)  # the part holding the repeated line
    alone = _assess(lines.iloc[rows])
    got = assess_frame(lines.iloc[rows], as_of=AS_OF, _sales_history=whole, _row_numbers=rows)
    pd.testing.assert_frame_equal(got.astype({"explanation": object}),  # categories: those of the rows
                                  expected.iloc[rows].astype({"explanation": object}))
    assert not alone["derived_last_month_sales"].fillna(-1).equals(got["derived_last_month_sales"].fillna(-1))
    assert got["error"].iloc[-1] == expected["error"].iloc[-1] and "repeats row 4;" in got["error"].iloc[-1]
    assert order_sales(lines.drop(columns="product_id")) is None  # one row per order: nothing derived
