"""Excel values in, Excel values out: the conversions every xlwings runtime needs.

Values reach a custom function differently per runtime. The classic add-in (COM) delivers
``datetime`` objects and ``None`` for blanks; Office.js runtimes (xlwings Lite, xlwings Server)
deliver serial numbers, ``""`` for blanks, and error cells as ``"#N/A"`` text (with
``err_to_str``) or as ``{"type": "Error", ...}`` objects. A cell arrives as a scalar, a column as
a flat list (classic) or a list of one-item rows (``ndim=2``, Office.js), a block as a list of
rows. This module turns all of them into flat columns for the engine, and the engine's answers
back into one value or one spilled column.

Columns are converted whole: cells are classified by their type with numpy masks, so the common
cells (numbers, naive datetimes, text, blanks) cost no Python work per cell; only odd cells
(rich values, numpy scalars, Timestamps ...) are cleaned one by one.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from contextlib import contextmanager
from itertools import chain, repeat
from operator import attrgetter

import numpy as np
import pandas as pd

from ..core.parsing import ExcelError, parse_datetimes

ERROR_TEXT = "#VALUE!"
_XL_ERR_VALUE = -2146826273  # 0x800A07DF: the COM scode of CVErr(xlErrValue)
_NONE = type(None)
_FLOAT_MAX = float(np.finfo(float).max)
_MAX_DATETIME = np.datetime64("9999-12-31T23:59:59.999999", "us")
_MIN_DATETIME = np.datetime64("0001-01-01T00:00:00", "us")


def clean(value):
    """One cell as the engine reads it: blanks -> None, error objects -> ``ExcelError``."""
    if value is None or value is pd.NaT or value is pd.NA or type(value).__name__ == "JsNull":
        return None
    if isinstance(value, dict):  # Office.js rich values
        if value.get("type") == "Error":
            return ExcelError(str(value.get("basicValue") or value.get("errorType") or ERROR_TEXT))
        return clean(value.get("basicValue"))
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (float, np.floating)) and value != value:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _FLOAT_MAX:
        return float("inf") if value > 0 else float("-inf")  # Excel numbers are doubles
    if isinstance(value, np.generic):
        return value.item()
    return value


# Cell kinds: the exact Python type of a cell, as a small integer (anything else is ODD).
NONE, FLOAT, INT, STR, DATETIME_CELL, BOOL, ODD = range(7)
_KIND_OF_TYPE = {_NONE: NONE, float: FLOAT, int: INT, str: STR, dt.datetime: DATETIME_CELL, bool: BOOL}


def kinds(values: np.ndarray) -> np.ndarray:
    """The kind of every cell of an object array (same shape), without Python work per cell."""
    flat = values.ravel()
    codes = map(_KIND_OF_TYPE.get, map(type, flat), repeat(ODD))
    return np.fromiter(codes, dtype=np.int8, count=len(flat)).reshape(values.shape)


def clean_cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clean` applied to a whole object array, vectorised for the common cell kinds.

    Returns:
        ``(clean values, their kinds)``, both of the shape of ``values``.
    """
    flat = values.ravel()
    out = flat.copy()
    kind = kinds(flat)
    floats = np.flatnonzero(kind == FLOAT)
    if len(floats):
        nan = floats[np.isnan(flat[floats].astype(float))]
        out[nan] = None
        kind[nan] = NONE
    texts = np.flatnonzero(kind == STR)
    if len(texts):
        sub = flat[texts]
        blank = texts[(sub == "") | np.fromiter(map(str.isspace, sub), dtype=bool, count=len(sub))]
        out[blank] = None
        kind[blank] = NONE
    odd = kind == ODD
    ints = np.flatnonzero(kind == INT)
    if len(ints):
        try:
            flat[ints].astype(float)
        except OverflowError:  # beyond a double: clean() makes it infinite, as Excel would
            odd[ints] = True
    idx = np.flatnonzero(odd)
    if len(idx):
        out[idx] = _object_array(map(clean, flat[idx]), len(idx))
        kind[idx] = kinds(out[idx])
    return out.reshape(values.shape), kind.reshape(values.shape)


def _object_array(items, count: int) -> np.ndarray:
    """A 1-D object array of exactly these items (items that are sequences stay whole)."""
    return np.fromiter(items, dtype=object, count=count)


