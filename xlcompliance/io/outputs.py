"""Writing results for people: CSV or formatted xlsx, safely.

Text copied from exports is neutralised before it reaches a spreadsheet: a cell that starts with
``= + - @`` (or tab / carriage return) gets a leading apostrophe so Excel shows it as text and
never runs it as a formula. Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from itertools import islice, repeat
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.arrowtext import TextBytes, arrow_text
from ..core.assessment import Assessed
from ..core.orders import DATETIME_FIELDS
from .arrow_csv import write_csv_bytes, write_parquet
from .targets import atomic_write

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"  # how every workbook we write shows a date-time
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")  # what write_table makes


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


def column_letter(i: int) -> str:
    """A sheet column's letters (1 -> A, 27 -> AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def cell_value(value):
    """A parsed value as a cell value: naive datetimes, plain numbers, neutralised text, None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.datetime64 | pd.Timestamp):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return excel_text(value) if isinstance(value, str) else value


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
        if _is_yes_no(s):
            out[col] = s.astype(object).map(lambda v: None if v is None or v is pd.NA else ("yes" if v else "no"))
        elif isinstance(s.dtype, pd.PeriodDtype):
            out[col] = s.astype(str)
        elif s.dtype == object and len(s) and s.map(lambda v: isinstance(v, Decimal)).any():
            out[col] = s.map(lambda v: float(v) if isinstance(v, Decimal) else v)  # shown to 0.01
    return out


def _is_yes_no(s: pd.Series) -> bool:
    """A true/false column (shown as yes/no to people, never TRUE/FALSE or 1/0)."""
    if pd.api.types.is_bool_dtype(s.dtype) or isinstance(s.dtype, pd.BooleanDtype):
        return True
    if s.dtype == object and len(s):
        present = s.dropna()
        return len(present) > 0 and all(isinstance(v, bool | np.bool_) for v in present)
    return False


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], money_columns=()) -> None:
    """Write frames to one xlsx people can read and print: bold header row, frozen and filtered,
    dates as dates, money with two decimals, hours with one, yes/no for true/false, widths fitted,
    landscape one page wide with the header repeated on every page."""
    from openpyxl.utils import get_column_letter

    from .presentation import bold_header, print_setup

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            data = _excel_ready(frame)
            data.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            if len(data.columns):
                ws.auto_filter.ref = f"A1:{get_column_letter(len(data.columns))}{len(data) + 1}"
                bold_header(ws, 1, 1, len(data.columns))
            for i, col in enumerate(data.columns, start=1):
                letter = get_column_letter(i)
                s = data[col]
                fmt = _number_format(str(col), s, money_columns)
                # pandas 3: astype(str) keeps missing values as NaN, so measure non-missing only
                sample = s.head(200).dropna().astype(object).map(lambda v: len(str(v)))
                width = max([len(str(col))] + ([int(sample.max())] if len(sample) else []))
                if fmt == DATETIME_FORMAT:
                    width = 19
                ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
                if fmt:
                    for cell in ws[letter][1:]:
                        cell.number_format = fmt
                elif s.dtype == object and _is_text(s):
                    for cell in ws[letter][1:]:  # a gap after the right-aligned number beside it
                        cell.alignment = _indented()
                elif s.dtype == object and s.map(lambda v: isinstance(v, pd.Timestamp)).any():
                    for cell in ws[letter][1:]:  # real dates among text the engine could not read
                        if hasattr(cell.value, "year"):
                            cell.number_format = DATETIME_FORMAT
            print_setup(ws, title_rows="1:1")


def _is_text(s: pd.Series) -> bool:
    head = s.head(50).dropna()
    return len(head) > 0 and all(isinstance(v, str) for v in head)


@cache
def _indented():
    """One shared alignment (openpyxl loads only when an xlsx is written)."""
    from openpyxl.styles import Alignment

    return Alignment(indent=1)


def _number_format(col: str, s: pd.Series, money_columns) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return DATETIME_FORMAT
    if col in money_columns:
        return "#,##0.00"
    if col == "rate" or col.endswith("_rate"):
        return "0.00%"
    if "hours" in col and pd.api.types.is_numeric_dtype(s.dtype):
        return "0.0"
    return None


def typed_orders(result: Assessed) -> pd.DataFrame:
    """The assessed frame with its input columns as real values for a workbook: dates as
    date-times and counts as numbers where the order boundary read them (a value it could not read
    stays as given). A field read from several alias columns keeps them as given."""
    orders, assessed = result.orders, result.frame
    out = assessed.copy(deep=False)
    fields = (*DATETIME_FIELDS, "last_month_sales")
    for canonical in fields:
        names = orders.header_names.get(canonical, [])
        if len(names) != 1 or names[0] == "deadline":
            continue
        col = names[0]
        raw = assessed[col]
        if pd.api.types.is_datetime64_any_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
            continue
        values = pd.Series(raw.astype(object).to_numpy(), dtype=object)
        parsed, errors = getattr(orders, canonical), orders.field_errors[canonical]
        if canonical in DATETIME_FIELDS:
            good = pd.isna(errors) & ~np.isnat(parsed)
            if good.all():
                out[col] = pd.Series(parsed, index=assessed.index, dtype="datetime64[us]")
                continue
            cells = values.copy()
            cells[good] = [pd.Timestamp(v) for v in parsed[good]]
        else:
            good = pd.isna(errors) & ~np.isnan(parsed)
            cells = values.copy()
            cells[good] = parsed[good].astype(np.int64).tolist()
        blank = values.map(lambda v: v is None or (isinstance(v, str) and not v.strip()) or v is pd.NA)
        cells[blank.to_numpy() & ~good] = None
        out[col] = pd.Series(cells.to_numpy(), index=assessed.index, dtype=object)
    return out


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




def write_table(frame: pd.DataFrame, path, *, force: bool = False, inputs=(), sheet: str = "Orders",
                money_columns=(), extra_sheets: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write one frame as CSV (UTF-8 with BOM, for Excel), formatted xlsx or Parquet (needs
    pyarrow), atomically. An xlsx gets ``extra_sheets`` after the main one; its bytes depend only
    on its content."""
    path = Path(path)

    def write(tmp: Path) -> None:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            write_csv(safe_frame(frame), tmp)
        elif suffix == ".parquet":  # data for programs, not cells for a spreadsheet: values as given
            write_parquet(frame, tmp)
        else:
            from .presentation import make_deterministic

            write_sheets(tmp, {sheet: frame, **(extra_sheets or {})}, money_columns)
            make_deterministic(tmp)

    return atomic_write(path, write, suffixes=TABLE_SUFFIXES, force=force, inputs=inputs)


__all__ = [
    "cell_value", "column_letter", "neutralise", "excel_text", "safe_frame",
    "typed_orders", "write_csv", "write_sheets", "write_table",
]
