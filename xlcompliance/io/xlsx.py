"""Bounded workbook reading (.xlsx and legacy .xls) with python-calamine.

The xlsx zip is checked before anything inflates it: a decompression bomb, a part that inflates
beyond its declared size, a password-protected or a corrupt file is refused in one line instead
of exhausting memory or raising a library traceback. Cells come back as Python values (text,
numbers, datetimes), blank cells as ``None``, whole numbers as ``int``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.headers import InputFileError

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB of XML is far beyond any real order export
MAX_RATIO = 200  # real xlsx parts compress ~5-20x; bombs compress thousands of times
MAX_XLS_BYTES = 256 << 20  # a BIFF file is not compressed: its size bounds what it holds
_CHUNK = 1 << 20
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
            _verify_declared_sizes(path, zf)
    except zipfile.BadZipFile as exc:
        raise InputFileError(f"{path.name}: not a valid xlsx file (corrupt zip: {exc})") from None


def _verify_declared_sizes(path: Path, zf: zipfile.ZipFile) -> None:
    """Inflate the XML parts once, in bounded chunks, stopping at each part's declared size:
    a part that inflates beyond what it declares fails its CRC here, before calamine (which
    trusts the stream) would inflate it whole."""
    for info in zf.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        try:
            with zf.open(info) as part:
                while part.read(_CHUNK):
                    pass
        except zipfile.BadZipFile as exc:
            raise InputFileError(f"{path.name}: refused, part {info.filename}: {exc}") from None
        except (OSError, EOFError, ValueError) as exc:
            raise InputFileError(f"{path.name}: not a valid xlsx file ({info.filename}: {exc})") from None


def _open_workbook(path: Path, fmt: str):
    import python_calamine as pc

    if fmt == "xlsx":
        check_zip(path)
    elif path.stat().st_size > MAX_XLS_BYTES:
        raise InputFileError(f"{path.name}: refused, {path.stat().st_size / 2**20:.0f} MiB exceeds the "
                             f"{MAX_XLS_BYTES / 2**20:.0f} MiB limit for .xls")
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


def read_sheet(path, *, sheet: str | None = None, kind: str = "orders", fmt: str = "xlsx") -> pd.DataFrame:
    """One sheet as a frame of cell values (header = first row; ``fmt`` is ``xlsx`` or ``xls``).

    The default sheet is the one named like ``kind`` (Orders, Penalties ...) if present, else
    the first sheet.
    """
    path = Path(path)
    wb = _open_workbook(path, fmt)
    try:
        names = list(wb.sheet_names)
        if not names:
            raise InputFileError(f"{path.name}: the workbook has no sheets")
        if sheet is None:
            wanted = {kind.lower(), kind.rstrip("s").lower()}
            sheet = next((n for n in names if n.strip().lower() in wanted), names[0])
        elif sheet not in names:
            raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
        try:
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputFileError(
                f"{path.name}: cannot read sheet {sheet!r} ({type(exc).__name__}: {exc})"
            ) from None
    finally:
        close = getattr(wb, "close", None)
        if close is not None:
            close()
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputFileError(f"{path.name}: sheet {sheet!r} is empty")
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    # the widest row, not the first: a title row above the real header is often one cell wide
    width = max(_filled_width(r) for r in rows)
    header = [h or f"column{i + 1}" for i, h in enumerate(header[:width] + [""] * (width - len(header)))]
    body = [r[:width] if len(r) >= width else list(r) + [""] * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=pd.RangeIndex(width), dtype=object)
    frame = pd.DataFrame({i: _tidy(frame[i]) for i in range(width)}, index=frame.index)
    frame.columns = header
    return frame


def _tidy(column: pd.Series) -> pd.Series:
    """Blank cells to ``None``; whole-number floats to ``int`` (Excel stores every number as a
    double: an order id 1001 must read as 1001, not 1001.0); date-only cells to datetimes."""
    values = column.to_numpy(dtype=object)
    blank = values == ""
    if blank.any():
        values = values.copy()
        values[blank] = None
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("floating", "mixed-integer-float", "integer"):
        numeric = np.array([v if isinstance(v, (int, float)) else np.nan for v in values], dtype=float)
        whole = np.isfinite(numeric) & (numeric == np.round(numeric)) & (np.abs(numeric) < 2**53)
        if whole.any():
            values = values.copy()
            values[whole] = [int(v) for v in numeric[whole]]
    elif inferred == "date":
        values = np.array([None if v is None else pd.Timestamp(v).to_pydatetime() for v in values], dtype=object)
    return pd.Series(values, index=column.index, dtype=object)


def _filled_width(row) -> int:
    """Cells up to and including the last non-blank one."""
    width = len(row)
    while width and (row[width - 1] is None or str(row[width - 1]).strip() == ""):
        width -= 1
    return width
