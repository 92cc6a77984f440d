"""Order assessment: deadline, status and lateness for a whole export at once.

``assess`` takes the orders parsed at the boundary (:mod:`~xlcompliance.core.orders`), computes
deadlines with the one engine, and returns the input as given plus the added columns. One bad row
never stops the others.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .as_of import record_as_of
from .calendar import Calendar, default_calendar
from .deadlines import BY_LISTING, BY_SALES, deadlines_from_codes
from .explain import explanations
from .masks import first_match
from .orders import ORDER_COLUMNS, Orders, parse_orders
from .parallel import in_background
from .parsing import message_rows, parse_datetime
from .rules import Rules, default_rules

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


@dataclass(eq=False)
class Assessed:
    """An assessment with the parsed orders behind it, for callers that go on computing.

    ``frame`` is what :func:`assess` returns; ``orders`` the parsed input it was computed from,
    so the summary, reconciliation, scenarios and writers never parse the raw columns again.
    """

    orders: Orders
    frame: pd.DataFrame
    as_of: pd.Timestamp

    def __len__(self) -> int:
        return len(self.frame)


def is_assessed(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is an output of :func:`assess` (with or without explanations)."""
    return all(c in frame.columns for c in ADDED_COLUMNS if c != "explanation")


def assessed_of(assessed: pd.DataFrame | Assessed, *, rules: Rules | None = None, headers=None) -> Assessed:
    """An :class:`Assessed` for an assessed frame (its input columns parsed at the boundary, once)."""
    if isinstance(assessed, Assessed):
        return assessed
    return Assessed(parse_orders(assessed, rules=rules, headers=headers), assessed, pd.NaT)


