"""The portable workbook: deadlines and statuses computed by the spreadsheet's built-in functions.

Excel 2010+, WPS, LibreOffice and Google Sheets all recalculate it, with no add-in and no macro:
only ``WORKDAY.INTL``/``NETWORKDAYS.INTL``, ``IF``/``AND``/``OR``, ``INDEX``/``MATCH``,
``COUNTIF(S)``/``SUMIFS`` and arithmetic. Every rule value lives in the visible Rules sheet and
the holiday windows in the Holidays sheet; the formulas read them through defined names
(``as_of``, ``cutoff``, ``rs_pop_hours``, ``hol_pop`` ...), so changing a value there changes
every deadline.

How the formulas follow the engine (:mod:`xlcompliance.core.clock`), to the second:

* times are compared in whole seconds (``ROUND(x*86400,0)``), so float serials never decide;
* a channel's *working days* are ``WORKDAY.INTL`` days with that row's weekend mask (``1`` = a
  weekday that does not count: Sunday for POP orders paid on/after the effective date) and that
  channel's holiday day list; ``WORKDAY.INTL(d-1, k+1)`` is the engine's
  ``busday_offset(d, k, roll="forward")``;
* hour rules: ``x`` = counted seconds already elapsed on the payment day (0 when the day does
  not count) + the allowance; the deadline is ``WORKDAY.INTL(d-1, INT(x/86400)+1) +
  MOD(x,86400)``, which is the latest instant (an allowance ending as excluded time begins ends
  when it ends);
* pickup: ``T`` counts from the payment day, or the next day when paid at/after the cutoff,
  rolled to a working day; the deadline is ``WORKDAY.INTL(base-1, N+1)`` at the pickup time.

The Holidays sheet expands each window (start, end, scope) into one day list per channel with
``COUNTIF``/``INDEX`` over a running day count, so adding a window row updates every deadline.
Input dates and numbers are real cell values read by the engine's parsers; a value the engine
cannot read stays as typed and its row shows the engine's error text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.as_of import recorded_as_of
from ..core.assessment import ORDER_COLUMNS
from ..core.calendar import SCOPE_ALIASES, Calendar, official_breaks
from ..core.headers import canonical_columns, canonical_series, load_headers
from ..core.ledgers import normalize_penalties
from ..core.monthly import monthly_summary
from ..core.orders import Orders
from ..core.rules import WEEKDAYS, Rules, default_rules
from .filled_cells import FILLED_COLOUR, FILLED_NOTE_EN, FILLED_NOTE_ZH, filled_fields, order_lines
from .outputs import DATETIME_FORMAT, cell_value, column_letter, excel_text
from .presentation import (
    CHINESE,
    add_table,
    bold_header,
    column_width,
    late_and_soon_rules,
    make_deterministic,
    print_setup,
    text_width,
    zone_name_zh,
)
from .rules_text import plain_source
from .targets import atomic_write, check_target

DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"
TIME_FORMAT = "hh:mm:ss"
MONEY_FORMAT = "#,##0.00"
HIDDEN_ZERO_DATE = "yyyy-mm-dd;;"  # an unused day-list slot (0) shows blank

HEADER_ROW = 2  # row 1: Chinese labels; row 2: the English header (the table's header row)
FIRST = HEADER_ROW + 1
SPARE_ORDER_ROWS = 2000  # rows below the data that the Summary's ranges already cover
SPARE_WINDOW_ROWS = 100  # empty window rows whose day-count formulas are already filled in
SPARE_DAYS = 400  # day-list slots beyond the days of the windows written

#: Columns the formulas add after the export's nine, in order.
ADDED = ("deadline", "status", "hours_late", "error", "rule_set", "month")
#: Working columns: the channel and method as the formulas read them, and the weekend mask.
WORKING = ("channel_read", "method_read", "weekend_mask")
_WORKING_LABELS = {
    "channel_read": ("channel (read)", "模式（识别）"),
    "method_read": ("method (read)", "发货方式（识别）"),
    "weekend_mask": ("weekdays not counted (Mon..Sun)", "不计入的星期（一..日）"),
}
_DATE_FIELDS = ("paid_at", "listed_at", "fulfilled_at", "cancelled_at")


# --- the sheets as cells ------------------------------------------------------------------------


@dataclass
class _Sheet:
    """Cells, formats and finishing of one sheet, before it is written."""

    name: str
    cells: dict = field(default_factory=dict)  # (row, col) -> value or "=formula"
    formats: dict = field(default_factory=dict)  # (row, col) -> number format
    widths: dict = field(default_factory=dict)
    headers: list = field(default_factory=list)  # (row, first col, last col)
    labels: list = field(default_factory=list)  # Chinese label rows: (row, first col, last col)
    freeze: str | None = None
    title_rows: str | None = None
    table: tuple[str, str] | None = None  # (ref, name)
    wrap_cols: tuple = ()
    wrap_cells: set = field(default_factory=set)
    merged: list = field(default_factory=list)
    bold_cells: set = field(default_factory=set)
    print_area: str | None = None
    shade_cols: tuple = ()  # working columns, drawn grey
    filled: set = field(default_factory=set)  # cells filled in, not the export's own values

    def put(self, row: int, col: int, value, fmt: str | None = None) -> None:
        self.cells[(row, col)] = value
        if fmt:
            self.formats[(row, col)] = fmt


def _header(sheet: _Sheet, row: int, names: list[tuple[str, str]], first_col: int = 1) -> None:
    """Chinese labels in ``row - 1`` and the English names in ``row``."""
    for j, (en, zh) in enumerate(names, start=first_col):
        sheet.put(row - 1, j, zh)
        sheet.put(row, j, en)
    last = first_col + len(names) - 1
    sheet.labels.append((row - 1, first_col, last))
    sheet.headers.append((row, first_col, last))


def _names(columns) -> list[tuple[str, str]]:
    return [(c, CHINESE.get(c, "")) for c in columns]


# --- Rules ------------------------------------------------------------------------------------


def _weekdays_text(days: tuple[int, ...]) -> str:
    return ", ".join(WEEKDAYS[d] for d in days)


def _mask_formula(cell: str) -> str:
    """The weekend mask ("0000001") of a cell listing weekday names (Mon, Tue ... Sun)."""
    return "=" + "&".join(f'IF(ISNUMBER(SEARCH("{d}",{cell})),"1","0")' for d in WEEKDAYS)


@dataclass
class _RulesLayout:
    sheet: _Sheet
    names: dict  # defined name -> reference
    rule_sets: int
    exclusions: list  # per exclusion: dict of cell references (channel, mask, from, until)


def _rules_sheet(rules: Rules) -> _RulesLayout:
    s = _Sheet("Rules")
    names: dict[str, str] = {}
    sections = set()
    s.put(1, 1, "Rules in force. Every value on this sheet feeds the formulas: change one and every "
                "deadline, status and rate follows. / "
                "现行规则：本表数值直接参与公式计算，修改后所有截止时间、状态与及时率随之更新。")
    s.put(3, 1, "Rule sets (tried top to bottom: the first whose dates and conditions match an order "
                "applies; the last applies otherwise) / 规则（自上而下匹配，最后一行为默认）")
    cols = [
        ("Rule set", "规则"),
        ("Orders paid from", "付款日期自"),
        ("Orders paid until", "付款日期至"),
        ("New product: listed within (days)", "新品：上架天数以内"),
        ("Or slow seller: last month's orders at most", "或上月销量不超过"),
        ("POP: first carrier scan within (hours)", "POP：上网时限（小时）"),
        ("JIT self-send: warehouse arrival within (hours)", "JIT 自寄：到仓时限（小时）"),
        ("JIT pickup: collected by day T + working days", "JIT 上门揽收：T + 工作日"),
        ("Where this comes from", "来源"),
    ]
    _header(s, 5, cols)
    first = 6
    for i, rs in enumerate(rules.rule_sets):
        r = first + i
        src = rules.sources
        key = f"rule_sets.{rs.name}"
        s.put(r, 1, rs.name)
        s.put(r, 2, None if rs.valid_from is None else dt.datetime.combine(rs.valid_from, dt.time()), DATE_FORMAT)
        s.put(r, 3, None if rs.valid_to is None else dt.datetime.combine(rs.valid_to, dt.time()), DATE_FORMAT)
        s.put(r, 4, rs.listed_within_days)
        s.put(r, 5, rs.max_last_month_sales)
        s.put(r, 6, rs.pop_hours)
        s.put(r, 7, rs.self_send_hours)
        s.put(r, 8, rs.pickup_days)
        notes = [src.get(f"{key}.{k}") for k in ("valid_from", "listed_within_days", "pop_hours", "pickup_days")]
        s.put(r, 9, plain_source(next((n for n in notes if n), src.get(f"{key}.name", ""))))
    last = first + len(rules.rule_sets) - 1
    for j, name in enumerate(
        ("rs_name", "rs_from", "rs_until", "rs_listed_days", "rs_max_sales", "rs_pop_hours",
         "rs_self_hours", "rs_pickup_days"),
        start=1,
    ):
        names[name] = f"Rules!${column_letter(j)}${first}:${column_letter(j)}${last}"

    wrapped = {(row, 9) for row in range(first, last + 1)} | {(1, 1)}
    r = last + 2
    sections.add((r, 1))
    s.put(r, 1, "Weekdays that do not count, per channel, for orders paid inside the dates / 不计入考核的星期")
    _header(s, r + 2, [
        ("Channel", "模式"), ("Weekdays not counted", "不计入的星期"), ("Mask (Mon..Sun, 1 = not counted)", "掩码"),
        ("Orders paid from", "付款日期自"), ("Orders paid until", "付款日期至"), ("Where this comes from", "来源"),
    ])
    exclusions = []
    r += 3
    for i, ex in enumerate(rules.excluded_weekdays):
        s.put(r, 1, ex.channel)
        s.put(r, 2, _weekdays_text(ex.weekdays))
        s.put(r, 3, _mask_formula(f"B{r}"))
        s.put(r, 4, None if ex.valid_from is None else dt.datetime.combine(ex.valid_from, dt.time()), DATE_FORMAT)
        s.put(r, 5, None if ex.valid_to is None else dt.datetime.combine(ex.valid_to, dt.time()), DATE_FORMAT)
        s.put(r, 6, plain_source(rules.sources.get(f"excluded_weekdays[{i}].weekdays", "")))
        wrapped.add((r, 6))
        cells = (("channel", "A"), ("mask", "C"), ("from", "D"), ("until", "E"))
        exclusions.append({k: f"Rules!${c}${r}" for k, c in cells})
        r += 1

    r += 1
    sections.add((r, 1))
    s.put(r, 1, "Other settings / 其他设置")
    _header(s, r + 2, [("Setting", "设置"), ("Value", "数值"), ("Where this comes from", "来源")])
    r += 3
    settings = [
        ("cutoff", "JIT pickup: paid before this time, day T is the payment day / 截单时间",
         rules.cutoff, TIME_FORMAT, "jit.cutoff"),
        ("pickup_time", "JIT pickup: deadline time on day T + N / 揽收截止时刻",
         rules.pickup_deadline_time, TIME_FORMAT, "jit.pickup_deadline_time"),
        ("default_method", "A JIT order without a method is treated as / 未填发货方式视为",
         rules.default_method, None, "jit.default_method"),
        ("threshold", "On-time rate a month needs for the penalty refund / 返还所需及时发货率",
         float(rules.threshold), "0.00%", "refund.threshold"),
        ("due_months", "Refund due at the end of the month this many months later / 返还月份（之后第几个月末）",
         rules.due_months_after, None, "refund.due_months_after"),
        ("due_time", "Refund due by this time on that last day / 返还截止时刻",
         rules.due_time, TIME_FORMAT, "refund.due_time"),
    ]
    for name, label, value, fmt, key in settings:
        if isinstance(value, dt.time):
            value = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        s.put(r, 1, label)
        s.put(r, 2, value, fmt)
        s.put(r, 3, plain_source(rules.sources.get(key, "")))
        s.merged.append(f"C{r}:I{r}")
        wrapped |= {(r, 1), (r, 3)}
        names[name] = f"Rules!$B${r}"
        r += 1
    r += 1
    zone = rules.timezone
    s.put(r, 1, f"Times are platform time ({zone}, {zone_name_zh(zone)}). Holiday windows are on the Holidays sheet.")
    s.widths.update({1: 58, 2: 14, 3: 14, 4: 16, 5: 16, 6: 16, 7: 18, 8: 18, 9: 60})
    s.bold_cells = {(1, 1), (3, 1), *sections}
    s.wrap_cells = wrapped
    s.merged.append("A1:I1")
    return _RulesLayout(s, names, len(rules.rule_sets), exclusions)


# --- Holidays ---------------------------------------------------------------------------------


def _fold_formula(cell: str) -> str:
    """A cell's text without spaces, and with / and & read as + (as the engine reads a scope)."""
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cell}," ",""),"/","+"),"&","+")'


