"""HTML tables saved with a spreadsheet name (many seller-centre ``.xls`` downloads are these).

Parsed with the standard library's HTML parser (no extra dependency; it tolerates the unclosed
tags these exports are full of). Every cell is read as its text, as a CSV would be (no number
guessing: order ids keep their digits and leading zeros). Of several tables, the one with the
most known headers is used.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from ..core.headers import InputFileError, header_map

_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def _decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    encodings = [declared.group(1).decode("ascii")] if declared else []
    for enc in encodings + ["utf-8-sig", "gb18030"]:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


class _Tables(HTMLParser):
    """Collects every table as rows of cell texts (``<br>`` inside a cell becomes a newline)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []  # nested tables
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append([])
        elif not self._stack:
            return
        elif tag == "tr":
            self._end_cell()
            self._stack[-1].append([])
        elif tag in ("td", "th"):
            self._end_cell()
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "table" and self._stack:
            self._end_cell()
            self.tables.append([r for r in self._stack.pop() if r])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self):
        if self._cell is not None and self._stack and self._stack[-1]:
            text = "".join(self._cell)
            lines = [" ".join(line.split()) for line in text.splitlines()]
            self._stack[-1][-1].append("\n".join(line for line in lines if line))
        self._cell = None


def read_html_table(path: Path, kind: str, headers: dict | None = None) -> pd.DataFrame:
    """The best table of an HTML file as text cells, the first row as header (the caller
    finds a header row further down)."""
    parser = _Tables()
    parser.feed(_decode(Path(path).read_bytes()))
    parser.close()
    tables = [t for t in parser.tables if t]
    if not tables:
        raise InputFileError(f"{path.name}: an HTML page (a web page saved as a spreadsheet) with no table in it")

    def known(rows):
        return max(len(header_map(r, kind, headers)) for r in rows[:20])

    rows = max(tables, key=lambda t: (known(t), len(t)))
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = [h or f"column{i + 1}" for i, h in enumerate(rows[0])]
    return pd.DataFrame(rows[1:], columns=header, dtype=object)
