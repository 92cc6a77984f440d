"""The portable workbook: its built-in formulas, computed by real clients, equal the engine.

LibreOffice recalculates a workbook written without cached values (so every figure is its own)
on 2,000+ generated orders that span the 2024 official breaks and announced windows, both channels,
both JIT methods, relaxed and standard, before and after the effective date; one order and one
holiday window are added the way a person would (typed in, formulas filled down). The ``formulas``
package evaluates a smaller workbook, including hand-derived deadlines.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import openpyxl
import pandas as pd
import pytest
from office import recalculated
from openpyxl.formula.translate import Translator

import xlcompliance as xlc
from xlcompliance.cli import main
from xlcompliance.io.outputs import neutralise
from xlcompliance.io.portable_workbook import FIRST, HEADER_ROW, SUMMARY_HEADER_ROW, write_portable_workbook
from xlcompliance.io.sample import SAMPLE_AS_OF, generate_orders, generate_penalties, sample_path

EPOCH = dt.datetime(1899, 12, 30)
AS_OF = "2024-10-28 12:00:00"
WINDOWS = pd.DataFrame(
    {
        "start": ["2024-06-18", "2024-10-09"],
        "end": ["2024-06-20", "2024-10-10"],
        "scope": ["JIT", "POP"],
        "name": ["618 sale", "post-holiday backlog"],
    }
)

# Hand-derived from SPEC (the engine agrees: test_hand_derived_rows_in_the_engine):
HAND = [
    # order_id, channel, method, paid_at, listed_at, sales, deadline
    # POP standard 48 h from Friday 00:00: Fri + Sat = 48 h ends as Sunday begins -> latest instant Monday 00:00
    ("h-pop-sat-24", "POP", None, "2024-06-14 00:00:00", "2023-01-01", 500, "2024-06-17 00:00:00"),
    # POP relaxed 72 h (listed 13 days before): Fri, Sat, (Sun not counted), Mon -> Tuesday 00:00
    ("h-pop-relaxed", "POP", None, "2024-06-14 00:00:00", "2024-06-01", 500, "2024-06-18 00:00:00"),
    # JIT pickup standard: 13:59:59 is before the cutoff -> T = that day; 14:00:00 -> next working day
    ("h-cut-before", "JIT", "pickup", "2024-06-12 13:59:59", "2023-01-01", 500, "2024-06-12 23:59:59"),
    ("h-cut-at", "JIT", "pickup", "2024-06-12 14:00:00", "2023-01-01", 500, "2024-06-13 23:59:59"),
    # JIT pickup paid inside the Dragon Boat break (06-08..06-10): T = the first working day after it
    ("h-jit-break", "JIT", "上门揽收", "2024-06-09 10:00:00", "2023-01-01", 500, "2024-06-11 23:59:59"),
    # POP paid on Qingming break's last day (04-06), before the effective date: no Sunday rule, the
    # 04-07 make-up Sunday counts -> the clock starts 04-07 00:00 and 48 h end 04-09 00:00
    ("h-pop-before", "pop ", None, "2024-04-06 09:30:00", "2023-01-01", 500, "2024-04-09 00:00:00"),
    # JIT self-send relaxed (6 orders last month) 96 h from Monday 20:00, no break in between
    ("h-self-relaxed", "JIT", "自寄", "2024-07-01 20:00:00", None, 6, "2024-07-05 20:00:00"),
]


def _hand_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"order_id": o, "shop": "Hand Shop", "channel": c, "method": m, "paid_at": p, "listed_at": li,
             "last_month_sales": s}
            for o, c, m, p, li, s, _ in HAND
        ]
    )


def _odd_rows() -> pd.DataFrame:
    """Rows a person types: a bad date, an unknown channel, a repeated id, a formula-looking shop."""
    return pd.DataFrame(
        [
            {"order_id": "x-text-date", "shop": "Aurora Home", "channel": "POP", "paid_at": "yesterday"},
            {"order_id": "x-channel", "shop": "Aurora Home", "channel": "FBA", "paid_at": "2024-06-12 09:00"},
            {"order_id": "h-cut-at", "shop": "Hand Shop", "channel": "JIT", "paid_at": "2024-06-13 09:00"},
            {"order_id": "x-inject", "shop": "=HYPERLINK(\"http://x\",\"y\")", "channel": "POP",
             "paid_at": "2024-06-12 09:00", "fulfilled_at": "2024-06-13 09:00"},
            {"order_id": "x-late-open", "shop": "Beacon Outdoor", "channel": "JIT", "method": "self",
             "paid_at": "2024-10-20 10:00:00"},
            {"order_id": "x-soon", "shop": "Beacon Outdoor", "channel": "POP", "paid_at": "2024-10-26 18:00:00"},
        ]
    )


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as an export file holds it: every cell text (blank for missing)."""
    out = frame.astype(object).where(frame.notna(), "")
    for col in out.columns:
        out[col] = [v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, pd.Timestamp) else str(v) for v in out[col]]
    return out


