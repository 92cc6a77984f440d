"""The Excel functions' work, without xlwings: Excel values in, one engine call, Excel values out.

Each public function here is the body of the same-named worksheet function in
:mod:`xlcompliance.excel.udfs`, which only adds xlwings' decorators. It converts Excel values
with :mod:`xlcompliance.excel.values`, makes ONE vectorised engine call, and converts the answers
back: a single cell gives one value, whole columns give one spilled column. A bad row gives that
cell ``#VALUE!`` while the other rows compute (``DEADLINE_EXPLAIN`` says why); a row whose
``paid_at`` is blank gives a blank cell. Nothing here needs Excel or xlwings, so the functions run
(and are tested) anywhere, Pyodide included.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pandas as pd

from ..core.assessment import STATUSES, assess, order_statuses, resolve_as_of
from ..core.calendar import Calendar, default_calendar
from ..core.headers import header_map
from ..core.monthly import monthly_summary as _monthly_summary
from ..core.parsing import parse_months
from ..core.rules import default_rules
from ..core.text import fold
from . import values as xv

__all__ = [
    "deadline_explain",
    "hours_late",
    "jit_arrival",
    "last_month_sales",
    "monthly_summary",
    "order_deadline",
    "order_status",
    "pop_deadline",
    "qualifies",
    "refund_due",
    "shop_ontime_rate",
]

# Argument help shown by Excel (shared wording keeps the functions consistent).
ARGUMENT_HELP = {
    "channel": "POP or JIT: a cell or a column (aliases such as 仓发 accepted)",
    "paid_at": "Payment time (platform time: the rules' time zone): a cell or a column",
    "method": "JIT only: pickup (上门揽收, the default) or self (自寄); cell or column",
    "listed_at": "When the product was first listed (blank = unknown); cell or column",
    "last_month_sales": "The product's orders last month (blank = unknown); cell or column",
    "fulfilled_at": "POP first scan / JIT pickup scan / JIT warehouse arrival; blank = not yet",
    "cancelled_at": "Cancellation time, if cancelled without fulfilment; cell or column",
    "as_of": "Moment of assessment (default: now, platform time)",
    "holidays": "Announced holiday windows: start, end[, scope POP/JIT/ALL]; header optional",
    "orders": (
        "Orders table with a header row (channel, paid_at ... or deadline, status), "
        "or two columns: deadline, fulfilled_at"
    ),
    "penalties": "Penalty statement with a header row: shop, order_id, amount, deducted_at",
    "month": "Month of the deadlines: 2024-04, or any date in the month; cell or column",
    "shop": "Shop name; blank = the only shop in the table; cell or column",
    "product_id": "Product id (or 商家编码): a cell or a column",
    "history_from": "The orders table covers payments from here (default: its earliest paid_at)",
}


# --- holidays ---------------------------------------------------------------------------------

_CALENDARS: OrderedDict = OrderedDict()


def _is_header(row) -> bool:
    """A first row of text that does not read as dates is a header row."""
    texts = [v for v in row if v is not None]
    if not texts or not all(isinstance(v, str) for v in texts):
        return False
    _, errors = xv.datetimes(texts[:2], "cell", default_rules().timezone)
    return any(e is not None for e in errors)


def _nonblank_rows(value) -> tuple[np.ndarray, np.ndarray]:
    """A range as a clean block without its blank rows, and the kinds of its cells."""
    block, kinds = xv.table(value)
    keep = ~(kinds == xv.NONE).all(axis=1)
    return block[keep], kinds[keep]


def _calendar(holidays) -> Calendar:
    """The default calendar plus the windows of a holidays range (cached per content)."""
    if holidays is None:
        return default_calendar()
    rows = _nonblank_rows(holidays)[0].tolist()
    if not rows:
        return default_calendar()
    key = tuple(tuple(r) for r in rows)
    cal = _CALENDARS.get(key)
    if cal is None:
        if _is_header(rows[0]):
            frame = pd.DataFrame(
                rows[1:],
                columns=[str(h or f"column{i}") for i, h in enumerate(rows[0])],
                dtype=object,
            )
            cal = Calendar.from_frame(frame)
        else:
            cal = Calendar([tuple(r[:3]) if len(r) >= 3 else tuple(r[:2]) for r in rows])
        _CALENDARS[key] = cal
        while len(_CALENDARS) > 16:
            _CALENDARS.popitem(last=False)
    return cal


def _as_of(as_of):
    values, _, is_range = xv.column(as_of, "as_of")
    if is_range:
        raise ValueError("as_of must be a single cell")
    return resolve_as_of(values[0] if len(values) else None, default_rules())


# --- order rows: one assess() call ------------------------------------------------------------


# How the engine reads each order field (see ``excelvalues.typed``).
_KINDS = {
    "channel": xv.CHOICE,
    "method": xv.CHOICE,
    "paid_at": xv.DATETIME,
    "listed_at": xv.DATETIME,
    "fulfilled_at": xv.DATETIME,
    "cancelled_at": xv.DATETIME,
    "last_month_sales": xv.COUNT,
    "shop": xv.LABEL,
}


class _Rows:
    """The engine's answers per order row, as numpy columns."""

    def __init__(self, assessed: pd.DataFrame):
        self.deadline = assessed["deadline"].to_numpy(dtype="datetime64[us]")
        status = assessed["status"].array
        self.status = np.asarray(status.categories, dtype=object)[status.codes]
        self.bad = status.codes == STATUSES.index("error")
        self.hours_late = assessed["hours_late"].to_numpy(dtype=float)
        expl = pd.Categorical(assessed["explanation"])
        texts = [str(t) for t in expl.categories] + ["nan"]  # code -1 (NaN) reads "nan"
        self.explanation = np.asarray(texts, dtype=object)[expl.codes]

    @classmethod
    def combine(cls, parts: list[tuple[np.ndarray, _Rows]], n: int) -> _Rows:
        """Rows assessed in separate batches, put back in their places."""
        out = cls.__new__(cls)
        for name in ("deadline", "status", "bad", "hours_late", "explanation"):
            first = getattr(parts[0][1], name)
            column = np.empty(n, dtype=first.dtype)
            for where, rows in parts:
                column[where] = getattr(rows, name)
            setattr(out, name, column)
        return out


