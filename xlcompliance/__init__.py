"""xlcompliance: AliExpress semi-managed shipping-timeliness deadlines, on-time rates and refunds.

One vectorised engine behind every entry point (Python API, Excel functions, notebook, CLI).
The rules it applies are data: ``xlcompliance/data/rules.toml``.
"""

from . import accessor as _accessor  # noqa: F401  (registers the DataFrame.xlc accessor)
from .assessment import ADDED_COLUMNS, ORDER_COLUMNS, STATUSES, assess
from .calendars import Calendar, official_breaks
from .deadlines import jit_deadline, pop_deadline
from .magics import load_ipython_extension, unload_ipython_extension
from .monthly import SUMMARY_COLUMNS, monthly_summary
from .reconciliation import Reconciliation, reconcile
from .rules import Rules, RulesError, default_rules, load_rules
from .tables import InputFileError, read_table

__version__ = "0.1.0"

__all__ = [
    "ADDED_COLUMNS",
    "ORDER_COLUMNS",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "Calendar",
    "Reconciliation",
    "InputFileError",
    "Rules",
    "RulesError",
    "assess",
    "default_rules",
    "jit_deadline",
    "load_ipython_extension",
    "load_rules",
    "monthly_summary",
    "official_breaks",
    "pop_deadline",
    "read_table",
    "reconcile",
    "unload_ipython_extension",
]
