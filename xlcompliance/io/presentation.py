"""How the workbooks we write look, print and serialise.

One place for the finishing every written workbook shares: a header row people can read (bold,
shaded, wrapped, bilingual labels), an Excel Table or autofilter over the data, print setup
(landscape, one page wide, the header repeated on every page) and deterministic bytes (fixed zip
entry times and document timestamps, so the same inputs always give the same file).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

#: Document timestamp written into every workbook (docProps/core.xml): a fixed instant, so a
#: workbook's bytes depend only on its inputs.
FIXED_TIMESTAMP = "2024-01-01T00:00:00Z"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

HEADER_FILL = "DDE4EE"
LABEL_FILL = "EEF2F7"
LATE_FILL = "F8CBAD"
LATE_FONT = "9C0006"
SOON_FILL = "FFE699"
SOON_FONT = "7F6000"

#: Chinese labels of the canonical columns, shown above or beside the English names.
CHINESE = {
    "order_id": "订单号",
    "shop": "店铺",
    "channel": "模式",
    "method": "发货方式",
    "paid_at": "付款时间",
    "listed_at": "首次上架时间",
    "last_month_sales": "上月销量",
    "fulfilled_at": "上网/揽收/到仓时间",
    "cancelled_at": "取消时间",
    "deadline": "截止时间",
    "status": "状态",
    "hours_late": "超时（小时）",
    "error": "错误原因",
    "rule_set": "适用规则",
    "eligible": "放宽资格",
    "explanation": "说明",
    "month": "所属月份",
    "assessed": "考核订单数",
    "on_time": "及时",
    "late": "超时",
    "pending": "待发货",
    "rate": "及时发货率",
    "on_time_rate": "及时发货率",
    "provisional": "未定（月份未结束）",
    "qualifies": "符合返还",
    "penalties": "罚款",
    "refund_due": "应返还",
    "refund_due_by": "返还截止",
    "refund_due_date": "返还截止",
    "net_cost": "净成本",
    "amount": "金额",
    "deducted_at": "扣款时间",
    "received": "已到账",
    "refund_status": "返还状态",
    "start": "开始",
    "end": "结束",
    "scope": "适用",
    "name": "名称",
    "order_line": "订单行（1 = 计入）",
    "product_id": "商品ID",
    "seller_code": "商家编码",
}


def text_width(text: str) -> float:
    """Display width in character units: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def column_width(header: str) -> float:
    """Width of a column of unknown content that shows its whole header (10 to 40 units)."""
    return max(10, min(40, text_width(header) + 2))


def bold_header(ws, row: int, first_col: int, last_col: int, *, fill: str = HEADER_FILL, height=None) -> None:
    """Bold, shaded, wrapped, vertically centred header cells."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    font = Font(bold=True)
    shade = PatternFill("solid", fgColor=fill)
    line = Border(bottom=Side(style="thin", color="8EA9C1"))
    align = Alignment(wrap_text=True, vertical="center")
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill, cell.border, cell.alignment = font, shade, line, align
    if height:
        ws.row_dimensions[row].height = height


def print_setup(ws, *, title_rows: str | None = None, landscape: bool = True) -> None:
    """Landscape A4, one page wide (as many pages tall as needed), header rows on every page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = "&A — &P / &N"
    if title_rows:
        ws.print_title_rows = title_rows


def add_table(ws, ref: str, name: str) -> None:
    """An Excel Table (banded rows, filter buttons) over ``ref``; its header cells must be text."""
    from openpyxl.worksheet.table import Table, TableStyleInfo

    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)


def late_and_soon_rules(ws, ref: str, status_col: str, deadline_col: str, first_row: int, as_of: str) -> None:
    """Conditional formats: late rows red; pending rows due within 24 h of ``as_of`` amber."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill

    status = f"${status_col}{first_row}"
    deadline = f"${deadline_col}{first_row}"
    ws.conditional_formatting.add(
        ref,
        FormulaRule(
            formula=[f'{status}="late"'],
            fill=PatternFill("solid", fgColor=LATE_FILL, bgColor=LATE_FILL),
            font=Font(color=LATE_FONT),
            stopIfTrue=True,
        ),
    )
    ws.conditional_formatting.add(
        ref,
        FormulaRule(
            formula=[f'AND({status}="pending",ISNUMBER({deadline}),{deadline}-{as_of}<=1)'],
            fill=PatternFill("solid", fgColor=SOON_FILL, bgColor=SOON_FILL),
            font=Font(color=SOON_FONT),
        ),
    )


def make_deterministic(path: Path) -> None:
    """Rewrite an xlsx so equal content gives equal bytes: fixed entry times, fixed timestamps."""
    path = Path(path)
    tmp = path.with_name(path.name + ".det")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = re.sub(
                        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                        rb"\g<1>" + FIXED_TIMESTAMP.encode() + rb"\g<2>",
                        data,
                    )
                entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o600 << 16
                dst.writestr(entry, data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = [
    "CHINESE",
    "FIXED_TIMESTAMP",
    "add_table",
    "bold_header",
    "late_and_soon_rules",
    "make_deterministic",
    "print_setup",
]


_ZONE_NAMES_ZH = {"Asia/Shanghai": "北京时间"}


def zone_name_zh(timezone: str) -> str:
    """How a Chinese reader names the rules' time zone (its IANA name where none is known)."""
    return _ZONE_NAMES_ZH.get(timezone, timezone)