def _scope_test(cell: str, channel: str) -> str:
    words = sorted(k for k, v in SCOPE_ALIASES.items() if v in (channel, "ALL"))
    folded = _fold_formula(cell)
    return "OR(" + ",".join(f'{folded}="{w}"' for w in words) + ")"


def _holidays_sheet(windows: list[tuple], spare_windows: int, spare_days: int):
    """Windows (start, end, scope, name), running day counts per channel, and the day lists."""
    s = _Sheet("Holidays")
    _header(s, HEADER_ROW, _names(("start", "end", "scope", "name")) + [
        ("POP days so far", "POP 累计天数"), ("JIT days so far", "JIT 累计天数"), ("check", "检查"),
    ])
    lists = [("POP: days not counted", "POP 不计入的日期"), ("JIT: days not counted", "JIT 不计入的日期")]
    _header(s, HEADER_ROW, lists, first_col=9)
    last = FIRST + len(windows) + spare_windows - 1
    for i, (start, end, scope, name) in enumerate(windows):
        r = FIRST + i
        s.put(r, 1, start, DATE_FORMAT)
        s.put(r, 2, end, DATE_FORMAT)
        s.put(r, 3, scope)
        s.put(r, 4, excel_text(name))
    total = {}
    for r in range(FIRST, last + 1):
        for col, channel in ((5, "POP"), (6, "JIT")):
            c = column_letter(col)
            valid = f"AND(ISNUMBER(A{r}),ISNUMBER(B{r}),B{r}>=A{r},{_scope_test(f'C{r}', channel)})"
            days = f"IF({valid},INT(B{r})-INT(A{r})+1,0)"
            s.put(r, col, f"=N({c}{r - 1})+{days}")
        known = ",".join(f'{_fold_formula(f"C{r}")}="{w}"' for w in sorted(SCOPE_ALIASES))
        s.put(r, 7, (
            f'=IF(AND(A{r}="",B{r}=""),"",IF(NOT(ISNUMBER(A{r})),"start is not a date",'
            f'IF(NOT(ISNUMBER(B{r})),"end is not a date",IF(B{r}<A{r},"end is before start",'
            f'IF(OR({known}),"","scope must be POP, JIT or ALL")))))'
        ))
    for channel in ("POP", "JIT"):
        total[channel] = sum((e - st).days + 1 for st, e, sc, _ in windows if sc in (channel, "ALL"))
    slots = max(total.values(), default=0) + spare_days
    counts = {ch: f"${column_letter(col)}${FIRST}:${column_letter(col)}${last}" for ch, col in (("POP", 5), ("JIT", 6))}
    for k in range(1, slots + 1):
        r = HEADER_ROW + k
        for col, channel in ((9, "POP"), (10, "JIT")):
            c = counts[channel]
            j = f'COUNTIF({c},"<"&(ROW()-{HEADER_ROW}))+1'
            s.put(r, col, (
                f"=IF(ROW()-{HEADER_ROW}>MAX({c}),0,"
                f"INT(INDEX($B${FIRST}:$B${last},{j}))-INDEX({c},{j})+ROW()-{HEADER_ROW})"
            ), HIDDEN_ZERO_DATE)
    end = HEADER_ROW + slots
    short = '"Fill columns I:J further down: the windows hold more days than listed"'
    s.put(1, 12, f'=IF(OR(MAX({counts["POP"]})>{slots},MAX({counts["JIT"]})>{slots}),{short},'
                 f'"All days of the windows are listed")')
    s.put(2, 12, "Add a window: type start, end, scope (POP, JIT or ALL) and a name in the next empty row; "
                 "fill columns E:G down when past the last filled row. / "
                 "新增假期：在下一空行填写开始、结束、适用范围与名称。")
    s.wrap_cells = {(1, 12), (2, 12)}
    s.print_area = f"A1:G{FIRST + len(windows) - 1}"
    for r in range(FIRST, last + 1):
        for col in (1, 2):
            s.formats.setdefault((r, col), DATE_FORMAT)
    s.widths.update({1: 12, 2: 12, 3: 8, 4: 46, 5: 10, 6: 10, 7: 20, 8: 2, 9: 14, 10: 14, 11: 2, 12: 60})
    s.shade_cols = (5, 6, 7, 9, 10)
    s.freeze = f"A{FIRST}"
    s.title_rows = f"1:{HEADER_ROW}"
    names = {
        "hol_pop": f"Holidays!$I${FIRST}:$I${end}",
        "hol_jit": f"Holidays!$J${FIRST}:$J${end}",
    }
    return s, names


