"""xlcompliance: AliExpress semi-managed shipping-timeliness deadlines, on-time rates and refunds.

One vectorised engine behind every entry point (Python API, Excel functions, notebook, CLI);
``assess``, ``monthly_summary`` and ``reconcile`` also take a Dask DataFrame (``xlcompliance[dask]``).
The rules it applies are data: ``xlcompliance/data/rules.toml``.
"""

from .core.assessment import ADDED_COLUMNS, ORDER_COLUMNS, STATUSES
from .core.calendar import Calendar, official_breaks
from .core.deadlines import jit_deadline, pop_deadline
from .core.headers import InputFileError
from .core.monthly import SUMMARY_COLUMNS
from .core.reconciliation import Reconciliation
from .core.rules import Rules, RulesError, default_rules, load_rules
from .facade import assess, monthly_summary, reconcile  # pandas, or a Dask DataFrame
from .io.reading import read_holidays, read_table
from .io.report import write_report
from .io.sample import Sample, sample
from .notebook import accessor as _accessor  # noqa: F401  (registers the DataFrame.xlc accessor)
from .notebook.magics import load_ipython_extension, unload_ipython_extension

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
    "read_holidays",
    "read_table",
    "reconcile",
    "Sample",
    "sample",
    "unload_ipython_extension",
    "write_report",
]
