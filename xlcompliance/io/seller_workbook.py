"""The seller workbook: an order export laid out for Excel with live xlwings formulas.

Sheets: How-to (中文/English), Orders (the export as a plain range plus Deadline, Status and
Hours late, each ONE array formula over the data rows), Summary (per shop-month on-time rate,
qualifies, refund due), Holidays (announced windows that feed every formula), Penalties, Rules
(read-only view of the rules data) and ``xlwings.conf`` (``UDF Modules = xlcompliance.excel.udfs``).

Every formula cell carries the value the engine computes, so the workbook shows real numbers
when opened without Python; Excel recomputes them through :mod:`xlcompliance.excel.udfs`.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.as_of import recorded_as_of
from ..core.assessment import Assessed, assess_orders
from ..core.calendar import Calendar
from ..core.headers import canonical_series, header_map
from ..core.money import to_cents
from ..core.monthly import monthly_summary
from ..core.orders import DATETIME_FIELDS, ORDER_COLUMNS
from ..core.parsing import parse_datetimes
from ..core.rules import Rules, default_rules
from .filled_cells import FILLED_COLOUR, FILLED_NOTE_EN, FILLED_NOTE_ZH, filled_fields, order_lines
from .outputs import DATETIME_FORMAT, cell_value, column_letter
from .presentation import (
    CHINESE,
    bold_header,
    column_width,
    late_and_soon_rules,
    make_deterministic,
    print_setup,
    zone_name_zh,
)
from .rules_text import plain_rules
from .targets import atomic_write, check_target

WORKBOOK_NAME = "xlcompliance-seller.xlsx"
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
HOLIDAY_ROWS = 200  # the Holidays range the formulas read (header + room for windows)
ADDED = ("deadline", "status", "hours_late")
_SUMMARY_HEADER = ("shop", "month", "on_time_rate", "qualifies", "refund_due", "refund_due_by")
_SUMMARY_FIRST = 4  # first data row of the Summary table (row 1 as-of, row 3 header)
_SUMMARY_EXTRA = ("late", "pending", "penalties", "net_cost")  # built-in formulas beside the Python ones


def _bilingual(name: str) -> str:
    """A header in English over Chinese; the engine and the workbook functions read its first line."""
    zh = CHINESE.get(name)
    return f"{name}\n{zh}" if zh else name


# --- layout: what goes in each cell ------------------------------------------------------------


class _Sheet:
    """Cells of one sheet: values, formats, array formulas with cached values, widths."""

    def __init__(self, name: str):
        self.name = name
        self.cells: dict[tuple[int, int], object] = {}
        self.formats: dict[int, str] = {}  # column -> number format for its data rows
        self.cell_formats: dict[tuple[int, int], str] = {}
        self.arrays: list[tuple[int, int, int, int, str, list]] = []  # r0, c0, r1, c1, text, values
        self.widths: dict[int, float] = {}
        self.heights: dict[int, float] = {}
        self.freeze: str | None = None
        self.bold_rows: set[int] = set()
        self.protect = False
        self.formulas: list[tuple[int, int, str, object]] = []  # row, col, text, cached value
        self.autofilter: str | None = None
        self.late_rules: tuple | None = None  # (ref, status col, deadline col, first row)
        self.header_row: int | None = None
        self.merged: list[str] = []
        self.wrap_cells: set[tuple[int, int]] = set()
        self.filled: set[tuple[int, int]] = set()  # cells filled in, not the export's own values

    def put(self, row: int, col: int, value) -> None:
        self.cells[(row, col)] = cell_value(value)

    def formula(self, row: int, col: int, text: str, value) -> None:
        """One formula cell that shows ``value`` (the engine's) until the spreadsheet recalculates."""
        self.formulas.append((row, col, text, value))

    def array(self, row: int, col: int, text: str, values: list[list]) -> None:
        """One array formula whose result (``values``, rows of cells) starts at (row, col)."""
        height, width = len(values), len(values[0]) if values else 1
        self.arrays.append((row, col, row + max(height, 1) - 1, col + width - 1, text, values))


def _orders_sheet(result: Assessed) -> tuple:
    """Canonical columns A..I as given (dates and counts as real values where they parse; the
    fields a real export lacks as the assessment filled them, marked), then the three formula
    columns, then ``order_line`` for an export of product lines; values come from the orders
    parsed at the boundary."""
    sheet = _Sheet("Orders")
    orders, assessed = result.orders, result.frame
    extra = orders.columns_besides(ORDER_COLUMNS)
    n = len(orders)
    filled = filled_fields(orders)
    lines = order_lines(orders)
    tail = ["order_line"] if lines is not None else []
    names = list(ORDER_COLUMNS) + list(ADDED) + tail + [str(c) for c in extra]
    for j, name in enumerate(names, start=1):
        sheet.put(1, j, name)
    sheet.bold_rows.add(1)
    for j, name in enumerate(ORDER_COLUMNS, start=1):
        raw = orders.raw(name)
        raw = [None] * n if raw is None else raw.astype(object).tolist()
        if name in DATETIME_FIELDS:
            parsed, errors = getattr(orders, name), orders.field_errors[name]
            values = [p if e is None and not np.isnat(p) else r for p, e, r in zip(parsed, errors, raw, strict=True)]
            sheet.formats[j] = DATETIME_FORMAT
            sheet.widths[j] = 20
        elif name == "last_month_sales":
            counts, errors = orders.last_month_sales, orders.field_errors[name]
            values = [
                int(c) if e is None and not np.isnan(c) else r for c, e, r in zip(counts, errors, raw, strict=True)
            ]
            sheet.widths[j] = 17
        else:
            values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in raw]
            sheet.widths[j] = 19 if name == "order_id" else 16 if name == "shop" else 9
        if name in filled:
            used = filled[name]
            values = [v if u is None else u for v, u in zip(values, used.values, strict=True)]
            sheet.filled |= {(i + 2, j) for i in np.flatnonzero(used.filled)}
        for i, v in enumerate(values, start=2):
            sheet.put(i, j, v)
    if lines is not None:
        j = len(ORDER_COLUMNS) + len(ADDED) + 1
        for i, v in enumerate(lines.tolist(), start=2):
            sheet.put(i, j, v)
        sheet.widths[j] = 10
    for k, col in enumerate(extra, start=len(ORDER_COLUMNS) + len(ADDED) + len(tail) + 1):
        for i, v in enumerate(orders.frame[col].astype(object).tolist(), start=2):
            sheet.put(i, k, v if isinstance(v, str) or v is None or not pd.isna(v) else None)
        sheet.widths[k] = column_width(str(col))

    last = n + 1
    ref = {name: f"{column_letter(j)}2:{column_letter(j)}{last}" for j, name in enumerate(ORDER_COLUMNS, start=1)}
    holidays = f"Holidays!$A$1:$D${HOLIDAY_ROWS}"
    as_of = "Summary!$B$1"
    row_args = f"{ref['channel']},{ref['paid_at']}"
    details = f"{ref['method']},{ref['listed_at']},{ref['last_month_sales']}"
    status_args = f"{row_args},{ref['fulfilled_at']},{details},{ref['cancelled_at']},{as_of},{holidays}"
    first = len(ORDER_COLUMNS) + 1
    bad = (assessed["status"] == "error").to_numpy()
    deadline = [["#VALUE!" if b else d] for b, d in zip(bad, assessed["deadline"], strict=True)]
    status = [["#VALUE!" if b else str(s)] for b, s in zip(bad, assessed["status"], strict=True)]
    late = [
        ["#VALUE!" if b else (None if pd.isna(h) else float(h))]
        for b, h in zip(bad, assessed["hours_late"], strict=True)
    ]
    if n:
        sheet.array(2, first, f"=ORDER_DEADLINE({row_args},{details},{holidays})", deadline)
        sheet.array(2, first + 1, f"=ORDER_STATUS({status_args})", status)
        sheet.array(2, first + 2, f"=HOURS_LATE({status_args})", late)
    sheet.formats[first] = DATETIME_FORMAT
    sheet.formats[first + 2] = "0.00"
    sheet.widths.update({first: 21, first + 1: 12, first + 2: 11})
    sheet.freeze = "A2"
    table_ref = f"Orders!$A$1:${column_letter(first + 2 + len(tail))}${last}"
    return sheet, table_ref