def _serial(value) -> float:
    return (pd.Timestamp(value).to_pydatetime() - EPOCH) / dt.timedelta(days=1)


def _seconds(value) -> int:
    """A cell's date-time (datetime or serial) as whole seconds since the Excel epoch."""
    if isinstance(value, dt.datetime):
        return round((value - EPOCH).total_seconds())
    return round(float(value) * 86400)


def _compare_orders(rows, assessed: pd.DataFrame) -> None:
    """Every deadline (to the second), status, hours late and error text against the engine."""
    assert len(rows) == len(assessed)
    mismatches = []
    for i, (row, rec) in enumerate(zip(rows, assessed.to_dict("records"), strict=True)):
        deadline, status, late, error = row[9], row[10], row[11], row[12]
        if rec["status"] == "error":
            ok = status == "error" and error == rec["error"] and deadline in (None, "")
        else:
            ok = (
                deadline not in (None, "")
                and _seconds(deadline) == _seconds(rec["deadline"].to_pydatetime())
                and status == rec["status"]
                and error in (None, "")
                and row[13] == rec["rule_set"]
            )
            if pd.isna(rec["hours_late"]):
                ok = ok and late in (None, "")
            else:
                ok = ok and late == pytest.approx(rec["hours_late"], abs=1e-6)
        if not ok:
            mismatches.append((i, row[:14], rec["deadline"], rec["status"], rec["error"]))
    assert not mismatches, f"{len(mismatches)} rows differ from the engine, first: {mismatches[:3]}"


def _compare_summary(rows, summary: pd.DataFrame) -> None:
    assert len(rows) == len(summary)
    for row, rec in zip(rows, summary.to_dict("records"), strict=True):
        shop, month, assessed, on_time, late, pending, rate, provisional, qualifies, pen, due, due_by = row[:12]
        assert (shop, pd.Timestamp(month).to_period("M")) == (neutralise(rec["shop"]), rec["month"])
        assert (assessed, on_time, late, pending) == (rec["assessed"], rec["on_time"], rec["late"], rec["pending"])
        assert (rate in (None, "") and pd.isna(rec["rate"])) or rate == pytest.approx(rec["rate"], abs=1e-12)
        assert provisional == ("yes" if rec["provisional"] else "no")
        assert qualifies == ("yes" if rec["qualifies"] else "no"), rec
        assert pen == pytest.approx(float(rec["penalties"]), abs=1e-9)
        assert due == pytest.approx(float(rec["refund_due"]), abs=1e-9)
        if pd.isna(rec["refund_due_date"]):
            assert due_by in (None, "")
        else:
            assert _seconds(due_by) == _seconds(rec["refund_due_date"].to_pydatetime())


# --- LibreOffice on 2,000+ orders -----------------------------------------------------------------


def _big_orders() -> pd.DataFrame:
    generated = generate_orders(n_orders=2200, start="2024-01-20", months=10, n_invalid=6, seed=7)
    typed = generated.astype(object).where(generated.notna(), None)  # dates and counts as an xlsx export holds them
    return pd.concat([typed, _as_text(_hand_rows()), _as_text(_odd_rows())], ignore_index=True)


