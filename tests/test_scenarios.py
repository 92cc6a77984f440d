"""What-if scenarios and the priority list (xlcompliance.core.scenarios): hand-derived tables from docs/rules.md.

Expected values come from the rules of docs/rules.md worked by hand (48 h / 72 h POP, T+0 / T+2 pickup, 48 h /
96 h self-send, rate = on_time / assessed, qualifies iff rate >= 95 %), never from the code
under test. Sample-based checks compare with direct engine calls.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import xlcompliance
from xlcompliance.core.monthly import margins
from xlcompliance.core.scenarios import ROW_COLUMNS, Levers, priority_list, what_if
from xlcompliance.io.sample import SAMPLE_AS_OF, sample_path

AS_OF = "2024-06-15 12:00"  # May 2024 is over: its rows are final
COLUMNS = list(xlcompliance.ORDER_COLUMNS)


def order(i, channel="POP", paid="2024-05-06 10:00", fulfilled=None, *, method=None, shop="S",
          listed="2023-01-01 00:00", sales=50, cancelled=None):
    return {"order_id": f"o{i}", "shop": shop, "channel": channel, "method": method, "paid_at": paid,
            "listed_at": listed, "last_month_sales": sales, "fulfilled_at": fulfilled,
            "cancelled_at": cancelled}


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS).astype(object)


def at_95(shop="S") -> pd.DataFrame:
    """19 on-time POP orders and 1 late one in May 2024: exactly 95 %.

    Paid Mon 2024-05-06 10:00, standard 48 h -> deadline Wed 2024-05-08 10:00.
    """
    rows = [order(i, fulfilled="2024-05-07 10:00", shop=shop) for i in range(19)]
    rows.append(order(19, fulfilled="2024-05-09 10:00", shop=shop))  # 24 h late
    return frame(rows)


def run(orders, levers=None, penalties=None, month="2024-05", shop="S", as_of=AS_OF, **kw):
    assessed = xlcompliance.assess(orders, as_of=as_of)
    return what_if(assessed, penalties, shop=shop, month=month, levers=levers, as_of=as_of, **kw)


def test_no_levers_is_the_baseline_exactly():
    r = run(at_95())
    assert list(r.baseline.index[-len(ROW_COLUMNS):]) == list(ROW_COLUMNS)
    for col in ROW_COLUMNS:
        assert r.baseline[col] == r.scenario[col] or (pd.isna(r.baseline[col]) and pd.isna(r.scenario[col]))
    assert (r.baseline["on_time"], r.baseline["assessed"]) == (19, 20)
    assert r.baseline["rate"] == 0.95 and bool(r.baseline["qualifies"])  # 95 % is inclusive
    assert (r.baseline["late_allowed"], r.baseline["on_time_needed"]) == (0, 0)
    assert r.flips.empty and r.added == 0 and r.fixed == 0


@pytest.mark.parametrize(
    "levers, on_time, late, qualifies",
    [
        (Levers(extra_late=1), 19, 2, False),  # 19/21 < 95 %
        (Levers(extra_late=3), 19, 4, False),
        (Levers(fixed_share=1.0), 20, 0, True),
        (Levers(fixed_share=0.4), 19, 1, True),  # 0.4 x 1 rounds to 0 fixed
        (Levers(fixed_share=0.5), 20, 0, True),  # 0.5 x 1 rounds half up to 1
        (Levers(threshold=Fraction(96, 100)), 19, 1, False),
        (Levers(threshold=Fraction(19, 20)), 19, 1, True),
        (Levers(pop_shift_hours=-24), 20, 0, True),  # the late one now scans at the deadline
        (Levers(pop_shift_hours=1), 19, 1, True),  # on-time ones had 24 h to spare
        (Levers(pop_shift_hours=25), 0, 20, False),
        (Levers(jit_shift_hours=72), 19, 1, True),  # POP orders do not move
    ],
)
def test_levers_on_a_month_at_exactly_95(levers, on_time, late, qualifies):
    r = run(at_95(), levers)
    s = r.scenario
    assert (s["on_time"], s["late"], s["assessed"]) == (on_time, late, on_time + late)
    assert s["rate"] == pytest.approx(on_time / (on_time + late))
    assert bool(s["qualifies"]) is qualifies
    # the baseline never moves, whatever the levers
    assert (r.baseline["on_time"], r.baseline["late"], bool(r.baseline["qualifies"])) == (19, 1, True)


@pytest.mark.parametrize(
    "row, levers, before, after",
    [
        # POP, standard 48 h: paid Mon 05-06 10:00 -> deadline Wed 05-08 10:00
        (order(1, "POP", "2024-05-06 10:00", "2024-05-07 12:00"), Levers(pop_shift_hours=22), "on_time", "on_time"),
        (order(1, "POP", "2024-05-06 10:00", "2024-05-07 12:00"), Levers(pop_shift_hours=23), "on_time", "late"),
        (order(1, "POP", "2024-05-06 10:00", "2024-05-07 12:00"), Levers(jit_shift_hours=48), "on_time", "on_time"),
        (order(1, "POP", "2024-05-06 10:00", "2024-05-09 10:00"), Levers(pop_shift_hours=-100), "late", "on_time"),
        # JIT pickup, standard T+0: paid Tue 05-07 10:00 -> deadline 05-07 23:59:59
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-07 20:00", method="pickup"), Levers(jit_shift_hours=3),
         "on_time", "on_time"),
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-07 20:00", method="pickup"), Levers(jit_shift_hours=4),
         "on_time", "late"),
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-07 20:00", method="pickup"), Levers(pop_shift_hours=48),
         "on_time", "on_time"),
        # JIT self-send, standard 48 h: deadline Thu 05-09 10:00
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-08 10:00", method="self"), Levers(jit_shift_hours=24),
         "on_time", "on_time"),
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-08 10:00", method="self"), Levers(jit_shift_hours=25),
         "on_time", "late"),
        # relaxed rule set by treating products as new / low-sales: POP 72 h -> Thu 05-09 10:00
        (order(1, "POP", "2024-05-06 10:00", "2024-05-09 09:00"), Levers(relax_new_listings=True), "late", "on_time"),
        (order(1, "POP", "2024-05-06 10:00", "2024-05-09 09:00"), Levers(relax_low_sales=True), "late", "on_time"),
        (order(1, "POP", "2024-05-06 10:00", "2024-05-09 11:00"), Levers(relax_low_sales=True), "late", "late"),
        # JIT pickup relaxed T+2: paid Tue 05-07 10:00 -> Thu 05-09 23:59:59
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-09 20:00", method="pickup"), Levers(relax_new_listings=True),
         "late", "on_time"),
        # JIT self-send relaxed 96 h: paid Tue 05-07 10:00 -> Sat 05-11 10:00
        (order(1, "JIT", "2024-05-07 10:00", "2024-05-11 09:00", method="self"), Levers(relax_low_sales=True),
         "late", "on_time"),
    ],
)
def test_single_order_status_under_a_lever(row, levers, before, after):
    r = run(frame([row]), levers)
    assert (r.baseline["on_time"], r.baseline["late"]) == ((1, 0) if before == "on_time" else (0, 1))
    assert (r.scenario["on_time"], r.scenario["late"]) == ((1, 0) if after == "on_time" else (0, 1))
    assert len(r.flips) == (before != after)
    if before != after:
        flip = r.flips.iloc[0]
        assert (flip["order_id"], flip["status_before"], flip["status_after"]) == ("o1", before, after)


def test_relaxation_toggles_do_not_reach_back_before_the_effective_date():
    # paid Mon 2024-04-08 10:00, before the 2024-04-12 relaxation: standard 48 h -> Wed 04-10 10:00
    orders = frame([order(1, "POP", "2024-04-08 10:00", "2024-04-11 09:00")])
    r = run(orders, Levers(relax_new_listings=True, relax_low_sales=True), month="2024-04")
    assert r.baseline["late"] == 1 and r.scenario["late"] == 1 and r.flips.empty


@pytest.mark.parametrize("threshold", [0.9, "0.9", Fraction(9, 10)])
def test_threshold_lever_is_exact(threshold):
    # 9 on time of 10 is exactly 90 %; the binary float 0.9 is slightly more than 9/10
    rows = [order(i, fulfilled="2024-05-07 10:00") for i in range(9)] + [order(9, fulfilled="2024-05-09 10:00")]
    r = run(frame(rows), Levers(threshold=threshold))
    assert bool(r.scenario["qualifies"]) and r.scenario["late_allowed"] == 0
    assert not bool(r.baseline["qualifies"])  # the rules' 95 % still applies to the baseline


def test_fixing_late_orders_starts_with_the_least_late():
    rows = [order(i, fulfilled="2024-05-07 10:00") for i in range(16)]
    # deadline Wed 05-08 10:00: 5 h, 1 h, 30 h and 10 h late
    rows += [order(20 + i, fulfilled=f) for i, f in enumerate(
        ["2024-05-08 15:00", "2024-05-08 11:00", "2024-05-09 16:00", "2024-05-08 20:00"])]
    r = run(frame(rows), Levers(fixed_share=0.5))
    assert r.fixed == 2
    assert sorted(r.flips["order_id"]) == ["o20", "o21"]
    assert (r.flips["status_after"] == "on_time").all()
    assert (r.flips["fulfilled_after"] == pd.Timestamp("2024-05-08 10:00")).all()


def test_extra_late_orders_and_the_curve_come_from_the_engine():
    r = run(at_95(), Levers(extra_late=2), curve_max=6)
    assert r.added == 2
    assert list(r.curve["extra_late"]) == list(range(7))
    expected = [19 / (20 + k) for k in range(7)]
    assert r.curve["rate"].to_numpy() == pytest.approx(expected)
    assert list(r.curve["qualifies"]) == [True] + [False] * 6
    for k in (0, 4):  # each point equals a full scenario run with that many extra orders
        assert r.curve.loc[k, "rate"] == run(at_95(), Levers(extra_late=k)).scenario["rate"]


def test_a_month_with_no_orders_cannot_take_extra_late_orders():
    # June has a penalty (so it is one of the shop's months) but no order with a deadline in it
    june_penalty = pd.DataFrame({"shop": ["S"], "order_id": ["o19"], "channel": ["POP"], "amount": ["5.00"],
                                 "deducted_at": ["2024-06-03 09:00"]})
    r = run(at_95(), Levers(extra_late=3), penalties=june_penalty, month="2024-06")
    assert r.added == 0 and r.scenario["assessed"] == 0 and pd.isna(r.scenario["rate"])
    assert any("cannot be modelled" in n for n in r.notes)


@pytest.mark.parametrize("shop, month, message", [
    ("Nope", "2024-05", "shop 'Nope' is not in the orders or the penalty statement; shops: 'S', 'T'"),
    ("S", "2024-09", "month 2024-09 has no orders or penalties of shop 'S'; its months: 2024-05"),
    ("T", "2024-06", "its months: 2024-05"),
])
def test_an_unknown_shop_or_month_is_refused_naming_the_known_ones(shop, month, message):
    orders = pd.concat([at_95(), frame([order(99, fulfilled="2024-05-07 10:00", shop="T")])])
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(orders, shop=shop, month=month)
    assessed = xlcompliance.assess(orders, as_of=AS_OF)
    with pytest.raises(ValueError, match="is not in the orders|has no orders"):  # the pandas accessor too
        assessed.xlc.what_if(shop=shop, month=month)


STATEMENT = pd.DataFrame({
    "shop": ["S", "S"], "order_id": ["o19", "elsewhere"], "channel": ["POP", "POP"],
    "amount": ["30.10", "5.05"], "deducted_at": ["2024-05-20 09:00", "2024-04-20 09:00"],
})


@pytest.mark.parametrize(
    "levers, penalties, refund, due, net, source",
    [
        (Levers(), "30.10", "30.10", "2024-06-30 23:59:59", "0.00", "statement"),
        (Levers(extra_late=1), "30.10", "0.00", None, "30.10", "statement"),
        (Levers(extra_late=1, penalty_per_late="12.5"), "42.60", "0.00", None, "42.60", "statement"),
        (Levers(fixed_share=1.0), "0.00", "0.00", None, "0.00", "statement"),  # o19's penalty goes
    ],
)
def test_refund_from_the_statement(levers, penalties, refund, due, net, source):
    r = run(at_95(), levers, penalties=STATEMENT)
    s = r.scenario
    assert r.penalty_source == source
    assert (s["penalties"], s["refund_due"], s["net_cost"]) == (Decimal(penalties), Decimal(refund), Decimal(net))
    assert isinstance(s["refund_due"], Decimal)
    assert (pd.isna(s["refund_due_date"]) if due is None else s["refund_due_date"] == pd.Timestamp(due))
    assert r.baseline["refund_due"] == Decimal("30.10")


@pytest.mark.parametrize(
    "levers, base_pen, pen, refund, net",
    [
        # one late order at 12.345 -> 12.35 (half up); qualifying month refunds it
        (Levers(penalty_per_late="12.345"), "12.35", "12.35", "12.35", "0.00"),
        # two more late orders: 3 x 12.35, month no longer qualifies
        (Levers(penalty_per_late="12.345", extra_late=2), "12.35", "37.05", "0.00", "37.05"),
        (Levers(penalty_per_late="0.10", extra_late=1), "0.10", "0.20", "0.00", "0.20"),
        (Levers(penalty_per_late="¥25", fixed_share=1.0), "25.00", "0.00", "0.00", "0.00"),
    ],
)
def test_penalty_estimate_for_a_month_without_statement(levers, base_pen, pen, refund, net):
    r = run(at_95(), levers)
    assert r.penalty_source == "estimate"
    assert r.baseline["penalties"] == Decimal(base_pen)
    assert (r.scenario["penalties"], r.scenario["refund_due"], r.scenario["net_cost"]) == (
        Decimal(pen), Decimal(refund), Decimal(net))


def test_no_statement_and_no_estimate():
    r = run(at_95(), Levers(extra_late=1))
    assert r.penalty_source == "none" and r.scenario["penalties"] == 0
    assert any("penalty per late order" in n for n in r.notes)


@pytest.mark.parametrize(
    "levers, message",
    [
        (Levers(fixed_share=1.5), "fixed_share"),
        (Levers(extra_late=-1), "extra_late"),
        (Levers(penalty_per_late="abc"), "penalty_per_late"),
        (Levers(penalty_per_late="-3"), "penalty_per_late"),
        (Levers(threshold=Fraction(3, 2)), "threshold"),
    ],
)
def test_bad_levers_name_the_field(levers, message):
    with pytest.raises(ValueError, match=message):
        run(at_95(), levers)


def test_bad_month_names_the_field():
    with pytest.raises(ValueError, match="month"):
        run(at_95(), month="banana")


def test_error_rows_stay_out_and_inputs_are_not_modified():
    orders = at_95()
    orders.loc[len(orders)] = order(99, paid="not a date")
    before = orders.copy()
    assessed = xlcompliance.assess(orders, as_of=AS_OF)
    snapshot = assessed.copy()
    r = what_if(assessed, STATEMENT, shop="S", month="2024-05",
                levers=Levers(extra_late=2, fixed_share=1.0, pop_shift_hours=5), as_of=AS_OF)
    pd.testing.assert_frame_equal(orders, before)
    pd.testing.assert_frame_equal(assessed, snapshot)
    assert r.baseline["assessed"] == 20


def test_priority_list_by_time_left_with_the_critical_flag():
    as_of = "2024-05-20 12:00"
    rows = [order(i, fulfilled="2024-05-07 10:00", shop="A") for i in range(18)]
    rows.append(order(18, fulfilled="2024-05-09 10:00", shop="A"))  # late
    # pending POP, paid Mon 05-20 09:00 -> deadline Wed 05-22 09:00 (45 h left)
    rows.append(order(19, paid="2024-05-20 09:00", shop="A"))
    rows += [order(100 + i, fulfilled="2024-05-07 10:00", shop="B") for i in range(30)]
    # pending JIT pickup paid Mon 05-20 10:00 -> 05-20 23:59:59 (11.99972 h left)
    rows.append(order(130, "JIT", "2024-05-20 10:00", method="pickup", shop="B"))
    rows += [order(200 + i, fulfilled="2024-05-07 10:00", shop="C") for i in range(10)]
    rows += [order(210 + i, fulfilled="2024-05-09 10:00", shop="C") for i in range(5)]
    rows.append(order(215, paid="2024-05-20 10:00", shop="C"))  # deadline Wed 05-22 10:00
    assessed = xlcompliance.assess(frame(rows), as_of=as_of)
    got = priority_list(assessed, as_of=as_of)
    assert list(got["order_id"]) == ["o130", "o19", "o215"]
    assert got["hours_left"].to_numpy() == pytest.approx([(12 * 3600 - 1) / 3600, 45.0, 46.0])
    # A: best case 19/20 = 95 % -> no slack, so o19 alone being late loses the month
    # B: best case 31/31 -> 1 late order allowed; C: 11/16 is below 95 % whatever happens
    assert list(got["late_allowed"]) == [1, 0, 0]
    assert list(got["critical"]) == [False, True, False]
    assert list(got["channel"]) == ["JIT", "POP", "POP"]


def test_priority_list_without_pending_orders_is_empty():
    assessed = xlcompliance.assess(at_95(), as_of=AS_OF)
    assert priority_list(assessed, as_of=AS_OF).empty


@pytest.fixture(scope="module")
def sample():
    orders = xlcompliance.read_table(sample_path("orders.csv"), kind="orders")
    penalties = xlcompliance.read_table(sample_path("penalties.csv"), kind="penalties")
    assessed = xlcompliance.assess(orders, as_of=SAMPLE_AS_OF)
    summary = xlcompliance.monthly_summary(assessed, penalties, as_of=SAMPLE_AS_OF)
    return assessed, penalties, summary


def test_sample_baseline_equals_the_engine_summary(sample):
    assessed, penalties, summary = sample
    final = summary[~summary["provisional"] & (summary["assessed"] > 0)]
    for _, row in final.groupby("shop").tail(1).head(2).iterrows():
        r = what_if(assessed, penalties, shop=row["shop"], month=row["month"], as_of=SAMPLE_AS_OF)
        for col in ("assessed", "on_time", "late", "pending", "rate", "qualifies", "penalties",
                    "refund_due"):
            assert r.baseline[col] == row[col] and r.scenario[col] == row[col], col
        allowed, needed = margins([row["on_time"]], [row["assessed"]], xlcompliance.default_rules().threshold)
        assert (r.baseline["late_allowed"], r.baseline["on_time_needed"]) == (allowed[0], needed[0])


def test_sample_curve_points_match_scenario_runs(sample):
    assessed, penalties, summary = sample
    row = summary[~summary["provisional"] & (summary["assessed"] > 0)].iloc[0]
    r = what_if(assessed, penalties, shop=row["shop"], month=row["month"], curve_max=8, as_of=SAMPLE_AS_OF)
    for k in (3, 8):
        rk = what_if(assessed, penalties, shop=row["shop"], month=row["month"],
                     levers=Levers(extra_late=k), as_of=SAMPLE_AS_OF)
        assert r.curve.loc[k, "rate"] == rk.scenario["rate"]
        assert rk.scenario["late"] == row["late"] + k and rk.scenario["on_time"] == row["on_time"]
    assert np.all(np.diff(r.curve["rate"].to_numpy()) < 0)
