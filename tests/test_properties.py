"""Property tests: the engine (scalar and vectorised) against the literal reference.

The expected values always come from tests/reference.py, which is written from docs/rules.md alone.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import reference as ref
import strategies as sx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import xlcompliance as xc
from xlcompliance.core import deadlines

PROPS = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BATCH = settings(max_examples=120, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ONE_SEC = timedelta(seconds=1)


def ts(x) -> pd.Timestamp:
    return pd.Timestamp(x)


def _naive(x) -> bool:
    return isinstance(x, datetime) and x.tzinfo is None


# ---- scalar functions -------------------------------------------------------------------------
@st.composite
def scalar_case(draw):
    """(paid_at, windows, listed_at, last_month_sales) with windows near the payment day."""
    paid = draw(sx.paid_at(), "paid")
    windows = draw(sx.windows_near(paid.date()), "windows")
    listed = draw(sx.listed_at(paid), "listed")
    sales = draw(sx.last_month_sales(), "sales")
    return paid, windows, listed, sales


D = datetime
J = "JIT"


@PROPS
@given(case=scalar_case())
@example(case=(D(2024, 5, 17, 0), [], None, None))  # runs out Sat 24:00 -> Mon 00:00
@example(case=(D(2024, 5, 18, 23, 59), [], None, 10))  # paid Sat late, relaxed
@example(case=(D(2024, 5, 19, 12), [], None, None))  # paid on a Sunday
@example(case=(D(2024, 4, 11, 23, 59), [], D(2024, 4, 1), 0))  # before the effective date
@example(case=(D(2024, 4, 12, 0, 0), [], None, 10))  # first eligible instant
@example(case=(D(2024, 6, 3, 12), [(date(2024, 6, 4), date(2024, 6, 5), J)], None, None))
@example(case=(D(2024, 6, 3, 0), [(date(2024, 6, 5), date(2024, 6, 6), "POP")], None, None))
@example(case=(D(2024, 6, 3, 0), [(date(2024, 6, 3), date(2024, 6, 3), "ALL")], None, None))
def test_pop_deadline_random_windows(case):
    paid, windows, listed, sales = case
    cal = xc.Calendar(windows=windows, statutory=False)
    got = xc.pop_deadline(paid, listed, sales, calendar=cal)
    exp = ref.ref_pop_deadline(paid, listed, sales, days=ref.holiday_days(windows))
    assert _naive(got)
    assert ts(got) == ts(exp)
    assert ts(got) >= ts(paid)


@PROPS
@given(case=scalar_case(), method=st.sampled_from(["pickup", "self"]))
@example(case=(D(2024, 5, 15, 13, 59), [], None, None), method="pickup")
@example(case=(D(2024, 5, 15, 14, 0), [], None, None), method="pickup")
@example(case=(D(2024, 5, 15, 14, 0), [], None, 3), method="pickup")
@example(case=(D(2024, 5, 15, 13, 59, 59), [], None, 3), method="pickup")
@example(case=(D(2024, 5, 18, 23, 59), [], None, None), method="pickup")  # Saturday counts
@example(case=(D(2024, 5, 19, 12, 0), [], None, None), method="self")  # Sunday counts
@example(case=(D(2024, 6, 3, 15), [(date(2024, 6, 4), date(2024, 6, 5), J)], None, 0),
         method="pickup")
@example(case=(D(2024, 6, 3, 10), [(date(2024, 6, 3), date(2024, 6, 3), J)], None, 0),
         method="pickup")
@example(case=(D(2024, 6, 3, 10), [(date(2024, 6, 3), date(2024, 6, 5), "POP")], None, 0),
         method="pickup")  # POP-only window: no effect on JIT
@example(case=(D(2024, 6, 3, 0), [(date(2024, 6, 5), date(2024, 6, 6), J)], None, None),
         method="self")  # 48 h end exactly as the window begins -> its end
def test_jit_deadline_random_windows(case, method):
    paid, windows, listed, sales = case
    cal = xc.Calendar(windows=windows, statutory=False)
    got = xc.jit_deadline(paid, method, listed, sales, calendar=cal)
    exp = ref.ref_jit_deadline(paid, method, listed, sales, days=ref.holiday_days(windows))
    assert _naive(got)
    assert ts(got) == ts(exp)
    assert ts(got) >= ts(paid)


@PROPS
@given(data=st.data(), cm=sx.channel_method(), with_windows=st.booleans())
def test_scalar_deadlines_statutory(data, cm, with_windows):
    """Statutory breaks on: calendar=None (the default) or Calendar(windows) with statutory."""
    channel, method = cm
    paid = data.draw(sx.paid_at(), "paid")
    listed = data.draw(sx.listed_at(paid), "listed")
    sales = data.draw(sx.last_month_sales(), "sales")
    windows = data.draw(sx.windows_near(paid.date()), "windows") if with_windows else []
    cal = xc.Calendar(windows=windows) if with_windows else None
    if channel == "POP":
        got = xc.pop_deadline(paid, listed, sales, calendar=cal)
    else:
        got = xc.jit_deadline(paid, method, listed, sales, calendar=cal)
    days = ref.holiday_days(windows, statutory=True)
    exp = ref.ref_deadline(channel, method, paid, listed, sales, days=days)
    assert ts(got) == ts(exp)


@PROPS
@given(data=st.data(), cm=sx.channel_method(), statutory=st.booleans())
def test_relaxed_never_earlier_than_standard(data, cm, statutory):
    channel, method = cm
    paid = data.draw(sx.paid_at(), "paid")
    windows = data.draw(sx.windows_near(paid.date()), "windows")
    cal = xc.Calendar(windows=windows, statutory=statutory)

    def dl(sales):
        if channel == "POP":
            return ts(xc.pop_deadline(paid, None, sales, calendar=cal))
        return ts(xc.jit_deadline(paid, method, None, sales, calendar=cal))

    relaxed, standard = dl(0), dl(None)
    assert relaxed >= standard
    if paid >= ref.EFFECTIVE:  # eligible: the relaxed allowance is strictly longer
        assert relaxed > standard
    else:  # before the effective date nothing is relaxed
        assert relaxed == standard


@PROPS
@given(data=st.data(), cm=sx.channel_method(), statutory=st.booleans(),
       sales=st.sampled_from([None, 0]))
def test_deadline_monotone_in_paid_at(data, cm, statutory, sales):
    channel, method = cm
    p1 = data.draw(sx.paid_at(), "p1")
    step = data.draw(st.one_of(st.sampled_from([1, 60, 24 * 60, 7 * 24 * 60]),
                               st.integers(0, 20 * 24 * 60)), "step minutes")
    p2 = p1 + timedelta(minutes=step)
    windows = data.draw(sx.windows_near(p1.date()), "windows")
    cal = xc.Calendar(windows=windows, statutory=statutory)

    def dl(p):
        if channel == "POP":
            return ts(xc.pop_deadline(p, None, sales, calendar=cal))
        return ts(xc.jit_deadline(p, method, None, sales, calendar=cal))

    assert dl(p1) <= dl(p2)


# ---- vectorised path --------------------------------------------------------------------------
CHANNEL_SPELLINGS = {"POP": ["POP", "pop", " Pop "], "JIT": ["JIT", "jit", " JIT "]}
METHOD_SPELLINGS = {"pickup": ["pickup", None, " PickUp ", "上门揽收"],
                    "self": ["self", "SELF ", "自寄"]}


@st.composite
def scenario(draw):
    """A calendar, a batch of orders paid around one date, and an as_of instant.

    Returns (windows, statutory, rows, as_of) where each row is a dict holding the raw input
    values plus the reference's expected values under the key "exp".
    """
    center = draw(sx.paid_at(), "center").date()
    windows = draw(sx.windows_near(center, max_size=4), "windows")
    statutory = draw(st.booleans(), "statutory")
    days = ref.holiday_days(windows, statutory=statutory)
    n = draw(st.integers(1, 30), "n rows")
    rows = []
    for i in range(n):
        channel, method = draw(sx.channel_method())
        paid = draw(sx.paid_near(center, 12))
        listed = draw(sx.listed_at(paid))
        sales = draw(sx.last_month_sales())
        error = draw(st.sampled_from([None] * 12 + ["listed_after_paid", "negative_sales",
                                                     "fulfilled_before_paid"]))
        if error == "listed_after_paid":
            listed = paid + timedelta(minutes=draw(st.integers(1, 3000)))
        elif error == "negative_sales":
            sales = -draw(st.integers(1, 5))
        deadline = ref.ref_deadline(channel, method, paid, listed if not error else None,
                                    sales if not error else None, days=days)
        fulfilled = cancelled = None
        outcome = draw(st.sampled_from(["fulfilled", "fulfilled", "cancelled", "open"]))
        delta = draw(st.one_of(
            st.sampled_from([-ONE_SEC, timedelta(0), ONE_SEC]),
            st.integers(-5 * 24 * 60, 5 * 24 * 60).map(lambda m: timedelta(minutes=m)),
        ))
        event = max(paid, deadline + delta)
        if error == "fulfilled_before_paid":
            fulfilled = paid - timedelta(minutes=draw(st.integers(1, 3000)))
        elif outcome == "fulfilled":
            fulfilled = event
        elif outcome == "cancelled":
            cancelled = event
        rows.append(dict(
            order_id=f"o{i}", shop=draw(st.sampled_from(["A", "B"])),
            channel=draw(st.sampled_from(CHANNEL_SPELLINGS[channel])),
            method=None if channel == "POP" else draw(st.sampled_from(METHOD_SPELLINGS[method])),
            paid_at=paid, listed_at=listed, last_month_sales=sales,
            fulfilled_at=fulfilled, cancelled_at=cancelled,
            exp=dict(channel=channel, method=method, deadline=deadline, error=error),
        ))
    base = datetime.combine(center, datetime.min.time())
    as_of = draw(st.one_of(
        st.integers(-15 * 24 * 60, 30 * 24 * 60).map(lambda m: base + timedelta(minutes=m)),
        st.sampled_from([r["exp"]["deadline"] for r in rows]),
        st.sampled_from([r["exp"]["deadline"] + ONE_SEC for r in rows]),
    ), "as_of")
    for r in rows:
        if r["exp"]["error"]:
            continue
        r["exp"]["eligible"] = ref.eligible(r["paid_at"], r["listed_at"], r["last_month_sales"])
        r["exp"]["rule_set"] = ref.RELAXED if r["exp"]["eligible"] else ref.STANDARD
        r["exp"]["status"], r["exp"]["hours_late"] = ref.ref_status(
            r["exp"]["deadline"], r["fulfilled_at"], r["cancelled_at"], as_of)
    sales_repr = draw(st.sampled_from(["Int64", "float", "object"]), "sales dtype")
    return windows, statutory, rows, as_of, sales_repr


def _frame(rows, sales_repr) -> pd.DataFrame:
    df = pd.DataFrame({
        "order_id": [r["order_id"] for r in rows],
        "shop": [r["shop"] for r in rows],
        "channel": [r["channel"] for r in rows],
        "method": [r["method"] for r in rows],
        "paid_at": pd.to_datetime([r["paid_at"] for r in rows]),
        "listed_at": pd.to_datetime([r["listed_at"] for r in rows]),
        "last_month_sales": [r["last_month_sales"] for r in rows],
        "fulfilled_at": pd.to_datetime([r["fulfilled_at"] for r in rows]),
        "cancelled_at": pd.to_datetime([r["cancelled_at"] for r in rows]),
    })
    sales = df["last_month_sales"]
    if sales_repr == "Int64":
        df["last_month_sales"] = pd.array(sales.tolist(), dtype="Int64")
    elif sales_repr == "float":
        df["last_month_sales"] = pd.to_numeric(sales.astype(object).where(sales.notna(), None),
                                               errors="coerce").astype(float)
    else:
        df["last_month_sales"] = pd.Series(
            [None if v is None or (isinstance(v, float) and math.isnan(v)) else v
             for v in sales.tolist()], dtype=object)
    return df


def _blank(x) -> bool:
    return x is None or (not isinstance(x, str) and pd.isna(x)) or (
        isinstance(x, str) and x.strip() == "")


@BATCH
@given(sc=scenario(), block_rows=st.sampled_from([deadlines.BLOCK_ROWS, 1, 3, 7]))
def test_assess_matches_reference_row_by_row(sc, block_rows):
    """Also with the deadline kernel forced through small blocks, as a long column goes."""
    windows, statutory, rows, as_of, sales_repr = sc
    cal = xc.Calendar(windows=windows, statutory=statutory)
    df = _frame(rows, sales_repr)
    before = df.copy(deep=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(deadlines, "BLOCK_ROWS", block_rows)
        out = xc.assess(df, as_of=as_of, calendar=cal)

    assert len(out) == len(df)
    pd.testing.assert_frame_equal(df, before)  # the input frame is not mutated
    for col in df.columns:  # input columns come back as given
        assert col in out.columns
        assert out[col].reset_index(drop=True).equals(df[col].reset_index(drop=True)), col
    for col in ("rule_set", "eligible", "deadline", "status", "hours_late", "error"):
        assert col in out.columns, col

    problems = []
    for i, (r, o) in enumerate(zip(rows, out.to_dict("records"), strict=True)):
        e = r["exp"]
        if e["error"]:
            if o["status"] != "error" or _blank(o["error"]):
                problems.append((i, "expected error", e["error"], o["status"], o["error"]))
            continue
        got = dict(deadline=o["deadline"], status=o["status"], rule_set=o["rule_set"],
                   eligible=o["eligible"], hours_late=o["hours_late"], error=o["error"])
        ok = (
            not pd.isna(o["deadline"]) and ts(o["deadline"]) == ts(e["deadline"])
            and o["status"] == e["status"]
            and o["rule_set"] == e["rule_set"]
            and bool(o["eligible"]) == e["eligible"]
            and _blank(o["error"])
        )
        if e["hours_late"] is None:
            ok = ok and pd.isna(o["hours_late"])
        else:
            ok = ok and not pd.isna(o["hours_late"]) and abs(
                float(o["hours_late"]) - e["hours_late"]) < 1e-6
        if not ok:
            problems.append((i, {k: r[k] for k in ("channel", "method", "paid_at", "listed_at",
                                                   "last_month_sales", "fulfilled_at",
                                                   "cancelled_at")}, "expected", e, "got", got))
    assert not problems, f"as_of={as_of} windows={windows} statutory={statutory}\n" + "\n".join(
        map(repr, problems[:5]))


@BATCH
@given(data=st.data(), cm=sx.channel_method(), statutory=st.booleans(),
       sales=st.sampled_from([None, 0]))
def test_assess_deadline_monotone_in_paid_at(data, cm, statutory, sales):
    """Batch of sorted paid_at, fixed channel/method/eligibility inputs: deadlines sorted."""
    channel, method = cm
    center = data.draw(sx.paid_at(), "center").date()
    paid = sorted(data.draw(st.lists(sx.paid_near(center, 12), min_size=2, max_size=60), "paid"))
    windows = data.draw(sx.windows_near(center, max_size=4), "windows")
    df = pd.DataFrame({"channel": channel, "method": method, "paid_at": pd.to_datetime(paid),
                       "last_month_sales": pd.array([sales] * len(paid), dtype="Int64")})
    out = xc.assess(df, as_of=datetime(2027, 6, 1),
                    calendar=xc.Calendar(windows=windows, statutory=statutory))
    dl = pd.to_datetime(out["deadline"])
    assert (dl >= df["paid_at"]).all()
    assert dl.is_monotonic_increasing, list(zip(paid, dl, strict=True))


@settings(max_examples=40, deadline=None)
@given(case=scalar_case(), cm=sx.channel_method())
def test_aware_input_is_converted_to_platform_time(case, cm):
    """An aware paid_at (here UTC) means the same instant as naive Asia/Shanghai time."""
    channel, method = cm
    paid, windows, listed, sales = case
    cal = xc.Calendar(windows=windows, statutory=False)
    aware = pd.Timestamp(paid).tz_localize("Asia/Shanghai").tz_convert("UTC")
    if channel == "POP":
        got = xc.pop_deadline(aware, listed, sales, calendar=cal)
    else:
        got = xc.jit_deadline(aware, method, listed, sales, calendar=cal)
    exp = ref.ref_deadline(channel, method, paid, listed, sales, days=ref.holiday_days(windows))
    assert _naive(got)
    assert ts(got) == ts(exp)


def test_scalar_rejects_bad_input_naming_the_field():
    p = datetime(2024, 6, 1, 12)
    with pytest.raises(ValueError, match="listed_at"):
        xc.pop_deadline(p, listed_at=p + timedelta(minutes=1))
    with pytest.raises(ValueError, match="last_month_sales"):
        xc.jit_deadline(p, "pickup", last_month_sales=-1)
    with pytest.raises(ValueError, match="paid_at"):
        xc.pop_deadline(60)  # Excel serial 60 is the fictitious 1900-02-29: out of range
    with pytest.raises(ValueError, match="method"):
        xc.jit_deadline(p, "teleport")


def test_scalar_accepts_iso_timestamp_and_excel_serial():
    cal = xc.Calendar(statutory=False)
    exp = ts(ref.ref_pop_deadline(datetime(2024, 5, 16, 12), None, None,
                                  days=ref.holiday_days(())))
    # 2024-05-16 12:00 is Excel serial 45428.5 (serials round to the nearest second)
    for v in (datetime(2024, 5, 16, 12), pd.Timestamp("2024-05-16 12:00"), "2024-05-16T12:00:00",
              "2024-05-16 12:00", 45428.5, 45428.5 + 0.4 / 86400, 45428.5 - 0.4 / 86400,
              "2024-05-16T04:00:00Z", "2024-05-16T12:00:00+08:00"):
        assert ts(xc.pop_deadline(v, calendar=cal)) == exp, v


def test_calendar_exposes_same_days_as_reference_when_possible():
    """If the engine lists its excluded holiday days, they must be the reference's."""
    windows = [(date(2024, 7, 1), date(2024, 7, 3), "POP"),
               (date(2024, 7, 3), date(2024, 7, 4), "JIT")]
    cal = xc.Calendar(windows=windows, statutory=False)
    lister = getattr(cal, "holidays", None)
    if not callable(lister):
        pytest.skip("Calendar exposes no list of excluded days")
    days = ref.holiday_days(windows)
    for ch in ("POP", "JIT"):
        got = {pd.Timestamp(d).date() for d in lister(ch)}
        assert got == days[ch], ch