def _fill_down_new_order(path, order: dict, window: tuple) -> None:
    """What a person does: type an order under the last one and fill its formulas down; type a holiday
    window into the next empty Holidays row (its formulas are already there)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Orders"]
    last = ws.max_row
    new = last + 1
    for col in range(1, ws.max_column + 1):
        above = ws.cell(row=last, column=col)
        cell = ws.cell(row=new, column=col)
        if isinstance(above.value, str) and above.value.startswith("="):
            cell.value = Translator(above.value, origin=above.coordinate).translate_formula(cell.coordinate)
        cell.number_format = above.number_format
    names = ("order_id", "shop", "channel", "method", "paid_at", "listed_at", "last_month_sales",
             "fulfilled_at", "cancelled_at")
    for col, name in enumerate(names, start=1):
        if name in order:
            ws.cell(row=new, column=col).value = order[name]
    hol = wb["Holidays"]
    row = next(r for r in range(FIRST, hol.max_row + 1) if hol.cell(row=r, column=1).value is None)
    for col, v in enumerate(window, start=1):
        hol.cell(row=row, column=col).value = v
    wb.save(path)


@pytest.mark.slow
def test_libreoffice_recalculates_every_row_like_the_engine(tmp_path):
    orders = _big_orders()
    assessed_for_pen = xlc.assess(orders, as_of=AS_OF, calendar=xlc.Calendar.from_frame(WINDOWS))
    penalties = generate_penalties(assessed_for_pen, seed=3)
    path = tmp_path / "portable.xlsx"
    write_portable_workbook(path, orders, penalties, WINDOWS, as_of=AS_OF, spare_rows=50)

    # formulas only: nothing cached, so whatever LibreOffice shows it computed itself
    cached = openpyxl.load_workbook(path, data_only=True)["Orders"]
    assert all(cached.cell(row=FIRST + i, column=10).value is None for i in range(20))

    new_order = {"order_id": "typed-1", "shop": "Aurora Home", "channel": "JIT", "method": "pickup",
                 "paid_at": dt.datetime(2024, 9, 27, 15, 0), "last_month_sales": 3}
    new_window = (dt.datetime(2024, 9, 30), dt.datetime(2024, 9, 30), "JIT", "typed window")
    _fill_down_new_order(path, new_order, new_window)

    computed = openpyxl.load_workbook(recalculated(path, tmp_path / "lo"), data_only=True)
    windows = pd.concat([WINDOWS, pd.DataFrame([{"start": "2024-09-30", "end": "2024-09-30", "scope": "JIT"}])])
    calendar = xlc.Calendar.from_frame(windows)
    everything = pd.concat([orders, pd.DataFrame([new_order])], ignore_index=True)
    assessed = xlc.assess(everything, as_of=AS_OF, calendar=calendar)
    rows = list(computed["Orders"].iter_rows(min_row=FIRST, max_col=15, values_only=True))
    _compare_orders(rows, assessed)

    # what the run covered
    ok = assessed[assessed["status"] != "error"]
    assert len(ok) >= 2000
    assert set(ok["channel"].str.strip().str.upper()) == {"POP", "JIT"}
    assert {"relaxed-2024-04", "standard"} <= set(ok["rule_set"].astype(str))
    assert set(ok["status"].astype(str)) >= {"on_time", "late", "pending", "cancelled"}
    paid = pd.to_datetime(ok["paid_at"])
    assert (paid < "2024-04-12").sum() > 100 and (paid >= "2024-04-12").sum() > 100
    jit_methods = xlc.assess(generate_orders(n_orders=2200, start="2024-01-20", months=10, seed=7))["method"]
    assert {"pickup", "self"} <= set(jit_methods.dropna())
    # the typed order lands on the typed JIT window: T = 09-28 (after the cutoff), 09-29, then 09-30 is skipped
    typed = assessed.iloc[-1]
    assert typed["deadline"] == pd.Timestamp("2024-10-08 23:59:59")  # relaxed T+2, over the National Day break
    for order_id, *_, want in HAND:
        assert assessed.loc[assessed["order_id"] == order_id, "deadline"].iloc[0] == pd.Timestamp(want), order_id

    summary = xlc.monthly_summary(assessed, penalties, as_of=AS_OF)
    srows = list(computed["Summary"].iter_rows(min_row=SUMMARY_HEADER_ROW + 1, max_col=12, values_only=True))
    srows = [r for r in srows if r[0] is not None]
    # the typed order's month existed already; the Summary's rows are the engine's shop-months
    _compare_summary(srows, summary)
    assert summary["refund_due"].sum() > 0 and summary["qualifies"].any() and (~summary["qualifies"]).any()


def test_hand_derived_rows_in_the_engine():
    got = xlc.assess(_hand_rows(), as_of=AS_OF)
    for (order_id, *_, want), deadline in zip(HAND, got["deadline"], strict=True):
        assert deadline == pd.Timestamp(want), order_id


# --- the formulas package on a small workbook ------------------------------------------------------


def _excel_workday_intl() -> None:
    """Register Excel's WORKDAY.INTL in ``formulas``: from a start date that is not a working day
    Excel counts on (the n-th working day after it, the same as after the last working day before
    it); the package raises #VALUE! there. LibreOffice, the real client, needs no such help."""
    import formulas
    from formulas.functions import date as fdate
    from formulas.functions import wrap_ufunc

    def workday_intl(start_date, days, weekend=1, holidays=()):
        for back in range(400):
            try:
                return fdate.xworkday_intl(start_date - back, days, weekend, holidays)
            except ValueError:  # numpy: "Non-business day date in busday_offset"
                if not days > 0:
                    raise
        raise ValueError("no working day in 400 days")

    formulas.get_functions()["WORKDAY.INTL"] = wrap_ufunc(
        workday_intl, input_parser=lambda *a: a, check_error=lambda *a: None,
        args_parser=fdate.args_xworkday_intl, excluded={3},
    )