def _assess_rows(fields: dict, as_of=None, holidays=None):
    """Assess cell/column arguments as order rows.

    Each column is handed to the engine typed (serials, datetimes, numbers), so it takes its
    vectorised paths; rows holding an odd cell (a text date, an error value ...) are assessed
    in a second batch of raw cells. Rows are independent, so the answers are the same.

    Returns:
        ``(answers per row, blank rows, is_range)``; blank rows have no ``paid_at``.
    """
    columns, kinds = {}, {}
    is_range = False
    for name, value in fields.items():
        columns[name], kinds[name], ranged = xv.column(value, name)
        is_range |= ranged
    n = xv.broadcast(columns)
    xv.broadcast(kinds)
    typed, odd = {}, np.zeros(n, dtype=bool)
    for name, values in columns.items():
        typed[name], odd_cells = xv.typed(values, _KINDS[name], kinds[name])
        odd |= odd_cells
    for name in ("fulfilled_at", "cancelled_at"):  # not asked: blank, typed (no pass per cell)
        typed.setdefault(name, pd.Series(np.full(n, np.datetime64("NaT", "us"))))
    blank = kinds["paid_at"] == xv.NONE
    as_of_ts = _as_of(as_of) if "fulfilled_at" in fields else None
    calendar = _calendar(holidays)

    def batch(frame: pd.DataFrame) -> _Rows:
        return _Rows(assess(frame.reset_index(drop=True), as_of=as_of_ts, calendar=calendar))

    parts = []
    if not odd.all():
        fast = pd.DataFrame(typed)
        parts.append((~odd, batch(fast[~odd] if odd.any() else fast)))
    if odd.any():
        raw = pd.DataFrame({k: pd.Series(v[odd], dtype=object) for k, v in columns.items()})
        parts.append((odd, batch(raw)))
    rows = parts[0][1] if len(parts) == 1 else _Rows.combine(parts, n)
    return rows, blank, is_range


