"""Listing dates from a products list, joined to order lines on the product id.

A products list (商品列表) gives each product's first listing time (创建时间, 上架时间 ...). It is
keyed by ``product_id`` and, where the list has one, by the seller code (商家编码) too, since the
classic order export names products by seller code. A key listed with two different dates is an
error on the lines that use it (naming both dates); a product the list lacks is unknown (the
strict rule then treats it as not newly listed), counted for one warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .headers import InputFileError, canonical_series
from .parsing import excel_error_messages, first_errors, parse_datetimes
from .product_lines import text_keys


@dataclass(frozen=True)
class ListingDates:
    """Per line: the listing date (NaT when unknown), an error (two dates for the product) and
    whether the products list has the product at all; plus the unreadable products rows."""

    listed: np.ndarray
    errors: np.ndarray
    found: np.ndarray
    bad_rows: list[str]


def product_listing_table(products: pd.DataFrame, tz: str, headers: dict | None = None):
    """``(keys, dates_text_per_key, date)`` from a products frame: one row per distinct
    (key, date); unreadable rows are reported, not used."""
    cols = canonical_series(products, "products", headers)
    if "listed_at" not in cols or not ({"product_id", "seller_code"} & set(cols)):
        shown = ", ".join(str(c) for c in list(products.columns)[:20]) or "(none)"
        raise InputFileError(
            f"products: needs a product id (or 商家编码) column and a listing date column; headers found: {shown}"
        )
    listed, errs = parse_datetimes(cols["listed_at"].reset_index(drop=True), "listed_at", tz)
    keys = [name for name in ("product_id", "seller_code") if name in cols]
    errs = first_errors(*(excel_error_messages(cols[name], name) for name in keys), errs)
    listed[pd.notna(errs)] = np.datetime64("NaT", "us")  # a row with an Excel error is left out whole
    bad_rows = [f"products row {i + 1}: {errs[i]}" for i in np.flatnonzero(errs != None)]  # noqa: E711
    frames = []
    for name in keys:
        frames.append(pd.DataFrame({"key": text_keys(cols[name]), "listed": listed}))
    table = pd.concat(frames, ignore_index=True)
    table = table[table["key"].notna() & ~np.isnat(table["listed"].to_numpy())]
    return table.drop_duplicates(), bad_rows


def join_listing_dates(
    product_ids, products: pd.DataFrame, tz: str, headers: dict | None = None
) -> ListingDates:
    """The listing date of every line's product (see the module docstring)."""
    keys = text_keys(product_ids)
    n = len(keys)
    table, bad_rows = product_listing_table(products, tz, headers)
    distinct = table.groupby("key", sort=False)["listed"].agg(["min", "max", "nunique"])
    index = distinct.index.get_indexer(pd.Index(keys, dtype=object))
    found = index >= 0
    listed = np.full(n, np.datetime64("NaT", "us"))
    listed[found] = distinct["min"].to_numpy(dtype="datetime64[us]")[index[found]]
    errors = np.empty(n, dtype=object)
    conflicting = np.zeros(n, dtype=bool)  # (no readable product row at all: none conflicts)
    conflicting[found] = distinct["nunique"].to_numpy()[index[found]] > 1
    if conflicting.any():
        for key in np.unique(keys[conflicting].astype(str)):
            dates = sorted(table.loc[table["key"] == key, "listed"].unique())
            shown = ", ".join(str(pd.Timestamp(d)) for d in dates[:4])
            msg = f"listed_at: product {key} has {len(dates)} different listing dates in the products file ({shown})"
            errors[conflicting & (keys == key)] = msg
        listed[conflicting] = np.datetime64("NaT", "us")
    return ListingDates(listed, errors, found, bad_rows)


__all__ = ["ListingDates", "join_listing_dates", "product_listing_table"]
