"""The IPython extension: ``%load_ext xlcompliance``.

Registers the ``%deadline`` line magic and a rich HTML display for assessment results (frames
returned by :func:`~xlcompliance.assess`). IPython is imported only when the extension loads.

``%deadline CHANNEL [METHOD] PAID_AT [--listed DATETIME] [--sales N] [--no-statutory]``, e.g.
``%deadline JIT pickup 2024-04-15 15:00 --sales 3``, prints the deadline and its explanation.
"""

from __future__ import annotations

import argparse
import html
import shlex

import pandas as pd

from ..core.assessment import STATUSES, assess, is_assessed
from ..core.parsing import parse_methods

STATUS_COLOURS = {
    "on_time": "#2ca02c",
    "late": "#d62728",
    "pending": "#ff7f0e",
    "cancelled": "#7f7f7f",
    "error": "#9467bd",
}


class _Parser(argparse.ArgumentParser):
    """An argparse parser that raises instead of printing and exiting (a magic must not exit)."""

    def error(self, message):
        raise ValueError(message)


def _parser() -> argparse.ArgumentParser:
    # argparse %-formats its prog and usage ("%(prog)s"): "%deadline" would read as a "%d" format,
    # so the parser has a plain name and every message shows USAGE itself
    p = _Parser(prog="deadline", add_help=False, exit_on_error=False)
    p.add_argument("words", nargs="*", help="CHANNEL [METHOD] PAID_AT")
    p.add_argument("--listed", nargs="+", help="first listing time")
    p.add_argument("--sales", help="orders last month")
    p.add_argument("--no-statutory", action="store_true", help="ignore official holiday breaks")
    return p


USAGE = "%deadline CHANNEL [METHOD] PAID_AT [--listed DATETIME] [--sales N] [--no-statutory]"
HELP = f"""usage: {USAGE}

Print an order's shipping deadline and why, e.g.  %deadline JIT pickup 2024-04-15 15:00 --sales 3

  CHANNEL            POP or JIT
  METHOD             JIT only: pickup (上门揽收, the default) or self (自寄)
  PAID_AT            payment time, platform time (e.g. 2024-04-15 15:00)
  --listed DATETIME  when the product was first listed
  --sales N          the product's orders last month
  --no-statutory     do not count China's official holiday breaks"""
HELP_WORDS = ("-h", "--help", "-?")


def deadline_line(line: str) -> pd.Series:
    """Parse a ``%deadline`` line and assess it as a one-row batch; returns that row.

    Raises:
        ValueError: the line or one of its values is invalid (the message names the field).
    """
    try:
        words = shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        raise ValueError(f"{exc}; usage: {USAGE}") from None
    try:
        args, unknown = _parser().parse_known_intermixed_args(words)
    except (argparse.ArgumentError, ValueError) as exc:
        raise ValueError(f"{exc}; usage: {USAGE}") from None
    if unknown:
        raise ValueError(f"unknown option {unknown[0]}; usage: {USAGE}")
    words = list(args.words)
    if not words:
        raise ValueError(f"CHANNEL and PAID_AT are missing; usage: {USAGE}")
    channel = words.pop(0)
    method = None
    if words and parse_methods([words[0]])[1][0] is None:
        method = words.pop(0)
    if not words:
        raise ValueError(f"paid_at is missing; usage: {USAGE}")
    row = {
        "channel": [channel],
        "method": [method],
        "paid_at": [" ".join(words)],
        "listed_at": [" ".join(args.listed) if args.listed else None],
        "last_month_sales": [args.sales],
    }
    calendar = None
    if args.no_statutory:
        from ..core.calendar import Calendar

        calendar = Calendar(statutory=False)
    result = assess(pd.DataFrame(row, dtype=object), calendar=calendar).iloc[0]
    if result["status"] == "error":
        raise ValueError(str(result["error"]))
    return result


def deadline_text(line: str) -> str:
    """What ``%deadline`` prints (the help text for ``-h`` / ``--help``)."""
    if any(word in HELP_WORDS for word in line.split()):
        return HELP
    row = deadline_line(line)
    deadline = pd.Timestamp(row["deadline"])
    return f"deadline: {deadline:%Y-%m-%d %H:%M:%S} ({deadline:%a}) [{row['rule_set']}]\n{row['explanation']}"


def assessment_html(frame: pd.DataFrame, max_rows: int | None = None) -> str:
    """An assessment result as HTML: status counts, then the rows with coloured statuses."""
    max_rows = max_rows or pd.get_option("display.max_rows") or 60
    counts = frame["status"].astype(object).value_counts()
    badges = " ".join(
        f"<span style='background:{STATUS_COLOURS[s]};color:white;padding:1px 6px;"
        f"border-radius:8px'>{s} {int(counts.get(s, 0))}</span>"
        for s in STATUSES
        if counts.get(s, 0)
    )
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(shown.columns, values, strict=True):
            text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            if col == "hours_late" and text:
                text = f"{v:.1f}"
            style = ""
            if col == "status" and text in STATUS_COLOURS:
                style = f" style='color:{STATUS_COLOURS[text]};font-weight:bold'"
            cells.append(f"<td{style}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p>… {len(frame) - len(shown)} more rows</p>" if len(frame) > len(shown) else ""
    return (
        f"<div class='xlc-assessment'><p><b>{len(frame)} orders</b> {badges}</p>"
        f"<table class='dataframe'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
        f"</tbody></table>{more}</div>"
    )


def _html_for_frame(frame: pd.DataFrame):
    if is_assessed(frame) and "status" in frame:
        return assessment_html(frame)
    return frame._repr_html_()


def load_ipython_extension(ipython) -> None:
    """Register ``%deadline`` and the assessment display (``%load_ext xlcompliance``)."""
    from IPython.core.error import UsageError

    def deadline(line: str) -> None:
        """%deadline CHANNEL [METHOD] PAID_AT [--listed DATETIME] [--sales N] [--no-statutory]"""
        try:
            print(deadline_text(line))
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    deadline.__doc__ = f"Print a deadline and its explanation.\n\nUsage: {USAGE}"
    ipython.register_magic_function(deadline, "line", "deadline")
    ipython.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _html_for_frame)


def unload_ipython_extension(ipython) -> None:
    """Remove the assessment display (the magic stays until the session ends)."""
    formatter = ipython.display_formatter.formatters["text/html"]
    try:
        formatter.pop(pd.DataFrame)
    except KeyError:
        pass
