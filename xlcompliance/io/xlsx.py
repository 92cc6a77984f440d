"""Bounded workbook reading (.xlsx and legacy .xls) with calamine.

The xlsx zip is checked before anything inflates it: a decompression bomb (by the sizes its parts
declare), a password-protected or a corrupt file is refused in one line instead of exhausting
memory or raising a library traceback. A part that inflates beyond its declared size is stopped
by calamine's zip reader at that size and refused too. Cells come back as Python values (text,
numbers, datetimes), blank cells as ``None``, whole numbers as ``int``, date-time columns as
datetime64. An xlsx sheet of one type per column is read through Arrow (:mod:`.xlsx_arrow`,
fastexcel); any other sheet, and every .xls, cell by cell (python-calamine), to the same frame.
An Excel error cell (#N/A, #VALUE! ...) reads as its text, never as a blank (:mod:`.xlsx_errors`);
in a legacy .xls only where fastexcel is installed (python-calamine alone cannot tell it from a
blank). An error calamine cannot read at all (#SPILL!, #CALC! ...) refuses the sheet, naming
the cells.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.headers import InputFileError
from .xlsx_arrow import read_typed_sheet
from .xlsx_errors import unsupported_error, with_errors, xls_error_cells, xlsx_error_cells

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB of XML is far beyond any real order export
MAX_RATIO = 200  # real xlsx parts compress ~5-20x; bombs compress thousands of times
MAX_XLS_BYTES = 256 << 20  # a BIFF file is not compressed: its size bounds what it holds
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def check_zip(path: Path) -> None:
    """Refuse files that are not xlsx zips, are password-protected, or inflate absurdly."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(_OLE_MAGIC):
        raise InputFileError(
            f"{path.name}: password-protected or legacy .xls workbook; save it as an unprotected .xlsx"
        )
    if not zipfile.is_zipfile(path):
        raise InputFileError(f"{path.name}: not a valid xlsx file (corrupt or not a workbook)")
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > 10 << 20 and ratio > MAX_RATIO:
                    raise InputFileError(
                        f"{path.name}: refused, part {info.filename} inflates {ratio:.0f}x "
                        "(looks like a decompression bomb)"
                    )
            if total > MAX_UNCOMPRESSED:
                raise InputFileError(
                    f"{path.name}: refused, {total / 2**20:.0f} MiB uncompressed exceeds the "
                    f"{MAX_UNCOMPRESSED / 2**20:.0f} MiB limit"
                )
            if "xl/workbook.xml" not in zf.namelist():
                raise InputFileError(f"{path.name}: not an xlsx workbook (no xl/workbook.xml)")
    except zipfile.BadZipFile as exc:
        raise InputFileError(f"{path.name}: not a valid xlsx file (corrupt zip: {exc})") from None


def _check_bounds(path: Path, fmt: str) -> None:
    """Refuse, before any library reads it, a file too large or inflating too much to read."""
    if fmt == "xlsx":
        check_zip(path)
    elif path.stat().st_size > MAX_XLS_BYTES:
        raise InputFileError(f"{path.name}: refused, {path.stat().st_size / 2**20:.0f} MiB exceeds the "
                             f"{MAX_XLS_BYTES / 2**20:.0f} MiB limit for .xls")


def _open_workbook(path: Path, fmt: str):
    import python_calamine as pc

    try:
        return pc.load_workbook(str(path))
    except pc.PasswordError:
        raise InputFileError(f"{path.name}: password-protected workbook; save it unprotected") from None
    except Exception as exc:  # calamine raises CalamineError, ZipError, XmlError ... on broken files
        if fmt == "xls":
            raise InputFileError(
                f"{path.name}: password-protected or corrupt .xls workbook ({type(exc).__name__}: {exc}); "
                "save it unprotected as .xlsx"
            ) from None
        raise InputFileError(f"{path.name}: cannot open workbook ({type(exc).__name__}: {exc})") from None


def _chosen_sheet(path: Path, names: list[str], sheet: str | None, kind: str) -> str:
    """The sheet asked for, else the one named like ``kind`` (Orders, Penalties ...), else the first."""
    if not names:
        raise InputFileError(f"{path.name}: the workbook has no sheets")
    if sheet is None:
        wanted = {kind.lower(), kind.rstrip("s").lower()}
        return next((n for n in names if n.strip().lower() in wanted), names[0])
    if sheet not in names:
        raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
    return sheet


