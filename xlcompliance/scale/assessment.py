"""``assess`` on a Dask DataFrame: a lazy frame computing to exactly what the pandas path gives.

Every partition is assessed by the one engine, at one moment fixed when the graph is built; the
only step that looks across partitions is the order-id check (see ``order_ids``), whose result
each partition's assessment takes in.
"""

from __future__ import annotations

import dask.dataframe as dd
from dask.dataframe.utils import clear_known_categories

from ..core.assessment import assess as assess_frame
from ..core.assessment import resolve_as_of
from ..core.calendar import Calendar, default_calendar
from ..core.headers import header_map, require
from ..core.orders import REQUIRED
from ..core.rules import Rules, default_rules
from .order_ids import global_repeats, repeat_errors


def _assess_partition(frame, repeats, lengths, *, as_of, calendar, rules, headers, explain):
    duplicates = None if repeats is None else repeat_errors(len(frame), repeats, lengths)
    return assess_frame(
        frame, as_of=as_of, calendar=calendar, rules=rules, headers=headers, explain=explain,
        _duplicates=duplicates,
    )


def assess(
    orders: dd.DataFrame,
    *,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
    explain: bool = True,
) -> dd.DataFrame:
    """Lazy :func:`xlcompliance.assess` of a Dask DataFrame (same arguments, same result).

    ``as_of`` defaults to the moment of this call, so every partition is assessed at one moment.
    A repeated order id anywhere in the frame cites the global row number of its first
    occurrence. The ``explanation`` categories are only known once computed.
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    require(orders.columns, REQUIRED, "orders", headers)
    options = {
        "as_of": resolve_as_of(as_of, rules), "calendar": calendar, "rules": rules,
        "headers": headers, "explain": explain,
    }
    meta = assess_frame(orders._meta, **options)
    if explain:
        meta = clear_known_categories(meta, cols=["explanation"])
    id_columns = header_map(orders.columns, "orders", headers).get("order_id")
    if not id_columns:
        return orders.map_partitions(_assess_partition, None, None, meta=meta, **options)
    repeats, lengths = global_repeats(orders[list(id_columns)], headers)
    return orders.map_partitions(_assess_partition, repeats, lengths, meta=meta, **options)


__all__ = ["assess"]