def _month_bounds(row: int) -> tuple[str, str]:
    """First day of the Summary row's month ("YYYY-MM" text in column B) and of the next one."""
    y, m = f"LEFT($B{row},4)", f"MID($B{row},6,2)"
    return f"DATE({y},{m},1)", f"DATE({y},{m}+1,1)"


def _summary_sheet(
    summary: pd.DataFrame, as_of: pd.Timestamp, orders_ref: str, penalties_ref: str, penalty_cols: dict | None = None
):
    sheet = _Sheet("Summary")
    sheet.put(1, 1, "as_of 评估时间")
    sheet.put(1, 2, as_of)
    sheet.cell_formats[(1, 2)] = DATETIME_FORMAT
    sheet.put(
        1,
        3,
        "Platform time. Every status and rate is as of this moment; type =NOW() for live "
        "figures. / 平台时间；状态与及时率均以此时刻计算，可改为 =NOW()。",
    )
    sheet.put(
        2,
        1,
        "Monthly on-time rate per shop; 95 % or more in a final month refunds that "
        "month's penalties by the end of the next month. / 店铺月度及时发货率 ≥95% 返还当月罚款。",
    )
    sheet.merged += ["C1:J1", "A2:J2"]
    sheet.wrap_cells |= {(1, 3), (2, 1)}
    sheet.heights.update({1: 30, 2: 30, 3: 30})
    for j, name in enumerate(_SUMMARY_HEADER + _SUMMARY_EXTRA, start=1):
        sheet.put(3, j, _bilingual(name))
    sheet.bold_rows.update({1, 3})
    sheet.header_row = 3
    top = _SUMMARY_FIRST
    n = len(summary)
    for i, rec in enumerate(summary.to_dict("records"), start=top):
        sheet.put(i, 1, rec["shop"])
        sheet.put(i, 2, str(rec["month"]))
    if n:
        bottom = top + n - 1
        months, shops = f"$B${top}:$B${bottom}", f"$A${top}:$A${bottom}"
        rate = [["" if pd.isna(r) else float(r)] for r in summary["rate"]]
        sheet.array(top, 3, f"=SHOP_ONTIME_RATE({orders_ref},{months},$B$1,{shops})", rate)
        sheet.array(
            top, 4, f"=QUALIFIES({orders_ref},{months},$B$1,{shops})", [[bool(q)] for q in summary["qualifies"]]
        )
        due = [
            [float(a), "" if pd.isna(d) else d]
            for a, d in zip(summary["refund_due"], summary["refund_due_date"], strict=True)
        ]
        sheet.array(top, 5, f"=REFUND_DUE({orders_ref},{penalties_ref},{months},$B$1,{shops})", due)
        last = int(orders_ref.rsplit("$", 1)[1])
        col = {name: column_letter(j) for j, name in enumerate(ORDER_COLUMNS + ADDED + ("order_line",), start=1)}
        by_line = orders_ref.split(":")[1].startswith(f"${col['order_line']}$")

        def orders(name):
            return f"Orders!${col[name]}$2:${col[name]}${last}"

        for i, rec in enumerate(summary.to_dict("records"), start=top):
            start, end = _month_bounds(i)
            key = (f'{orders("shop")},"="&$A{i},{orders("deadline")},">="&{start},'
                   f'{orders("deadline")},"<"&{end}')
            for c, status in ((7, "late"), (8, "pending")):
                count = f'COUNTIFS({key},{orders("status")},"{status}")'
                if by_line:  # an order of several rows counts once: not its lines after the first
                    count += f'-COUNTIFS({key},{orders("status")},"{status}",{orders("order_line")},">1")'
                sheet.formula(i, c, f"={count}", int(rec[status]))
            sheet.formula(i, 9, _penalty_sum(i, penalty_cols or {}), float(rec["penalties"]))
            sheet.formula(i, 10, f"=I{i}-E{i}", float(rec["penalties"] - rec["refund_due"]))
    sheet.formats.update({3: "0.00%", 5: MONEY_FORMAT, 6: DATETIME_FORMAT, 9: MONEY_FORMAT, 10: MONEY_FORMAT})
    sheet.widths.update({1: 18, 2: 20, 3: 14, 4: 11, 5: 12, 6: 20, 7: 9, 8: 10, 9: 12, 10: 12})
    sheet.freeze = f"A{top}"
    sheet.autofilter = f"A3:J{max(top, top + n - 1)}"
    return sheet