def read_sheet(path, *, sheet: str | None = None, kind: str = "orders", fmt: str = "xlsx") -> pd.DataFrame:
    """One sheet as a frame of cell values (header = first row; ``fmt`` is ``xlsx`` or ``xls``).

    The default sheet is the one named like ``kind`` (Orders, Penalties ...) if present, else
    the first sheet.
    """
    path = Path(path)
    _check_bounds(path, fmt)
    if fmt == "xlsx":
        frame = read_typed_sheet(path, lambda names: _chosen_sheet(path, names, sheet, kind))
        if frame is not None:
            return frame
    wb = _open_workbook(path, fmt)
    try:
        sheet = _chosen_sheet(path, list(wb.sheet_names), sheet, kind)
        try:
            found = wb.get_sheet_by_name(sheet)
            rows = found.to_python(skip_empty_area=False)
            errors = _error_cells(path, sheet, fmt, found.start)
        except InputFileError:
            raise
        except Exception as exc:
            if "larger than its declared" in str(exc):
                raise InputFileError(
                    f"{path.name}: refused, sheet {sheet!r} inflates beyond its declared size "
                    "(corrupt, or a decompression bomb)"
                ) from None
            if fmt == "xlsx" and (refusal := unsupported_error(path, sheet, exc)) is not None:
                raise refusal from None
            raise InputFileError(
                f"{path.name}: cannot read sheet {sheet!r} ({type(exc).__name__}: {exc})"
            ) from None
    finally:
        close = getattr(wb, "close", None)
        if close is not None:
            close()
    frame = pd.DataFrame(rows, dtype=object)  # calamine's rows are rectangular: one C-level pass
    for (row, column), text in errors.items():  # "" from calamine: the error's text instead
        if row < frame.shape[0] and column < frame.shape[1]:
            frame.iat[row, column] = text
    blank = frame.isin(["", None])
    filled_rows = np.flatnonzero(~blank.to_numpy().all(axis=1))
    if not len(filled_rows):
        raise InputFileError(f"{path.name}: sheet {sheet!r} is empty")
    # the widest row, not the first: a title row above the real header is often one cell wide
    filled_cols = np.flatnonzero(~blank.to_numpy().all(axis=0))
    width = int(filled_cols[-1]) + 1
    frame = frame.iloc[: int(filled_rows[-1]) + 1, :width]
    header = ["" if h is None else str(h).strip() for h in frame.iloc[0].tolist()]
    header = [h or f"column{i + 1}" for i, h in enumerate(header)]
    body = frame.iloc[1:].reset_index(drop=True)
    top = len(frame) - len(body)  # errors by row in the body
    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for (row, column), text in sorted(errors.items()):
        if top <= row < top + len(body) and column < width:
            rows_, texts = by_column.setdefault(column, ([], []))
            rows_.append(row - top)
            texts.append(text)
    body = pd.DataFrame({i: _tidy(body.iloc[:, i], *by_column.get(i, ([], []))) for i in range(width)},
                        index=body.index)
    body.columns = header
    return body


def _error_cells(path: Path, sheet: str, fmt: str, origin) -> dict[tuple[int, int], str]:
    """The sheet's Excel error cells, which calamine gave as ``""``."""
    if fmt == "xlsx":
        return xlsx_error_cells(path, sheet)
    return xls_error_cells(path, sheet, tuple(origin or (0, 0)))


def _tidy(column: pd.Series, error_rows: list[int] = (), error_texts: list[str] = ()) -> pd.Series:
    """Blank cells to ``None``; whole-number floats to ``int`` (Excel stores every number as a
    double: an order id 1001 must read as 1001, not 1001.0); date-time columns to datetime64.
    Column-wise: the cell types are inferred once per column, converted with numpy. Error cells
    (``error_rows``) keep their text; the other cells are tidied as if they were blank."""
    if len(error_rows):
        values = column.to_numpy(dtype=object).copy()
        values[list(error_rows)] = None
        tidied = _tidy(pd.Series(values, index=column.index))
        return pd.Series(with_errors(tidied, list(error_rows), list(error_texts)), index=column.index,
                         dtype=object)
    values = column.to_numpy(dtype=object).copy()
    blank = values == ""
    values[blank] = None
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("floating", "integer", "mixed-integer-float"):
        numbers = values.copy()
        numbers[blank] = np.nan
        numeric = numbers.astype(float)
        whole = np.isfinite(numeric) & (numeric == np.round(numeric)) & (np.abs(numeric) < 2**53)
        values = numeric.astype(object)
        values[whole] = numeric[whole].astype(np.int64).astype(object)
        values[blank] = None
    elif inferred in ("date", "datetime"):  # date-time cells (some date-only): one typed column
        try:  # pandas converts datetime objects in C (numpy's own conversion is 10x slower)
            return pd.Series(pd.DatetimeIndex(values).as_unit("us"), index=column.index)
        except (ValueError, TypeError, OverflowError):  # out of range or aware/naive mix: as cells
            pass
    return pd.Series(values, index=column.index, dtype=object)

