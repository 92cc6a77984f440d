"""xlcompliance: AliExpress semi-managed shipping-timeliness deadlines, on-time rates and refunds.

One vectorised engine behind every entry point (Python API, Excel functions, notebook, CLI).
The rules it applies are data: ``xlcompliance/data/rules.toml``.

The engine and the ``DataFrame.xlc`` accessor load with the package; file readers and writers,
the sample, reconciliation and the IPython extension load on first use (module ``__getattr__``),
so a command that only assesses a CSV does not pay for openpyxl or the notebook parts.
"""

from importlib import import_module

from .core.assessment import ADDED_COLUMNS, ORDER_COLUMNS, STATUSES
from .core.calendar import Calendar, official_breaks
from .core.deadlines import jit_deadline, pop_deadline
from .core.headers import InputFileError
from .core.monthly import SUMMARY_COLUMNS
from .core.rules import Rules, RulesError, default_rules, load_rules
from .facade import assess, monthly_summary, reconcile  # pandas, or a Dask DataFrame
from .notebook import accessor as _accessor  # noqa: F401  (registers the DataFrame.xlc accessor)

__version__ = "0.1.0"

_LAZY = {  # public name -> module that defines it, imported on first access
    "Reconciliation": ".core.reconciliation",
    "read_holidays": ".io.reading",
    "read_table": ".io.reading",
    "write_report": ".io.report",
    "Sample": ".io.sample",
    "sample": ".io.sample",
    "load_ipython_extension": ".notebook.magics",
    "unload_ipython_extension": ".notebook.magics",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


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