def cells(value) -> np.ndarray | None:
    """A block as a 2-D object array of raw cells, or None when ``value`` is a single cell."""
    if isinstance(value, pd.DataFrame):
        return value.astype(object).to_numpy()
    if isinstance(value, pd.Series):
        return value.astype(object).to_numpy().reshape(-1, 1)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return None
        if value.ndim == 1:
            return value.astype(object).reshape(-1, 1)
        return value.astype(object).reshape(len(value), -1)
    if not isinstance(value, (list, tuple)):
        return None
    if not value:
        return np.empty((0, 0), dtype=object)
    row_types = set(map(type, value))
    if row_types <= {list, tuple}:
        widths = set(map(len, value))
        if len(widths) == 1:  # the usual block: rows of equal width
            width = widths.pop()
            return _object_array(chain.from_iterable(value), len(value) * width).reshape(-1, width)
    if all(isinstance(r, (list, tuple, np.ndarray)) for r in value):  # ragged rows: pad
        rows = [list(r) for r in value]
        width = max(map(len, rows))
        padded = chain.from_iterable(r + [None] * (width - len(r)) for r in rows)
        return _object_array(padded, len(rows) * width).reshape(-1, width)
    return _object_array(value, len(value)).reshape(-1, 1)  # classic: a flat list is a column


def column(value, field: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """A cell or a one-column (or one-row) range as a flat object array of clean values.

    Returns:
        ``(values, their kinds, is_range)``; a 1 x 1 range counts as a single cell.

    Raises:
        ValueError: a block wider and taller than one cell.
    """
    block = cells(value)
    if block is None:
        values = _object_array([clean(value)], 1)
        return values, kinds(values), False
    rows, width = block.shape
    if rows == 0 or width == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int8), True
    if width == 1:
        values = block[:, 0]
    elif rows == 1:
        values = block[0]  # a row of cells reads like a column
    else:
        raise ValueError(f"{field}: expected one column of cells, got {rows} x {width}")
    values, kind = clean_cells(np.ascontiguousarray(values))
    return values, kind, len(values) != 1


def table(value) -> tuple[np.ndarray, np.ndarray]:
    """A block as a 2-D object array of clean values and their kinds (a cell is a 1 x 1 block)."""
    block = cells(value)
    if block is None:
        block = _object_array([value], 1).reshape(1, 1)
    return clean_cells(block)


def broadcast(columns: dict[str, np.ndarray | list]) -> int:
    """Common length of the given columns; length-1 columns are repeated in place.

    Raises:
        ValueError: two columns of different lengths (neither of length 1).
    """
    lengths = {name: len(v) for name, v in columns.items()}
    n = max([1] + [k for k in lengths.values() if k != 1])
    for name, values in columns.items():
        if len(values) == 1 and n != 1:
            columns[name] = np.repeat(values, n) if isinstance(values, np.ndarray) else values * n
        elif len(values) != n:
            longest = max(lengths, key=lengths.get)
            raise ValueError(
                f"{name} has {len(values)} rows but {longest} has {lengths[longest]}; "
                "give columns of the same length (or single cells)"
            )
    return n


# --- typed columns for the engine ----------------------------------------------------------------

DATETIME, COUNT, CHOICE, LABEL = "datetime", "count", "choice", "label"


