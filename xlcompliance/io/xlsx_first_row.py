"""What an xlsx sheet's first rows hold, read from the start of its XML without the rest.

The Arrow reader (:mod:`.xlsx_arrow`) takes the first row of a sheet's used range as the header
and names columns from it; its names cannot say whether the sheet starts on row 1 (rows above
would be lost) or whether a header cell was a number or a date (they would change). And a title
row above the real header makes that header's cells text above the numbers and dates below: a
mixed column, which Arrow refuses only after parsing the whole sheet. Reading the sheet part up
to its first hundred rows answers all three in milliseconds, whatever the sheet's size.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from defusedxml.ElementTree import fromstring, iterparse

_TEXT_TYPES = ("s", "inlineStr", "str")  # shared string, inline string, a formula's text result
MAX_PEEK = 16 << 20  # the first rows are a few KiB; past this the sheet is read cell by cell
PEEK_ROWS = 100


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


def sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
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


def _kinds(row) -> dict[int, str]:
    """Column index -> ``text``, ``error`` (an Excel error cell) or ``other`` for the row's cells
    holding a value."""
    kinds, column = {}, -1
    for cell in row:
        if _local(cell.tag) != "c":
            continue
        ref = cell.get("r")
        column = column_index(ref) if ref else column + 1
        if _has_value(cell):
            kind = cell.get("t")
            kinds[column] = "text" if kind in _TEXT_TYPES else "error" if kind == "e" else "other"
    return kinds


def column_index(ref: str) -> int:
    index = 0
    for char in ref:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


def arrow_may_read(path: Path, sheet: str, rows: int = PEEK_ROWS) -> bool:
    """True when the sheet starts on row 1 with text only, and in the ``rows`` rows below no
    column holds both text and other values (a title row above the real header makes the
    header's column hold text above numbers or dates: cell by cell, without trying Arrow).

    False (the caller reads the sheet cell by cell) for a sheet starting lower down, a first
    row with a number, date, boolean or error, a mixed column, or anything unexpected.
    """
    seen: dict[int, str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            part = sheet_part(zf, sheet)
            if part is None:
                return False
            with zf.open(part) as fh:
                count = 0
                for _, el in iterparse(_Bounded(fh, MAX_PEEK), events=("end",)):
                    tag = _local(el.tag)
                    if tag == "sheetData":
                        return count > 0  # the whole sheet was looked at
                    if tag != "row":
                        continue
                    kinds, number = _kinds(el), el.get("r", "1")
                    el.clear()
                    if count == 0 and (number != "1" or not kinds
                                       or set(kinds.values()) != {"text"}):
                        return False
                    if count > 0:
                        for column, kind in kinds.items():  # an error fits any column
                            if kind != "error" and seen.setdefault(column, kind) != kind:
                                return False
                    count += 1
                    if count > rows:
                        return True
    except Exception:  # a malformed part: the cell-by-cell reader reports it
        return False
    return False
