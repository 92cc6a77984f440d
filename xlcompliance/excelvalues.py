"""Excel values in, Excel values out: the conversions every xlwings runtime needs.

Values reach a custom function differently per runtime. The classic add-in (COM) delivers
``datetime`` objects and ``None`` for blanks; Office.js runtimes (xlwings Lite, xlwings Server)
deliver serial numbers, ``""`` for blanks, and error cells as ``"#N/A"`` text (with
``err_to_str``) or as ``{"type": "Error", ...}`` objects. A cell arrives as a scalar, a column as
a flat list (classic) or a list of one-item rows (``ndim=2``, Office.js), a block as a list of
rows. This module turns all of them into flat columns for the engine, and the engine's answers
back into one value or one spilled column.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import numpy as np
import pandas as pd

from .parsing import ExcelError, parse_datetimes

ERROR_TEXT = "#VALUE!"
_XL_ERR_VALUE = -2146826273  # 0x800A07DF: the COM scode of CVErr(xlErrValue)


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
    if isinstance(value, np.generic):
        return value.item()
    return value


def _rows(value) -> list[list] | None:
    """A block as a list of rows, or None when ``value`` is a single cell."""
    if isinstance(value, (pd.DataFrame,)):
        return value.astype(object).values.tolist()
    if isinstance(value, pd.Series):
        return [[v] for v in value.astype(object).tolist()]
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return None
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return None
    if value and all(isinstance(r, (list, tuple, np.ndarray)) for r in value):
        return [list(r) for r in value]
    return [[v] for v in value]  # classic: a single column or row comes as a flat list


def column(value, field: str) -> tuple[list, bool]:
    """A cell or a one-column (or one-row) range as a flat list of clean values.

    Returns:
        ``(values, is_range)``; a 1 x 1 range counts as a single cell.

    Raises:
        ValueError: a block wider and taller than one cell.
    """
    rows = _rows(value)
    if rows is None:
        return [clean(value)], False
    if not rows:
        return [], True
    width = max(len(r) for r in rows)
    if width == 1:
        values = [r[0] if r else None for r in rows]
    elif len(rows) == 1:
        values = list(rows[0])  # a row of cells reads like a column
    else:
        raise ValueError(f"{field}: expected one column of cells, got {len(rows)} x {width}")
    values = [clean(v) for v in values]
    return values, len(values) != 1


def table(value) -> list[list]:
    """A block as rows of clean values (a single cell is a 1 x 1 block)."""
    rows = _rows(value)
    if rows is None:
        rows = [[value]]
    width = max((len(r) for r in rows), default=0)
    return [[clean(v) for v in r] + [None] * (width - len(r)) for r in rows]


def broadcast(columns: dict[str, list]) -> int:
    """Common length of the given columns; length-1 columns are repeated in place.

    Raises:
        ValueError: two columns of different lengths (neither of length 1).
    """
    lengths = {name: len(v) for name, v in columns.items()}
    n = max([1] + [k for k in lengths.values() if k != 1])
    for name, values in columns.items():
        if len(values) == 1 and n != 1:
            columns[name] = values * n
        elif len(values) != n:
            longest = max(lengths, key=lengths.get)
            raise ValueError(
                f"{name} has {len(values)} rows but {longest} has {lengths[longest]}; "
                "give columns of the same length (or single cells)"
            )
    return n


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


def datetimes(values, field: str, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse a flat list of clean cells to ``datetime64[us]`` plus error texts."""
    return parse_datetimes(pd.Series(values, dtype=object), field, tz)


def shaped(values: list, is_range: bool, width: int = 1):
    """One value for a single cell, else a spilled column (a list of one-item rows).

    With ``width > 1`` each value is already a row of ``width`` cells.
    """
    if width > 1:
        return [list(v) for v in values] if is_range else list(values[0])
    if is_range:
        return [[v] for v in values]
    return values[0] if values else ""
