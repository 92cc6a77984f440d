"""A synthetic classic seller-centre export, with the products list and the scans it needs.

From the generated POP orders: each order gets one or two products from a small catalogue
(popular products sell more than 10 orders a month, the long tail fewer; some are newly
listed), its products in one 产品信息 cell, a tracking number, and the platform's own deadline
(发货期限). Listing dates go to a products list, first scans to a logistics file: what a
seller actually downloads. ``python -m xlcompliance.io.classic_sample DIR [--format xlsx|xls]``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.headers import InputFileError
from .sample import generate_orders

CATALOGUE = 60


def classic_export(seed: int = 20240412, **orders_kwargs) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(classic orders export, products list, scans)`` from the generated POP orders."""
    rng = np.random.default_rng(seed + 1)
    orders = generate_orders(seed=seed, **orders_kwargs)
    orders = orders[orders["channel"] == "POP"].reset_index(drop=True)
    n = len(orders)
    start = orders["paid_at"].min().normalize()
    # catalogue: listed from 4 months before the period to its end; popularity Zipf-like
    span = (orders["paid_at"].max() - start + pd.Timedelta(days=120)).total_seconds()
    listed = (start - pd.Timedelta(days=120)) + pd.to_timedelta(rng.uniform(0, span, CATALOGUE).round(), unit="s")
    listed = pd.Series(listed).sort_values().reset_index(drop=True)
    weight = 1.0 / np.arange(1, CATALOGUE + 1) ** 1.1
    weight = weight[rng.permutation(CATALOGUE)]
    codes = np.array([f"SKU-{i + 1:03d}" for i in range(CATALOGUE)], dtype=object)
    paid = orders["paid_at"].to_numpy(dtype="datetime64[s]")
    available = listed.to_numpy(dtype="datetime64[s]")[None, :] <= paid[:, None]  # listed before payment
    w = np.where(available, weight[None, :], 0.0)
    w[w.sum(axis=1) == 0, 0] = 1.0
    cumulative = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    first = (cumulative < rng.uniform(0, 1, n)[:, None]).sum(axis=1).clip(0, CATALOGUE - 1)
    second = (cumulative < rng.uniform(0, 1, n)[:, None]).sum(axis=1).clip(0, CATALOGUE - 1)
    two = (rng.uniform(0, 1, n) < 0.12) & (second != first)

    def line(k: int, code_index: int, qty: int) -> str:
        return (f"【{k}】Product {codes[code_index]}\n(产品属性: Color:{['Red', 'Blue', 'Black'][code_index % 3]})\n"
                f"(产品数量: {qty})\n(商家编码: {codes[code_index]})")

    quantity = rng.integers(1, 4, size=(n, 2))
    info = [line(1, a, q[0]) + ("\n" + line(2, b, q[1]) if t else "")
            for a, b, t, q in zip(first, second, two, quantity, strict=True)]
    fulfilled = orders["fulfilled_at"]
    tracking = pd.Series([f"LP{10_000_000 + i:08d}" for i in range(n)], dtype=object)
    shipped = fulfilled.notna()
    ordered = orders["paid_at"] - pd.to_timedelta(rng.integers(0, 1800, n), unit="s")
    status = np.where(orders["cancelled_at"].notna(), "交易关闭", np.where(shipped, "已发货", "等待发货"))
    text = "%Y-%m-%d %H:%M:%S"
    export = pd.DataFrame({
        "订单号": orders["order_id"],
        "店铺名称": orders["shop"],
        "订单状态": status,
        "下单时间": ordered.dt.strftime(text),
        "付款时间": orders["paid_at"].dt.strftime(text),
        "产品信息": info,
        "买家选择物流": "AliExpress无忧物流-标准",
        "发货期限": (orders["paid_at"] + pd.Timedelta(hours=72)).dt.strftime(text),
        "实际发货物流:运单号": np.where(shipped, "AliExpress无忧物流-标准:" + tracking, ""),
        "发货时间": (fulfilled - pd.Timedelta(hours=2)).dt.strftime(text).fillna(""),
        "取消时间": orders["cancelled_at"].dt.strftime(text).fillna(""),
        "确认收货时间": "",
    })
    products = pd.DataFrame({
        "产品ID": [str(1005006000000 + i) for i in range(CATALOGUE)],
        "商家编码": codes,
        "商品标题": [f"Product {c}" for c in codes],
        "创建时间": listed.dt.strftime(text),
    })
    scans = pd.DataFrame({"运单号": tracking[shipped.to_numpy()], "上网时间": fulfilled[shipped].dt.strftime(text)})
    return export, products, scans.reset_index(drop=True)


def write_classic_sample(directory, *, fmt: str = "csv", seed: int = 20240412) -> dict[str, Path]:
    """Write ``classic_orders.{csv|xlsx|xls}``, ``products.csv`` and ``scans.csv``; .xls needs
    LibreOffice (``soffice``), which converts the xlsx."""
    if fmt not in ("csv", "xlsx", "xls"):
        raise ValueError("fmt must be csv, xlsx or xls")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    export, products, scans = classic_export(seed)
    paths = {"orders": directory / f"classic_orders.{fmt}", "products": directory / "products.csv",
             "scans": directory / "scans.csv"}
    if fmt == "csv":
        export.to_csv(paths["orders"], index=False, encoding="utf-8-sig")
    else:
        xlsx = paths["orders"].with_suffix(".xlsx")
        export.to_excel(xlsx, index=False, sheet_name="订单")
        if fmt == "xls":
            soffice = shutil.which("soffice")
            if soffice is None:
                raise InputFileError("writing .xls needs LibreOffice (soffice) to convert the xlsx")
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                                "xls", "--outdir", str(directory), str(xlsx)], check=True, capture_output=True,
                               timeout=300)
            xlsx.unlink()
    products.to_csv(paths["products"], index=False, encoding="utf-8-sig")
    scans.to_csv(paths["scans"], index=False, encoding="utf-8-sig")
    return paths


def main(argv=None) -> int:
    """Write a classic export with its products list and scans (``python -m xlcompliance.io.classic_sample``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m xlcompliance.io.classic_sample", description=main.__doc__)
    parser.add_argument("directory")
    parser.add_argument("--format", choices=("csv", "xlsx", "xls"), default="csv")
    parser.add_argument("--seed", type=int, default=20240412)
    args = parser.parse_args(argv)
    for name, path in write_classic_sample(args.directory, fmt=args.format, seed=args.seed).items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
