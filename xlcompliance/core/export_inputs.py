"""Filling what a seller's export lacks: listing dates, last month's sales, first scans, and
one order out of several product lines.

:func:`resolve_export_inputs` works on parsed columns and returns, per order row, the listing
date and sales that stand for the whole order (the line that decides its eligibility), the
fulfilled time with scans filled in, the line errors, and what each derived value was, for the
row's explanation. Values in the order row itself always win over derived ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .derived_sales import SalesHistory, derive_last_month_sales, sales_history
from .listing import join_listing_dates
from .order_ids import duplicate_errors
from .parsing import as_us, excel_error_messages, message_rows
from .product_info import split_product_info
from .product_lines import conflict_errors, order_groups, repeated_line_errors, representatives, text_keys
from .rules import Rules
from .scans import earliest_scans

NAT = np.datetime64("NaT", "us")


@dataclass
class ExportInputs:
    """Per order row (length n) unless said otherwise."""

    listed: np.ndarray  # the deciding line's listing date
    sales: np.ndarray  # the deciding line's last month's sales (given or derived; NaN unknown)
    fulfilled: np.ndarray  # the row's own value, else the earliest scan
    errors: np.ndarray  # duplicates, repeated lines, conflicts, products with two dates ...
    order_line: np.ndarray | None  # 1 for the row that counts for its order, 2, 3 ... for other lines
    counted_row: np.ndarray | None  # per row, the row that counts for its order
    derived: np.ndarray | None  # derived count for the deciding line (NaN unknown), None if not derived
    notes: np.ndarray | None  # per row, extra explanation text (None where nothing to add)
    scanned: np.ndarray | None = None  # per row, the earliest scan from the scans table
    warnings: list[str] = field(default_factory=list)


LINE_FIELDS = ("product_id", "product_info")  # either one: an order may take several rows


def has_product_lines(fields) -> bool:
    """Whether an order table with these canonical fields has product lines (rows of an order)."""
    return any(name in fields for name in LINE_FIELDS)


def _lines(n: int, cols: dict, row_products: np.ndarray | None):
    """(line_row, line_product, info_errors): one line per product; rows without products keep
    one line with no product."""
    if "product_info" in cols:
        lines, info_errors = split_product_info(cols["product_info"])
        # a cell holding an Excel error (#N/A) is that row's error already (see parse_orders)
        info_errors[message_rows(excel_error_messages(cols["product_info"], "product_info"))] = None
        line_row = lines["row"].to_numpy(dtype=np.int64)
        line_product = lines["product_id"].to_numpy(dtype=object)
        lonely = np.setdiff1d(np.arange(n), line_row)
        line_row = np.concatenate([line_row, lonely])
        fill = row_products[lonely] if row_products is not None else np.empty(len(lonely), dtype=object)
        line_product = np.concatenate([line_product, fill])
        order = np.argsort(line_row, kind="stable")
        return line_row[order], line_product[order], info_errors
    products = row_products if row_products is not None else np.empty(n, dtype=object)
    return np.arange(n, dtype=np.int64), products, np.empty(n, dtype=object)


def resolve_export_inputs(
    cols: dict,
    n: int,
    *,
    paid: np.ndarray,
    channel: np.ndarray,
    listed: np.ndarray,
    sales: np.ndarray,
    fulfilled: np.ndarray,
    cancelled: np.ndarray,
    row_valid: np.ndarray,
    rules: Rules,
    products: pd.DataFrame | None = None,
    scans: pd.DataFrame | None = None,
    history_from=None,
    headers: dict | None = None,
    duplicates: np.ndarray | None = None,
    sales_history: SalesHistory | None = None,
    row_numbers: np.ndarray | None = None,
) -> ExportInputs:
    """See the module docstring. ``row_valid`` = rows whose own fields parsed. For rows that are
    part of a larger export (split by order id, so every order's lines are here): ``duplicates``
    replaces the repeated-order-id check, ``sales_history`` the sales counted in these rows alone, and
    ``row_numbers`` (0-based) the rows' positions cited in line messages."""
    from .deadlines import select_rule_sets

    tz = rules.timezone
    warnings: list[str] = []
    order_ids = cols.get("order_id")
    row_products = text_keys(cols["product_id"]) if "product_id" in cols else None
    has_lines = has_product_lines(cols)

    fulfilled, scanned = _with_scans(cols, n, fulfilled, scans, tz, headers, warnings)
    if not has_lines and products is None:  # an export of one row per order: nothing to fill but scans
        if duplicates is None:
            duplicates = (duplicate_errors(order_ids.reset_index(drop=True)) if order_ids is not None
                          else np.empty(n, dtype=object))
        return ExportInputs(listed, sales.astype(float, copy=False), fulfilled, duplicates, None, None, None, None,
                            scanned=scanned, warnings=warnings)

    # one order out of several rows: groups, repeated lines, disagreements
    id_keys = text_keys(order_ids) if order_ids is not None else None
    groups = order_groups(order_ids, keys=id_keys) if order_ids is not None else np.arange(n, dtype=np.int64)
    if order_ids is None:
        errors = duplicates if duplicates is not None else np.empty(n, dtype=object)
    elif not has_lines:
        errors = duplicates if duplicates is not None else duplicate_errors(order_ids.reset_index(drop=True))
    else:
        row_key = row_products if row_products is not None else text_keys(cols["product_info"])
        errors = repeated_line_errors(groups, order_ids, row_key, keys=id_keys, rows=row_numbers)
        shop = text_keys(cols["shop"]) if "shop" in cols else np.empty(n, dtype=object)
        conflicts = conflict_errors(groups, order_ids, {"paid_at": paid, "shop": shop, "channel": channel},
                                    keys=id_keys, rows=row_numbers)
        errors = _join(errors, conflicts)

    line_row, line_product, info_errors = _lines(n, cols, row_products)
    errors = _join(errors, info_errors)

    # listing dates: the row's own value, else the products list
    line_listed = listed[line_row].copy()
    line_errors = np.empty(len(line_row), dtype=object)
    if products is not None:
        joined = join_listing_dates(line_product, products, tz, headers)
        own = ~np.isnat(line_listed)
        line_listed = np.where(own, line_listed, joined.listed)
        line_errors = np.where(own, None, joined.errors)
        missing = ~own & ~joined.found & pd.notna(line_product)
        if missing.any():
            count = len(np.unique(line_product[missing].astype(str)))
            warnings.append(f"products: {count} product(s) of the orders are not in the products file; "
                            "their listing date is unknown")
        if joined.bad_rows:
            warnings.append(f"products: {len(joined.bad_rows)} row(s) could not be read and were left out; "
                            f"first: {joined.bad_rows[0]}")

    # last month's sales: the row's own value, else derived from the export
    line_sales = sales[line_row].astype(float)
    derived = notes = None
    if has_lines:
        counts = _counted_lines(line_row, paid, cancelled, fulfilled, rules)
        start = None if history_from is None else np.datetime64(pd.Timestamp(history_from).as_unit("us"))
        result = derive_last_month_sales(line_product, groups[line_row], paid[line_row], counts, start,
                                         history=sales_history)
        own = ~np.isnan(line_sales)
        line_sales = np.where(own, line_sales, result.count)
        derived_line = np.where(own, np.nan, result.count)

    # the line that decides each order's eligibility
    line_valid = row_valid[line_row] & pd.isna(line_errors) & pd.isna(errors[line_row])
    _, qualifies, _ = select_rule_sets(as_us(paid[line_row]), as_us(line_listed), line_sales, rules)
    line_groups = groups[line_row]
    chosen = representatives(line_groups, qualifies, line_valid, rules.every_line_qualifies)
    first_line = np.searchsorted(line_row, np.arange(n))
    deciding = chosen[first_line]
    # a row's own line errors (a product with two dates) make the row an error
    row_line_errors = pd.Series(line_errors).groupby(line_row).first().reindex(range(n)).to_numpy(dtype=object)
    errors = _join(errors, row_line_errors)

    order_line = counted_row = None
    if has_lines:
        valid = row_valid & pd.isna(errors)
        rank = np.lexsort((np.arange(n), ~valid, groups))
        starts = np.r_[True, groups[rank][1:] != groups[rank][:-1]] if n else np.empty(0, bool)
        start_pos = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else np.empty(0, np.int64)
        order_line = np.empty(n, dtype=np.int64)
        order_line[rank] = np.arange(n) - start_pos + 1
        counted_row = np.empty(n, dtype=np.int64)
        counted_row[rank] = rank[start_pos]
        fulfilled = _whole_order_fulfilled(fulfilled, groups, valid)
        derived = derived_line[deciding]
        notes = _notes(line_product, derived_line, result.month, result.covered, line_groups, qualifies,
                       deciding, n, line_row)
    return ExportInputs(line_listed[deciding], line_sales[deciding], fulfilled, errors, order_line, counted_row,
                        derived, notes, scanned=scanned, warnings=warnings)


def _with_scans(cols: dict, n: int, fulfilled: np.ndarray, scans, tz: str, headers, warnings: list):
    """(fulfilled, scanned): fulfilled_at filled from the scans (the row's own value wins), and
    the earliest scan found per row (None without scans)."""
    if scans is None:
        return fulfilled, None
    order_ids = cols.get("order_id")
    if order_ids is None and "tracking_no" not in cols:
        from .headers import InputFileError

        raise InputFileError("scans: the orders have neither an order id nor a tracking number (运单号) to match")
    found = earliest_scans(order_ids if order_ids is not None else [None] * n, cols.get("tracking_no"), scans, tz,
                           headers)
    if found.bad_rows:
        warnings.append(f"scans: {len(found.bad_rows)} row(s) could not be read and were left out; "
                        f"first: {found.bad_rows[0]}")
    return np.where(np.isnat(fulfilled), found.fulfilled, fulfilled), found.fulfilled


def _counted_lines(line_row, paid, cancelled, fulfilled, rules: Rules) -> np.ndarray:
    """Per line, whether its order counts as a sale (paid; not cancelled, per the rules)."""
    counts = ~np.isnat(paid[line_row])
    if rules.sales_exclude_cancelled:
        counts &= np.isnat(cancelled[line_row]) | ~np.isnat(fulfilled[line_row])
    return counts


def sales_contribution(cols: dict, n: int, *, paid: np.ndarray, fulfilled: np.ndarray, cancelled: np.ndarray,
                       rules: Rules, scans: pd.DataFrame | None = None,
                       headers: dict | None = None) -> SalesHistory | None:
    """What these rows alone count toward derived last month's sales (None without product
    lines), as :func:`resolve_export_inputs` counts them: for a part of an export holding whole
    orders, whose parts' histories add up to the export's."""
    row_products = text_keys(cols["product_id"]) if "product_id" in cols else None
    if row_products is None and "product_info" not in cols:
        return None
    fulfilled, _ = _with_scans(cols, n, fulfilled, scans, rules.timezone, headers, [])
    order_ids = cols.get("order_id")
    groups = order_groups(order_ids) if order_ids is not None else np.arange(n, dtype=np.int64)
    line_row, line_product, _ = _lines(n, cols, row_products)
    counts = _counted_lines(line_row, paid, cancelled, fulfilled, rules)
    return sales_history(line_product, groups[line_row], paid[line_row], counts)


def _whole_order_fulfilled(fulfilled: np.ndarray, groups: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """An order of several lines is fulfilled when its last line is (NaT while any line is not):
    the strict reading, never on time because one line was."""
    rows = np.flatnonzero(valid)
    if not len(rows):
        return fulfilled
    frame = pd.DataFrame({"g": groups[rows], "f": fulfilled[rows]})
    agg = frame.groupby("g")["f"].agg(["max", "count", "size"])
    done = agg["count"].to_numpy() == agg["size"].to_numpy()
    whole = np.where(done, agg["max"].to_numpy(dtype="datetime64[us]"), NAT)
    out = fulfilled.copy()
    out[rows] = whole[agg.index.get_indexer(groups[rows])]
    return out


def _notes(line_product, derived_line, month, covered, line_groups, qualifies, deciding, n, line_row):
    """Per row: the derived sales of the deciding line, and which line stopped a multi-line
    order from being relaxed (vectorised string operations)."""
    product = pd.Series(line_product[deciding], dtype=object)
    count = derived_line[deciding]
    months = pd.Series(month[deciding], dtype=object)
    used = ~np.isnan(count)
    uncovered = np.isnan(count) & ~covered[deciding] & months.notna().to_numpy() & product.notna().to_numpy()
    notes = pd.Series(np.empty(n, dtype=object), dtype=object)
    if used.any():
        counts = pd.Series(np.where(used, count, 0).astype(np.int64)).astype(str)
        text = ("last month's sales derived from the export: " + counts + " order(s) of "
                + product.astype(str) + " in " + months.astype(str))
        notes[used] = text[used]
    if uncovered.any():
        notes[uncovered] = ("sales of " + months.astype(str) + " not in the export (last month's sales unknown)")[
            uncovered]
    sizes = np.bincount(line_groups, minlength=line_groups.max(initial=-1) + 1)
    group_size = sizes[line_groups[deciding]]
    stopped = (group_size > 1) & ~qualifies[deciding]
    if stopped.any():
        which = product.where(product.notna(), "a line").astype(str)
        text = "order of " + pd.Series(group_size).astype(str) + " product lines; " + which + " does not qualify"
        has = notes.notna().to_numpy()
        notes[stopped & has] = (notes.astype(str) + "; " + text)[stopped & has]
        notes[stopped & ~has] = text[stopped & ~has]
    return notes.to_numpy(dtype=object)


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise: the messages of both (None where neither has one)."""
    out = a.copy()
    both = pd.notna(a) & pd.notna(b)
    only_b = pd.isna(a) & pd.notna(b)
    out[only_b] = b[only_b]
    for i in np.flatnonzero(both):
        if b[i] not in a[i]:
            out[i] = f"{a[i]}; {b[i]}"
    return out


__all__ = ["LINE_FIELDS", "ExportInputs", "has_product_lines", "resolve_export_inputs", "sales_contribution"]
