"""The rules data file: load, validate, and expose it as typed values.

Every tunable of the assessment (allowances, cutoff, effective dates, thresholds, holiday
settings) lives in ``data/rules.toml`` as ``{ value = ..., source = "..." }``. This module is the
only reader; the engine asks it for values and never spells a date or an hour itself.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHANNELS = ("POP", "JIT")
METHODS = ("pickup", "self")  # how a JIT order reaches the warehouse
SCOPES = ("POP", "JIT", "ALL")  # which channels a holiday window applies to


class RulesError(ValueError):
    """The rules data file is malformed; the message names the offending key."""


@dataclass(frozen=True)
class RuleSet:
    """One row of the rule-set table (docs/rules.md).

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


# --- the schema: what the file may hold, declared once ----------------------------------------


@dataclass(frozen=True)
class Kind:
    """A type of value in the rules file, as named in error messages."""

    noun: str
    test: Callable[[object], bool]


TEXT = Kind("text", lambda v: isinstance(v, str))
FLAG = Kind("true or false", lambda v: isinstance(v, bool))
WHOLE = Kind("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
NUMBER = Kind("a finite number", lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v))
DATE = Kind("a date (YYYY-MM-DD)", lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime))
TIME = Kind("a time of day (HH:MM:SS)", lambda v: isinstance(v, dt.time))
LIST = Kind("a list", lambda v: isinstance(v, list))
DECIMAL_TEXT = Kind('a decimal number in quotes ("0.95")', lambda v: isinstance(v, str))


def _decimal(text: str) -> Fraction:
    try:
        return Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        raise ValueError(f"is not a decimal number ({text!r})") from None


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"is not a known time zone ({name!r}; an IANA name such as \"Area/City\")") from None
    return name


@dataclass(frozen=True)
class Field:
    """One ``{ value = ..., source = "..." }`` key of a table.

    ``low``/``high`` are inclusive bounds and ``choices`` the allowed values (both checked after
    ``convert``); ``each`` the allowed items of a list; ``not_before`` another key of the same
    table this value may not be earlier than.
    """

    key: str
    kind: Kind
    required: bool = True
    low: object = None
    high: object = None
    choices: tuple = ()
    each: tuple = ()
    item: str = "value"  # what one item of ``each`` is called in messages
    convert: Callable[[object], object] | None = None
    not_before: str = ""


@dataclass(frozen=True)
class Table:
    """A ``[table]`` (or, with ``many``, an ``[[array of tables]]``) of fields.

    Entries of an array are named by their ``label`` field in keys when it has one
    (``rule_sets.standard.pop_hours``), else by position (``excluded_weekdays[0].channel``).
    """

    key: str
    fields: tuple[Field, ...]
    many: bool = False
    required: bool = True
    label: str = ""


SCHEMA_VERSION = 1
_VALIDITY = (
    Field("valid_from", DATE, required=False),
    Field("valid_to", DATE, required=False, not_before="valid_from"),
)
SCHEMA = (
    Table("platform", (Field("timezone", TEXT, convert=_time_zone),)),
    Table("jit", (
        Field("cutoff", TIME),
        Field("pickup_deadline_time", TIME),
        Field("default_method", TEXT, choices=METHODS),
    )),
    Table("rule_sets", (
        Field("name", TEXT),
        *_VALIDITY,
        Field("listed_within_days", NUMBER, required=False, low=0),
        Field("max_last_month_sales", WHOLE, required=False, low=0),
        Field("pop_hours", NUMBER, low=0),
        Field("self_send_hours", NUMBER, low=0),
        Field("pickup_days", WHOLE, low=0),
    ), many=True, label="name"),
    Table("excluded_weekdays", (
        Field("channel", TEXT, choices=CHANNELS),
        Field("weekdays", LIST, each=WEEKDAYS, item="day"),
        *_VALIDITY,
    ), many=True, required=False),
    Table("holidays", (
        Field("statutory", FLAG),
        Field("statutory_channels", TEXT, choices=SCOPES),
        Field("statutory_first_year", WHOLE),
        Field("statutory_last_year", WHOLE, not_before="statutory_first_year"),
    )),
    Table("refund", (
        Field("threshold", DECIMAL_TEXT, convert=_decimal, low=0, high=1),
        Field("due_months_after", WHOLE, low=0),
        Field("due_time", TIME),
    )),
    # An order of several product lines (an older rules file may leave the section out: both True).
    Table("product_lines", (
        Field("every_line_qualifies", FLAG),
        Field("sales_exclude_cancelled", FLAG),
    ), required=False),
    # Amounts are int64 in units of 10**-decimals: six places still hold 9 trillion.
    Table("money", (Field("decimals", WHOLE, low=0, high=6),)),
)


# --- the validator: one walk over the schema ---------------------------------------------------


def _fail(message: str) -> RulesError:
    return RulesError(f"rules: {message}")


