"""The moment an assessment is as of, carried by the assessed frame itself.

A status (late, pending) is only true as of a moment, so figures built on an assessment
(monthly summary, reconciliation) must use that same moment. :func:`assess` records it in
``frame.attrs["as_of"]``, which pandas keeps through copies, row filters, column selections,
sorting, ``assign`` and concatenating pieces of one assessment. Where it is lost (a merge, a
frame read back from a file), the frame's own ``status`` and ``deadline`` columns still show an
assessment older than the moment asked for: an order pending past its deadline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AS_OF_ATTR = "as_of"
_SHOWN = "%Y-%m-%d %H:%M:%S"


def record_as_of(frame: pd.DataFrame, as_of: pd.Timestamp) -> None:
    """Mark ``frame`` (a fresh output of ``assess``) as assessed as of ``as_of``, in place.

    Kept as ISO text: ``to_parquet`` writes a frame's attrs as JSON, which has no timestamps.
    """
    frame.attrs = {**frame.attrs, AS_OF_ATTR: pd.Timestamp(as_of).isoformat()}


def recorded_as_of(frame: pd.DataFrame) -> pd.Timestamp | None:
    """The moment ``frame`` was assessed as of, when it still carries it."""
    value = frame.attrs.get(AS_OF_ATTR)
    if isinstance(value, str):
        try:
            return pd.Timestamp(value)
        except ValueError:
            return None
    return value if isinstance(value, pd.Timestamp) else None


def stale_pending(frame: pd.DataFrame, as_of: pd.Timestamp) -> int:
    """How many orders the frame shows pending although their deadline is before ``as_of``."""
    if "status" not in frame or "deadline" not in frame:
        return 0
    pending = (frame["status"].astype(object) == "pending").to_numpy(dtype=bool)
    deadline = frame["deadline"].to_numpy(dtype="datetime64[us]")
    moment = np.datetime64(pd.Timestamp(as_of).as_unit("us").to_datetime64(), "us")
    with np.errstate(invalid="ignore"):
        return int((pending & (deadline < moment)).sum())


def same_as_of(frame: pd.DataFrame, as_of: pd.Timestamp | None, resolve, what: str) -> pd.Timestamp:
    """The moment to work as of: ``as_of`` if given, else the assessment's own; refuses a mix.

    Args:
        frame: an output of ``assess``.
        as_of: the moment asked for (already parsed), or None.
        resolve: gives "now" (platform time) when neither moment is known.
        what: the caller's name, for the message.

    Raises:
        ValueError: the frame was assessed as of another moment (the message names both and how
            to get a consistent answer).
    """
    recorded = recorded_as_of(frame)
    moment = as_of if as_of is not None else (recorded if recorded is not None else resolve())
    if recorded is not None and recorded != moment:
        raise ValueError(
            f"{what}: the orders were assessed as of {recorded:{_SHOWN}} but {what} is asked for "
            f"{moment:{_SHOWN}}; their statuses (late / pending) are only true as of the first. "
            f"Assess them as of the same moment, e.g. assess(orders, as_of=\"{moment:{_SHOWN}}\"), "
            f"or leave out as_of here to use the assessment's"
        )
    if recorded is None:
        stale = stale_pending(frame, moment)
        if stale:
            raise ValueError(
                f"{what}: {stale} order(s) are pending although their deadline is before "
                f"{moment:{_SHOWN}}: the orders were assessed as of an earlier moment. Assess them "
                f"as of the same moment, e.g. assess(orders, as_of=\"{moment:{_SHOWN}}\")"
            )
    return moment


__all__ = ["AS_OF_ATTR", "record_as_of", "recorded_as_of", "same_as_of", "stale_pending"]
