"""Finance reconciliation: hand-computed ledgers against the refund rules of docs/rules.md.

Every expected number below is worked out by hand from the ledgers in this file; the engine
(assess -> monthly_summary -> reconcile) is the real one, and the report is a real xlsx file.
"""

from __future__ import annotations

import datetime as dt
import random
import warnings
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlcompliance import assess, default_rules, monthly_summary, write_report
from xlcompliance.cli import main
from xlcompliance.core.reconciliation import (
    APPEAL_COLUMNS,
    PENALTY_DETAIL_COLUMNS,
    RECONCILE_COLUMNS,
    REFUND_STATUSES,
    reconcile,
    refund_statuses,
)
from xlcompliance.io.reading import read_table
from xlcompliance.io.sample import SAMPLE_AS_OF, sample_path

D = Decimal
T = pd.Timestamp


def month_orders(shop: str, month: str, on_time: int, late: int, *, start: int = 0) -> list[dict]:
    """POP orders paid on the 10th of ``month`` (deadline 48 h later, the same month)."""
    rows = []
    base = T(f"{month}-10 09:00")
    for i in range(on_time + late):
        paid = base + pd.Timedelta(minutes=i)
        done = paid + (pd.Timedelta(hours=1) if i < on_time else pd.Timedelta(days=5))
        rows.append({
            "order_id": f"{shop[0]}{month.replace('-', '')}{start + i:04d}",
            "shop": shop, "channel": "POP",
            "paid_at": paid.strftime("%Y-%m-%d %H:%M:%S"),
            "fulfilled_at": done.strftime("%Y-%m-%d %H:%M:%S"),
            "cancelled_at": None,
        })
    return rows


def penalty(shop, order_id, amount, deducted_at, channel="POP", currency="CNY") -> dict:
    return {"shop": shop, "order_id": order_id, "channel": channel, "amount": amount,
            "deducted_at": deducted_at, "currency": currency}


def refund(shop, month, amount, received_at="2024-06-25 10:00:00", currency="CNY") -> dict:
    return {"shop": shop, "month": month, "amount": amount, "received_at": received_at,
            "currency": currency}


def run(orders, penalties, refunds=None, as_of="2024-08-05 12:00:00"):
    assessed = assess(pd.DataFrame(orders), as_of=as_of)
    pen = pd.DataFrame(penalties, columns=["shop", "order_id", "channel", "amount", "deducted_at", "currency"])
    ref = None if refunds is None else pd.DataFrame(
        refunds, columns=["shop", "month", "amount", "received_at", "currency"])
    return reconcile(assessed, pen, ref, as_of=as_of)


def row(summary: pd.DataFrame, shop: str, month: str) -> pd.Series:
    hit = summary[(summary["shop"] == shop) & (summary["month"] == pd.Period(month, "M"))]
    assert len(hit) == 1, f"{shop} {month}: {len(hit)} rows"
    return hit.iloc[0]


