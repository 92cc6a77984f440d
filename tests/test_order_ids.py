"""Repeated order ids: the hashed check against a literal reference, including forced collisions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcompliance.core import order_ids
from xlcompliance.core.order_ids import duplicate_errors

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def literal(values) -> list:
    """The rules' reading: ids compare as text without surrounding spaces; blanks are not compared."""
    first: dict[str, int] = {}
    out = []
    for row, value in enumerate(values):
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
        if not text:
            out.append(None)
            continue
        if text in first:
            out.append(f"order_id {text} repeats row {first[text] + 1}; only the first is assessed")
        else:
            first[text] = row
            out.append(None)
    return out


# Small alphabets so repeats are common; spaces, tabs, ideographic spaces and a NUL are edge cases.
ids_text = st.text(alphabet=st.sampled_from(list("ab1 \t\u3000\x00é")), max_size=4)
id_values = st.one_of(ids_text, st.none(), st.integers(-3, 3))


@SETTINGS
@given(values=st.lists(ids_text | st.none(), max_size=40))
def test_text_ids_match_the_literal_reference(values):
    series = pd.Series(values, dtype="str")
    assert list(duplicate_errors(series)) == literal(series.tolist())


@SETTINGS
@given(values=st.lists(id_values, max_size=40))
def test_mixed_object_ids_match_the_literal_reference(values):
    series = pd.Series(values, dtype=object)
    assert list(duplicate_errors(series)) == literal(values)


@SETTINGS
@given(values=st.lists(ids_text | st.none(), max_size=40), constant=st.sampled_from([0, hash("")]))
def test_a_hash_collision_is_never_reported_as_a_repeat(values, constant):
    """Every id hashed alike (including like the blank id): the text comparison decides alone."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(order_ids, "hash", lambda _text: constant, raising=False)
        errors = duplicate_errors(pd.Series(values, dtype=object))
    assert list(errors) == literal(values)


@pytest.mark.parametrize(
    "series, repeat_row",
    [
        (pd.Series([81500102, 81500103, 81500102], dtype="Int64"), 2),
        (pd.Series([81500102, 81500103, 81500102], dtype=np.int64), 2),
        (pd.Series(["81500102", " 81500102 ", pd.NA], dtype="string"), 1),
        (pd.Series(["81500102", None, 81500102], dtype=object), 2),
    ],
)
def test_numeric_and_text_ids_read_as_text(series, repeat_row):
    errors = duplicate_errors(series)
    assert np.flatnonzero(pd.notna(errors)).tolist() == [repeat_row]
    assert errors[repeat_row] == "order_id 81500102 repeats row 1; only the first is assessed"


def test_a_million_distinct_ids_have_no_errors_and_a_late_repeat_is_found():
    ids = pd.Series([f"8150{i:012d}" for i in range(1_000_000)], dtype="str")
    assert not pd.notna(duplicate_errors(ids)).any()
    ids.iloc[-1] = " 8150000000000007"
    errors = duplicate_errors(ids)
    assert np.flatnonzero(pd.notna(errors)).tolist() == [999_999]
    assert errors[-1] == "order_id 8150000000000007 repeats row 8; only the first is assessed"


def test_the_input_is_not_modified():
    ids = pd.Series([" a ", "a", None], dtype=object)
    before = ids.copy()
    duplicate_errors(ids)
    pd.testing.assert_series_equal(ids, before)


# Digit ids as real exports spell them, with leading zeros, padding, blanks and lengths around
# the 8- and 16-digit word boundaries: the Arrow byte path (plain digits) and its fallback.
digit_ids = st.text(alphabet=st.sampled_from(list("0179")), min_size=0, max_size=18) | st.sampled_from(
    ["", " 7", "7 ", "007", "7", "12345678", "012345678", "1234567890123456", "01234567890123456"])


@SETTINGS
@given(values=st.lists(digit_ids | st.none(), max_size=40), chunks=st.integers(1, 3))
def test_arrow_digit_ids_match_the_literal_reference(values, chunks):
    pa = pytest.importorskip("pyarrow")
    parts = [values[i::chunks] for i in range(chunks)]
    ordered = [v for part in parts for v in part]
    chunked = pa.chunked_array([pa.array(part, type=pa.large_string()) for part in parts], type=pa.large_string())
    for series in (pd.Series(ordered, dtype="str"), pd.Series(pd.arrays.ArrowStringArray(chunked)),
                   pd.Series(ordered, dtype=pd.ArrowDtype(pa.string()))):
        assert list(duplicate_errors(series)) == literal(ordered)


def test_shared_keys_of_rising_falling_and_wrapping_keys():
    from xlcompliance.core.order_ids import _shared_keys

    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    assert _shared_keys(np.array([1, 2, 3], dtype=np.int64)).tolist() == []
    assert _shared_keys(np.array([3, 2, 1], dtype=np.int64)).tolist() == []
    # differences that wrap around int64 must not pass for a rising column
    assert _shared_keys(np.array([big, small, big], dtype=np.int64)).tolist() == [big]
    assert _shared_keys(np.array([1, 2, 2, 3], dtype=np.int64)).tolist() == [2]
    assert _shared_keys(np.array([], dtype=np.int64)).tolist() == []


@SETTINGS
@given(values=st.lists(digit_ids | st.none(), max_size=30), first_row=st.integers(0, 10**9))
def test_a_part_of_a_larger_export_cites_rows_from_its_first_row(values, first_row):
    pa = pytest.importorskip("pyarrow")

    def shifted(message):
        return message and re.sub(r"repeats row (\d+)", lambda m: f"repeats row {int(m[1]) + first_row}", message)

    expected = [shifted(m) for m in literal(values)]
    for series in (pd.Series(values, dtype="str"), pd.Series(values, dtype=object),
                   pd.Series(pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string())))):
        assert list(duplicate_errors(series, first_row=first_row)) == expected
