"""Monthly on-time rate per shop, whether the month qualifies, and the refund it earns.

An order belongs to the month of its deadline; penalties to the month they were deducted in.
Counts and money are integers throughout; ``qualifies`` compares ``on_time * q >= p * assessed``
for the threshold ``p/q``, so exactly 95 % is never lost to float rounding.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .as_of import record_as_of, recorded_as_of
from .assessment import (
    CANCELLED,
    LATE,
    ON_TIME,
    PENDING,
    STATUSES,
    Assessed,
    now_platform,
    resolve_as_of,
)
from .headers import canonical_series
from .ledgers import normalize_penalties
from .money import decimals_column
from .orders import shop_codes
from .rules import Rules, default_rules

SUMMARY_COLUMNS = (
    "shop", "month", "assessed", "on_time", "late", "pending", "rate",
    "provisional", "qualifies", "penalties", "refund_due", "refund_due_date",
)


def _group_codes(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of non-negative integer keys below ``size``, and the key of each code (sorted
    when the range is small enough for a presence table, else in order of appearance)."""
    if size <= 4 * len(key) + (1 << 16):
        groups = np.flatnonzero(np.bincount(key, minlength=size))
        rank = np.zeros(size, dtype=np.int64)
        rank[groups] = np.arange(len(groups))
        return rank[key], groups
    codes, groups = pd.factorize(key)
    return codes, groups


def month_end(months: pd.PeriodIndex) -> np.ndarray:
    """First instant after each month, as datetime64[us]."""
    return (months + 1).to_timestamp(how="start").to_numpy(dtype="datetime64[us]")


def refund_due_dates(months: pd.PeriodIndex, rules: Rules) -> np.ndarray:
    """Last day of the month ``due_months_after`` later, at the due time."""
    t = rules.due_time
    last_day = (months + rules.due_months_after).to_timestamp(how="end").normalize()
    return (last_day + pd.Timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)).to_numpy(
        dtype="datetime64[us]"
    )


def monthly_summary(
    assessed: pd.DataFrame | Assessed,
    penalties: pd.DataFrame | None = None,
    *,
    as_of=None,
    rules: Rules | None = None,
    headers: dict | None = None,
) -> pd.DataFrame:
    """One row per (shop, month): counts, rate, provisional, qualifies, penalties, refund.

    Args:
        assessed: the output of :func:`assess` (or the :class:`Assessed` of ``assess_orders``).
        penalties: a penalty statement (``shop, order_id, channel, amount, deducted_at``).
        as_of: the moment of the summary (default: the moment ``assessed`` was assessed as of,
            else now, platform time).

    Penalty rows that cannot be read are left out of the sums, listed in
    ``result.attrs["penalty_errors"]`` (rows as dicts; ``pd.DataFrame(...)`` of it is a table) and
    announced with a warning. The moment is ``result.attrs["as_of"]`` as ISO text; every attr is
    plain JSON, so the summary writes to Parquet.
    """
    rules = rules or default_rules()
    if as_of is not None:
        as_of_ts = resolve_as_of(as_of, rules)
    else:
        recorded = recorded_as_of(assessed.frame if isinstance(assessed, Assessed) else assessed)
        as_of_ts = recorded if recorded is not None else now_platform(rules)
    counts = monthly_counts(assessed, headers=headers)
    return summary_from_counts(counts, penalties, as_of=as_of_ts, rules=rules, headers=headers)


COUNT_COLUMNS = ("on_time", "late", "pending")


