"""Writing results for people: CSV or formatted xlsx, safely.

Text copied from exports is neutralised before it reaches a spreadsheet: a cell that starts with
``= + - @`` (or tab / carriage return) gets a leading apostrophe so Excel shows it as text and
never runs it as a formula. Files are written to a temporary name and renamed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .xlsxio import atomic_write

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def neutralise(value):
    """A text value that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as formulas (numbers, dates, Decimals untouched)."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype):
                out[col] = s.cat.rename_categories([neutralise(c) for c in cats]) if len(
                    set(neutralise(c) for c in cats)) == len(cats) else s.astype(object).map(neutralise)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def excel_text(value):
    """A value a worksheet cell can hold: control characters shown as U+FFFD, formulas neutralised.

    openpyxl refuses text with control characters (other than tab, LF, CR) that exports
    sometimes carry; the replacement character keeps the cell readable and shows where they were.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return neutralise(value)


def _cell_text(s: pd.Series) -> pd.Series:
    text = s.astype(object)
    bad = text.map(lambda v: isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v) is not None)
    return text.map(excel_text) if bad.any() else s


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = safe_frame(frame)
    out.columns = [excel_text(c) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            s = out[col] = _cell_text(s)
        if isinstance(s.dtype, pd.PeriodDtype):
            out[col] = s.astype(str)
        elif s.dtype == object and len(s) and s.map(lambda v: isinstance(v, Decimal)).any():
            out[col] = s.map(lambda v: float(v) if isinstance(v, Decimal) else v)  # shown to 0.01
        elif isinstance(s.dtype, pd.BooleanDtype):
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], money_columns=()) -> None:
    """Write frames to one xlsx: dates formatted, widths fitted, header frozen and filtered."""
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            data = _excel_ready(frame)
            data.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            if len(data.columns):
                ws.auto_filter.ref = f"A1:{get_column_letter(len(data.columns))}{len(data) + 1}"
            for i, col in enumerate(data.columns, start=1):
                letter = get_column_letter(i)
                s = data[col]
                fmt = None
                if pd.api.types.is_datetime64_any_dtype(s.dtype):
                    fmt = DATETIME_FORMAT
                elif col in money_columns:
                    fmt = "#,##0.00"
                elif col == "rate":
                    fmt = "0.00%"
                # pandas 3: astype(str) keeps missing values as NaN, so measure non-missing only
                sample = s.head(200).dropna().astype(object).map(lambda v: len(str(v)))
                width = max([len(str(col))] + ([int(sample.max())] if len(sample) else []))
                if fmt == DATETIME_FORMAT:
                    width = 19
                ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
                if fmt:
                    for cell in ws[letter][1:]:
                        cell.number_format = fmt


def write_table(frame: pd.DataFrame, path, *, force: bool = False, inputs=(), sheet: str = "Orders",
                money_columns=()) -> Path:
    """Write one frame as CSV (UTF-8 with BOM, for Excel) or formatted xlsx, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"--out must end in .csv or .xlsx (got {path.name})")

    def write(tmp: Path) -> None:
        if suffix == ".csv":
            data = safe_frame(frame)
            for col in data.columns:
                if pd.api.types.is_datetime64_any_dtype(data[col].dtype):
                    data[col] = data[col].dt.strftime("%Y-%m-%d %H:%M:%S")
            # CRLF rows: the csv writer then quotes any field holding a bare CR, which would
            # otherwise start a new row in Excel (with an un-neutralised formula after the CR)
            data.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        else:
            write_sheets(tmp, {sheet: frame}, money_columns)

    return atomic_write(path, write, force=force, inputs=inputs)


__all__ = ["neutralise", "excel_text", "safe_frame", "write_sheets", "write_table"]
