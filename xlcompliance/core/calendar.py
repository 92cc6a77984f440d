"""Holiday windows: China's official breaks plus the platform's announced windows.

A :class:`Calendar` is a set of whole local days that do not count, per channel. It is built
once; the vectorised clock queries it through one :class:`~.daytable.DayTable` per (channel,
weekmask), computed on first use and kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from .daytable import DayTable
from .headers import canonical_columns
from .parsing import excel_serial_to_datetime
from .rules import CHANNELS, Rules, default_rules

_SCOPE_ALIASES = {
    "pop": "POP", "jit": "JIT", "all": "ALL", "both": "ALL", "": "ALL",
    "全部": "ALL", "所有": "ALL", "pop+jit": "ALL", "jit+pop": "ALL",
}
#: Spellings of a window scope (lower case, spaces removed, / and & read as +) -> scope.
SCOPE_ALIASES = dict(_SCOPE_ALIASES)


def parse_scope(value) -> str:
    """Normalise a window scope (POP, JIT, ALL; blank means ALL)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "ALL"
    key = str(value).strip().lower().replace(" ", "").replace("/", "+").replace("&", "+")
    try:
        return _SCOPE_ALIASES[key]
    except KeyError:
        raise ValueError(f"scope must be POP, JIT or ALL (got {value!r})") from None


def _to_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return excel_serial_to_datetime(float(value), field).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    try:
        ts = pd.Timestamp(value) if value is not None else pd.NaT
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{field} is not a date: {value!r}")
    return ts.date()


@lru_cache(maxsize=8)
def official_breaks(first_year: int, last_year: int) -> tuple[tuple[dt.date, dt.date, str], ...]:
    """China's official holiday breaks (放假安排) derived from ``holidays.China``.

    Each run of statutory days off is extended over the adjacent Saturdays and Sundays that are
    not make-up working days (调休上班). ``holidays.China`` alone lists only weekday days off.

    Returns:
        Inclusive ``(start, end, name)`` triples, sorted.
    """
    import holidays

    cn = holidays.China(years=range(first_year - 1, last_year + 2))
    make_up_days = set(getattr(cn, "weekend_workdays", ()))
    days_off = set(cn.keys())
    one = dt.timedelta(days=1)

    def free(day: dt.date) -> bool:
        return day in days_off or (day.weekday() >= 5 and day not in make_up_days)

    # A break is a maximal run of free days that holds at least one statutory day off.
    breaks: list[tuple[dt.date, dt.date, str]] = []
    for day in sorted(days_off):
        if breaks and breaks[-1][1] >= day:
            continue
        start, end = day, day
        while free(start - one):
            start -= one
        while free(end + one):
            end += one
        if start.year <= last_year and end.year >= first_year:
            breaks.append((start, end, _break_name(cn, start, end)))
    return tuple(breaks)


@lru_cache(maxsize=8)
def unannounced_years(first_year: int, last_year: int) -> tuple[int, ...]:
    """Years of the range whose official holiday arrangement ``holidays.China`` does not know yet:
    it lists no make-up working day (调休) for them, which every announced year has had (2015–2026
    each have five to eight). Their breaks are statutory days off plus weekends, an approximation."""
    import holidays

    cn = holidays.China(years=range(first_year, last_year + 1))
    known = {day.year for day in getattr(cn, "weekend_workdays", ())}
    return tuple(year for year in range(first_year, last_year + 1) if year not in known)


def _break_name(cn, start: dt.date, end: dt.date) -> str:
    """The festival a break is for: the most frequent holiday name in it, substitutes aside."""
    names: dict[str, int] = {}
    day = start
    while day <= end:
        for name in (cn.get(day) or "").split("; "):
            name = name.replace(" (observed)", "")
            name = name.replace("Chinese New Year's Eve", "Chinese New Year (Spring Festival)")
            if name and not name.startswith("Day off"):
                names[name] = names.get(name, 0) + 1
        day += dt.timedelta(days=1)
    return max(names, key=names.get) if names else "Day off"