def _answers(rows: _Rows, blank: np.ndarray, is_range: bool, values: np.ndarray, bad=None):
    """Per row: blank -> "", error -> #VALUE!, else the value."""
    bad = rows.bad if bad is None else rows.bad | bad
    return xv.shaped(xv.answers(values, blank, bad), is_range)


def _deadline_answers(rows: _Rows, blank: np.ndarray, is_range: bool):
    values, outside = xv.datetime_cells(rows.deadline)
    return _answers(rows, blank, is_range, values, outside)


def _fields(channel, paid_at, method=None, listed_at=None, last_month_sales=None, **more):
    fields = {
        "channel": channel,
        "paid_at": paid_at,
        "method": method,
        "listed_at": listed_at,
        "last_month_sales": last_month_sales,
    }
    fields.update(more)
    return fields


def pop_deadline(paid_at, listed_at=None, last_month_sales=None, holidays=None):
    """Deadline for a POP order's first carrier scan (上网), platform time. Cells or columns."""
    rows, blank, is_range = _assess_rows(
        _fields("POP", paid_at, None, listed_at, last_month_sales), holidays=holidays
    )
    return _deadline_answers(rows, blank, is_range)


def jit_arrival(paid_at, method=None, listed_at=None, last_month_sales=None, holidays=None):
    """Deadline for a JIT order: pickup scan (上门揽收) or warehouse arrival (自寄)."""
    rows, blank, is_range = _assess_rows(
        _fields("JIT", paid_at, method, listed_at, last_month_sales), holidays=holidays
    )
    return _deadline_answers(rows, blank, is_range)


def order_deadline(
    channel, paid_at, method=None, listed_at=None, last_month_sales=None, holidays=None
):
    """Deadline of any order, POP or JIT, platform time. Cells or whole columns."""
    rows, blank, is_range = _assess_rows(
        _fields(channel, paid_at, method, listed_at, last_month_sales), holidays=holidays
    )
    return _deadline_answers(rows, blank, is_range)


def _status_rows(channel, paid_at, fulfilled_at, method, listed_at, last_month_sales, cancelled_at, as_of, holidays):
    """The assessed rows behind ORDER_STATUS and HOURS_LATE (same arguments, one engine call)."""
    fields = _fields(
        channel, paid_at, method, listed_at, last_month_sales, fulfilled_at=fulfilled_at, cancelled_at=cancelled_at
    )
    return _assess_rows(fields, as_of, holidays)


def order_status(
    channel,
    paid_at,
    fulfilled_at=None,
    method=None,
    listed_at=None,
    last_month_sales=None,
    cancelled_at=None,
    as_of=None,
    holidays=None,
):
    """Status of each order as of a moment: on_time, late, pending, cancelled (#VALUE! = bad)."""
    rows, blank, is_range = _status_rows(
        channel, paid_at, fulfilled_at, method, listed_at, last_month_sales, cancelled_at, as_of, holidays
    )
    return _answers(rows, blank, is_range, rows.status)


def hours_late(
    channel,
    paid_at,
    fulfilled_at=None,
    method=None,
    listed_at=None,
    last_month_sales=None,
    cancelled_at=None,
    as_of=None,
    holidays=None,
):
    """Hours past the deadline for late orders; blank for orders that are not late."""
    rows, blank, is_range = _status_rows(
        channel, paid_at, fulfilled_at, method, listed_at, last_month_sales, cancelled_at, as_of, holidays
    )
    hours = rows.hours_late.astype(object)
    hours[np.isnan(rows.hours_late)] = ""
    return _answers(rows, blank, is_range, hours)


