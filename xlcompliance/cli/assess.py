"""``xlcompliance assess``: annotate an order export and print the monthly summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import (
    Context,
    add_input_options,
    add_output_options,
    check_output,
    format_summary,
    sample_path,
)
from .progress import Progress


def register(sub) -> None:
    p = sub.add_parser(
        "assess",
        help="deadline, status and lateness of every order; per-shop monthly summary",
        description="Assess an order export (CSV or xlsx). With no ORDERS, runs on the bundled sample.",
    )
    p.add_argument("orders", nargs="?", metavar="ORDERS", help="order export (.csv or .xlsx)")
    p.add_argument("--penalties", metavar="FILE", help="penalty statement, for the refund columns")
    add_input_options(p)
    add_output_options(p, "the annotated orders")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..core.assessment import assess
    from ..core.monthly import monthly_summary
    from ..io.outputs import write_table

    using_sample = args.orders is None
    ctx = Context(args, using_sample=using_sample)
    orders_path = Path(args.orders) if args.orders else sample_path("orders.csv")
    penalties_path = args.penalties or (sample_path("penalties.csv") if using_sample else None)
    inputs = [orders_path, penalties_path, args.holidays]
    if args.out:  # refuse before the work, not after it
        if Path(args.out).suffix.lower() not in (".csv", ".xlsx", ".parquet"):
            raise ValueError(f"--out must end in .csv, .xlsx or .parquet (got {Path(args.out).name})")
        check_output(args.out, force=args.force, inputs=inputs)
    progress = Progress(["reading", "assessing", "summarising"] + (["writing"] if args.out else []))
    with progress:
        progress.stage(f"reading {orders_path.name}")
        orders = ctx.read(orders_path, "orders")
        penalties = ctx.read(penalties_path, "penalties") if penalties_path else None
        progress.stage(f"assessing {len(orders):,} orders")
        assessed = assess(orders, as_of=ctx.as_of, calendar=ctx.calendar, rules=ctx.rules, headers=ctx.headers)
        progress.stage("monthly summary")
        summary = monthly_summary(assessed, penalties, as_of=ctx.as_of, rules=ctx.rules, headers=ctx.headers)
        if args.out:
            progress.stage(f"writing {Path(args.out).name}")
            written = write_table(assessed, args.out, force=args.force, inputs=[p for p in inputs if p])

    source = "bundled sample" if using_sample else orders_path.name
    counts = assessed["status"].value_counts()
    print(f"{source}: {len(assessed)} orders as of {summary.attrs['as_of']:%Y-%m-%d %H:%M}")
    print("  " + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in counts.index))
    bad = np.flatnonzero((assessed["status"] == "error").to_numpy())
    for position in bad[:5]:  # 1-based data rows, header not counted
        print(f"  data row {position + 1}: {assessed['error'].iloc[position]}")
    if len(bad) > 5:
        print(f"  ... and {len(bad) - 5} more rows with errors (see the error column)")
    print()
    print(format_summary(summary))
    if args.out:
        print(f"\nwrote {written}")
    return 0
