"""Seeded generator of realistic AliExpress semi-managed order exports.

Everything here is synthetic. ``generate_orders`` builds an orders export in the canonical
columns of SPEC.md, fully vectorised (numpy), so it scales to millions of rows for benchmarks.
``generate_penalties`` and ``generate_refunds`` build the finance ledgers that go with an
assessed export, including a few deliberate anomalies for reconciliation to find.
``write_bundled_sample`` writes the small copy shipped in ``xlcompliance/data/sample``;
``python -m xlcompliance.sample`` regenerates it.

The generator reads the rule values (effective date, allowances, JIT cutoff, POP excluded
weekdays) from the rules data file and derives China's holiday breaks the way SPEC.md
describes, so that the intended on-time / late mix survives assessment by the engine.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS",
    "SAMPLE_AS_OF",
    "generate_orders",
    "generate_penalties",
    "generate_refunds",
    "main",
    "write_bundled_sample",
]

#: Canonical order columns, in export order (SPEC.md).
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
_RULES_PATH = Path(__file__).with_name("data") / "rules.toml"
_SAMPLE_DIR = Path(__file__).with_name("data") / "sample"
_WEEKDAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}

# Relative order volume by hour of payment (platform time): quiet at night, busiest in the
# Chinese evening (European afternoon), a shoulder around the 14:00 JIT cutoff.
_HOURLY = np.array(
    [3.0, 2.5, 2.0, 1.5, 1.2, 1.0, 1.0, 1.2, 1.6, 2.0, 2.4, 2.6,
     2.8, 3.0, 3.4, 3.4, 3.6, 3.8, 4.2, 4.8, 5.4, 5.8, 5.5, 4.2]
)  # fmt: skip

# The worst shop's late share swings by month so that its months fall on both sides of 95 %.
_WORST_MONTHLY = np.array([0.45, 1.6, 1.05])


# --------------------------------------------------------------------------------------------
# Rule values and the assessment clock (a simplified mirror of the engine, for generation)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    effective: np.datetime64  # relaxation effective date (datetime64[s])
    listed_within_s: int
    max_sales: int
    pop_hours: tuple[int, int]  # (standard, relaxed)
    self_hours: tuple[int, int]
    pickup_days: tuple[int, int]
    cutoff_s: int
    pop_weekdays: tuple[int, ...]
    pop_weekdays_from: np.datetime64


def _value(entry):
    return entry["value"] if isinstance(entry, dict) and "value" in entry else entry


@cache
def _rules() -> _Rules:
    """Read the few rule values the generator needs from the rules data file."""
    data = tomllib.loads(_RULES_PATH.read_text(encoding="utf-8"))
    sets = [{k: _value(v) for k, v in rs.items()} for rs in data["rule_sets"]]
    relaxed, standard = sets[0], sets[-1]
    pop = next(
        {k: _value(v) for k, v in w.items()}
        for w in data.get("excluded_weekdays", [])
        if _value(w["channel"]) == "POP"
    )
    cutoff = _value(data["jit"]["cutoff"])
    return _Rules(
        effective=np.datetime64(relaxed["valid_from"], "s"),
        listed_within_s=int(relaxed["listed_within_days"]) * _DAY,
        max_sales=int(relaxed["max_last_month_sales"]),
        pop_hours=(int(standard["pop_hours"]), int(relaxed["pop_hours"])),
        self_hours=(int(standard["self_send_hours"]), int(relaxed["self_send_hours"])),
        pickup_days=(int(standard["pickup_days"]), int(relaxed["pickup_days"])),
        cutoff_s=cutoff.hour * _HOUR + cutoff.minute * 60 + cutoff.second,
        pop_weekdays=tuple(_WEEKDAYS[d] for d in pop["weekdays"]),
        pop_weekdays_from=np.datetime64(pop.get("valid_from", "1970-01-01"), "s"),
    )


def _holiday_breaks(days: np.ndarray) -> np.ndarray:
    """Mark the days inside China's official holiday breaks (SPEC.md), for a day grid.

    A break is a run of statutory days off extended over the adjacent Saturdays and Sundays
    that are not make-up working days.
    """
    try:
        import holidays
    except ImportError:  # pragma: no cover - holidays is a declared dependency
        return np.zeros(len(days), dtype=bool)
    years = range(int(str(days[0])[:4]), int(str(days[-1])[:4]) + 1)
    china = holidays.China(years=years)
    off = np.isin(days, np.array(sorted(china), dtype="datetime64[D]"))
    workdays = np.array(sorted(getattr(china, "weekend_workdays", ())), dtype="datetime64[D]")
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
    weekend = (weekday >= 5) & ~np.isin(days, workdays)
    candidate = off | weekend
    # Label runs of candidate days; a run is a break iff it holds a statutory day off.
    run_id = np.cumsum(np.r_[True, candidate[1:] != candidate[:-1]])
    has_off = np.zeros(run_id[-1] + 1, dtype=bool)
    np.logical_or.at(has_off, run_id, off)
    return candidate & has_off[run_id]


class _Clock:
    """Counted (non-excluded) time on a day grid, in seconds since the grid's origin."""

    def __init__(self, excluded: np.ndarray):
        counted = ~excluded
        self.excluded = excluded
        self.before = np.r_[0, np.cumsum(counted * _DAY)[:-1]].astype(np.int64)
        self.counted_days = np.flatnonzero(counted)
        self.counted_before = self.before[self.counted_days]

    def position(self, t: np.ndarray) -> np.ndarray:
        """Counted seconds elapsed at wall times ``t`` (seconds since origin)."""
        day, sec = np.divmod(t, _DAY)
        return self.before[day] + np.where(self.excluded[day], 0, sec)

    def wall(self, pos: np.ndarray) -> np.ndarray:
        """Latest-boundary inverse of ``position``: wall time at which ``pos`` is reached."""
        j = np.searchsorted(self.counted_before, pos, side="right") - 1
        j = np.clip(j, 0, len(self.counted_days) - 1)
        return self.counted_days[j].astype(np.int64) * _DAY + (pos - self.counted_before[j])


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


