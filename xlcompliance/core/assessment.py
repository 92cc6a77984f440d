"""Order assessment: deadline, status and lateness for a whole export at once.

``assess`` reads the order columns (canonical or alias headers), parses them at the boundary
into per-row errors, computes deadlines with the one engine, and returns the input as given plus
SPEC's added columns. One bad row never stops the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import Calendar, default_calendar
from .deadlines import deadlines_from_codes
from .explain import explanations
from .headers import canonical_series, require
from .order_ids import duplicate_errors
from .parsing import (
    BLANK,
    first_errors,
    parse_channel_codes,
    parse_counts,
    parse_datetime,
    parse_datetimes,
    parse_method_codes,
)
from .rules import CHANNELS, Rules, default_rules

ORDER_COLUMNS = (
    "order_id", "shop", "channel", "method", "paid_at", "listed_at",
    "last_month_sales", "fulfilled_at", "cancelled_at",
)
REQUIRED = ("channel", "paid_at")
ADDED_COLUMNS = ("rule_set", "eligible", "deadline", "status", "hours_late", "error", "explanation")
STATUSES = ("on_time", "late", "pending", "cancelled", "error")
ON_TIME, LATE, PENDING, CANCELLED, ERROR = range(5)


def now_platform(rules: Rules | None = None) -> pd.Timestamp:
    """The current moment as naive platform time."""
    rules = rules or default_rules()
    return pd.Timestamp.now(tz=rules.timezone).tz_localize(None)


def resolve_as_of(as_of, rules: Rules) -> pd.Timestamp:
    if as_of is None:
        return now_platform(rules)
    return parse_datetime(as_of, "as_of", rules.timezone)


def _blank_column(n: int):
    """A column the input lacks: all blank, typed so every parser takes its fast path."""
    return pd.Series(np.full(n, np.nan))


def assess(
    orders: pd.DataFrame,
    *,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
    explain: bool = True,
) -> pd.DataFrame:
    """Assess every order: rule set, eligibility, deadline, status, hours late, error, explanation.

    Args:
        orders: an order table with canonical or alias headers; only ``channel`` and ``paid_at``
            are required.
        as_of: the moment of assessment (default: now, platform time).
        calendar: holiday windows (default: China's official breaks).
        explain: add the ``explanation`` column; monthly figures do not need it, so callers
            that only count statuses skip its cost.

    Returns:
        The input columns as given plus ``rule_set, eligible, deadline, status, hours_late,
        error`` and (unless ``explain=False``) ``explanation``.

    Raises:
        InputFileError: a required column is missing (the message names it and the headers found).
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    tz = rules.timezone
    require(orders, REQUIRED, "orders", headers)
    as_of_ts = resolve_as_of(as_of, rules)
    cols = canonical_series(orders, "orders", headers)
    n = len(orders)

    def col(name):
        series = cols.get(name)
        return _blank_column(n) if series is None else series.reset_index(drop=True)

    paid, e_paid = parse_datetimes(col("paid_at"), "paid_at", tz)
    blank_paid = np.isnat(paid) & (e_paid == None)  # noqa: E711
    e_paid[blank_paid] = "paid_at is blank"
    channel, e_channel = parse_channel_codes(col("channel"))
    e_channel[channel == BLANK] = "channel is blank (expected POP or JIT)"
    method, e_method = parse_method_codes(col("method"))
    e_method[channel != CHANNELS.index("JIT")] = None  # method only matters for JIT
    listed, e_listed = parse_datetimes(col("listed_at"), "listed_at", tz)
    sales, e_sales = parse_counts(col("last_month_sales"), "last_month_sales")
    fulfilled, e_fulfilled = parse_datetimes(col("fulfilled_at"), "fulfilled_at", tz)
    cancelled, e_cancelled = parse_datetimes(col("cancelled_at"), "cancelled_at", tz)

    ordering = np.empty(n, dtype=object)  # all None
    have_paid = ~np.isnat(paid)
    for values, name in ((listed, "listed_at"), (fulfilled, "fulfilled_at"), (cancelled, "cancelled_at")):
        known = have_paid & ~np.isnat(values)
        wrong = known & ((values > paid) if name == "listed_at" else (values < paid))
        word = "after" if name == "listed_at" else "before"
        for i in np.flatnonzero(wrong):
            msg = f"{name} {pd.Timestamp(values[i])} is {word} paid_at {pd.Timestamp(paid[i])}"
            ordering[i] = msg if ordering[i] is None else f"{ordering[i]}; {msg}"
    duplicates = (
        duplicate_errors(cols["order_id"]) if "order_id" in cols else np.empty(n, dtype=object)
    )
    error = first_errors(
        e_paid, e_channel, e_method, e_listed, e_sales, e_fulfilled, e_cancelled, ordering, duplicates
    )
    valid = pd.isna(error)

    result = deadlines_from_codes(paid, channel, method, listed, sales, valid, calendar, rules)
    _flag_beyond_excel(result, valid, error)
    deadline = result.deadline
    status, hours_late = order_statuses(deadline, fulfilled, cancelled, valid, as_of_ts)

    out = orders.copy(deep=False)  # copy-on-write: the caller's frame is never modified
    names = [rs.name for rs in rules.rule_sets]
    out["rule_set"] = pd.Categorical.from_codes(result.rule_index.astype(np.int64), categories=names)
    out["eligible"] = pd.arrays.BooleanArray(result.eligible.copy(), ~valid)
    out["deadline"] = pd.Series(deadline, index=orders.index, dtype="datetime64[us]")
    out["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    out["hours_late"] = hours_late
    out["error"] = pd.Series(error, index=orders.index, dtype=object)  # None where the row is fine
    if not explain:
        return out
    expl = explanations(result, paid, sales, calendar, rules)
    if (~valid).any():
        expl = expl.add_categories(pd.unique(error[~valid]))
        expl[~valid] = error[~valid]
    out["explanation"] = expl
    return out


_LAST_DAY = np.datetime64("9999-12-31", "D")


def _flag_beyond_excel(result, valid: np.ndarray, error: np.ndarray) -> None:
    """A deadline after 9999-12-31 (Excel's and Python's last day) is a row error, in place."""
    beyond = valid & (result.deadline.astype("datetime64[D]") > _LAST_DAY)
    if not beyond.any():
        return
    error[beyond] = "paid_at: the deadline falls after 9999-12-31"
    valid &= ~beyond
    result.deadline[beyond] = np.datetime64("NaT", "us")
    result.kind[beyond] = -1
    result.rule_index[beyond] = -1
    result.eligible[beyond] = False


def order_statuses(deadline, fulfilled, cancelled, valid, as_of: pd.Timestamp):
    """SPEC's status table and hours late, vectorised (codes index ``STATUSES``).

    Shared by ``assess`` and the Excel two-column rate (deadline, fulfilled_at), so a status is
    decided in one place.
    """
    as_of64 = np.datetime64(as_of.as_unit("us").to_datetime64(), "us")
    has_f = ~np.isnat(fulfilled)
    has_c = ~np.isnat(cancelled) & ~has_f
    open_ = ~has_f & ~has_c
    with np.errstate(invalid="ignore"):
        f_late = has_f & (fulfilled > deadline)
        c_late = has_c & (cancelled > deadline)
        o_late = open_ & (as_of64 > deadline)
    status = np.select(
        [~valid, has_f & ~f_late, f_late, c_late, has_c, o_late, open_],
        [ERROR, ON_TIME, LATE, LATE, CANCELLED, LATE, PENDING],
        ERROR,
    ).astype(np.int64)
    end = np.where(has_f, fulfilled, np.where(has_c, cancelled, as_of64))
    late = status == LATE
    delta = (end - deadline).astype("timedelta64[us]").astype(np.int64)
    hours = np.where(late, delta / 3.6e9, np.nan)
    return status, hours


__all__ = ["assess", "order_statuses", "ORDER_COLUMNS", "ADDED_COLUMNS", "STATUSES"]