def monthly_counts(assessed: pd.DataFrame | Assessed, *, headers: dict | None = None) -> pd.DataFrame:
    """Status counts per (shop, month of deadline): int64 ``on_time, late, pending``, sorted index.

    Counts of disjoint row sets add up: the counts of a whole export are the sum of the counts of
    its parts (``add_counts``), which is how a partitioned export is summarised.
    """
    if isinstance(assessed, Assessed):
        codes_of_shops, shop_names = assessed.orders.shop_codes
        assessed = assessed.frame
    else:
        codes_of_shops = None
    missing = [c for c in ("deadline", "status") if c not in assessed.columns]
    if missing:
        raise ValueError(f"monthly_summary takes the output of assess(); missing {', '.join(missing)}")
    if codes_of_shops is None:
        shop_column = canonical_series(assessed, "orders", headers).get("shop")
        codes_of_shops, shop_names = shop_codes(shop_column, len(assessed))
    deadline = assessed["deadline"].to_numpy(dtype="datetime64[us]")
    status = np.asarray(pd.Categorical(assessed["status"], categories=list(STATUSES)).codes)
    has_month = ~np.isnat(deadline) & (status >= 0)
    if "order_line" in assessed.columns:  # an order of several product lines counts once
        line = pd.to_numeric(assessed["order_line"], errors="coerce").to_numpy(dtype=float)
        has_month &= np.isnan(line) | (line == 1)
    # count per (shop code, month) with integer keys, then group the few distinct pairs by name
    month = deadline[has_month].astype("datetime64[M]").astype(np.int64)
    first = int(month.min()) if len(month) else 0
    span = int(month.max()) - first + 1 if len(month) else 1
    codes, groups = _group_codes(codes_of_shops[has_month] * span + (month - first), len(shop_names) * span)
    status = status[has_month]
    frame = pd.DataFrame({
        "shop": shop_names[groups // span],
        "month": pd.Series((groups % span + first).astype("datetime64[M]")).dt.to_period("M").to_numpy(),
        **{
            name: np.bincount(codes[status == code], minlength=len(groups)).astype(np.int64)
            for name, code in (("on_time", ON_TIME), ("late", LATE), ("pending", PENDING), ("cancelled", CANCELLED))
        },
    })
    return frame.groupby(["shop", "month"], sort=True, observed=True)[list(COUNT_COLUMNS)].sum()


def add_counts(stacked: pd.DataFrame) -> pd.DataFrame:
    """Several ``monthly_counts`` tables stacked (``pd.concat``) summed per (shop, month): exact
    integers, sorted like ``monthly_counts``."""
    return stacked.groupby(level=["shop", "month"], sort=True).sum().astype(np.int64)


def summary_from_counts(
    counts: pd.DataFrame,
    penalties: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp,
    rules: Rules,
    headers: dict | None = None,
) -> pd.DataFrame:
    """The monthly summary from ``monthly_counts`` (of one frame or summed over parts)."""
    as_of_ts = as_of
    penalty_errors = None
    if penalties is not None:
        ledger = normalize_penalties(penalties, rules, headers)
        bad = ledger["error"].notna()
        if bad.any():
            penalty_errors = ledger[bad]
            warnings.warn(
                f"monthly_summary: {int(bad.sum())} penalty row(s) could not be read and were left "
                f"out (see .attrs['penalty_errors']); first: {ledger['error'][bad].iloc[0]}",
                stacklevel=3,
            )
        good = ledger[~bad]
        money = good.groupby(["shop", "month"], sort=True)["amount_cents"].sum()
    else:
        money = pd.Series(dtype=np.int64, index=counts.index[:0])
    index = counts.index.union(money.index) if len(money) else counts.index
    table = counts.reindex(index, fill_value=0).astype(np.int64)
    penalty_cents = money.reindex(index, fill_value=0).astype(np.int64).to_numpy()

    on_time = table["on_time"].to_numpy()
    late = table["late"].to_numpy()
    assessed_n = on_time + late
    months = pd.PeriodIndex(index.get_level_values("month"), freq="M")
    th = rules.threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(assessed_n > 0, on_time / np.maximum(assessed_n, 1), np.nan)
    provisional = (table["pending"].to_numpy() > 0) | (
        month_end(months) > np.datetime64(as_of_ts.as_unit("us").to_datetime64(), "us")
    )
    qualifies = (assessed_n > 0) & ~provisional & (on_time * th.denominator >= th.numerator * assessed_n)
    refund_cents = np.where(qualifies, penalty_cents, 0)
    due = np.where(
        qualifies & (refund_cents > 0), refund_due_dates(months, rules), np.datetime64("NaT", "us")
    )
    out = pd.DataFrame({
        "shop": index.get_level_values("shop").astype(object),
        "month": months,
        "assessed": assessed_n,
        "on_time": on_time,
        "late": late,
        "pending": table["pending"].to_numpy(),
        "rate": rate,
        "provisional": provisional,
        "qualifies": qualifies,
        "penalties": decimals_column(penalty_cents, rules.money_decimals),
        "refund_due": decimals_column(refund_cents, rules.money_decimals),
        "refund_due_date": pd.Series(due, dtype="datetime64[us]"),
    })
    out.attrs["penalty_errors"] = None if penalty_errors is None else json_records(penalty_errors)
    record_as_of(out, as_of_ts)
    return out


def json_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts of text, whole numbers and None: what ``attrs`` may hold, since pandas
    writes a frame's attrs as JSON with Parquet (``pd.DataFrame(records)`` gives the rows back)."""
    def plain(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        return value if isinstance(value, str) else str(value)

    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def margins(on_time, assessed, threshold) -> tuple[np.ndarray, np.ndarray]:
    """How far each month is from the threshold ``p/q``, in whole orders.

    Returns:
        ``late_allowed``: more late orders the month can absorb and still reach the threshold
        (0 when it is below); ``on_time_needed``: more on-time orders needed to reach it (0 when
        it is already reached; -1 when no number of on-time orders can, i.e. a 100 % threshold
        with a late order). Exact integer arithmetic.
    """
    on_time = np.asarray(on_time, dtype=np.int64)
    assessed = np.asarray(assessed, dtype=np.int64)
    p, q = threshold.numerator, threshold.denominator
    surplus = on_time * q - p * assessed  # >= 0 iff the rate reaches p/q
    if p == 0:
        late_allowed = np.full(len(on_time), np.iinfo(np.int64).max)
    else:
        late_allowed = np.where(surplus >= 0, surplus // p, 0)
    if p == q:
        needed = np.where(surplus >= 0, 0, -1)
    else:
        needed = np.where(surplus >= 0, 0, -((surplus) // (q - p)))
    return late_allowed, needed


def month_margins(on_time, late, pending, threshold) -> tuple[np.ndarray, np.ndarray]:
    """How far each month is from the threshold, counting its pending orders as still to ship.

    Every pending order of a month will be assessed too (on time or late), so the month's final
    rate is ``(on_time + pending shipped on time) / (on_time + late + pending)``. This is the one
    definition of "late orders still allowed" for every view (reconcile report, what-if app,
    priority list): ``late_allowed`` = how many more orders (pending ones that slip, or others)
    can be late, with every other pending order shipped on time, and the month still reach the
    threshold; ``on_time_needed`` = more on-time orders needed beyond all pending ones shipping
    on time. A month with no pending order gives exactly :func:`margins`.
    """
    on_time = np.asarray(on_time, dtype=np.int64)
    pending = np.asarray(pending, dtype=np.int64)
    late = np.asarray(late, dtype=np.int64)
    return margins(on_time + pending, on_time + late + pending, threshold)
