"""Reading exports into frames, as given (no column renamed, nothing modified).

CSV, xlsx, legacy xls, Parquet, and the HTML tables or CSV text that many ``.xls`` downloads
really are: the format is sniffed from the content, the suffix only says what was expected.
A header row below title rows is found by the header aliases; blank trailing rows are dropped.
Input files are only ever read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.calendar import Calendar
from ..core.headers import KINDS, InputFileError, header_map
from ..core.rules import Rules
from . import sniffing
from .arrow_csv import read_plain_csv

# --- reading files --------------------------------------------------------------------------

_ENCODINGS = ("utf-8-sig", "gb18030")


def _header_line(path: Path, encoding: str, kind: str, headers: dict | None) -> tuple[int, str, list[str]]:
    """Index, delimiter and cells of the first of the first 20 lines that holds at least two known
    headers (comma, else tab or semicolon: text exports saved as .xls use tabs); else line 0."""
    import csv
    import itertools

    first: list[str] = []
    for sep in (",", "\t", ";"):
        with open(path, encoding=encoding, newline="") as fh:
            for i, row in enumerate(itertools.islice(csv.reader(fh, delimiter=sep), 20)):
                if i == 0 and sep == ",":
                    first = row
                if len(header_map(row, kind, headers)) >= 2:
                    return i, sep, row
    return 0, ",", first


def _read_csv(path: Path, encoding: str | None, kind: str, headers: dict | None) -> pd.DataFrame:
    encodings = (encoding,) if encoding else _ENCODINGS
    last = None
    for enc in encodings:
        try:
            skip, sep, header = _header_line(path, enc, kind, headers)
            if skip == 0 and sep == "," and (frame := read_plain_csv(path, enc, header)) is not None:
                return frame  # Arrow's reader; anything it does not handle goes to pandas'
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc, skiprows=skip, sep=sep)
        except UnicodeDecodeError as exc:
            last = exc
        except LookupError:
            raise InputFileError(f"{path.name}: unknown encoding {enc!r}") from None
        except pd.errors.EmptyDataError:
            raise InputFileError(f"{path.name}: the file is empty") from None
        except pd.errors.ParserError as exc:
            raise InputFileError(f"{path.name}: not a readable CSV ({exc})") from None
    raise InputFileError(f"{path.name}: cannot decode as {' or '.join(encodings)} ({last.reason})")


def _read_workbook(path: Path, sheet: str | None, kind: str, fmt: str) -> pd.DataFrame:
    from .xlsx import read_sheet

    return read_sheet(path, sheet=sheet, kind=kind, fmt=fmt)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # ArrowInvalid, OSError ... for a broken file
        raise InputFileError(f"{path.name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    return table.to_pandas()


_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".csv": "text", ".txt": "text", ".tsv": "text",
             ".parquet": "parquet", ".pq": "parquet"}


def _read_any(path: Path, sheet, kind, encoding, headers) -> pd.DataFrame:
    """Dispatch on what the file is (sniffed), refusing in one line what cannot be read."""
    suffix = path.suffix.lower()
    expected = _SUFFIXES.get(suffix)
    if expected is None:
        raise InputFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv, .xlsx, .xls or .parquet"
        )
    real = sniffing.sniff(path)
    if expected == "xlsx" and real != sniffing.XLS:
        return _read_workbook(path, sheet, kind, "xlsx")  # check_zip names what is wrong
    if real == sniffing.XLS:
        return _read_workbook(path, sheet, kind, "xls")
    if real == sniffing.XLSX:
        return _read_workbook(path, sheet, kind, "xlsx")
    if real == sniffing.PARQUET:
        return _read_parquet(path)
    if real == sniffing.HTML:
        from .html_tables import read_html_table

        return read_html_table(path, kind, headers)
    if real == sniffing.TEXT and expected != "parquet":
        return _read_csv(path, encoding, kind, headers)
    what = sniffing.DESCRIPTIONS[real]
    advice = "open it in Excel and save it as .xlsx" if real == sniffing.SPREADSHEET_XML else \
        "export the orders again as .xlsx or .csv"
    raise InputFileError(f"{path.name}: named {suffix} but the content is {what}; {advice}")


def _find_header_row(frame: pd.DataFrame, kind: str, headers: dict | None) -> pd.DataFrame:
    """Exports sometimes put a title above the header: use the first row that has known headers."""
    if len(header_map(frame.columns, kind, headers)) >= 2:
        return frame
    for i in range(min(len(frame), 20)):
        row = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()
               for v in frame.iloc[i].tolist()]
        row = [v or f"column{k + 1}" for k, v in enumerate(row)]
        if len(header_map(row, kind, headers)) >= 2:
            body = frame.iloc[i + 1 :].reset_index(drop=True)
            body.columns = row
            return body
    return frame


def _without_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the blank rows at the end (spreadsheets often save some), looking only at the tail:
    windows of growing size from the end until a row with a value is found."""
    end, window = len(frame), 1
    while end:
        start = max(0, end - window)
        tail = frame.iloc[start:end]
        blank = tail.apply(lambda col: col.isna() | (col.astype(str).str.strip() == "")).all(axis=1).to_numpy()
        if not blank.all():
            last = start + int(np.flatnonzero(~blank)[-1]) + 1
            return frame if last == len(frame) else frame.iloc[:last]
        end, window = start, window * 64
    return frame.iloc[:0]


def read_table(
    path,
    *,
    kind: str = "orders",
    sheet: str | None = None,
    encoding: str | None = None,
    headers: dict | None = None,
) -> pd.DataFrame:
    """Read a CSV, xlsx, xls or Parquet export as given (values as text/cells; no column renamed).

    ``.xls`` downloads that are really HTML tables or CSV text are read as what they are.

    A header row below a title row is found. Blank trailing rows are dropped.

    Raises:
        InputFileError: missing, empty, unreadable or corrupt file, unknown sheet.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty")
    if sheet is not None and path.suffix.lower() in (".csv", ".txt", ".tsv", ".parquet"):
        raise InputFileError(f"{path.name}: has no sheets (sheet {sheet!r} applies to an xlsx or xls file)")
    frame = _read_any(path, sheet, kind, encoding, headers)
    frame = _find_header_row(frame, kind, headers)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _without_trailing_blank_rows(frame)
    if frame.empty and not len(frame.columns):
        raise InputFileError(f"{path.name}: the file is empty")
    return frame


def read_holidays(
    path, sheet: str | None = None, statutory: bool = True, *, encoding: str | None = None,
    rules: Rules | None = None,
) -> Calendar:
    """A :class:`Calendar` from a CSV or an xlsx sheet of windows (start, end, optional scope).

    The default sheet is ``Holidays`` if present, else the first.
    """
    frame = read_table(path, sheet=sheet, kind="holidays", encoding=encoding)
    return Calendar.from_frame(frame, statutory, rules=rules)
