"""Branch-free masked assignment for small integer codes.

``codes[mask] = value`` costs a mispredicted branch wherever the mask changes, and the masks of
an order column change all the time (POP and JIT rows, on-time and late rows are mixed). On int8
codes the same assignment as arithmetic is two vectorised passes over one byte per row.
"""

from __future__ import annotations

import numpy as np


def set_where(codes: np.ndarray, mask: np.ndarray, value: int) -> None:
    """In place: ``codes[mask] = value`` for an int8 ``codes`` and a bool ``mask`` of its shape.

    Wrapping int8 arithmetic is exact here: ``c - (c - v)`` is ``v`` modulo 256.
    """
    codes -= mask.view(np.int8) * (codes - np.int8(value))


def first_match(conditions, values, default: int) -> np.ndarray:
    """``np.select(conditions, values, default)`` for int8 values: the first true condition's
    value per row (assigned last to first, so the first one wins)."""
    out = np.full(len(conditions[0]) if conditions else 0, default, dtype=np.int8)
    for condition, value in zip(reversed(conditions), reversed(values), strict=True):
        set_where(out, condition, value)
    return out


__all__ = ["first_match", "set_where"]