def deadline_explain(
    channel, paid_at, method=None, listed_at=None, last_month_sales=None, holidays=None
):
    """Why the deadline is what it is (rule set, allowance, days not counted), or why not."""
    rows, blank, is_range = _assess_rows(
        _fields(channel, paid_at, method, listed_at, last_month_sales), holidays=holidays
    )
    return xv.shaped(xv.answers(rows.explanation, blank, np.zeros_like(blank)), is_range)


# --- shop-months: one assess()/monthly_summary() call ----------------------------------------


def _frame(block: np.ndarray, kinds: np.ndarray | None = None) -> pd.DataFrame:
    """A clean block with a header row as a frame of its cells.

    Given the cells' ``kinds``, the block is an orders table: each date, count or shop column
    whose cells are all of one kind is typed for the engine's vectorised paths (a column with
    odd cells is left as it is).
    """
    header = [f"column{i + 1}" if h is None else str(h).strip() for i, h in enumerate(block[0])]
    frame = pd.DataFrame(block[1:], columns=header, dtype=object)
    if kinds is not None:
        for canonical, names in header_map(header, "orders").items():
            field_kind = _KINDS.get(canonical)
            if field_kind in (None, xv.CHOICE) or len(names) != 1 or header.count(names[0]) != 1:
                continue
            i = header.index(names[0])
            series, odd = xv.typed(np.ascontiguousarray(block[1:, i]), field_kind, kinds[1:, i])
            if not odd.any():
                frame.isetitem(i, series)
    return frame


