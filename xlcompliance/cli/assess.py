"""``xlcompliance assess``: annotate an order export and print the monthly summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import (
    Context,
    add_dayfirst_option,
    add_export_options,
    add_input_options,
    add_output_options,
    check_output,
    format_summary,
    refuse_if_every_row_failed,
    row_error_summary,
    sample_path,
)
from .progress import Progress


def register(sub) -> None:
    p = sub.add_parser(
        "assess",
        help="deadline, status and lateness of every order; per-shop monthly summary",
        description="Assess an order export (CSV or xlsx). With no ORDERS, runs on the bundled sample. "
        "With --dask, ORDERS is a folder or glob of Parquet or CSV files, assessed on a Dask cluster "
        "into a Parquet dataset folder (--out).",
    )
    p.add_argument("orders", nargs="?", metavar="ORDERS",
                   help="order export (.csv, .xlsx, .xls or .parquet); with --dask a folder or quoted glob of "
                   ".parquet/.csv files")
    p.add_argument("--penalties", metavar="FILE", help="penalty statement, for the refund columns")
    add_input_options(p)
    add_export_options(p)
    add_dayfirst_option(p)
    add_output_options(p, "the annotated orders")
    p.add_argument("--dask", action="store_true",
                   help="assess on Dask, beyond one machine's memory; --out is a Parquet dataset folder")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --dask: a running Dask scheduler (tcp://host:8786); default: a local cluster")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.dask or args.scheduler:
        from .assess_dask import run as run_dask

        return run_dask(args)
    from ..core.as_of import recorded_as_of
    from ..core.assessment import assess_orders
    from ..core.monthly import monthly_summary
    from ..io.outputs import TABLE_SUFFIXES, typed_orders, write_table

    using_sample = args.orders is None
    ctx = Context(args, using_sample=using_sample)
    orders_path = Path(args.orders) if args.orders else sample_path("orders.csv")
    penalties_path = args.penalties or (sample_path("penalties.csv") if using_sample else None)
    inputs = [orders_path, penalties_path, args.holidays, *ctx.export_paths()]
    if args.out:  # refuse before the work, not after it
        check_output(args.out, suffixes=TABLE_SUFFIXES, force=args.force, inputs=inputs)
    progress = Progress(["reading", "assessing", "summarising"] + (["writing"] if args.out else []))
    with progress:
        progress.stage(f"reading {orders_path.name}")
        orders = ctx.read(orders_path, "orders")
        penalties = ctx.read(penalties_path, "penalties") if penalties_path else None
        progress.stage(f"assessing {len(orders):,} orders")
        result = assess_orders(
            orders, as_of=ctx.as_of, calendar=ctx.calendar, rules=ctx.rules, headers=ctx.headers,
            dayfirst=args.dayfirst, **ctx.export_inputs(),
        )
        assessed = result.frame
        refuse_if_every_row_failed(assessed, args.dayfirst)
        progress.stage("monthly summary")
        summary = monthly_summary(result, penalties, as_of=ctx.as_of, rules=ctx.rules, headers=ctx.headers)
        if args.out:
            progress.stage(f"writing {Path(args.out).name}")
            inputs = [p for p in inputs if p]
            if Path(args.out).suffix.lower() == ".xlsx":
                written = write_table(
                    typed_orders(result), args.out, force=args.force, inputs=inputs,
                    money_columns=("penalties", "refund_due"), extra_sheets={"Summary": summary},
                )
            else:
                written = write_table(assessed, args.out, force=args.force, inputs=inputs)

    source = "bundled sample" if using_sample else orders_path.name
    counts = assessed["status"].value_counts()
    print(f"{source}: {len(assessed)} orders as of {recorded_as_of(summary):%Y-%m-%d %H:%M}")
    print("  " + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in counts.index))
    relaxed = assessed.attrs.get("relaxed_by", {})
    if relaxed:
        print(f"  relaxed: {relaxed['listing']} by listing age, {relaxed['sales']} by last month's sales "
              f"({relaxed['derived_sales']} of them derived from the export)")
    bad = np.flatnonzero((assessed["status"] == "error").to_numpy())
    for position in bad[:5]:  # 1-based data rows, header not counted
        print(f"  data row {position + 1}: {assessed['error'].iloc[position]}")
    if len(bad) > 5:
        print(f"  ... and {len(bad) - 5} more rows with errors (see the error column)")
    if len(bad) > 5:  # more than are listed: which reason most of them share
        print(f"  {row_error_summary(assessed, args.dayfirst)[1]}")
    print()
    print(format_summary(summary))
    if args.out:
        print(f"\nwrote {written}")
    return 0
