"""Boundary parsing: dates, counts, channels, money — per value, with errors naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcompliance.core.money import cents_to_decimal, to_cents
from xlcompliance.core.parsing import (
    BLANK,
    UNKNOWN,
    ExcelError,
    parse_channel_codes,
    parse_channels,
    parse_counts,
    parse_datetimes,
    parse_method_codes,
    parse_methods,
)
from xlcompliance.core.rules import CHANNELS, METHODS

NAT = np.datetime64("NaT", "us")


def us(text):
    return np.datetime64(text, "us")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-04-15 10:00", us("2024-04-15T10:00")),
        ("2024-04-15T10:00:00.250", us("2024-04-15T10:00:00.250")),
        ("2024-04-15", us("2024-04-15T00:00")),
        ("2024/4/5 9:07", us("2024-04-05T09:07")),
        ("2024.04.05 09:07:30", us("2024-04-05T09:07:30")),
        ("2024年4月5日 09:07", us("2024-04-05T09:07")),
        ("20240415", us("2024-04-15T00:00")),
        ("2024-04-15T02:00:00Z", us("2024-04-15T10:00")),
        ("2024-04-15 02:00:00+0000", us("2024-04-15T10:00")),
        ("2024-02-29 12:00", us("2024-02-29T12:00")),
        (dt.datetime(2024, 4, 15, 10), us("2024-04-15T10:00")),
        (dt.date(2024, 4, 15), us("2024-04-15T00:00")),
        (pd.Timestamp("2024-04-15 02:00", tz="UTC"), us("2024-04-15T10:00")),
        (45397.5, us("2024-04-15T12:00")),
        (45397, us("2024-04-15T00:00")),
        ("45397.5", us("2024-04-15T12:00")),
        (None, NAT),
        ("", NAT),
        ("   ", NAT),
        (float("nan"), NAT),
        (pd.NaT, NAT),
    ],
)
def test_datetimes_accepted(value, expected):
    out, err = parse_datetimes(pd.Series([value], dtype=object), "paid_at")
    assert err[0] is None
    if np.isnat(expected):
        assert np.isnat(out[0])
    else:
        assert out[0] == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("tomorrow", "paid_at: not a date or time: 'tomorrow'"),
        ("2024-02-30", "paid_at: not a date or time"),
        ("2023-02-29", "paid_at: not a date or time"),
        ("#N/A", "paid_at: Excel error value #N/A"),
        (ExcelError("#VALUE!"), "paid_at: Excel error value #VALUE!"),
        (60, "paid_at: Excel serial 60 is outside"),
        (2958466, "paid_at: Excel serial 2958466 is outside"),
        (True, "paid_at: not a date or time: True"),
        ([1], "paid_at: not a date or time"),
    ],
)
def test_datetime_errors(value, message):
    out, err = parse_datetimes(pd.Series([value], dtype=object), "paid_at")
    assert np.isnat(out[0])
    assert err[0].startswith(message)


def test_mixed_naive_and_aware_in_one_column():
    values = ["2024-04-15 10:00", "2024-04-15T02:00:00Z", dt.datetime(2024, 4, 15, 10),
              pd.Timestamp("2024-04-15 04:00", tz="Europe/Berlin"), 45397 + 10 / 24]
    out, err = parse_datetimes(pd.Series(values, dtype=object), "paid_at")
    assert all(e is None for e in err)
    assert (out == us("2024-04-15T10:00")).all()


def test_typed_columns_fast_paths():
    aware = pd.Series(pd.to_datetime(["2024-04-15 02:00"]).tz_localize("UTC"))
    out, _ = parse_datetimes(aware, "x")
    assert out[0] == us("2024-04-15T10:00")
    out, err = parse_datetimes(pd.Series([45397.5, np.nan, 10.0]), "x")
    assert out[0] == us("2024-04-15T12:00") and np.isnat(out[1]) and err[1] is None
    assert "outside" in err[2]


@pytest.mark.parametrize(
    "value, expected, error",
    [
        (3, 3, None), (" 12 ", 12, None), ("12.0", 12, None), (12.0, 12, None), ("1,200", 1200, None),
        (None, None, None), ("", None, None), (float("nan"), None, None),
        (-1, None, "must not be negative"), ("2.5", None, "must be a whole number"),
        ("many", None, "not a number: 'many'"), (float("inf"), None, "not a finite number"),
        (True, None, "not a number"), ("#N/A", None, "Excel error value #N/A"),
    ],
)
def test_counts(value, expected, error):
    out, err = parse_counts(pd.Series([value], dtype=object), "last_month_sales")
    if error:
        assert error in err[0] and err[0].startswith("last_month_sales")
        assert np.isnan(out[0])
    else:
        assert err[0] is None
        assert (np.isnan(out[0]) if expected is None else out[0] == expected)


def test_channels_and_methods():
    ch, err = parse_channels(["POP", " pop ", "Jit", "JIT模式", "", None, "UPS"])
    assert list(ch) == ["POP", "POP", "JIT", "JIT", None, None, None]
    assert err[6] == "channel: unknown value 'UPS' (expected POP or JIT)" and err[4] is None
    m, err = parse_methods(["上门揽收", "自寄", "Self-Send", "PICK UP", "快递", None])
    assert list(m) == ["pickup", "self", "self", "pickup", None, None]
    assert "unknown value '快递'" in err[4]


def test_choice_codes_index_the_canonical_names():
    codes, err = parse_channel_codes(pd.Series(["POP", " jit ", "", None, "UPS", "仓发"], dtype="str"))
    assert codes.tolist() == [CHANNELS.index("POP"), CHANNELS.index("JIT"), BLANK, BLANK, UNKNOWN,
                              CHANNELS.index("JIT")]
    assert err[4] == "channel: unknown value 'UPS' (expected POP or JIT)" and pd.isna(err[[0, 1, 2, 3, 5]]).all()
    codes, err = parse_method_codes(["自寄", "pick up", 3])
    assert codes.tolist() == [METHODS.index("self"), METHODS.index("pickup"), UNKNOWN]
    assert err[2] == "method: unknown value 3 (expected pickup or self)"


@pytest.mark.parametrize(
    "value, cents",
    [
        ("12.30", 1230), ("12.3", 1230), ("0.125", 13), ("0.124", 12), ("-0.125", -13), ("1,234.56", 123456),
        ("¥12.30", 1230), ("CNY 7", 700), ("(5.00)", -500), (0.1, 10), (0.125, 13), (2.675, 268),
        (Decimal("9.995"), 1000), (7, 700), ("  .5 ", 50),
    ],
)
def test_money_half_up_from_decimal_text(value, cents):
    got, err = to_cents(pd.Series([value], dtype=object))
    assert err[0] is None and got[0] == cents


@pytest.mark.parametrize("value", ["abc", "1.2.3", True, float("inf"), "", None])
def test_money_errors(value):
    _, err = to_cents(pd.Series([value], dtype=object))
    assert err[0] is not None and err[0].startswith("amount")


def test_money_sums_exactly():
    rng = np.random.default_rng(7)
    texts = [f"{c // 100}.{c % 100:02d}" for c in rng.integers(0, 10_000_000, size=100_000)]
    cents, err = to_cents(pd.Series(texts))
    assert all(e is None for e in err)
    assert cents_to_decimal(int(cents.sum())) == sum(Decimal(t) for t in texts)
    assert float(sum(float(t) for t in texts)) != 0  # floats exist; we never use them for sums


DATE_TEXTS = st.sampled_from([
    "2024-04-01 10:00:00", " 2024-04-01 10:00:00 ", "2024-04-01T10:00:00", "2024-04-01 10:00:00+08:00",
    "2024-04-01 10:00:00Z", "2024/4/1 9:07", "2024年4月1日 09:07", "2024-04-01", "45383.5", "20240401",
    "", "   ", "#N/A", "NaT", "abc", "2024-02-30 10:00:00", "2024-04-01 24:00:00",
])
COUNT_TEXTS = st.sampled_from(["0", "12", " 7 ", "1,234", "12.0", "1.5", "-1", "", "  ", "#N/A", "abc", "inf",
                               "nan", "1e3", "1_000", "١٢"])


@pytest.mark.parametrize(
    "parse, field, texts",
    [(parse_datetimes, "paid_at", DATE_TEXTS), (parse_counts, "last_month_sales", COUNT_TEXTS)],
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_text_columns_parse_as_the_general_path_does(parse, field, texts, data):
    """The C fast path for text columns is an optimisation only: same values, same messages."""
    values = data.draw(st.lists(texts | st.none(), max_size=30))
    fast = parse(pd.Series(values, dtype="str"), field)
    general = parse(pd.Series(values, dtype=object), field)
    assert np.array_equal(fast[0], general[0], equal_nan=True)
    assert list(fast[1]) == list(general[1])


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(r"\s?[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?\s?", fullmatch=True))
def test_a_typed_moment_reads_as_the_column_parser_reads_it(text):
    """``parse_datetime`` reads plainly typed moments directly: the same moment, or the same
    error, as the column parser gives."""
    from xlcompliance.core.parsing import parse_datetime

    out, errors = parse_datetimes([text], "as_of")
    try:
        got = parse_datetime(text, "as_of")
    except ValueError as exc:
        assert errors[0] == str(exc)
    else:
        assert errors[0] is None and got == pd.Timestamp(out[0]) and got.unit == pd.Timestamp(out[0]).unit


def test_fields_without_messages_share_one_read_only_array():
    from xlcompliance.core.orders import parse_orders
    from xlcompliance.core.parsing import without_empty

    errors = np.empty(3, dtype=object)
    assert without_empty(errors) is without_empty(np.empty(3, dtype=object))
    assert not without_empty(errors).flags.writeable
    errors[1] = "paid_at is blank"
    assert without_empty(errors) is errors
    parsed = parse_orders(pd.DataFrame({"channel": ["POP", "JIT"], "paid_at": ["2024-05-01 10:00", "x"]}))
    assert parsed.field_errors["channel"] is parsed.field_errors["listed_at"]  # no messages: shared
    assert parsed.field_errors["paid_at"][1].startswith("paid_at")
