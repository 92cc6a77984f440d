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
        (("statutory_last_year = { value = 2030", "statutory_last_year = { value = 2010"),
         "statutory_last_year (2010) is before statutory_first_year (2015)"),
        (("default_method = { value = \"pickup\"", "default_method = { value = \"pigeon\""), "default_method"),
    ],
)
def test_bad_rules_files_are_rejected_naming_the_key(tmp_path, change, message):
    old, new = change
    assert old in BUNDLED
    with pytest.raises(RulesError, match=re.escape(message)):
        load_rules(write(tmp_path, BUNDLED.replace(old, new, 1)))


def set_value(text: str, header: str, key: str, value: str) -> str:
    """The rules text with the first ``key`` after ``header`` given ``value`` (TOML), source kept."""
    at = text.index(header)
    line = re.compile(rf"^{key} = {{ value = (.*?), source", re.M).search(text, at)
    assert line, (header, key)
    return text[:line.start(1)] + value + text[line.end(1):]


# Every field of the schema with values it must refuse, and what the message says: the full key
# and what is wrong. Rule-set keys are named by the rule set's name once it is known.
RELAXED = "rule_sets.relaxed-2024-04"
BAD_VALUES = [
    ("[platform]", "timezone", "8", "platform.timezone has the wrong type (int; expected text)"),
    ("[platform]", "timezone", '"Mars/Olympus"', "platform.timezone is not a known time zone ('Mars/Olympus'"),
    ("[jit]", "cutoff", '"14:00"', "jit.cutoff has the wrong type (str; expected a time of day"),
    ("[jit]", "cutoff", "2024-04-12T14:00:00", "jit.cutoff has the wrong type (datetime;"),
    ("[jit]", "pickup_deadline_time", "23", "jit.pickup_deadline_time has the wrong type (int;"),
    ("[jit]", "default_method", '"pigeon"', "jit.default_method must be pickup or self (got 'pigeon')"),
    ("[jit]", "default_method", "true", "jit.default_method has the wrong type (bool; expected text)"),
    ("[[rule_sets]]", "name", "3", "rule_sets[0].name has the wrong type (int; expected text)"),
    ("[[rule_sets]]", "valid_from", "2024-04-12T00:00:00",
     f"{RELAXED}.valid_from has the wrong type (datetime; expected a date (YYYY-MM-DD))"),
    ("[[rule_sets]]", "valid_from", '"2024-04-12"', f"{RELAXED}.valid_from has the wrong type (str;"),
    ("[[rule_sets]]", "listed_within_days", "-1", f"{RELAXED}.listed_within_days must not be negative (got -1)"),
    ("[[rule_sets]]", "listed_within_days", '"30"', f"{RELAXED}.listed_within_days has the wrong type (str; expected a finite number)"),
    ("[[rule_sets]]", "listed_within_days", "nan", f"{RELAXED}.listed_within_days has the wrong type (float; expected a finite number)"),
    ("[[rule_sets]]", "listed_within_days", "true", f"{RELAXED}.listed_within_days has the wrong type (bool;"),
    ("[[rule_sets]]", "max_last_month_sales", "10.5", f"{RELAXED}.max_last_month_sales has the wrong type (float; expected a whole number)"),
    ("[[rule_sets]]", "max_last_month_sales", "-1", f"{RELAXED}.max_last_month_sales must not be negative (got -1)"),
    ("[[rule_sets]]", "pop_hours", "-72", f"{RELAXED}.pop_hours must not be negative (got -72)"),
    ("[[rule_sets]]", "pop_hours", '"72"', f"{RELAXED}.pop_hours has the wrong type (str; expected a finite number)"),
    ("[[rule_sets]]", "self_send_hours", "inf", f"{RELAXED}.self_send_hours has the wrong type (float; expected a finite number)"),
    ("[[rule_sets]]", "self_send_hours", "-0.5", f"{RELAXED}.self_send_hours must not be negative (got -0.5)"),
    ("[[rule_sets]]", "pickup_days", "2.5", f"{RELAXED}.pickup_days has the wrong type (float; expected a whole number)"),
    ("[[rule_sets]]", "pickup_days", "-1", f"{RELAXED}.pickup_days must not be negative (got -1)"),
    ("[[excluded_weekdays]]", "channel", '"SEA"', "excluded_weekdays[0].channel must be POP or JIT (got 'SEA')"),
    ("[[excluded_weekdays]]", "weekdays", '"Sun"', "excluded_weekdays[0].weekdays has the wrong type (str; expected a list)"),
    ("[[excluded_weekdays]]", "weekdays", '["Sunday"]', "excluded_weekdays[0].weekdays has unknown day 'Sunday'"),
    ("[[excluded_weekdays]]", "weekdays", "[7]", "excluded_weekdays[0].weekdays has unknown day 7"),
    ("[[excluded_weekdays]]", "valid_from", "2024", "excluded_weekdays[0].valid_from has the wrong type (int;"),
    ("[holidays]", "statutory", '"yes"', "holidays.statutory has the wrong type (str; expected true or false)"),
    ("[holidays]", "statutory_channels", '"EU"', "holidays.statutory_channels must be POP, JIT or ALL (got 'EU')"),
    ("[holidays]", "statutory_first_year", "2015.0", "holidays.statutory_first_year has the wrong type (float;"),
    ("[holidays]", "statutory_last_year", "2010", "holidays.statutory_last_year (2010) is before statutory_first_year (2015)"),
    ("[refund]", "threshold", "0.95", "refund.threshold has the wrong type (float; expected a decimal number in quotes"),
    ("[refund]", "threshold", '"1.5"', "refund.threshold must be between 0 and 1 (got '1.5')"),
    ("[refund]", "threshold", '"-0.01"', "refund.threshold must be between 0 and 1 (got '-0.01')"),
    ("[refund]", "threshold", '"abc"', "refund.threshold is not a decimal number ('abc')"),
    ("[refund]", "due_months_after", "-1", "refund.due_months_after must not be negative (got -1)"),
    ("[refund]", "due_months_after", "1.5", "refund.due_months_after has the wrong type (float;"),
    ("[refund]", "due_time", '"23:59"', "refund.due_time has the wrong type (str; expected a time of day"),
    ("[product_lines]", "every_line_qualifies", '"yes"', "product_lines.every_line_qualifies has the wrong type (str; expected true or false)"),
    ("[product_lines]", "sales_exclude_cancelled", "1", "product_lines.sales_exclude_cancelled has the wrong type (int; expected true or false)"),
    ("[money]", "decimals", "-2", "money.decimals must be between 0 and 6 (got -2)"),
    ("[money]", "decimals", "19", "money.decimals must be between 0 and 6 (got 19)"),
    ("[money]", "decimals", "2.0", "money.decimals has the wrong type (float; expected a whole number)"),
]


