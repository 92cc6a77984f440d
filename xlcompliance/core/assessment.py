"""Order assessment: deadline, status and lateness for a whole export at once.

``assess`` reads the order columns (canonical or alias headers), parses them at the boundary
into per-row errors, computes deadlines with the one engine, and returns the input as given plus
SPEC's added columns. One bad row never stops the others.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .calendar import Calendar, default_calendar
from .deadlines import deadlines_from_codes
from .explain import explanations
from .export_inputs import resolve_export_inputs
from .headers import InputFileError, canonical_series, header_map, require
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
    products: pd.DataFrame | None = None,
    scans: pd.DataFrame | None = None,
    history_from=None,
    channel: str | None = None,
) -> pd.DataFrame:
    """Assess every order: rule set, eligibility, deadline, status, hours late, error, explanation.

    Args:
        orders: an order table with canonical or alias headers; only ``channel`` and ``paid_at``
            are required.
        as_of: the moment of assessment (default: now, platform time).
        calendar: holiday windows (default: China's official breaks).
        explain: add the ``explanation`` column; monthly figures do not need it, so callers
            that only count statuses skip its cost.
        products: a products list (``product_id`` or 商家编码, ``listed_at``) giving listing
            dates to order lines that have none.
        scans: logistics records (``order_id`` or ``tracking_no``, ``fulfilled_at``): the
            earliest scan fills ``fulfilled_at`` where the order row has none.
        history_from: where the export's coverage starts, for last month's sales derived from
            it (default: the earliest ``paid_at``).
        channel: ``POP`` or ``JIT`` for every row whose channel is blank or absent (the
            classic export has no channel column).

    Returns:
        The input columns as given plus ``rule_set, eligible, deadline, status, hours_late,
        error`` and (unless ``explain=False``) ``explanation``. With ``scans``, ``scanned_at``
        is the earliest scan found for the row. Exports with product ids (or a 产品信息 cell)
        add ``order_line`` (1 = the row that counts for its order) and
        ``derived_last_month_sales``; exports with a platform deadline (发货期限) add
        ``platform_deadline`` and ``deadline_gap_hours`` (ours minus the platform's).
        ``.attrs["warnings"]`` lists what was announced with :func:`warnings.warn`.

    Raises:
        InputFileError: a required column is missing (the message names it and the headers found).
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    tz = rules.timezone
    found = header_map(orders.columns, "orders", headers)
    if "paid_at" not in found:
        require(orders, REQUIRED if channel is None else ("paid_at",), "orders", headers)
    if channel is None and "channel" not in found:
        raise InputFileError(
            "orders: no channel column (POP or JIT); this export does not say, so give it for the whole "
            "file: channel='POP' or 'JIT' (command line: --channel POP|JIT)"
        )
    as_of_ts = resolve_as_of(as_of, rules)
    cols = canonical_series(orders, "orders", headers)
    n = len(orders)
    if channel is not None:
        given = cols.get("channel")
        whole = pd.Series([channel] * n, dtype=object)
        if given is None:
            cols["channel"] = whole
        else:
            given = given.reset_index(drop=True).astype(object)
            blank = given.isna() | given.astype(str).str.strip().eq("")
            cols["channel"] = given.where(~blank, whole)

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

    ordering = np.full(n, None, dtype=object)
    have_paid = ~np.isnat(paid)
    for values, name in ((listed, "listed_at"), (fulfilled, "fulfilled_at"), (cancelled, "cancelled_at")):
        known = have_paid & ~np.isnat(values)
        wrong = known & ((values > paid) if name == "listed_at" else (values < paid))
        word = "after" if name == "listed_at" else "before"
        for i in np.flatnonzero(wrong):
            msg = f"{name} {pd.Timestamp(values[i])} is {word} paid_at {pd.Timestamp(paid[i])}"
            ordering[i] = msg if ordering[i] is None else f"{ordering[i]}; {msg}"
    own_error = first_errors(e_paid, e_channel, e_method, e_listed, e_sales, e_fulfilled, e_cancelled, ordering)
    filled = resolve_export_inputs(
        {k: v.reset_index(drop=True) for k, v in cols.items()}, n, paid=paid, channel=channel, listed=listed,
        sales=sales, fulfilled=fulfilled, cancelled=cancelled, row_valid=pd.isna(own_error), rules=rules,
        products=products, scans=scans, history_from=history_from, headers=headers,
    )
    fulfilled = filled.fulfilled
    late_scan = ~np.isnat(paid) & ~np.isnat(fulfilled) & (fulfilled < paid) & pd.isna(ordering)
    for i in np.flatnonzero(late_scan):  # a scan from the scans file before the payment
        ordering[i] = f"fulfilled_at {pd.Timestamp(fulfilled[i])} is before paid_at {pd.Timestamp(paid[i])}"
    error = first_errors(
        e_paid, e_channel, e_method, e_listed, e_sales, e_fulfilled, e_cancelled, ordering, filled.errors
    )
    valid = pd.isna(error)
    listed, sales = filled.listed, filled.sales

    result = deadlines_from_codes(paid, channel, method, listed, sales, valid, calendar, rules)
    _flag_beyond_excel(result, valid, error)
    deadline = result.deadline
    status, hours_late = order_statuses(deadline, fulfilled, cancelled, valid, as_of_ts)
    if filled.counted_row is not None:  # one order, one status: every line shows its order's
        lines = valid & valid[filled.counted_row]
        status[lines] = status[filled.counted_row[lines]]
        hours_late[lines] = hours_late[filled.counted_row[lines]]

    out = orders.copy(deep=False)  # copy-on-write: the caller's frame is never modified
    names = [rs.name for rs in rules.rule_sets]
    out["rule_set"] = pd.Categorical.from_codes(result.rule_index.astype(np.int64), categories=names)
    out["eligible"] = pd.arrays.BooleanArray(result.eligible.copy(), ~valid)
    out["deadline"] = pd.Series(deadline, index=orders.index, dtype="datetime64[us]")
    out["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    out["hours_late"] = hours_late
    out["error"] = pd.Series(error, index=orders.index, dtype=object)  # None where the row is fine
    _export_columns(out, cols, filled, deadline, valid, tz)
    for message in filled.warnings:
        warnings.warn(message, stacklevel=2)
    out.attrs["warnings"] = list(filled.warnings)
    out.attrs["relaxed_by"] = _relaxed_counts(result, valid, filled)
    if not explain:
        return out
    expl = explanations(result, paid, sales, calendar, rules)
    if (~valid).any():
        expl = expl.add_categories(pd.unique(error[~valid]))
        expl[~valid] = error[~valid]
    if filled.notes is not None:
        noted = valid & pd.notna(filled.notes)
        if noted.any():
            text = pd.Series(np.asarray(expl, dtype=object), dtype=object)
            text[noted] = (text.astype(str) + "; " + pd.Series(filled.notes, dtype=object).astype(str))[noted]
            expl = pd.Categorical(text)
    out["explanation"] = expl
    return out


def _relaxed_counts(result, valid: np.ndarray, filled) -> dict[str, int]:
    """Orders relaxed by listing age, by last month's sales, and by a derived count among those
    (each order once, however many lines it has)."""
    from .deadlines import BY_LISTING, BY_SALES

    counted = valid & result.eligible
    if filled.order_line is not None:
        counted &= filled.order_line == 1
    by_sales = counted & (result.reason == BY_SALES)
    derived = by_sales & (~np.isnan(filled.derived) if filled.derived is not None else False)
    return {"listing": int((counted & (result.reason == BY_LISTING)).sum()), "sales": int(by_sales.sum()),
            "derived_sales": int(np.sum(derived))}


def _export_columns(out: pd.DataFrame, cols: dict, filled, deadline: np.ndarray, valid: np.ndarray, tz: str):
    """The columns only some exports give rise to (see :func:`assess`), in place."""
    if filled.scanned is not None:
        out["scanned_at"] = pd.Series(filled.scanned, index=out.index, dtype="datetime64[us]")
    if filled.order_line is not None:
        out["order_line"] = filled.order_line
        out["derived_last_month_sales"] = filled.derived
    if "platform_deadline" in cols:
        theirs, _ = parse_datetimes(cols["platform_deadline"].reset_index(drop=True), "platform_deadline", tz)
        out["platform_deadline"] = pd.Series(theirs, index=out.index, dtype="datetime64[us]")
        gap = (deadline - theirs).astype("timedelta64[us]").astype(np.int64) / 3.6e9
        known = valid & ~np.isnat(theirs) & ~np.isnat(deadline)
        out["deadline_gap_hours"] = np.where(known, gap, np.nan)


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