def _rules_for_years(tmp_path, first: int, last: int):
    """The bundled rules with the official breaks limited to some years (a smaller Holidays sheet)."""
    import re
    from importlib import resources

    text = resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")
    text = re.sub(r"(statutory_first_year = \{ value = )\d+", rf"\g<1>{first}", text)
    text = re.sub(r"(statutory_last_year = \{ value = )\d+", rf"\g<1>{last}", text)
    path = tmp_path / "rules.toml"
    path.write_text(text, "utf-8")
    return xlc.load_rules(path)


@pytest.mark.slow
def test_formulas_package_evaluates_like_the_engine(tmp_path):
    import formulas

    _excel_workday_intl()
    rules = _rules_for_years(tmp_path, 2024, 2024)
    sample = xlc.read_table(sample_path("orders.csv"))
    orders = pd.concat([sample.iloc[::301].head(12), _as_text(_hand_rows()), _as_text(_odd_rows())], ignore_index=True)
    orders = orders.fillna("")
    penalties = xlc.read_table(sample_path("penalties.csv"), kind="penalties").head(12)
    path = tmp_path / "small.xlsx"
    write_portable_workbook(
        path, orders, penalties, WINDOWS, as_of=AS_OF, rules=rules, spare_rows=3, spare_windows=2, spare_days=5
    )
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()

    def value(sheet, ref):
        v = np.asarray(solution[f"'[{path.name}]{sheet.upper()}'!{ref}"].value, dtype=object).ravel()[0]
        return v.item() if isinstance(v, np.generic) else v

    calendar = xlc.Calendar.from_frame(WINDOWS, rules=rules)
    assessed = xlc.assess(orders, as_of=AS_OF, calendar=calendar, rules=rules)
    rows = [[None] * 9 + [value("Orders", f"{c}{FIRST + i}") for c in "JKLMN"] for i in range(len(orders))]
    _compare_orders(rows, assessed)
    for (order_id, *_, want), row in zip(HAND, rows[12:], strict=False):
        assert _seconds(row[9]) == _seconds(pd.Timestamp(want).to_pydatetime()), order_id
    summary = xlc.monthly_summary(assessed, penalties, as_of=AS_OF, rules=rules)
    srows = [
        [value("Summary", f"{c}{SUMMARY_HEADER_ROW + 1 + i}") for c in "ABCDEFGHIJKL"] for i in range(len(summary))
    ]
    for row in srows:  # months are date serials here
        row[1] = EPOCH + dt.timedelta(days=row[1])
    _compare_summary(srows, summary)