def _penalty_sum(row: int, cols: dict) -> str:
    """SUMIFS of the penalties deducted in the row's month for the row's shop."""
    if "amount" not in cols or "deducted_at" not in cols:
        return "=0"
    start, end = _month_bounds(row)
    parts = [cols["amount"], cols["deducted_at"], f'">="&{start}', cols["deducted_at"], f'"<"&{end}']
    if "shop" in cols:
        parts += [cols["shop"], f'"="&$A{row}']
    return f"=ROUND(SUMIFS({','.join(parts)}),2)"


def _holidays_sheet(windows: pd.DataFrame | None, calendar: Calendar, years: tuple[int, int]):
    sheet = _Sheet("Holidays")
    for j, name in enumerate(("start", "end", "scope", "name"), start=1):
        sheet.put(1, j, name)
    if windows is not None:
        rows = canonical_series(windows, "holidays")
        for j, name in enumerate(("start", "end", "scope", "name"), start=1):
            values = rows.get(name)
            for i, v in enumerate([] if values is None else values.astype(object).tolist(), start=2):
                if name in ("start", "end") and isinstance(v, str) and v.strip():
                    parsed = pd.to_datetime(v.strip(), errors="coerce")
                    v = v if pd.isna(parsed) else parsed.to_pydatetime()
                sheet.put(i, j, v)
    sheet.put(1, 6, "Official breaks already counted (from holidays.China) / 已自动计入的法定假期")
    for j, name in enumerate(("start", "end", "scope", "name"), start=6):
        sheet.put(2, j, name)
    from ..core.calendar import official_breaks

    row = 3
    if calendar.statutory and calendar.rules.statutory:
        for start, end, name in official_breaks(*years):
            sheet.put(row, 6, dt.datetime.combine(start, dt.time()))
            sheet.put(row, 7, dt.datetime.combine(end, dt.time()))
            sheet.put(row, 8, calendar.rules.statutory_channels)
            sheet.put(row, 9, name)
            row += 1
    sheet.bold_rows.update({1, 2})
    sheet.formats.update({1: DATE_FORMAT, 2: DATE_FORMAT, 6: DATE_FORMAT, 7: DATE_FORMAT})
    sheet.widths.update({1: 12, 2: 12, 3: 8, 4: 28, 5: 4, 6: 12, 7: 12, 8: 8, 9: 34})
    sheet.freeze = "A2"
    return sheet