def assess(
    orders: pd.DataFrame | Orders,
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
    dayfirst: bool = False,
    _duplicates: np.ndarray | None = None,
    _sales_history=None,
    _row_numbers: np.ndarray | None = None,
) -> pd.DataFrame:
    """Assess every order: rule set, eligibility, deadline, status, hours late, error, explanation.

    Args:
        orders: an order table with canonical or alias headers (only ``channel`` and ``paid_at``
            are required), or the :class:`Orders` already parsed from one.
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
        dayfirst: read text dates written day first (``13/04/2024 10:00``); without it such a
            value is a row error, never guessed.

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
    return assess_orders(
        orders, as_of=as_of, calendar=calendar, rules=rules, headers=headers, explain=explain,
        products=products, scans=scans, history_from=history_from, channel=channel, dayfirst=dayfirst,
        _duplicates=_duplicates, _sales_history=_sales_history, _row_numbers=_row_numbers,
    ).frame


def assess_orders(
    orders: pd.DataFrame | Orders,
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
    dayfirst: bool = False,
    _duplicates: np.ndarray | None = None,
    _sales_history=None,
    _row_numbers: np.ndarray | None = None,
) -> Assessed:
    """:func:`assess`, keeping the parsed orders beside the assessed frame (see :class:`Assessed`).

    ``_duplicates``, ``_sales_history`` and ``_row_numbers`` are for a part of a larger export (the Dask
    backend): see :func:`~xlcompliance.core.orders.parse_orders`.
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    if not isinstance(orders, Orders):
        orders = parse_orders(
            orders, rules=rules, headers=headers, channel=channel, products=products, scans=scans,
            history_from=history_from, dayfirst=dayfirst, duplicates=_duplicates, sales_history=_sales_history,
            row_numbers=_row_numbers,
        )
    as_of_ts = resolve_as_of(as_of, rules)
    frame, filled = orders.frame, orders.inputs
    paid, fulfilled, cancelled = orders.paid_at, filled.fulfilled, orders.cancelled_at
    listed, sales = filled.listed, filled.sales
    error = orders.error.copy()
    valid = ~message_rows(error)

    result = deadlines_from_codes(paid, orders.channel, orders.method, listed, sales, valid, calendar, rules)
    _flag_beyond_excel(result, valid, error)
    deadline = result.deadline
    if explain:  # the texts are built meanwhile (they read the result, which nothing below changes)
        explained = in_background(lambda: explanations(result, paid, sales, calendar, rules), len(paid))
    status, hours_late = order_statuses(deadline, fulfilled, cancelled, valid, as_of_ts)
    if filled.counted_row is not None:  # one order, one status: every line shows its order's
        lines = valid & valid[filled.counted_row]
        status[lines] = status[filled.counted_row[lines]]
        hours_late[lines] = hours_late[filled.counted_row[lines]]

    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never modified
    record_as_of(out, as_of_ts)  # a summary or reconciliation of it must use the same moment
    names = [rs.name for rs in rules.rule_sets]
    out["rule_set"] = pd.Categorical.from_codes(result.rule_index.astype(np.int64), categories=names)
    out["eligible"] = pd.arrays.BooleanArray(result.eligible.copy(), ~valid)
    out["deadline"] = pd.Series(deadline, index=frame.index, dtype="datetime64[us]")
    out["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    out["hours_late"] = hours_late
    out["error"] = pd.Series(error, index=frame.index, dtype=object)  # None where the row is fine
    _export_columns(out, orders, deadline, valid)
    announced = [*filled.warnings, *_approximated_breaks(calendar, paid, deadline, valid)]
    for message in announced:
        warnings.warn(message, stacklevel=3)
    out.attrs["warnings"] = announced
    out.attrs["relaxed_by"] = _relaxed_counts(result, valid, filled)
    if explain:
        expl = explained()
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
    return Assessed(orders, out, as_of_ts)


def _approximated_breaks(calendar: Calendar, paid: np.ndarray, deadline: np.ndarray, valid: np.ndarray) -> list[str]:
    """A warning when assessed orders (from payment to deadline) reach into a year whose official
    holiday arrangement is not known yet, so its breaks are approximated."""
    approximated = calendar.approximated_years()
    if not approximated or not valid.any():
        return []
    # a valid row has a payment time and a deadline, so neither is all NaT (NaT is skipped)
    first = int(np.nanmin(paid).astype("datetime64[Y]").astype(np.int64)) + 1970
    last = int(np.nanmax(deadline).astype("datetime64[Y]").astype(np.int64)) + 1970
    years = [year for year in approximated if first <= year <= last]
    if not years:
        return []
    spelled = ", ".join(map(str, years))
    return [f"holidays: the official holiday arrangement for {spelled} is not known yet (no make-up working "
            f"days are listed for it); its breaks are approximated as the statutory days off plus weekends. "
            f"Add the announced breaks as holiday windows (--holidays file, or the Holidays sheet)"]


def _relaxed_counts(result, valid: np.ndarray, filled) -> dict[str, int]:
    """Orders relaxed by listing age, by last month's sales, and by a derived count among those
    (each order once, however many lines it has)."""
    counted = valid & result.eligible
    if filled.order_line is not None:
        counted &= filled.order_line == 1
    by_sales = counted & (result.reason == BY_SALES)
    derived = by_sales & (~np.isnan(filled.derived) if filled.derived is not None else False)
    return {"listing": int((counted & (result.reason == BY_LISTING)).sum()), "sales": int(by_sales.sum()),
            "derived_sales": int(np.sum(derived))}


def _export_columns(out: pd.DataFrame, orders: Orders, deadline: np.ndarray, valid: np.ndarray) -> None:
    """The columns only some exports give rise to (see :func:`assess`), in place."""
    filled = orders.inputs
    if filled.scanned is not None:
        out["scanned_at"] = pd.Series(filled.scanned, index=out.index, dtype="datetime64[us]")
    if filled.order_line is not None:
        out["order_line"] = filled.order_line
        out["derived_last_month_sales"] = filled.derived
    theirs = orders.platform_deadline
    if theirs is not None:
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
    """The order status table and hours late, vectorised (codes index ``STATUSES``).

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
    status = first_match(
        [~valid, has_f & ~f_late, f_late, c_late, has_c, o_late, open_],
        [ERROR, ON_TIME, LATE, LATE, CANCELLED, LATE, PENDING],
        ERROR,
    ).astype(np.int64)
    late = np.flatnonzero(status == LATE)  # hours late only where late (a few rows in a hundred)
    end = np.where(has_f[late], fulfilled[late], np.where(has_c[late], cancelled[late], as_of64))
    hours = np.full(len(status), np.nan)
    hours[late] = (end - deadline[late]).astype("timedelta64[us]").astype(np.int64) / 3.6e9
    return status, hours


__all__ = [
    "ADDED_COLUMNS", "ORDER_COLUMNS", "STATUSES",
    "Assessed", "assess", "assess_orders", "assessed_of", "is_assessed", "order_statuses",
]
