"""Header aliases: the column names of real exports mapped to canonical names (data, not code).

Exports name their columns in English or Chinese (订单号, 付款时间, 上网时间 ...). The alias table
in ``data/headers.toml`` maps them to canonical names; users add their own with
:func:`load_headers(path)`.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

KINDS = ("orders", "penalties", "refunds", "holidays")


class InputFileError(ValueError):
    """A whole input file cannot be used (missing columns, unreadable, empty ...)."""


def _fold(text) -> str:
    """A header as compared: its first line (a header may carry a translation on the next line),
    full-width brackets as ASCII, without spaces, underscores or hyphens, lower case."""
    text = str(text).strip().split("\n", 1)[0].replace("（", "(").replace("）", ")")
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