def holiday_windows(holidays: pd.DataFrame | None, rules: Rules, statutory: bool = True) -> list[tuple]:
    """Announced windows (as given, dates parsed) then the official breaks the engine counts."""
    out = []
    if holidays is not None:
        calendar = Calendar.from_frame(holidays, rules=rules)  # validates every window first
        rows = canonical_columns(holidays, "holidays").to_dict("records")
        kept = [r for r in rows if not all(pd.isna(r.get(k)) or str(r.get(k)).strip() == "" for k in ("start", "end"))]
        for rec, (start, end, scope) in zip(kept, calendar.windows, strict=True):
            name = rec.get("name")
            name = "announced window" if name is None or pd.isna(name) or not str(name).strip() else str(name)
            out.append((dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()), scope, name))
    if statutory and rules.statutory:
        for start, end, name in official_breaks(*rules.statutory_years):
            out.append((
                dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()),
                rules.statutory_channels, f"Official break: {name}",
            ))
    return out


# --- Orders -----------------------------------------------------------------------------------


def _parsed_orders(parsed: Orders) -> tuple[dict, list, dict]:
    """Per canonical column, the cell values: as the boundary parsed them where they parse (the
    fields a real export lacks as the assessment filled them), else the raw cell (the formulas
    then show the engine's error for that row); the extra columns; and per fillable field, which
    rows were filled in."""
    extra = parsed.columns_besides(ORDER_COLUMNS)
    n = len(parsed)
    out = {}
    filled = filled_fields(parsed)
    for name in ORDER_COLUMNS:
        raw = parsed.raw(name)
        raw = [None] * n if raw is None else raw.astype(object).tolist()
        errors = parsed.field_errors.get(name)
        if name in _DATE_FIELDS:
            values = [
                p if e is None and not np.isnat(p) else r
                for p, e, r in zip(getattr(parsed, name), errors, raw, strict=True)
            ]
        elif name == "last_month_sales":
            values = [
                int(c) if e is None and not np.isnan(c) else _number_or_raw(r)
                for c, e, r in zip(parsed.last_month_sales, errors, raw, strict=True)
            ]
        elif name in ("channel", "method"):
            names = parsed.channel_names if name == "channel" else parsed.method_names
            values = [c if c is not None and e is None else r for c, e, r in zip(names, errors, raw, strict=True)]
        else:
            values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in raw]
        if name in filled:
            values = [v if u is None else u for v, u in zip(values, filled[name].values, strict=True)]
        out[name] = [cell_value(v) for v in values]
    return out, extra, {name: f.filled for name, f in filled.items()}


