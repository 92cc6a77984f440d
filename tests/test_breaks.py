"""China's official holiday breaks (放假安排) 2024-2026, hand-copied from the State Council
(国务院办公厅) announcements, against the literal derivation in tests/reference.py and against
the engine's default Calendar()."""

from datetime import date, datetime, time, timedelta

import pandas as pd
import pytest
import reference as ref

# (first day, last day) inclusive, as published.
OFFICIAL_BREAKS = {
    2024: [  # 国办发明电〔2023〕7号
        (date(2023, 12, 30), date(2024, 1, 1)),  # 元旦
        (date(2024, 2, 10), date(2024, 2, 17)),  # 春节 (2-4 Sun, 2-18 Sun work)
        (date(2024, 4, 4), date(2024, 4, 6)),  # 清明 (4-7 Sun work)
        (date(2024, 5, 1), date(2024, 5, 5)),  # 劳动节 (4-28 Sun, 5-11 Sat work)
        (date(2024, 6, 8), date(2024, 6, 10)),  # 端午
        (date(2024, 9, 15), date(2024, 9, 17)),  # 中秋 (9-14 Sat work)
        (date(2024, 10, 1), date(2024, 10, 7)),  # 国庆 (9-29 Sun, 10-12 Sat work)
    ],
    2025: [  # 国办发明电〔2024〕12号
        (date(2025, 1, 1), date(2025, 1, 1)),  # 元旦
        (date(2025, 1, 28), date(2025, 2, 4)),  # 春节 (1-26 Sun, 2-8 Sat work)
        (date(2025, 4, 4), date(2025, 4, 6)),  # 清明
        (date(2025, 5, 1), date(2025, 5, 5)),  # 劳动节 (4-27 Sun work)
        (date(2025, 5, 31), date(2025, 6, 2)),  # 端午
        (date(2025, 10, 1), date(2025, 10, 8)),  # 国庆+中秋 (9-28 Sun, 10-11 Sat work)
    ],
    2026: [  # 国办发明电〔2025〕7号
        (date(2026, 1, 1), date(2026, 1, 3)),  # 元旦 (1-4 Sun work)
        (date(2026, 2, 15), date(2026, 2, 23)),  # 春节 (2-14 Sat, 2-28 Sat work)
        (date(2026, 4, 4), date(2026, 4, 6)),  # 清明
        (date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节 (5-9 Sat work)
        (date(2026, 6, 19), date(2026, 6, 21)),  # 端午
        (date(2026, 9, 25), date(2026, 9, 27)),  # 中秋
        (date(2026, 10, 1), date(2026, 10, 7)),  # 国庆 (9-20 Sun, 10-10 Sat work)
    ],
}

TABLE = sorted(b for year in OFFICIAL_BREAKS.values() for b in year)
# Days between these bounds are checked against the engine; no break of 2023 or 2027 reaches
# in (2023's last break ends 10-06; 2024's New Year break starts 2023-12-30).
LO, HI = date(2023, 12, 1), date(2026, 12, 31)


def _days(runs) -> set[date]:
    out = set()
    for first, last in runs:
        d = first
        while d <= last:
            out.add(d)
            d += timedelta(days=1)
    return out


TABLE_DAYS = _days(TABLE)


def _all_days(lo=LO, hi=HI):
    d = lo
    while d <= hi:
        yield d
        d += timedelta(days=1)


def test_table_is_sane():
    # breaks never overlap and the lengths match the announcements (3+8+3+5+3+3+7 in 2024 ...)
    assert sum((b - a).days + 1 for a, b in TABLE) == len(TABLE_DAYS)
    lengths = {y: [(b - a).days + 1 for a, b in runs] for y, runs in OFFICIAL_BREAKS.items()}
    assert lengths == {2024: [3, 8, 3, 5, 3, 3, 7], 2025: [1, 8, 3, 5, 3, 8],
                       2026: [3, 9, 3, 5, 3, 3, 7]}


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_reference_derivation_matches_announcements(year):
    assert ref.official_breaks([year]) == OFFICIAL_BREAKS[year]


def test_reference_derivation_matches_all_three_years():
    assert ref.official_breaks([2024, 2025, 2026]) == TABLE
    derived = {d for d in ref.official_break_days(range(2015, 2031)) if LO <= d <= HI}
    assert derived == TABLE_DAYS


def test_holidays_china_alone_is_not_the_break():
    # guards the point of the derivation: holidays.China misses the weekend days of breaks
    import holidays

    listed = set(holidays.China(years=[2024]).keys())
    assert date(2024, 5, 4) not in listed and date(2024, 6, 8) not in listed


# ---- the engine's default calendar --------------------------------------------------------------
def _engine_jit_excluded_by_scalar():
    from xlcompliance import Calendar, jit_deadline

    cal = Calendar()
    excluded = set()
    for d in _all_days():
        # standard pickup, paid at 10:00: deadline is that day iff the day is a JIT working day
        dl = pd.Timestamp(jit_deadline(datetime.combine(d, time(10)), "pickup", calendar=cal))
        if dl.date() != d:
            excluded.add(d)
    return excluded


def test_engine_default_calendar_excludes_exactly_the_breaks_for_jit_scalar():
    assert _engine_jit_excluded_by_scalar() == TABLE_DAYS


@pytest.mark.parametrize("channel", ["POP", "JIT"])
def test_engine_default_calendar_lists_the_breaks(channel):
    """If the engine's Calendar lists its holiday days, they are the announced breaks."""
    from xlcompliance import Calendar

    cal = Calendar()
    lister = getattr(cal, "holidays", None)
    if not callable(lister):
        pytest.skip("Calendar exposes no list of excluded days")
    got = {pd.Timestamp(d).date() for d in lister(channel)}
    assert {d for d in got if LO <= d <= HI} == TABLE_DAYS


def test_engine_default_calendar_scalar_default_is_statutory():
    # calendar=None means the default calendar (statutory breaks on)
    from xlcompliance import jit_deadline, pop_deadline

    assert pd.Timestamp(jit_deadline(datetime(2024, 4, 30, 15), "pickup")) == pd.Timestamp(
        2024, 5, 6, 23, 59, 59)
    assert pd.Timestamp(pop_deadline(datetime(2024, 9, 28, 0))) == pd.Timestamp(2024, 10, 8)


def test_engine_default_calendar_excludes_exactly_the_breaks_for_jit_assess():
    from xlcompliance import Calendar, assess

    days = list(_all_days())
    df = pd.DataFrame({
        "order_id": range(len(days)),
        "channel": "JIT",
        "method": "pickup",
        "paid_at": pd.to_datetime([datetime.combine(d, time(10)) for d in days]),
    })
    out = assess(df, as_of=datetime(2027, 6, 1), calendar=Calendar())
    dl = pd.to_datetime(out["deadline"])
    excluded = {d for d, x in zip(days, dl, strict=True) if x.date() != d}
    assert excluded == TABLE_DAYS


@pytest.mark.parametrize("channel, method", [("POP", None), ("JIT", "pickup"), ("JIT", "self")])
def test_engine_default_calendar_deadlines_match_table(channel, method):
    """Every day of 2024-01-01..2026-12-15 at 00:00 / 13:59 / 14:00 / 23:30, standard and
    relaxed, through assess, against the reference fed with the HAND table (not holidays)."""
    from xlcompliance import assess

    hol = {"POP": TABLE_DAYS, "JIT": TABLE_DAYS}
    rows = []
    for d in _all_days(date(2024, 1, 1), date(2026, 12, 15)):
        for t in (time(0), time(13, 59), time(14), time(23, 30)):
            for sales in (None, 3):
                rows.append((datetime.combine(d, t), sales))
    df = pd.DataFrame({
        "channel": channel,
        "method": method,
        "paid_at": pd.to_datetime([p for p, _ in rows]),
        "last_month_sales": pd.array([s for _, s in rows], dtype="Int64"),
    })
    out = assess(df, as_of=datetime(2027, 6, 1))  # calendar=None: default calendar
    got = pd.to_datetime(out["deadline"]).tolist()
    bad = []
    for (paid, sales), g in zip(rows, got, strict=True):
        exp = ref.ref_deadline(channel, method, paid, None, sales, days=hol)
        if g != pd.Timestamp(exp):
            bad.append((paid, sales, g, exp))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]}"