# --- the scenario: one ledger exercising every refund_status ---------------------------------
# as of 2024-08-05 12:00 (May, June, July are final; June's refunds were due 07-31, July's 08-31)
# A May: 19 on time + 1 late = 95 % exactly, qualifies; 10.00 deducted in May; 9.99 refunded -> short
# A Jun: no orders, 7.50 deducted -> a row with no rate, not qualifying -> none_due
# B May: 18 + 1 = 94.74 %, does not qualify; 3.00 deducted; 5.00 refunded -> unexpected
# C May: 19 + 1 = 95 %, the late order penalised 12.34 on 06-03 (deduction month = June)
# C Jun: 10 on time, qualifies; refund due 12.34 by 07-31 23:59:59, nothing came -> missing
# D May: 10 on time, 1.00 deducted, 1.00 refunded -> received
# E May: 10 on time, 2.00 deducted, 2.50 refunded -> over
# F Jul: 10 on time, 4.00 deducted in July, due 08-31 -> not_due_yet
ORDERS = (
    month_orders("A", "2024-05", 19, 1) + month_orders("B", "2024-05", 18, 1)
    + month_orders("C", "2024-05", 19, 1) + month_orders("C", "2024-06", 10, 0)
    + month_orders("D", "2024-05", 10, 0) + month_orders("E", "2024-05", 10, 0)
    + month_orders("F", "2024-07", 10, 0)
)
LATE_A, LATE_B, LATE_C = "A2024050019", "B2024050018", "C2024050019"
PENALTIES = [
    penalty("A", LATE_A, "10.00", "2024-05-20 10:00:00"),
    penalty("A", LATE_A + "x", "7.50", "2024-06-05 10:00:00"),
    penalty("B", LATE_B, "3.00", "2024-05-21 10:00:00"),
    penalty("C", LATE_C, "12.34", "2024-06-03 10:00:00"),
    penalty("D", "D2024050000", "1.00", "2024-05-22 10:00:00"),
    penalty("E", "E2024050000", "2.00", "2024-05-22 10:00:00"),
    penalty("F", "F2024070000", "4.00", "2024-07-15 10:00:00"),
]
REFUNDS = [
    refund("A", "2024-05", "9.99"),
    refund("B", "2024-05", "5.00"),
    refund("D", "2024-05", "1.00"),
    refund("E", "2024-05", "2.50"),
]
# shop, month, assessed, on_time, rate, qualifies, penalties, due, due date, received, difference,
# status, late_allowed, on_time_needed (10/10 cannot absorb a late order: 10/11 < 95 %)
EXPECTED = [
    ("A", "2024-05", 20, 19, Fraction(19, 20), True, "10.00", "10.00", "2024-06-30 23:59:59", "9.99", "-0.01", "short", 0, 0),
    ("A", "2024-06", 0, 0, None, False, "7.50", "0.00", None, "0.00", "0.00", "none_due", None, None),
    ("B", "2024-05", 19, 18, Fraction(18, 19), False, "3.00", "0.00", None, "5.00", "5.00", "unexpected", 0, 1),
    ("C", "2024-05", 20, 19, Fraction(19, 20), True, "0.00", "0.00", None, "0.00", "0.00", "none_due", 0, 0),
    ("C", "2024-06", 10, 10, Fraction(1), True, "12.34", "12.34", "2024-07-31 23:59:59", "0.00", "-12.34", "missing", 0, 0),
    ("D", "2024-05", 10, 10, Fraction(1), True, "1.00", "1.00", "2024-06-30 23:59:59", "1.00", "0.00", "received", 0, 0),
    ("E", "2024-05", 10, 10, Fraction(1), True, "2.00", "2.00", "2024-06-30 23:59:59", "2.50", "0.50", "over", 0, 0),
    ("F", "2024-07", 10, 10, Fraction(1), True, "4.00", "4.00", "2024-08-31 23:59:59", "0.00", "-4.00", "not_due_yet", 0, 0),
]


@pytest.fixture(scope="module")
def scenario():
    return run(ORDERS, PENALTIES, REFUNDS)


def test_summary_columns_in_the_issue_order(scenario):
    assert tuple(scenario.summary.columns) == RECONCILE_COLUMNS
    assert RECONCILE_COLUMNS[:12] == (
        "shop", "month", "assessed", "on_time", "late", "pending", "rate", "provisional",
        "qualifies", "penalties", "refund_due", "refund_due_date",
    )
    assert RECONCILE_COLUMNS[12:17] == (
        "refund_received", "difference", "refund_status", "late_allowed", "on_time_needed",
    )