# --- what a person sees ---------------------------------------------------------------------------


def test_layout_rules_sheet_and_injection(tmp_path):
    orders = pd.concat([_as_text(_hand_rows()), _as_text(_odd_rows())], ignore_index=True)
    path = tmp_path / "p.xlsx"
    write_portable_workbook(path, orders, None, WINDOWS.assign(name=["+cmd|' /C calc'!A0", "ok"]), as_of=AS_OF)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Read me", "Orders", "Summary", "Holidays", "Penalties", "Rules"]
    ws = wb["Orders"]
    assert [ws.cell(row=HEADER_ROW, column=c).value for c in range(1, 12)] == [
        "order_id", "shop", "channel", "method", "paid_at", "listed_at", "last_month_sales", "fulfilled_at",
        "cancelled_at", "deadline", "status",
    ]
    assert ws.cell(row=1, column=5).value == "付款时间"
    assert "Orders" in ws.tables and ws.freeze_panes == f"B{FIRST}"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == f"$1:${HEADER_ROW}"
    assert isinstance(ws.cell(row=FIRST, column=5).value, dt.datetime)  # real date-times, not text
    assert isinstance(ws.cell(row=FIRST, column=7).value, int)
    assert ws.cell(row=FIRST + 5, column=3).value == "POP"  # "pop " read by the engine's parser
    assert ws.cell(row=FIRST + 7, column=5).value == "yesterday"  # unreadable: kept as typed
    # nothing anybody typed can run: text starting with = + - @ is neutralised in every sheet
    shop = ws.cell(row=FIRST + len(HAND) + 3, column=2).value
    assert shop.startswith("'=HYPERLINK")
    assert wb["Holidays"].cell(row=FIRST, column=4).value.startswith("'+cmd")
    formulas_used = set()
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    formulas_used.update(__import__("re").findall(r"([A-Z][A-Z0-9.]+)\(", cell.value))
    allowed = {"IF", "AND", "OR", "NOT", "MOD", "INT", "ROUND", "WORKDAY.INTL", "NETWORKDAYS.INTL", "COUNTIFS",
               "SUMIFS", "COUNTIF", "INDEX", "MATCH", "MAX", "N", "DATE", "YEAR", "MONTH", "ISNUMBER", "ISTEXT",
               "TEXT", "TRIM", "MID", "SUBSTITUTE", "SEARCH", "ROW"}
    assert formulas_used <= allowed, formulas_used - allowed
    rules = [c.value for c in wb["Rules"]["A"] if isinstance(c.value, str)]
    text = " ".join(rules) + " ".join(str(c.value) for c in wb["Rules"]["I"] if c.value)
    assert "14:00" not in text  # the cutoff is a value cell, not words
    for internal in ("rule_sets.", "pop_hours", "seed ", "SPEC", "toml"):
        assert internal not in text, internal


def test_same_inputs_same_bytes_and_cli(tmp_path, capsys):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main(["workbook", "--portable", "--out", str(a)]) == 0
    assert "portable workbook" in capsys.readouterr().out
    assert main(["workbook", "--portable", "--out", str(b)]) == 0
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert main(["workbook", "--portable", "--out", str(a)]) == 2  # refuses to overwrite
    summary = openpyxl.load_workbook(a)["Summary"]
    assert summary["B1"].value == pd.Timestamp(SAMPLE_AS_OF).to_pydatetime()
