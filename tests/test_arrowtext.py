"""The Arrow byte readers against pandas' own parsers, cell by cell (the fast path may only take
cells pandas reads the same way; everything else must be left to the general parsers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from xlcompliance.core.arrowtext import TextBytes, arrow_text, digit_keys, plain_counts, usual_datetimes  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Near the usual layout: valid and invalid dates, out-of-range fields, wrong separators, padding.
near_datetimes = st.builds(
    lambda y, mo, d, h, mi, s, sep1, sep2, pad: f"{pad}{y:04d}{sep1}{mo:02d}-{d:02d}{sep2}{h:02d}:{mi:02d}:{s:02d}",
    st.sampled_from([0, 1, 1899, 1900, 1970, 2000, 2023, 2024, 2100, 2199, 2200, 9999]),
    st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61), st.integers(0, 61),
    st.sampled_from(["-", "/", "-"]), st.sampled_from([" ", "T", " "]), st.sampled_from(["", "", " "]),
)


def pandas_reading(text: str):
    value = pd.to_datetime(pd.Series([text], dtype=object), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    return value.to_numpy(dtype="datetime64[us]")[0]


@SETTINGS
@given(values=st.lists(near_datetimes | st.none() | st.text(max_size=20), max_size=30))
def test_usual_datetimes_are_what_pandas_reads(values):
    rows, us = usual_datetimes(TextBytes(arrow_text(pd.Series(values, dtype="str"))))
    taken = dict(zip(rows.tolist(), us.tolist(), strict=True))
    for i, text in enumerate(values):
        if i in taken:  # taken: pandas reads the same moment (the others are left to pandas itself)
            assert pandas_reading(text) == np.datetime64(taken[i], "us"), text


def test_usual_datetimes_take_every_valid_usual_cell():
    values = ["2024-04-01 10:00:00", "2024-02-29 23:59:59", "1900-01-01 00:00:00", "2199-12-31 23:59:59",
              "2023-02-29 10:00:00", "2024-04-31 10:00:00", "2024-04-01T10:00:00", " 2024-04-01 10:00:00", None, ""]
    rows, us = usual_datetimes(TextBytes(arrow_text(pd.Series(values, dtype="str"))))
    assert rows.tolist() == [0, 1, 2, 3]
    assert us.tolist() == [pandas_reading(v).astype(np.int64) for v in values[:4]]


@SETTINGS
@given(values=st.lists(st.from_regex(r"[0-9 +\-.,e]{0,17}", fullmatch=True) | st.none(), max_size=30)
       | st.lists(st.from_regex(r"[0-9]{0,16}", fullmatch=True) | st.none(), max_size=30))  # digits alone: read whole
def test_plain_counts_are_whole_digit_cells_only(values):
    rows, nums = plain_counts(arrow_text(pd.Series(values, dtype="str")))
    taken = dict(zip(rows.tolist(), nums.tolist(), strict=True))
    for i, text in enumerate(values):
        plain = isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 15
        assert (i in taken) == plain, text
        if plain:
            assert taken[i] == float(int(text))


def test_digit_keys_only_for_plain_digit_columns():
    rows, keys = digit_keys(arrow_text(pd.Series(["8150010796252755", "7", None, "", "07", "7"], dtype="str")))
    assert rows.tolist() == [0, 1, 4, 5]
    assert keys[1] == keys[3] and len(set(keys.tolist())) == 3  # "7" twice; "07" is another id
    assert digit_keys(arrow_text(pd.Series(["815001079625275501"], dtype="str"))) is None  # 18 digits
    assert digit_keys(arrow_text(pd.Series(["123", "12a"], dtype="str"))) is None
    assert digit_keys(arrow_text(pd.Series(["123", "+12"], dtype="str"))) is None
    assert digit_keys(arrow_text(pd.Series(["123", " 12"], dtype="str"))) is None
    rows, keys = digit_keys(arrow_text(pd.Series([None, ""], dtype="str")))
    assert len(rows) == len(keys) == 0
    assert arrow_text(pd.Series(["1"], dtype=object)) is None


def _by_gather(cells: TextBytes):
    """usual_datetimes with every block read by gathering words (never the strided view)."""
    import xlcompliance.core.arrowtext as at

    rows = np.flatnonzero(cells.length == 19)
    return at._usual_block(rows, [cells.word(rows, offset) for offset, _ in at._DATE_WORDS])


@SETTINGS
@given(values=st.lists(near_datetimes | st.none() | st.just(""), min_size=1, max_size=30),
       start=st.integers(0, 3))
def test_back_to_back_cells_read_as_by_gathering(values, start):
    arr = arrow_text(pd.Series(["2024-01-01 00:00:00"] * start + values, dtype="str")).slice(start)
    cells = TextBytes(arr)
    rows, us = usual_datetimes(cells)
    want_rows, want_us = _by_gather(cells)
    assert rows.tolist() == want_rows.tolist() and us.tolist() == want_us.tolist()


def test_a_null_slot_holding_bytes_is_a_gap_not_a_cell():
    """Arrow lets a null slot span bytes: the cells after it are not where a back-to-back
    reading would look."""
    import pyarrow as pa

    texts = ["2024-04-01 10:00:00", "XXXX", "2024-04-02 11:30:00"]
    data = "".join(texts).encode()
    offsets = np.array([0, 19, 23, 42], dtype=np.int32)
    validity = pa.array([True, False, True]).buffers()[1]
    arr = pa.Array.from_buffers(pa.string(), 3, [validity, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)],
                                null_count=1)
    rows, us = usual_datetimes(TextBytes(arr))
    assert rows.tolist() == [0, 2]
    assert us.tolist() == [pandas_reading(texts[0]).astype(np.int64), pandas_reading(texts[2]).astype(np.int64)]


@SETTINGS
@given(values=st.lists(st.text(alphabet=st.sampled_from(list("0179a ")), max_size=18), max_size=30))
def test_row_digit_keys_are_exact_cell_by_cell(values):
    import pyarrow as pa

    from xlcompliance.core.arrowtext import digit_text, row_digit_keys

    digits, keys = row_digit_keys(pa.array(values, type=pa.large_string()))
    plain = [v.isascii() and v.isdigit() and 1 <= len(v) <= 17 for v in values]
    assert digits.tolist() == plain
    for i, text in enumerate(values):
        if plain[i]:
            assert digit_text(int(keys[i])) == text  # "07" and "7" have different keys
    seen = {}
    for text, key in zip([v for v, p in zip(values, plain, strict=True) if p], keys[digits].tolist(), strict=True):
        assert seen.setdefault(key, text) == text