def _period(start, months: int) -> tuple[np.datetime64, np.datetime64]:
    first = pd.Timestamp(start).normalize()
    end = first + pd.DateOffset(months=months)
    return np.datetime64(first.date(), "D"), np.datetime64(end.date(), "D")


def _shop_weights(k: int) -> np.ndarray:
    w = 1.0 / (1.0 + 0.3 * np.arange(k))
    return w / w.sum()


def _late_share(k: int, shop: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Per-order probability of a deliberately late fulfilment."""
    base = 0.010 + 0.008 * np.arange(k)
    if k >= 2:
        base[-1] = 0.055  # the noticeably worse shop
    p = base[shop]
    if k >= 2:
        worst = shop == k - 1
        p = np.where(worst, p * _WORST_MONTHLY[month % len(_WORST_MONTHLY)], p)
    return p


def _to_datetime(seconds: np.ndarray, origin: np.datetime64, missing: np.ndarray | None = None):
    out = origin.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    if missing is not None:
        out = np.where(missing, np.datetime64("NaT", "s"), out)
    return out


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
        One row per order in the canonical columns of SPEC.md, sorted by ``paid_at``:
        string ``order_id``/``shop``/``channel``/``method`` (method blank for POP),
        naive ``datetime64[s]`` times in platform time, nullable ``Int64`` sales. The
        export is a snapshot at the end of the period: recent orders are not fulfilled yet.
    """
    frame, _ = _generate(n_orders, seed, start, months, shops, orders_per_day, n_invalid)
    return frame


def _generate(n_orders, seed, start, months, shops, orders_per_day, n_invalid):
    """Build the orders frame and the generator's intent (deadline, late) per row."""
    rules = _rules()
    rng = np.random.default_rng(seed)
    first, end = _period(start, months)
    n_days = int((end - first).astype(int))
    if n_days <= 0:
        raise ValueError("months: the period must be at least one month long")
    n = int(orders_per_day * n_days if n_orders is None else n_orders)
    if n < 0:
        raise ValueError("n_orders: must be >= 0")
    shops = tuple(shops)
    k = len(shops)
    if k == 0:
        raise ValueError("shops: at least one shop is needed")

    # Day grid: the period plus room for late fulfilment after it.
    grid = first + np.arange(n_days + 120)
    breaks = _holiday_breaks(grid)
    weekday = (grid.astype("int64") + 3) % 7
    jit_clock = _Clock(breaks)
    pop_clock = _Clock(breaks | np.isin(weekday, rules.pop_weekdays))

    # --- payment times -----------------------------------------------------------------
    day_w = 1.0 + 0.15 * (weekday[:n_days] >= 5) + 0.2 * np.arange(n_days) / n_days
    day_w *= np.where(breaks[:n_days], 0.9, 1.0)
    day = rng.choice(n_days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    tod = hour * _HOUR + rng.integers(0, _HOUR, size=n)
    near_cutoff = rng.random(n) < 0.03
    jitter = rng.choice(np.array([-120, -60, -1, 0, 0, 0, 1, 60, 120]), size=n)
    tod = np.where(near_cutoff, rules.cutoff_s + jitter, tod)
    paid = np.sort(day.astype(np.int64) * _DAY + tod)  # seconds since `first`
    month = ((paid // _DAY).astype("timedelta64[D]") + first).astype("datetime64[M]")
    month_idx = (month - first.astype("datetime64[M]")).astype(int)

    # --- shop, channel, method ---------------------------------------------------------
    shop = rng.choice(k, size=n, p=_shop_weights(k))
    pop_share = 0.5 + 0.15 * (np.linspace(1, -1, k) if k > 1 else np.zeros(1))
    is_pop = rng.random(n) < pop_share[shop]
    is_self = ~is_pop & (rng.random(n) < 0.3)

    # --- listing age and last month's sales -------------------------------------------
    u = rng.random(n)
    within = rules.listed_within_s
    age = np.where(
        u < 0.23,
        rng.integers(0, within, size=n),  # new listing
        within + 1 + (rng.lognormal(np.log(120 * _DAY), 0.8, size=n)).astype(np.int64),
    )
    age = np.where((u >= 0.23) & (u < 0.245), within, age)  # exactly on the boundary
    age = np.where((u >= 0.245) & (u < 0.255), within + 1, age)  # one second past it
    listed_unknown = rng.random(n) < 0.03
    listed = paid - age

    s = rng.random(n)
    small = rng.integers(0, 11, size=n)
    large = 11 + rng.lognormal(np.log(60), 1.2, size=n).astype(np.int64)
    sales = np.where(s < 0.35, small, large)
    sales = np.where((s >= 0.35) & (s < 0.37), rules.max_sales, sales)
    sales = np.where((s >= 0.37) & (s < 0.39), rules.max_sales + 1, sales)
    sales_unknown = rng.random(n) < 0.03

    # --- rule set each order falls under (mirrors SPEC eligibility) -------------------
    after = paid >= (rules.effective - first.astype("datetime64[s]")).astype(np.int64)
    recent = ~listed_unknown & (age >= 0) & (age <= within)
    few = ~sales_unknown & (sales <= rules.max_sales)
    relaxed = after & (recent | few)
    r = relaxed.astype(int)

    # --- deadline, as counted time on the order's clock --------------------------------
    sunday_rule = (rules.pop_weekdays_from - first.astype("datetime64[s]")).astype(np.int64)
    on_pop_clock = is_pop & (paid >= sunday_rule)
    pos0 = np.where(on_pop_clock, pop_clock.position(paid), jit_clock.position(paid))
    hours = np.where(is_pop, np.array(rules.pop_hours)[r], np.array(rules.self_hours)[r])
    deadline_pos = pos0 + hours.astype(np.int64) * _HOUR

    # JIT pickup: day rule on the JIT working-day calendar.
    working = ~breaks
    work_days = np.flatnonzero(working)
    rank = np.cumsum(working) - 1
    idx = np.where(working, np.arange(len(grid)), len(grid) - 1)
    next_work = np.minimum.accumulate(idx[::-1])[::-1]
    pday, ptod = np.divmod(paid, _DAY)
    t_day = np.where(working[pday] & (ptod < rules.cutoff_s), pday, next_work[pday + 1])
    due_day = work_days[rank[t_day] + np.array(rules.pickup_days)[r]]
    pickup = ~is_pop & ~is_self
    deadline_pos = np.where(pickup, jit_clock.before[due_day] + _DAY - 1, deadline_pos)
    deadline = np.where(on_pop_clock, pop_clock.wall(deadline_pos), jit_clock.wall(deadline_pos))
    deadline = np.where(pickup, due_day.astype(np.int64) * _DAY + _DAY - 1, deadline)

    # --- fulfilment ---------------------------------------------------------------------
    late = rng.random(n) < _late_share(k, shop, month_idx)
    window = np.maximum(deadline_pos - pos0 - 600, 60)
    share = rng.beta(1.8, 2.6, size=n)
    tail = rng.random(n)
    extra = np.select(
        [tail < 0.7, tail < 0.95],
        [rng.exponential(10 * _HOUR, n), rng.exponential(2 * _DAY, n)],
        rng.uniform(3 * _DAY, 10 * _DAY, n),
    ).astype(np.int64)
    fpos = np.where(late, deadline_pos + 60 + extra, pos0 + 600 + (share * window).astype(np.int64))
    fulfilled = np.where(on_pop_clock, pop_clock.wall(fpos), jit_clock.wall(fpos))
    fulfilled = _shift_night_scans(
        rng, fulfilled, paid, deadline, late, on_pop_clock, grid, pop_clock, jit_clock
    )

    # --- cancellations and the snapshot at the end of the period ------------------------
    cancelled = rng.random(n) < 0.02
    cancel_delay = np.where(
        rng.random(n) < 0.85, rng.exponential(6 * _HOUR, n), rng.uniform(_DAY, 5 * _DAY, n)
    ).astype(np.int64)
    cancelled_at = paid + 300 + cancel_delay
    period_end = n_days * _DAY
    cancel_missing = ~cancelled | (cancelled_at > period_end)
    fulfil_missing = cancelled | (fulfilled > period_end)

    # --- order ids: increasing with payment time, unique ----------------------------------
    ids = (
        8_150_010_000_000_000
        + int(rng.integers(0, 10**9))
        + np.cumsum(rng.integers(1, 2_000, size=n, dtype=np.int64))
    )

    frame = pd.DataFrame(
        {
            "order_id": pd.array(ids.astype(str), dtype="str"),
            "shop": pd.array(np.asarray(shops, dtype=object)[shop], dtype="str"),
            "channel": pd.array(np.where(is_pop, "POP", "JIT").astype(object), dtype="str"),
            "method": pd.array(
                np.where(is_pop, None, np.where(is_self, "self", "pickup")).astype(object),
                dtype="str",
            ),
            "paid_at": _to_datetime(paid, first),
            "listed_at": _to_datetime(listed, first, listed_unknown),
            "last_month_sales": pd.array(np.where(sales_unknown, 0, sales), dtype="Int64"),
            "fulfilled_at": _to_datetime(fulfilled, first, fulfil_missing),
            "cancelled_at": _to_datetime(cancelled_at, first, cancel_missing),
        },
        columns=list(COLUMNS),
    )
    frame.loc[sales_unknown, "last_month_sales"] = pd.NA
    if n_invalid:
        _make_invalid(frame, rng, int(n_invalid))
    return frame, {"deadline": _to_datetime(deadline, first), "late": late}


def _shift_night_scans(
    rng, fulfilled, paid, deadline, late, on_pop_clock, grid, pop_clock, jit_clock
):
    """Move small-hours scans to the previous evening or the morning, keeping the status.

    A move into a day the order's clock excludes (Sunday, holiday) is accepted only rarely:
    carriers and warehouses do work on holidays, but seldom.
    """
    n = len(fulfilled)
    day, tod = np.divmod(fulfilled, _DAY)
    night = tod < 7 * _HOUR
    excluded_pop = pop_clock.excluded
    excluded_jit = jit_clock.excluded

    def keeps(new):
        inside = (new >= 0) & (new < len(grid) * _DAY)
        nd = np.clip(new // _DAY, 0, len(grid) - 1)
        holiday = np.where(on_pop_clock, excluded_pop[nd], excluded_jit[nd])
        status = np.where(late, new > deadline, new <= deadline)
        return inside & status & (new > paid + 600) & (~holiday | (rng.random(n) < 0.1))

    evening = day * _DAY - rng.integers(60, 5 * _HOUR, size=n)
    take = night & keeps(evening)
    out = np.where(take, evening, fulfilled)
    morning = day * _DAY + 7 * _HOUR + rng.integers(0, 3 * _HOUR, size=n)
    take2 = night & ~take & keeps(morning)
    return np.where(take2, morning, out)


def _make_invalid(frame: pd.DataFrame, rng: np.random.Generator, count: int) -> None:
    """Turn ``count`` assessable rows into input errors of the three kinds SPEC.md names."""
    candidates = np.flatnonzero(
        frame["fulfilled_at"].notna().to_numpy() & frame["listed_at"].notna().to_numpy()
    )
    rows = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
    for i, row in enumerate(np.sort(rows)):
        kind = i % 3
        paid = frame.at[row, "paid_at"]
        if kind == 0:
            frame.at[row, "listed_at"] = paid + pd.Timedelta(days=2, hours=3)
        elif kind == 1:
            frame.at[row, "last_month_sales"] = -int(rng.integers(1, 20))
        else:
            frame.at[row, "fulfilled_at"] = paid - pd.Timedelta(hours=5, minutes=12)


# --------------------------------------------------------------------------------------------
# Finance ledgers: penalties deducted and refunds received
# --------------------------------------------------------------------------------------------


def _money_text(cents: np.ndarray) -> np.ndarray:
    """Integer cents -> decimal text with two decimals ("12.30"), never via floats."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    whole, frac = np.divmod(np.abs(cents), 100)
    return np.char.add(
        np.char.add(np.char.add(sign, whole.astype(str)), "."), np.char.zfill(frac.astype(str), 2)
    ).astype(object)


def _cents(value) -> int:
    """Exact cents of a Decimal / number / text amount (half-up)."""
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _office_hours(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A time between 08:00 and 20:00 on each of ``days`` (datetime64[D]), as datetime64[s]."""
    offset = rng.integers(8 * _HOUR, 20 * _HOUR, size=len(days))
    return days.astype("datetime64[s]") + offset.astype("timedelta64[s]")


def _as_of(as_of) -> np.datetime64 | None:
    return None if as_of is None else np.datetime64(pd.Timestamp(as_of).to_datetime64(), "s")


def generate_penalties(
    orders_assessed: pd.DataFrame,
    *,
    seed: int = 20240412,
    amount_range=(5, 60),
    as_of=None,
) -> pd.DataFrame:
    """Generate the timeliness penalties deducted for an assessed export.

    About 90 % of the ``late`` orders are penalised, a few days after their deadline (so
    some deductions fall in the month after the deadline's month). Four deliberate
    anomalies are added for reconciliation to find: an ``on_time`` order penalised, one order
    penalised twice, a penalty for an order id not in the export, and one with the wrong
    channel.

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
    orders = orders_assessed.reset_index(drop=True)
    status = orders["status"].astype(str).to_numpy()
    deadline = pd.to_datetime(orders["deadline"]).to_numpy().astype("datetime64[s]")
    ids = orders["order_id"].astype(str).to_numpy(dtype=object)
    lo, hi = (int(round(float(x) * 100)) for x in amount_range)

    def deduction(rows: np.ndarray) -> np.ndarray:
        days = deadline[rows].astype("datetime64[D]") + rng.integers(1, 7, size=len(rows))
        return _office_hours(rng, days)

    def due_in_time(rows: np.ndarray, slack_days: int = 12) -> np.ndarray:
        if cutoff is None:
            return rows
        return rows[deadline[rows] + np.timedelta64(slack_days, "D") <= cutoff]

    late = np.flatnonzero((status == "late") & ~np.isnat(deadline))
    charged = late[rng.random(len(late)) < 0.9]
    when = deduction(charged)
    channel = orders["channel"].astype(str).to_numpy(dtype=object)[charged].copy()
    rows = list(charged)
    extra_when: list[np.datetime64] = []
    extra_rows: list[int] = []

    # Anomaly: an on-time order penalised.
    on_time = due_in_time(np.flatnonzero((status == "on_time") & ~np.isnat(deadline)))
    if len(on_time):
        row = int(rng.choice(on_time))
        extra_rows.append(row)
        extra_when.append(deduction(np.array([row]))[0])
    anomaly_pool = np.flatnonzero(np.isin(charged, due_in_time(charged)))
    picks = rng.choice(anomaly_pool, size=min(2, len(anomaly_pool)), replace=False)
    # Anomaly: one order penalised twice (a second deduction one to three days later).
    duplicate = None
    if len(picks) >= 1:
        duplicate = int(picks[0])
        extra_rows.append(int(charged[duplicate]))
        extra_when.append(when[duplicate] + np.timedelta64(int(rng.integers(1, 4)), "D"))
    # Anomaly: the wrong channel on one penalty.
    if len(picks) >= 2:
        wrong = int(picks[1])
        channel[wrong] = "POP" if channel[wrong] == "JIT" else "JIT"

    all_rows = np.array(rows + extra_rows, dtype=np.int64)
    all_when = np.concatenate([when, np.array(extra_when, dtype="datetime64[s]")])
    all_channel = np.concatenate(
        [channel, orders["channel"].astype(str).to_numpy(dtype=object)[extra_rows]]
    )
    cents = rng.integers(lo, hi + 1, size=len(all_rows))
    cents = np.where(rng.random(len(all_rows)) < 0.5, cents // 10 * 10, cents)
    cents = np.maximum(cents, lo)
    if duplicate is not None:
        cents[len(rows) + len(extra_rows) - 1] = cents[duplicate]  # the same amount again
    out = pd.DataFrame(
        {
            "shop": orders["shop"].astype(str).to_numpy(dtype=object)[all_rows],
            "order_id": ids[all_rows],
            "channel": all_channel,
            "amount": _money_text(cents),
            "deducted_at": all_when,
        }
    )

    # Anomaly: a penalty for an order that is not in the export.
    if len(orders):
        known = set(ids)
        numeric = pd.to_numeric(pd.Series(ids), errors="coerce").dropna()
        ghost = str(int(numeric.max() if len(numeric) else 8_150_019_999_999_999) + 7_777)
        while ghost in known:
            ghost = str(int(ghost) + 1)
        pool = due_in_time(np.flatnonzero(~np.isnat(deadline)), slack_days=10)
        anchor = int(rng.choice(pool)) if len(pool) else int(rng.integers(len(orders)))
        out.loc[len(out)] = {
            "shop": str(orders.at[anchor, "shop"]),
            "order_id": ghost,
            "channel": str(orders.at[anchor, "channel"]),
            "amount": _money_text(np.array([int(rng.integers(lo, hi + 1))]))[0],
            "deducted_at": deduction(np.array([anchor]))[0],
        }

    out["deducted_at"] = out["deducted_at"].astype("datetime64[s]")
    if cutoff is not None:
        out = out[out["deducted_at"].to_numpy() <= cutoff]
    out["currency"] = "CNY"
    out = out.sort_values(["deducted_at", "order_id"], kind="stable").reset_index(drop=True)
    for col in ("shop", "order_id", "channel", "amount", "currency"):
        out[col] = out[col].astype("str")
    return out


def generate_refunds(summary: pd.DataFrame, *, seed: int = 20240412, as_of=None) -> pd.DataFrame:
    """Generate the penalty refunds received, for a monthly summary.

    Most qualifying shop-months with a refund due are paid in full a few days before the due
    date. Deliberate anomalies: one paid 0.01 short, one not paid at all (preferably one
    already past due), and one unexpected refund for a month that does not qualify.

    Args:
        summary: Output of ``xlcompliance.monthly_summary`` (uses ``shop``, ``month``,
            ``qualifies``, ``refund_due``, ``refund_due_date``, and ``penalties``/
            ``assessed``/``provisional`` when present).
        seed: Random seed.
        as_of: If given, only refunds received at or before this moment are kept.

    Returns:
        Columns ``shop, month`` ("YYYY-MM" text), ``amount`` (decimal text),
        ``received_at`` (naive ``datetime64[s]``), ``currency``.
    """
    rng = np.random.default_rng(seed)
    cutoff = _as_of(as_of)
    s = summary.reset_index(drop=True)
    months = s["month"].map(lambda m: str(pd.Period(m, freq="M")))
    qualifies = s["qualifies"].fillna(False).astype(bool).to_numpy()
    due = np.array([_cents(v) if pd.notna(v) else 0 for v in s["refund_due"]], dtype=np.int64)
    due_date = (pd.PeriodIndex(months, freq="M") + 1).to_timestamp(how="end")
    due_date = due_date.floor("s").to_numpy().astype("datetime64[s]")
    if "refund_due_date" in s:
        given = pd.to_datetime(s["refund_due_date"]).to_numpy().astype("datetime64[s]")
        due_date = np.where(np.isnat(given), due_date, given)

    paid = np.flatnonzero(qualifies & (due > 0))
    past_due = paid if cutoff is None else paid[due_date[paid] <= cutoff]
    amount = due.copy()
    chosen = rng.choice(past_due, size=min(2, len(past_due)), replace=False)
    missing = int(chosen[0]) if len(chosen) >= 1 else None
    if len(chosen) >= 2:
        amount[int(chosen[1])] -= 1  # short by 0.01
    rows = [int(r) for r in paid if r != missing]

    # Unexpected: a refund for a month that does not qualify (prefer a settled month that had
    # penalties, paid as though it qualified).
    penalties = (
        np.array([_cents(v) if pd.notna(v) else 0 for v in s["penalties"]], dtype=np.int64)
        if "penalties" in s
        else np.zeros(len(s), dtype=np.int64)
    )
    settled = (
        ~s["provisional"].fillna(False).astype(bool).to_numpy()
        if "provisional" in s
        else np.ones(len(s), dtype=bool)
    )
    candidates = np.flatnonzero(~qualifies & settled & (penalties > 0))
    if cutoff is not None:
        candidates = candidates[due_date[candidates] <= cutoff]
    if len(candidates) == 0:
        candidates = np.flatnonzero(~qualifies)
    if len(candidates):
        odd = int(rng.choice(candidates))
        amount[odd] = penalties[odd] if penalties[odd] > 0 else int(rng.integers(500, 6001))
        rows.append(odd)

    rows_arr = np.array(sorted(rows), dtype=np.int64)
    days = due_date[rows_arr].astype("datetime64[D]") - rng.integers(0, 4, size=len(rows_arr))
    received = _office_hours(rng, days)
    received = np.minimum(received, due_date[rows_arr])
    out = pd.DataFrame(
        {
            "shop": s["shop"].astype(str).to_numpy(dtype=object)[rows_arr],
            "month": months.to_numpy(dtype=object)[rows_arr],
            "amount": _money_text(amount[rows_arr]),
            "received_at": received.astype("datetime64[s]"),
        }
    )
    if cutoff is not None:
        out = out[out["received_at"].to_numpy() <= cutoff]
    out["currency"] = "CNY"
    out = out.sort_values(["received_at", "shop"], kind="stable").reset_index(drop=True)
    for col in ("shop", "month", "amount", "currency"):
        out[col] = out[col].astype("str")
    return out


# --------------------------------------------------------------------------------------------
# The bundled sample
# --------------------------------------------------------------------------------------------


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(
        path, index=False, encoding="utf-8", date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n"
    )


def bundled_frames(seed: int = 20240412) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Build the bundled sample: orders, penalties and refunds for the default quarter.

    The three files are a snapshot at :data:`SAMPLE_AS_OF` (the end of the quarter); the
    orders include three deliberately invalid rows.
    """
    import xlcompliance

    orders = generate_orders(seed=seed, n_invalid=3)
    assessed = xlcompliance.assess(orders, as_of=SAMPLE_AS_OF)
    penalties = generate_penalties(assessed, seed=seed, as_of=SAMPLE_AS_OF)
    summary = xlcompliance.monthly_summary(assessed, penalties, as_of=SAMPLE_AS_OF)
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
    frames = dict(zip(("orders", "penalties", "refunds"), bundled_frames(seed), strict=True))
    paths = {}
    for name, frame in frames.items():
        paths[name] = target / f"{name}.csv"
        _write_csv(frame, paths[name])
    return paths


def main(argv=None) -> int:
    """Regenerate the bundled sample (``python -m xlcompliance.sample [DIRECTORY]``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m xlcompliance.sample", description=main.__doc__)
    parser.add_argument("directory", nargs="?", default=None, help="default: the package's copy")
    parser.add_argument("--seed", type=int, default=20240412)
    args = parser.parse_args(argv)
    for name, path in write_bundled_sample(args.directory, seed=args.seed).items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
