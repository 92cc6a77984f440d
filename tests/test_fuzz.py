"""Fuzzing the core with arbitrary mixed values: nothing unexpected escapes, bad rows are
flagged, good rows are unchanged."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlcompliance as xlc
from xlcompliance.core.parsing import ExcelError

AS_OF = "2024-07-01"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

naive = st.datetimes(min_value=dt.datetime(1899, 1, 1), max_value=dt.datetime(9999, 12, 30))
aware = st.datetimes(min_value=dt.datetime(1950, 1, 2), max_value=dt.datetime(2200, 1, 1),
                     timezones=st.sampled_from([ZoneInfo("UTC"), ZoneInfo("America/New_York"),
                                                ZoneInfo("Asia/Shanghai")]))
anything = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(""),
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    naive,
    aware,
    st.dates(),
    st.booleans(),
    st.sampled_from(["#N/A", "#VALUE!", "#REF!", " 12 ", "12.0", "-3", "2024-02-29", "2023-02-29",
                     "2024-04-15T10:00+08:00", "45397.5", "POP", "JIT", "self", "自寄", "上门揽收"]),
    st.builds(ExcelError, st.sampled_from(["#N/A", "#DIV/0!"])),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.builds(pd.Timestamp, naive),
)


@SETTINGS
@given(paid=anything, listed=anything, sales=anything)
def test_pop_deadline_returns_or_raises_value_error(paid, listed, sales):
    try:
        result = xlc.pop_deadline(paid, listed, sales)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(result, dt.datetime) and result.tzinfo is None


@SETTINGS
@given(paid=anything, method=anything, listed=anything, sales=anything)
def test_jit_deadline_returns_or_raises_value_error(paid, method, listed, sales):
    try:
        result = xlc.jit_deadline(paid, method, listed, sales)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(result, dt.datetime) and result.tzinfo is None


GOOD = pd.DataFrame({
    "order_id": ["g1", "g2", "g3", "g4"],
    "shop": ["A", "A", "B", "B"],
    "channel": ["POP", "JIT", "JIT", "POP"],
    "method": [None, "pickup", "self", None],
    "paid_at": ["2024-04-19 10:00", "2024-04-15 14:00", "2024-04-30 15:00", "2024-05-31 12:00"],
    "listed_at": [None, None, None, "2024-05-01 12:00"],
    "last_month_sales": [None, 3, None, None],
    "fulfilled_at": ["2024-04-22 09:00", None, "2024-05-08 00:00", None],
    "cancelled_at": [None, None, None, None],
})
RESULT_COLUMNS = ["rule_set", "eligible", "deadline", "status", "hours_late", "explanation"]

junk_row = st.fixed_dictionaries({c: anything for c in GOOD.columns if c != "order_id"})


@SETTINGS
@given(rows=st.lists(junk_row, min_size=1, max_size=6), positions=st.lists(st.integers(0, 10), min_size=6, max_size=6))
def test_assess_flags_bad_rows_and_leaves_good_rows_unchanged(rows, positions):
    junk = pd.DataFrame(rows)
    junk.insert(0, "order_id", [f"j{i}" for i in range(len(junk))])
    frame = GOOD.astype(object)
    for i, row in enumerate(junk.to_dict("records")):
        at = min(positions[i], len(frame))
        frame = pd.concat([frame.iloc[:at], pd.DataFrame([row], dtype=object), frame.iloc[at:]], ignore_index=True)
    alone = xlc.assess(GOOD, as_of=AS_OF)
    mixed = xlc.assess(frame, as_of=AS_OF)
    assert set(mixed["status"].astype(str)) <= set(xlc.STATUSES)
    errors = mixed["status"] == "error"
    assert mixed.loc[errors, "error"].notna().all()
    assert mixed.loc[~errors, "error"].isna().all()
    assert mixed.loc[~errors, "deadline"].notna().all()
    goods = mixed.set_index("order_id").loc[GOOD["order_id"], RESULT_COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(goods.astype(object), alone[RESULT_COLUMNS].astype(object))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = xlc.monthly_summary(mixed, as_of=AS_OF)
    assert (summary["assessed"] >= 0).all()


@SETTINGS
@given(amounts=st.lists(anything, min_size=1, max_size=8), when=st.lists(anything, min_size=8, max_size=8))
def test_monthly_summary_survives_any_penalty_ledger(amounts, when):
    penalties = pd.DataFrame({
        "shop": ["A"] * len(amounts),
        "order_id": ["x"] * len(amounts),
        "amount": pd.Series(amounts, dtype=object),
        "deducted_at": pd.Series(when[: len(amounts)], dtype=object),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = xlc.monthly_summary(xlc.assess(GOOD, as_of=AS_OF), penalties, as_of=AS_OF)
    assert all(isinstance(v, Decimal) for v in summary["penalties"])
    bad = summary.attrs["penalty_errors"]  # a list of row dicts, or None
    n_bad = 0 if bad is None else len(bad)
    assert n_bad <= len(amounts)


def test_a_million_amounts_sum_exactly():
    from xlcompliance.core.money import cents_to_decimal, to_cents

    rng = np.random.default_rng(2024)
    cents = rng.integers(-10**9, 10**9, size=1_000_000)
    texts = pd.Series([f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()])
    parsed, errors = to_cents(texts)
    assert not pd.notna(errors).any()
    assert cents_to_decimal(int(parsed.sum())) == sum((Decimal(t) for t in texts), Decimal(0))