def _number_or_raw(value):
    """A count the engine refuses for its value (negative, fractional) as the number it is, so the
    sheet's own check says why; anything else as typed."""
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            return value
        if not np.isfinite(number):
            return value
        return int(number) if number.is_integer() else number
    return value


def _alias_test(cell: str, kind: str, canonical: str) -> str:
    """OR over every spelling of ``canonical`` in the value-alias table (spaces, _ and - ignored)."""
    table = load_headers()[kind]
    words = {canonical.lower(), *(a.lower() for a in table[canonical])}
    folded = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cell}," ",""),"_",""),"-","")'
    spelled = sorted({w.replace(" ", "").replace("_", "").replace("-", "") for w in words})
    return "OR(" + ",".join(f'{folded}="{w}"' for w in spelled) + ")"


def _stamp(cell: str) -> str:
    return f'TEXT({cell},"yyyy-mm-dd hh:mm:ss")'


def _row_formulas(r: int, col: dict, layout: _RulesLayout) -> dict:
    """The formulas of one order row, by column name."""
    c = {k: f"{column_letter(v)}{r}" for k, v in col.items()}
    paid, listed, sales = c["paid_at"], c["listed_at"], c["last_month_sales"]
    done, cancelled = c["fulfilled_at"], c["cancelled_at"]
    ch, method, mask, err, rule = c["channel_read"], c["method_read"], c["weekend_mask"], c["error"], c["rule_set"]
    deadline, status = c["deadline"], c["status"]
    oid = f"{column_letter(col['order_id'])}"

    def text_error(cell, field, what="not a date or time"):
        return f'IF(ISTEXT({cell}),"; {field}: {what}: \'"&{cell}&"\'","")'

    def after(cell, field, word, sign):
        return (f'IF(AND(ISNUMBER({paid}),ISNUMBER({cell})),IF(ROUND(({cell}-{paid})*86400,0){sign}0,'
                f'"; {field} "&{_stamp(cell)}&" is {word} paid_at "&{_stamp(paid)},""),"")')

    pieces = [
        f'IF({paid}="","; paid_at is blank",{text_error(paid, "paid_at")})',
        f'IF({ch}="",IF(TRIM({c["channel"]})="","; channel is blank (expected POP or JIT)",'
        f'"; channel: unknown value \'"&{c["channel"]}&"\' (expected POP or JIT)"),"")',
        f'IF(AND({ch}="JIT",{method}=""),"; method: unknown value \'"&{c["method"]}&"\' (expected pickup or self)","")',
        text_error(listed, "listed_at"),
        f'IF(ISTEXT({sales}),"; last_month_sales: not a number: \'"&{sales}&"\'",IF(ISNUMBER({sales}),'
        f'IF({sales}<0,"; last_month_sales must not be negative: "&{sales},IF({sales}<>INT({sales}),'
        f'"; last_month_sales must be a whole number: "&{sales},"")),""))',
        text_error(done, "fulfilled_at"),
        text_error(cancelled, "cancelled_at"),
        after(listed, "listed_at", "after", ">"),
        after(done, "fulfilled_at", "before", "<"),
        after(cancelled, "cancelled_at", "before", "<"),
        f'IF(TRIM({oid}{r})="","",IF(ISNUMBER(MATCH({oid}{r},{oid}${HEADER_ROW}:{oid}{r - 1},0)),'
        f'"; order_id "&TRIM({oid}{r})&" repeats row "&(MATCH({oid}{r},{oid}${HEADER_ROW}:{oid}{r - 1},0)-1)'
        f'&"; only the first is assessed",""))',
    ]
    if "order_line" in c:  # an export of product lines: a repeated id is another line of one order
        pieces[-1] = f'IF(ISNUMBER({c["order_line"]}),"",{pieces[-1]})'
    f = {}
    f["error"] = "=MID(" + "&".join(pieces) + ",3,2000)"
    f["channel_read"] = (
        f'=IF({_alias_test(c["channel"], "channel_values", "POP")},"POP",'
        f'IF({_alias_test(c["channel"], "channel_values", "JIT")},"JIT",""))'
    )
    f["method_read"] = (
        f'=IF(TRIM({c["method"]})="",default_method,IF({_alias_test(c["method"], "method_values", "pickup")},"pickup",'
        f'IF({_alias_test(c["method"], "method_values", "self")},"self","")))'
    )
    seconds = f"ROUND(({paid}-{listed})*86400,0)"

    def condition(i):
        at = f"INDEX(rs_{{}},{i})"
        frm, until = at.format("from"), at.format("until")
        days, cap = at.format("listed_days"), at.format("max_sales")
        return (
            f'AND(OR({frm}="",{paid}>={frm}),OR({until}="",{paid}<{until}+1),'
            f"OR(AND(ISNUMBER({days}),ISNUMBER({listed}),{seconds}>=0,{seconds}<=ROUND({days}*86400,0)),"
            f"AND(ISNUMBER({cap}),ISNUMBER({sales}),{sales}>=0,{sales}<={cap})))"
        )

    chain = f"INDEX(rs_name,{layout.rule_sets})"
    for i in range(layout.rule_sets - 1, 0, -1):
        chain = f"IF({condition(i)},INDEX(rs_name,{i}),{chain})"
    f["rule_set"] = f'=IF({err}<>"","",{chain})'

    def applies(ex):
        return (f'AND({ch}={ex["channel"]},OR({ex["from"]}="",{paid}>={ex["from"]}),'
                f'OR({ex["until"]}="",{paid}<{ex["until"]}+1))')

    if not layout.exclusions:
        mask_formula = '"0000000"'
    elif len(layout.exclusions) == 1:
        ex = layout.exclusions[0]
        mask_formula = f'IF({applies(ex)},{ex["mask"]},"0000000")'
    else:  # several exclusions may apply at once: a weekday is out when any of them says so
        mask_formula = "&".join(
            "IF(OR(" + ",".join(f'AND({applies(ex)},MID({ex["mask"]},{d},1)="1")' for ex in layout.exclusions)
            + '),"1","0")'
            for d in range(1, 8)
        )
    f["weekend_mask"] = f'=IF({err}<>"","",{mask_formula})'

    hol = f'IF({ch}="POP",hol_pop,hol_jit)'
    day = f"INT({paid})"
    pick = f"MATCH({rule},rs_name,0)"
    allowance = f'ROUND(IF({ch}="POP",INDEX(rs_pop_hours,{pick}),INDEX(rs_self_hours,{pick}))*3600,0)'
    spent = (f"NETWORKDAYS.INTL({day},{day},{mask},{hol})*ROUND(MOD({paid},1)*86400,0)+{allowance}")
    hour_rule = (f"WORKDAY.INTL({day}-1,INT(({spent})/86400)+1,{mask},{hol})"
                 f"+MOD({spent},86400)/86400")
    base = f"{day}+(ROUND(MOD({paid},1)*86400,0)>=ROUND(cutoff*86400,0))"
    pickup_rule = (f"WORKDAY.INTL({base}-1,INDEX(rs_pickup_days,{pick})+1,{mask},{hol})"
                   f"+ROUND(pickup_time*86400,0)/86400")
    f["deadline"] = f'=IF({err}<>"","",IF(AND({ch}="JIT",{method}="pickup"),{pickup_rule},{hour_rule}))'
    f["status"] = (
        f'=IF({err}<>"","error",IF(ISNUMBER({done}),IF(ROUND(({done}-{deadline})*86400,0)<=0,"on_time","late"),'
        f'IF(ISNUMBER({cancelled}),IF(ROUND(({cancelled}-{deadline})*86400,0)>0,"late","cancelled"),'
        f'IF(ROUND((as_of-{deadline})*86400,0)>0,"late","pending"))))'
    )
    f["hours_late"] = (
        f'=IF({status}<>"late","",ROUND((IF(ISNUMBER({done}),{done},IF(ISNUMBER({cancelled}),{cancelled},as_of))'
        f"-{deadline})*86400,0)/3600)"
    )
    f["month"] = f'=IF(ISNUMBER({deadline}),DATE(YEAR({deadline}),MONTH({deadline}),1),"")'
    return f


