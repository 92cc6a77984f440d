"""Boundary conversion: whole columns of user values into typed numpy arrays plus per-row errors.

Every parser takes any column-like (Series, list, array, scalar) and returns the parsed array
and an object array of error texts (``None`` where the value is fine). Blank values are not
errors here; the caller decides whether a field is required. Typed columns take a fast
vectorised path; object columns (mixed values from Excel or CSV) are split by kind first.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from .arrowtext import TextBytes, arrow_text, plain_counts, usual_datetimes
from .rules import CHANNELS, METHODS, default_rules
from .text import fold

try:  # the pointer scan of message_rows; some runtimes (WebAssembly builds) may lack ctypes
    import ctypes
except ImportError:  # pragma: no cover - exercised only where ctypes is absent
    ctypes = None

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND


def as_us(moments: np.ndarray) -> np.ndarray:
    """int64 microseconds of a datetime64 array (a view, no copy, when already in microseconds)."""
    return moments.astype("datetime64[us]", copy=False).view(np.int64)

EXCEL_MIN_SERIAL = 61  # 1900-03-01; serials below hit Excel's phantom 1900-02-29
EXCEL_MAX_SERIAL = 2958466  # exclusive: any time on 9999-12-31 (serial 2958465) is fine
_EXCEL_EPOCH_US = np.datetime64("1899-12-30", "us").astype(np.int64)
NAT = np.datetime64("NaT", "us")

_OFFSET_RE = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_EXCEL_ERRORS = {
    "#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!",
    "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
}


class ExcelError:
    """Marker for an Excel error cell (``#N/A`` ...) as delivered by an Excel runtime."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other) -> bool:
        return isinstance(other, ExcelError) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def is_excel_error_text(value) -> bool:
    return isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS


EXCEL_ERROR_TEXTS = list(_EXCEL_ERRORS)  # Excel's spellings, as a reader of files gives them
EXCEL_ERROR_VALUES = EXCEL_ERROR_TEXTS + [ExcelError(t) for t in _EXCEL_ERRORS]  # and an Excel runtime


def excel_error_messages(values, field: str) -> np.ndarray:
    """``field: Excel error value #N/A`` where a cell holds an Excel error (as an Excel reader
    spells it, or an ``ExcelError``), None elsewhere: for text fields (order id, shop) that
    would otherwise take the error's text for a value. One hashed look-up per row."""
    s = _as_series(values)
    out = _errors(len(s))
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        arrow = arrow_text(s)
        rows = np.arange(len(s))
        if arrow is not None:  # every spelling starts with "#": Arrow finds those cells in C
            import pyarrow.compute as pc

            marked = pc.starts_with(arrow, "#")
            if not pc.any(marked).as_py():  # the usual column: no cell starts with "#"
                return out
            rows = np.flatnonzero(marked.fill_null(False).to_numpy(zero_copy_only=False))
            s = s.iloc[rows]
        only_text = s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
        errors = EXCEL_ERROR_TEXTS if only_text else EXCEL_ERROR_VALUES  # text hashes 3x faster
        for j in np.flatnonzero(s.isin(errors).to_numpy()):
            out[rows[j]] = f"{field}: Excel error value {str(s.iat[j]).strip()}"
    return out


def _as_series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    if isinstance(values, (pd.Index, np.ndarray, list, tuple)):
        arr = np.asarray(values, dtype=object) if isinstance(values, (list, tuple)) else values
        return pd.Series(arr)
    return pd.Series([values], dtype=object)


def _errors(n: int) -> np.ndarray:
    """An object array of n Nones (no messages). A new object array already holds None, and
    ``np.empty`` gets there ten times faster than ``np.full(n, None)``."""
    return np.empty(n, dtype=object)


@lru_cache(maxsize=2)
def _no_messages(n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out.flags.writeable = False
    return out


def without_empty(errors: np.ndarray) -> np.ndarray:
    """``errors``, or where it holds no message one shared read-only array of Nones of its length
    (the fresh one is freed: a table of many fields keeps one such array, not one per field)."""
    return errors if message_rows(errors).any() else _no_messages(len(errors))


def _describe(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- date-times ----------------------------------------------------------------------------


def excel_serial_to_datetime(serial: float, field: str = "value") -> dt.datetime:
    """One Excel serial (1900 date system) to a naive datetime, rounded to the second."""
    us, err = _serials_to_us(np.array([serial], dtype=float), field)
    if err[0] is not None or np.isnat(us[0]):
        raise ValueError(err[0] or f"{field} is blank")
    return pd.Timestamp(us[0]).to_pydatetime()


def _serials_to_us(serials: np.ndarray, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Excel serials to datetime64[us]; NaN stays NaT without an error (a blank)."""
    serials = serials.astype(float)
    ok = np.isfinite(serials) & (serials >= EXCEL_MIN_SERIAL) & (serials < EXCEL_MAX_SERIAL)
    seconds = np.round(np.where(ok, serials, 0.0) * 86_400.0).astype(np.int64)
    us = np.where(ok, _EXCEL_EPOCH_US + seconds * US_PER_SECOND, NAT.astype(np.int64))
    errors = _errors(len(serials))
    for i in np.flatnonzero(~ok & ~np.isnan(serials)):
        errors[i] = (
            f"{field}: Excel serial {_describe(serials[i])} is outside 61 (1900-03-01) .. "
            f"2958465 (9999-12-31)"
        )
    return us.view("datetime64[us]"), errors


_EXPORT_DATE = r"^(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?"


def _normalise_date_text(s: pd.Series) -> pd.Series:
    """Common export spellings to ISO: 2024/4/5 9:07, 2024.04.05, 2024年4月5日 09:07."""
    parts = s.str.extract(_EXPORT_DATE + r"[T\s]*(.*)$")
    date = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
    rest = parts[3].fillna("").str.strip().str.replace(r"^(\d):", r"0\1:", regex=True)
    return (date + " " + rest).str.strip()


_DAY_FIRST_DATE = r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
DAY_FIRST_TEXT = re.compile(_DAY_FIRST_DATE + r"(?:[T\s]|$)")  # 13/04/2024, 13.04.2024 10:00


def _day_first_to_iso(s: pd.Series) -> pd.Series:
    """Day-first spellings (``13/04/2024 10:00``, ``13.04.2024``) to ISO; others become NaN."""
    parts = s.str.extract(_DAY_FIRST_DATE + r"(?:[T\s]+(.*))?$")
    date = parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2)
    rest = parts[3].fillna("").str.strip().str.replace(r"^(\d):", r"0\1:", regex=True)
    return (date + " " + rest).str.strip()


def _parse_text(texts: pd.Series, tz: str, dayfirst: bool = False) -> np.ndarray:
    """ISO-ish strings (naive or with offset) to naive platform time; NaT where unparseable.

    With ``dayfirst``, ``DD/MM/YYYY`` (``/ . -``) is read as day, month, year; without it such a
    value is an error, never a guess between day-first and month-first."""
    out = np.full(len(texts), NAT)
    if not len(texts):
        return out
    aware = texts.str.contains(_OFFSET_RE, regex=True).to_numpy(dtype=bool) & texts.str.contains(
        r"\d[T ]?\d{1,2}:\d{2}", regex=True
    ).to_numpy(dtype=bool)
    for mask, utc in ((~aware, False), (aware, True)):
        if not mask.any():
            continue
        part = texts[mask]
        parsed = pd.to_datetime(part, format="ISO8601", errors="coerce", utc=utc)
        bad = parsed.isna().to_numpy()
        if bad.any():
            retry = pd.to_datetime(
                _normalise_date_text(part[bad]), format="ISO8601", errors="coerce", utc=utc
            )
            parsed = parsed.copy()
            parsed[bad] = retry
            still = bad & parsed.isna().to_numpy()
            if dayfirst and still.any():
                parsed[still] = pd.to_datetime(
                    _day_first_to_iso(part[still]), format="ISO8601", errors="coerce", utc=utc
                )
        if utc:
            parsed = parsed.dt.tz_convert(tz).dt.tz_localize(None)
        out[mask] = parsed.to_numpy(dtype="datetime64[us]")
    return out


def parse_datetimes(
    values, field: str, tz: str | None = None, dayfirst: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of date-times into naive platform time.

    Accepts datetime/date objects, pandas Timestamps (aware ones are converted to ``tz``, by
    default the rules' time zone), ISO strings with or without an offset, common export
    spellings, and Excel serial numbers; with ``dayfirst`` also text dates written day first
    (``13/04/2024 10:00``).

    Returns:
        ``(datetime64[us] array with NaT for blanks and errors, error texts)``.
    """
    tz = default_rules().timezone if tz is None else tz
    s = _as_series(values)
    n = len(s)
    errors = _errors(n)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert(tz).dt.tz_localize(None).to_numpy(dtype="datetime64[us]"), errors
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.to_numpy(dtype="datetime64[us]"), errors
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(object)
    elif pd.api.types.is_numeric_dtype(s.dtype):
        out, errors = _serials_to_us(s.to_numpy(dtype=float, na_value=np.nan), field)
        return out, errors
    if isinstance(s.dtype, pd.StringDtype):  # text column (CSV as read): the common spelling in C
        return _parse_text_column(s, field, tz, dayfirst)

    out = np.full(n, NAT)
    obj = s.to_numpy(dtype=object)
    kinds = _kinds(obj)
    # datetimes and Timestamps (naive or aware, possibly mixed)
    idx = np.flatnonzero(kinds == _DATETIME)
    if len(idx):
        # plain naive datetime objects (what Excel runtimes deliver) convert in C
        plain = np.fromiter((type(obj[i]) is dt.datetime and obj[i].tzinfo is None for i in idx), bool, len(idx))
        if plain.any():
            out[idx[plain]] = np.array(obj[idx[plain]].tolist(), dtype="datetime64[us]")
            idx = idx[~plain]
        for i in idx:
            v = obj[i]
            ts = pd.Timestamp(v)
            if ts.tzinfo is not None:
                ts = ts.tz_convert(tz).tz_localize(None)
            out[i] = ts.as_unit("us").to_datetime64()
    idx = np.flatnonzero(kinds == _DATE)
    if len(idx):
        out[idx] = np.array([np.datetime64(obj[i], "D") for i in idx]).astype("datetime64[us]")
    idx = np.flatnonzero(kinds == _NUMBER)
    if len(idx):
        out[idx], errs = _serials_to_us(obj[idx].astype(float), field)
        errors[idx] = errs
    idx = np.flatnonzero(kinds == _TEXT)
    if len(idx):
        texts = pd.Series(obj[idx], dtype=object).astype(str).str.strip()
        numeric = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        is_num = ~np.isnan(numeric) & ~texts.str.fullmatch(r"\d{8}").to_numpy(dtype=bool)
        if is_num.any():
            out[idx[is_num]], errs = _serials_to_us(numeric[is_num], field)
            errors[idx[is_num]] = errs
        rest = idx[~is_num]
        if len(rest):
            parsed = _parse_text(texts[~is_num].reset_index(drop=True), tz, dayfirst)
            out[rest] = parsed
            for j in np.flatnonzero(np.isnat(parsed)):
                errors[rest[j]] = f"{field}: not a date or time: {_describe(obj[rest[j]])}"
    for i in np.flatnonzero(kinds == _EXCEL_ERROR):
        errors[i] = f"{field}: Excel error value {_describe(obj[i]).strip(chr(39))}"
    for i in np.flatnonzero(kinds == _OTHER):
        errors[i] = f"{field}: not a date or time: {_describe(obj[i])}"
    return out, errors


def _parse_text_column(s: pd.Series, field: str, tz: str, dayfirst: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A text column: ``YYYY-MM-DD HH:MM:SS`` values parsed in C as they are; only the values
    that do not fit (blanks, padding, other spellings, offsets, serials, error values) are looked
    at again, by the general per-kind path. Arrow-backed text is read from its bytes first
    (:func:`~.arrowtext.usual_datetimes`), so pandas sees only the cells that do not fit."""
    n = len(s)
    out = np.full(n, NAT)
    errors = _errors(n)
    rows = np.arange(n)  # positions still to parse
    arrow = arrow_text(s)
    if arrow is not None:
        cells = TextBytes(arrow)
        done, us = usual_datetimes(cells)
        out.view(np.int64)[done] = us
        todo = ~cells.blank()
        todo[done] = False
        rows = np.flatnonzero(todo)
        if not len(rows):
            return out, errors
        s = s.iloc[rows]
    plain = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S", errors="coerce").to_numpy(dtype="datetime64[us]")
    out[rows] = plain
    left = np.flatnonzero(np.isnat(plain))
    if len(left):
        texts = s.iloc[left]
        keep = ~(texts.isna() | (texts.str.strip() == "")).to_numpy(dtype=bool)  # blanks stay NaT
        rest = rows[left[keep]]
        if len(rest):
            others = pd.Series(texts.to_numpy(dtype=object)[keep], dtype=object)
            out[rest], errors[rest] = parse_datetimes(others, field, tz, dayfirst)
    return out, errors


_BLANK, _DATETIME, _DATE, _NUMBER, _TEXT, _EXCEL_ERROR, _OTHER = range(7)


def _kind(v) -> int:
    if v is None or v is pd.NaT or v is pd.NA:
        return _BLANK
    if isinstance(v, (dt.datetime, np.datetime64)):
        return _BLANK if pd.isna(v) else _DATETIME
    if isinstance(v, dt.date):
        return _DATE
    if isinstance(v, ExcelError):
        return _EXCEL_ERROR
    if isinstance(v, (bool, np.bool_)):
        return _OTHER
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _BLANK if v != v else _NUMBER
    if isinstance(v, str):
        t = v.strip()
        if not t:
            return _BLANK
        return _EXCEL_ERROR if t.upper() in _EXCEL_ERRORS else _TEXT
    return _OTHER


_kind_vec = np.frompyfunc(_kind, 1, 1)


def _kinds(obj: np.ndarray) -> np.ndarray:
    if not len(obj):
        return np.zeros(0, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        return _kind_vec(obj).astype(np.int8)


_PLAIN_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?")
_PLAIN_FORMATS = {10: "%Y-%m-%d", 16: "%Y-%m-%d %H:%M", 19: "%Y-%m-%d %H:%M:%S"}


def parse_datetime(value, field: str, tz: str | None = None, required: bool = True):
    """One value; raises ``ValueError`` naming ``field``. Returns a naive ``pd.Timestamp`` or None.

    The way people type a moment (``2024-07-01 10:00``) is read directly; anything else, and any
    such text that is not a real date, goes through the column parser (and its messages)."""
    if isinstance(value, str) and _PLAIN_MOMENT.fullmatch(text := value.strip()):
        try:
            return pd.Timestamp(dt.datetime.strptime(text, _PLAIN_FORMATS[len(text)]))
        except ValueError:
            pass
    out, err = parse_datetimes([value], field, tz)
    if err[0] is not None:
        raise ValueError(err[0])
    if np.isnat(out[0]):
        if required:
            raise ValueError(f"{field} is blank")
        return None
    return pd.Timestamp(out[0])


# --- months ------------------------------------------------------------------------------------


_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def parse_months(values, field: str = "month", tz: str | None = None) -> tuple[pd.PeriodIndex, np.ndarray]:
    """``YYYY-MM`` / ``2024年4月`` text, Periods, or any date the date parser takes -> monthly Periods.

    Anything else (e.g. "April" with no year) is an error, never a guess.
    """
    s = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    obj = s.astype(object).to_numpy()
    out = np.full(len(obj), pd.NaT, dtype=object)
    errors = np.empty(len(obj), dtype=object)
    rest = []
    for i, v in enumerate(obj):
        if isinstance(v, pd.Period):
            out[i] = v.asfreq("M")
            continue
        match = _MONTH_TEXT.match(v.strip()) if isinstance(v, str) else None
        if match and 1 <= int(match.group(2)) <= 12:
            out[i] = pd.Period(year=int(match.group(1)), month=int(match.group(2)), freq="M")
        else:
            rest.append(i)
    if rest:
        when, errs = parse_datetimes(obj[rest], field, tz)
        for k, i in enumerate(rest):
            if np.isnat(when[k]):
                v = obj[i]
                errors[i] = (f"{field}: Excel error value {str(v).strip()}"
                             if is_excel_error_text(v) or isinstance(v, ExcelError) else
                             f"{field}: not a month (YYYY-MM): {v!r}")
            else:
                out[i] = pd.Period(pd.Timestamp(when[k]), "M")
    return pd.PeriodIndex(list(out), freq="M"), errors


# --- counts ---------------------------------------------------------------------------------


def parse_counts(values, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Whole non-negative numbers (text numbers like " 12 " and "12.0" too); NaN for blanks."""
    s = _as_series(values)
    n = len(s)
    errors = _errors(n)
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(object)
    if pd.api.types.is_numeric_dtype(s.dtype):
        nums = s.to_numpy(dtype=float, na_value=np.nan)
        raw = nums
    elif isinstance(s.dtype, pd.StringDtype):  # text column: numbers in C as they are, the rest per kind
        nums, errors = _parse_count_text(s, field)
        return nums, errors
    else:
        obj = s.to_numpy(dtype=object)
        kinds = _kinds(obj)
        nums = np.full(n, np.nan)
        num_idx = np.flatnonzero(kinds == _NUMBER)
        nums[num_idx] = obj[num_idx].astype(float)
        txt_idx = np.flatnonzero(kinds == _TEXT)
        if len(txt_idx):
            texts = pd.Series(obj[txt_idx], dtype=object).astype(str).str.strip().str.replace(",", "")
            nums[txt_idx] = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            for j in np.flatnonzero(np.isnan(nums[txt_idx])):
                errors[txt_idx[j]] = f"{field}: not a number: {_describe(obj[txt_idx[j]])}"
        for i in np.flatnonzero(kinds == _EXCEL_ERROR):
            errors[i] = f"{field}: Excel error value {obj[i]}"
        for i in np.flatnonzero((kinds == _OTHER) | (kinds == _DATETIME) | (kinds == _DATE)):
            errors[i] = f"{field}: not a number: {_describe(obj[i])}"
        raw = obj
    finite = np.isfinite(nums)
    bad_inf = ~finite & ~np.isnan(nums)
    for i in np.flatnonzero(bad_inf):
        errors[i] = f"{field}: not a finite number: {_describe(raw[i])}"
    neg = finite & (nums < 0)
    frac = finite & (nums != np.floor(np.where(finite, nums, 0)))
    for i in np.flatnonzero(neg):
        errors[i] = f"{field} must not be negative: {_describe(raw[i])}"
    for i in np.flatnonzero(frac & ~neg):
        errors[i] = f"{field} must be a whole number: {_describe(raw[i])}"
    bad = neg | frac | bad_inf
    nums = np.where(bad, np.nan, nums)
    return nums, errors


def _parse_count_text(s: pd.Series, field: str) -> tuple[np.ndarray, np.ndarray]:
    """A text column of counts: plain digits read from Arrow bytes, other numbers by
    ``to_numeric``; the rest (blanks, padding, separators, words, negatives, fractions) per kind."""
    n = len(s)
    nums = np.full(n, np.nan)
    errors = _errors(n)
    rows = np.arange(n)
    arrow = arrow_text(s)
    if arrow is not None:
        done, values = plain_counts(arrow)
        nums[done] = values
        todo = ~TextBytes(arrow).blank()  # blank cells are unknown (NaN), no error
        todo[done] = False
        rows = np.flatnonzero(todo)
        if not len(rows):
            return nums, errors
        s = s.iloc[rows]
    parsed = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    nums[rows] = parsed
    odd = np.flatnonzero(~np.isfinite(parsed) | (parsed < 0) | (parsed != np.floor(np.where(
        np.isfinite(parsed), parsed, 0))))  # blanks, padding, separators, words; and bad numbers
    if len(odd):
        raw = s.to_numpy(dtype=object)[odd]
        nums[rows[odd]], errors[rows[odd]] = parse_counts(pd.Series(raw, dtype=object), field)
    return nums, errors


# --- categorical values (channel, method) ---------------------------------------------------


@lru_cache(maxsize=1)
def _value_aliases() -> dict[str, dict[str, str]]:
    from .headers import load_headers

    doc = load_headers()
    out = {}
    for kind in ("channel_values", "method_values"):
        table = {}
        for canonical, aliases in doc[kind].items():
            table[fold(canonical)] = canonical
            for alias in aliases:
                table[fold(alias)] = canonical
        out[kind] = table
    return out


BLANK, UNKNOWN = -1, -2  # choice codes that are not an index into the allowed names


def parse_choice_codes(values, field: str, kind: str, names: tuple[str, ...], allowed: str):
    """A choice column as int8 codes into ``names`` (``BLANK``, ``UNKNOWN``) and row messages.

    Aliases are looked up once per distinct value; rows only take integers from that table, so
    later stages compare small integers instead of Python strings.
    """
    s = _as_series(values)
    text = isinstance(s.dtype, pd.StringDtype)  # factorised as it is; anything else as objects
    codes, uniques = pd.factorize(s if text else s.astype(object), use_na_sentinel=True)
    table = _value_aliases()[kind]
    mapped = []
    messages = []
    for u in uniques:
        if isinstance(u, str) and not u.strip():
            mapped.append(BLANK)
            messages.append(None)
            continue
        hit = table.get(fold(u)) if isinstance(u, str) else None
        if hit is None:
            is_error = is_excel_error_text(u) or isinstance(u, ExcelError)
            mapped.append(UNKNOWN)
            messages.append(f"{field}: Excel error value {str(u).strip()}" if is_error else
                            f"{field}: unknown value {_describe(u)} (expected {allowed})")
        else:
            mapped.append(names.index(hit))
            messages.append(None)
    row_codes = np.array(mapped + [BLANK], dtype=np.int8)[codes]
    if all(m is None for m in messages):
        return row_codes, _errors(len(codes))
    out_messages = np.array(messages + [None], dtype=object)[codes]
    # Hashing equates True with 1 and 1.0: a non-text value's message quotes its own row's value.
    odd = [i for i, u in enumerate(uniques) if not isinstance(u, str)]
    if odd:
        obj = s.to_numpy(dtype=object)
        for row in np.flatnonzero(np.isin(codes, odd)):
            v = obj[row]
            out_messages[row] = (f"{field}: Excel error value {v}" if isinstance(v, ExcelError) else
                                 f"{field}: unknown value {_describe(v)} (expected {allowed})")
    return row_codes, out_messages


def choice_names(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Codes back to an object array of names (None for blank or unknown)."""
    return np.array(names + (None, None), dtype=object)[codes]


def parse_channel_codes(values, field: str = "channel"):
    """Channel codes into ``CHANNELS`` (``BLANK``/``UNKNOWN`` otherwise) and row messages."""
    return parse_choice_codes(values, field, "channel_values", CHANNELS, "POP or JIT")


def parse_method_codes(values, field: str = "method"):
    """Method codes into ``METHODS`` (``BLANK``/``UNKNOWN`` otherwise) and row messages."""
    return parse_choice_codes(values, field, "method_values", METHODS, "pickup or self")


def parse_channels(values, field: str = "channel"):
    """``POP``/``JIT`` (case-, space-insensitive, with aliases); None for blanks."""
    codes, messages = parse_channel_codes(values, field)
    return choice_names(codes, CHANNELS), messages


def parse_methods(values, field: str = "method"):
    """``pickup``/``self`` (上门揽收 / 自寄 and other aliases); None for blanks."""
    codes, messages = parse_method_codes(values, field)
    return choice_names(codes, METHODS), messages


def first_errors(*error_arrays: np.ndarray) -> np.ndarray:
    """Row-wise join of several error arrays ("; " between messages); None where all are None.

    Only rows that have a message are visited (:func:`message_rows`), so the usual case, no
    errors, costs one pointer scan per array.
    """
    n = len(error_arrays[0])
    out = _errors(n)
    has = np.zeros(n, dtype=bool)
    for errs in error_arrays:
        idx = np.flatnonzero(message_rows(errs))
        if not len(idx):
            continue
        clash = has[idx]
        fresh = idx[~clash]
        out[fresh] = errs[fresh]
        for i in idx[clash]:
            out[i] = f"{out[i]}; {errs[i]}"
        has[idx] = True
    return out


def message_rows(errors: np.ndarray) -> np.ndarray:
    """Where an object array of messages holds one (not None, not NaN), as a bool mask.

    An object array is an array of pointers, and None is one object: comparing the pointers
    with None's address finds the candidates without touching a million Python objects (CPython,
    where ``id`` is the address); the few candidates are then checked with ``pd.notna``.
    """
    errors = np.ascontiguousarray(errors, dtype=object)
    if not errors.size:
        return np.zeros(0, dtype=bool)
    if ctypes is None:
        return pd.notna(errors)
    raw = (ctypes.c_char * errors.nbytes).from_address(errors.ctypes.data)
    present = np.frombuffer(raw, dtype=np.uintp) != np.uintp(id(None))
    candidates = np.flatnonzero(present)
    if len(candidates):
        present[candidates] = pd.notna(errors[candidates])
    return present
