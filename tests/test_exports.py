"""The fast CSV writer and the column-wise formula guard against their slow literal forms:
pandas' ``to_csv`` (the csv module's minimal quoting) and :func:`neutralise` cell by cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcompliance.io.outputs import neutralise, safe_frame, write_csv

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Characters that matter to CSV quoting and to the formula guard, plus ordinary ones.
text = st.text(alphabet=st.sampled_from(list('ab =+-@\t\r\n,"é中\x00;')), max_size=6)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    column_kinds = draw(st.lists(st.sampled_from(["str", "object", "float", "Int64", "boolean", "datetime",
                                                  "category"]), min_size=1, max_size=5))
    data = {}
    for i, kind in enumerate(column_kinds):
        name = draw(text) + f"#{i}"
        if kind in ("str", "object", "category"):
            values = draw(st.lists(text | st.none(), min_size=n, max_size=n))
            data[name] = (pd.Categorical(values) if kind == "category"
                          else pd.Series(values, dtype="str" if kind == "str" else object))
        elif kind == "float":
            values = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none(), min_size=n, max_size=n))
            data[name] = pd.Series([np.nan if v is None else v for v in values], dtype=float)
        elif kind == "Int64":
            data[name] = pd.array(draw(st.lists(st.integers(-10**12, 10**12) | st.none(), min_size=n, max_size=n)),
                                  dtype="Int64")
        elif kind == "boolean":
            data[name] = pd.array(draw(st.lists(st.booleans() | st.none(), min_size=n, max_size=n)), dtype="boolean")
        else:
            moments = draw(st.lists(st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31)) | st.none(),
                                    min_size=n, max_size=n))
            data[name] = pd.Series(pd.to_datetime(moments), dtype="datetime64[us]")
    return pd.DataFrame(data)


@SETTINGS
@given(frame=frames())
def test_csv_is_what_the_csv_module_writes(frame, tmp_path):
    slow = frame.copy()
    for col in slow.columns:
        if pd.api.types.is_datetime64_any_dtype(slow[col].dtype):
            slow[col] = slow[col].dt.strftime("%Y-%m-%d %H:%M:%S")
    slow.to_csv(tmp_path / "slow.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    write_csv(frame, tmp_path / "fast.csv")
    assert Path(tmp_path / "fast.csv").read_bytes() == Path(tmp_path / "slow.csv").read_bytes()


@SETTINGS
@given(frame=frames())
def test_every_text_cell_is_neutralised_as_one_cell_would_be(frame):
    safe = safe_frame(frame)
    assert list(safe.columns) == [neutralise(str(c)) for c in frame.columns]
    for before, after in zip(frame.columns, safe.columns, strict=True):
        expected = [neutralise(v) for v in frame[before].astype(object)]
        got = list(safe[after].astype(object))
        assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected]


def test_the_input_frame_is_not_modified():
    frame = pd.DataFrame({"a": pd.Series(["=1", "x"], dtype="str")})
    safe_frame(frame)
    assert frame["a"].tolist() == ["=1", "x"]
