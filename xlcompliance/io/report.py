"""The reconciliation report workbook: Summary, Appeals, Penalties, Refunds and a rate chart.

Written through :mod:`xlcompliance.exports` (formula-injection guard, dates and money formatted)
to a temporary file that replaces the target only when complete.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .outputs import neutralise, write_sheets
from .targets import atomic_write, check_target


def chart_table(summary: pd.DataFrame, threshold) -> pd.DataFrame:
    """Month by shop on-time rates (blank where no rate) and the threshold line."""
    rates = summary.pivot_table(index="month", columns="shop", values="rate", aggfunc="first", dropna=False)
    months = sorted(summary["month"].unique())
    rates = rates.reindex(index=months, columns=sorted(summary["shop"].unique()))
    table = pd.DataFrame({"month": [str(m) for m in months]})
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
    ws = wb["Chart"]
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=ws.max_column):
        for cell in row:
            cell.number_format = "0.00%"
    chart = LineChart()
    chart.title = "Monthly on-time rate"
    chart.y_axis.title = "on-time rate"
    chart.x_axis.title = "month (of the deadline)"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.max = 1.0
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height, chart.width = 9, 18
    n = len(table)
    data = Reference(ws, min_col=2, max_col=len(table.columns), min_row=1, max_row=n + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    for series in chart.series:
        series.smooth = False
    line = chart.series[-1]  # the threshold
    line.graphicalProperties.line.dashStyle = "dash"
    line.graphicalProperties.line.solidFill = "C00000"
    line.smooth = False
    ws.add_chart(chart, f"{openpyxl.utils.get_column_letter(len(table.columns) + 2)}2")
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
        "Chart": table,
    }

    def write(tmp: Path) -> None:
        write_sheets(tmp, sheets, MONEY_COLUMNS)
        _add_chart(tmp, table)

    return atomic_write(path, write, suffixes=(".xlsx",), force=force, inputs=inputs)