class Calendar:
    """Days that do not count toward deadlines, per channel.

    Args:
        windows: announced holiday windows ``(start_date, end_date[, "POP"|"JIT"|"ALL"])``,
            inclusive whole days; the scope defaults to ALL.
        statutory: include China's official breaks (see :func:`official_breaks`).
        rules: rules data (the default rules when None).

    Windows only ever add excluded days.
    """

    def __init__(self, windows: Iterable = (), statutory: bool = True, *, rules: Rules | None = None):
        self.rules = rules or default_rules()
        parsed: list[tuple[dt.date, dt.date, str]] = []
        for i, w in enumerate(windows):
            if isinstance(w, (str, bytes)) or len(w) not in (2, 3):
                raise ValueError(f"holiday window {i + 1}: expected (start, end[, scope]), got {w!r}")
            start = _to_date(w[0], f"holiday window {i + 1} start")
            end = _to_date(w[1], f"holiday window {i + 1} end")
            if end < start:
                raise ValueError(f"holiday window {i + 1}: end {end} is before start {start}")
            scope = parse_scope(w[2] if len(w) == 3 else "ALL")
            parsed.append((start, end, scope))
        self.windows = tuple(parsed)
        self.statutory = bool(statutory)
        self._holidays: dict[str, np.ndarray] = {}
        self._day_tables: dict[tuple[str, str], DayTable] = {}

    # -- construction from a table ----------------------------------------------------------

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, statutory: bool = True, *, rules: Rules | None = None) -> Calendar:
        """Build from a table with start, end and optional scope columns (alias headers allowed)."""
        frame = canonical_columns(frame, "holidays")
        missing = [c for c in ("start", "end") if c not in frame.columns]
        if missing:
            raise ValueError(
                f"holidays table: missing column(s) {', '.join(missing)}; found {list(frame.columns)}"
            )
        rows = []
        for i, rec in enumerate(frame.to_dict("records")):
            if all(pd.isna(rec.get(k)) or str(rec.get(k)).strip() == "" for k in ("start", "end")):
                continue  # blank line in a Holidays sheet
            try:
                rows.append((
                    _to_date(rec["start"], "start"),
                    _to_date(rec["end"], "end"),
                    parse_scope(rec.get("scope")),
                ))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"holidays table row {i + 2}: {exc}") from None
        return cls(rows, statutory=statutory, rules=rules)

    # -- queries ----------------------------------------------------------------------------

    def all_windows(self) -> tuple[tuple[dt.date, dt.date, str], ...]:
        """Announced windows plus, when statutory, the official breaks (scoped per rules)."""
        out = list(self.windows)
        if self.statutory and self.rules.statutory:
            scope = self.rules.statutory_channels
            out += [(s, e, scope) for s, e, _ in official_breaks(*self.rules.statutory_years)]
        return tuple(sorted(out))

    def approximated_years(self) -> tuple[int, ...]:
        """Years whose official breaks this calendar only approximates (see :func:`unannounced_years`);
        none when it does not use the official breaks."""
        if not (self.statutory and self.rules.statutory):
            return ()
        return unannounced_years(*self.rules.statutory_years)

    def holidays(self, channel: str) -> np.ndarray:
        """Sorted unique ``datetime64[D]`` days excluded for ``channel`` by holiday windows."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be POP or JIT (got {channel!r})")
        cached = self._holidays.get(channel)
        if cached is None:
            parts = [
                np.arange(np.datetime64(s, "D"), np.datetime64(e, "D") + 1)
                for s, e, scope in self.all_windows()
                if scope in (channel, "ALL")
            ]
            days = np.concatenate(parts) if parts else np.array([], dtype="datetime64[D]")
            cached = np.unique(days)
            self._holidays[channel] = cached
        return cached

    def day_table(self, channel: str, weekmask: str) -> DayTable:
        """The counted days of one clock: weekdays in ``weekmask`` ("1111110": Monday first, "0"
        excluded) minus this channel's holidays. Computed once per (channel, weekmask)."""
        key = (channel, weekmask)
        table = self._day_tables.get(key)
        if table is None:
            table = DayTable(weekmask, self.holidays(channel))
            self._day_tables[key] = table
        return table

    def __repr__(self) -> str:
        return f"Calendar(windows={len(self.windows)}, statutory={self.statutory})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Calendar):
            return NotImplemented
        return (self.windows, self.statutory, self.rules) == (other.windows, other.statutory, other.rules)

    def __hash__(self) -> int:
        return hash((self.windows, self.statutory))

    def __getstate__(self) -> dict:
        """Pickle the definition only; the day tables are rebuilt on first use (workers get a copy)."""
        return {"windows": self.windows, "statutory": self.statutory, "rules": self.rules}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._holidays = {}
        self._day_tables = {}


@lru_cache(maxsize=4)
def _default_calendar(rules_key: int) -> Calendar:
    return Calendar()


def default_calendar(rules: Rules | None = None) -> Calendar:
    """A cached default calendar (statutory breaks only) for the given rules."""
    rules = rules or default_rules()
    if rules is default_rules():
        return _default_calendar(id(rules))
    return Calendar(rules=rules)