def _orders_sheet(parsed: Orders, rules: Rules, headers, layout: _RulesLayout, spare_rows: int):
    s = _Sheet("Orders")
    orders = parsed.frame
    values, extra, filled = _parsed_orders(parsed)
    lines = order_lines(parsed)
    tail = ["order_line"] if lines is not None else []
    columns = list(ORDER_COLUMNS) + list(ADDED) + list(WORKING) + tail
    col = {name: j for j, name in enumerate(columns, start=1)}
    labels = _names(ORDER_COLUMNS + ADDED) + [_WORKING_LABELS[w] for w in WORKING] + _names(tail)
    labels += [(excel_text(str(c)), "") for c in extra]
    _header(s, HEADER_ROW, labels)
    n = len(orders)
    for name in ORDER_COLUMNS:
        fmt = DATETIME_FORMAT if name in _DATE_FIELDS else None
        for i, v in enumerate(values[name]):
            s.put(FIRST + i, col[name], v, fmt if not isinstance(v, str) else None)
        if name in filled:
            s.filled |= {(FIRST + i, col[name]) for i in np.flatnonzero(filled[name])}
    for i, v in enumerate([] if lines is None else lines.tolist()):
        s.put(FIRST + i, col["order_line"], v)
    for k, c in enumerate(extra, start=len(columns) + 1):
        for i, v in enumerate(orders[c].astype(object).tolist()):
            s.put(FIRST + i, k, cell_value(v))
        s.widths[k] = column_width(str(c))
    formats = {"deadline": DATETIME_FORMAT, "hours_late": "0.0", "month": MONTH_FORMAT}
    for i in range(n):
        r = FIRST + i
        for name, text in _row_formulas(r, col, layout).items():
            s.put(r, col[name], text, formats.get(name))
    last_col = len(columns) + len(extra)
    s.table = (f"A{HEADER_ROW}:{column_letter(last_col)}{max(FIRST, FIRST + n - 1)}", "Orders")
    widths = {"order_id": 19, "shop": 15, "channel": 8, "method": 9, "last_month_sales": 10,
              "deadline": 19, "status": 10, "hours_late": 9, "error": 30, "rule_set": 15, "month": 9,
              "channel_read": 9, "method_read": 9, "weekend_mask": 12}
    for name in columns:
        s.widths[col[name]] = widths.get(name, 19 if name in _DATE_FIELDS else 12)
    s.shade_cols = tuple(col[w] for w in WORKING)
    s.freeze = f"B{FIRST}"
    s.title_rows = f"1:{HEADER_ROW}"
    bottom = FIRST + n - 1 + spare_rows
    names = {
        f"orders_{name}": f"Orders!${column_letter(col[name])}${FIRST}:${column_letter(col[name])}${bottom}"
        for name in ("shop", "status", "month", *tail)
    }
    return s, names, col


