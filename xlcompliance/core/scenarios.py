"""What-if scenarios and today's priority list, as transformed inputs re-run through the engine.

A scenario never computes a rate itself. It rewrites the order inputs (fulfilment shifted,
products treated as new or low-sales, late orders fixed, extra late orders added), re-runs
:func:`~xlcompliance.assess` and :func:`~xlcompliance.monthly_summary` on them, and reads the
margins from :func:`xlcompliance.monthly.margins`. Pure functions: data in, frames out; the
notebook app (:mod:`xlcompliance.notebook.app`) is a thin layer of widgets on top.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from .as_of import recorded_as_of
from .assessment import Assessed, assess, assessed_of, now_platform, resolve_as_of
from .calendar import Calendar, default_calendar
from .headers import canonical_columns
from .ledgers import normalize_penalties
from .money import to_cents
from .monthly import month_margins, monthly_summary
from .parsing import parse_months
from .rules import Rules, default_rules

TIME_INPUTS = ("paid_at", "listed_at", "fulfilled_at", "cancelled_at")
EXTRA_PREFIX = "what-if-"
ROW_COLUMNS = (
    "assessed",
    "on_time",
    "late",
    "pending",
    "rate",
    "provisional",
    "qualifies",
    "penalties",
    "refund_due",
    "refund_due_date",
    "late_allowed",
    "on_time_needed",
    "net_cost",
)
FLIP_COLUMNS = (
    "order_id",
    "channel",
    "method",
    "paid_at",
    "deadline_before",
    "deadline_after",
    "fulfilled_before",
    "fulfilled_after",
    "status_before",
    "status_after",
)
PRIORITY_COLUMNS = (
    "order_id",
    "shop",
    "channel",
    "method",
    "paid_at",
    "deadline",
    "hours_left",
    "month",
    "late_allowed",
    "critical",
)
_HOUR = np.timedelta64(3600 * 10**6, "us")


@dataclass(frozen=True)
class Levers:
    """What the scenario changes. All zero/False/None = the baseline exactly.

    Attributes:
        pop_shift_hours, jit_shift_hours: move every fulfilment (scan/arrival) of the channel by
            this many hours (never before payment).
        extra_late: add this many late orders to the selected month (copies of its orders,
            fulfilled an hour after their deadline).
        fixed_share: fulfil this share (0..1) of the month's late orders at their deadline,
            least late first.
        relax_new_listings: treat every product as listed at payment (a new listing).
        relax_low_sales: treat every product as having sold 0 orders last month.
        penalty_per_late: estimated penalty per late order, used where the statement has no
            entry: for every late order of a month without a statement, and for orders that
            become late in the scenario. None = no estimate.
        threshold: the rate a month must reach (default: the rules' threshold); a float is read
            through its decimal text (0.9 = 9/10 exactly).
    """

    pop_shift_hours: float = 0
    jit_shift_hours: float = 0
    extra_late: int = 0
    fixed_share: float = 0.0
    relax_new_listings: bool = False
    relax_low_sales: bool = False
    penalty_per_late: Decimal | str | None = None
    threshold: Fraction | float | str | None = None


@dataclass
class WhatIf:
    """A scenario's answer for one shop-month.

    Attributes:
        baseline, scenario: one summary row each (``ROW_COLUMNS``), from ``monthly_summary``
            plus ``margins`` (``late_allowed``, ``on_time_needed``) and ``net_cost`` =
            penalties - refund_due.
        flips: orders of the month whose status differs (``FLIP_COLUMNS``).
        curve: ``extra_late, rate, qualifies`` for 0..curve_max extra late orders on top of the
            other levers.
        penalty_source: ``"statement"``, ``"estimate"`` or ``"none"`` for the baseline month.
        notes: plain-words caveats (e.g. no order to copy for extra late orders).
    """

    shop: str
    month: pd.Period
    levers: Levers
    baseline: pd.Series
    scenario: pd.Series
    flips: pd.DataFrame
    curve: pd.DataFrame
    penalty_source: str
    added: int
    fixed: int
    notes: list[str] = field(default_factory=list)


def _as_of(assessed: pd.DataFrame | Assessed, as_of, rules: Rules) -> pd.Timestamp:
    """``as_of`` if given, else the moment ``assessed`` was assessed as of, else now."""
    if as_of is not None:
        return resolve_as_of(as_of, rules)
    recorded = recorded_as_of(assessed.frame if isinstance(assessed, Assessed) else assessed)
    return recorded if recorded is not None else now_platform(rules)


def parse_month(month) -> pd.Period:
    """A month as ``pd.Period('YYYY-MM')`` (see :func:`~xlcompliance.core.parsing.parse_months`);
    raises ``ValueError`` naming ``month``."""
    months, errors = parse_months([month])
    if errors[0] is not None or months[0] is pd.NaT:
        raise ValueError(errors[0] or f"month: not a month (YYYY-MM): {month!r}")
    return months[0]


def penalty_cents(amount, rules: Rules) -> int | None:
    """One penalty amount (text/Decimal) in cents, exact; None for blank; ValueError if bad."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return None
    cents, errors = to_cents(
        pd.Series([amount], dtype=object), "penalty_per_late", rules.money_decimals
    )
    if errors[0] is not None:
        raise ValueError(errors[0])
    if cents[0] < 0:
        raise ValueError(f"penalty_per_late must not be negative: {amount!r}")
    return int(cents[0])


def _cents_text(cents: int, decimals: int) -> str:
    return str(Decimal(cents).scaleb(-decimals))


def order_inputs(assessed: pd.DataFrame | Assessed, *, shop=None, rules: Rules, headers=None) -> pd.DataFrame:
    """The canonical, parsed inputs of the valid rows of ``assessed`` (optionally one shop).

    Taken from the orders parsed at the boundary: channel and method as their canonical names
    (``POP``/``JIT``, ``pickup``/``self``, whatever alias the export used), date-times as
    ``datetime64[us]``, ``last_month_sales`` a float (NaN = unknown); the listing date, sales and
    fulfilment are the ones the assessment used (products list, derived sales, scans), and an
    order of several product lines is its one counted row. The frame's index is the row's
    position in ``assessed``.
    """
    assessed = assessed_of(assessed, rules=rules, headers=headers)
    orders, frame = assessed.orders, assessed.frame
    filled = orders.inputs  # what decides each order: listing date and sales of its deciding line, scans
    valid = (frame["status"].astype(object) != "error").to_numpy() & frame["deadline"].notna().to_numpy()
    if filled.order_line is not None:  # an order of several product lines is one order
        valid &= filled.order_line == 1
    ids = orders.order_ids
    inputs = pd.DataFrame({
        "order_id": np.where(ids == "", None, ids),
        "shop": orders.shops,
        "channel": orders.channel_names,
        "method": orders.method_names,
        "paid_at": orders.paid_at,
        "listed_at": filled.listed,
        "fulfilled_at": filled.fulfilled,
        "cancelled_at": orders.cancelled_at,
        "last_month_sales": filled.sales,
    })
    keep = valid & ((inputs["shop"] == shop).to_numpy() if shop is not None else True)
    return inputs[keep]


def _run(inputs: pd.DataFrame, as_of, calendar, rules) -> pd.DataFrame:
    """Statuses and deadlines of a scenario's orders (no explanations: only counts are used)."""
    return assess(inputs, as_of=as_of, calendar=calendar, rules=rules, explain=False)


def _month_of(assessed: pd.DataFrame) -> pd.Series:
    return assessed["deadline"].dt.to_period("M")


def _row(
    summary: pd.DataFrame, shop: str, month: pd.Period, threshold: Fraction, as_of, decimals: int
) -> pd.Series:
    hit = summary[(summary["shop"] == shop) & (summary["month"] == month)]
    if len(hit):
        row = hit.iloc[0].copy()
    else:  # nothing assessed and no penalty in that month under this scenario
        zero = Decimal(0).scaleb(-decimals)
        row = pd.Series(
            {
                "shop": shop,
                "month": month,
                "assessed": 0,
                "on_time": 0,
                "late": 0,
                "pending": 0,
                "rate": np.nan,
                "provisional": bool((month + 1).start_time > as_of),
                "qualifies": False,
                "penalties": zero,
                "refund_due": zero,
                "refund_due_date": pd.NaT,
            }
        )
    late_allowed, needed = month_margins(
        [int(row["on_time"])], [int(row["late"])], [int(row["pending"])], threshold
    )
    row["late_allowed"] = int(late_allowed[0])
    row["on_time_needed"] = int(needed[0])
    row["net_cost"] = row["penalties"] - row["refund_due"]
    return row


def _estimates(frame: pd.DataFrame, cents: int, decimals: int) -> pd.DataFrame:
    """Penalty rows at ``cents`` each for the given assessed orders, deducted at their deadline."""
    return pd.DataFrame(
        {
            "shop": frame["shop"].to_numpy(dtype=object),
            "order_id": frame["order_id"].to_numpy(dtype=object),
            "channel": frame["channel"].to_numpy(dtype=object),
            "amount": [_cents_text(cents, decimals)] * len(frame),
            "deducted_at": frame["deadline"].to_numpy(dtype="datetime64[us]"),
        }
    )


def _statement(penalties, rules: Rules, headers) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The statement rows (canonical columns) and their normalised ledger, row for row."""
    if penalties is None or len(penalties) == 0:
        empty = pd.DataFrame(columns=["shop", "order_id", "channel", "amount", "deducted_at"])
        return empty, normalize_penalties(empty, rules)
    rows = canonical_columns(penalties, "penalties", headers).reset_index(drop=True)
    return rows, normalize_penalties(rows, rules)


def _check_shop_month(
    inputs: pd.DataFrame, assessed: pd.DataFrame, ledger: pd.DataFrame, shop: str, month: pd.Period
) -> None:
    """Refuse a shop or month that neither the orders nor the statement know, naming those that
    exist (a typo must not read as a month with nothing in it)."""
    good = ledger[ledger["error"].isna()]
    order_shops = inputs["shop"].fillna("").to_numpy(dtype=object)
    shops = sorted(set(order_shops) | set(good["shop"].astype(object)))

    def name(s):
        return repr(s) if s else "(no shop)"

    if shop not in shops:
        known = ", ".join(map(name, shops)) or "none (no assessed orders)"
        raise ValueError(f"shop {name(shop)} is not in the orders or the penalty statement; shops: {known}")
    mine = order_shops == shop
    months = set(_month_of(assessed).to_numpy()[inputs.index[mine]]) | set(
        good.loc[(good["shop"] == shop).to_numpy(), "month"]
    )
    if month not in months:
        known = ", ".join(str(m) for m in sorted(months))
        raise ValueError(f"month {month} has no orders or penalties of shop {name(shop)}; its months: {known}")


def _extras(
    base: pd.DataFrame, assessed: pd.DataFrame, month: pd.Period, count: int
) -> pd.DataFrame:
    """``count`` copies of the month's orders, each fulfilled an hour after its deadline."""
    in_month = (_month_of(assessed) == month).to_numpy() & (
        assessed["status"].astype(object) != "error"
    ).to_numpy()
    templates = base[in_month].assign(_deadline=assessed["deadline"].to_numpy()[in_month])
    if count <= 0 or templates.empty:
        return base.iloc[:0]
    templates = templates.sort_values(["_deadline", "order_id"], kind="stable")
    picks = templates.iloc[np.arange(count) % len(templates)].copy()
    picks["order_id"] = [f"{EXTRA_PREFIX}{k + 1}" for k in range(count)]
    picks["fulfilled_at"] = picks["_deadline"].to_numpy(dtype="datetime64[us]") + _HOUR
    picks["cancelled_at"] = np.datetime64("NaT", "us")
    return picks.drop(columns="_deadline")


def what_if(
    assessed: pd.DataFrame | Assessed,
    penalties: pd.DataFrame | None = None,
    *,
    shop: str,
    month,
    levers: Levers | None = None,
    curve_max: int | None = None,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
) -> WhatIf:
    """Baseline vs scenario for one shop-month, every number from the engine.

    Args:
        assessed: the output of :func:`~xlcompliance.assess` (all shops or one).
        penalties: the penalty statement (optional).
        shop, month: the shop and month (``YYYY-MM`` or Period) to report.
        levers: what to change (default: nothing).
        curve_max: the curve covers 0..curve_max extra late orders (default: max(20, extra_late)).
        as_of: the moment of assessment; must be the one ``assessed`` was made with (default:
            that moment, which ``assess`` records in the frame).

    Raises:
        ValueError: a lever is out of range, the penalty amount is not an amount, or the shop or
            month is in neither the orders nor the statement (the message names those that are).
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    levers = levers or Levers()
    as_of = _as_of(assessed, as_of, rules)
    month = parse_month(month)
    shop = "" if shop is None else str(shop)
    if not 0 <= levers.fixed_share <= 1:
        raise ValueError(f"fixed_share must be between 0 and 1: {levers.fixed_share!r}")
    if levers.extra_late < 0:
        raise ValueError(f"extra_late must not be negative: {levers.extra_late!r}")
    threshold = levers.threshold
    if threshold is None:
        threshold = rules.threshold
    elif isinstance(threshold, float):  # 0.9 means nine tenths, not the binary float's value
        threshold = Fraction(str(threshold))
    else:
        threshold = Fraction(threshold)
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be between 0 and 1: {float(threshold)!r}")
    scenario_rules = dataclasses.replace(rules, threshold=threshold)
    estimate_cents = penalty_cents(levers.penalty_per_late, rules)
    decimals = rules.money_decimals
    curve_max = max(20 if curve_max is None else int(curve_max), levers.extra_late)
    notes: list[str] = []

    assessed = assessed_of(assessed, rules=rules, headers=headers)
    everyone = order_inputs(assessed, rules=rules)
    statement_all, ledger_all = _statement(penalties, rules, headers)
    _check_shop_month(everyone, assessed.frame, ledger_all, shop, month)
    base = everyone[(everyone["shop"] == shop).to_numpy()].reset_index(drop=True)
    before = _run(base, as_of, calendar, rules)

    # 1. inputs the levers rewrite directly
    changed = base.copy()
    if levers.relax_new_listings:
        changed["listed_at"] = changed["paid_at"]
    if levers.relax_low_sales:
        changed["last_month_sales"] = 0.0
    fulfilled = changed["fulfilled_at"].to_numpy(dtype="datetime64[us]").copy()
    paid = changed["paid_at"].to_numpy(dtype="datetime64[us]")
    for channel, hours in (("POP", levers.pop_shift_hours), ("JIT", levers.jit_shift_hours)):
        if hours:
            rows = (changed["channel"] == channel).to_numpy(dtype=bool) & ~np.isnat(fulfilled)
            shift = np.timedelta64(int(round(float(hours) * 3600 * 10**6)), "us")
            fulfilled[rows] = np.maximum(fulfilled[rows] + shift, paid[rows])
    changed["fulfilled_at"] = fulfilled
    middle = _run(changed, as_of, calendar, rules) if not changed.equals(base) else before

    # 2. late orders of the month fixed, least late first
    late_in_month = (
        (middle["status"].astype(object) == "late") & (_month_of(middle) == month)
    ).to_numpy()
    n_late = int(late_in_month.sum())
    n_fix = math.floor(levers.fixed_share * n_late + 0.5)
    if n_fix:
        order = middle.index[late_in_month][
            np.argsort(middle["hours_late"].to_numpy()[late_in_month], kind="stable")
        ]
        fix = order[:n_fix]
        changed.loc[fix, "fulfilled_at"] = middle.loc[fix, "deadline"].to_numpy(
            dtype="datetime64[us]"
        )
        changed.loc[fix, "cancelled_at"] = np.datetime64("NaT", "us")

    # 3. extra late orders (enough for the curve), re-run once
    extras = _extras(changed, middle, month, curve_max)
    if curve_max and extras.empty:
        notes.append(
            f"no order of {shop or '(no shop)'} has a deadline in {month}: "
            "extra late orders cannot be modelled"
        )
    final = _run(pd.concat([changed, extras], ignore_index=True), as_of, calendar, rules)
    n_base = len(changed)
    is_extra = np.arange(len(final)) >= n_base
    extra_rank = np.where(is_extra, np.arange(len(final)) - n_base, -1)
    added = min(levers.extra_late, len(extras))
    after = final[~is_extra | (extra_rank < added)]

    # penalties: the statement, plus estimates where it says nothing
    mine = (ledger_all["shop"] == shop).to_numpy()
    statement, ledger = statement_all[mine].reset_index(drop=True), ledger_all[mine].reset_index(drop=True)
    stated_months = set(ledger.loc[ledger["error"].isna(), "month"].dropna())
    late_before = (before["status"].astype(object) == "late").to_numpy()
    estimated = statement.iloc[:0]
    if month in stated_months:
        source = "statement"
    elif estimate_cents is not None:
        source = "estimate"
        in_month = (_month_of(before) == month).to_numpy()
        estimated = _estimates(before[late_before & in_month], estimate_cents, decimals)
    else:
        source = "none"
    ledger_before = pd.concat([statement, estimated], ignore_index=True)

    # scenario: orders no longer late lose their penalty; orders that become late get the estimate
    late_after = (after["status"].astype(object) == "late").to_numpy()
    was_late = np.zeros(len(after), dtype=bool)
    was_late[: len(before)] = late_before
    fixed_ids = set(after["order_id"][was_late & ~late_after].dropna())
    parts = [
        statement[~statement["order_id"].astype(object).isin(fixed_ids).to_numpy()],
        estimated[~estimated["order_id"].astype(object).isin(fixed_ids).to_numpy()],
    ]
    newly = late_after & ~was_late & (_month_of(after) == month).to_numpy()
    if estimate_cents is not None:
        parts.append(_estimates(after[newly], estimate_cents, decimals))
    elif newly.any():
        notes.append(
            "orders that become late add no penalty: set a penalty per late order to estimate it"
        )
    ledger_after = pd.concat(parts, ignore_index=True)

    summary_before = monthly_summary(before, ledger_before, as_of=as_of, rules=rules)
    summary_after = monthly_summary(after, ledger_after, as_of=as_of, rules=scenario_rules)
    row_before = _row(summary_before, shop, month, rules.threshold, as_of, decimals)
    row_after = _row(summary_after, shop, month, threshold, as_of, decimals)

    flips = _flips(before, after.iloc[: len(before)], month)
    curve = _curve(final, is_extra, extra_rank, shop, month, curve_max, as_of, scenario_rules)
    return WhatIf(
        shop, month, levers, row_before, row_after, flips, curve, source, added, n_fix, notes
    )


def _flips(before: pd.DataFrame, after: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    s0 = before["status"].astype(object).to_numpy()
    s1 = after["status"].astype(object).to_numpy()
    touched = (_month_of(before) == month).to_numpy() | (_month_of(after) == month).to_numpy()
    rows = np.flatnonzero((s0 != s1) & touched)
    b, a = before.iloc[rows], after.iloc[rows]
    return pd.DataFrame(
        {
            "order_id": b["order_id"].to_numpy(dtype=object),
            "channel": b["channel"].to_numpy(dtype=object),
            "method": b["method"].to_numpy(dtype=object),
            "paid_at": b["paid_at"].to_numpy(dtype="datetime64[us]"),
            "deadline_before": b["deadline"].to_numpy(dtype="datetime64[us]"),
            "deadline_after": a["deadline"].to_numpy(dtype="datetime64[us]"),
            "fulfilled_before": b["fulfilled_at"].to_numpy(dtype="datetime64[us]"),
            "fulfilled_after": a["fulfilled_at"].to_numpy(dtype="datetime64[us]"),
            "status_before": s0[rows],
            "status_after": s1[rows],
        },
        columns=list(FLIP_COLUMNS),
    )


def _curve(final, is_extra, extra_rank, shop, month, curve_max, as_of, rules) -> pd.DataFrame:
    """Rate and qualification with 0..curve_max extra late orders: one engine summary of copies."""
    in_month = (_month_of(final) == month).to_numpy()
    core = final.loc[~is_extra & in_month, ["deadline", "status"]]
    n_extra = int(is_extra.sum())
    extra = final.loc[is_extra, ["deadline", "status"]]
    copies = []
    for k in range(min(curve_max, n_extra) + 1):
        part = pd.concat([core, extra.iloc[:k]], ignore_index=True)
        part.insert(0, "shop", str(k))
        copies.append(part)
    stacked = pd.concat(copies, ignore_index=True)
    summary = monthly_summary(stacked, as_of=as_of, rules=rules)
    summary = summary[summary["month"] == month]
    k = summary["shop"].astype(int).to_numpy()
    out = (
        pd.DataFrame(
            {
                "extra_late": k,
                "assessed": summary["assessed"].to_numpy(),
                "rate": summary["rate"].to_numpy(),
                "qualifies": summary["qualifies"].to_numpy(dtype=bool),
            }
        )
        .sort_values("extra_late", kind="stable")
        .reset_index(drop=True)
    )
    return out


def priority_list(
    assessed: pd.DataFrame | Assessed,
    *,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
) -> pd.DataFrame:
    """Today's pending orders, least time left first, with the month's slack.

    ``late_allowed`` is how many more late orders the order's month can absorb if every other
    pending order ships on time (:func:`~xlcompliance.core.monthly.month_margins`, the same
    number the reconcile report and the what-if results show); ``critical`` marks orders whose
    lateness alone would push a month that can still reach the threshold below it.
    """
    rules = rules or default_rules()
    calendar = calendar or default_calendar(rules)
    as_of = _as_of(assessed, as_of, rules)
    result = assessed_of(assessed, rules=rules, headers=headers)
    inputs = order_inputs(result, rules=rules)
    assessed = result.frame
    status = assessed["status"].astype(object).to_numpy()[inputs.index]
    pending = status == "pending"
    deadline = assessed["deadline"].to_numpy(dtype="datetime64[us]")[inputs.index]
    if not pending.any():  # typed like a full list, so filters such as month == "2024-07" work
        return pd.DataFrame({
            "order_id": pd.Series(dtype=object), "shop": pd.Series(dtype=object),
            "channel": pd.Series(dtype=object), "method": pd.Series(dtype=object),
            "paid_at": pd.Series(dtype="datetime64[us]"), "deadline": pd.Series(dtype="datetime64[us]"),
            "hours_left": pd.Series(dtype=float), "month": pd.Series(dtype="period[M]"),
            "late_allowed": pd.Series(dtype=np.int64), "critical": pd.Series(dtype=bool),
        })[list(PRIORITY_COLUMNS)]
    summary = monthly_summary(result, as_of=as_of, rules=rules, headers=headers)
    late_allowed, needed = month_margins(summary["on_time"], summary["late"], summary["pending"], rules.threshold)
    rated = (summary["assessed"] + summary["pending"]).to_numpy() > 0
    slack = pd.DataFrame(
        {
            "shop": summary["shop"].to_numpy(dtype=object),
            "month": summary["month"],
            "late_allowed": late_allowed,
            "critical": (needed == 0) & (late_allowed == 0) & rated,
        }
    )
    todo = inputs[pending]
    as_of64 = np.datetime64(as_of.as_unit("us").to_datetime64(), "us")
    left = (deadline[pending] - as_of64).astype("timedelta64[us]").astype(np.int64) / 3.6e9
    frame = pd.DataFrame(
        {
            "order_id": todo["order_id"].to_numpy(dtype=object),
            "shop": todo["shop"].to_numpy(dtype=object),
            "channel": todo["channel"].to_numpy(dtype=object),
            "method": todo["method"].to_numpy(dtype=object),
            "paid_at": todo["paid_at"].to_numpy(dtype="datetime64[us]"),
            "deadline": deadline[pending],
            "hours_left": left,
            "month": pd.Series(deadline[pending]).dt.to_period("M").to_numpy(),
        }
    )
    frame = frame.merge(slack, on=["shop", "month"], how="left")
    frame["late_allowed"] = frame["late_allowed"].astype(np.int64)
    frame["critical"] = frame["critical"].astype(bool)
    return frame.sort_values(["hours_left", "order_id"], kind="stable").reset_index(drop=True)[
        list(PRIORITY_COLUMNS)
    ]


__all__ = ["Levers", "WhatIf", "what_if", "priority_list", "order_inputs", "parse_month"]
