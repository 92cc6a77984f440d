"""CSV through Arrow: a plain export read by pyarrow's multi-threaded reader, and a result written
as bytes built column by column in Arrow, byte-identical to :func:`.outputs.write_csv`'s text.

Both are fast paths with the same results as the pandas / Python paths they stand in for, and
both step aside (return None or False) for what they do not handle: pyarrow absent, a title row
above the header, another encoding than UTF-8, blank or repeated header names, a single column,
ragged rows, or a column of values they cannot spell exactly as ``str()`` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def available() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


# --- reading --------------------------------------------------------------------------------


def read_plain_csv(path: Path, encoding: str, header: list[str]) -> pd.DataFrame | None:
    """Every cell as text, as ``pd.read_csv(dtype=str, keep_default_na=False)`` reads it, or None
    when this file needs the pandas reader (see the module docstring)."""
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "utf8") or not available():
        return None
    if len(header) < 2 or any(not name for name in header) or len(set(header)) != len(header):
        return None  # pandas names these "Unnamed: i" / "name.1"; it skips a one-column file's space-only lines
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:  # large_string, what pandas' Arrow-backed text holds: no cast when handed over
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=True, block_size=1 << 22),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.large_string() for name in header}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # ragged rows, invalid UTF-8 ...
        return None
    if table.column_names != header or any(t != pa.large_string() for t in table.schema.types):
        return None
    names, columns = table.column_names, table.columns
    del table  # the columns alone hold the blocks now, so each column's are freed once it is joined
    return pa.Table.from_arrays(_one_chunk_each(columns), names=names).to_pandas(split_blocks=True, self_destruct=True)


def _one_chunk_each(columns: list) -> list:
    """Each chunked column joined into one array, in place, column by column: at most one column is
    held twice at a time, never the whole table."""
    for i, column in enumerate(columns):
        columns[i] = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return columns


# --- writing --------------------------------------------------------------------------------

_ROWS_PER_CHUNK = 1 << 16
_SPECIAL_BYTES = (b",", b'"', b"\r", b"\n")  # bytes that make a cell need quotes


def write_csv_bytes(frame: pd.DataFrame, f) -> bool:
    """Write ``frame``'s rows (not the header) to the binary file ``f`` as CSV lines ending in
    CRLF; False, having written nothing, when some column cannot be spelled here.

    Rows are built and written a chunk at a time: a category column (the explanations) is
    spelled per chunk from its few texts, so no column's million cells nor the whole output are
    ever held at once.
    """
    if len(frame.columns) < 2 or not available():
        return False
    columns = []
    for i in range(frame.shape[1]):
        cells = _cells(frame.iloc[:, i])
        if cells is None:
            return False
        columns.append(cells)
    columns[-1] = _ending_rows(columns[-1])

    def chunk_bytes(start: int) -> memoryview:
        lines = _lines([c.chunk(start, _ROWS_PER_CHUNK) for c in columns])
        _, offsets, data = lines.buffers()
        bounds = np.frombuffer(offsets, dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        return memoryview(data)[int(bounds[0]):int(bounds[-1])]

    starts = range(0, len(frame), _ROWS_PER_CHUNK)
    if len(starts) < 2:
        for start in starts:
            f.write(chunk_bytes(start))
        return True
    from concurrent.futures import ThreadPoolExecutor

    # Arrow builds chunks without the GIL: two threads build the next chunks while this one writes
    # (in order; at most a few chunks are in flight).
    with ThreadPoolExecutor(2) as pool:
        pending = [pool.submit(chunk_bytes, start) for start in starts[:3]]
        for start in starts[3:]:
            f.write(pending.pop(0).result())
            pending.append(pool.submit(chunk_bytes, start))
        for future in pending:
            f.write(future.result())
    return True


class _Spelled:
    """A column's cells as text, ready to be cut into chunks of large_string."""

    def __init__(self, cells):
        self.cells = cells

    def chunk(self, start: int, length: int):
        import pyarrow as pa

        part = self.cells.slice(start, length)
        return part if part.type == pa.large_string() else part.cast(pa.large_string())


class _Coded:
    """A column of a few distinct cells: each one's text once, and every row's code into them."""

    def __init__(self, texts, codes: np.ndarray):
        self.texts, self.codes = texts, codes

    def chunk(self, start: int, length: int):
        import pyarrow as pa

        return self.texts.take(pa.array(self.codes[start:start + length]))


class _Ended:
    """A column's cells, each followed by CRLF: the last column of a row."""

    def __init__(self, column):
        self.column = column

    def chunk(self, start: int, length: int):
        return _crlf_after(self.column.chunk(start, length))


def _crlf_after(cells):
    import pyarrow as pa
    import pyarrow.compute as pc

    empty, crlf = (pa.scalar(t, pa.large_string()) for t in ("", "\r\n"))
    return pc.binary_join_element_wise(cells, empty, crlf)


def _ending_rows(column):
    """The last column with CRLF after each cell; a coded one gets it once per distinct text."""
    if isinstance(column, _Coded):
        return _Coded(_crlf_after(column.texts), column.codes)
    return _Ended(column)


