"""Excel worksheet functions (xlwings): decorators over :mod:`xlcompliance.excel.functions`.

One module for the three xlwings runtimes: the classic add-in on Windows
(``UDF Modules = xlcompliance.excel.udfs``), xlwings Lite (``workbook/lite/main.py`` imports these
functions) and xlwings Server (mount this module). Each function only declares how xlwings
hands over its arguments (2-D blocks, error cells as text) and formats its dates; the work is
the same-named function in :mod:`~xlcompliance.excel.functions`.
"""

from __future__ import annotations

import xlwings as xw

from ..io.outputs import DATETIME_FORMAT
from . import functions as fn
from .functions import ARGUMENT_HELP

__all__ = fn.__all__


def _args(*names: str):
    """``@xw.arg`` for each argument: 2-D blocks, error cells as text, help from ARGUMENT_HELP."""

    def decorate(f):
        for name in reversed(names):
            f = xw.arg(name, ndim=2, err_to_str=True, doc=ARGUMENT_HELP[name])(f)
        return f

    return decorate


_STATUS_ARGS = (
    "channel", "paid_at", "fulfilled_at", "method", "listed_at", "last_month_sales", "cancelled_at",
    "as_of", "holidays",
)


@xw.func
@_args("paid_at", "listed_at", "last_month_sales", "holidays")
@xw.ret(date_format=DATETIME_FORMAT)
def pop_deadline(paid_at, listed_at=None, last_month_sales=None, holidays=None):
    """Deadline for a POP order's first carrier scan (上网), platform time. Cells or columns."""
    return fn.pop_deadline(paid_at, listed_at, last_month_sales, holidays)


@xw.func
@_args("paid_at", "method", "listed_at", "last_month_sales", "holidays")
@xw.ret(date_format=DATETIME_FORMAT)
def jit_arrival(paid_at, method=None, listed_at=None, last_month_sales=None, holidays=None):
    """Deadline for a JIT order: pickup scan (上门揽收) or warehouse arrival (自寄)."""
    return fn.jit_arrival(paid_at, method, listed_at, last_month_sales, holidays)


@xw.func
@_args("channel", "paid_at", "method", "listed_at", "last_month_sales", "holidays")
@xw.ret(date_format=DATETIME_FORMAT)
def order_deadline(channel, paid_at, method=None, listed_at=None, last_month_sales=None, holidays=None):
    """Deadline of any order, POP or JIT, platform time. Cells or whole columns."""
    return fn.order_deadline(channel, paid_at, method, listed_at, last_month_sales, holidays)


@xw.func
@_args(*_STATUS_ARGS)
def order_status(channel, paid_at, fulfilled_at=None, method=None, listed_at=None, last_month_sales=None,
                 cancelled_at=None, as_of=None, holidays=None):
    """Status of each order as of a moment: on_time, late, pending, cancelled (#VALUE! = bad)."""
    return fn.order_status(channel, paid_at, fulfilled_at, method, listed_at, last_month_sales, cancelled_at,
                           as_of, holidays)


@xw.func
@_args(*_STATUS_ARGS)
def hours_late(channel, paid_at, fulfilled_at=None, method=None, listed_at=None, last_month_sales=None,
               cancelled_at=None, as_of=None, holidays=None):
    """Hours past the deadline for late orders; blank for orders that are not late."""
    return fn.hours_late(channel, paid_at, fulfilled_at, method, listed_at, last_month_sales, cancelled_at,
                         as_of, holidays)


@xw.func
@_args("channel", "paid_at", "method", "listed_at", "last_month_sales", "holidays")
def deadline_explain(channel, paid_at, method=None, listed_at=None, last_month_sales=None, holidays=None):
    """Why the deadline is what it is (rule set, allowance, days not counted), or why not."""
    return fn.deadline_explain(channel, paid_at, method, listed_at, last_month_sales, holidays)


@xw.func
@_args("orders", "month", "as_of", "shop", "holidays")
def shop_ontime_rate(orders, month=None, as_of=None, shop=None, holidays=None):
    """On-time shipping rate (及时发货率) = on time / (on time + late); blank if none assessed."""
    return fn.shop_ontime_rate(orders, month, as_of, shop, holidays)


@xw.func
@_args("orders", "month", "as_of", "shop", "holidays")
def qualifies(orders, month, as_of=None, shop=None, holidays=None):
    """TRUE when the shop-month's rate reaches the threshold (95 %) and the month is final."""
    return fn.qualifies(orders, month, as_of, shop, holidays)


@xw.func
@_args("orders", "penalties", "month", "as_of", "shop", "holidays")
@xw.ret(date_format=DATETIME_FORMAT)
def refund_due(orders, penalties, month, as_of=None, shop=None, holidays=None):
    """Penalty refund due for a shop-month and its due date (two cells: amount, due by)."""
    return fn.refund_due(orders, penalties, month, as_of, shop, holidays)


@xw.func
@_args("orders", "penalties", "as_of", "holidays")
@xw.ret(date_format=DATETIME_FORMAT)
def monthly_summary(orders, penalties=None, as_of=None, holidays=None):
    """Per shop-month: assessed, on time, late, pending, rate, qualifies, refund due (spills)."""
    return fn.monthly_summary(orders, penalties, as_of, holidays)


@xw.func
@_args("product_id", "paid_at", "orders", "history_from")
def last_month_sales(product_id, paid_at, orders, history_from=None):
    """A product's orders in the month before paid_at's, counted in an orders table (blank: not covered)."""
    return fn.last_month_sales(product_id, paid_at, orders, history_from)