@pytest.mark.parametrize("expected", EXPECTED, ids=[f"{e[0]}-{e[1]}-{e[11]}" for e in EXPECTED])
def test_scenario_row(scenario, expected):
    (shop, month, n, on_time, rate, qualifies, pen, due, due_date, got, diff, status,
     allowed, needed) = expected
    r = row(scenario.summary, shop, month)
    assert (r["assessed"], r["on_time"], r["late"], r["pending"]) == (n, on_time, n - on_time, 0)
    if rate is None:
        assert pd.isna(r["rate"])
    else:
        assert r["rate"] == pytest.approx(float(rate), abs=0)
    assert bool(r["provisional"]) is False
    assert bool(r["qualifies"]) is qualifies
    for col, text in (("penalties", pen), ("refund_due", due), ("refund_received", got), ("difference", diff)):
        assert isinstance(r[col], Decimal), col
        assert r[col] == D(text) and str(r[col]) == text, col
    assert (pd.isna(r["refund_due_date"]) if due_date is None else r["refund_due_date"] == T(due_date))
    assert r["refund_status"] == status
    if allowed is None:
        assert pd.isna(r["late_allowed"]) and pd.isna(r["on_time_needed"])
    else:
        assert (r["late_allowed"], r["on_time_needed"]) == (allowed, needed)
    assert r["currency"] == "CNY"


def test_scenario_has_exactly_these_rows_and_every_status(scenario):
    got = [(s, str(m)) for s, m in zip(scenario.summary["shop"], scenario.summary["month"], strict=True)]
    assert got == [(e[0], e[1]) for e in EXPECTED]
    assert set(scenario.summary["refund_status"]) == set(REFUND_STATUSES)  # all seven
    assert list(scenario.summary["refund_status"].cat.categories) == list(REFUND_STATUSES)


def test_just_under_threshold_margins():
    """39/40 absorbs one more late order (39/41 = 95.1 %); 18/19 needs one more on-time
    (19/20); 95/100 has no margin either way; 199/200 absorbs 9 (199/209 = 95.2 %, 199/210 not)."""
    orders = (month_orders("P", "2024-05", 39, 1) + month_orders("Q", "2024-05", 18, 1)
              + month_orders("R", "2024-05", 95, 5) + month_orders("U", "2024-05", 199, 1))
    s = run(orders, []).summary
    assert (row(s, "P", "2024-05")[["late_allowed", "on_time_needed", "qualifies"]].tolist()
            == [1, 0, True])
    assert (row(s, "Q", "2024-05")[["late_allowed", "on_time_needed", "qualifies"]].tolist()
            == [0, 1, False])
    assert (row(s, "R", "2024-05")[["late_allowed", "on_time_needed", "qualifies"]].tolist()
            == [0, 0, True])
    assert (row(s, "U", "2024-05")[["late_allowed", "on_time_needed", "qualifies"]].tolist()
            == [9, 0, True])


def test_deduction_month_counts_not_the_deadline_month(scenario):
    may, june = row(scenario.summary, "C", "2024-05"), row(scenario.summary, "C", "2024-06")
    assert may["penalties"] == 0 and june["penalties"] == D("12.34")
    detail = scenario.penalties.set_index("order_id").loc[LATE_C]
    assert str(detail["month"]) == "2024-06"
    assert detail["deadline"].strftime("%Y-%m") == "2024-05"
    assert detail["order_status"] == "late" and bool(detail["in_refund"]) is True


@pytest.mark.parametrize(
    "month, paid, due_date",
    [
        ("2024-01", "2024-01", "2024-02-29 23:59:59"),  # leap February
        ("2023-01", "2023-01", "2023-02-28 23:59:59"),  # non-leap February
        ("2024-11", "2024-11", "2024-12-31 23:59:59"),  # December month end
        ("2024-12", "2024-12", "2025-01-31 23:59:59"),  # across the year end
    ],
)
def test_refund_due_date_month_ends(month, paid, due_date):
    res = run(month_orders("S", paid, 10, 0), [penalty("S", "x", "8.88", f"{month}-20 08:00:00")],
              as_of="2025-06-01 00:00:00")
    r = row(res.summary, "S", month)
    assert r["refund_due"] == D("8.88")
    assert r["refund_due_date"] == T(due_date)
    assert r["refund_status"] == "missing"


DUE = T("2024-06-30 23:59:59")