@pytest.mark.parametrize("header, key, value, message", BAD_VALUES, ids=[f"{c[1]}={c[2]}" for c in BAD_VALUES])
def test_bad_value_of_each_field_is_named(tmp_path, header, key, value, message):
    with pytest.raises(RulesError, match="^rules: " + re.escape(message)):
        load_rules(write(tmp_path, set_value(BUNDLED, header, key, value)))


def test_rules_without_the_product_lines_section_read_both_as_true(tmp_path):
    start = BUNDLED.index("[product_lines]")
    end = BUNDLED.index("[money]")
    rules = load_rules(write(tmp_path, BUNDLED[:start] + BUNDLED[end:]))
    assert rules.every_line_qualifies is True and rules.sales_exclude_cancelled is True


def test_the_bad_values_table_covers_every_field_of_the_schema():
    from xlcompliance.core.rules import SCHEMA

    covered = {(header.strip("[]"), key) for header, key, _, _ in BAD_VALUES}
    fields = {(table.key, f.key) for table in SCHEMA for f in table.fields}
    assert fields - covered == {("rule_sets", "valid_to"), ("excluded_weekdays", "valid_to")}  # absent from the file


@pytest.mark.parametrize(
    "change, message",
    [
        (("pop_hours = { value = 72, source = \"seed 2024-04-12 announcement: POP first carrier scan within 72 h\" }",
          "pop_hours = 72"), 'rule_sets.relaxed-2024-04.pop_hours must be { value = ..., source = "..." }'),
        (("pop_hours = { value = 72, source = \"seed 2024-04-12 announcement: POP first carrier scan within 72 h\" }", ""),
         "missing key rule_sets.relaxed-2024-04.pop_hours"),
        (("[money]\ndecimals", "[cash]\ndecimals"), "unknown key rules.cash"),
        (("[platform]", "[platform]\nzone = 1"), "unknown key platform.zone"),
        (("source = \"docs/rules.md#words-used-here: platform time is Asia/Shanghai\"", "source = \"  \""), "platform.timezone needs a source"),
        (("source = \"docs/rules.md#words-used-here: platform time is Asia/Shanghai\"", "source = 8"), "platform.timezone needs a source"),
        (("schema = 1", "schema = 2"), "schema must be 1"),
        (("[[rule_sets]]\nname = { value = \"standard\"", "[[rule_sets]]\nname = { value = \"relaxed-2024-04\""),
         "rule_sets names must be unique"),
        (("pickup_days = { value = 0,", "max_last_month_sales = { value = 1, source = \"x\" }\npickup_days = { value = 0,"),
         "the last rule set (standard) must be unconditional"),
        (("listed_within_days = { value = 30,", "# listed_within_days = { value = 30,"), None),
    ],
)
def test_bad_structure_is_named(tmp_path, change, message):
    old, new = change
    assert old in BUNDLED
    text = BUNDLED.replace(old, new, 1)
    if message is None:  # a rule set keeps an eligibility test: still valid
        assert load_rules(write(tmp_path, text)).rule_sets[0].listed_within_days is None
        return
    with pytest.raises(RulesError, match=re.escape(message)):
        load_rules(write(tmp_path, text))


def test_a_rule_set_without_eligibility_test_may_only_come_last(tmp_path):
    text = BUNDLED.replace('listed_within_days = { value = 30,', '# listed_within_days = { value = 30,', 1)
    text = text.replace('max_last_month_sales = { value = 10,', '# max_last_month_sales = { value = 10,', 1)
    with pytest.raises(RulesError, match=r"rule_sets\.relaxed-2024-04 has no eligibility test"):
        load_rules(write(tmp_path, text))


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
