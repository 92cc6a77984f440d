"""A sheet of one type per column read through Arrow (fastexcel), twice as fast as cell by cell.

fastexcel (calamine, like the cell-by-cell reader, returning Arrow columns) guesses each
column's type and by default turns cells that do not fit into nulls. Here every row is looked
at and a column mixing types is refused (``dtype_coercion="strict"``); text it takes for a
missing value ("n/a", "NULL", "nan" ...) escapes that and becomes null in a column of numbers or
dates, but is reported: any such report refuses the sheet too. So no cell is lost: the caller
reads a refused sheet cell by cell. So it does for every shape whose cells Arrow would give
differently: a sheet not starting at A1, a first row that is not all text, repeated headers,
durations, date-times before 1900 (times of day) or after 9999. Numbers or dates under a title
row are a mixed column too (the real header's text above them); a sheet all text under a title
row is not. Otherwise the frame is the one :func:`.xlsx.read_sheet` builds cell by cell, value
for value and dtype for dtype.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .xlsx_errors import error_text, with_errors
from .xlsx_first_row import arrow_may_read

_FIRST = np.datetime64("1900-01-01T00:00:00", "ms")  # before it, calamine gives times of day
_LAST = np.datetime64("9999-12-31T23:59:59.999", "ms")  # after it, plain numbers
_RENAMED = re.compile(r"^(.*)_\d+$")  # fastexcel's names for repeated headers: a, a_1, a_1_1


def read_typed_sheet(path: Path, choose: Callable[[list[str]], str]) -> pd.DataFrame | None:
    """The sheet ``choose`` picks from the sheet names, as :func:`.xlsx.read_sheet` gives it, or
    None when it must be read cell by cell (fastexcel absent, a shape above, a broken file: the
    cell-by-cell reader names the problem)."""
    try:
        import fastexcel
        import pyarrow  # noqa: F401  (fastexcel's Arrow output)
    except ImportError:
        return None
    reader = _attempt(lambda: fastexcel.read_excel(str(path)))
    if reader is None:
        return None
    sheet = choose(reader.sheet_names)  # an unknown sheet is refused here, as cell by cell
    if not arrow_may_read(path, sheet):
        return None
    with _quiet_fastexcel():  # a column of only errors or blanks is read as text: no news
        loaded = _attempt(lambda: reader.load_sheet(sheet, header_row=0, schema_sample_rows=None,
                                                    dtype_coercion="strict"))
    batch_errors = _attempt(loaded.to_arrow_with_errors) if loaded is not None else None
    if batch_errors is None:
        return None
    batch, errors = batch_errors
    cells: dict[int, tuple[list[int], list[str]]] = {}  # column -> rows and texts of error cells
    for report in errors.errors if errors is not None else ():
        text = error_text(report.detail)
        if text is None:
            return None  # a cell that did not fit its column's type (text like "n/a" among numbers)
        row, column = report.offset_position
        rows, texts = cells.setdefault(column, ([], []))
        rows.append(row)
        texts.append(text)
    infos = loaded.available_columns()
    if not infos or infos[0].absolute_index != 0 or _renamed(infos):
        return None
    header = [info.name if info.column_name_from == "looked_up" else "" for info in infos]
    columns = []
    for i, array in enumerate(batch.columns):
        column = _column(array)
        if column is None:
            return None
        columns.append(with_errors(column, *cells[i]) if i in cells else column)
    return _trimmed(header, columns)


@contextmanager
def _quiet_fastexcel():
    """fastexcel's log warnings (a column's type falling back to text) kept off the terminal."""
    logger = logging.getLogger("fastexcel")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _attempt(action):
    """``action()``, or None where it fails: mixed types in a column, a corrupt part ..."""
    try:
        return action()
    except Exception:
        return None
    except BaseException as exc:  # a panic in fastexcel's Rust code is not an Exception
        if type(exc).__name__ != "PanicException":
            raise
        return None


def _renamed(infos) -> bool:
    """Whether a name may be fastexcel's renaming of a repeated header (the cell said otherwise)."""
    names = {info.name for info in infos}
    return any((m := _RENAMED.match(info.name)) and m.group(1) in names for info in infos)


def _column(array) -> np.ndarray | pd.DatetimeIndex | None:
    """One column as the cell-by-cell reader tidies it, or None for a type it gives otherwise."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_null(kind):
        return np.full(len(array), None, dtype=object)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = array.to_numpy(zero_copy_only=False)
        values[values == ""] = None  # blank text reads as a blank cell
        return values
    if pa.types.is_boolean(kind):
        return array.to_numpy(zero_copy_only=False).astype(object)
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        numeric = array.cast(pa.float64()).to_numpy(zero_copy_only=False)  # nulls become NaN
        missing = np.isnan(numeric)
        whole = ~missing & (numeric == np.round(numeric)) & (np.abs(numeric) < 2**53)
        values = numeric.astype(object)
        values[whole] = numeric[whole].astype(np.int64).astype(object)
        values[missing] = None
        return values
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        moments = array.cast(pa.timestamp("ms")).to_numpy(zero_copy_only=False)
        present = moments[~np.isnat(moments)]
        if len(present) and (present.min() < _FIRST or present.max() > _LAST):
            return None
        return pd.DatetimeIndex(moments).as_unit("us")
    return None  # durations and anything newer


def _blank(value) -> bool:
    return value is None or value is pd.NaT or value == ""


def _trimmed(header: list[str], columns: list) -> pd.DataFrame | None:
    """Trailing blank rows and columns dropped, blank headers named ``columnN``, as cell by cell.
    A column's blanks are looked at only where needed: a blank header, a blank last row."""
    height = len(columns[0]) if columns else 0
    width = 0
    for i, name in enumerate(header):
        if name != "" or not all(map(_blank, columns[i])):
            width = i + 1
    if not width:
        return None  # an empty sheet: the cell-by-cell reader says so
    rows = height
    if rows and all(_blank(columns[i][rows - 1]) for i in range(width)):
        filled = np.zeros(height, dtype=bool)
        for column in columns[:width]:
            filled |= ~np.asarray(pd.isna(column))
        rows = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    index = pd.RangeIndex(rows)
    frame = pd.DataFrame(
        {i: pd.Series(column[:rows], index=index, copy=False,
                      dtype=None if isinstance(column, pd.DatetimeIndex) else object)
         for i, column in enumerate(columns[:width])},
        index=index, copy=False,
    )
    frame.columns = [name.strip() or f"column{i + 1}" for i, name in enumerate(header[:width])]
    return frame