@pytest.mark.parametrize(
    "due, got, as_of, status",
    [
        (1000, 1000, "2024-06-01", "received"),
        (1000, 1000, "2024-08-01", "received"),
        (1000, 999, "2024-08-01", "short"),
        (1000, 1, "2024-06-01", "short"),
        (1000, 1001, "2024-08-01", "over"),
        (1000, 0, "2024-07-01", "missing"),
        (1000, 0, "2024-06-30 23:59:59.000001", "missing"),
        (1000, 0, "2024-06-30 23:59:59", "not_due_yet"),  # on the due instant: not yet late
        (1000, 0, "2024-06-01", "not_due_yet"),
        (1000, -1000, "2024-07-01", "missing"),  # a reversal nets to nothing received
        (0, 500, "2024-07-01", "unexpected"),
        (0, -500, "2024-07-01", "unexpected"),
        (0, 0, "2024-07-01", "none_due"),
    ],
)
def test_refund_status_table(due, got, as_of, status):
    when = [DUE if due else pd.NaT]
    assert list(refund_statuses([due], [got], when, T(as_of))) == [status]


def test_refund_for_a_month_only_in_the_refund_ledger_gets_a_row():
    res = run(month_orders("A", "2024-05", 10, 0), [], [refund("Z", "2024-04", "3.21")])
    r = row(res.summary, "Z", "2024-04")
    assert (r["assessed"], r["refund_status"], r["refund_received"], r["difference"]) == (
        0, "unexpected", D("3.21"), D("3.21"))
    assert pd.isna(r["rate"]) and not r["qualifies"] and pd.isna(r["late_allowed"])


def test_refund_received_after_as_of_is_not_counted():
    res = run(month_orders("D", "2024-05", 10, 0), [penalty("D", "D2024050000", "1.00", "2024-05-22")],
              [refund("D", "2024-05", "1.00", received_at="2024-07-10 09:00:00")], as_of="2024-07-05")
    r = row(res.summary, "D", "2024-05")
    assert (r["refund_received"], r["refund_status"]) == (D("0.00"), "missing")
    assert res.refunds["counted"].tolist() == [False]
    assert "after as_of" in res.refunds["note"].iloc[0]


def test_bad_ledger_rows_are_kept_with_their_error_and_left_out_of_sums():
    pens = [penalty("D", "D2024050000", "1.00", "2024-05-22"),
            penalty("D", "D2024050001", "abc", "2024-05-22"),
            penalty("D", "D2024050002", "2.00", "not a date")]
    refs = [refund("D", "2024-05", "1.00"), refund("D", "May?", "1.00")]
    with pytest.warns(UserWarning, match=r"2 penalty row\(s\) and 1 refund row\(s\)"):
        res = run(month_orders("D", "2024-05", 10, 0), pens, refs)
    r = row(res.summary, "D", "2024-05")
    assert (r["penalties"], r["refund_received"], r["refund_status"]) == (D("1.00"), D("1.00"), "received")
    errors = res.penalties["error"].tolist()
    assert pd.isna(errors[0]) and "abc" in errors[1] and "deducted_at" in errors[2]
    assert res.penalties["row"].tolist() == [2, 3, 4]
    assert res.refunds["counted"].tolist() == [True, False]
    assert "month" in res.refunds["note"].iloc[1]
    assert res.appeals["row"].tolist() == [2]  # on time; unreadable rows are errors, not appeals


def test_mixed_currencies_in_one_shop_month_are_refused():
    pens = [penalty("D", "D2024050000", "1.00", "2024-05-22", currency="CNY"),
            penalty("D", "D2024050001", "1.00", "2024-05-23", currency="USD")]
    with pytest.raises(ValueError, match="mix currencies.*CNY, USD"):
        run(month_orders("D", "2024-05", 10, 0), pens)


# --- appeals ----------------------------------------------------------------------------------