def typed(values: np.ndarray, kind: str, cell_kinds: np.ndarray | None = None) -> tuple[pd.Series, np.ndarray]:
    """A clean column as the engine's fast paths read it, plus the mask of odd cells.

    ``DATETIME`` columns become ``datetime64[us]`` (serials converted by the engine's own serial
    path), ``COUNT`` columns ``float64``, ``LABEL`` columns (shop names) a categorical of the
    stripped names; ``CHOICE`` columns stay objects. Odd cells (text in a date column, error
    values, aware datetimes, serials out of range ...) are flagged; their slots in the typed
    column are blank, so the caller gives those rows to the engine as they are (and the engine
    words the error).
    """
    kind_of = kinds(values) if cell_kinds is None else cell_kinds
    blank = kind_of == NONE
    if kind == CHOICE:
        return pd.Series(values, dtype=object), ~blank & (kind_of != STR)
    if kind == LABEL:  # categorical of the stripped names: one strip per distinct name
        odd = ~blank & (kind_of != STR)
        codes, uniques = pd.factorize(np.where(odd, None, values), use_na_sentinel=True)
        renumber, names = pd.factorize(_object_array((u.strip() for u in uniques), len(uniques)))
        codes = np.where(codes < 0, -1, np.append(renumber, -1)[codes])
        return pd.Series(pd.Categorical.from_codes(codes, categories=names)), odd
    number = (kind_of == FLOAT) | (kind_of == INT)
    if kind == COUNT:
        out = np.full(len(values), np.nan)
        out[number] = values[number].astype(float)
        return pd.Series(out, dtype=float), ~blank & ~number
    # DATETIME: serials through the engine's serial path (blanks left out), naive datetimes in C
    out = np.full(len(values), np.datetime64("NaT", "us"))
    ok = np.zeros(len(values), dtype=bool)
    idx = np.flatnonzero(number)
    if len(idx):
        parsed, errors = parse_datetimes(values[idx].astype(float), "serial")
        fine = pd.isna(errors)
        out[idx[fine]] = parsed[fine]
        ok[idx[fine]] = True  # serials out of Excel's range are odd: the engine words the error
    idx = np.flatnonzero(kind_of == DATETIME_CELL)
    if len(idx):
        zones = values[idx].tolist()
        if set(map(attrgetter("tzinfo"), zones)) != {None}:  # aware datetimes take the engine's path
            idx = idx[[v.tzinfo is None for v in zones]]
        out[idx] = pd.to_datetime(values[idx]).to_numpy(dtype="datetime64[us]")
        ok[idx] = True
    return pd.Series(out, dtype="datetime64[us]"), ~blank & ~ok


def datetimes(values, field: str, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse a flat column of cells to ``datetime64[us]`` plus error texts.

    Typed cells go through the engine's vectorised paths; only odd cells are parsed one by one.
    """
    values = _object_array(values, len(values))
    values, cell_kinds = clean_cells(values)
    series, odd = typed(values, DATETIME, cell_kinds)
    out, errors = parse_datetimes(series, field, tz)
    if odd.any():
        out = out.copy()
        out[odd], errors[odd] = parse_datetimes(pd.Series(values[odd], dtype=object), field, tz)
    return out, errors


# --- answers back to Excel -------------------------------------------------------------------------


def error_value():
    """The Excel error ``#VALUE!`` in the form the running xlwings runtime returns.

    Office.js runtimes turn the text ``#VALUE!`` into the error; the classic add-in on Windows
    needs a COM ``VT_ERROR`` variant (text would show as text).
    """
    if sys.platform == "win32" and os.environ.get("XLWINGS_ON_SERVER") != "true":
        try:
            import pythoncom
            import win32com.client

            return win32com.client.VARIANT(pythoncom.VT_ERROR, _XL_ERR_VALUE)
        except ImportError:  # pragma: no cover - classic xlwings always has pywin32
            pass
    return ERROR_TEXT


def is_error_value(value) -> bool:
    """Whether ``value`` is what :func:`error_value` returns."""
    return value == ERROR_TEXT or getattr(value, "value", None) == _XL_ERR_VALUE


def to_datetime(value) -> dt.datetime | None:
    """A ``datetime64`` / Timestamp as a naive ``datetime`` (None for NaT)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def datetime_cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``datetime64`` values as ``datetime`` objects (None for NaT), in one numpy step.

    Returns:
        ``(object array, mask of values no Excel date can hold)``: years outside 1..9999.
    """
    us = np.asarray(values).astype("datetime64[us]")
    known = ~np.isnat(us)
    outside = known & ((us < _MIN_DATETIME) | (us > _MAX_DATETIME))
    out = np.where(outside, np.datetime64("NaT", "us"), us).astype(object)
    return out, outside


def answers(values: np.ndarray, blank: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Per cell: blank -> ``""``, bad -> the error value, else the value (object array)."""
    out = np.asarray(values, dtype=object).copy()
    out[bad] = error_value()
    out[blank] = ""
    return out


@contextmanager
def _gc_paused():
    """Build many small lists without the cyclic GC scanning the heap each few hundred of them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def shaped(values, is_range: bool, width: int = 1):
    """One value for a single cell, else a spilled column (a list of one-item rows).

    With ``width > 1`` each value is already a row of ``width`` cells.
    """
    if width > 1:
        return [list(v) for v in values] if is_range else list(values[0])
    if is_range:
        with _gc_paused():
            return np.asarray(values, dtype=object).reshape(-1, 1).tolist()
    return values[0] if len(values) else ""
