"""Real exports: header aliases (data) and reading CSV/xlsx into frames.

Exports name their columns in English or Chinese (订单号, 付款时间, 上网时间 ...). The alias table
in ``data/headers.toml`` maps them to the canonical names of SPEC; users add their own with
:func:`load_headers(path)`. Input files are only ever read.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = ("orders", "penalties", "refunds", "holidays")


class InputFileError(ValueError):
    """A whole input file cannot be used (missing columns, unreadable, empty ...)."""


def _fold(text) -> str:
    text = str(text).replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-]+", "", text).lower()


@lru_cache(maxsize=8)
def _load_headers_cached(path: str | None) -> dict:
    if path is None:
        text = resources.files("xlcompliance").joinpath("data/headers.toml").read_text("utf-8")
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise InputFileError(f"headers file {path}: cannot read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise InputFileError(f"headers file {path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"headers file {path}: not valid TOML: {exc}") from None


def load_headers(path: str | os.PathLike | None = None) -> dict:
    """The alias table; a user file's entries are added to the bundled ones."""
    base = _load_headers_cached(None)
    if path is None:
        return base
    extra = _load_headers_cached(str(path))
    merged = {k: {c: list(v) for c, v in t.items()} for k, t in base.items()}
    for kind, table in extra.items():
        if kind not in merged:
            raise InputFileError(f"headers file {path}: unknown section [{kind}]")
        for canonical, aliases in table.items():
            if canonical not in merged[kind]:
                raise InputFileError(f"headers file {path}: unknown column {kind}.{canonical}")
            merged[kind][canonical] += list(aliases)
    return merged


def header_map(columns, kind: str, headers: dict | None = None) -> dict[str, list]:
    """Canonical name -> the frame's columns that mean it (canonical spelling first)."""
    table = (headers or load_headers())[kind]
    lookup = {}
    for canonical, aliases in table.items():
        lookup.setdefault(_fold(canonical), canonical)
        for alias in aliases:
            lookup.setdefault(_fold(alias), canonical)
    found: dict[str, list] = {}
    for col in columns:
        canonical = lookup.get(_fold(col))
        if canonical is not None:
            found.setdefault(canonical, []).append(col)
    for canonical, cols in found.items():
        cols.sort(key=lambda c: _fold(c) != _fold(canonical))
    return found


def canonical_series(frame: pd.DataFrame, kind: str, headers: dict | None = None) -> dict[str, pd.Series]:
    """Canonical name -> one column; several alias columns merge row by row (first non-blank)."""
    out = {}
    for canonical, cols in header_map(frame.columns, kind, headers).items():
        series = frame[cols[0]]
        if isinstance(series, pd.DataFrame):  # duplicated header
            series = series.iloc[:, 0]
        for col in cols[1:]:
            other = frame[col]
            if isinstance(other, pd.DataFrame):
                other = other.iloc[:, 0]
            blank = series.isna() | (series.astype(str).str.strip() == "")
            if blank.any():
                series = series.astype(object).where(~blank, other.astype(object))
        out[canonical] = series
    return out


def canonical_columns(frame: pd.DataFrame, kind: str, headers: dict | None = None) -> pd.DataFrame:
    """A frame with canonical column names (unknown columns kept as they are)."""
    series = canonical_series(frame, kind, headers)
    used = {c for cols in header_map(frame.columns, kind, headers).values() for c in cols}
    data = {name: s for name, s in series.items()}
    for col in frame.columns:
        if col not in used and col not in data:
            data[col] = frame[col]
    return pd.DataFrame(data, index=frame.index)


def require(frame_or_columns, required, kind: str, headers: dict | None = None) -> None:
    """Raise :class:`InputFileError` naming missing required columns and the headers found."""
    columns = list(getattr(frame_or_columns, "columns", frame_or_columns))
    found = header_map(columns, kind, headers)
    missing = [c for c in required if c not in found]
    if missing:
        shown = ", ".join(str(c) for c in columns[:20]) or "(none)"
        raise InputFileError(
            f"{kind}: missing required column(s) {', '.join(missing)}; headers found: {shown}"
        )


# --- reading files --------------------------------------------------------------------------

_ENCODINGS = ("utf-8-sig", "gb18030")


def _header_line(path: Path, encoding: str, kind: str, headers: dict | None) -> int:
    """Index of the first of the first 20 lines that holds at least two known headers (else 0)."""
    import csv
    import itertools

    with open(path, encoding=encoding, newline="") as fh:
        for i, row in enumerate(itertools.islice(csv.reader(fh), 20)):
            if len(header_map(row, kind, headers)) >= 2:
                return i
    return 0


def _read_csv(path: Path, encoding: str | None, kind: str, headers: dict | None) -> pd.DataFrame:
    encodings = (encoding,) if encoding else _ENCODINGS
    last = None
    for enc in encodings:
        try:
            skip = _header_line(path, enc, kind, headers)
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc, skiprows=skip)
        except UnicodeDecodeError as exc:
            last = exc
        except LookupError:
            raise InputFileError(f"{path.name}: unknown encoding {enc!r}") from None
        except pd.errors.EmptyDataError:
            raise InputFileError(f"{path.name}: the file is empty") from None
        except pd.errors.ParserError as exc:
            raise InputFileError(f"{path.name}: not a readable CSV ({exc})") from None
    raise InputFileError(f"{path.name}: cannot decode as {' or '.join(encodings)} ({last.reason})")


def _read_xlsx(path: Path, sheet: str | None, kind: str) -> pd.DataFrame:
    from .xlsxio import read_sheet

    return read_sheet(path, sheet=sheet, kind=kind)


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
    """Read a CSV or xlsx export as given (values as text/cells; no column renamed).

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
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path, sheet, kind)
    elif suffix in (".csv", ".txt", ".tsv"):
        frame = _read_csv(path, encoding, kind, headers)
    else:
        raise InputFileError(f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv or .xlsx")
    frame = _find_header_row(frame, kind, headers)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _without_trailing_blank_rows(frame)
    if frame.empty and not len(frame.columns):
        raise InputFileError(f"{path.name}: the file is empty")
    return frame