def test_appeal_candidates_with_evidence():
    as_of = "2024-05-15 12:00:00"
    orders = [
        {"order_id": "O1", "shop": "A", "channel": "POP", "paid_at": "2024-05-13 10:00:00",
         "fulfilled_at": "2024-05-13 11:00:00", "cancelled_at": None},  # on time
        {"order_id": "O2", "shop": "A", "channel": "POP", "paid_at": "2024-05-06 10:00:00",
         "fulfilled_at": "2024-05-10 10:00:00", "cancelled_at": None},  # late
        {"order_id": "O3", "shop": "A", "channel": "POP", "paid_at": "2024-05-15 09:00:00",
         "fulfilled_at": None, "cancelled_at": None},  # pending as of 05-15 12:00
        {"order_id": "O4", "shop": "A", "channel": "POP", "paid_at": "2024-05-13 09:00:00",
         "fulfilled_at": None, "cancelled_at": "2024-05-13 10:00:00"},  # cancelled in time
        {"order_id": "O5", "shop": "A", "channel": "JIT", "paid_at": "2024-05-06 10:00:00",
         "fulfilled_at": "2024-05-09 10:00:00", "cancelled_at": None},  # JIT, late
    ]
    pens = [
        penalty("A", "O1", "5.00", "2024-05-14 08:00:00"),            # row 2
        penalty("A", "O2", "6.00", "2024-05-11 08:00:00"),            # row 3 (legitimate)
        penalty("A", "O2", "6.00", "2024-05-12 08:00:00"),            # row 4 duplicate
        penalty("A", "O9", "7.00", "2024-05-12 08:00:00"),            # row 5 not in export
        penalty("A", "", "8.00", "2024-05-12 08:00:00"),              # row 6 no order id
        penalty("A", "O5", "9.00", "2024-05-12 08:00:00", "POP"),     # row 7 channel says POP
        penalty("B", "O2", "-1.00", "2024-05-13 08:00:00"),           # row 8 dup, shop, amount
        penalty("A", "O3", "2.00", "2024-05-15 10:00:00"),            # row 9 pending
        penalty("A", "O4", "3.00", "2024-05-14 10:00:00"),            # row 10 cancelled
    ]
    res = run(orders, pens, as_of=as_of)
    ap = res.appeals
    assert tuple(ap.columns) == APPEAL_COLUMNS
    assert dict(zip(ap["row"], ap["reason"], strict=True)) == {
        2: "assessed_on_time",
        4: "duplicate",
        5: "not_in_export",
        6: "not_in_export",
        7: "channel_mismatch",
        8: "duplicate; shop_mismatch; amount_not_positive",
        9: "not_late",
        10: "not_late",
    }
    ev = dict(zip(ap["row"], ap["evidence"], strict=True))
    o1 = assess(pd.DataFrame(orders), as_of=as_of).set_index("order_id").loc["O1"]
    assert ev[2] == f"fulfilled 2024-05-13 11:00:00, deadline {o1['deadline']:%Y-%m-%d %H:%M:%S}: on time"
    assert ev[4] == "order already penalised in row 3 (2024-05-11 08:00:00, 6.00)"
    assert ev[5] == "order id not in the order export"
    assert ev[6] == "penalty has no order id"
    assert ev[7] == "penalty says POP, order is JIT"
    assert ev[8] == ("order already penalised in row 3 (2024-05-11 08:00:00, 6.00); "
                     "penalty says shop 'B', order is 'A'; amount -1.00 is not a deduction")
    assert ev[9].startswith("not fulfilled, deadline ") and "as of 2024-05-15 12:00:00" in ev[9]
    assert ev[10].startswith("cancelled 2024-05-13 10:00:00, before the deadline")
    first = ap.set_index("row").loc[2]
    assert first["deadline"] == o1["deadline"] and first["fulfilled_at"] == T("2024-05-13 11:00:00")
    assert first["amount"] == D("5.00") and first["order_status"] == "on_time"

    detail = res.penalties
    assert tuple(detail.columns) == PENALTY_DETAIL_COLUMNS
    assert detail["order_found"].tolist() == [True, True, True, False, False, True, True, True, True]
    assert detail["order_status"].tolist()[:3] == ["on_time", "late", "late"]
    assert pd.isna(detail["appeal"].iloc[1])  # the first penalty of a late order stands


# --- exact money ------------------------------------------------------------------------------