# --- Summary and Penalties ----------------------------------------------------------------------


def _penalties_sheet(penalties: pd.DataFrame | None, rules: Rules, headers, spare_rows: int):
    s = _Sheet("Penalties")
    columns = ("shop", "order_id", "channel", "amount", "deducted_at", "month", "error")
    _header(s, HEADER_ROW, _names(columns))
    n = 0
    if penalties is not None and len(penalties):
        ledger = normalize_penalties(penalties, rules, headers)
        raw = canonical_series(penalties, "penalties", headers)
        n = len(ledger)
        scale = 10**rules.money_decimals
        for i, rec in enumerate(ledger.to_dict("records")):
            r = FIRST + i
            bad = not pd.isna(rec["error"])
            raw_amount = raw["amount"].iloc[i]
            raw_when = raw["deducted_at"].iloc[i]
            s.put(r, 1, cell_value(rec["shop"]) or None)
            s.put(r, 2, cell_value(rec["order_id"]) or None)
            raw_channel = raw["channel"].iloc[i] if "channel" in raw else None
            s.put(r, 3, cell_value(rec["channel"]) if not bad else cell_value(raw_channel))
            s.put(r, 4, rec["amount_cents"] / scale if not bad else cell_value(raw_amount), MONEY_FORMAT)
            s.put(r, 5, cell_value(rec["deducted_at"]) if not bad else cell_value(raw_when), DATETIME_FORMAT)
            s.put(r, 7, None if not bad else excel_text(str(rec["error"])))
    for i in range(n):
        r = FIRST + i
        s.put(r, 6, f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r}),G{r}=""),DATE(YEAR(E{r}),MONTH(E{r}),1),"")', MONTH_FORMAT)
    s.widths.update({1: 16, 2: 19, 3: 8, 4: 11, 5: 19, 6: 9, 7: 40})
    s.table = (f"A{HEADER_ROW}:G{max(FIRST, FIRST + n - 1)}", "Penalties")
    s.freeze = f"A{FIRST}"
    s.title_rows = f"1:{HEADER_ROW}"
    bottom = FIRST + n - 1 + spare_rows
    cols = (("shop", "A"), ("amount", "D"), ("month", "F"))
    names = {f"penalty_{k}": f"Penalties!${c}${FIRST}:${c}${bottom}" for k, c in cols}
    return s, names


SUMMARY_HEADER_ROW = 4
SUMMARY_COLUMNS = (
    "shop", "month", "assessed", "on_time", "late", "pending", "rate", "provisional", "qualifies",
    "penalties", "refund_due", "refund_due_date",
)


