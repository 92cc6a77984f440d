"""The classic order export's 产品信息 cell, split into product lines.

The seller centre's classic export puts every product of an order in one cell::

    【1】Summer dress
    (产品属性: Color:Red Size:M)
    (产品数量: 2)
    (商家编码: DRESS-RED-M)
    【2】...

Each product becomes a line keyed by its seller code (商家编码). Spacing, full- and half-width
brackets, parentheses and colons vary between exports and are all accepted. Vectorised: one
regular-expression pass over the whole column, none per row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_WIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "［": "[", "］": "]", "\u3000": " "})
_PRODUCT = r"(?:【|\[)\s*(?P<position>\d+)\s*(?:】|\])(?P<body>.*?)(?=(?:【|\[)\s*\d+\s*(?:】|\])|\Z)"
_FIELD = r"\(\s*{label}\s*:\s*(?P<v>.*?)\s*\)\s*(?=\(|\n|\Z)"
LINE_COLUMNS = ("row", "position", "title", "attributes", "quantity", "product_id")


def _field(body: pd.Series, label: str) -> pd.Series:
    return body.str.extract(_FIELD.format(label=label), flags=re.DOTALL)["v"]


def split_product_info(cells) -> tuple[pd.DataFrame, np.ndarray]:
    """Product lines of every cell, and a per-cell error (None where the cell is fine or blank).

    Returns:
        lines: one row per product, columns ``row`` (the cell's position), ``position`` (the n of
            【n】), ``title``, ``attributes``, ``quantity`` (float, NaN if absent) and
            ``product_id`` (the 商家编码; None if absent).
        errors: for non-blank cells holding no 【n】 product, or a product without 商家编码.
    """
    texts = pd.Series(cells, dtype=object).reset_index(drop=True)
    n = len(texts)
    blank = texts.isna().to_numpy() | texts.astype(str).str.strip().eq("").to_numpy()
    norm = texts.where(~blank, "").astype(str).str.translate(_WIDTH).str.replace("\r\n", "\n")
    found = norm.str.extractall(_PRODUCT, flags=re.DOTALL)
    errors = np.empty(n, dtype=object)
    if found.empty:
        rows = np.empty(0, dtype=np.int64)
        body = pd.Series([], dtype=object)
        position = np.empty(0, dtype=np.int64)
    else:
        rows = found.index.get_level_values(0).to_numpy(dtype=np.int64)
        body = found["body"].reset_index(drop=True)
        position = found["position"].astype(np.int64).to_numpy()
    title = body.str.extract(r"^\s*(?P<t>[^\n(]*?)\s*(?:\(|\n|\Z)", flags=re.DOTALL)["t"] if len(body) else body
    quantity = pd.to_numeric(_field(body, "产品数量"), errors="coerce") if len(body) else body
    code = _field(body, "商家编码") if len(body) else body
    code = code.where(code.notna() & code.astype(str).str.strip().ne(""), None) if len(body) else body
    lines = pd.DataFrame({
        "row": rows,
        "position": position,
        "title": pd.Series(title, dtype=object).to_numpy(),
        "attributes": (_field(body, "产品属性") if len(body) else body).to_numpy(dtype=object),
        "quantity": np.asarray(quantity, dtype=float),
        "product_id": pd.Series(code, dtype=object).astype(object).where(pd.Series(code).notna(), None).to_numpy(),
    })
    has_lines = np.zeros(n, dtype=bool)
    has_lines[rows] = True
    for i in np.flatnonzero(~blank & ~has_lines):
        errors[i] = f"product_info: no product (【n】title) found in {_short(texts.iloc[i])}"
    for i, pos in zip(rows[lines["product_id"].isna().to_numpy()],
                      position[lines["product_id"].isna().to_numpy()], strict=True):
        if errors[i] is None:
            errors[i] = f"product_info: product 【{pos}】 has no 商家编码 (seller code)"
    return lines, errors


def _short(value) -> str:
    text = repr(str(value))
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["split_product_info", "LINE_COLUMNS"]
