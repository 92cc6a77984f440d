"""=LAST_MONTH_SALES(product_id, paid_at, orders, [history_from]): the Excel function gives the
count assess derives, from Excel-shaped values (2-D blocks, datetimes, blanks as None)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import xlcompliance as xlc
from xlcompliance.excel import functions as fn

D = dt.datetime
ORDERS = [
    ["order_id", "product_id", "paid_at", "cancelled_at"],
    ["1", "P", D(2024, 4, 1, 0, 0), None],
    ["1", "Q", D(2024, 4, 1, 0, 0), None],
    ["2", "P", D(2024, 4, 30, 23, 59, 59), None],
    ["3", "P", D(2024, 4, 10), D(2024, 4, 10, 1)],  # cancelled: not a sale
    ["4", "P", D(2024, 5, 2), None],
    ["5", "Q", D(2024, 5, 31, 23, 59, 59), None],
]


def test_hand_derived_counts():
    assert fn.last_month_sales("P", D(2024, 5, 15), ORDERS) == 2  # orders 1 and 2 in April
    assert fn.last_month_sales("Q", D(2024, 6, 1), ORDERS) == 1  # order 5 in May
    assert fn.last_month_sales("R", D(2024, 5, 15), ORDERS) == 0  # covered, never sold
    assert fn.last_month_sales("P", D(2024, 4, 15), ORDERS) == ""  # March is not in the table
    assert fn.last_month_sales("P", D(2024, 4, 15), ORDERS, D(2024, 3, 1)) == 0
    assert fn.last_month_sales("P", D(2024, 5, 15), ORDERS, D(2024, 4, 1, 0, 0, 1)) == ""  # April not whole


def test_columns_spill_and_bad_cells_are_errors():
    got = fn.last_month_sales([["P"], ["Q"], ["P"], [None]], [[D(2024, 5, 15)], [D(2024, 5, 15)], ["soon"],
                                                            [D(2024, 5, 15)]], ORDERS)
    assert got[:2] == [[2], [1]]
    assert fn.__dict__["xv"].is_error_value(got[2][0]) and got[3] == [""]


def test_the_same_count_as_assess():
    frame = pd.DataFrame(ORDERS[1:], columns=ORDERS[0])
    frame["channel"] = "POP"
    assessed = xlc.assess(frame, as_of="2024-07-01")
    expected = assessed["derived_last_month_sales"].tolist()
    got = fn.last_month_sales([[r[1]] for r in ORDERS[1:]], [[r[2]] for r in ORDERS[1:]], ORDERS)
    assert [("" if pd.isna(e) else int(e)) for e in expected] == [g[0] for g in got]
