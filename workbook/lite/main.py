"""xlwings Lite: the xlcompliance Excel functions.

Paste this file into xlwings Lite's main.py and requirements.txt into its requirements.txt,
then click Restart. The functions (POP_DEADLINE, JIT_ARRIVAL, ORDER_DEADLINE, ORDER_STATUS,
HOURS_LATE, DEADLINE_EXPLAIN, SHOP_ONTIME_RATE, QUALIFIES, REFUND_DUE, MONTHLY_SUMMARY,
LAST_MONTH_SALES) are the
ones of the installed package, registered here by importing them: xlwings Lite registers every
decorated function it finds in main.py.
"""

from xlcompliance.excel.udfs import (  # noqa: F401
    deadline_explain,
    hours_late,
    jit_arrival,
    last_month_sales,
    monthly_summary,
    order_deadline,
    order_status,
    pop_deadline,
    qualifies,
    refund_due,
    shop_ontime_rate,
)
