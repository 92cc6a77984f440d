"""``assess`` on a Dask DataFrame: a lazy frame computing to exactly what the pandas path gives.

Every partition is assessed by the one engine, at one moment fixed when the graph is built. An
export of one row per order looks across partitions only for the order-id check (see
``order_ids``), whose result each partition's assessment takes in. An export with product lines
(several rows per order, sales derived from the whole export) is assessed by order-id buckets
instead (see ``product_lines``).
"""

from __future__ import annotations

import dask
import dask.dataframe as dd
from dask.dataframe.utils import clear_known_categories

from ..core.assessment import assess as assess_frame
from ..core.assessment import resolve_as_of
from ..core.calendar import Calendar, default_calendar
from ..core.headers import header_map
from ..core.rules import Rules, default_rules
from .order_ids import global_repeats, repeat_errors
from .product_lines import assess_lines, has_product_lines


def _assess_partition(frame, repeats, ranges, lengths, partition_info=None, **options):
    duplicates = None if repeats is None else repeat_errors(
        frame, options["headers"], partition_info["number"], repeats, ranges, lengths)
    return assess_frame(frame, **options, _duplicates=duplicates)


def assess(
    orders: dd.DataFrame,
    *,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
    explain: bool = True,
    products=None,
    scans=None,
    history_from=None,
    channel: str | None = None,
    dayfirst: bool = False,
) -> dd.DataFrame:
    """Lazy :func:`xlcompliance.assess` of a Dask DataFrame (same arguments, same result).

    ``as_of`` defaults to the moment of this call, so every partition is assessed at one moment.
    ``products`` and ``scans`` are pandas frames (small tables, sent to every task). A repeated
    order id anywhere in the frame cites the global row number of its first occurrence; the
    product lines of one order are one order wherever they are. The ``explanation`` categories
    are only known once computed.
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    options = {
        "as_of": resolve_as_of(as_of, rules), "calendar": calendar, "rules": rules,
        "headers": headers, "explain": explain, "products": products, "scans": scans,
        "history_from": history_from, "channel": channel, "dayfirst": dayfirst,
    }
    meta = assess_frame(orders._meta, **options)  # a missing column fails here, as on one machine
    if explain:
        meta = clear_known_categories(meta, cols=["explanation"])
    for table in ("products", "scans"):  # one copy in the graph, not one per task
        if options[table] is not None:
            options[table] = dask.delayed(options[table], pure=True)
    if has_product_lines(orders.columns, headers):
        return assess_lines(orders, meta, options)
    id_columns = header_map(orders.columns, "orders", headers).get("order_id")
    if not id_columns:
        return orders.map_partitions(_assess_partition, None, None, None, meta=meta, **options)
    repeats, ranges, lengths = global_repeats(orders[list(id_columns)], headers)
    return orders.map_partitions(_assess_partition, repeats, ranges, lengths, meta=meta, **options)


__all__ = ["assess"]