def _penalties_sheet(penalties: pd.DataFrame | None, rules: Rules):
    sheet = _Sheet("Penalties")
    if penalties is None:
        penalties = pd.DataFrame(columns=["shop", "order_id", "channel", "amount", "deducted_at"])
    known = header_map(penalties.columns, "penalties")
    kind = {c: name for name, cols in known.items() for c in cols}
    for j, col in enumerate(penalties.columns, start=1):
        sheet.put(1, j, str(col))
        raw = penalties[col].astype(object).tolist()
        values = raw
        if kind.get(col) == "amount":
            cents, errors = to_cents(pd.Series(raw, dtype=object), "amount", rules.money_decimals)
            values = [
                int(c) / 10**rules.money_decimals if e is None else r
                for c, e, r in zip(cents, errors, raw, strict=True)
            ]
            sheet.formats[j] = MONEY_FORMAT
        elif kind.get(col) == "deducted_at":
            parsed, errors = parse_datetimes(pd.Series(raw, dtype=object), "deducted_at", rules.timezone)
            values = [p if e is None and not np.isnat(p) else r for p, e, r in zip(parsed, errors, raw, strict=True)]
            sheet.formats[j] = DATETIME_FORMAT
        for i, v in enumerate(values, start=2):
            sheet.put(
                i,
                j,
                None
                if v is None or (not isinstance(v, str) and pd.isna(v))
                else (str(v) if kind.get(col) == "order_id" else v),
            )
        sheet.widths[j] = 20 if kind.get(col) in ("deducted_at", "order_id") else 16
    sheet.bold_rows.add(1)
    sheet.freeze = "A2"
    ref = f"Penalties!$A$1:${column_letter(max(len(penalties.columns), 1))}${len(penalties) + 1}"
    return sheet, ref


