"""Order assessment: deadline, status and lateness for a whole export at once.

``assess`` takes the orders parsed at the boundary (:mod:`~xlcompliance.core.orders`), computes
deadlines with the one engine, and returns the input as given plus the added columns. One bad row
never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import Calendar, default_calendar
from .deadlines import deadlines_from_codes
from .explain import explanations
from .order_ids import duplicate_errors
from .orders import ORDER_COLUMNS, Orders, parse_orders
from .parsing import first_errors, parse_datetime
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
    _duplicates: np.ndarray | None = None,
) -> pd.DataFrame:
    """Assess every order: rule set, eligibility, deadline, status, hours late, error, explanation.

    Args:
        orders: an order table with canonical or alias headers (only ``channel`` and ``paid_at``
            are required), or the :class:`Orders` already parsed from one.
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
    return assess_orders(
        orders, as_of=as_of, calendar=calendar, rules=rules, headers=headers, explain=explain, _duplicates=_duplicates
    ).frame


def assess_orders(
    orders: pd.DataFrame | Orders,
    *,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
    explain: bool = True,
    _duplicates: np.ndarray | None = None,
) -> Assessed:
    """:func:`assess`, keeping the parsed orders beside the assessed frame (see :class:`Assessed`)."""
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    if not isinstance(orders, Orders):
        orders = parse_orders(orders, rules=rules, headers=headers)
    as_of_ts = resolve_as_of(as_of, rules)
    frame = orders.frame
    paid, fulfilled, cancelled = orders.paid_at, orders.fulfilled_at, orders.cancelled_at
    n = len(orders)
    ids = orders.raw("order_id")
    duplicates = _duplicates if _duplicates is not None else (  # given: a check over more rows than these
        duplicate_errors(ids) if ids is not None else np.full(n, None, dtype=object)
    )
    error = first_errors(orders.error, duplicates)
    valid = pd.isna(error)

    result = deadlines_from_codes(
        paid, orders.channel, orders.method, orders.listed_at, orders.last_month_sales, valid, calendar, rules
    )
    _flag_beyond_excel(result, valid, error)
    deadline = result.deadline
    status, hours_late = order_statuses(deadline, fulfilled, cancelled, valid, as_of_ts)

    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never modified
    names = [rs.name for rs in rules.rule_sets]
    out["rule_set"] = pd.Categorical.from_codes(result.rule_index.astype(np.int64), categories=names)
    out["eligible"] = pd.arrays.BooleanArray(result.eligible.copy(), ~valid)
    out["deadline"] = pd.Series(deadline, index=frame.index, dtype="datetime64[us]")
    out["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    out["hours_late"] = hours_late
    out["error"] = pd.Series(error, index=frame.index, dtype=object)  # None where the row is fine
    if explain:
        expl = explanations(result, paid, orders.last_month_sales, calendar, rules)
        if (~valid).any():
            expl = expl.add_categories(pd.unique(error[~valid]))
            expl[~valid] = error[~valid]
        out["explanation"] = expl
    return Assessed(orders, out, as_of_ts)


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


__all__ = [
    "ADDED_COLUMNS", "ORDER_COLUMNS", "STATUSES",
    "Assessed", "assess", "assess_orders", "assessed_of", "is_assessed", "order_statuses",
]
