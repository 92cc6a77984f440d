"""Generated orders of several product lines each, rows in no particular order.

From the generated orders: each order gets one to three lines (rows sharing its order id), each
with a product of a long-tailed catalogue (a few products sell hundreds of orders a month, most
ten or fewer, so derived last month's sales relax some orders and not others). The listing date
and last month's sales columns are dropped, as in a seller's export: they are derived or joined.
The rows are shuffled, so an order's lines and a product's earlier orders are anywhere in the
file, and in any part of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .sample import generate_orders


def generate_order_lines(n_orders: int, *, seed: int = 20240412, catalogue: int = 60,
                         lines=(1, 1, 2, 3), **orders_kwargs) -> pd.DataFrame:
    """``order_id, product_id`` and the generated order columns, one row per product line;
    ``lines`` is drawn from for each order's number of lines."""
    rng = np.random.default_rng(seed)
    orders = generate_orders(n_orders, seed=seed, **orders_kwargs).drop(columns=["listed_at", "last_month_sales"])
    rows = orders.loc[orders.index.repeat(rng.choice(lines, size=len(orders)))].reset_index(drop=True)
    weight = 1.0 / np.arange(1, catalogue + 1) ** 1.3
    codes = np.array([f"SKU-{i:02d}" for i in range(catalogue)], dtype=object)
    rows["product_id"] = rng.choice(codes, size=len(rows), p=weight / weight.sum())
    rows = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)
    return rows[["order_id", "product_id", *[c for c in rows.columns if c not in ("order_id", "product_id")]]]


__all__ = ["generate_order_lines"]
