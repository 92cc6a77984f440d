"""Arrow-backed text columns read as bytes: the fast path for CSV-as-read columns.

With pyarrow installed, pandas keeps text columns (``str``) as Arrow string arrays: one bytes
buffer plus offsets. Parsing a million of them needs no Python ``str`` per cell: the common,
fixed spellings are checked and converted over the bytes (``YYYY-MM-DD HH:MM:SS`` with numpy,
plain digits with Arrow's own kernels), and only the cells that do not fit go to the general
parsers. Without pyarrow a
column is never Arrow-backed, so nothing here imports it at module level (the Excel functions
run where it is absent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def arrow_text(values):
    """The column as one ``pyarrow`` string array if it is Arrow-backed text, else None."""
    if not isinstance(values, pd.Series):
        return None
    dtype = values.dtype
    arrow_backed = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and str(dtype.pyarrow_dtype) in ("string", "large_string")
    )
    if not arrow_backed:
        return None
    import pyarrow as pa

    data = pa.chunked_array(values.array._pa_array if hasattr(values.array, "_pa_array")
                            else pa.array(values.array))
    return data.combine_chunks() if data.num_chunks != 1 else data.chunk(0)


class TextBytes:
    """The cells of an Arrow string array as numpy views: start offset, length, validity, bytes."""

    def __init__(self, arr):
        import pyarrow as pa

        self.n = len(arr)
        width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
        _, offsets_buf, data_buf = arr.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset:arr.offset + self.n + 1]
        offsets = offsets.astype(np.int64, copy=False)  # large_string offsets are used as they are
        self.start = offsets[:-1]
        self.length = np.diff(offsets)
        self.valid = np.ones(self.n, dtype=bool) if arr.null_count == 0 else ~arr.is_null().to_numpy(
            zero_copy_only=False)
        self.length[~self.valid] = 0
        self.data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        self._padded = None

    def word(self, rows: np.ndarray, at) -> np.ndarray:
        """The 8 bytes from byte ``at`` of each row's cell (``at`` may be negative or per row) as
        little-endian uint64: byte k of the cell is bits 8k.. of the word. Bytes outside the
        whole buffer read as 0; the caller masks bytes outside the cell."""
        at = self.start[rows] + at
        if len(at) and (at.min() < 0 or at.max() > len(self.data) - 8):
            if self._padded is None:  # a copy with 8 zero bytes either side, made only when needed
                padded = np.zeros(len(self.data) + 16, dtype=np.uint8)
                padded[8:-8] = self.data
                self._padded = _words(padded)
            return self._padded[at + 8]
        return _words(self.data)[at]

    def blank(self) -> np.ndarray:
        """Missing or empty cells (cells of spaces only are not looked at here)."""
        return ~self.valid | (self.length == 0)


def _words(data: np.ndarray) -> np.ndarray:
    """Every 8-byte window of ``data`` as a little-endian uint64 (a view: one byte apart)."""
    if len(data) < 8:
        return np.zeros(0, dtype="<u8")
    return np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))


_LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)


def _layout(pattern: str) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """Masks to check 8 bytes against a pattern (``d`` = a digit) at once: (bits that must match,
    their expected value, the digit bytes' low nibbles, +6 on each digit nibble)."""
    must = expected = digits = six = 0
    for k, c in enumerate(pattern):
        if c == "d":
            must |= 0xF0 << 8 * k
            expected |= 0x30 << 8 * k
            digits |= 0x0F << 8 * k
            six |= 0x06 << 8 * k
        else:
            must |= 0xFF << 8 * k
            expected |= ord(c) << 8 * k
    return np.uint64(must), np.uint64(expected), np.uint64(digits), np.uint64(six)


def _fits(word: np.ndarray, layout) -> np.ndarray:
    """Each word spells the pattern: separators equal, digit bytes 0x30..0x39 (a nibble above 9
    carries into bit 4 when 6 is added)."""
    must, expected, digits, six = layout
    return ((word & must) == expected) & ((((word & digits) + six) & (digits << np.uint64(4))) == 0)


def _pairs(word: np.ndarray) -> np.ndarray:
    """Byte k of the result is the two-digit number of bytes k, k+1 (digit bytes, 0..99)."""
    x = word & _LOW_NIBBLES
    return x * np.uint64(10) + (x >> np.uint64(8))


def _byte(word: np.ndarray, k: int) -> np.ndarray:
    """Byte k of each word as int64 (a view of the masked uint64: no conversion pass)."""
    return ((word >> np.uint64(8 * k)) & np.uint64(0xFF)).view(np.int64)


# "YYYY-MM-DD HH:MM:SS" read as three overlapping words: bytes 0-7, 8-15 and 11-18.
_DATE_WORDS = ((0, _layout("dddd-dd-")), (8, _layout("dd dd:dd")), (11, _layout("dd:dd:dd")))
_FIRST_YEAR, _LAST_YEAR = 1900, 2199  # well inside every parser's range
_MONTH_STARTS = np.arange(f"{_FIRST_YEAR}-01", f"{_LAST_YEAR + 1}-02", dtype="datetime64[M]").astype(
    "datetime64[D]").astype(np.int64)


def usual_datetimes(cells: TextBytes) -> tuple[np.ndarray, np.ndarray]:
    """Rows spelled exactly ``YYYY-MM-DD HH:MM:SS`` with a valid date (years 1900–2199) and time,
    and their microseconds since 1970. Anything else (other spellings, padding, invalid dates,
    leap seconds) is left to the caller.

    Where a block's cells lie back to back in the bytes buffer (a column as exports write it:
    every non-blank cell 19 bytes), each of the three words is a strided view of the buffer, read
    without a gather. Rows go through in blocks of ``_BLOCK`` so the dozens of temporaries stay
    in cache."""
    candidates = np.flatnonzero(cells.length == 19)
    parts = []
    for i in range(0, len(candidates), _BLOCK):
        rows = candidates[i:i + _BLOCK]
        # Offsets never decrease and each candidate spans 19 bytes, so a total span of exactly
        # 19 per row means no gap anywhere in the block.
        if cells.start[rows[-1]] - cells.start[rows[0]] == 19 * (len(rows) - 1):
            first = int(cells.start[rows[0]])
            words = [_strided_words(cells.data, first + at, len(rows), 19) for at, _ in _DATE_WORDS]
        else:
            words = [cells.word(rows, at) for at, _ in _DATE_WORDS]
        parts.append(_usual_block(rows, words))
    if not parts:
        return candidates, np.zeros(0, dtype=np.int64)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


_BLOCK = 1 << 15


def _strided_words(data: np.ndarray, offset: int, count: int, stride: int) -> np.ndarray:
    """``count`` little-endian uint64 words of ``data``, ``stride`` bytes apart from ``offset``
    (a view)."""
    return np.ndarray(shape=(count,), dtype="<u8", buffer=data, offset=offset, strides=(stride,))


def _usual_block(rows: np.ndarray, words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    keep = np.ones(len(rows), dtype=bool)
    for word, (_, layout) in zip(words, _DATE_WORDS, strict=True):
        keep &= _fits(word, layout)
    if not keep.all():  # exports are regular: usually every candidate fits
        rows, words = rows[keep], [w[keep] for w in words]
    ymd, dhm, hms = (_pairs(w) for w in words)
    year = _byte(ymd, 0) * 100 + _byte(ymd, 2)
    month, day = _byte(ymd, 5), _byte(dhm, 0)
    hour, minute, second = _byte(dhm, 3), _byte(dhm, 6), _byte(hms, 6)
    month_index = (year - _FIRST_YEAR) * 12 + month - 1
    ok = (year >= _FIRST_YEAR) & (year <= _LAST_YEAR) & (month >= 1) & (month <= 12)
    month_index = np.where(ok, month_index, 0)
    first = _MONTH_STARTS[month_index]
    ok &= (day >= 1) & (day <= _MONTH_STARTS[month_index + 1] - first)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    seconds = (first + day - 1) * 86_400 + (hour * 60 + minute) * 60 + second
    if ok.all():
        return rows, seconds * 1_000_000
    return rows[ok], seconds[ok] * 1_000_000


_MAX_DIGITS = 15  # below 2**53: exact as a float


def plain_counts(arr) -> tuple[np.ndarray, np.ndarray]:
    """Rows of an Arrow string array that are 1 to 15 ASCII digits and nothing else, and their
    values (as float). Arrow checks and converts the digits in C.

    A column of digits alone (blank cells aside, the usual count column) is seen as such from its
    bytes at once, and converted whole, its blank cells masked as missing.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = TextBytes(arr)
    if cells.n and arr.offset == 0 and cells.length.max() <= _MAX_DIGITS:
        body = cells.data[int(cells.start[0]):int(cells.start[-1] + cells.length[-1])]
        if not (body - np.uint8(48) > 9).any():  # every byte of every cell a digit (uint8 wraps below '0')
            present = cells.length > 0
            bitmap = pa.py_buffer(np.packbits(present, bitorder="little"))
            masked = pa.Array.from_buffers(arr.type, len(arr), [bitmap, *arr.buffers()[1:]])
            values = pc.cast(masked, pa.int64()).to_numpy(zero_copy_only=False)
            rows = np.flatnonzero(present)
            return rows, (values if len(rows) == len(arr) else values[rows]).astype(float)
    plain = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(pc.binary_length(arr), _MAX_DIGITS))
    mask = plain.fill_null(False).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(mask)
    digits = arr if len(rows) == len(arr) else arr.filter(pa.array(mask))
    return rows, pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False).astype(float)


_MAX_ID_DIGITS = 17  # value * 32 + length stays below 2**63


def digit_keys(arr) -> tuple[np.ndarray, np.ndarray] | None:
    """Exact integer keys of ids that are plain ASCII digits: ``(rows, keys)`` of the non-blank
    cells of an Arrow string array, or None when some non-blank cell is not 1..17 ASCII digits.

    The key is the number the digits spell times 32 plus their count (:func:`row_digit_keys`),
    so two keys are equal exactly when the texts are ("012" and "12" differ).
    """
    import pyarrow.compute as pc

    if arr.null_count:
        arr = arr.fill_null("")
    digits, keys = row_digit_keys(arr)
    if digits.all():
        return np.arange(len(arr)), keys
    blank = pc.equal(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
    if (~digits & ~blank).any():
        return None
    rows = np.flatnonzero(digits)
    return rows, keys[rows]


def row_digit_keys(arr) -> tuple[np.ndarray, np.ndarray]:
    """Cell by cell, what ``digit_keys`` gives a whole column: ``(digits, keys)``, where a cell
    (of an Arrow string array without nulls) is 1..17 ASCII digits, and its exact key there (0
    elsewhere). A text of digits has the same key whatever the other cells are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.binary_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    digits = pc.ascii_is_decimal(arr).to_numpy(zero_copy_only=False) & (lengths > 0) & (lengths <= _MAX_ID_DIGITS)
    keys = np.zeros(len(arr), dtype=np.int64)
    if digits.all():
        keys[:] = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False) * 32 + lengths
    elif digits.any():
        rows = np.flatnonzero(digits)
        values = pc.cast(arr.filter(pa.array(digits)), pa.int64()).to_numpy(zero_copy_only=False)
        keys[rows] = values * 32 + lengths[rows]
    return digits, keys


def digit_text(key: int) -> str:
    """The text of digits whose exact key (see ``digit_keys``) is ``key``."""
    return f"{key >> 5:0{key & 31}d}"


