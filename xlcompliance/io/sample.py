"""Seeded generator of realistic AliExpress semi-managed order exports.

Everything here is synthetic. ``generate_orders`` builds an orders export in the canonical
columns of docs/rules.md, fully vectorised, so it scales to millions of rows for benchmarks. Each
order's deadline comes from the engine itself (:func:`~xlcompliance.deadlines.compute_deadlines`
with the default rules and calendar) and fulfilment is placed before or after it, so the
intended on-time / late mix holds exactly when the export is assessed.
``generate_penalties`` and ``generate_refunds`` build the finance ledgers that go with an
assessed export, with a few deliberate anomalies for reconciliation to find.
``python -m xlcompliance.io.sample`` regenerates the bundled copy in ``xlcompliance/data/sample``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.assessment import assess
from ..core.calendar import default_calendar
from ..core.deadlines import compute_deadlines, relaxation_for, weekmask_text
from ..core.money import cents_to_decimal, to_cents
from ..core.monthly import monthly_summary, refund_due_dates
from ..core.rules import default_rules

__all__ = [
    "COLUMNS",
    "SAMPLE_AS_OF",
    "bundled_frames",
    "generate_orders",
    "generate_penalties",
    "generate_refunds",
    "main",
    "write_bundled_sample",
]

#: Canonical order columns, in export order (docs/rules.md).
COLUMNS = (
    "order_id",
    "shop",
    "channel",
    "method",
    "paid_at",
    "listed_at",
    "last_month_sales",
    "fulfilled_at",
    "cancelled_at",
)

#: The moment the bundled sample is a snapshot of: the end of the default quarter.
SAMPLE_AS_OF = pd.Timestamp("2024-07-01 00:00:00")

_DAY = 86_400
_HOUR = 3_600
_NAT = np.datetime64("NaT", "s")
_SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"

# Relative order volume by hour of payment (platform time): quiet at night, busiest in the
# Chinese evening (European afternoon).
_HOURLY = np.array(
    [3.0, 2.5, 2.0, 1.5, 1.2, 1.0, 1.0, 1.2, 1.6, 2.0, 2.4, 2.6,
     2.8, 3.0, 3.4, 3.4, 3.6, 3.8, 4.2, 4.8, 5.4, 5.8, 5.5, 4.2]
)  # fmt: skip

# The worst shop's late share swings by month so that its months fall on both sides of 95 %.
_WORST_MONTHLY = np.array([0.45, 1.6, 1.05])


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


def _late_share(k: int, shop: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Per-order probability of a deliberately late fulfilment; the last shop is the worst."""
    base = 0.010 + 0.008 * np.arange(k)
    if k >= 2:
        base[-1] = 0.055
    swing = np.where(shop == k - 1, _WORST_MONTHLY[month % len(_WORST_MONTHLY)], 1.0)
    return base[shop] * (swing if k >= 2 else 1.0)


def generate_orders(
    n_orders: int | None = None,
    *,
    seed: int = 20240412,
    start="2024-04-01",
    months: int = 3,
    shops=("Aurora Home", "Beacon Outdoor", "Cobalt Tech"),
    orders_per_day: int = 40,
    n_invalid: int = 0,
) -> pd.DataFrame:
    """Generate a synthetic semi-managed orders export.

    Args:
        n_orders: Total number of orders; overrides ``orders_per_day`` (benchmarks).
        seed: Random seed; the same arguments always give the same frame.
        start: First day of the period (payments from its 00:00).
        months: Length of the period in calendar months.
        shops: Shop names; the last one is the noticeably worse performer.
        orders_per_day: Average orders per day over all shops.
        n_invalid: Number of deliberately invalid rows (listed after paid, negative sales,
            fulfilled before paid, in turn), for demonstrating per-row errors.

    Returns:
        One row per order in the canonical columns of docs/rules.md, sorted by ``paid_at``:
        string ``order_id``/``shop``/``channel``/``method`` (method blank for POP),
        naive ``datetime64[s]`` times in platform time, nullable ``Int64`` sales. The
        export is a snapshot at the end of the period: recent orders are not fulfilled yet.
    """
    return _generate(n_orders, seed, start, months, shops, orders_per_day, n_invalid)[0]


