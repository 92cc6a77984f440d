"""The rules data file: load, validate, and expose it as typed values.

Every tunable of the assessment (allowances, cutoff, effective dates, thresholds, holiday
settings) lives in ``data/rules.toml`` as ``{ value = ..., source = "..." }``. This module is the
only reader; the engine asks it for values and never spells a date or an hour itself.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHANNELS = ("POP", "JIT")
METHODS = ("pickup", "self")  # how a JIT order reaches the warehouse


class RulesError(ValueError):
    """The rules data file is malformed; the message names the offending key."""


@dataclass(frozen=True)
class RuleSet:
    """One row of SPEC's rule-set table.

    A rule set with neither eligibility test is unconditional (the fallback).
    """

    name: str
    pop_hours: float
    self_send_hours: float
    pickup_days: int
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    listed_within_days: float | None = None
    max_last_month_sales: int | None = None

    @property
    def conditional(self) -> bool:
        return self.listed_within_days is not None or self.max_last_month_sales is not None


@dataclass(frozen=True)
class WeekdayExclusion:
    """Whole weekdays that do not count for one channel, for orders paid inside the window."""

    channel: str
    weekdays: tuple[int, ...]  # 0 = Monday
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class Rules:
    """All rule values, validated."""

    timezone: str
    cutoff: dt.time
    pickup_deadline_time: dt.time
    default_method: str
    rule_sets: tuple[RuleSet, ...]
    excluded_weekdays: tuple[WeekdayExclusion, ...]
    statutory: bool
    statutory_channels: str
    statutory_years: tuple[int, int]
    threshold: Fraction
    due_months_after: int
    due_time: dt.time
    money_decimals: int
    every_line_qualifies: bool = True
    sales_exclude_cancelled: bool = True
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    values: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    path: str = field(default="", compare=False)

    def leaves(self) -> list[tuple[str, object, str]]:
        """``(key, value, source)`` of every value in the rules file, in file order."""
        return [(key, self.values[key], source) for key, source in self.sources.items()]

    def rule_set(self, name: str) -> RuleSet:
        for rs in self.rule_sets:
            if rs.name == name:
                return rs
        raise KeyError(name)

    @property
    def threshold_decimal(self) -> Decimal:
        return Decimal(self.threshold.numerator) / Decimal(self.threshold.denominator)


# --- validation helpers -------------------------------------------------------------------


class _Reader:
    """Pulls `{value, source}` leaves out of a TOML table, recording sources, naming keys."""

    def __init__(self, sources: dict[str, str], values: dict[str, object]):
        self.sources = sources
        self.values = values

    def table(self, parent: dict, key: str, where: str, required=True) -> dict:
        val = parent.get(key)
        if val is None:
            if required:
                raise RulesError(f"rules: missing section [{where}]")
            return {}
        if not isinstance(val, dict):
            raise RulesError(f"rules: [{where}] must be a table")
        return val

    def leaf(self, table: dict, key: str, where: str, types, required=True):
        full = f"{where}.{key}"
        if key not in table:
            if required:
                raise RulesError(f"rules: missing key {full}")
            return None
        raw = table[key]
        if not isinstance(raw, dict) or "value" not in raw:
            raise RulesError(f"rules: {full} must be {{ value = ..., source = \"...\" }}")
        extra = set(raw) - {"value", "source"}
        if extra:
            raise RulesError(f"rules: unknown key {full}.{sorted(extra)[0]}")
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise RulesError(f"rules: {full} needs a source (or the word \"assumption\")")
        value = raw["value"]
        if isinstance(value, bool) and bool not in types:
            raise RulesError(f"rules: {full} has the wrong type ({type(value).__name__})")
        if not isinstance(value, types):
            raise RulesError(f"rules: {full} has the wrong type ({type(value).__name__})")
        self.sources[full] = source
        self.values[full] = value
        return value

    @staticmethod
    def no_unknown(table: dict, allowed: set[str], where: str) -> None:
        unknown = set(table) - allowed
        if unknown:
            raise RulesError(f"rules: unknown key {where}.{sorted(unknown)[0]}")


def _non_negative(value, key: str):
    if value < 0:
        raise RulesError(f"rules: {key} must not be negative (got {value})")
    return value


def _window(start, end, where: str):
    for key, v in (("valid_from", start), ("valid_to", end)):
        if v is not None and isinstance(v, dt.datetime):
            raise RulesError(f"rules: {where}.{key} must be a date, not a date-time")
    if start is not None and end is not None and end < start:
        raise RulesError(f"rules: {where}.valid_to ({end}) is before valid_from ({start})")
    return start, end


def _parse(doc: dict, path: str) -> Rules:
    sources: dict[str, str] = {}
    values: dict[str, object] = {}
    r = _Reader(sources, values)
    r.no_unknown(
        doc,
        {"schema", "platform", "jit", "rule_sets", "excluded_weekdays", "holidays", "refund", "product_lines",
         "money"},
        "rules",
    )
    if doc.get("schema") != 1:
        raise RulesError("rules: schema must be 1")

    platform = r.table(doc, "platform", "platform")
    r.no_unknown(platform, {"timezone"}, "platform")
    timezone = r.leaf(platform, "timezone", "platform", (str,))

    jit = r.table(doc, "jit", "jit")
    r.no_unknown(jit, {"cutoff", "pickup_deadline_time", "default_method"}, "jit")
    cutoff = r.leaf(jit, "cutoff", "jit", (dt.time,))
    pickup_time = r.leaf(jit, "pickup_deadline_time", "jit", (dt.time,))
    default_method = r.leaf(jit, "default_method", "jit", (str,))
    if default_method not in METHODS:
        raise RulesError("rules: jit.default_method must be \"pickup\" or \"self\"")

    raw_sets = doc.get("rule_sets")
    if not isinstance(raw_sets, list) or not raw_sets:
        raise RulesError("rules: missing [[rule_sets]]")
    allowed = {
        "name", "valid_from", "valid_to", "listed_within_days", "max_last_month_sales",
        "pop_hours", "self_send_hours", "pickup_days",
    }
    rule_sets = []
    for i, t in enumerate(raw_sets):
        where = f"rule_sets[{i}]"
        r.no_unknown(t, allowed, where)
        num = (int, float)
        name = r.leaf(t, "name", where, (str,))
        for table in (sources, values):  # the name was the last key read: re-key it by itself
            table[f"rule_sets.{name}.name"] = table.pop(f"{where}.name")
        where = f"rule_sets.{name}"
        vf, vt = _window(
            r.leaf(t, "valid_from", where, (dt.date,), required=False),
            r.leaf(t, "valid_to", where, (dt.date,), required=False),
            where,
        )
        lwd = r.leaf(t, "listed_within_days", where, num, required=False)
        mls = r.leaf(t, "max_last_month_sales", where, (int,), required=False)
        rule_sets.append(
            RuleSet(
                name=name,
                pop_hours=_non_negative(r.leaf(t, "pop_hours", where, num), f"{where}.pop_hours"),
                self_send_hours=_non_negative(
                    r.leaf(t, "self_send_hours", where, num), f"{where}.self_send_hours"
                ),
                pickup_days=_non_negative(
                    r.leaf(t, "pickup_days", where, (int,)), f"{where}.pickup_days"
                ),
                valid_from=vf,
                valid_to=vt,
                listed_within_days=None if lwd is None else _non_negative(lwd, f"{where}.listed_within_days"),
                max_last_month_sales=None if mls is None else _non_negative(mls, f"{where}.max_last_month_sales"),
            )
        )
    names = [rs.name for rs in rule_sets]
    if len(set(names)) != len(names):
        raise RulesError("rules: rule_sets names must be unique")
    last = rule_sets[-1]
    if last.conditional or last.valid_from or last.valid_to:
        raise RulesError(f"rules: the last rule set ({last.name}) must be unconditional")

    exclusions = []
    for i, t in enumerate(doc.get("excluded_weekdays", [])):
        where = f"excluded_weekdays[{i}]"
        r.no_unknown(t, {"channel", "weekdays", "valid_from", "valid_to"}, where)
        channel = r.leaf(t, "channel", where, (str,))
        if channel not in CHANNELS:
            raise RulesError(f"rules: {where}.channel must be POP or JIT (got {channel!r})")
        days = r.leaf(t, "weekdays", where, (list,))
        bad = [d for d in days if d not in WEEKDAYS]
        if bad:
            raise RulesError(f"rules: {where}.weekdays has unknown day {bad[0]!r}")
        vf, vt = _window(
            r.leaf(t, "valid_from", where, (dt.date,), required=False),
            r.leaf(t, "valid_to", where, (dt.date,), required=False),
            where,
        )
        exclusions.append(
            WeekdayExclusion(channel, tuple(sorted(WEEKDAYS.index(d) for d in days)), vf, vt)
        )

    hol = r.table(doc, "holidays", "holidays")
    r.no_unknown(
        hol, {"statutory", "statutory_channels", "statutory_first_year", "statutory_last_year"}, "holidays"
    )
    statutory = r.leaf(hol, "statutory", "holidays", (bool,))
    stat_channels = r.leaf(hol, "statutory_channels", "holidays", (str,))
    if stat_channels not in ("POP", "JIT", "ALL"):
        raise RulesError("rules: holidays.statutory_channels must be POP, JIT or ALL")
    first = r.leaf(hol, "statutory_first_year", "holidays", (int,))
    last_year = r.leaf(hol, "statutory_last_year", "holidays", (int,))
    if last_year < first:
        raise RulesError("rules: holidays.statutory_last_year is before statutory_first_year")

    refund = r.table(doc, "refund", "refund")
    r.no_unknown(refund, {"threshold", "due_months_after", "due_time"}, "refund")
    raw_threshold = r.leaf(refund, "threshold", "refund", (str,))
    try:
        threshold = Fraction(Decimal(raw_threshold))
    except (InvalidOperation, ValueError):
        raise RulesError(f"rules: refund.threshold is not a decimal number ({raw_threshold!r})") from None
    if not 0 <= threshold <= 1:
        raise RulesError("rules: refund.threshold must be between 0 and 1")
    due_months = _non_negative(r.leaf(refund, "due_months_after", "refund", (int,)), "refund.due_months_after")
    due_time = r.leaf(refund, "due_time", "refund", (dt.time,))

    lines = r.table(doc, "product_lines", "product_lines", required=False) or {}
    r.no_unknown(lines, {"every_line_qualifies", "sales_exclude_cancelled"}, "product_lines")
    every_line = r.leaf(lines, "every_line_qualifies", "product_lines", (bool,), required=False)
    exclude_cancelled = r.leaf(lines, "sales_exclude_cancelled", "product_lines", (bool,), required=False)

    money = r.table(doc, "money", "money")
    r.no_unknown(money, {"decimals"}, "money")
    decimals = _non_negative(r.leaf(money, "decimals", "money", (int,)), "money.decimals")

    return Rules(
        timezone=timezone,
        cutoff=cutoff,
        pickup_deadline_time=pickup_time,
        default_method=default_method,
        rule_sets=tuple(rule_sets),
        excluded_weekdays=tuple(exclusions),
        statutory=statutory,
        statutory_channels=stat_channels,
        statutory_years=(first, last_year),
        threshold=threshold,
        due_months_after=due_months,
        due_time=due_time,
        money_decimals=decimals,
        every_line_qualifies=True if every_line is None else every_line,
        sales_exclude_cancelled=True if exclude_cancelled is None else exclude_cancelled,
        sources=sources,
        values=values,
        path=path,
    )


def load_rules(path: str | os.PathLike | None = None) -> Rules:
    """Load and validate a rules file (the bundled one when ``path`` is None).

    Raises:
        RulesError: malformed TOML, unknown or missing key, wrong type, negative value,
            or a validity window that ends before it starts; the message names the key.
    """
    if path is None:
        text = resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")
        where = "xlcompliance/data/rules.toml"
    else:
        where = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise RulesError(f"rules: cannot read {where}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise RulesError(f"rules: {where} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"rules: {where} is not valid TOML: {exc}") from None
    return _parse(doc, where)


@lru_cache(maxsize=1)
def _bundled() -> Rules:
    return load_rules(None)


def default_rules() -> Rules:
    """The rules in force: ``$XLCOMPLIANCE_RULES`` if set, else the bundled file."""
    env = os.environ.get("XLCOMPLIANCE_RULES")
    return load_rules(env) if env else _bundled()
