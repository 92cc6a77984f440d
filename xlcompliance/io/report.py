"""The reconciliation report workbook: Summary, Appeals, Penalties, Refunds, the chart's data and
the rate chart on a sheet of its own; it prints landscape, one page wide.

Written through :mod:`xlcompliance.exports` (formula-injection guard, dates and money formatted)
to a temporary file that replaces the target only when complete.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .outputs import neutralise, write_sheets
from .presentation import make_deterministic
from .targets import atomic_write, check_target

CHART_SHEET = "Chart"  # a chart sheet of its own, after the data sheets
PROVISIONAL = " (provisional)"


def chart_table(summary: pd.DataFrame, threshold) -> pd.DataFrame:
    """Month by shop final on-time rates and the threshold line.

    A provisional month (pending orders, or not over at the as-of moment) is labelled so and its
    rates are left blank: a month of a few early orders is not plotted as 100 %.
    """
    final = summary if "provisional" not in summary else summary.assign(
        rate=summary["rate"].where(~summary["provisional"].astype(bool))
    )
    rates = final.pivot_table(index="month", columns="shop", values="rate", aggfunc="first", dropna=False)
    months = sorted(summary["month"].unique())
    rates = rates.reindex(index=months, columns=sorted(summary["shop"].unique()))
    provisional = set(summary.loc[summary["provisional"].astype(bool), "month"]) if "provisional" in summary else set()
    table = pd.DataFrame({"month": [str(m) + (PROVISIONAL if m in provisional else "") for m in months]})
    for shop in rates.columns:
        table[shop if shop != "" else "(no shop)"] = rates[shop].to_numpy(dtype=float)
    table[threshold_label(threshold)] = float(threshold)
    return table


def threshold_label(threshold) -> str:
    return f"{float(threshold) * 100:g} % line"


def _add_chart(path: Path, table: pd.DataFrame) -> None:
    import openpyxl
    from openpyxl.chart import LineChart, Reference

    wb = openpyxl.load_workbook(path)
    ws = wb["Chart data"]
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=ws.max_column):
        for cell in row:
            cell.number_format = "0.00%"
    chart = LineChart()
    chart.title = "Monthly on-time rate (provisional months not plotted)"
    chart.y_axis.title = "on-time rate"
    chart.x_axis.title = "month (of the deadline)"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.max = 1.0
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.display_blanks = "gap"
    n = len(table)
    data = Reference(ws, min_col=2, max_col=len(table.columns), min_row=1, max_row=n + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    for series in chart.series:
        series.smooth = False
        series.marker.symbol = "circle"
    line = chart.series[-1]  # the threshold
    line.graphicalProperties.line.dashStyle = "dash"
    line.graphicalProperties.line.solidFill = "C00000"
    line.marker.symbol = "none"
    line.smooth = False
    sheet = wb.create_chartsheet(CHART_SHEET)
    sheet.add_chart(chart)
    # the size Excel itself writes for a landscape chart sheet (a zero size shows nothing in
    # LibreOffice); EMU, 360000 per cm: 25.4 cm x 17 cm
    from openpyxl.drawing.xdr import XDRPositiveSize2D
    from openpyxl.worksheet.page import PageMargins, PrintPageSetup

    chart.anchor.ext = XDRPositiveSize2D(cx=9_144_000, cy=6_120_000)
    sheet.pageSetup = PrintPageSetup(orientation="landscape", paperSize=9)  # A4
    sheet.pageMargins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    wb.save(path)


def write_report(result, path, *, force: bool = False, inputs=()) -> Path:
    """Write ``result`` (a :class:`Reconciliation`) as a formatted xlsx report, atomically."""
    path = check_target(path, suffixes=(".xlsx",), force=force, inputs=inputs)  # before any work
    from ..core.reconciliation import MONEY_COLUMNS

    table = chart_table(result.summary, result.threshold)
    table.columns = [neutralise(str(c)) for c in table.columns]
    sheets = {
        "Summary": result.summary,
        "Appeals": result.appeals,
        "Penalties": result.penalties,
        "Refunds": result.refunds,
        "Chart data": table,
    }

    def write(tmp: Path) -> None:
        write_sheets(tmp, sheets, MONEY_COLUMNS)
        _add_chart(tmp, table)
        make_deterministic(tmp)

    return atomic_write(path, write, suffixes=(".xlsx",), force=force, inputs=inputs)
