"""Orders of several product lines split across partitions, assessed as one order each.

An export with product lines (a ``product_id`` column or the classic 产品信息 cell) has several
rows per order, which may sit in different partitions, and derives last month's sales from the
whole export. So the order columns the engine reads (not the extra ones) travel with their
(partition, position) to buckets keyed by the order id as the engine groups it (a blank id
stays with its partition's other blank ids: each is an order of its own); every order's lines
meet in one bucket, in global row order. Each bucket is then read twice by the engine:

1. what its orders contribute to derived sales (distinct counting orders per product and month)
   and its earliest payment; buckets share no order, so these add up by a tree reduction into
   the export's :class:`~xlcompliance.core.derived_sales.SalesHistory`;
2. the assessment of the bucket's rows with that history, citing global row numbers.

The added columns of each row travel back to their partition and join its rows as read. Without
an order id column every row is an order of its own: partitions are their own buckets, and
only the sales reduction looks across them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.as_of import record_as_of
from ..core.assessment import ADDED_COLUMNS
from ..core.assessment import assess as assess_frame
from ..core.derived_sales import SalesHistory, add_histories
from ..core.export_inputs import has_product_lines as lines_in_fields
from ..core.headers import canonical_series, header_map
from ..core.orders import order_sales
from ..core.product_lines import text_keys
from .order_ids import partition_lengths

PART, POS, KEY = "__xlc_part", "__xlc_pos", "__xlc_order"
OUTPUT_COLUMNS = (*ADDED_COLUMNS, "scanned_at", "order_line", "derived_last_month_sales", "platform_deadline",
                  "deadline_gap_hours")  # what the engine adds (or overwrites, if the input has them)
_SHUFFLE = "tasks"  # pickled pandas frames: any column dtype travels unchanged (Arrow's P2P would not)
HISTORY_META = pd.DataFrame({
    "product": pd.Series([], dtype=object),
    "month": pd.Series([], dtype=np.int64),
    "orders": pd.Series([], dtype=np.int64),
    "earliest": pd.Series([], dtype="datetime64[us]"),
})


def has_product_lines(columns, headers: dict | None) -> bool:
    """Whether an order table with these headers has product lines (several rows per order)."""
    return lines_in_fields(header_map(columns, "orders", headers))


def order_columns(columns, headers: dict | None) -> list:
    """The headers the engine reads as order fields (the only ones that travel to buckets)."""
    found = header_map(columns, "orders", headers)
    used = {c for names in found.values() for c in names}
    return [c for c in columns if c in used]


def keyed_rows(frame: pd.DataFrame, headers: dict | None, partition_info=None) -> pd.DataFrame:
    """A partition's order columns with its bucket key (the engine's order-id text), partition
    and position."""
    part = partition_info["number"]
    out = frame.reset_index(drop=True)
    ids = canonical_series(out, "orders", headers).get("order_id")
    keys = text_keys(ids) if ids is not None else np.full(len(out), None, dtype=object)
    keys[pd.isna(keys)] = f"\0{part}"
    return out.assign(**{KEY: pd.Series(keys, dtype=object), PART: np.int64(part),
                         POS: np.arange(len(out), dtype=np.int64)})


def in_row_order(bucket: pd.DataFrame) -> pd.DataFrame:
    """A bucket's rows in global row order (partition, then position), as one machine reads them."""
    return bucket.sort_values([PART, POS], kind="stable").reset_index(drop=True)


def _orders_of(bucket: pd.DataFrame) -> pd.DataFrame:
    return bucket.drop(columns=[KEY, PART, POS])


def history_frame(history: SalesHistory) -> pd.DataFrame:
    """A history as one frame (its table, and a last row with no product holding the earliest
    payment), which Dask can reduce."""
    table = history.table.assign(earliest=np.datetime64("NaT", "us"))
    marker = pd.DataFrame({"product": [None], "month": [0], "orders": [0], "earliest": [history.earliest]})
    return pd.concat([table, marker], ignore_index=True).astype(HISTORY_META.dtypes.to_dict())


def history_of(frame: pd.DataFrame) -> SalesHistory:
    """The history held by one or more :func:`history_frame` frames stacked, added up."""
    marker = frame["product"].isna().to_numpy()
    earliest = frame["earliest"].to_numpy(dtype="datetime64[us]")[marker]
    earliest = earliest[~np.isnat(earliest)]
    table = frame.loc[~marker, ["product", "month", "orders"]]
    whole = SalesHistory(table, earliest.min() if len(earliest) else np.datetime64("NaT", "us"))
    return add_histories([whole])


