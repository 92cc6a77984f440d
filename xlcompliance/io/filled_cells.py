"""The Orders-sheet values of the fields a real export lacks, as the assessment used them.

Both workbooks write, for listing date, last month's sales, fulfilment time and channel, the value
the engine decided on (the row's own value, else the products list / the sales derived from the
export / the earliest scan / the ``channel=`` value; for an order of several rows, the order's
deciding values on every row), so the sheet's own formulas recompute the engine's deadlines and
statuses. A cell whose value does not come from the row itself is *filled*: the workbooks mark it.
A value the row has but that does not parse stays as typed (the sheet then shows the row's error).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.orders import Orders

#: The fields whose cells may hold a value that is not the row's own.
FILLABLE = ("channel", "listed_at", "last_month_sales", "fulfilled_at")
#: Light blue: a value filled in from the products list, scans, derived sales or ``channel=``.
FILLED_COLOUR = "DDEBF7"
FILLED_NOTE_EN = (
    "Light blue cells in channel, listed_at, last_month_sales and fulfilled_at were not in the export: "
    "filled from the products list, the scans (earliest scan), the sales counted from the export "
    "itself, or the channel given for the whole file (for an order of several rows, the values that "
    "decide the whole order). order_line 1 is the row that counts for its order in the Summary."
)
FILLED_NOTE_ZH = (
    "channel、listed_at、last_month_sales、fulfilled_at 中的浅蓝色单元格不是导出本身的值：来自商品列表、"
    "物流记录（最早上网时间）、按导出统计的上月销量或为整个文件指定的模式（多行订单取决定整单的值）。"
    "order_line 为 1 的行在 Summary 中代表该订单。"
)


@dataclass(frozen=True)
class FilledField:
    """Per row: the value to write (a parsed value, or None to keep the raw cell) and whether it
    was filled in."""

    values: np.ndarray  # object: datetime64 / float / str, or None = write the raw cell
    filled: np.ndarray  # bool


def _blank(values) -> np.ndarray:
    series = pd.Series(values, dtype=object)
    return (series.isna() | series.astype(str).str.strip().eq("")).to_numpy()


def _own_channel_blank(orders: Orders) -> np.ndarray:
    names = orders.header_names.get("channel")
    if not names:
        return np.ones(len(orders), dtype=bool)
    return _blank(orders.frame[names[0]].astype(object).to_numpy())


def filled_fields(orders: Orders) -> dict[str, FilledField]:
    """What each fillable field's cells hold (see the module docstring)."""
    n = len(orders)
    inputs = orders.inputs
    out: dict[str, FilledField] = {}
    for name, used, own in (
        ("listed_at", inputs.listed, orders.listed_at),
        ("fulfilled_at", inputs.fulfilled, orders.fulfilled_at),
    ):
        ok = pd.isna(orders.field_errors[name]) & ~np.isnat(used)
        values = np.full(n, None, dtype=object)
        values[ok] = list(used[ok])
        filled = ok & (np.isnat(own) | (own != used))
        out[name] = FilledField(values, filled)
    sales, own_sales = np.asarray(inputs.sales, dtype=float), orders.last_month_sales
    ok = pd.isna(orders.field_errors["last_month_sales"]) & ~np.isnan(sales)
    values = np.full(n, None, dtype=object)
    values[ok] = sales[ok].astype(np.int64).tolist()
    filled = ok & (np.isnan(own_sales) | (own_sales != sales))
    out["last_month_sales"] = FilledField(values, filled)
    channel = orders.channel_names
    ok = pd.isna(orders.field_errors["channel"]) & pd.notna(channel)
    values = np.full(n, None, dtype=object)
    values[ok] = channel[ok]
    out["channel"] = FilledField(values, ok & _own_channel_blank(orders))
    return out


def order_lines(orders: Orders) -> np.ndarray | None:
    """Per row, 1 for the row that counts for its order (2, 3 ... other lines), or None when
    the export has one row per order."""
    lines = orders.inputs.order_line
    return None if lines is None else np.asarray(lines, dtype=np.int64)


__all__ = ["FILLABLE", "FILLED_COLOUR", "FILLED_NOTE_EN", "FILLED_NOTE_ZH", "FilledField", "filled_fields",
           "order_lines"]