def _rules_sheet(rules: Rules):
    sheet = _Sheet("Rules")
    sheet.put(1, 1, "Setting / 设置")
    sheet.put(1, 2, "Value / 数值")
    sheet.put(1, 3, "Where this comes from / 来源 (read-only / 只读)")
    for i, (setting, value, source) in enumerate(plain_rules(rules), start=2):
        sheet.put(i, 1, setting)
        sheet.put(i, 2, value)
        sheet.put(i, 3, source)
        sheet.wrap_cells |= {(i, 1), (i, 2), (i, 3)}
        lines = max(-(-len(setting) // 60), -(-len(value) // 30), -(-len(source) // 75), 1)
        sheet.heights[i] = 15 * lines
    sheet.bold_rows.add(1)
    sheet.header_row = 1
    sheet.widths.update({1: 62, 2: 32, 3: 80})
    sheet.freeze = "A2"
    sheet.protect = True
    return sheet


HOW_TO = (
    ("# xlcompliance — AliExpress semi-managed (半托管) shipping timeliness", "速卖通半托管发货时效"),
    ("", ""),
    ("# What this workbook does", "本工作簿的作用"),
    (
        "Orders: your export; the deadline, status and hours late columns are live formulas.",
        "Orders：您的订单导出；deadline、status、hours_late 三列为实时公式。",
    ),
    (
        "Summary: on-time rate per shop and month; 95 % or more in a final month refunds that "
        "month's penalties by the end of the next month.",
        "Summary：各店铺月度及时发货率；月度 ≥95% 的，当月罚款于次月底返还。",
    ),
    (
        "Holidays: add the platform's announced holiday windows (start, end, scope POP/JIT/ALL); "
        "China's official breaks are already counted.",
        "Holidays：填写平台公告的假期（开始、结束、适用 POP/JIT/ALL）；国家法定假期已自动计入。",
    ),
    (
        "Penalties: your penalty statement; Rules: the rules in force (read-only).",
        "Penalties：罚款明细；Rules：现行规则（只读）。",
    ),
    ("", ""),
    ("# Setting up (once)", "首次设置"),
    (
        "Windows, classic xlwings add-in: pip install xlcompliance; xlwings addin install; "
        "in the xlwings ribbon click Import Functions (the xlwings.conf sheet already says "
        "UDF Modules = xlcompliance.excel.udfs); save as .xlsm.",
        "Windows 经典加载项：pip install xlcompliance；xlwings addin install；在 xlwings 选项卡点"
        "“Import Functions”（xlwings.conf 表已设置 UDF Modules = xlcompliance.excel.udfs）；另存为 .xlsm。",
    ),
    (
        "xlwings Lite (Windows, Mac, Excel on the web): install the xlwings Lite add-in, paste "
        "workbook/lite/main.py and requirements.txt into its editor, click Restart.",
        "xlwings Lite（Windows、Mac、网页版）：安装 xlwings Lite 加载项，将 workbook/lite/main.py 与 "
        "requirements.txt 粘贴进编辑器，点击 Restart。",
    ),
    (
        "Without Python the workbook still opens and shows the figures computed when it was made.",
        "未安装 Python 时仍可打开，显示生成时计算的结果。",
    ),
    (
        "Working in WPS, LibreOffice or Google Sheets? Build the portable workbook, whose built-in formulas "
        "compute everywhere: xlcompliance workbook orders.xlsx --portable --out mine.xlsx",
        "使用 WPS、LibreOffice 或 Google 表格？请生成通用版（仅用内置公式，处处可算）："
        "xlcompliance workbook orders.xlsx --portable --out mine.xlsx",
    ),
    ("", ""),
    ("# Using it", "使用方法"),
    (
        "Paste a new export over Orders!A2:I (same columns), extend the three formula ranges to the "
        "last row, or rebuild the workbook: xlcompliance workbook orders.xlsx --out mine.xlsx",
        "将新导出粘贴到 Orders!A2:I（列相同）并把三列公式范围延伸到最后一行，或重新生成："
        "xlcompliance workbook orders.xlsx --out mine.xlsx",
    ),
    (
        "A cell showing #VALUE! is a bad row; =DEADLINE_EXPLAIN(channel, paid_at, ...) says why.",
        "显示 #VALUE! 的行数据有误；=DEADLINE_EXPLAIN(channel, paid_at, ...) 说明原因。",
    ),
    (
        "Functions: POP_DEADLINE, JIT_ARRIVAL, ORDER_DEADLINE, ORDER_STATUS, HOURS_LATE, "
        "DEADLINE_EXPLAIN, SHOP_ONTIME_RATE, QUALIFIES, REFUND_DUE, MONTHLY_SUMMARY. Each takes a "
        "cell or whole columns (one spilled column back).",
        "函数：以上函数均可作用于单个单元格或整列（返回一整列）。",
    ),
    (
        "Times are platform time ({timezone}). Statuses: on_time, late, pending, cancelled.",
        "时间均为平台时间（{timezone_zh}）。状态：on_time 及时、late 超时、pending 待发、cancelled 已取消。",
    ),
    (FILLED_NOTE_EN, FILLED_NOTE_ZH),
)


# How the How-to sheet's Chinese column names a time zone (other zones: their IANA name).
def _howto_sheet(timezone: str):
    """The How-to sheet; it names the rules' time zone as platform time."""
    sheet = _Sheet("How-to")
    zone_zh = zone_name_zh(timezone)
    sheet.put(1, 1, "English")
    sheet.put(1, 2, "中文")
    for i, (en, zh) in enumerate(HOW_TO, start=2):
        en, zh = en.replace("{timezone}", timezone), zh.replace("{timezone_zh}", zone_zh)
        if en.startswith("# "):
            en = en[2:]
            sheet.bold_rows.add(i)
        sheet.put(i, 1, en)
        sheet.put(i, 2, zh)
        lines = max(-(-len(en) // 85), -(-len(zh) // 36), 1)  # wrapped lines at these widths
        sheet.heights[i] = 15 * lines
    sheet.bold_rows.add(1)
    sheet.widths.update({1: 90, 2: 75})
    sheet.wrap = True
    return sheet


def _products_sheet(products: pd.DataFrame, rules: Rules, headers: dict | None):
    """The products list as read: product id (and seller code where the list has one) and the
    listing date (a date where it parses, else as typed)."""
    sheet = _Sheet("Products")
    cols = canonical_series(products, "products", headers)
    names = [c for c in ("product_id", "seller_code", "listed_at") if c in cols]
    for j, name in enumerate(names, start=1):
        sheet.put(1, j, _bilingual(name))
        raw = cols[name].reset_index(drop=True).astype(object).tolist()
        values = raw
        if name == "listed_at":
            parsed, errors = parse_datetimes(pd.Series(raw, dtype=object), "listed_at", rules.timezone)
            values = [p if e is None and not np.isnat(p) else r for p, e, r in zip(parsed, errors, raw, strict=True)]
            sheet.formats[j] = DATETIME_FORMAT
        else:
            values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in raw]
        for i, v in enumerate(values, start=2):
            sheet.put(i, j, v)
        sheet.widths[j] = 20
    sheet.bold_rows.add(1)
    sheet.header_row = 1
    sheet.heights[1] = 30
    sheet.freeze = "A2"
    return sheet


def _conf_sheet():
    sheet = _Sheet("xlwings.conf")
    sheet.put(1, 1, "UDF Modules")
    sheet.put(1, 2, "xlcompliance.excel.udfs")
    sheet.widths.update({1: 16, 2: 24})
    return sheet


# --- building and writing ---------------------------------------------------------------------


def _finish_orders(sheet: _Sheet, table_ref: str) -> None:
    """What a seller works with: English over Chinese headers, a filter on every column, late rows
    red and pending rows due within 24 hours amber.

    Not an Excel Table: the deadline, status and hours-late columns are array formulas, which
    Excel does not allow inside a Table; the sheet's autofilter covers them as well.
    """
    width = max(c for _, c in sheet.cells) if sheet.cells else 1
    for j in range(1, width + 1):
        name = sheet.cells.get((1, j))
        if isinstance(name, str):
            sheet.cells[(1, j)] = _bilingual(name)
    last_row = int(table_ref.rsplit("$", 1)[1])
    sheet.header_row = 1
    sheet.heights[1] = 30
    sheet.autofilter = f"A1:{column_letter(width)}{max(last_row, 2)}"
    columns = list(ORDER_COLUMNS) + list(ADDED)
    status, deadline = column_letter(columns.index("status") + 1), column_letter(columns.index("deadline") + 1)
    sheet.late_rules = (f"A2:{column_letter(width)}{max(last_row, 2)}", status, deadline, 2)


def _penalty_columns(penalties: pd.DataFrame | None) -> dict:
    """Penalties sheet ranges of the shop, amount and deduction-time columns (as it lays them out)."""
    if penalties is None:
        return {}
    known = header_map(penalties.columns, "penalties")
    out = {}
    for name in ("shop", "amount", "deducted_at"):
        if name in known:
            letter = column_letter(list(penalties.columns).index(known[name][0]) + 1)
            out[name] = f"Penalties!${letter}$2:${letter}${len(penalties) + 1}"
    return out


def build_sheets(
    orders: pd.DataFrame,
    penalties: pd.DataFrame | None = None,
    holidays: pd.DataFrame | None = None,
    *,
    as_of,
    rules: Rules | None = None,
    headers: dict | None = None,
    products: pd.DataFrame | None = None,
    scans: pd.DataFrame | None = None,
    history_from=None,
    channel: str | None = None,
    dayfirst: bool = False,
) -> list[_Sheet]:
    """Lay out every sheet; cached formula values come from one engine run. ``products``,
    ``scans``, ``history_from``, ``channel`` and ``dayfirst`` fill what a real export lacks, as
    for :func:`~xlcompliance.assess`; the Orders sheet holds the values filled in."""
    rules = rules or default_rules()
    calendar = Calendar.from_frame(holidays, rules=rules) if holidays is not None else Calendar(rules=rules)
    result = assess_orders(
        orders, as_of=as_of, calendar=calendar, rules=rules, headers=headers, products=products, scans=scans,
        history_from=history_from, channel=channel, dayfirst=dayfirst,
    )
    summary = monthly_summary(result, penalties, as_of=as_of, rules=rules, headers=headers)
    as_of_ts = recorded_as_of(summary)
    assessed = result.frame
    orders_sheet, orders_ref = _orders_sheet(result)
    _finish_orders(orders_sheet, orders_ref)
    penalties_sheet, penalties_ref = _penalties_sheet(penalties, rules)
    paid = assessed["deadline"].dropna()
    years = (int(paid.min().year), int(paid.max().year)) if len(paid) else (as_of_ts.year, as_of_ts.year)
    return [
        _howto_sheet(rules.timezone),
        orders_sheet,
        _summary_sheet(summary, as_of_ts, orders_ref, penalties_ref, _penalty_columns(penalties)),
        _holidays_sheet(holidays, calendar, years),
        penalties_sheet,
        *([_products_sheet(products, rules, headers)] if products is not None else []),
        _rules_sheet(rules),
        _conf_sheet(),
    ]


def _save(sheets: list[_Sheet], path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    filled = PatternFill("solid", fgColor=FILLED_COLOUR)
    cached: dict[str, dict[str, object]] = {}
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for (r, c), v in sorted(sheet.cells.items()):
            cell = ws.cell(row=r, column=c, value=v)
            if r in sheet.bold_rows:
                cell.font = bold
            elif c in sheet.formats:
                cell.number_format = sheet.formats[c]
            if (r, c) in sheet.cell_formats:
                cell.number_format = sheet.cell_formats[(r, c)]
            if getattr(sheet, "wrap", False):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if (r, c) in sheet.filled:
                cell.fill = filled
        masters = cached.setdefault(ws.title, {})
        for r0, c0, r1, c1, text, values in sheet.arrays:
            ref = f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}"
            for i, row in enumerate(values):
                for j, v in enumerate(row):
                    cell = ws.cell(row=r0 + i, column=c0 + j)
                    if i or j:
                        cell.value = None if v == "" else cell_value(v)
                    if c0 + j in sheet.formats:
                        cell.number_format = sheet.formats[c0 + j]
            ws.cell(row=r0, column=c0).value = ArrayFormula(ref, text)
            masters[f"{column_letter(c0)}{r0}"] = values[0][0]
        for r, c, text, value in sheet.formulas:
            cell = ws.cell(row=r, column=c, value=text)
            if c in sheet.formats:
                cell.number_format = sheet.formats[c]
            masters[f"{column_letter(c)}{r}"] = value
        for ref in sheet.merged:
            ws.merge_cells(ref)
        for r, c in sheet.wrap_cells:
            ws.cell(row=r, column=c).alignment = Alignment(wrap_text=True, vertical="top")
        if sheet.header_row:
            bold_header(ws, sheet.header_row, 1, ws.max_column)
        if sheet.autofilter:
            ws.auto_filter.ref = sheet.autofilter
        if sheet.late_rules:
            late_and_soon_rules(ws, *sheet.late_rules, "as_of")
        for c, width in sheet.widths.items():
            ws.column_dimensions[column_letter(c)].width = width
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        if sheet.protect:
            ws.protection.sheet = True
        for r, height in sheet.heights.items():
            ws.row_dimensions[r].height = height
        print_setup(ws, title_rows=f"1:{int(sheet.freeze[1:]) - 1}" if sheet.freeze else None)
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["as_of"] = DefinedName("as_of", attr_text="Summary!$B$1")
    # Show the cached values on opening: no forced full recalculation (openpyxl's default), and
    # the calculation id of current Excel so it does not recalculate an "older" file either.
    wb.calculation.fullCalcOnLoad = False
    wb.calculation.calcId = 191029
    wb.save(path)
    _add_cached_values(path, [s.name for s in sheets], cached)
    make_deterministic(path)


def _cached_xml(value) -> tuple[str, str]:
    """(type attribute, <v> text) of a cached formula result."""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, dt.datetime | pd.Timestamp | np.datetime64):
        from openpyxl.utils.datetime import to_excel

        return "", repr(to_excel(pd.Timestamp(value).to_pydatetime()))
    if isinstance(value, int | float | np.number):
        return "", repr(float(value))
    if value is None or value == "":
        return ' t="str"', ""
    if value == "#VALUE!":
        return ' t="e"', value
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ' t="str"', text


def _add_cached_values(path: Path, names: list[str], cached: dict[str, dict[str, object]]) -> None:
    """openpyxl writes no cached result for a formula: add the engine's."""
    tmp = path.with_name(path.name + ".part")
    try:
        _copy_with_cached_values(path, tmp, names, cached)
    except BaseException:
        tmp.unlink(missing_ok=True)  # leave nothing half-written behind
        raise
    tmp.replace(path)


def _copy_with_cached_values(path: Path, tmp: Path, names: list[str], cached: dict[str, dict[str, object]]) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            masters = cached.get(names[int(m.group(1)) - 1]) if m else None
            if masters:
                text = data.decode("utf-8")
                for ref, value in masters.items():
                    t, v = _cached_xml(value)
                    pattern = re.compile(rf'(<c r="{ref}"(?: s="\d+")?)( t="\w+")?>(<f(?: [^>]*)?>[^<]*</f>)<v ?/>')
                    text, count = pattern.subn(lambda mm, t=t, v=v: f"{mm.group(1)}{t}>{mm.group(3)}<v>{v}</v>", text)
                    if count != 1:
                        raise RuntimeError(f"workbook: formula {ref} not found in {info.filename}")
                data = text.encode("utf-8")
            dst.writestr(info, data)


def write_workbook(
    path, orders, penalties=None, holidays=None, *, as_of, rules=None, headers=None, force: bool = False, inputs=(),
    **export_inputs,
) -> Path:
    """Build the seller workbook and write it atomically (never over an input file).
    ``export_inputs``: ``products``, ``scans``, ``history_from``, ``channel``, ``dayfirst`` (see
    :func:`build_sheets`)."""
    path = check_target(path, suffixes=(".xlsx",), force=force, inputs=inputs)  # before any work
    sheets = build_sheets(orders, penalties, holidays, as_of=as_of, rules=rules, headers=headers, **export_inputs)
    return atomic_write(path, lambda tmp: _save(sheets, tmp), suffixes=(".xlsx",), force=force, inputs=inputs)