def bucket_sales(bucket: pd.DataFrame, *, rules, headers, scans, dayfirst) -> pd.DataFrame:
    """What a bucket's orders contribute to derived sales, as a :func:`history_frame`."""
    own = order_sales(_orders_of(bucket), rules=rules, headers=headers, scans=scans, dayfirst=dayfirst)
    if own is None:  # no product lines after all (an empty frame)
        own = SalesHistory(HISTORY_META.iloc[:0, :3], np.datetime64("NaT", "us"))
    return history_frame(own)


def _added_sums(stacked: pd.DataFrame) -> pd.DataFrame:
    return history_frame(history_of(stacked))


def export_sales(buckets, options: dict, split_every: int | None = None):
    """Lazy :func:`history_frame` of the whole export (a tree reduction over the buckets)."""
    own = {k: options[k] for k in ("rules", "headers", "scans", "dayfirst")}
    counted = buckets.map_partitions(bucket_sales, **own, meta=HISTORY_META)  # (map_partitions takes a delayed scans)
    return counted.reduction(_added_sums, aggregate=_added_sums, combine=_added_sums, meta=HISTORY_META,
                             split_every=split_every)


def assess_bucket(bucket: pd.DataFrame, history: pd.DataFrame, lengths: pd.Series, *, added: list,
                  **options) -> pd.DataFrame:
    """The added columns of a bucket's rows, with their partition and position."""
    starts = np.concatenate([[0], np.cumsum(lengths.to_numpy(dtype=np.int64))])
    rows = starts[bucket[PART].to_numpy()] + bucket[POS].to_numpy()
    out = assess_frame(_orders_of(bucket), **options, _sales_history=history_of(history), _row_numbers=rows)
    result = out[added].reset_index(drop=True)
    if "explanation" in result:  # categories differ between buckets; the partition rebuilds them
        result["explanation"] = result["explanation"].astype(object)
    return result.assign(**{PART: bucket[PART].to_numpy(), POS: bucket[POS].to_numpy()})


def attach(frame: pd.DataFrame, results: pd.DataFrame, *, added: list, as_of) -> pd.DataFrame:
    """A partition as read plus its rows' added columns, as the engine returns them."""
    results = results.sort_values(POS, kind="stable")
    if len(results) != len(frame):
        raise RuntimeError(f"{len(results)} assessed rows came back for a partition of {len(frame)}")
    out = frame.copy(deep=False)
    record_as_of(out, as_of)
    for name in added:
        values = results[name].to_numpy()
        out[name] = pd.Categorical(values) if name == "explanation" else pd.Series(
            values, index=frame.index, dtype=results[name].dtype)
    return out


def assess_lines(orders, meta: pd.DataFrame, options: dict):
    """Lazy assessment of an export with product lines (see the module docstring)."""
    headers = options["headers"]
    n = orders.npartitions
    added = [c for c in meta.columns if c not in orders.columns or c in OUTPUT_COLUMNS]
    narrow = orders[order_columns(orders.columns, headers)].optimize(fuse=False)
    keyed_meta = keyed_rows(narrow._meta, headers, partition_info={"number": 0})
    keyed = narrow.map_partitions(keyed_rows, headers, meta=keyed_meta, clear_divisions=True)
    with_ids = "order_id" in header_map(orders.columns, "orders", headers)
    if with_ids:
        buckets = keyed.shuffle(on=KEY, npartitions=n, shuffle_method=_SHUFFLE).map_partitions(
            in_row_order, meta=keyed_meta)
    else:  # every row is an order of its own: only the sales look across partitions
        buckets = keyed
    history = export_sales(buckets, options)
    lengths = partition_lengths(narrow)
    result_meta = meta[added].reset_index(drop=True).assign(**{PART: np.int64(0), POS: np.int64(0)})
    if "explanation" in added:
        result_meta["explanation"] = result_meta["explanation"].astype(object)
    results = buckets.map_partitions(assess_bucket, history, lengths, added=added, meta=result_meta, **options)
    routed = results
    if with_ids:
        routed = results.set_index(PART, divisions=list(range(n + 1)), shuffle_method=_SHUFFLE).clear_divisions()
    return orders.map_partitions(attach, routed, added=added, as_of=options["as_of"], meta=meta)


__all__ = ["assess_lines", "has_product_lines"]
