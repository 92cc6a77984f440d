"""``xlcompliance assess DATASET --dask``: a dataset of many files, assessed on a Dask cluster.

Reads a folder or glob of Parquet or CSV files (one partition a file), writes the assessed orders
as a Parquet dataset folder (whole or not at all), and prints the status counts, the first row
errors and the monthly summary, read back from the written dataset (a few columns only).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .common import Context, format_summary


def run(args) -> int:
    if not args.orders:
        raise ValueError("--dask needs ORDERS: a folder or a quoted glob of Parquet or CSV files")
    if not args.out:
        raise ValueError("--dask needs --out FOLDER: the Parquet dataset to write")
    try:
        from ..scale.assessment import assess
        from ..scale.cluster import connect
        from ..scale.reading import dataset_files, read_orders
        from ..scale.summary import count_months, counts_table, status_overview
        from ..scale.writing import check_dataset_target, write_dataset
    except ImportError as exc:  # the message says how to install the Dask backend
        print(f"xlcompliance assess: error: {exc}", file=sys.stderr)
        return 2
    import dask.dataframe as dd

    from ..core.assessment import resolve_as_of
    from ..core.headers import header_map
    from ..core.monthly import summary_from_counts

    ctx = Context(args, using_sample=False)
    files = dataset_files(args.orders)
    source = Path(args.orders) if Path(args.orders).is_dir() else None
    inputs = [*files, source, args.penalties, args.holidays, *ctx.export_paths()]
    out = check_dataset_target(args.out, force=args.force, inputs=inputs)  # refuse before the work
    penalties = ctx.read(args.penalties, "penalties") if args.penalties else None
    as_of = resolve_as_of(ctx.as_of, ctx.rules)  # one moment for every partition and the summary

    with connect(args.scheduler) as client:
        orders = read_orders(args.orders, encoding=args.encoding, headers=ctx.headers)
        assessed = assess(orders, as_of=as_of, calendar=ctx.calendar, rules=ctx.rules, headers=ctx.headers,
                          dayfirst=args.dayfirst, **ctx.export_inputs())
        write_dataset(assessed, out, force=args.force, inputs=inputs, client=client,
                      progress=sys.stdout.isatty())
        shop = header_map(assessed.columns, "orders", ctx.headers).get("shop", [])
        written = dd.read_parquet(str(out), columns=[*shop, "deadline", "status", "error"])
        counts, (statuses, errors) = count_months(written, ctx.headers).compute(), status_overview(written)
    summary = summary_from_counts(counts_table(counts), penalties, as_of=as_of, rules=ctx.rules, headers=ctx.headers)

    print(f"{args.orders}: {int(statuses.sum())} orders in {len(files)} file(s) as of {as_of:%Y-%m-%d %H:%M}")
    print("  " + ", ".join(f"{k} {int(v)}" for k, v in statuses.items() if v))
    for row, text in errors:  # 1-based data rows over the whole dataset, in file order
        print(f"  data row {row + 1}: {text}")
    bad = int(statuses.get("error", 0))
    if bad > len(errors):
        print(f"  ... and {bad - len(errors)} more rows with errors (see the error column)")
    print()
    print(format_summary(summary))
    print(f"\nwrote {out} ({len(files)} part(s))")
    return 0
