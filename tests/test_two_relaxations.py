"""A rules file with two relaxations, each with its own window and limits: the data decides which
one an order is measured against, never "the first conditional rule set" in code.

Rules used (the bundled file plus a second relaxation; no statutory holidays):
- relaxed-2024-04: 2024-04-12 .. 2024-12-31, listed within 30 days or <= 10 sales; POP 72 h,
  self-send 96 h, pickup T+2.
- relaxed-2025-03: from 2025-03-01, listed within 45 days or <= 20 sales; POP 96 h,
  self-send 120 h, pickup T+3.
- standard: POP 48 h, self-send 48 h, pickup T+0. POP Sundays do not count from 2024-04-12.
Every expected value below is worked out by hand from these rules.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import xlcompliance as xlc
from xlcompliance.core.deadlines import relaxation_for
from xlcompliance.core.parsing import US_PER_DAY
from xlcompliance.core.rules import load_rules

BUNDLED = resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")
SECOND = """[[rule_sets]]
name = { value = "relaxed-2025-03", source = "assumption: a later relaxation for this test" }
valid_from = { value = 2025-03-01, source = "assumption" }
listed_within_days = { value = 45, source = "assumption" }
max_last_month_sales = { value = 20, source = "assumption" }
pop_hours = { value = 96, source = "assumption" }
self_send_hours = { value = 120, source = "assumption" }
pickup_days = { value = 3, source = "assumption" }

