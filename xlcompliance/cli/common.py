"""Options and helpers shared by the commands: inputs, calendar, rules, as-of, output."""

from __future__ import annotations

import argparse

import pandas as pd

from ..io.sample import SAMPLE_AS_OF, sample_path  # noqa: F401  (the bundled sample, an export taken at this moment)


def user_error_types() -> tuple[type[BaseException], ...]:
    from ..core.headers import InputFileError
    from ..core.rules import RulesError
    from ..io.targets import OutputExistsError

    return (InputFileError, RulesError, OutputExistsError, ValueError, FileNotFoundError, PermissionError)


def add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="DATETIME", help="moment of assessment, platform time (default: now)")
    p.add_argument("--holidays", metavar="FILE", help="announced holiday windows (CSV or xlsx: start, end, scope)")
    p.add_argument("--no-statutory", action="store_true", help="do not add China's official holiday breaks")
    p.add_argument("--rules", metavar="FILE", help="a rules TOML file to use instead of the bundled one")
    p.add_argument("--headers", metavar="FILE", help="extra header aliases (TOML, same layout as the bundled one)")
    p.add_argument("--sheet", metavar="NAME", help="sheet to read from an xlsx input")
    p.add_argument("--encoding", metavar="NAME", help="CSV encoding (default: UTF-8, then GB18030)")


def add_output_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--out", metavar="FILE", help=f"write {what} here (.xlsx, .csv or .parquet)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")


def check_output(out, *, force: bool, inputs) -> None:
    """Refuse, before any work, an output that is an input, a folder, or exists without ``force``.

    The writer (:func:`~xlcompliance.xlsxio.atomic_write`) checks again when it writes.
    """
    from ..io.targets import check_target

    check_target(out, force=force, inputs=[p for p in inputs if p is not None])


class Context:
    """Rules, headers, calendar and as-of resolved once from the common options."""

    def __init__(self, args: argparse.Namespace, *, using_sample: bool):
        from ..core.calendar import Calendar
        from ..core.headers import load_headers
        from ..core.rules import default_rules, load_rules
        from ..io.reading import read_holidays

        self.rules = load_rules(args.rules) if args.rules else default_rules()
        self.headers = load_headers(args.headers) if args.headers else None
        statutory = not args.no_statutory
        if args.holidays:
            self.calendar = read_holidays(
                args.holidays, statutory=statutory, encoding=args.encoding, rules=self.rules
            )
        else:
            self.calendar = Calendar(statutory=statutory, rules=self.rules)
        self.as_of = args.as_of or (SAMPLE_AS_OF if using_sample else None)
        self.args = args

    def read(self, path, kind: str) -> pd.DataFrame:
        from ..io.reading import read_table

        return read_table(path, kind=kind, sheet=self.args.sheet if kind == "orders" else None,
                          encoding=self.args.encoding, headers=self.headers)


def format_summary(summary: pd.DataFrame) -> str:
    """The monthly summary as a plain table for the terminal."""
    if summary.empty:
        return "(no orders with a deadline)"
    view = pd.DataFrame({
        "shop": summary["shop"],
        "month": summary["month"].astype(str),
        "assessed": summary["assessed"],
        "on_time": summary["on_time"],
        "late": summary["late"],
        "pending": summary["pending"],
        "rate": [("" if pd.isna(r) else f"{r:.2%}") for r in summary["rate"]],
        "final": ["provisional" if p else "final" for p in summary["provisional"]],
        "qualifies": ["yes" if q else "no" for q in summary["qualifies"]],
        "penalties": [f"{v:.2f}" for v in summary["penalties"]],
        "refund_due": [f"{v:.2f}" for v in summary["refund_due"]],
        "due_by": ["" if pd.isna(d) else f"{d:%Y-%m-%d}" for d in summary["refund_due_date"]],
    })
    return view.to_string(index=False)
