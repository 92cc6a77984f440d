"""What a file really is, from its first bytes, whatever its name says.

Seller-centre downloads named ``.xls`` are often an HTML table or CSV text; an ``.xlsx`` that
starts like an old workbook is usually password-protected. Readers dispatch on this, not on the
suffix, and name the real format when they cannot read it.
"""

from __future__ import annotations

from pathlib import Path

XLSX, XLS, PARQUET, HTML, SPREADSHEET_XML, TEXT, PDF, UNKNOWN = (
    "xlsx", "xls", "parquet", "html", "spreadsheet-xml", "text", "pdf", "unknown",
)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
DESCRIPTIONS = {
    XLSX: "an xlsx workbook",
    XLS: "a legacy .xls (BIFF) workbook",
    PARQUET: "a Parquet file",
    HTML: "an HTML page (a web table saved with a spreadsheet name)",
    SPREADSHEET_XML: "an Excel 2003 XML spreadsheet",
    TEXT: "text (CSV)",
    PDF: "a PDF document",
    UNKNOWN: "not a spreadsheet, CSV or Parquet file",
}


def sniff(path: Path) -> str:
    """The file's real format (one of the constants above) from its first 4 KiB."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return XLS
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.startswith(b"%PDF"):
        return PDF
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            text = text[len(bom):]
            break
    lowered = text.lstrip().lower().replace(b"\x00", b"")  # UTF-16 text: drop the zero bytes
    if lowered.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return SPREADSHEET_XML
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<?xml")) or (
        lowered.startswith(b"<") and b"<table" in lowered
    ):
        return HTML
    if b"\x00" in text and not head.startswith(_BOMS[1:]):
        return UNKNOWN
    return TEXT