def _lines(part):
    """One chunk's rows: the cells joined by commas (the last column's cells end in CRLF)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*part, pa.scalar(",", pa.large_string()))


def _cells(s: pd.Series) -> _Spelled | _Coded | None:
    """A column's CSV cells (quoted where needed), or None (not handled here)."""
    import pyarrow as pa

    from ..core.arrowtext import arrow_text

    if isinstance(s.dtype, pd.CategoricalDtype):
        texts = [_cell_str(v) for v in s.cat.categories] + [""]
        codes = s.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(texts) - 1
        return _Coded(_quoted(pa.array(texts, type=pa.large_string())), codes)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        cells = _datetime_cells(s.to_numpy())
        return None if cells is None else _Spelled(cells)
    if isinstance(s.dtype, pd.BooleanDtype) or s.dtype == bool:
        values = s.to_numpy(dtype=object, na_value=None) if isinstance(s.dtype, pd.BooleanDtype) else s.to_numpy()
        codes = np.where(pd.isna(values), 2, np.where(values == True, 1, 0)).astype(np.int64)  # noqa: E712
        return _Coded(pa.array(["False", "True", ""], type=pa.large_string()), codes)
    if s.dtype == np.float64:
        return _float_cells(s.to_numpy())
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
        return _Spelled(pa.array(s.to_numpy()).cast(pa.large_string()))
    arrow = arrow_text(s)
    if arrow is None and s.dtype == object:
        try:
            arrow = pa.array(s.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the Python path spells it
            return None
    if arrow is None:
        return None
    if arrow.null_count:
        arrow = arrow.fill_null("")
    return _Spelled(_quoted(arrow))


def _cell_str(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _quoted(arr):
    """Cells holding a comma, quote, CR or LF quoted (quotes doubled), as the csv module does.

    The bytes are searched for each special byte (memchr speed) and looked at one by one only
    when one is there; only the cells that hold a hit are rewritten, in Python.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..core.arrowtext import TextBytes

    cells = TextBytes(arr)
    first, last = (int(cells.start[0]), int(cells.start[-1] + cells.length[-1])) if cells.n else (0, 0)
    body = cells.data[first:last]
    raw = body.tobytes()
    if not any(raw.find(byte) >= 0 for byte in _SPECIAL_BYTES):  # memchr scans: most columns have none
        return arr
    special = body == _SPECIAL_BYTES[0][0]  # compared byte by byte in SIMD (a table lookup is slower)
    for byte in _SPECIAL_BYTES[1:]:
        special |= body == byte[0]
    hits = np.flatnonzero(special) + first
    if not len(hits):
        return arr
    rows = np.unique(np.searchsorted(cells.start, hits, side="right") - 1)
    rows = rows[cells.length[rows] > 0]
    texts = ['"' + t.replace('"', '""') + '"' for t in arr.take(pa.array(rows)).to_pylist()]
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), pa.array(texts, type=arr.type))


def _float_cells(values: np.ndarray):
    """``str()`` of each float ("" for NaN), formatted once per distinct value."""
    import pyarrow as pa

    missing = np.isnan(values)
    distinct, inverse = np.unique(values[~missing], return_inverse=True)
    texts = [repr(float(v)) for v in distinct] + [""]
    codes = np.full(len(values), len(texts) - 1, dtype=np.int64)
    codes[~missing] = inverse
    return _Coded(pa.array(texts, type=pa.large_string()), codes)


_TEMPLATE = np.frombuffer(b"0000-00-00 00:00:00", dtype=np.uint8)
_DIGITS = ((0, 1000), (1, 100), (2, 10), (3, 1))  # year digits: position, place


def _datetime_cells(values: np.ndarray):
    """``YYYY-MM-DD HH:MM:SS`` of each moment ("" for NaT), built as bytes: 19 per cell."""
    import pyarrow as pa

    seconds = values.astype("datetime64[s]").view(np.int64)
    present = ~np.isnat(values)
    days, second_of_day = np.divmod(seconds[present], 86_400)
    year, month, day = _civil_from_days(days)
    if len(year) and (year.min() < 1 or year.max() > 9999):
        return None
    hour, rest = np.divmod(second_of_day, 3600)
    minute, second = np.divmod(rest, 60)
    cells = np.tile(_TEMPLATE, (len(days), 1))
    for position, place in _DIGITS:
        cells[:, position] += (year // place % 10).astype(np.uint8)
    for first, field in ((5, month), (8, day), (11, hour), (14, minute), (17, second)):
        cells[:, first] += (field // 10).astype(np.uint8)
        cells[:, first + 1] += (field % 10).astype(np.uint8)
    lengths = np.where(present, 19, 0)
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(cells.ravel()))


def _civil_from_days(z: np.ndarray):
    """Year, month, day of days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm)."""
    z = z + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


# --- Parquet ----------------------------------------------------------------------------------


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """The frame as Parquet: types kept (text, categories as dictionaries, moments, booleans)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # with pandas' metadata, so pandas reads the same dtypes back
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):  # mixed objects, repeated names
        arrays = []
        for i in range(frame.shape[1]):
            s = frame.iloc[:, i]
            try:
                arrays.append(pa.Array.from_pandas(s))
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: their text
                arrays.append(pa.array([None if _cell_str(v) == "" and not isinstance(v, str) else str(v)
                                        for v in s], type=pa.string()))
        table = pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])
    pq.write_table(table, path, compression="snappy")
