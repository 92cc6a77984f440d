"""The fast CSV writer and the column-wise formula guard against their slow literal forms:
pandas' ``to_csv`` (the csv module's minimal quoting) and :func:`neutralise` cell by cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcompliance.io import arrow_csv
from xlcompliance.io.outputs import neutralise, safe_frame, write_csv

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Characters that matter to CSV quoting and to the formula guard, plus ordinary ones.
text = st.text(alphabet=st.sampled_from(list('ab =+-@\t\r\n,"é中\x00;')), max_size=6)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    column_kinds = draw(st.lists(st.sampled_from(["str", "object", "float", "Int64", "boolean", "datetime",
                                                  "category", "int64", "bool"]), min_size=1, max_size=5))
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
        elif kind == "int64":
            data[name] = np.array(draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)), dtype=np.int64)
        elif kind == "bool":
            data[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "boolean":
            data[name] = pd.array(draw(st.lists(st.booleans() | st.none(), min_size=n, max_size=n)), dtype="boolean")
        else:
            moments = draw(st.lists(st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31)) | st.none(),
                                    min_size=n, max_size=n))
            data[name] = pd.Series(pd.to_datetime(moments), dtype="datetime64[us]")
    return pd.DataFrame(data)


@pytest.fixture(params=["arrow", "arrow in chunks of 3 rows", "python"])
def writer(request, monkeypatch):
    """Both CSV writers: Arrow's bytes (when pyarrow is installed; also cut into chunks of 3 rows,
    so rows cross chunk boundaries) and the Python join."""
    if request.param.startswith("arrow") and not arrow_csv.available():
        pytest.skip("pyarrow is not installed")
    if request.param == "arrow in chunks of 3 rows":
        monkeypatch.setattr(arrow_csv, "_ROWS_PER_CHUNK", 3)
    if request.param == "python":
        monkeypatch.setattr(arrow_csv, "available", lambda: False)
    return request.param


@SETTINGS
@given(frame=frames())
def test_csv_is_what_the_csv_module_writes(frame, tmp_path, writer):
    slow = frame.copy()
    for col in slow.columns:
        if pd.api.types.is_datetime64_any_dtype(slow[col].dtype):
            slow[col] = slow[col].dt.strftime("%Y-%m-%d %H:%M:%S")
    slow.to_csv(tmp_path / "slow.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    write_csv(frame, tmp_path / "fast.csv")
    assert Path(tmp_path / "fast.csv").read_bytes() == Path(tmp_path / "slow.csv").read_bytes()


@SETTINGS
@given(frame=frames())
def test_every_text_cell_is_neutralised_as_one_cell_would_be(frame, writer):
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


def test_parquet_keeps_every_value_and_type(tmp_path):
    pytest.importorskip("pyarrow")
    import xlcompliance as xlc
    from xlcompliance.io.outputs import write_table

    orders = xlc.sample().orders
    assessed = xlc.assess(orders, as_of="2024-07-01 10:00")
    assessed.loc[0, "shop"] = "=HYPERLINK(1)"  # data for programs: kept as given, no apostrophe
    path = write_table(assessed, tmp_path / "assessed.parquet")
    back = pd.read_parquet(path)
    assert list(back.columns) == list(assessed.columns)
    pd.testing.assert_frame_equal(back.drop(columns="error"), assessed.drop(columns="error"),
                                  check_dtype=False, check_categorical=False)
    assert [None if pd.isna(v) else v for v in back["error"]] == list(assessed["error"])  # text or missing
    assert back["deadline"].dtype == assessed["deadline"].dtype and back["eligible"].dtype == "boolean"
    assert back.loc[0, "shop"] == "=HYPERLINK(1)"
