"""Counted days of one clock variant as a small table: weekmask arithmetic plus excluded days.

A day counts when its weekday is in the weekmask and it is not an excluded (holiday) day. The
table keeps the excluded days that fall on weekmask days, sorted, and each one's *counted-day
number* (how many counted days precede it); over the span those days cover it also keeps every
day's counted-day number and the counted days themselves. Every query is then a lookup in
those arrays, or ``np.searchsorted`` plus index arithmetic, over whole columns at once:

- ``number(d)``: counted days before ``d`` = weekmask days before ``d`` − excluded days before ``d``;
- ``day_of(c)``: the counted day whose number is ``c`` (the inverse);
- offsets, counts and membership follow from these two.

Days are int64 days since 1970-01-01. Weekmask days are numbered from Monday 1969-12-29, so
outside the excluded days' span counting is pure weekmask arithmetic (period 7) and every date
numpy can hold is exact, not only the span the holidays cover.
"""

from __future__ import annotations

import numpy as np

_MONDAY_SHIFT = 3  # 1970-01-01 was a Thursday: day + 3 counts days since Monday 1969-12-29
_FAR = np.int64(1) << 40  # farther than any date: "no such day" in nearest-day searches
_SPAN_LIMIT = 200 * 366  # longest excluded span kept day by day (17 bytes a day: 1.2 MB at most)
_SPAN_MARGIN = 28  # days kept day by day on either side of it: offsets near its ends stay lookups


def _weekday(day: np.ndarray) -> np.ndarray:
    return (day + _MONDAY_SHIFT) % 7


