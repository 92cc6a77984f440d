"""``xlcompliance reconcile``: penalties and refunds against the monthly on-time rate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .common import (
    Context,
    add_dayfirst_option,
    add_export_options,
    add_input_options,
    check_output,
    refuse_if_every_row_failed,
    sample_path,
    terminal_table,
)


def register(sub) -> None:
    p = sub.add_parser(
        "reconcile",
        help="refunds owed by the 95 %% waiver, whether they arrived, and penalties to appeal",
        description=(
            "Reconcile a penalty statement (and the refunds received) against an order export. "
            "With no ORDERS, runs on the bundled sample (a short, a missing and an unexpected refund)."
        ),
    )
    p.add_argument("orders", nargs="?", metavar="ORDERS", help="order export (.csv, .xlsx, .xls or .parquet)")
    p.add_argument("--penalties", metavar="FILE", help="penalty statement (罚扣明细), .csv, .xlsx, .xls or .parquet")
    p.add_argument("--refunds", metavar="FILE", help="refunds received (返还), .csv, .xlsx, .xls or .parquet")
    add_input_options(p)
    add_export_options(p)
    add_dayfirst_option(p)
    p.add_argument("--out", metavar="REPORT.xlsx", help="write the report workbook here")
    p.add_argument("--force", action="store_true", help="replace an existing report")
    p.set_defaults(func=run)


def _money(values) -> list[str]:
    return [f"{v:,.2f}" for v in values]


def format_reconciliation(summary: pd.DataFrame) -> str:
    """The reconciled summary as a plain table for the terminal."""
    if summary.empty:
        return "(no shop-months)"
    margin = [
        "" if pd.isna(a) else (f"{int(n)} on-time needed" if n else f"{int(a)} late allowed")
        for a, n in zip(summary["late_allowed"], summary["on_time_needed"], strict=True)
    ]
    view = pd.DataFrame({
        "shop": summary["shop"],
        "month": summary["month"].astype(str),
        "assessed": summary["assessed"],
        "rate": [("" if pd.isna(r) else f"{r:.2%}") for r in summary["rate"]],
        "final": ["provisional" if p else "final" for p in summary["provisional"]],
        "qualifies": ["yes" if q else "no" for q in summary["qualifies"]],
        "penalties": _money(summary["penalties"]),
        "refund_due": _money(summary["refund_due"]),
        "due_by": ["" if pd.isna(d) else f"{d:%Y-%m-%d}" for d in summary["refund_due_date"]],
        "received": _money(summary["refund_received"]),
        "difference": _money(summary["difference"]),
        "status": summary["refund_status"].astype(str),
        "margin": margin,
    })
    return terminal_table(view)


def run(args) -> int:
    from ..core.assessment import assess_orders
    from ..core.reconciliation import reconcile
    from ..io.report import write_report

    using_sample = args.orders is None
    if using_sample and (args.penalties or args.refunds):
        raise ValueError("give ORDERS with --penalties/--refunds (or nothing, for the bundled sample)")
    if not using_sample and not args.penalties:
        raise ValueError("--penalties FILE is required with ORDERS")
    ctx = Context(args, using_sample=using_sample)
    orders_path = sample_path("orders.csv") if using_sample else Path(args.orders)
    penalties_path = sample_path("penalties.csv") if using_sample else Path(args.penalties)
    refunds_path = sample_path("refunds.csv") if using_sample else (
        Path(args.refunds) if args.refunds else None)

    inputs = [orders_path, penalties_path, refunds_path, args.holidays, *ctx.export_paths()]
    if args.out:  # refuse before the work, not after it (atomic_write checks again when writing)
        check_output(args.out, suffixes=(".xlsx",), force=args.force, inputs=inputs)

    orders = ctx.read(orders_path, "orders")
    penalties = ctx.read(penalties_path, "penalties")
    refunds = ctx.read(refunds_path, "refunds") if refunds_path else None
    assessed = assess_orders(orders, as_of=ctx.as_of, calendar=ctx.calendar, rules=ctx.rules, headers=ctx.headers,
                             dayfirst=args.dayfirst, **ctx.export_inputs())
    refuse_if_every_row_failed(assessed.frame, args.dayfirst)
    result = reconcile(assessed, penalties, refunds, as_of=ctx.as_of, rules=ctx.rules, headers=ctx.headers)

    source = "bundled sample" if using_sample else orders_path.name
    print(f"{source}: {len(assessed)} orders, {len(result.penalties)} penalties, "
          f"{len(result.refunds)} refunds, as of {result.as_of:%Y-%m-%d %H:%M}")
    print()
    print(format_reconciliation(result.summary))
    statuses = result.summary["refund_status"].value_counts()
    attention = [s for s in ("short", "over", "missing", "unexpected") if statuses.get(s, 0)]
    if attention:
        print("\nrefunds to follow up: " + ", ".join(f"{s} {int(statuses[s])}" for s in attention))
    appeals = result.appeals
    print(f"\nappeal candidates: {len(appeals)}")
    for _, row in appeals.head(10).iterrows():
        print(f"  row {row['row']}: order {row['order_id'] or '(none)'} {row['amount']:.2f} "
              f"{row['currency']} -- {row['reason']}: {row['evidence']}".rstrip())
    if len(appeals) > 10:
        print(f"  ... and {len(appeals) - 10} more (see the Appeals sheet)")
    for name, frame, column in (("penalty", result.penalties, "error"), ("refund", result.refunds, "note")):
        notes = frame[frame[column].notna()]
        for _, row in notes.head(5).iterrows():
            print(f"  {name} row {row['row']}: {row[column]}")
        if len(notes) > 5:
            print(f"  ... and {len(notes) - 5} more {name} rows (see the {column} column)")
    if args.out:
        written = write_report(result, args.out, force=args.force, inputs=inputs)
        print(f"\nwrote {written}")
    return 0
