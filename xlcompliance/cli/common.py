"""Options and helpers shared by the commands: inputs, calendar, rules, as-of, output."""

from __future__ import annotations

import argparse
import re

import numpy as np
import pandas as pd

from ..io.sample import SAMPLE_AS_OF, sample_path  # noqa: F401  (the bundled sample, an export taken at this moment)


def user_error_types() -> tuple[type[BaseException], ...]:
    from ..core.headers import InputFileError
    from ..core.rules import RulesError
    from ..io.targets import OutputExistsError, OutputWriteError

    return (InputFileError, RulesError, OutputExistsError, OutputWriteError, ValueError, FileNotFoundError,
            PermissionError)


def add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="DATETIME", help="moment of assessment, platform time (default: now)")
    p.add_argument("--holidays", metavar="FILE", help="announced holiday windows (CSV or xlsx: start, end, scope)")
    p.add_argument("--no-statutory", action="store_true", help="do not add China's official holiday breaks")
    p.add_argument("--rules", metavar="FILE", help="a rules TOML file to use instead of the bundled one")
    p.add_argument("--headers", metavar="FILE", help="extra header aliases (TOML, same layout as the bundled one)")
    p.add_argument("--sheet", metavar="NAME", help="sheet to read from an xlsx input")
    p.add_argument("--encoding", metavar="NAME", help="CSV encoding (default: UTF-8, then GB18030)")


def add_export_options(p: argparse.ArgumentParser) -> None:
    """What fills the gaps of a real export: products list, scans, coverage, channel."""
    p.add_argument("--products", metavar="FILE", help="products list (product id or 商家编码, listing date)")
    p.add_argument("--scans", metavar="FILE", help="logistics records (order id or 运单号, first scan time)")
    p.add_argument("--history-from", metavar="DATETIME",
                   help="the export covers orders paid from here (default: its earliest payment), "
                        "for last month's sales derived from it")
    p.add_argument("--channel", choices=("POP", "JIT"), type=str.upper,
                   help="channel of every order whose channel is blank or absent (the classic export has none)")


def add_dayfirst_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dayfirst", action="store_true",
                   help="read text dates in the order export day first (13/04/2024 10:00)")


_QUOTED_DATE = re.compile(r"'(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*\d{4}\b[^']*'")
_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2}(?:\.\d+)?)?")


def _reason(message: str) -> str:
    """A row error without the row's own values, so rows failing the same way group together."""
    return _VALUES.sub("…", message.split("; ")[0])


def date_order_hint(message: str, dayfirst: bool) -> str:
    """What to do about a ``DD/MM/YYYY``-looking date in an error message ("" if none applies)."""
    m = _QUOTED_DATE.search(message)
    if not m:
        return ""
    first, second = int(m.group(1)), int(m.group(2))
    if second > 12:
        return "dates written month first (MM/DD/YYYY) are not read: save them as YYYY-MM-DD"
    if dayfirst:
        return ""
    if first > 12:
        return "these dates put the day first (DD/MM/YYYY): run again with --dayfirst"
    return "if these dates put the day first (DD/MM/YYYY), run again with --dayfirst"


def row_error_summary(assessed: pd.DataFrame, dayfirst: bool) -> tuple[int, str]:
    """How many rows failed, and one line on the commonest reason (with an example row and a hint)."""
    bad = np.flatnonzero((assessed["status"].astype(object) == "error").to_numpy())
    if not len(bad):
        return 0, ""
    messages = assessed["error"].astype(object).to_numpy()[bad]
    reasons = pd.Series([_reason(str(m)) for m in messages])
    counts = reasons.value_counts(sort=True)
    top = counts.index[0]
    first = int(np.flatnonzero((reasons == top).to_numpy())[0])
    example = str(messages[first]).split("; ")[0]
    k = int(counts.iloc[0])
    line = f"commonest reason ({k} row{'' if k == 1 else 's'}), e.g. data row {bad[first] + 1}: {example}"
    hint = date_order_hint(example, dayfirst)
    return len(bad), f"{line} -- {hint}" if hint else line


def refuse_if_every_row_failed(assessed: pd.DataFrame, dayfirst: bool) -> None:
    """An export none of whose rows could be assessed is an error (exit 2), not an empty result."""
    failed, line = row_error_summary(assessed, dayfirst)
    if failed and failed == len(assessed):
        raise ValueError(f"none of the {failed} orders could be assessed; {line}")


def add_output_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--out", metavar="FILE", help=f"write {what} here (.xlsx, .csv or .parquet)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")


def check_output(out, *, suffixes: tuple[str, ...], force: bool, inputs) -> None:
    """Refuse, before any work, an output of another type, an input, a folder, or one that exists
    without ``--force``. The writer (:func:`~xlcompliance.io.targets.atomic_write`) checks again."""
    from ..io.targets import check_target

    check_target(out, suffixes=suffixes, force=force, inputs=[p for p in inputs if p is not None])


def in_flag_words(exc: BaseException) -> str:
    """A library error about the output, said with the command's flags."""
    from ..io.targets import OutputExistsError, OutputTypeError, one_of

    if isinstance(exc, OutputTypeError):
        return f"--out must end in {one_of(exc.suffixes)} (got {exc.path.name})"
    if isinstance(exc, OutputExistsError):
        return str(exc).replace("(force=True replaces it)", "(use --force to replace it)")
    return str(exc)


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

    def export_inputs(self) -> dict:
        """``assess`` keyword arguments from the export options (files read here), and the paths."""
        args = self.args
        kwargs = {
            "products": self.read(args.products, "products") if getattr(args, "products", None) else None,
            "scans": self.read(args.scans, "scans") if getattr(args, "scans", None) else None,
            "history_from": getattr(args, "history_from", None),
            "channel": getattr(args, "channel", None),
        }
        return kwargs

    def export_paths(self) -> list:
        return [getattr(self.args, name, None) for name in ("products", "scans")]

    def read(self, path, kind: str) -> pd.DataFrame:
        from ..io.reading import read_table

        return read_table(path, kind=kind, sheet=self.args.sheet if kind == "orders" else None,
                          encoding=self.args.encoding, headers=self.headers)


def terminal_table(view: pd.DataFrame) -> str:
    """A frame as plain text columns aligned by display width: a wide East Asian character
    (Chinese shop names) takes two terminal columns (``unicodedata.east_asian_width`` W or F)."""
    with pd.option_context("display.unicode.east_asian_width", True):
        return view.to_string(index=False)


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
    return terminal_table(view)