def _statuses(values: np.ndarray) -> pd.Categorical:
    """A column of status texts as order statuses (anything else is an error)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    folded = [
        str(s).strip().lower().replace(" ", "_") if isinstance(s, str) else "error" for s in uniques
    ]
    error = STATUSES.index("error")
    index = np.array([STATUSES.index(s) if s in STATUSES else error for s in folded] + [error])
    return pd.Categorical.from_codes(index[codes], categories=list(STATUSES))


def _assessed_table(orders, as_of, holidays) -> pd.DataFrame:
    """An orders range as an assessed frame (shop, deadline, status) for ``monthly_summary``."""
    rules = default_rules()
    rows, kinds = _nonblank_rows(orders)
    if not len(rows):
        raise ValueError("orders: the range is empty")
    width = rows.shape[1]
    folded = {fold(h): i for i, h in enumerate(rows[0]) if isinstance(h, str)}
    known = header_map([str(h) for h in rows[0]], "orders")
    if "deadline" in folded and "status" in folded:  # an assessed table: use its statuses
        frame = _frame(rows)
        deadline, _ = xv.datetimes(rows[1:, folded["deadline"]], "deadline", rules.timezone)
        out = pd.DataFrame(
            {
                "deadline": pd.Series(deadline, dtype="datetime64[us]"),
                "status": _statuses(rows[1:, folded["status"]]),
            }
        )
        if "shop" in known:
            out.insert(0, "shop", frame[known["shop"][0]].reset_index(drop=True))
        if "orderline" in folded:  # an order of several rows: only its line 1 counts
            out["order_line"] = pd.to_numeric(pd.Series(rows[1:, folded["orderline"]]), errors="coerce")
        return out
    if "channel" in known and "paid_at" in known:
        return assess(_frame(rows, kinds), as_of=_as_of(as_of), calendar=_calendar(holidays), explain=False)
    if width == 2:  # deadline, fulfilled_at
        body = rows[1:] if _is_header(rows[0]) else rows
        deadline, e_deadline = xv.datetimes(body[:, 0], "deadline", rules.timezone)
        fulfilled, e_fulfilled = xv.datetimes(body[:, 1], "fulfilled_at", rules.timezone)
        valid = ~np.isnat(deadline) & pd.isna(e_deadline) & pd.isna(e_fulfilled)
        codes, _ = order_statuses(
            deadline,
            fulfilled,
            np.full(len(body), np.datetime64("NaT", "us")),
            valid,
            _as_of(as_of),
        )
        return pd.DataFrame(
            {
                "deadline": pd.Series(deadline, dtype="datetime64[us]"),
                "status": pd.Categorical.from_codes(codes, categories=list(STATUSES)),
            }
        )
    raise ValueError(
        "orders: expected a header row with channel and paid_at (or deadline and status), "
        "or two columns deadline, fulfilled_at"
    )


def _summary(orders, penalties, as_of, holidays) -> pd.DataFrame:
    assessed = _assessed_table(orders, as_of, holidays)
    ledger = None
    if penalties is not None:
        rows, _ = _nonblank_rows(penalties)
        ledger = _frame(rows) if len(rows) else None
    return _monthly_summary(assessed, ledger, as_of=_as_of(as_of))


def _months(values: list) -> list:
    """Month arguments to Periods (None = all months, ValueError text = bad)."""
    out = []
    tz = default_rules().timezone
    for v in values:
        if v is None:
            out.append(None)
            continue
        if isinstance(v, str) and not re.match(r"^\s*\d+(\.\d+)?\s*$", v):
            months, errors = parse_months([v])
            out.append(errors[0] if errors[0] else months[0])
            continue
        parsed, errors = xv.datetimes([v], "month", tz)
        out.append(errors[0] if errors[0] else pd.Timestamp(parsed[0]).to_period("M"))
    return out


def _shop_months(summary: pd.DataFrame, month, shop, *, month_required: bool, one_shop: bool):
    """Per (month, shop) argument row: the matching summary rows, or an error text."""
    months, _, month_range = xv.column(month, "month")
    shops, _, shop_range = xv.column(shop, "shop")
    columns = {
        "month": _months(months),
        "shop": [None if s is None else str(s).strip() for s in shops],
    }
    xv.broadcast(columns)
    known_shops = sorted(set(summary["shop"]))
    selections = []
    for m, s in zip(columns["month"], columns["shop"], strict=True):
        if isinstance(m, str):
            selections.append(m)
        elif m is None and month_required:
            selections.append("month is blank")
        elif s is None and one_shop and len(known_shops) > 1:
            selections.append(f"shop is blank and the table has {len(known_shops)} shops")
        else:
            rows = np.ones(len(summary), dtype=bool)
            if m is not None:
                rows &= (summary["month"] == m).to_numpy()
            if s is not None:
                rows &= (summary["shop"] == s).to_numpy()
            selections.append(summary[rows])
    return selections, month_range or shop_range


def _per_selection(selections, is_range, pick, width: int = 1):
    error = [xv.error_value()] * width if width > 1 else xv.error_value()
    return xv.shaped(
        [error if isinstance(sel, str) else pick(sel) for sel in selections], is_range, width
    )


def shop_ontime_rate(orders, month=None, as_of=None, shop=None, holidays=None):
    """On-time shipping rate (及时发货率) = on time / (on time + late); blank if none assessed."""
    summary = _summary(orders, None, as_of, holidays)
    selections, is_range = _shop_months(summary, month, shop, month_required=False, one_shop=False)

    def rate(sel):
        assessed = int(sel["assessed"].sum())
        return "" if assessed == 0 else int(sel["on_time"].sum()) / assessed

    return _per_selection(selections, is_range, rate)


def qualifies(orders, month, as_of=None, shop=None, holidays=None):
    """TRUE when the shop-month's rate reaches the threshold (95 %) and the month is final."""
    summary = _summary(orders, None, as_of, holidays)
    selections, is_range = _shop_months(summary, month, shop, month_required=True, one_shop=True)
    return _per_selection(selections, is_range, lambda sel: bool(sel["qualifies"].any()))


def refund_due(orders, penalties, month, as_of=None, shop=None, holidays=None):
    """Penalty refund due for a shop-month and its due date (two cells: amount, due by)."""
    summary = _summary(orders, penalties, as_of, holidays)
    selections, is_range = _shop_months(summary, month, shop, month_required=True, one_shop=True)

    def due(sel):
        amount = float(sum(sel["refund_due"], start=0))
        when = sel["refund_due_date"].dropna()
        return [amount, xv.to_datetime(when.iloc[0]) if len(when) else ""]

    return _per_selection(selections, is_range, due, width=2)


