"""Arrow's CSV reader stands in for pandas' only where both read the same frame: random exports
(quotes, separators and line breaks inside values, blank lines, ragged rows, BOM, odd headers)
read both ways, frame for frame, or refused the same way."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

import xlcompliance as xlc  # noqa: E402
from xlcompliance.io import arrow_csv  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

raw_cell = st.text(alphabet=st.sampled_from(list('ab 1,"\r\n中é\t')), max_size=5)
good_cell = st.text(alphabet=st.sampled_from(list("ab 1-:中é")), max_size=6)


def spelled(value: str, quote: bool) -> str:
    return '"' + value.replace('"', '""') + '"' if quote else value


@st.composite
def exports(draw) -> bytes:
    names = draw(st.lists(st.sampled_from(["order_id", "channel", "paid_at", "订单号", "shop", "x", " y", ""]),
                          min_size=1, max_size=4))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        width = len(names) + draw(st.sampled_from([0, 0, 0, -1, 1]))  # ragged now and then
        cells = [spelled(draw(raw_cell), True) if draw(st.booleans()) else draw(good_cell) for _ in range(width)]
        if draw(st.integers(0, 9)) == 0:
            cells = [draw(raw_cell)]  # anything, unquoted
        rows.append(",".join(cells))
        if draw(st.integers(0, 7)) == 0:
            rows.append("")  # a blank line
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([",".join(spelled(n, draw(st.booleans())) for n in names)] + rows)
    text += draw(st.sampled_from(["", newline]))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")


def read(path):
    try:
        return xlc.read_table(path)
    except xlc.InputFileError as exc:
        return f"refused: {exc}"


@SETTINGS
@given(content=exports())
def test_arrow_and_pandas_read_the_same_frame(content, tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    fast = read(path)
    with monkeypatch.context() as m:
        m.setattr(arrow_csv, "available", lambda: False)
        slow = read(path)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)


def test_a_plain_export_is_read_by_arrow(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('order_id,channel,paid_at\n1,POP,2024-04-01 10:00:00\n2,"J,IT",\n', encoding="utf-8-sig")
    frame = arrow_csv.read_plain_csv(path, "utf-8-sig", ["order_id", "channel", "paid_at"])
    assert frame is not None and frame["channel"].tolist() == ["POP", "J,IT"] and frame["paid_at"].tolist()[1] == ""
    assert arrow_csv.read_plain_csv(path, "gb18030", ["order_id", "channel", "paid_at"]) is None