[[rule_sets]]
name = { value = "standard\""""


def two_relaxations_text() -> str:
    text = BUNDLED
    first_from = 'valid_from = { value = 2024-04-12, source = "assumption: effective'
    assert first_from in text
    text = text.replace(first_from, 'valid_to = { value = 2024-12-31, source = "assumption" }\n' + first_from, 1)
    standard = '[[rule_sets]]\nname = { value = "standard"'
    assert standard in text
    return text.replace(standard, SECOND, 1)


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(two_relaxations_text(), encoding="utf-8")
    return load_rules(path)


@pytest.fixture(scope="module")
def calendar(rules):
    return xlc.Calendar(statutory=False, rules=rules)


# channel, method, paid_at, listed days before payment (None = unknown), sales,
# rule set, deadline, and the explanation's rule phrase.
CASES = [
    # Tue 2025-03-04: in the second window only; 40 days ≤ 45 (not ≤ 30): second set, 96 counted h.
    ("POP", None, "2025-03-04 10:00", 40, None, "relaxed-2025-03", "2025-03-08 10:00",
     "relaxed-2025-03 (listed 40 days before payment)"),
    # 15 sales ≤ 20 (not ≤ 10): second set.
    ("POP", None, "2025-03-04 10:00", None, 15, "relaxed-2025-03", "2025-03-08 10:00",
     "relaxed-2025-03 (15 orders last month)"),
    # 25 sales > 20: standard, 48 h, and the second set's limit is the one quoted.
    ("POP", None, "2025-03-04 10:00", None, 25, "standard", "2025-03-06 10:00",
     "standard (listing date unknown, over 20 orders last month)"),
    # Sat 2025-03-08 10:00 + 96 h, Sunday not counted: Sat 14 h, Mon-Wed 72 h, Thu 10:00.
    ("POP", None, "2025-03-08 10:00", 1, None, "relaxed-2025-03", "2025-03-13 10:00",
     "relaxed-2025-03 (listed 1 days before payment)"),
    # Tue 2024-06-04: the first window; 40 days > 30 and 15 > 10: standard, the first set's limits.
    ("POP", None, "2024-06-04 10:00", 40, 15, "standard", "2024-06-06 10:00",
     "standard (listed over 30 days before payment, over 10 orders last month)"),
    ("POP", None, "2024-06-04 10:00", 20, None, "relaxed-2024-04", "2024-06-07 10:00",
     "relaxed-2024-04 (listed 20 days before payment)"),
    # Tue 2025-02-04: between the windows, the next one opens 2025-03-01.
    ("POP", None, "2025-02-04 10:00", 1, 1, "standard", "2025-02-06 10:00",
     "standard (paid before the relaxation of 2025-03-01)"),
    # Fri 2024-03-01: before both.
    ("POP", None, "2024-03-01 10:00", 1, 1, "standard", "2024-03-03 10:00",
     "standard (paid before the relaxation of 2024-04-12)"),
    # JIT pickup paid Tue 2025-03-04 10:00 (before 14:00): T = 03-04, T+3 = Fri 03-07 23:59:59.
    ("JIT", "pickup", "2025-03-04 10:00", 1, None, "relaxed-2025-03", "2025-03-07 23:59:59",
     "relaxed-2025-03 (listed 1 days before payment)"),
    # JIT self-send, 120 h, no weekday excluded for JIT: Sun 2025-03-09 10:00.
    ("JIT", "self", "2025-03-04 10:00", None, 20, "relaxed-2025-03", "2025-03-09 10:00",
     "relaxed-2025-03 (20 orders last month)"),
    # The same order in 2024-06 is measured against the first set: 20 > 10, standard pickup T+0.
    ("JIT", "pickup", "2024-06-04 10:00", None, 20, "standard", "2024-06-04 23:59:59",
     "standard (listing date unknown, over 10 orders last month)"),
]


def orders_frame() -> pd.DataFrame:
    rows = []
    for i, (channel, method, paid, listed_days, sales, *_) in enumerate(CASES):
        paid_ts = pd.Timestamp(paid)
        rows.append({
            "order_id": f"o{i}", "channel": channel, "method": method, "paid_at": paid_ts,
            "listed_at": None if listed_days is None else paid_ts - pd.Timedelta(days=listed_days),
            "last_month_sales": sales,
        })
    return pd.DataFrame(rows)


def test_assess_uses_the_rule_set_that_applies(rules, calendar):
    out = xlc.assess(orders_frame(), as_of="2025-06-01 00:00", rules=rules, calendar=calendar)
    for (*_, rule_set, deadline, phrase), (_, row) in zip(CASES, out.iterrows(), strict=True):
        assert row["rule_set"] == rule_set, row["order_id"]
        assert row["deadline"] == pd.Timestamp(deadline), row["order_id"]
        assert row["explanation"].startswith(phrase + ":"), (row["order_id"], row["explanation"])
        assert row["eligible"] == rule_set.startswith("relaxed"), row["order_id"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[2]}-{c[5]}" for c in CASES])
def test_scalar_deadlines_use_the_rule_set_that_applies(rules, calendar, case):
    channel, method, paid, listed_days, sales, _, deadline, _ = case
    listed = None if listed_days is None else pd.Timestamp(paid) - pd.Timedelta(days=listed_days)
    if channel == "POP":
        got = xlc.pop_deadline(paid, listed, sales, rules=rules, calendar=calendar)
    else:
        got = xlc.jit_deadline(paid, method, listed, sales, rules=rules, calendar=calendar)
    assert got == pd.Timestamp(deadline).to_pydatetime()


def test_after_the_last_relaxation_ended(tmp_path):
    """With the second relaxation removed, 2025 payments are after the first one's last day."""
    text = BUNDLED.replace('valid_from = { value = 2024-04-12, source = "assumption: effective',
                           'valid_to = { value = 2024-12-31, source = "assumption" }\n'
                           'valid_from = { value = 2024-04-12, source = "assumption: effective', 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    frame = pd.DataFrame({"order_id": ["a"], "channel": ["POP"], "paid_at": ["2025-03-04 10:00"],
                          "last_month_sales": [1]})
    out = xlc.assess(frame, as_of="2025-06-01", rules=rules, calendar=xlc.Calendar(statutory=False, rules=rules))
    assert out.loc[0, "explanation"].startswith("standard (paid after the relaxation's last day 2024-12-31):")


def test_relaxation_for_each_payment(rules):
    days = ["2024-03-01", "2024-04-12", "2024-12-31", "2025-01-01", "2025-02-28", "2025-03-01", "2030-01-01"]
    paid = np.array([np.datetime64(d, "D").astype(np.int64) * US_PER_DAY + 1 for d in days])
    index, ended = relaxation_for(paid, rules)
    names = [rules.rule_sets[i].name for i in index]
    assert names == ["relaxed-2024-04", "relaxed-2024-04", "relaxed-2024-04",
                     "relaxed-2025-03", "relaxed-2025-03", "relaxed-2025-03", "relaxed-2025-03"]
    assert not ended.any()


def test_sample_orders_sit_on_each_relaxations_own_boundaries(rules, tmp_path, monkeypatch):
    """Generated orders paid in the second window are put on its limits (45 days, 20 sales)."""
    path = tmp_path / "rules.toml"
    path.write_text(two_relaxations_text(), encoding="utf-8")
    monkeypatch.setenv("XLCOMPLIANCE_RULES", str(path))
    frame = xlc.io.sample.generate_orders(n_orders=4000, start="2025-03-01", months=1, seed=3)
    age = (frame["paid_at"] - frame["listed_at"]).dropna()
    assert (age == pd.Timedelta(days=45)).sum() > 0 and (age == pd.Timedelta(days=30)).sum() == 0
    sales = frame["last_month_sales"].dropna()
    assert (sales == 20).sum() > 0 and (sales == 21).sum() > 0


def test_the_rules_time_zone_decides_for_aware_times(tmp_path):
    text = BUNDLED.replace('timezone = { value = "Asia/Shanghai"', 'timezone = { value = "Europe/Berlin"', 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    cal = xlc.Calendar(statutory=False, rules=rules)
    # 2024-06-04 08:00 UTC is 10:00 in Berlin (summer time): standard POP, 48 h later.
    got = xlc.pop_deadline("2024-06-04T08:00:00+00:00", rules=rules, calendar=cal)
    assert got == dt.datetime(2024, 6, 6, 10, 0)
    frame = pd.DataFrame({"channel": ["POP"], "paid_at": [pd.Timestamp("2024-06-04 08:00", tz="UTC")]})
    out = xlc.assess(frame, as_of="2024-07-01", rules=rules, calendar=cal)
    assert out.loc[0, "deadline"] == pd.Timestamp("2024-06-06 10:00")


def test_parsing_without_a_zone_takes_the_rules_zone(tmp_path, monkeypatch):
    from xlcompliance.core.parsing import parse_datetime, parse_datetimes

    text = BUNDLED.replace('timezone = { value = "Asia/Shanghai"', 'timezone = { value = "Europe/Berlin"', 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("XLCOMPLIANCE_RULES", str(path))
    aware = pd.Series([pd.Timestamp("2024-06-04 08:00", tz="UTC")])
    out, _ = parse_datetimes(aware, "paid_at")
    assert out[0] == np.datetime64("2024-06-04T10:00")
    assert parse_datetime("2024-06-04T08:00:00Z", "paid_at") == pd.Timestamp("2024-06-04 10:00")