def _choices(values) -> str:
    shown = [str(v) for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _no_unknown(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise _fail(f"unknown key {where}.{unknown[0]}")


class _Validator:
    """Checks a parsed TOML document against :data:`SCHEMA`, keeping each leaf's source and
    raw value under its full key; every message names the offending key."""

    def __init__(self):
        self.sources: dict[str, str] = {}
        self.values: dict[str, object] = {}

    def document(self, doc: dict) -> dict[str, object]:
        _no_unknown(doc, ["schema", *(t.key for t in SCHEMA)], "rules")
        if doc.get("schema") != SCHEMA_VERSION:
            raise _fail(f"schema must be {SCHEMA_VERSION}")
        return {t.key: self.table(t, doc.get(t.key)) for t in SCHEMA}

    def table(self, spec: Table, raw):
        if not spec.many:
            if raw is None and not spec.required:
                return {f.key: None for f in spec.fields}
            if raw is None:
                raise _fail(f"missing section [{spec.key}]")
            if not isinstance(raw, dict):
                raise _fail(f"[{spec.key}] must be a table")
            return self.entry(spec, raw, spec.key)
        if raw is None and not spec.required:
            return []
        if not isinstance(raw, list) or (spec.required and not raw):
            raise _fail(f"missing [[{spec.key}]]")
        out = []
        for i, entry in enumerate(raw):
            where = f"{spec.key}[{i}]"
            if not isinstance(entry, dict):
                raise _fail(f"{where} must be a table")
            if spec.label:
                label = self.leaf(next(f for f in spec.fields if f.key == spec.label), entry, where)
                named = f"{spec.key}.{label}"
                for kept in (self.sources, self.values):  # re-key the label by the label itself
                    kept[f"{named}.{spec.label}"] = kept.pop(f"{where}.{spec.label}")
                where = named
            out.append(self.entry(spec, entry, where, done={spec.label: label} if spec.label else {}))
        return out

    def entry(self, spec: Table, raw: dict, where: str, done: dict | None = None) -> dict[str, object]:
        _no_unknown(raw, [f.key for f in spec.fields], where)
        out = dict(done or {})
        for f in spec.fields:
            if f.key not in out:
                out[f.key] = self.leaf(f, raw, where)
        for f in spec.fields:
            other = f.not_before
            if other and out[f.key] is not None and out[other] is not None and out[f.key] < out[other]:
                raise _fail(f"{where}.{f.key} ({out[f.key]}) is before {other} ({out[other]})")
        return out

    def leaf(self, f: Field, table: dict, where: str):
        key = f"{where}.{f.key}"
        if f.key not in table:
            if f.required:
                raise _fail(f"missing key {key}")
            return None
        raw = table[f.key]
        if not isinstance(raw, dict) or "value" not in raw:
            raise _fail(f'{key} must be {{ value = ..., source = "..." }}')
        _no_unknown(raw, ("value", "source"), key)
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise _fail(f'{key} needs a source (or the word "assumption")')
        value = raw["value"]
        if not f.kind.test(value):
            raise _fail(f"{key} has the wrong type ({type(value).__name__}; expected {f.kind.noun})")
        bad = [item for item in value if item not in f.each] if f.each else []
        if bad:
            raise _fail(f"{key} has unknown {f.item} {bad[0]!r} (allowed: {_choices(f.each)})")
        checked = value
        if f.convert is not None:
            try:
                checked = f.convert(value)
            except ValueError as exc:
                raise _fail(f"{key} {exc}") from None
        if f.choices and checked not in f.choices:
            raise _fail(f"{key} must be {_choices(f.choices)} (got {value!r})")
        if (f.low is not None and checked < f.low) or (f.high is not None and checked > f.high):
            raise _fail(f"{key} {_bounds(f)} (got {value!r})")
        self.sources[key] = source
        self.values[key] = value
        return checked


def _bounds(f: Field) -> str:
    if f.high is None:
        return "must not be negative" if f.low == 0 else f"must be at least {f.low}"
    if f.low is None:
        return f"must be at most {f.high}"
    return f"must be between {f.low} and {f.high}"


def _parse(doc: dict, path: str) -> Rules:
    checker = _Validator()
    d = checker.document(doc)
    rule_sets = tuple(RuleSet(**entry) for entry in d["rule_sets"])
    _check_rule_set_order(rule_sets)
    hol, refund, jit = d["holidays"], d["refund"], d["jit"]
    return Rules(
        timezone=d["platform"]["timezone"],
        cutoff=jit["cutoff"],
        pickup_deadline_time=jit["pickup_deadline_time"],
        default_method=jit["default_method"],
        rule_sets=rule_sets,
        excluded_weekdays=tuple(
            WeekdayExclusion(
                e["channel"], tuple(sorted(WEEKDAYS.index(day) for day in e["weekdays"])),
                e["valid_from"], e["valid_to"],
            )
            for e in d["excluded_weekdays"]
        ),
        statutory=hol["statutory"],
        statutory_channels=hol["statutory_channels"],
        statutory_years=(hol["statutory_first_year"], hol["statutory_last_year"]),
        threshold=refund["threshold"],
        due_months_after=refund["due_months_after"],
        due_time=refund["due_time"],
        money_decimals=d["money"]["decimals"],
        every_line_qualifies=d["product_lines"]["every_line_qualifies"] is not False,
        sales_exclude_cancelled=d["product_lines"]["sales_exclude_cancelled"] is not False,
        sources=checker.sources,
        values=checker.values,
        path=path,
    )


def _check_rule_set_order(rule_sets: tuple[RuleSet, ...]) -> None:
    """Rule sets are tried in order: names unique, every one but the last with an eligibility
    test (else the ones after it could never apply), the last unconditional (the fallback)."""
    names = [rs.name for rs in rule_sets]
    if len(set(names)) != len(names):
        raise _fail("rule_sets names must be unique")
    *tried, last = rule_sets
    if last.conditional or last.valid_from or last.valid_to:
        raise _fail(f"the last rule set ({last.name}) must be unconditional")
    for rs in tried:
        if not rs.conditional:
            raise _fail(
                f"rule_sets.{rs.name} has no eligibility test (listed_within_days or "
                "max_last_month_sales); only the last rule set may be unconditional"
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
