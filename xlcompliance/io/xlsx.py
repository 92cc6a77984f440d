"""Bounded xlsx reading: the zip is checked before openpyxl inflates it.

A decompression bomb, a password-protected or a corrupt file is refused in one line instead of
exhausting memory or raising a library traceback.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from ..core.headers import InputFileError

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB of XML is far beyond any real order export
MAX_RATIO = 200  # real xlsx parts compress ~5-20x; bombs compress thousands of times


def check_zip(path: Path) -> None:
    """Refuse files that are not xlsx zips, are password-protected, or inflate absurdly."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
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
    except zipfile.BadZipFile:
        raise InputFileError(f"{path.name}: not a valid xlsx file (corrupt zip)") from None


def read_sheet(path, *, sheet: str | None = None, kind: str = "orders") -> pd.DataFrame:
    """One sheet as a frame of cell values (header = first row).

    The default sheet is the one named like ``kind`` (Orders, Penalties ...) if present, else
    the first sheet.
    """
    import openpyxl

    path = Path(path)
    check_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise InputFileError(f"{path.name}: cannot open workbook ({type(exc).__name__}: {exc})") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            wanted = {kind.lower(), kind.rstrip("s").lower()}
            sheet = next((n for n in names if n.strip().lower() in wanted), names[0])
        elif sheet not in names:
            raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
        try:  # read-only mode parses the sheet only now: a broken part fails here
            rows = list(wb[sheet].iter_rows(values_only=True))
        except Exception as exc:
            raise InputFileError(
                f"{path.name}: cannot read sheet {sheet!r} ({type(exc).__name__}: {exc})"
            ) from None
    finally:
        wb.close()
    rows = [r for r in rows]
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputFileError(f"{path.name}: sheet {sheet!r} is empty")
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    # the widest row, not the first: a title row above the real header is often one cell wide
    width = max(_filled_width(r) for r in rows)
    header = [h or f"column{i + 1}" for i, h in enumerate(header[:width] + [""] * (width - len(header)))]
    body = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _filled_width(row) -> int:
    """Cells up to and including the last non-blank one."""
    width = len(row)
    while width and (row[width - 1] is None or str(row[width - 1]).strip() == ""):
        width -= 1
    return width