class DayTable:
    """Counted days: weekdays set in ``weekmask`` minus the ``excluded`` days.

    Args:
        weekmask: seven "1"/"0" characters, Monday first (numpy's weekmask spelling).
        excluded: excluded days (``datetime64[D]`` or int days since 1970-01-01), any order.
    """

    def __init__(self, weekmask: str, excluded=()):
        if len(weekmask) != 7 or set(weekmask) - {"0", "1"}:
            raise ValueError(f"weekmask must be seven 0/1 characters, Monday first (got {weekmask!r})")
        on = np.array([c == "1" for c in weekmask])
        if not on.any():
            raise ValueError("weekmask excludes every weekday: no day would ever count")
        self.weekmask = weekmask
        self._on = on
        self._per_week = int(on.sum())
        self._before = np.concatenate([[0], np.cumsum(on)]).astype(np.int64)  # on-days before weekday j
        self._on_weekday = np.flatnonzero(on).astype(np.int64)  # weekday of the j-th on-day of a week
        # Days to the next (previous) off weekday, from each weekday; _FAR when every day is on.
        ahead = [next((j for j in range(7) if not on[(w + j) % 7]), None) for w in range(7)]
        back = [next((j for j in range(7) if not on[(w - j) % 7]), None) for w in range(7)]
        self._to_off = np.array([_FAR if j is None else j for j in ahead], dtype=np.int64)
        self._from_off = np.array([_FAR if j is None else j for j in back], dtype=np.int64)

        days = np.unique(np.asarray(excluded, dtype="datetime64[D]").astype(np.int64))
        self.excluded = days[on[_weekday(days)]]  # an excluded day off the weekmask changes nothing
        # Counted-day number of each excluded day: weekmask days before it minus excluded ones.
        self._excluded_number = self._weekmask_number(self.excluded) - np.arange(len(self.excluded))
        # Day by day over the excluded span and a margin: each day's counted-day number and
        # whether it counts, and the counted days (their numbers run on from
        # ``_span_first_number``). Queries inside the span are then plain lookups.
        span = np.arange(0, dtype=np.int64)
        if len(self.excluded) and self.excluded[-1] - self.excluded[0] < _SPAN_LIMIT:
            span = np.arange(self.excluded[0] - _SPAN_MARGIN, self.excluded[-1] + _SPAN_MARGIN + 1)
        self._span_start = int(span[0]) if len(span) else 0
        self._span_number = self._number(span)
        self._span_counted = self._counted(span)
        self._span_days = span[self._span_counted]
        self._span_first_number = int(self._number(self._span_days[:1])[0]) if len(self._span_days) else 0
        for shared in (self._span_number, self._span_counted, self._span_days, self.excluded):
            shared.flags.writeable = False  # ranges are handed out as views

    # -- weekmask arithmetic ---------------------------------------------------------------------

    def _weekmask_number(self, day: np.ndarray) -> np.ndarray:
        """Weekmask days in [Monday 1969-12-29, day) (negative before it)."""
        weeks, weekday = np.divmod(day + _MONDAY_SHIFT, 7)
        return weeks * self._per_week + self._before[weekday]

    def _weekmask_day(self, number: np.ndarray) -> np.ndarray:
        """The weekmask day whose :meth:`_weekmask_number` is ``number``."""
        weeks, nth = np.divmod(number, self._per_week)
        return weeks * 7 + self._on_weekday[nth] - _MONDAY_SHIFT

    def _number(self, day: np.ndarray) -> np.ndarray:
        return self._weekmask_number(day) - np.searchsorted(self.excluded, day)

    def _counted(self, day: np.ndarray) -> np.ndarray:
        counted = self._on[_weekday(day)]
        if len(self.excluded):
            at = np.minimum(np.searchsorted(self.excluded, day), len(self.excluded) - 1)
            counted &= self.excluded[at] != day
        return counted

    @staticmethod
    def _inside(index: np.ndarray, size: int) -> bool:
        """Whether every index falls in ``range(size)`` (then one lookup answers them all)."""
        return index.size > 0 and size > 0 and int(index.min()) >= 0 and int(index.max()) < size

    # -- queries (int64 days, vectorised) --------------------------------------------------------

    def number(self, day) -> np.ndarray:
        """Counted days before ``day`` (from a fixed origin: differences are what matter)."""
        day = np.asarray(day, dtype=np.int64)
        at = day - self._span_start
        if self._inside(at, len(self._span_number)):
            return self._span_number[at]
        return self._number(day)

    def day_of(self, number) -> np.ndarray:
        """The counted day with ``number`` counted days before it."""
        number = np.asarray(number, dtype=np.int64)
        at = number - self._span_first_number
        if self._inside(at, len(self._span_days)):
            return self._span_days[at]
        return self._weekmask_day(number + np.searchsorted(self._excluded_number, number, side="right"))

    def is_counted(self, day) -> np.ndarray:
        """Whether each day counts (numpy's ``is_busday``)."""
        day = np.asarray(day, dtype=np.int64)
        at = day - self._span_start
        if self._inside(at, len(self._span_counted)):
            return self._span_counted[at]
        return self._counted(day)

    def number_range(self, first: int, count: int) -> np.ndarray:
        """:meth:`number` of the ``count`` days from ``first`` (a view when inside the span)."""
        at = first - self._span_start
        if 0 <= at and at + count <= len(self._span_number):
            return self._span_number[at:at + count]
        return self._number(np.arange(first, first + count, dtype=np.int64))

    def counted_range(self, first: int, count: int) -> np.ndarray:
        """:meth:`is_counted` of the ``count`` days from ``first`` (a view when inside the span)."""
        at = first - self._span_start
        if 0 <= at and at + count <= len(self._span_counted):
            return self._span_counted[at:at + count]
        return self._counted(np.arange(first, first + count, dtype=np.int64))

    def offset(self, day, n) -> np.ndarray:
        """The first counted day on/after ``day``, advanced by ``n`` counted days
        (numpy's ``busday_offset(day, n, roll="forward")``)."""
        return self.day_of(self.number(day) + np.asarray(n, dtype=np.int64))

    def count(self, begin, end) -> np.ndarray:
        """Counted days in [begin, end) (numpy's ``busday_count``); when end < begin, minus the
        counted days in (end, begin], as numpy counts backwards."""
        begin = np.asarray(begin, dtype=np.int64)
        end = np.asarray(end, dtype=np.int64)
        backwards = end < begin
        return self.number(end + backwards) - self.number(begin + backwards)

    def first_excluded(self, begin, end) -> np.ndarray:
        """First day in [begin, end) that does not count; ``end`` where every day counts."""
        begin = np.asarray(begin, dtype=np.int64)
        end = np.asarray(end, dtype=np.int64)
        off = begin + self._to_off[_weekday(begin)]
        at = np.searchsorted(self.excluded, begin)
        listed = np.append(self.excluded, _FAR)[at]
        return np.minimum(np.minimum(off, listed), end)

    def last_excluded(self, begin, end) -> np.ndarray:
        """Last day in [begin, end) that does not count; ``begin - 1`` where every day counts."""
        begin = np.asarray(begin, dtype=np.int64)
        last = np.asarray(end, dtype=np.int64) - 1
        off = last - self._from_off[_weekday(last)]
        at = np.searchsorted(self.excluded, last, side="right")
        listed = np.append(-_FAR, self.excluded)[at]
        return np.maximum(np.maximum(off, listed), begin - 1)

    def __repr__(self) -> str:
        return f"DayTable({self.weekmask!r}, {len(self.excluded)} excluded days)"
