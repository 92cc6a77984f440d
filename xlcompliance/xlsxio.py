"""Bounded xlsx reading and safe writing (temporary file, then rename).

Reading checks the zip before openpyxl inflates it, so a decompression bomb is refused instead
of exhausting memory. Writing never leaves a half-written file and never replaces an existing
one unless asked.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB of XML is far beyond any real order export
MAX_RATIO = 200  # real xlsx parts compress ~5-20x; bombs compress thousands of times


class OutputExistsError(FileExistsError):
    """The output file exists and ``force`` was not given."""


def check_zip(path: Path) -> None:
    """Refuse files that are not xlsx zips, are password-protected, or inflate absurdly."""
    from .tables import InputFileError

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

    from .tables import InputFileError

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


def check_target(path, *, force: bool = False, inputs=()) -> Path:
    """Refuse an output that is an input (always), a folder, or an existing file unless ``force``."""
    path = Path(path)
    target = path.resolve()
    for src in inputs:
        if src is None:
            continue
        same = Path(src).resolve() == target
        if not same and path.exists() and Path(src).exists():
            same = os.path.samefile(src, path)  # a hard link to an input is that input
        if same:
            raise OutputExistsError(f"{path}: refusing to write over an input file")
    if path.is_dir():
        raise OutputExistsError(f"{path}: is a folder; give a file name")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists (use --force to replace it)")
    parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputExistsError(f"{path}: {parent} is a file, not a folder")
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write: Callable[[Path], None], *, force: bool = False, inputs=()) -> Path:
    """Write via ``write(tmp_path)`` into a temporary file beside ``path``, then rename.

    Args:
        path: the final output.
        write: writes the whole output to the path it is given.
        force: replace an existing output.
        inputs: input files; writing over any of them is always refused.
    """
    path = check_target(path, force=force, inputs=inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file private (0600): give the output the mode a new file would get (or
    # the replaced file's), so colleagues who could read the old report can read the new one
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
