"""Explanations are grouped and built once per group: each row must still read as if it had been
written for that row alone. The per-row text here is composed directly from the row's own values
(no grouping), so any mix-up between a row and its group's representative shows up."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xc
from xlcompliance.core import clock, deadlines, explain
from xlcompliance.core.calendar import Calendar
from xlcompliance.core.deadlines import PICKUP_DAYS, POP_HOURS, time_us, weekmask_text
from xlcompliance.core.parsing import US_PER_DAY
from xlcompliance.core.rules import default_rules, load_rules
from xlcompliance.io.sample import generate_orders

AS_OF = "2024-07-01 10:00"


def row_by_row(assessed: pd.DataFrame, calendar: Calendar, rules) -> list:
    """Each computed row's explanation, formatted from that row alone."""
    out = []
    for row in assessed.itertuples(index=False):
        if pd.isna(row.deadline) or isinstance(row.error, str):
            out.append(row.error if isinstance(row.error, str) else None)
            continue
        paid, deadline = pd.Timestamp(row.paid_at), pd.Timestamp(row.deadline)
        listed = pd.Timestamp(row.listed_at) if pd.notna(row.listed_at) else None
        days = np.nan if listed is None else float((paid - listed).days)
        sales = np.nan if pd.isna(row.last_month_sales) else float(row.last_month_sales)
        one = deadlines.compute_deadlines(
            np.array([paid.to_datetime64()], dtype="datetime64[us]"), np.array([row.channel], dtype=object),
            np.array([None if pd.isna(row.method) else row.method], dtype=object),
            np.array([np.datetime64("NaT") if listed is None else listed.to_datetime64()], dtype="datetime64[us]"),
            np.array([sales]), np.array([True]), calendar, rules,
        )
        index, reason, kind = int(one.rule_index[0]), int(one.reason[0]), int(one.kind[0])
        relaxation, ended = deadlines.relaxation_for(np.array([paid.value // 1000]), rules)
        rule = "".join(explain._rule_parts(rules, index, reason, days, sales, int(relaxation[0]), bool(ended[0])))
        t_day = one.t_day[0]
        since_midnight = (paid - paid.normalize()).value // 1000
        why = 0 if t_day == np.datetime64(paid.date()) else (1 if since_midnight >= time_us(rules.cutoff) else 2)
        body = explain._body_text(rules, kind, index, int(t_day.astype(np.int64)) if kind == PICKUP_DAYS else 0,
                                  why if kind == PICKUP_DAYS else 0)
        cal = calendar.day_table("POP" if kind == POP_HOURS else "JIT", weekmask_text(int(one.weekmask[0])))
        a = np.array([np.datetime64(paid.date()).astype(np.int64) * US_PER_DAY])
        b = np.array([np.datetime64(deadline.date()).astype(np.int64) * US_PER_DAY])
        count = int(clock.excluded_days_between(a, b, cal)[0])
        first, last = clock.excluded_span(a, b, cal)
        out.append(rule + body + explain._excluded_text(count, first[0], last[0]))
    return out


def every_hour_of_a_fortnight() -> pd.DataFrame:
    """Orders paid at every hour of two weeks, on every clock: rows of one payment day share
    most of their key but not their deadline day or T, so a grouping that ignored either shows."""
    paid = pd.date_range("2024-05-27", "2024-06-10 23:00", freq="h")
    kinds = [("POP", None), ("JIT", "self"), ("JIT", "pickup")]
    rows = [
        {"order_id": f"{k}-{s}-{i}", "channel": ch, "method": m, "paid_at": p, "last_month_sales": s}
        for k, (ch, m) in enumerate(kinds) for s in (5, 50) for i, p in enumerate(paid)
    ]
    frame = pd.DataFrame(rows)
    frame["listed_at"] = pd.NaT
    return frame


def fractional_day_rules(tmp_path_factory):
    """Allowances that are not whole days, so the deadline day depends on the time of payment."""
    text = load_text()
    for old, new in (("pop_hours = { value = 48,", "pop_hours = { value = 36.5,"),
                     ("pop_hours = { value = 72,", "pop_hours = { value = 60,"),
                     ("self_send_hours = { value = 96,", "self_send_hours = { value = 30,")):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


def load_text() -> str:
    from importlib import resources

    return resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")


@pytest.fixture(params=["bundled", "fractional days"], scope="module")
def rules(request, tmp_path_factory):
    return default_rules() if request.param == "bundled" else fractional_day_rules(tmp_path_factory)


@pytest.mark.parametrize("orders", [generate_orders(1_500, seed=7, n_invalid=40), every_hour_of_a_fortnight()])
@pytest.mark.parametrize(
    "windows",
    [(), [(dt.date(2024, 5, 20), dt.date(2024, 5, 22), "JIT"), (dt.date(2024, 6, 3), dt.date(2024, 6, 3), "ALL")]],
)
def test_each_row_reads_as_if_written_for_it_alone(orders, windows, rules):
    calendar = Calendar(windows, rules=rules)
    assessed = xc.assess(orders, as_of=AS_OF, calendar=calendar, rules=rules)
    expected = row_by_row(assessed, calendar, rules)
    got = [None if pd.isna(x) else x for x in assessed["explanation"].astype(object)]
    assert got == expected
    texts = assessed["explanation"].cat.categories
    assert texts.is_unique  # groups that read alike share one category
