"""``DataFrame.xlc``: the engine as a pandas accessor (registered when xlcompliance is imported).

>>> orders.xlc.assess(as_of="2024-07-01 10:00")          # doctest: +SKIP
>>> orders.xlc.summary(penalties, as_of="2024-07-01 10:00")  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from ..core.assessment import Assessed, assess, assess_orders, is_assessed
from ..core.monthly import monthly_summary


@pd.api.extensions.register_dataframe_accessor("xlc")
class XlcAccessor:
    """Engine calls on an order table: ``assess``, ``summary``, ``priority``, ``what_if``."""

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame

    def _assessed(self, as_of, kwargs) -> pd.DataFrame | Assessed:
        """This table if it is already assessed, else its assessment (orders parsed once)."""
        if is_assessed(self._frame):
            return self._frame
        keys = ("calendar", "rules", "headers")
        return assess_orders(self._frame, as_of=as_of, **{k: kwargs[k] for k in keys if k in kwargs})

    def assess(self, *, as_of=None, calendar=None, rules=None, headers=None) -> pd.DataFrame:
        """:func:`xlcompliance.assess` on this table."""
        return assess(self._frame, as_of=as_of, calendar=calendar, rules=rules, headers=headers)

    def summary(
        self, penalties: pd.DataFrame | None = None, *, as_of=None, **kwargs
    ) -> pd.DataFrame:
        """:func:`xlcompliance.monthly_summary` (assessing first unless already assessed)."""
        assessed = self._assessed(as_of, kwargs)
        keys = ("rules", "headers")
        return monthly_summary(
            assessed, penalties, as_of=as_of, **{k: kwargs[k] for k in keys if k in kwargs}
        )

    def priority(self, *, as_of=None, **kwargs) -> pd.DataFrame:
        """Today's pending orders by time left (:func:`xlcompliance.scenarios.priority_list`)."""
        from ..core.scenarios import priority_list

        return priority_list(self._assessed(as_of, kwargs), as_of=as_of, **kwargs)

    def what_if(self, penalties: pd.DataFrame | None = None, *, shop, month, as_of=None, **levers):
        """One shop-month under a scenario (:func:`xlcompliance.scenarios.what_if`).

        Keyword arguments other than ``calendar, rules, headers, curve_max`` are
        :class:`~xlcompliance.scenarios.Levers` fields.
        """
        from ..core.scenarios import Levers, what_if

        engine = {
            k: levers.pop(k) for k in ("calendar", "rules", "headers", "curve_max") if k in levers
        }
        assessed = self._assessed(as_of, engine)
        return what_if(
            assessed,
            penalties,
            shop=shop,
            month=month,
            levers=Levers(**levers),
            as_of=as_of,
            **engine,
        )
