"""docs/rules.md is true: its worked examples, assumption keys and anchors are checked here.

The tables between ``<!-- name:start -->`` and ``<!-- name:end -->`` markers in docs/rules.md
were worked out by hand from the rules stated there; each row is run through the engine and
must agree. The assumptions table must name keys that exist in the bundled rules data with the
value the page shows, and every ``docs/rules.md#anchor`` cited by the rules data must exist.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

import xlcompliance as xlc

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "rules.md").read_text("utf-8")
RULES_TEXT = resources.files("xlcompliance").joinpath("data/rules.toml").read_text("utf-8")
BLANK = "—"


def doc_table(name: str) -> list[dict[str, str | None]]:
    """Rows of the markdown table between the ``name`` markers; ``—`` cells become None."""
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", DOC, re.S)
    assert match, f"docs/rules.md has no {name} table"
    lines = [line.strip() for line in match.group(1).strip().splitlines()]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert set(lines[1].replace("|", "").strip()) <= set("-: "), "second line is the separator"
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(header), line
        rows.append({h: (None if c == BLANK else c) for h, c in zip(header, cells, strict=True)})
    assert rows, f"{name} table is empty"
    return rows


def when(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text)


def calendar(spec: str) -> xlc.Calendar:
    """``official`` / ``none``, optionally ``+ start..end SCOPE`` (announced windows)."""
    base, *windows = [part.strip() for part in spec.split("+")]
    assert base in ("official", "none"), spec
    parsed = []
    for window in windows:
        days, scope = window.split()
        start, end = days.split("..")
        parsed.append((start, end, scope))
    return xlc.Calendar(parsed, statutory=base == "official")


# ---- deadlines -----------------------------------------------------------------------------

DEADLINES = doc_table("deadline-examples")


def test_deadline_table_covers_every_kind_of_rule():
    kinds = {(r["channel"], r["method"]) for r in DEADLINES}
    assert kinds >= {("JIT", "pickup"), ("JIT", "self"), ("JIT", None), ("POP", None)}
    assert any("JIT" in r["holidays"] for r in DEADLINES) and any("POP" in r["holidays"] for r in DEADLINES)
    assert len({r["#"] for r in DEADLINES}) == len(DEADLINES)


@pytest.mark.parametrize("row", DEADLINES, ids=[r["#"] for r in DEADLINES])
def test_deadline_example(row):
    sales = None if row["last_month_sales"] is None else int(row["last_month_sales"])
    cal = calendar(row["holidays"])
    if row["channel"] == "POP":
        assert row["method"] is None
        got = xlc.pop_deadline(row["paid_at"], row["listed_at"], sales, calendar=cal)
    else:
        assert row["channel"] == "JIT"
        got = xlc.jit_deadline(row["paid_at"], row["method"], row["listed_at"], sales, calendar=cal)
    assert got == when(row["deadline"]).to_pydatetime(), row["working"]


# ---- statuses ------------------------------------------------------------------------------

STATUS_ROWS = doc_table("status-examples")


@pytest.mark.parametrize("row", STATUS_ROWS, ids=[r["#"] for r in STATUS_ROWS])
def test_status_example(row):
    orders = pd.DataFrame([{
        "order_id": row["#"], "channel": row["channel"], "paid_at": row["paid_at"],
        "fulfilled_at": row["fulfilled_at"], "cancelled_at": row["cancelled_at"],
    }])
    out = xlc.assess(orders, as_of=row["as_of"]).iloc[0]
    assert out["status"] == row["status"]
    if row["deadline"] is None:
        assert pd.isna(out["deadline"])
    else:
        assert out["deadline"] == when(row["deadline"])
    if row["hours_late"] is None:
        assert pd.isna(out["hours_late"])
    else:
        assert out["hours_late"] == pytest.approx(float(row["hours_late"]), abs=1e-9)
    assert pd.isna(out["error"]) == (row["status"] != "error")


# ---- monthly rate, refund, reconciliation --------------------------------------------------


def june_orders(on_time: int, late: int, pending: int, shop: str = "A") -> pd.DataFrame:
    """POP orders whose deadlines fall in June 2024 (standard 48 h, no Sunday in between)."""
    rows = [dict(order_id=f"{shop}-ok-{i}", shop=shop, channel="POP", paid_at="2024-06-04 10:00",
                 fulfilled_at="2024-06-05 10:00") for i in range(on_time)]
    rows += [dict(order_id=f"{shop}-late-{i}", shop=shop, channel="POP", paid_at="2024-06-04 10:00",
                  fulfilled_at="2024-06-07 10:00") for i in range(late)]
    # paid Wed 06-19 10:00, deadline Fri 06-21 10:00: pending at any as_of before that
    rows += [dict(order_id=f"{shop}-wait-{i}", shop=shop, channel="POP", paid_at="2024-06-19 10:00")
             for i in range(pending)]
    return pd.DataFrame(rows)


def yes_no(text: str) -> bool:
    assert text in ("yes", "no"), text
    return text == "yes"


MONTHLY_ROWS = doc_table("monthly-examples")


@pytest.mark.parametrize("row", MONTHLY_ROWS, ids=[r["#"] for r in MONTHLY_ROWS])
def test_monthly_example(row):
    counts = int(row["on_time"]), int(row["late"]), int(row["pending"])
    assessed = xlc.assess(june_orders(*counts), as_of=row["as_of"])
    summary = xlc.monthly_summary(assessed, as_of=row["as_of"])
    assert len(summary) == 1
    got = summary.iloc[0]
    assert str(got["month"]) == "2024-06"
    assert (got["on_time"], got["late"], got["pending"]) == counts
    if row["rate"] is None:
        assert pd.isna(got["rate"])
    else:
        assert f"{got['rate'] * 100:.1f} %" == row["rate"]
    assert bool(got["provisional"]) == yes_no(row["provisional"])
    assert bool(got["qualifies"]) == yes_no(row["qualifies"])


PENALTIES = pd.DataFrame({
    "shop": ["A", "A", "A"],
    "order_id": ["A-may-1", "A-late-0", "A-late-0-again"],
    "channel": ["POP", "POP", "POP"],
    "amount": ["12.30", "7.75", "0.10"],
    "deducted_at": ["2024-06-03 10:00", "2024-06-28 18:00", "2024-07-01 00:00"],
})


def test_refund_example():
    assessed = xlc.assess(june_orders(19, 1, 0), as_of="2024-08-05")
    summary = xlc.monthly_summary(assessed, PENALTIES, as_of="2024-08-05").set_index("month")
    for row in doc_table("refund-examples"):
        got = summary.loc[pd.Period(row["month"], "M")]
        assert got["penalties"] == Decimal(row["penalties"])
        assert bool(got["qualifies"]) == yes_no(row["qualifies"])
        assert got["refund_due"] == Decimal(row["refund_due"])
        assert f"{got['refund_due']:.2f}" == row["refund_due"]
        if row["refund_due_date"] is None:
            assert pd.isna(got["refund_due_date"])
        else:
            assert got["refund_due_date"] == when(row["refund_due_date"])


RECONCILIATION_ROWS = doc_table("reconciliation-examples")


@pytest.mark.parametrize("row", RECONCILIATION_ROWS, ids=[r["#"] for r in RECONCILIATION_ROWS])
def test_reconciliation_example(row):
    assessed = xlc.assess(june_orders(19, 1, 0), as_of=row["as_of"])
    refunds = None
    if row["received"] is not None:
        refunds = pd.DataFrame({"shop": ["A"], "month": [row["month"]], "amount": [row["received"]],
                                "received_at": ["2024-07-20 12:00"]})
    result = xlc.reconcile(assessed, PENALTIES, refunds, as_of=row["as_of"])
    got = result.summary.set_index("month").loc[pd.Period(row["month"], "M")]
    assert got["refund_status"] == row["refund_status"]


def test_exact_money_example():
    assessed = xlc.assess(june_orders(20, 0, 0), as_of="2024-08-05")
    penalties = pd.DataFrame({
        "shop": ["A"] * 3, "order_id": ["A-ok-0", "A-ok-1", "A-ok-2"], "channel": ["POP"] * 3,
        "amount": ["0.10", "0.20", "1.005"], "deducted_at": ["2024-06-10 12:00"] * 3,
    })
    summary = xlc.monthly_summary(assessed, penalties, as_of="2024-08-05")
    assert summary.iloc[0]["penalties"] == Decimal("1.31")
    assert "**1.31**" in DOC


def test_appeal_candidates():
    assessed = xlc.assess(june_orders(1, 2, 0), as_of="2024-08-05")
    penalties = pd.DataFrame({
        "shop": ["A"] * 5,
        "order_id": ["A-ok-0", "A-late-0", "A-late-0", "not-exported", "A-late-1"],
        "channel": ["POP", "POP", "POP", "POP", "JIT"],
        "amount": ["5.00"] * 5,
        "deducted_at": ["2024-06-20 12:00"] * 5,
    })
    got = xlc.reconcile(assessed, penalties, as_of="2024-08-05").penalties["appeal"]
    expected = ["assessed_on_time", None, "duplicate", "not_in_export", "channel_mismatch"]
    assert [None if pd.isna(v) else v for v in got] == expected
    section = DOC.split("## Reconciliation and appeals", 1)[1].split("\n## ", 1)[0]
    for reason in filter(None, expected):
        assert f"| `{reason}` |" in section


# ---- assumptions and anchors ---------------------------------------------------------------

RULES_DOC = tomllib.loads(RULES_TEXT)


def rules_value(key: str):
    """The ``value`` of a key as the loader names it (``rule_sets.<name>.x``, ``excluded_weekdays[0].x``)."""
    head, _, rest = key.partition(".")
    if head == "rule_sets":
        name, _, leaf = rest.rpartition(".")
        tables = [t for t in RULES_DOC["rule_sets"] if t["name"]["value"] == name]
        assert len(tables) == 1, f"no rule set {name!r}"
        return tables[0][leaf]["value"]
    m = re.fullmatch(r"(\w+)\[(\d+)\]", head)
    table = RULES_DOC[m.group(1)][int(m.group(2))] if m else RULES_DOC[head]
    for part in rest.split("."):
        table = table[part]
    return table["value"]


ASSUMPTIONS = doc_table("assumptions")


@pytest.mark.parametrize("row", ASSUMPTIONS, ids=[r["assumption"][:40] for r in ASSUMPTIONS])
def test_assumption_keys_exist_with_the_stated_default(row):
    keys = re.findall(r"`([^`]+)`", row["rules data key"])
    values = re.findall(r"`([^`]+)`", row["value in the file"])
    assert keys and len(keys) == len(values), row
    known = xlc.default_rules().sources
    for key, value in zip(keys, values, strict=True):
        assert key in known, f"{key} is not a key of the rules data"
        assert rules_value(key) == tomllib.loads(f"v = {value}")["v"], key


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


ANCHORS = {github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", DOC, re.M)}


def test_rules_data_cites_existing_sections():
    cited = re.findall(r"docs/rules\.md#([\w-]+)", RULES_TEXT)
    assert cited, "the rules data cites docs/rules.md sections"
    assert set(cited) <= ANCHORS, set(cited) - ANCHORS
    assert "SPEC" not in RULES_TEXT


def test_internal_links_resolve():
    links = set(re.findall(r"\]\(#([\w-]+)\)", DOC))
    assert links and links <= ANCHORS, links - ANCHORS
