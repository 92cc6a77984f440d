"""The rules data file: every value sourced, the loader rejects bad files naming the key."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pytest

import xlcompliance as xlc
from xlcompliance.core.rules import RulesError, load_rules

BUNDLED = resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")


def test_bundled_rules_match_spec_defaults():
    r = xlc.default_rules()
    relaxed, standard = r.rule_sets
    assert (relaxed.name, standard.name) == ("relaxed-2024-04", "standard")
    assert (relaxed.pop_hours, relaxed.self_send_hours, relaxed.pickup_days) == (72, 96, 2)
    assert (standard.pop_hours, standard.self_send_hours, standard.pickup_days) == (48, 48, 0)
    assert relaxed.valid_from == dt.date(2024, 4, 12)
    assert (relaxed.listed_within_days, relaxed.max_last_month_sales) == (30, 10)
    assert r.cutoff == dt.time(14, 0) and r.pickup_deadline_time == dt.time(23, 59, 59)
    assert r.threshold == Fraction(95, 100)
    assert r.excluded_weekdays[0].channel == "POP" and r.excluded_weekdays[0].weekdays == (6,)
    assert r.excluded_weekdays[0].valid_from == dt.date(2024, 4, 12)
    assert r.timezone == "Asia/Shanghai" and r.default_method == "pickup"


def test_every_value_has_a_source():
    r = xlc.default_rules()
    assert len(r.sources) >= 25
    for key, source in r.sources.items():
        assert source.strip(), key
        assert "assumption" in source or "announcement" in source or "docs/rules.md#" in source, key


def test_no_dates_or_hours_spelled_in_engine_code():
    """Rules are data: engine modules never spell the effective date, allowances or cutoff."""
    pkg = Path(xlc.__file__).parent
    for path in pkg.glob("*.py"):
        text = path.read_text("utf-8")
        assert "2024-04-12" not in text and "2024, 4, 12" not in text, path.name
        assert not re.search(r"\b(hours|allowance)\s*=\s*(48|72|96)\b", text), path.name
        assert "14:00:00" not in text, path.name


def write(tmp_path, text):
    p = tmp_path / "rules.toml"
    p.write_text(text, "utf-8")
    return p


@pytest.mark.parametrize(
    "change, message",
    [
        (("schema = 1", "schema = 1\nmystery = 3"), "unknown key rules.mystery"),
        (("[money]", "[money]\nrounding = { value = 1, source = \"x\" }"), "unknown key money.rounding"),
        (("pop_hours = { value = 72,", "pop_hours = { value = -72,"), "pop_hours must not be negative"),
        (("pop_hours = { value = 72,", "pop_hours = { value = \"72\","), "pop_hours has the wrong type"),
        (("cutoff = { value = 14:00:00, source", "cutoff = { value = 14:00:00, sauce"), "jit.cutoff.sauce"),
        (('threshold = { value = "0.95"', 'threshold = { value = "1.5"'), "threshold must be between"),
        (('threshold = { value = "0.95"', 'threshold = { value = "abc"'), "threshold is not a decimal"),
        (("weekdays = { value = [\"Sun\"]", "weekdays = { value = [\"Sunday\"]"), "unknown day 'Sunday'"),
        (("valid_from = { value = 2024-04-12, source = \"assumption: effective",
          "valid_to = { value = 2024-01-01, source = \"x\" }\nvalid_from = { value = 2024-04-12, source = \"assumption: effective"),
         "valid_to (2024-01-01) is before valid_from"),
        (("statutory_last_year = { value = 2030", "statutory_last_year = { value = 2010"), "statutory_last_year is before"),
        (("default_method = { value = \"pickup\"", "default_method = { value = \"pigeon\""), "default_method"),
    ],
)
def test_bad_rules_files_are_rejected_naming_the_key(tmp_path, change, message):
    old, new = change
    assert old in BUNDLED
    with pytest.raises(RulesError, match=re.escape(message)):
        load_rules(write(tmp_path, BUNDLED.replace(old, new, 1)))


def test_malformed_toml(tmp_path):
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(write(tmp_path, "schema = = 1"))


def test_missing_source(tmp_path):
    text = BUNDLED.replace('timezone = { value = "Asia/Shanghai", source = "docs/rules.md#words-used-here: platform time is Asia/Shanghai" }',
                           'timezone = { value = "Asia/Shanghai" }')
    with pytest.raises(RulesError, match="platform.timezone needs a source"):
        load_rules(write(tmp_path, text))


def test_user_rules_change_the_engine_without_code(tmp_path):
    text = BUNDLED.replace('pop_hours = { value = 48, source = "assumption: standard POP allowance 48 h" }',
                           'pop_hours = { value = 24, source = "assumption: a stricter what-if" }')
    rules = load_rules(write(tmp_path, text))
    assert xlc.pop_deadline("2024-04-15 10:00", rules=rules) == dt.datetime(2024, 4, 16, 10)
    cal = xlc.Calendar(rules=rules)
    assert xlc.pop_deadline("2024-04-15 10:00", rules=rules, calendar=cal) == dt.datetime(2024, 4, 16, 10)


def test_rules_from_environment(tmp_path, monkeypatch):
    text = BUNDLED.replace('cutoff = { value = 14:00:00,', 'cutoff = { value = 12:00:00,')
    monkeypatch.setenv("XLCOMPLIANCE_RULES", str(write(tmp_path, text)))
    assert xlc.default_rules().cutoff == dt.time(12, 0)
    assert xlc.jit_deadline("2024-04-15 13:00", calendar=xlc.Calendar(statutory=False)) == dt.datetime(2024, 4, 16, 23, 59, 59)
