"""Finance reconciliation: what the 95 % waiver owes each shop-month, whether it came, what to appeal.

Built on :func:`monthly_summary` (counts, rate, qualifies, refund due), it adds the refunds
received, the difference, the ``refund_status``, the margin to the threshold, each penalty
matched to its order, and the penalties worth appealing. Money is integer cents inside and
``Decimal`` outside; the report writes it to Excel as numbers formatted to 0.00.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from .as_of import record_as_of, same_as_of
from .assessment import Assessed, assessed_of, now_platform, resolve_as_of
from .headers import canonical_series
from .ledgers import normalize_penalties, normalize_refunds
from .money import decimals_column
from .monthly import SUMMARY_COLUMNS, month_end, month_margins, monthly_counts, summary_from_counts
from .parsing import first_errors
from .rules import Rules, default_rules
from .text import stripped_texts

RECONCILE_COLUMNS = SUMMARY_COLUMNS + (
    "refund_received", "difference", "refund_status", "late_allowed", "on_time_needed", "currency",
)
REFUND_STATUSES = ("received", "short", "over", "missing", "not_due_yet", "unexpected", "none_due")
APPEAL_REASONS = (
    "assessed_on_time", "not_late", "duplicate", "not_in_export", "channel_mismatch",
    "shop_mismatch", "amount_not_positive",
)
PENALTY_DETAIL_COLUMNS = (
    "row", "shop", "order_id", "channel", "amount", "currency", "deducted_at", "month",
    "order_found", "order_shop", "order_channel", "order_status", "deadline", "fulfilled_at",
    "hours_late", "in_refund", "appeal", "error",
)
APPEAL_COLUMNS = (
    "row", "shop", "order_id", "channel", "amount", "currency", "deducted_at", "reason",
    "evidence", "order_status", "deadline", "fulfilled_at",
)
REFUND_DETAIL_COLUMNS = ("row", "shop", "month", "amount", "currency", "received_at", "counted", "note")
MONEY_COLUMNS = ("penalties", "refund_due", "refund_received", "difference", "amount")
_TS = "%Y-%m-%d %H:%M:%S"


@dataclass
class Reconciliation:
    """The result of :func:`reconcile`.

    Attributes:
        summary: one row per (shop, month), columns ``RECONCILE_COLUMNS``.
        appeals: penalties worth appealing, with the reason and the evidence.
        penalties: every penalty row matched to its order and status (bad rows keep ``error``).
        refunds: every refund row, whether it was counted and why not.
        as_of: the moment of the reconciliation (platform time).
        threshold: the qualifying on-time rate (from the rules data).
    """

    summary: pd.DataFrame
    appeals: pd.DataFrame
    penalties: pd.DataFrame
    refunds: pd.DataFrame
    as_of: pd.Timestamp
    threshold: Fraction



def _ts(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime(_TS)


def _cents(decimals: pd.Series, places: int) -> np.ndarray:
    return np.array([int(d.scaleb(places)) for d in decimals], dtype=np.int64)


def _currencies(pen: pd.DataFrame, ref: pd.DataFrame) -> pd.Series:
    """One currency per (shop, month) from its good ledger rows; mixed currencies are refused."""
    frames = [
        pd.DataFrame({"shop": f["shop"], "month": f["month"], "currency": f["currency"]})[f["error"].isna()]
        for f in (pen, ref)
    ]
    rows = pd.concat(frames, ignore_index=True)
    rows["currency"] = rows["currency"].astype(object).map(lambda c: str(c).strip().upper())
    rows = rows[rows["currency"] != ""]
    if rows.empty:
        return pd.Series(dtype=object)
    found = rows.groupby(["shop", "month"])["currency"].unique()
    mixed = found[found.map(len) > 1]
    if len(mixed):
        (shop, month), cur = mixed.index[0], mixed.iloc[0]
        raise ValueError(
            f"ledgers mix currencies for shop {shop!r} month {month}: {', '.join(sorted(cur))}; "
            "reconcile one currency at a time"
        )
    return found.map(lambda c: c[0])


def _currency_column(currency: pd.Series, key: pd.MultiIndex) -> np.ndarray:
    """Each shop-month's currency; a month without ledger rows takes its shop's only currency."""
    if not len(currency):
        return np.full(len(key), "", dtype=object)
    per_shop = currency.groupby(level=0).unique()
    per_shop = per_shop[per_shop.map(len) == 1].map(lambda c: c[0])
    own = currency.reindex(key).to_numpy(dtype=object)
    shop = per_shop.reindex(key.get_level_values(0)).to_numpy(dtype=object)
    return np.where(pd.notna(own), own, np.where(pd.notna(shop), shop, "")).astype(object)


def _per_month(pen: pd.DataFrame, places: int) -> pd.DataFrame:
    """The readable penalties summed per (shop, deduction month), as a small penalty statement.

    ``monthly_summary`` sums by deduction month anyway; handing it one exact total per month
    (dated the 1st) gives the same sums without parsing every amount a second time.
    """
    good = pen[pen["error"].isna()]
    sums = good.groupby(["shop", "month"], sort=True)["amount_cents"].sum()
    months = pd.PeriodIndex(sums.index.get_level_values("month"), freq="M")
    return pd.DataFrame({
        "shop": sums.index.get_level_values("shop").astype(object),
        "amount": decimals_column(sums.to_numpy(dtype=np.int64), places).to_numpy(),
        "deducted_at": months.to_timestamp(how="start").to_numpy(dtype="datetime64[us]"),
    })


def _refund_sums(ref: pd.DataFrame, as_of64) -> tuple[pd.Series, np.ndarray]:
    """Received cents per (shop, month), counting good rows received by ``as_of``."""
    received = ref["received_at"].to_numpy(dtype="datetime64[us]")
    counted = ref["error"].isna().to_numpy() & (np.isnat(received) | (received <= as_of64))
    sums = ref[counted].groupby(["shop", "month"], sort=True)["amount_cents"].sum()
    return sums, counted


def _add_refund_only_rows(summary: pd.DataFrame, keys: pd.MultiIndex, as_of64, places: int) -> pd.DataFrame:
    """Shop-months that appear only in the refunds ledger get a row (nothing due there)."""
    have = pd.MultiIndex.from_arrays([summary["shop"].astype(object), summary["month"]])
    extra = keys.difference(have)
    if not len(extra):
        return summary
    months = pd.PeriodIndex(extra.get_level_values(1), freq="M")
    n = len(extra)
    zero = decimals_column(np.zeros(n, dtype=np.int64), places)
    rows = pd.DataFrame({
        "shop": extra.get_level_values(0).astype(object),
        "month": months,
        "assessed": np.zeros(n, dtype=np.int64),
        "on_time": np.zeros(n, dtype=np.int64),
        "late": np.zeros(n, dtype=np.int64),
        "pending": np.zeros(n, dtype=np.int64),
        "rate": np.full(n, np.nan),
        "provisional": month_end(months) > as_of64,
        "qualifies": np.zeros(n, dtype=bool),
        "penalties": zero,
        "refund_due": zero.copy(),
        "refund_due_date": pd.Series(np.full(n, np.datetime64("NaT", "us")), dtype="datetime64[us]"),
    })
    out = pd.concat([summary, rows], ignore_index=True)
    return out.sort_values(["shop", "month"], kind="stable").reset_index(drop=True)


def refund_statuses(due_cents, received_cents, due_date, as_of) -> pd.Categorical:
    """The reconciliation table of docs/rules.md, vectorised over shop-months.

    Args:
        due_cents: refund due (integer cents).
        received_cents: refunds received by ``as_of`` (integer cents; net of reversals).
        due_date: refund due dates (NaT where nothing is due).
        as_of: the moment of the reconciliation.
    """
    due = np.asarray(due_cents, dtype=np.int64)
    got = np.asarray(received_cents, dtype=np.int64)
    when = pd.to_datetime(pd.Series(due_date, dtype=object)).to_numpy(dtype="datetime64[us]")
    as_of64 = np.datetime64(pd.Timestamp(as_of).as_unit("us").to_datetime64(), "us")
    owed = due > 0
    some = got > 0
    with np.errstate(invalid="ignore"):
        passed = ~np.isnat(when) & (as_of64 > when)
    status = np.select(
        [owed & (got == due), owed & some & (got < due), owed & (got > due),
         owed & ~some & passed, owed & ~some, ~owed & (got != 0)],
        [0, 1, 2, 3, 4, 5],
        6,
    )
    return pd.Categorical.from_codes(status, categories=list(REFUND_STATUSES))


def penalty_order_ids(penalties: pd.DataFrame | None, rules: Rules | None = None, headers=None) -> set[str]:
    """The order ids a penalty statement names, as the matching compares them."""
    if penalties is None:
        return set()
    ids = normalize_penalties(penalties, rules or default_rules(), headers)["order_id"]
    return {i for i in ids if i}


def penalised_rows(assessed: pd.DataFrame, order_ids: set[str], headers=None) -> np.ndarray:
    """Mask of the assessed rows whose order id is one of ``order_ids``: all the matching reads."""
    ids = stripped_texts(canonical_series(assessed, "orders", headers).get("order_id"), len(assessed))
    return np.isin(ids, list(order_ids)) if order_ids else np.zeros(len(ids), dtype=bool)


def _orders(assessed: Assessed) -> dict:
    """The order side of the matching: first row per order id and the fields shown as evidence."""
    orders, frame = assessed.orders, assessed.frame
    ids = orders.order_ids
    first = (ids != "") & ~pd.Series(ids).duplicated().to_numpy()
    fulfilled = orders.inputs.fulfilled  # the row's own time, else the earliest scan (assess(scans=))
    if "scanned_at" in frame.columns:  # an assessed frame given back: its scans were found then
        scanned = frame["scanned_at"].to_numpy(dtype="datetime64[us]")
        fulfilled = np.where(np.isnat(fulfilled), scanned, fulfilled)
    platform = orders.platform_deadline
    if platform is None:
        platform = np.full(len(orders), np.datetime64("NaT", "us"))
    return {
        "index": pd.Index(ids[first]),
        "positions": np.flatnonzero(first),
        "shop": orders.shops,
        "channel": orders.channel_names,
        "status": frame["status"].astype(object).to_numpy(),
        "deadline": frame["deadline"].to_numpy(dtype="datetime64[us]"),
        "fulfilled": fulfilled,
        "cancelled": orders.cancelled_at,
        "hours_late": frame["hours_late"].to_numpy(dtype=float),
        "platform_deadline": platform,
    }


def _evidence(mask: np.ndarray, make) -> np.ndarray:
    out = np.empty(len(mask), dtype=object)
    for i in np.flatnonzero(mask):
        out[i] = make(i)
    return out


def _penalty_detail(pen, orders, summary, places, as_of) -> tuple[pd.DataFrame, np.ndarray]:
    """Every penalty matched to its order, with its appeal reasons and evidence."""
    n = len(pen)
    good = pen["error"].isna().to_numpy()
    ids = pen["order_id"].to_numpy(dtype=object)
    pos = orders["index"].get_indexer(ids) if len(orders["index"]) else np.full(n, -1)
    found = (pos >= 0) & (ids != "")
    positions = orders["positions"]
    at = np.where(found, positions[np.maximum(pos, 0)], 0) if len(positions) else np.zeros(n, int)

    def pick(name, blank):
        values = orders[name][at] if len(orders[name]) else np.full(n, blank)
        return np.where(found, values, blank)

    o_shop = pick("shop", "")
    o_channel = pick("channel", None)
    o_status = pick("status", None)
    o_deadline = pick("deadline", np.datetime64("NaT", "us")).astype("datetime64[us]")
    o_fulfilled = pick("fulfilled", np.datetime64("NaT", "us")).astype("datetime64[us]")
    o_cancelled = pick("cancelled", np.datetime64("NaT", "us")).astype("datetime64[us]")
    o_hours = pick("hours_late", np.nan).astype(float)
    o_platform = pick("platform_deadline", np.datetime64("NaT", "us")).astype("datetime64[us]")
    earlier = ~np.isnat(o_platform) & ~np.isnat(o_deadline) & (o_platform < o_deadline)

    def platform_note(i) -> str:
        """Where the export's own deadline (发货期限) is earlier than the rules' one: the likely
        cause of the penalty, worth quoting in the appeal."""
        if not earlier[i]:
            return ""
        hours = (o_deadline[i] - o_platform[i]) / np.timedelta64(1, "h")
        return f"; the platform's deadline {_ts(o_platform[i])} is {hours:g} h earlier than the rules'"

    cents = pen["amount_cents"].to_numpy(dtype=np.int64)
    amount = pd.Series([None] * n, dtype=object)
    if good.any():
        amount[good] = decimals_column(cents[good], places).to_numpy()
    deducted = pen["deducted_at"].to_numpy(dtype="datetime64[us]")
    p_shop = pen["shop"].to_numpy(dtype=object)
    p_channel = pen["channel"].to_numpy(dtype=object)
    rows = np.arange(n) + 2  # spreadsheet row of a ledger read with its header in row 1

    on_time = good & found & (o_status == "on_time")
    not_late = good & found & np.isin(o_status, ["pending", "cancelled"])
    keyed = pd.Series(np.where(good & (ids != ""), ids, None), dtype=object)
    dup = good & keyed.duplicated().to_numpy() & keyed.notna().to_numpy()
    first_row = keyed.map(pd.Series(np.arange(n), index=keyed).groupby(level=0).first()).to_numpy()
    missing = good & ~found
    channel_bad = good & found & pd.notna(p_channel) & pd.notna(o_channel) & (p_channel != o_channel)
    shop_bad = good & found & (p_shop != "") & (o_shop != "") & (p_shop != o_shop)
    not_positive = good & (cents <= 0)

    as_of_text = pd.Timestamp(as_of).strftime(_TS)
    checks = (
        ("assessed_on_time", on_time,
         lambda i: f"fulfilled {_ts(o_fulfilled[i])}, deadline {_ts(o_deadline[i])}: on time{platform_note(i)}"),
        ("not_late", not_late,
         lambda i: (f"cancelled {_ts(o_cancelled[i])}, before the deadline {_ts(o_deadline[i])}: "
                    "not assessed" if o_status[i] == "cancelled"
                    else f"not fulfilled, deadline {_ts(o_deadline[i])} not passed as of {as_of_text}")
                   + platform_note(i)),
        ("duplicate", dup,
         lambda i: (f"order already penalised in row {rows[int(first_row[i])]} "
                    f"({_ts(deducted[int(first_row[i])])}, {amount[int(first_row[i])]})")),
        ("not_in_export", missing,
         lambda i: "penalty has no order id" if ids[i] == "" else "order id not in the order export"),
        ("channel_mismatch", channel_bad,
         lambda i: f"penalty says {p_channel[i]}, order is {o_channel[i]}"),
        ("shop_mismatch", shop_bad, lambda i: f"penalty says shop {p_shop[i]!r}, order is {o_shop[i]!r}"),
        ("amount_not_positive", not_positive, lambda i: f"amount {amount[i]} is not a deduction"),
    )
    reasons = first_errors(*[np.where(mask, name, None) for name, mask, _ in checks])
    evidence = first_errors(*[_evidence(mask, make) for _, mask, make in checks])

    month = pen["month"]
    key = pd.MultiIndex.from_arrays([pen["shop"].astype(object), month])
    qualifies = pd.Series(
        summary["qualifies"].to_numpy(dtype=bool),
        index=pd.MultiIndex.from_arrays([summary["shop"].astype(object), summary["month"]]),
    )
    in_refund = good & (qualifies.reindex(key).fillna(False).to_numpy(dtype=bool) if n else good)

    detail = pd.DataFrame({
        "row": rows,
        "shop": p_shop,
        "order_id": ids,
        "channel": p_channel,
        "amount": amount,
        "currency": pen["currency"].to_numpy(dtype=object),
        "deducted_at": pd.Series(deducted, dtype="datetime64[us]"),
        "month": month.reset_index(drop=True),
        "order_found": found,
        "order_shop": np.where(found, o_shop, None),
        "order_channel": o_channel,
        "order_status": o_status,
        "deadline": pd.Series(o_deadline, dtype="datetime64[us]"),
        "fulfilled_at": pd.Series(o_fulfilled, dtype="datetime64[us]"),
        "hours_late": o_hours,
        "in_refund": in_refund,
        "appeal": pd.Series(reasons, dtype=object),
        "error": pen["error"].reset_index(drop=True),
    })
    return detail, evidence


def _appeals(detail: pd.DataFrame, evidence: np.ndarray) -> pd.DataFrame:
    mask = detail["appeal"].notna().to_numpy()
    out = detail.loc[mask, ["row", "shop", "order_id", "channel", "amount", "currency", "deducted_at"]].copy()
    out["reason"] = detail.loc[mask, "appeal"]
    out["evidence"] = evidence[mask]
    out["order_status"] = detail.loc[mask, "order_status"]
    out["deadline"] = detail.loc[mask, "deadline"]
    out["fulfilled_at"] = detail.loc[mask, "fulfilled_at"]
    return out.reset_index(drop=True)[list(APPEAL_COLUMNS)]


def reconcile(
    assessed: pd.DataFrame | Assessed,
    penalties: pd.DataFrame | None,
    refunds: pd.DataFrame | None = None,
    *,
    as_of=None,
    rules: Rules | None = None,
    headers: dict | None = None,
) -> Reconciliation:
    """Reconcile the penalty statement and the refunds received against the on-time rate.

    Args:
        assessed: the output of :func:`assess` (or the :class:`Assessed` of ``assess_orders``).
        penalties: the penalty statement (``shop, order_id, channel, amount, deducted_at``
            [, ``currency``]; English or Chinese headers).
        refunds: the refunds received (``shop, month, amount, received_at`` [, ``currency``]).
        as_of: the moment of the reconciliation (default: the moment ``assessed`` was assessed
            as of, else now). Refunds received after it are not counted. It must be the
            assessment's own moment: order statuses (late / pending) are only true as of it, and
            the reconciliation cannot re-assess (it does not know the calendar, rules and date
            reading the assessment used), so a different moment is refused, never mixed.

    Returns:
        A :class:`Reconciliation` with ``summary``, ``appeals``, ``penalties``, ``refunds``.

    Raises:
        ValueError: one shop-month's ledgers mix currencies; ``assessed`` was assessed as of
            another moment than ``as_of``.

    Ledger rows that cannot be read are left out of the sums, kept with their ``error`` in
    ``.penalties`` / ``.refunds``, and announced with one warning.
    """
    rules = rules or default_rules()
    assessed = assessed_of(assessed, rules=rules, headers=headers)
    counts = monthly_counts(assessed, headers=headers)
    return reconcile_counts(counts, assessed, penalties, refunds, as_of=as_of, rules=rules, headers=headers)


def reconcile_counts(
    counts: pd.DataFrame,
    orders: pd.DataFrame | Assessed,
    penalties: pd.DataFrame | None,
    refunds: pd.DataFrame | None = None,
    *,
    as_of=None,
    rules: Rules | None = None,
    headers: dict | None = None,
) -> Reconciliation:
    """:func:`reconcile` from the monthly counts of the assessed orders (``monthly_counts``, or
    their sum over the parts of a partitioned export) and the assessed rows a penalty names
    (``penalised_rows``; any superset in the original row order gives the same result)."""
    rules = rules or default_rules()
    orders = assessed_of(orders, rules=rules, headers=headers)
    places = rules.money_decimals
    asked = resolve_as_of(as_of, rules) if as_of is not None else None
    as_of_ts = same_as_of(orders.frame, asked, lambda: now_platform(rules), "reconcile")
    as_of64 = np.datetime64(as_of_ts.as_unit("us").to_datetime64(), "us")

    empty_pen = pd.DataFrame({"amount": [], "deducted_at": []}, dtype=object)
    empty_ref = pd.DataFrame({"month": [], "amount": []}, dtype=object)
    pen = normalize_penalties(penalties if penalties is not None else empty_pen, rules, headers)
    ref = normalize_refunds(refunds if refunds is not None else empty_ref, rules, headers)
    currency = _currencies(pen, ref)

    base = summary_from_counts(counts, _per_month(pen, places), as_of=as_of_ts, rules=rules, headers=headers)

    received, counted = _refund_sums(ref, as_of64)
    summary = _add_refund_only_rows(base, received.index, as_of64, places)
    key = pd.MultiIndex.from_arrays([summary["shop"].astype(object), summary["month"]])
    got = received.reindex(key, fill_value=0).to_numpy(dtype=np.int64) if len(received) else np.zeros(
        len(summary), dtype=np.int64)
    due = _cents(summary["refund_due"], places)
    summary["refund_received"] = decimals_column(got, places)
    summary["difference"] = decimals_column(got - due, places)
    summary["refund_status"] = refund_statuses(due, got, summary["refund_due_date"], as_of_ts)
    assessed_n = summary["assessed"].to_numpy(dtype=np.int64)
    pending_n = summary["pending"].to_numpy(dtype=np.int64)
    allowed, needed = month_margins(
        summary["on_time"].to_numpy(dtype=np.int64), summary["late"].to_numpy(dtype=np.int64), pending_n,
        rules.threshold,
    )
    none = (assessed_n + pending_n) == 0  # no order to rate, so no margin either
    summary["late_allowed"] = pd.array(np.where(none, 0, allowed), dtype="Int64")
    summary["on_time_needed"] = pd.array(np.where(none, 0, needed), dtype="Int64")
    summary.loc[none, ["late_allowed", "on_time_needed"]] = pd.NA
    summary["currency"] = _currency_column(currency, key)
    summary = summary[list(RECONCILE_COLUMNS)]
    summary.attrs = {}
    record_as_of(summary, as_of_ts)

    detail, evidence = _penalty_detail(pen, _orders(orders), summary, places, as_of_ts)
    appeals = _appeals(detail, evidence)
    refunds_out = _refund_detail(ref, counted, places)

    bad_p, bad_r = int(pen["error"].notna().sum()), int(ref["error"].notna().sum())
    if bad_p or bad_r:
        first = pd.concat([pen["error"].dropna(), ref["error"].dropna()]).iloc[0]
        warnings.warn(
            f"reconcile: {bad_p} penalty row(s) and {bad_r} refund row(s) could not be read and "
            f"were left out of the sums (see the error column); first: {first}",
            stacklevel=2,
        )
    return Reconciliation(summary, appeals, detail, refunds_out, as_of_ts, rules.threshold)


def _refund_detail(ref: pd.DataFrame, counted: np.ndarray, places: int) -> pd.DataFrame:
    n = len(ref)
    good = ref["error"].isna().to_numpy()
    amount = pd.Series([None] * n, dtype=object)
    if good.any():
        amount[good] = decimals_column(ref["amount_cents"].to_numpy()[good], places).to_numpy()
    note = np.where(good & ~counted, "received after as_of: not counted yet", None).astype(object)
    note = np.where(good, note, ref["error"].astype(object).to_numpy())
    return pd.DataFrame({
        "row": np.arange(n) + 2,
        "shop": ref["shop"].to_numpy(dtype=object),
        "month": ref["month"].reset_index(drop=True),
        "amount": amount,
        "currency": ref["currency"].to_numpy(dtype=object),
        "received_at": ref["received_at"].reset_index(drop=True),
        "counted": counted,
        "note": pd.Series(note, dtype=object),
    })


__all__ = [
    "APPEAL_REASONS", "RECONCILE_COLUMNS", "REFUND_STATUSES", "Reconciliation", "penalised_rows",
    "penalty_order_ids", "reconcile", "reconcile_counts", "refund_statuses",
]