def _summary_sheet(summary: pd.DataFrame, as_of: pd.Timestamp, by_line: bool = False):
    """Per shop-month counts, rate and refund; ``by_line``: an order of several rows counts once
    (its rows with ``order_line`` above 1 are taken back out of each count)."""

    def count(key: str, status: str) -> str:
        text = f'COUNTIFS({key},orders_status,"{status}")'
        return f'{text}-COUNTIFS({key},orders_status,"{status}",orders_order_line,">1")' if by_line else text

    s = _Sheet("Summary")
    s.put(1, 1, "as_of 评估时间")
    s.put(1, 2, as_of.to_pydatetime(), DATETIME_FORMAT)
    s.put(1, 3, "Platform time. Every status and rate is as of this moment; type =NOW() for live figures. "
                "/ 平台时间；状态与及时率均以此时刻计算，可改为 =NOW()。")
    s.put(2, 1, "One row per shop and month of the deadline. A final month at or above the rate on the Rules sheet "
                "refunds that month's penalties. Add a row for a new month and fill the formulas down. "
                "/ 每行一个店铺月份；月度及时率达标的，当月罚款于之后月末返还。")
    _header(s, SUMMARY_HEADER_ROW, _names(SUMMARY_COLUMNS))
    top = SUMMARY_HEADER_ROW + 1
    for i, rec in enumerate(summary.to_dict("records")):
        r = top + i
        s.put(r, 1, excel_text(rec["shop"]))
        s.put(r, 2, rec["month"].to_timestamp().to_pydatetime(), MONTH_FORMAT)
        key = f'orders_shop,"="&A{r},orders_month,B{r}'
        s.put(r, 4, f"={count(key, 'on_time')}")
        s.put(r, 5, f"={count(key, 'late')}")
        s.put(r, 6, f"={count(key, 'pending')}")
        s.put(r, 3, f"=D{r}+E{r}")
        s.put(r, 7, f'=IF(C{r}=0,"",D{r}/C{r})', "0.00%")
        s.put(r, 8, f'=IF(OR(F{r}>0,DATE(YEAR(B{r}),MONTH(B{r})+1,1)>as_of),"yes","no")')
        s.put(r, 9, f'=IF(AND(C{r}>0,H{r}="no",D{r}*1000000>=ROUND(threshold*1000000,0)*C{r}),"yes","no")')
        s.put(r, 10, f'=ROUND(SUMIFS(penalty_amount,penalty_shop,"="&A{r},penalty_month,B{r}),2)', MONEY_FORMAT)
        s.put(r, 11, f'=IF(I{r}="yes",J{r},0)', MONEY_FORMAT)
        due = f"DATE(YEAR(B{r}),MONTH(B{r})+1+due_months,0)+due_time"
        s.put(r, 12, f'=IF(AND(I{r}="yes",K{r}>0),{due},"")', DATETIME_FORMAT)
    s.widths.update({1: 16, 2: 19, 3: 10, 4: 9, 5: 9, 6: 9, 7: 10, 8: 12, 9: 10, 10: 11, 11: 11, 12: 19})
    s.merged = ["C1:L1", "A2:L2"]
    s.wrap_cells = {(1, 3), (2, 1)}
    s.freeze = f"A{top}"
    s.title_rows = f"{SUMMARY_HEADER_ROW - 1}:{SUMMARY_HEADER_ROW}"
    return s, {"as_of": "Summary!$B$1"}


READ_ME = (
    ("xlcompliance portable workbook — AliExpress semi-managed (半托管) shipping timeliness",
     "速卖通半托管发货时效（通用版）"),
    ("Works in Excel, WPS, LibreOffice and Google Sheets: plain built-in formulas, no add-in, no macro.",
     "适用于 Excel、WPS、LibreOffice 与 Google 表格：仅用内置公式，无需加载项或宏。"),
    ("Orders: your export. Deadline, status, hours late, error and the columns after them are formulas.",
     "Orders：订单导出；截止时间、状态、超时、错误原因及其后各列均为公式。"),
    ("Add an order: type it in the next row and fill the formula columns (J onwards) down from the row above.",
     "新增订单：在下一行填写，并把上一行的公式列（J 列起）向下填充。"),
    ("Summary: the as-of moment (B1) and, per shop and month, counts, on-time rate, refund and its due date.",
     "Summary：评估时间（B1）及各店铺月度统计、及时率、应返还金额与截止日期。"),
    ("Holidays: the platform's announced windows and China's official breaks; add a row for a new window.",
     "Holidays：平台公告假期与国家法定假期；新增假期请添加一行。"),
    ("Rules: every rule value the formulas use (hours, cutoff, effective date, limits, refund rate).",
     "Rules：公式使用的全部规则数值（时限、截单时间、生效日期、条件、返还比例）。"),
    ("A red row is late; an amber row is pending and due within 24 hours of the as-of moment.",
     "红色为超时；黄色为待发货且距截止不足 24 小时。"),
    ("Times are platform time ({timezone}). Statuses: on_time, late, pending, cancelled, error.",
     "时间均为{timezone_zh}。状态：on_time 及时、late 超时、pending 待发、cancelled 已取消、error 数据有误。"),
    (FILLED_NOTE_EN, FILLED_NOTE_ZH),
)


def _read_me_sheet(timezone: str):
    s = _Sheet("Read me")
    s.put(1, 1, "English")
    s.put(1, 2, "中文")
    s.headers.append((1, 1, 2))
    for i, (en, zh) in enumerate(READ_ME, start=2):
        s.put(i, 1, en.replace("{timezone}", timezone))
        s.put(i, 2, zh.replace("{timezone_zh}", zone_name_zh(timezone)))
    s.widths.update({1: 90, 2: 70})
    s.wrap_cols = (1, 2)
    return s


# --- building and writing -----------------------------------------------------------------------