# ---- a long column: the kernel's per-day lookup tables ---------------------------------------
WINDOW_SETS = {
    "none": ((), False),
    "official breaks": ((), True),
    "announced windows": (((date(2024, 5, 20), date(2024, 5, 22), "JIT"), (date(2024, 6, 7), date(2024, 6, 10), "ALL"),
                           (date(2024, 4, 26), date(2024, 4, 26), "POP")), True),
}


@pytest.mark.parametrize("calendar_name", list(WINDOW_SETS))
def test_a_long_column_matches_reference_row_by_row(calendar_name):
    """20,000 orders over three months: long enough that the kernel answers each distinct payment
    day once and looks rows up (tests above use short batches, which it computes row by row)."""
    from xlcompliance.io.sample import generate_orders

    windows, statutory = WINDOW_SETS[calendar_name]
    orders = generate_orders(20_000, seed=11)
    out = xc.assess(orders, as_of="2024-07-01", calendar=xc.Calendar(windows=windows, statutory=statutory))
    days = ref.holiday_days(windows, statutory=statutory)
    wrong = []
    for row, got in zip(orders.itertuples(index=False), out["deadline"], strict=True):
        listed = None if pd.isna(row.listed_at) else row.listed_at.to_pydatetime()
        sales = None if pd.isna(row.last_month_sales) else int(row.last_month_sales)
        method = None if pd.isna(row.method) else row.method
        expected = ref.ref_deadline(row.channel, method, row.paid_at.to_pydatetime(), listed, sales, days=days)
        if ts(got) != ts(expected):
            wrong.append((row.order_id, row.channel, method, row.paid_at, got, expected))
    assert not wrong, wrong[:5]
