"""The public ``assess``, ``monthly_summary`` and ``reconcile``: pandas in, the engine; a Dask
DataFrame in, the Dask backend (``xlcompliance.scale``).

Dask is looked for only among the modules already imported, so a pandas caller never imports
it: a Dask DataFrame cannot exist unless ``dask.dataframe`` was imported.
"""

from __future__ import annotations

import sys
from functools import wraps

from .core import assessment, monthly, reconciliation


def is_dask_frame(value) -> bool:
    """Whether ``value`` is a ``dask.dataframe.DataFrame`` (without importing dask)."""
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(value, dd.DataFrame)


@wraps(assessment.assess)
def assess(orders, **options):
    if is_dask_frame(orders):
        from .scale.assessment import assess as assess_dask

        return assess_dask(orders, **options)
    return assessment.assess(orders, **options)


@wraps(monthly.monthly_summary)
def monthly_summary(assessed, penalties=None, **options):
    if is_dask_frame(assessed):
        from .scale.summary import monthly_summary as summary_dask

        return summary_dask(assessed, penalties, **options)
    return monthly.monthly_summary(assessed, penalties, **options)


@wraps(reconciliation.reconcile)
def reconcile(assessed, penalties, refunds=None, **options):
    if is_dask_frame(assessed):
        from .scale.summary import reconcile as reconcile_dask

        return reconcile_dask(assessed, penalties, refunds, **options)
    return reconciliation.reconcile(assessed, penalties, refunds, **options)


__all__ = ["assess", "is_dask_frame", "monthly_summary", "reconcile"]