def _generate(n_orders, seed, start, months, shops, orders_per_day, n_invalid):
    """The orders frame and, per row, whether its fulfilment was placed after the deadline."""
    rules = default_rules()
    calendar = default_calendar(rules)
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(start).normalize()
    n_days = ((first + pd.DateOffset(months=months)) - first).days
    if n_days <= 0:
        raise ValueError("months: the period must be at least one month long")
    n = int(orders_per_day * n_days if n_orders is None else n_orders)
    if n < 0:
        raise ValueError("n_orders: must be >= 0")
    shops = tuple(shops)
    k = len(shops)
    if k == 0:
        raise ValueError("shops: at least one shop is needed")
    origin = int(first.value // 10**9)  # all times below are int seconds since the epoch
    end = origin + n_days * _DAY

    # --- payment: busier towards the end, at weekends and in the evening; some at the cutoff
    days = np.datetime64(first.date(), "D") + np.arange(n_days)
    weekend = ~np.is_busday(days, weekmask="1111100")
    on_break = np.isin(days, calendar.holidays("JIT"))
    day_w = (1.0 + 0.15 * weekend + 0.2 * np.arange(n_days) / n_days) * np.where(on_break, 0.9, 1)
    day = rng.choice(n_days, size=n, p=day_w / day_w.sum())
    tod = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum()) * _HOUR + rng.integers(0, _HOUR, n)
    cutoff = rules.cutoff.hour * _HOUR + rules.cutoff.minute * 60 + rules.cutoff.second
    jitter = rng.choice(np.array([-120, -60, -1, 0, 0, 0, 1, 60, 120]), size=n)
    tod = np.where(rng.random(n) < 0.03, cutoff + jitter, tod)
    paid = origin + np.sort(day * _DAY + tod)
    paid_s = paid.astype("datetime64[s]")
    month_of_day = (days.astype("datetime64[M]") - days[0].astype("datetime64[M]")).astype(int)
    month = month_of_day[(paid - origin) // _DAY]

    # --- shop, channel, method: the POP share differs per shop
    weight = 1 / (1 + 0.3 * np.arange(k))
    shop = rng.choice(k, size=n, p=weight / weight.sum())
    pop_share = 0.5 + 0.15 * (np.linspace(1, -1, k) if k > 1 else np.zeros(1))
    is_pop = rng.random(n) < pop_share[shop]
    is_self = ~is_pop & (rng.random(n) < 0.3)
    channel = np.array(["JIT", "POP"])[is_pop.astype(int)]
    method = np.array(["pickup", "self", None], dtype=object)[np.where(is_pop, 2, is_self)]

    # --- listing age and last month's sales, with cases on the eligibility boundaries of the
    # relaxation each order is measured against (its own limits, per row)
    within, cap = _limits(paid, rules)
    u = rng.random(n)
    old = within + 1 + rng.lognormal(np.log(120 * _DAY), 0.8, n).astype(np.int64)
    new = rng.integers(0, np.maximum(within, 1), n)
    age = np.select([u < 0.23, u < 0.245, u < 0.255], [new, within, within + 1], old)
    listed = np.where(rng.random(n) < 0.03, _NAT, (paid - age).astype("datetime64[s]"))
    s = rng.random(n)
    few = rng.integers(0, cap + 1, n)
    large = cap + 1 + rng.lognormal(np.log(60), 1.2, n).astype(np.int64)
    sales = np.select([s < 0.35, s < 0.37, s < 0.39], [few, cap, cap + 1], large)
    sales = np.where(rng.random(n) < 0.03, np.nan, sales)

    # --- the engine's deadline; fulfilment inside the window, or after it for late orders
    d = compute_deadlines(
        paid_s.astype("datetime64[us]"), channel, method, listed.astype("datetime64[us]"),
        sales, np.ones(n, dtype=bool), calendar, rules,
    )  # fmt: skip
    deadline = d.deadline.astype("datetime64[s]").astype(np.int64)
    late = rng.random(n) < _late_share(k, shop, month)
    tail = rng.random(n)
    delay = 60 + np.select(
        [tail < 0.7, tail < 0.95],
        [rng.exponential(10 * _HOUR, n), rng.exponential(2 * _DAY, n)],
        rng.uniform(3 * _DAY, 10 * _DAY, n),
    ).astype(np.int64)
    within_window = paid + (rng.beta(1.8, 2.6, n) * (deadline - paid)).astype(np.int64)
    fulfilled = _to_working_hours(
        rng, np.where(late, deadline + delay, within_window), deadline, late, d, is_pop, calendar
    )

    # --- cancellations, and the snapshot at the end of the period
    cancelled = rng.random(n) < 0.02
    cancel_delay = np.where(
        rng.random(n) < 0.85, rng.exponential(6 * _HOUR, n), rng.uniform(_DAY, 5 * _DAY, n)
    ).astype(np.int64)
    cancelled_at = paid + 300 + cancel_delay
    ids = 8_150_010_000_000_000 + int(rng.integers(0, 10**9)) + np.cumsum(rng.integers(1, 2_000, n))

    frame = pd.DataFrame(
        {
            "order_id": pd.array(np.array(list(map(str, ids.tolist())), dtype=object), dtype="str"),
            "shop": pd.array(np.asarray(shops, dtype=object)[shop], dtype="str"),
            "channel": pd.array(channel, dtype="str"),
            "method": pd.array(method, dtype="str"),
            "paid_at": paid_s,
            "listed_at": listed,
            "last_month_sales": pd.array(sales, dtype="Int64"),
            "fulfilled_at": _times(fulfilled, cancelled | (fulfilled > end)),
            "cancelled_at": _times(cancelled_at, ~cancelled | (cancelled_at > end)),
        },
        columns=list(COLUMNS),
    )
    if n_invalid:
        _make_invalid(frame, rng, int(n_invalid))
    return frame, late


def _limits(paid: np.ndarray, rules) -> tuple[np.ndarray, np.ndarray]:
    """Per order (paid: int seconds): the listing-age limit in seconds and the sales cap of the
    conditional rule set it is measured against. Where that set has no such limit (or the rules
    have no conditional set) the boundary does not matter: the largest limit of any set, or 0."""
    sets = rules.rule_sets
    days = [rs.listed_within_days for rs in sets if rs.listed_within_days is not None]
    caps = [rs.max_last_month_sales for rs in sets if rs.max_last_month_sales is not None]
    day_of = [max(days, default=0) if rs.listed_within_days is None else rs.listed_within_days for rs in sets]
    cap_of = [max(caps, default=0) if rs.max_last_month_sales is None else rs.max_last_month_sales for rs in sets]
    which, _ = relaxation_for(paid * 10**6, rules)
    which = np.where(which < 0, len(sets), which)  # no conditional set: the fallback entry
    within = np.array([int(d * _DAY) for d in day_of] + [int(max(days, default=0) * _DAY)], dtype=np.int64)
    cap = np.array(cap_of + [max(caps, default=0)], dtype=np.int64)
    return within[which], cap[which]


def _times(seconds: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, _NAT, seconds.astype("datetime64[s]"))


def _to_working_hours(rng, fulfilled, deadline, late, d, is_pop, calendar) -> np.ndarray:
    """Move scans out of the small hours and off days the order's clock excludes.

    Such a scan moves to 07:00-10:00 on the next day that counts for the order (the engine's
    calendar and weekday mask), when that keeps it on the same side of the deadline. One holiday
    scan in ten stays: carriers and warehouses do work on holidays, but seldom.
    """
    day = fulfilled.astype("datetime64[s]").astype("datetime64[D]")
    counted = np.ones(len(day), dtype=bool)
    next_day = day.copy()
    for ch, pop in (("POP", True), ("JIT", False)):
        for bits in np.unique(d.weekmask[is_pop == pop]):
            rows = np.flatnonzero((is_pop == pop) & (d.weekmask == bits))
            table = calendar.day_table(ch, weekmask_text(int(bits)))
            counted[rows] = table.is_counted(day[rows].astype(np.int64))
            next_day[rows] = table.offset(day[rows].astype(np.int64), 0).astype("datetime64[D]")
    morning = next_day.astype(np.int64) * _DAY + rng.integers(7 * _HOUR, 10 * _HOUR, len(day))
    move = (fulfilled % _DAY < 7 * _HOUR) | (~counted & (rng.random(len(day)) >= 0.1))
    return np.where(move & (late | (morning <= deadline)), morning, fulfilled)


def _make_invalid(frame: pd.DataFrame, rng: np.random.Generator, count: int) -> None:
    """Turn ``count`` assessable rows, spread evenly over the period, into the input errors of docs/rules.md."""
    candidates = np.flatnonzero(
        frame["fulfilled_at"].notna().to_numpy() & frame["listed_at"].notna().to_numpy()
    )
    count = min(count, len(candidates))
    rows = candidates[(np.arange(1, count + 1) * len(candidates)) // (count + 1)]
    for i, row in enumerate(rows):
        paid = frame.at[row, "paid_at"]
        if i % 3 == 0:
            frame.at[row, "listed_at"] = paid + pd.Timedelta(days=2, hours=3)
        elif i % 3 == 1:
            frame.at[row, "last_month_sales"] = -int(rng.integers(1, 20))
        else:
            frame.at[row, "fulfilled_at"] = paid - pd.Timedelta(hours=5, minutes=12)


# --------------------------------------------------------------------------------------------
# Finance ledgers: penalties deducted and refunds received
# --------------------------------------------------------------------------------------------


def _money_text(cents) -> list[str]:
    """Integer cents -> decimal text with two decimals ("12.30"), never via floats."""
    return [str(cents_to_decimal(c)) for c in np.asarray(cents, dtype=np.int64)]


def _office_hours(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A time between 08:00 and 20:00 on each of ``days`` (datetime64[D]), as datetime64[s]."""
    offset = rng.integers(8 * _HOUR, 20 * _HOUR, size=len(days))
    return days.astype("datetime64[s]") + offset.astype("timedelta64[s]")


def _as_of(as_of) -> np.datetime64 | None:
    return None if as_of is None else np.datetime64(pd.Timestamp(as_of).to_datetime64(), "s")


def _ledger(columns: dict, sort_by: list[str], cutoff, when: str) -> pd.DataFrame:
    """Finish a ledger: keep what happened by ``cutoff``, add the currency, sort, text columns."""
    out = pd.DataFrame(columns)
    out[when] = out[when].astype("datetime64[s]")
    if cutoff is not None:
        out = out[out[when].to_numpy() <= cutoff]
    out = out.assign(currency="CNY").sort_values(sort_by, kind="stable").reset_index(drop=True)
    for col in out.columns.drop(when):
        out[col] = out[col].astype("str")
    return out


def generate_penalties(
    orders_assessed: pd.DataFrame,
    *,
    seed: int = 20240412,
    amount_range=(5, 60),
    as_of=None,
) -> pd.DataFrame:
    """Generate the timeliness penalties deducted for an assessed export.

    About 90 % of the ``late`` orders are penalised, one to six days after their deadline (so
    some deductions fall in the month after the deadline's month). Four deliberate anomalies
    for reconciliation to find: an ``on_time`` order penalised, one order penalised twice, a
    penalty for an order id not in the export, and one with the wrong channel.

    Args:
        orders_assessed: Output of ``xlcompliance.assess`` (uses ``order_id``, ``shop``,
            ``channel``, ``deadline``, ``status``).
        seed: Random seed.
        amount_range: (low, high) amount in CNY per penalty.
        as_of: If given, only deductions at or before this moment are kept.

    Returns:
        Columns ``shop, order_id, channel, amount, deducted_at, currency``; ``amount`` is
        decimal text with two decimals, ``deducted_at`` naive ``datetime64[s]``.
    """
    rng = np.random.default_rng(seed)
    cutoff = _as_of(as_of)
    o = orders_assessed.reset_index(drop=True)
    shop, order_id, channel = (
        o[c].astype(str).to_numpy(dtype=object) for c in ("shop", "order_id", "channel")
    )
    status = o["status"].astype(str).to_numpy()
    deadline = pd.to_datetime(o["deadline"]).to_numpy().astype("datetime64[s]")
    lo, hi = to_cents([str(x) for x in amount_range])[0]

    def pick(rows: np.ndarray, k: int) -> np.ndarray:
        """``k`` of ``rows`` (fewer if short) whose deductions surely happen before ``as_of``."""
        if cutoff is not None:
            rows = rows[deadline[rows] + np.timedelta64(12, "D") <= cutoff]
        return rng.choice(rows, size=min(k, len(rows)), replace=False)

    known = np.flatnonzero(~np.isnat(deadline))
    late = known[status[known] == "late"]
    charged = late[rng.random(len(late)) < 0.9]
    twice, wrong = np.split(np.searchsorted(charged, pick(charged, 2)), [1])  # positions in charged
    on_time, anchor = pick(known[status[known] == "on_time"], 1), pick(known, 1)
    rows = np.concatenate([charged, on_time, charged[twice], anchor]).astype(np.int64)
    when = _office_hours(rng, deadline[rows].astype("datetime64[D]") + rng.integers(1, 7, len(rows)))
    cents = rng.integers(lo, hi + 1, len(rows))
    cents = np.where(rng.random(len(rows)) < 0.5, np.maximum(cents // 10 * 10, lo), cents)
    ids = pd.to_numeric(pd.Series(order_id), errors="coerce")
    shop, order_id, channel = shop[rows], order_id[rows], channel[rows]
    # The same deduction twice, one to three days apart; a wrong channel; an unknown order id.
    again = np.arange(len(twice)) + len(charged) + len(on_time)
    cents[again] = cents[twice]
    when[again] = when[twice] + rng.integers(1, 4, len(twice)).astype("timedelta64[D]")
    channel[wrong] = ["POP" if c.strip().upper() == "JIT" else "JIT" for c in channel[wrong]]
    if len(anchor):
        order_id[-1] = str(int(ids.max() if ids.notna().any() else 8_150_019_999_999_999) + 7_777)
    columns = {
        "shop": shop, "order_id": order_id, "channel": channel, "amount": _money_text(cents),
        "deducted_at": when,
    }  # fmt: skip
    return _ledger(columns, ["deducted_at", "order_id"], cutoff, "deducted_at")


def generate_refunds(summary: pd.DataFrame, *, seed: int = 20240412, as_of=None) -> pd.DataFrame:
    """Generate the penalty refunds received, for a monthly summary.

    Each qualifying shop-month with a refund due is paid in full zero to three days before its
    due date. Deliberate anomalies: one paid 0.01 short, one not paid at all (one already past
    due), and one unexpected refund for a month that does not qualify.

    Args:
        summary: Output of ``xlcompliance.monthly_summary`` (uses ``shop``, ``month``,
            ``qualifies``, ``refund_due``, and ``penalties``/``provisional`` when present).
        seed: Random seed.
        as_of: If given, only refunds received at or before this moment are kept.

    Returns:
        Columns ``shop, month`` ("YYYY-MM" text), ``amount`` (decimal text),
        ``received_at`` (naive ``datetime64[s]``), ``currency``.
    """
    rng = np.random.default_rng(seed)
    cutoff = _as_of(as_of)
    s = summary.reset_index(drop=True)
    months = pd.PeriodIndex([pd.Period(m, freq="M") for m in s["month"]], freq="M")
    due_date = refund_due_dates(months, default_rules()).astype("datetime64[s]")
    flag = {c: s[c].fillna(False).astype(bool).to_numpy() if c in s else np.zeros(len(s), bool)
            for c in ("qualifies", "provisional")}  # fmt: skip
    amount = to_cents(s["refund_due"].fillna(0))[0]
    penalties = to_cents(s["penalties"].fillna(0))[0] if "penalties" in s else 0 * amount
    past = np.ones(len(s), dtype=bool) if cutoff is None else due_date <= cutoff

    paid = np.flatnonzero(flag["qualifies"] & (amount > 0))
    chosen = rng.choice(paid[past[paid]], size=min(2, int(past[paid].sum())), replace=False)
    if len(chosen) == 2:
        amount[chosen[1]] -= 1  # short by 0.01
    rows = list(np.setdiff1d(paid, chosen[:1]))  # chosen[0]: missing

    # Unexpected: a refund for a settled month that does not qualify but had penalties, paid
    # as though it qualified.
    odd = np.flatnonzero(~flag["qualifies"] & ~flag["provisional"] & (penalties > 0) & past)
    odd = odd if len(odd) else np.flatnonzero(~flag["qualifies"])
    if len(odd):
        row = int(rng.choice(odd))
        amount[row] = penalties[row] if penalties[row] > 0 else int(rng.integers(500, 6001))
        rows.append(row)

    rows = np.array(sorted(rows), dtype=np.int64)
    days = due_date[rows].astype("datetime64[D]") - rng.integers(0, 4, len(rows))
    columns = {
        "shop": s["shop"].astype(str).to_numpy(dtype=object)[rows],
        "month": months.astype(str).to_numpy(dtype=object)[rows],
        "amount": _money_text(amount[rows]),
        "received_at": np.minimum(_office_hours(rng, days), due_date[rows]),
    }
    return _ledger(columns, ["received_at", "shop"], cutoff, "received_at")


# --------------------------------------------------------------------------------------------
# The bundled sample
# --------------------------------------------------------------------------------------------


def bundled_frames(seed: int = 20240412) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Build the bundled sample: orders, penalties and refunds for the default quarter.

    The three are a snapshot at :data:`SAMPLE_AS_OF` (the end of the quarter); the orders
    include three deliberately invalid rows.
    """
    orders = generate_orders(seed=seed, n_invalid=3)
    assessed = assess(orders, as_of=SAMPLE_AS_OF)
    penalties = generate_penalties(assessed, seed=seed, as_of=SAMPLE_AS_OF)
    summary = monthly_summary(assessed, penalties, as_of=SAMPLE_AS_OF)
    refunds = generate_refunds(summary, seed=seed, as_of=SAMPLE_AS_OF)
    return orders, penalties, refunds


def write_bundled_sample(directory=None, *, seed: int = 20240412) -> dict[str, Path]:
    """Write ``orders.csv``, ``penalties.csv`` and ``refunds.csv`` for the default quarter.

    Args:
        directory: Target folder (created if needed); default ``xlcompliance/data/sample``.
        seed: Random seed.

    Returns:
        The written paths by file stem.
    """
    target = Path(directory) if directory is not None else _SAMPLE_DIR
    target.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in zip(("orders", "penalties", "refunds"), bundled_frames(seed), strict=True):
        paths[name] = target / f"{name}.csv"
        frame.to_csv(
            paths[name], index=False, encoding="utf-8", date_format="%Y-%m-%d %H:%M:%S",
            lineterminator="\n",
        )  # fmt: skip
    return paths


def sample_path(name: str) -> Path:
    """The path of one bundled sample file (``orders.csv``, ``penalties.csv``, ``refunds.csv``)."""
    return _SAMPLE_DIR / name


@dataclass(frozen=True)
class Sample:
    """The bundled sample: an export of three shops' quarter, taken at ``as_of``."""

    orders: pd.DataFrame
    penalties: pd.DataFrame
    refunds: pd.DataFrame
    as_of: pd.Timestamp


def sample() -> Sample:
    """Load the bundled sample as read from its files (the way a user's export is read).

    Example: ``s = xlcompliance.sample(); xlcompliance.assess(s.orders, as_of=s.as_of)``.
    """
    from .reading import read_table

    return Sample(
        orders=read_table(sample_path("orders.csv"), kind="orders"),
        penalties=read_table(sample_path("penalties.csv"), kind="penalties"),
        refunds=read_table(sample_path("refunds.csv"), kind="refunds"),
        as_of=SAMPLE_AS_OF,
    )


def main(argv=None) -> int:
    """Regenerate the bundled sample (``python -m xlcompliance.io.sample [DIRECTORY]``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m xlcompliance.io.sample", description=main.__doc__)
    parser.add_argument("directory", nargs="?", default=None, help="default: the package's copy")
    parser.add_argument("--seed", type=int, default=20240412)
    args = parser.parse_args(argv)
    for name, path in write_bundled_sample(args.directory, seed=args.seed).items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