def build_portable(
    orders: pd.DataFrame,
    penalties: pd.DataFrame | None = None,
    holidays: pd.DataFrame | None = None,
    *,
    as_of,
    rules: Rules | None = None,
    headers: dict | None = None,
    spare_rows: int = SPARE_ORDER_ROWS,
    statutory: bool = True,
    spare_windows: int = SPARE_WINDOW_ROWS,
    spare_days: int = SPARE_DAYS,
    products: pd.DataFrame | None = None,
    scans: pd.DataFrame | None = None,
    history_from=None,
    channel: str | None = None,
    dayfirst: bool = False,
):
    """The portable workbook as an openpyxl ``Workbook`` (formulas only, no cached values).

    ``statutory=False`` leaves China's official breaks out of the Holidays sheet. The ``spare_*``
    arguments size the room already prepared for rows a person adds (orders and penalties,
    holiday windows, days of new windows).
    """
    from ..core.assessment import assess_orders

    rules = rules or default_rules()
    calendar = (
        Calendar.from_frame(holidays, statutory=statutory, rules=rules)
        if holidays is not None
        else Calendar(statutory=statutory, rules=rules)
    )
    result = assess_orders(
        orders, as_of=as_of, calendar=calendar, rules=rules, headers=headers, explain=False, products=products,
        scans=scans, history_from=history_from, channel=channel, dayfirst=dayfirst,
    )
    summary = monthly_summary(result, penalties, as_of=as_of, rules=rules, headers=headers)
    layout = _rules_sheet(rules)
    orders_sheet, order_names, _ = _orders_sheet(result.orders, rules, headers, layout, spare_rows)
    holidays_sheet, holiday_names = _holidays_sheet(
        holiday_windows(holidays, rules, statutory), spare_windows, spare_days
    )
    penalties_sheet, penalty_names = _penalties_sheet(penalties, rules, headers, spare_rows)
    summary_sheet, summary_names = _summary_sheet(
        summary, recorded_as_of(summary), by_line="orders_order_line" in order_names
    )
    names = {**layout.names, **order_names, **holiday_names, **penalty_names, **summary_names}
    sheets = [
        _read_me_sheet(rules.timezone), orders_sheet, summary_sheet, holidays_sheet, penalties_sheet, layout.sheet,
    ]
    return _workbook(sheets, names)


def _fit_heights(ws, sheet: _Sheet) -> None:
    """Row heights for wrapped text and header rows (spreadsheets do not grow them from a file)."""
    from openpyxl.utils import range_boundaries

    span = {}
    for ref in sheet.merged:
        c0, r0, c1, _ = range_boundaries(ref)
        span[(r0, c0)] = sum(sheet.widths.get(c, 9) for c in range(c0, c1 + 1))
    wrapped = {(r, c) for (r, c) in sheet.cells if c in sheet.wrap_cols} | set(sheet.wrap_cells)
    for row, first, last in sheet.headers + sheet.labels:
        wrapped |= {(row, c) for c in range(first, last + 1)}
    lines: dict[int, int] = {}
    for r, c in wrapped:
        v = sheet.cells.get((r, c))
        if not isinstance(v, str) or v.startswith("="):
            continue
        width = span.get((r, c), sheet.widths.get(c, 9))
        need = max(1, -(-int(text_width(v) * 1.1) // max(int(width), 1)))
        lines[r] = max(lines.get(r, 1), need)
    for r, k in lines.items():
        if k > 1:
            ws.row_dimensions[r].height = 15 * k


def _workbook(sheets: list[_Sheet], names: dict):
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    grey = PatternFill("solid", fgColor="F2F2F2")
    blue = PatternFill("solid", fgColor=FILLED_COLOUR)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for (r, c), v in sorted(sheet.cells.items()):
            cell = ws.cell(row=r, column=c, value=v)
            fmt = sheet.formats.get((r, c))
            if fmt:
                cell.number_format = fmt
            if c in sheet.shade_cols and r > HEADER_ROW:
                cell.fill = grey
            if (r, c) in sheet.filled:
                cell.fill = blue
            if c in sheet.wrap_cols or (r, c) in sheet.wrap_cells:
                cell.alignment = wrap
            elif sheet.name == "Rules":
                cell.alignment = top
            if (r, c) in sheet.bold_cells:
                cell.font = Font(bold=True)
        for row, first, last in sheet.labels:
            bold_header(ws, row, first, last, fill="EEF2F7")
        for row, first, last in sheet.headers:
            bold_header(ws, row, first, last)
        for c, width in sheet.widths.items():
            ws.column_dimensions[column_letter(c)].width = width
        for ref in sheet.merged:
            ws.merge_cells(ref)
        _fit_heights(ws, sheet)
        if sheet.print_area:
            ws.print_area = sheet.print_area
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        if sheet.table:
            add_table(ws, *sheet.table)
        print_setup(ws, title_rows=sheet.title_rows)
    orders = wb["Orders"]
    ref = orders.tables["Orders"].ref
    status_col = column_letter(list(ORDER_COLUMNS + ADDED).index("status") + 1)
    deadline_col = column_letter(list(ORDER_COLUMNS + ADDED).index("deadline") + 1)
    late_and_soon_rules(orders, f"A{FIRST}:{ref.split(':')[1]}", status_col, deadline_col, FIRST, "as_of")
    for name, ref in sorted(names.items()):
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    wb.calculation.fullCalcOnLoad = True  # no cached values: every client computes on opening
    return wb


def write_portable_workbook(
    path, orders, penalties=None, holidays=None, *, as_of, rules=None, headers=None, force: bool = False,
    inputs=(), **options,
) -> Path:
    """Build the portable workbook and write it atomically (never over an input file)."""
    path = check_target(path, suffixes=(".xlsx",), force=force, inputs=inputs)  # before any work
    wb = build_portable(orders, penalties, holidays, as_of=as_of, rules=rules, headers=headers, **options)

    def write(tmp: Path) -> None:
        wb.save(tmp)
        make_deterministic(tmp)

    return atomic_write(path, write, suffixes=(".xlsx",), force=force, inputs=inputs)


__all__ = ["build_portable", "holiday_windows", "write_portable_workbook"]
