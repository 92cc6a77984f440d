"""``xlcompliance workbook``: the seller workbook for an export (xlwings formulas over the engine,
or with ``--portable`` the spreadsheet's built-in formulas only)."""

from __future__ import annotations

from pathlib import Path

from .common import Context, add_dayfirst_option, add_export_options, add_input_options, check_output, sample_path


def register(sub) -> None:
    p = sub.add_parser(
        "workbook",
        help="seller workbook: orders with live deadline/status formulas, monthly summary",
        description=(
            "Build the seller workbook (Orders, Summary, Holidays, Penalties, Rules, How-to, "
            "xlwings.conf) from an order export; with no ORDERS, from the bundled sample."
        ),
    )
    p.add_argument("orders", nargs="?", metavar="ORDERS", help="order export (.csv, .xlsx, .xls or .parquet)")
    p.add_argument("--penalties", metavar="FILE", help="penalty statement for the Penalties sheet")
    add_input_options(p)
    add_export_options(p)
    add_dayfirst_option(p)
    p.add_argument("--out", metavar="FILE", required=True, help="the workbook to write (.xlsx)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument(
        "--portable",
        action="store_true",
        help="built-in formulas only (Excel, WPS, LibreOffice, Google Sheets; no add-in, no macro)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from ..io.reading import read_table

    if args.portable:
        from ..io.portable_workbook import write_portable_workbook as write_workbook
    else:
        from ..io.seller_workbook import write_workbook

    if not args.portable and (args.no_statutory or args.rules):
        raise ValueError(
            "--no-statutory and --rules are not available for the workbook: its formulas use the "
            "bundled rules (or $XLCOMPLIANCE_RULES) and always count the official breaks"
        )
    using_sample = args.orders is None
    ctx = Context(args, using_sample=using_sample)
    orders_path = Path(args.orders) if args.orders else sample_path("orders.csv")
    penalties_path = args.penalties or (sample_path("penalties.csv") if using_sample else None)
    inputs = [orders_path, penalties_path, args.holidays, *ctx.export_paths()]
    check_output(args.out, suffixes=(".xlsx",), force=args.force, inputs=inputs)  # before the work
    orders = ctx.read(orders_path, "orders")
    penalties = ctx.read(penalties_path, "penalties") if penalties_path else None
    holidays = read_table(args.holidays, kind="holidays", encoding=args.encoding) if args.holidays else None
    written = write_workbook(
        args.out,
        orders,
        penalties,
        holidays,
        as_of=ctx.as_of,
        rules=ctx.rules,
        headers=ctx.headers,
        force=args.force,
        inputs=[p for p in inputs if p],
        dayfirst=args.dayfirst,
        **ctx.export_inputs(),
        **({"statutory": not args.no_statutory} if args.portable else {}),
    )
    kind = "portable workbook" if args.portable else "workbook"
    print(f"wrote {kind} {written} ({len(orders)} orders)")
    return 0