def _amount_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        whole = rng.choice([rng.randrange(0, 100), rng.randrange(0, 100_000), rng.randrange(0, 10**9)])
        places = rng.choice([0, 1, 2, 2, 2, 3])
        frac = f"{rng.randrange(10**places):0{places}d}" if places else ""
        text = f"{whole}.{frac}" if places else str(whole)
        style = rng.randrange(6)
        if style == 1:
            text = f"{whole:,}" + (f".{frac}" if places else "")
        elif style == 2:
            text = "¥" + text
        elif style == 3:
            text = text + " 元"
        texts.append(text)
    return texts


def _exact(text: str) -> Decimal:
    clean = text.replace("¥", "").replace("元", "").replace(",", "").strip()
    return Decimal(clean).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_100k_random_penalty_amounts_sum_exactly():
    n = 100_000
    texts = _amount_texts(n, seed=4)
    months = ["2024-05", "2024-06", "2024-07"]
    deducted = [f"{months[i % 3]}-{1 + i % 28:02d} 10:00:00" for i in range(n)]
    orders = sum((month_orders("M", m, 10, 0) for m in months), [])
    pens = pd.DataFrame({"shop": "M", "order_id": [f"X{i}" for i in range(n)], "channel": "POP",
                         "amount": texts, "deducted_at": deducted})
    res = reconcile(assess(pd.DataFrame(orders), as_of="2024-09-01"), pens, as_of="2024-09-01")
    for k, m in enumerate(months):
        exact = sum((_exact(t) for t in texts[k::3]), Decimal("0.00"))
        r = row(res.summary, "M", m)
        assert r["penalties"] == exact and r["refund_due"] == exact  # 100 % on time: all refunded
        assert r["penalties"].as_tuple().exponent == -2
    total = sum(res.summary["penalties"], Decimal(0))
    assert total == sum((_exact(t) for t in texts), Decimal(0))
    assert sum(res.penalties["amount"], Decimal(0)) == total
    assert len(res.appeals) == n  # none of X0.. is in the export
    # the same amounts summed as binary floats do not give the exact total (seeded, so fixed):
    # this test would catch a float sum
    assert Decimal(sum(float(t) for t in (_exact(x) for x in texts))) != total


# --- headers, files ---------------------------------------------------------------------------

def _write_xlsx(path, frame: pd.DataFrame) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(frame.columns))
    for values in frame.itertuples(index=False):
        ws.append([None if pd.isna(v) else v for v in values])
    wb.save(path)


def test_chinese_headers_from_xlsx_give_the_same_result(tmp_path, scenario):
    pen = pd.DataFrame(PENALTIES).rename(columns={
        "shop": "店铺", "order_id": "订单号", "channel": "模式", "amount": "罚扣金额",
        "deducted_at": "扣款时间", "currency": "币种"})
    ref = pd.DataFrame(REFUNDS).rename(columns={
        "shop": "店铺名称", "month": "考核月份", "amount": "返还金额", "received_at": "到账时间",
        "currency": "币种"})
    _write_xlsx(tmp_path / "pen.xlsx", pen)
    _write_xlsx(tmp_path / "ref.xlsx", ref)
    assessed = assess(pd.DataFrame(ORDERS), as_of="2024-08-05 12:00:00")
    res = reconcile(assessed, read_table(tmp_path / "pen.xlsx", kind="penalties"),
                    read_table(tmp_path / "ref.xlsx", kind="refunds"), as_of="2024-08-05 12:00:00")
    pd.testing.assert_frame_equal(res.summary, scenario.summary)


# --- the report workbook ----------------------------------------------------------------------

def _read_back(path) -> dict[str, pd.DataFrame]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        out[ws.title] = pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
    return out


def _money(v):
    return None if v is None else Decimal(repr(v)).quantize(Decimal("0.01"))


