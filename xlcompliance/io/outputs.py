"""Writing results for people: CSV or formatted xlsx, safely.

Text copied from exports is neutralised before it reaches a spreadsheet: a cell that starts with
``= + - @`` (or tab / carriage return) gets a leading apostrophe so Excel shows it as text and
never runs it as a formula. Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import islice, repeat
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.arrowtext import TextBytes, arrow_text
from .arrow_csv import write_csv_bytes, write_parquet
from .targets import atomic_write

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def neutralise(value):
    """A text value that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as formulas (numbers, dates, Decimals untouched)."""
    out = frame.copy(deep=False)  # copy-on-write: only the columns replaced below are new
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype):
                out[col] = s.cat.rename_categories([neutralise(c) for c in cats]) if len(
                    set(neutralise(c) for c in cats)) == len(cats) else s.astype(object).map(neutralise)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = _neutralised(s)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _neutralised(s: pd.Series) -> pd.Series:
    """:func:`neutralise` over a text or object column; only the dangerous cells are rewritten.

    A text column is first searched as one joined string (each cell starts right after a
    newline), so a column with no dangerous first character costs one join and one C scan.
    """
    arrow = arrow_text(s)
    if arrow is not None:  # Arrow-backed text: each cell's first byte, read from the buffer
        return _neutralised_arrow(s, arrow)
    if isinstance(s.dtype, pd.StringDtype):  # every value is text or missing
        text = s.to_numpy(dtype=object, na_value="")
        if not _DANGEROUS_START.search("\n" + "\n".join(text)):
            return s
        hits = np.fromiter(map(str.startswith, text, repeat(_DANGEROUS)), dtype=bool, count=len(text))
    else:
        values = s.to_numpy(dtype=object)
        hits = np.zeros(len(values), dtype=bool)
        present = np.flatnonzero(~pd.isna(values))  # an error column is mostly empty
        hits[present] = np.fromiter(map(_is_dangerous, values[present]), dtype=bool, count=len(present))
    if not hits.any():
        return s
    values = s.to_numpy(dtype=object, copy=True)
    values[hits] = ["'" + v for v in values[hits]]
    return pd.Series(values, index=s.index, dtype=object, name=s.name)


def _neutralised_arrow(s: pd.Series, arrow) -> pd.Series:
    """:func:`_neutralised` of Arrow-backed text: cells whose first byte is dangerous get the
    apostrophe (every dangerous start is one ASCII byte)."""
    cells = TextBytes(arrow)
    nonempty = np.flatnonzero(cells.length > 0)
    first = cells.data[cells.start[nonempty]]
    hits = nonempty[_DANGEROUS_BYTES[first]]
    if not len(hits):
        return s
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = ["'" + v for v in arrow.take(pa.array(hits)).to_pylist()]
    mask = np.zeros(len(s), dtype=bool)
    mask[hits] = True
    values = pc.replace_with_mask(arrow, pa.array(mask), pa.array(texts, type=arrow.type))
    dtype = s.dtype if isinstance(s.dtype, pd.StringDtype) else pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.Series(pd.arrays.ArrowStringArray(values, dtype=dtype), index=s.index, name=s.name)


_DANGEROUS_BYTES = np.zeros(256, dtype=bool)  # first bytes that make a spreadsheet run a cell
_DANGEROUS_BYTES[list("".join(_DANGEROUS).encode("ascii"))] = True
_DANGEROUS_START = re.compile("\n[" + re.escape("".join(_DANGEROUS)) + "]")


def _is_dangerous(value) -> bool:
    return isinstance(value, str) and value.startswith(_DANGEROUS)


def excel_text(value):
    """A value a worksheet cell can hold: control characters shown as U+FFFD, formulas neutralised.

    openpyxl refuses text with control characters (other than tab, LF, CR) that exports
    sometimes carry; the replacement character keeps the cell readable and shows where they were.
    """
    if isinstance(value, str):
        value = _illegal_characters().sub("\ufffd", value)
    return neutralise(value)


def _illegal_characters() -> re.Pattern:
    """openpyxl's pattern of the characters a cell refuses (openpyxl loads only for xlsx output)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def _cell_text(s: pd.Series) -> pd.Series:
    text = s.astype(object)
    illegal = _illegal_characters()
    bad = text.map(lambda v: isinstance(v, str) and illegal.search(v) is not None)
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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A frame as CSV for Excel: UTF-8 with BOM, CRLF rows, blanks for missing values, times as
    ``YYYY-MM-DD HH:MM:SS``; quoting as the ``csv`` module's minimal quoting.

    Each column becomes a list of cell texts in one vectorised step (quoted only in a column
    that has a cell needing it), and rows are joined with ``str.join``: several times faster than
    ``DataFrame.to_csv`` or ``csv.writer`` on a million rows. CRLF rows and quoting any field
    with a bare CR keep such a field from starting a new row in Excel.
    """
    if not len(frame.columns):  # nothing to join: let the csv module spell it
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        return
    header = ",".join(_quoted_where_needed([str(c) for c in frame.columns]))
    with open(path, "wb") as f:  # Arrow builds the rows as bytes when it can spell every column
        f.write(("\ufeff" + header + "\r\n").encode("utf-8"))
        if write_csv_bytes(frame, f):
            return
    columns = [_csv_cells(frame.iloc[:, i]) for i in range(frame.shape[1])]
    rows = map(",".join, zip(*columns, strict=True))
    if len(columns) == 1:  # a lone empty field is written "" so the row is not a blank line
        rows = ('""' if row == "" else row for row in rows)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write(("\"\"" if header == "" and len(columns) == 1 else header) + "\r\n")
        while chunk := list(islice(rows, 1 << 16)):
            f.write("\r\n".join(chunk))
            f.write("\r\n")


_CSV_SPECIAL = (",", '"', "\r", "\n")
_CSV_SPECIAL_RE = re.compile('[,"\r\n]')


def _csv_cells(s: pd.Series) -> list[str]:
    """One column's cells as CSV text: str() of each value, "" for missing, quoted if needed."""
    if not len(s):
        return []
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
        text = np.strings.replace(np.datetime_as_string(s.to_numpy(dtype="datetime64[s]"), unit="s"), "T", " ")
        return np.where(s.isna().to_numpy(), "", text).tolist()
    if isinstance(s.dtype, pd.CategoricalDtype):
        texts = _quoted_where_needed([_cell_str(v) for v in s.cat.categories] + [""])
        return np.array(texts, dtype=object)[s.cat.codes.to_numpy()].tolist()
    if isinstance(s.dtype, pd.StringDtype):  # text already: no str() per cell
        return _quoted_where_needed(s.to_numpy(dtype=object, na_value="").tolist())
    values = s.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = ""
    return _quoted_where_needed(list(map(str, values)))


def _cell_str(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _quoted_where_needed(cells: list[str]) -> list[str]:
    blob = "".join(cells)
    if not any(c in blob for c in _CSV_SPECIAL):
        return cells
    return ['"' + c.replace('"', '""') + '"' if _CSV_SPECIAL_RE.search(c) else c for c in cells]


OUTPUT_SUFFIXES = (".csv", ".xlsx", ".parquet")


def write_table(frame: pd.DataFrame, path, *, force: bool = False, inputs=(), sheet: str = "Orders",
                money_columns=()) -> Path:
    """Write one frame as CSV (UTF-8 with BOM, for Excel), formatted xlsx or Parquet (needs
    pyarrow), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ValueError(f"--out must end in .csv, .xlsx or .parquet (got {path.name})")

    def write(tmp: Path) -> None:
        if suffix == ".csv":
            write_csv(safe_frame(frame), tmp)
        elif suffix == ".parquet":  # data for programs, not cells for a spreadsheet: values as given
            write_parquet(frame, tmp)
        else:
            write_sheets(tmp, {sheet: frame}, money_columns)

    return atomic_write(path, write, force=force, inputs=inputs)


__all__ = ["neutralise", "excel_text", "safe_frame", "write_csv", "write_sheets", "write_table"]
