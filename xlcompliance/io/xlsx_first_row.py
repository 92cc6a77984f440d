"""What an xlsx sheet's first stored row holds, read from the start of its XML without the rest.

The Arrow reader (:mod:`.xlsx_arrow`) takes the first row of a sheet's used range as the header
and names columns from it; its names cannot say whether the sheet starts on row 1 (rows above
would be lost) or whether a header cell was a number or a date (they would change). Reading the
sheet part only up to its first ``<row>`` answers both in milliseconds, whatever the sheet's size.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from defusedxml.ElementTree import fromstring, iterparse

_TEXT_TYPES = ("s", "inlineStr", "str")  # shared string, inline string, a formula's text result
MAX_PEEK = 16 << 20  # a header row is a few KiB; past this the sheet is read cell by cell


class _Bounded:
    """A file's first ``limit`` bytes (then end of file: the parser fails, the peek says no)."""

    def __init__(self, fh, limit: int):
        self.fh, self.left = fh, limit

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.fh.read(size)
        self.left -= len(data)
        return data


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the sheet named ``sheet`` (workbook.xml names it, its rels place it)."""
    rid = None
    for el in fromstring(zf.read("xl/workbook.xml")).iter():
        if _local(el.tag) == "sheet" and el.get("name") == sheet:
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            break
    if rid is None or "xl/_rels/workbook.xml.rels" not in zf.namelist():
        return None
    for el in fromstring(zf.read("xl/_rels/workbook.xml.rels")).iter():
        if _local(el.tag) == "Relationship" and el.get("Id") == rid:
            target = el.get("Target") or ""
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            return part if part in zf.namelist() else None
    return None


def _has_value(cell) -> bool:
    for child in cell:
        if _local(child.tag) == "v" and child.text:
            return True
        if _local(child.tag) == "is" and "".join(child.itertext()):
            return True
    return False


def starts_with_text_header(path: Path, sheet: str) -> bool:
    """True when the sheet's first stored row is row 1 and holds at least two values, all text.

    False (the caller then reads the sheet cell by cell) for a sheet starting lower down, a
    one-cell title row, a header with a number, date, boolean or error, or anything unexpected.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet)
            if part is None:
                return False
            with zf.open(part) as fh:
                for _, el in iterparse(_Bounded(fh, MAX_PEEK), events=("end",)):
                    tag = _local(el.tag)
                    if tag == "sheetData":
                        return False  # no rows at all
                    if tag != "row":
                        continue
                    if el.get("r", "1") != "1":
                        return False
                    values = [c for c in el if _local(c.tag) == "c" and _has_value(c)]
                    return len(values) >= 2 and all(c.get("t") in _TEXT_TYPES for c in values)
    except Exception:  # a malformed part: the cell-by-cell reader reports it
        return False
    return False
