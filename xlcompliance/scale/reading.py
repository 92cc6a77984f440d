"""An order export split over many files (Parquet or CSV) as one Dask DataFrame.

One partition per file, read only when computed; a file that cannot be read fails the run with
an error naming it. Parquet files are read column by column, so the order-id check reads only
the id column; CSV files are read like single exports (headers found, values as text).
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import dask.dataframe as dd
import pandas as pd

from ..core.headers import InputFileError
from ..io.reading import read_table

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".txt": "csv", ".tsv": "csv"}


def dataset_files(source) -> list[Path]:
    """The files of a dataset: a folder (searched below; hidden and ``_`` files skipped), a glob
    pattern, or one file. Sorted by path (numbers by value), which is the row order of the dataset."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS]
        found = [p for p in found if not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)]
        where = f"folder {path}"
    elif glob.has_magic(text):
        found = [Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file()]
        where = f"pattern {text!r}"
    elif path.is_file():
        found, where = [path], str(path)
    else:
        raise InputFileError(f"{path}: no such file or folder")
    if not found:
        raise InputFileError(f"{where}: no Parquet or CSV files")
    kinds = {FORMATS.get(p.suffix.lower()) for p in found}
    if None in kinds:
        bad = next(p for p in found if p.suffix.lower() not in FORMATS)
        raise InputFileError(f"{bad}: unsupported file type; use .parquet or .csv")
    if len(kinds) > 1:
        raise InputFileError(f"{where}: mixes Parquet and CSV files; give one kind")
    return sorted(found, key=_natural_key)


def _natural_key(path: Path):
    """Path order with numbers compared by value: part.2 before part.10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(path))]


class FileReader:
    """Reads one file of the dataset as a partition, or only some of its columns (Dask projects
    columns through the ``columns`` keyword)."""

    def __init__(self, kind: str, *, encoding: str | None = None, headers: dict | None = None):
        self.kind, self.encoding, self.headers = kind, encoding, headers

    def __call__(self, path, columns=None) -> pd.DataFrame:
        try:
            if self.kind == "parquet":
                frame = pd.read_parquet(path, columns=None if columns is None else list(columns))
            else:
                frame = read_table(path, kind="orders", encoding=self.encoding, headers=self.headers)
        except InputFileError as exc:
            raise InputFileError(f"{path}: {exc}") from None
        except Exception as exc:  # noqa: BLE001  (any failure of the file: say which file)
            raise InputFileError(
                f"{path}: cannot be read as {self.kind.upper()} ({type(exc).__name__}: {exc})"
            ) from None
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise InputFileError(f"{path}: has no column(s) {', '.join(map(str, missing))}")
            frame = frame[list(columns)]
        return frame


def read_orders(source, *, encoding: str | None = None, headers: dict | None = None) -> dd.DataFrame:
    """A folder, glob or file of order exports as a lazy Dask DataFrame (one partition a file).

    The column layout is taken from the first file, which is read now.
    """
    files = dataset_files(source)
    reader = FileReader(FORMATS[files[0].suffix.lower()], encoding=encoding, headers=headers)
    meta = reader(files[0]).iloc[:0]
    return dd.from_map(reader, [str(f) for f in files], meta=meta, label="read-orders", enforce_metadata=False)


__all__ = ["FileReader", "dataset_files", "read_orders"]