def _as_cells(frame: pd.DataFrame) -> list[list]:
    """Frame values as the plain Python values a reader of the workbook compares against."""
    rows = []
    for rec in frame.astype(object).itertuples(index=False):
        cells = []
        for v in rec:
            if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
                cells.append(None)
            elif isinstance(v, pd.Period):
                cells.append(str(v))
            elif isinstance(v, pd.Timestamp):
                cells.append(v.to_pydatetime())
            elif isinstance(v, bool | np.bool_):
                cells.append("yes" if v else "no")  # people read yes/no, never TRUE/FALSE
            elif isinstance(v, np.generic):
                cells.append(v.item())
            else:
                cells.append(v)
        rows.append(cells)
    return rows


def test_report_read_back_equals_reconcile(tmp_path, scenario):
    path = write_report(scenario, tmp_path / "report.xlsx")
    back = _read_back(path)
    assert list(back) == ["Summary", "Appeals", "Penalties", "Refunds", "Chart data"]
    assert openpyxl.load_workbook(path).sheetnames[-1] == "Chart"  # the chart on a sheet of its own
    money = {"penalties", "refund_due", "refund_received", "difference", "amount"}
    for name, frame in (("Summary", scenario.summary), ("Appeals", scenario.appeals),
                        ("Penalties", scenario.penalties), ("Refunds", scenario.refunds)):
        sheet = back[name]
        assert list(sheet.columns) == list(frame.columns), name
        for col in money & set(sheet.columns):
            sheet[col] = sheet[col].map(_money)
        assert _as_cells(sheet) == _as_cells(frame), name
    # money cells are numbers shown with two decimals
    ws = openpyxl.load_workbook(path)["Summary"]
    header = [c.value for c in ws[1]]
    for col in ("penalties", "refund_due", "refund_received", "difference"):
        cells = [r[header.index(col)] for r in ws.iter_rows(min_row=2)]
        assert all(c.data_type == "n" and c.number_format.endswith("0.00") for c in cells), col
    chart = back["Chart data"]
    assert list(chart.columns) == ["month", "A", "B", "C", "D", "E", "F", "95 % line"]
    assert chart["95 % line"].tolist() == [0.95] * 3
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/charts/chart1.xml").decode()
    assert "lineChart" in xml and "'Chart data'!H1" in xml  # the 95 % series is in the chart
    # a provisional month is marked and not plotted (no rate shown as if final)
    summary = scenario.summary
    for month, row in zip(chart["month"], chart.itertuples(index=False), strict=True):
        mine = summary[summary["month"].astype(str) == month.split(" ")[0]]
        if mine["provisional"].any():
            assert month.endswith("(provisional)") and all(v is None for v in row[1:-1])
    # printable: bold header, landscape, one page wide, header row on every page
    for ws in openpyxl.load_workbook(path).worksheets:
        assert ws["A1"].font.b and ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1"


def test_report_is_formula_injection_safe(tmp_path):
    evil = '=HYPERLINK("http://x","y")'
    orders = month_orders("A", "2024-05", 10, 0)
    for o in orders:
        o["shop"] = evil
    res = run(orders, [penalty(evil, "@SUM(1)", "1.00", "2024-05-20")])
    path = write_report(res, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for r in ws.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "'" + evil in values and "'@SUM(1)" in values and evil not in values


def test_report_refuses_existing_file_and_writes_atomically(tmp_path, scenario):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="already exists"):
        write_report(scenario, path)
    assert path.read_bytes() == b"keep me"
    write_report(scenario, path, force=True)
    assert zipfile.is_zipfile(path)
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]  # no temporary file left
    with pytest.raises(ValueError, match=".xlsx"):
        write_report(scenario, tmp_path / "report.csv")


# --- command line -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    pd.DataFrame(ORDERS).to_csv(d / "orders.csv", index=False)
    pd.DataFrame(PENALTIES).to_csv(d / "penalties.csv", index=False)
    pd.DataFrame(REFUNDS).to_csv(d / "refunds.csv", index=False)
    return d


def _cli(files, *extra):
    return main(["reconcile", str(files / "orders.csv"), "--penalties", str(files / "penalties.csv"),
                 "--refunds", str(files / "refunds.csv"), "--as-of", "2024-08-05 12:00", *extra])