def monthly_summary(orders, penalties=None, as_of=None, holidays=None):
    """Per shop-month: assessed, on time, late, pending, rate, qualifies, refund due (spills)."""
    summary = _summary(orders, penalties, as_of, holidays)
    header = list(summary.columns)
    rows = [header]
    for rec in summary.to_dict("records"):
        row = []
        for name in header:
            v = rec[name]
            if name == "month":
                v = str(v)
            elif name == "refund_due_date":
                v = xv.to_datetime(v) or ""
            elif name in ("penalties", "refund_due"):
                v = float(v)
            elif name == "rate":
                v = "" if pd.isna(v) else float(v)
            elif isinstance(v, (np.bool_, bool)):
                v = bool(v)
            elif isinstance(v, np.integer):
                v = int(v)
            row.append(v)
        rows.append(row)
    return rows


def last_month_sales(product_id, paid_at, orders, history_from=None):
    """The product's distinct orders, not cancelled, paid in the calendar month before paid_at's
    month, counted in an orders table (order_id, product_id, paid_at[, cancelled_at]). Blank when
    the table does not cover that whole month (it covers payments from ``history_from``, by
    default its earliest paid_at). Cells or columns; the same count ``assess`` derives."""
    from ..core.derived_sales import derive_last_month_sales
    from ..core.headers import canonical_series
    from ..core.parsing import parse_datetime
    from ..core.product_lines import order_groups, text_keys

    tz = default_rules().timezone
    products, _, products_range = xv.column(product_id, "product_id")
    paid_values, _, paid_range = xv.column(paid_at, "paid_at")
    n = xv.broadcast({"product_id": products, "paid_at": paid_values})
    products = np.resize(products, n) if len(products) == 1 else products
    paid_values = np.resize(paid_values, n) if len(paid_values) == 1 else paid_values
    paid, errors = xv.datetimes(paid_values, "paid_at", tz)
    rows, kinds = _nonblank_rows(orders)
    if len(rows) < 1:
        raise ValueError("orders: expected a table with a header row (order_id, product_id, paid_at)")
    cols = canonical_series(_frame(rows, kinds), "orders")
    missing = [c for c in ("order_id", "product_id", "paid_at") if c not in cols]
    if missing:
        raise ValueError(f"orders: missing column(s) {', '.join(missing)}")
    t_paid, _ = xv.datetimes(cols["paid_at"].to_numpy(dtype=object), "paid_at", tz)
    t_cancelled, _ = (xv.datetimes(cols["cancelled_at"].to_numpy(dtype=object), "cancelled_at", tz)
                      if "cancelled_at" in cols else (np.full(len(t_paid), np.datetime64("NaT", "us")), None))
    start = None
    if history_from is not None and xv.clean(history_from) is not None:
        start = np.datetime64(pd.Timestamp(parse_datetime(xv.clean(history_from), "history_from", tz)), "us")
    elif (~np.isnat(t_paid)).any():
        start = t_paid[~np.isnat(t_paid)].min()
    groups = order_groups(cols["order_id"])
    m = len(t_paid)
    # the table's lines count; the asked rows only look up (their own order keys never match)
    result = derive_last_month_sales(
        np.concatenate([text_keys(cols["product_id"]), text_keys(products)]),
        np.concatenate([groups, groups.max(initial=-1) + 1 + np.arange(n)]),
        np.concatenate([t_paid, paid]),
        np.concatenate([~np.isnat(t_paid) & np.isnat(t_cancelled), np.zeros(n, dtype=bool)]),
        start if start is not None else np.datetime64("NaT", "us"),
    )
    counts = result.count[m:]
    blank = np.isnat(paid) & pd.isna(errors) | pd.isna(text_keys(products))
    unknown = np.isnan(counts) & ~blank
    values = np.where(np.isnan(counts), 0, counts).astype(np.int64).astype(object)
    values[unknown] = ""
    return xv.shaped(xv.answers(values, blank, pd.notna(errors) & ~blank), products_range or paid_range)