def test_cli_writes_the_report_and_refuses_to_overwrite(files, tmp_path, capsys, scenario):
    out = tmp_path / "report.xlsx"
    assert _cli(files, "--out", str(out)) == 0
    text = capsys.readouterr().out
    assert "short" in text and "unexpected" in text and f"wrote {out}" in text
    back = _read_back(out)["Summary"]
    assert back["refund_status"].tolist() == scenario.summary["refund_status"].astype(str).tolist()
    before = out.read_bytes()
    assert _cli(files, "--out", str(out)) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert _cli(files, "--out", str(out), "--force") == 0
    capsys.readouterr()


def test_cli_never_writes_over_an_input(files, capsys):
    for name in ("orders.csv", "penalties.csv"):
        target = files / name
        before = target.read_bytes()
        assert _cli(files, "--out", str(target), "--force") == 2
        err = capsys.readouterr().err
        assert "xlsx" in err or "input" in err
        assert target.read_bytes() == before
    copy = files / "orders.xlsx"
    _write_xlsx(copy, pd.DataFrame(ORDERS))
    before = copy.read_bytes()
    assert main(["reconcile", str(copy), "--penalties", str(files / "penalties.csv"),
                 "--out", str(copy), "--force"]) == 2
    assert "refusing to write over an input" in capsys.readouterr().err
    assert copy.read_bytes() == before


def test_cli_needs_penalties_with_orders(files, capsys):
    assert main(["reconcile", str(files / "orders.csv")]) == 2
    assert "--penalties" in capsys.readouterr().err


def test_bundled_sample_demonstrates_short_missing_unexpected(capsys):
    assert main(["reconcile"]) == 0
    text = capsys.readouterr().out
    assert "refunds to follow up:" in text
    assessed = assess(read_table(sample_path("orders.csv"), kind="orders"), as_of=SAMPLE_AS_OF)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the bundled ledgers read cleanly
        res = reconcile(assessed, read_table(sample_path("penalties.csv"), kind="penalties"),
                        read_table(sample_path("refunds.csv"), kind="refunds"), as_of=SAMPLE_AS_OF)
    statuses = set(res.summary["refund_status"])
    assert {"short", "missing", "unexpected", "received"} <= statuses
    short = res.summary[res.summary["refund_status"] == "short"]
    assert (short["difference"] == D("-0.01")).any()
    assert len(res.appeals) > 0
    # built on monthly_summary: its columns are exactly the summary of the raw statement
    base = monthly_summary(assessed, read_table(sample_path("penalties.csv"), kind="penalties"),
                           as_of=SAMPLE_AS_OF)
    pd.testing.assert_frame_equal(res.summary[list(base.columns)], base, check_dtype=False)
    assert res.as_of == T(SAMPLE_AS_OF) and default_rules().threshold == Fraction(19, 20)


def test_penalties_ledger_optional_columns_and_empty():
    res = reconcile(assess(pd.DataFrame(month_orders("A", "2024-05", 10, 0)), as_of="2024-08-01"),
                    pd.DataFrame({"amount": ["1.00"], "deducted_at": [dt.datetime(2024, 5, 20)]}),
                    as_of="2024-08-01")
    r = row(res.summary, "", "2024-05") if (res.summary["shop"] == "").any() else None
    assert r is not None and r["penalties"] == D("1.00")  # no shop column: the blank shop
    empty = reconcile(assess(pd.DataFrame(month_orders("A", "2024-05", 10, 0)), as_of="2024-08-01"),
                      None, as_of="2024-08-01")
    assert empty.summary["refund_status"].tolist() == ["none_due"]
    assert empty.appeals.empty and empty.penalties.empty and empty.refunds.empty


def test_every_reconciliation_table_writes_to_parquet(scenario, tmp_path):
    """Money stays Decimal-exact as text of its own and every attr is plain JSON, so finance can
    keep the tables as Parquet."""
    for name in ("summary", "appeals", "penalties", "refunds"):
        table = getattr(scenario, name)
        table.to_parquet(tmp_path / f"{name}.parquet")
        back = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert back.attrs == table.attrs and len(back) == len(table), name
