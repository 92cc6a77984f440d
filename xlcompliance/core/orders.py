"""The order boundary: raw order columns parsed once into typed arrays and per-row errors.

:func:`parse_orders` is the only place that reads an order table's headers and parses its text.
Everything downstream (assessment, monthly summary, reconciliation, scenarios, the workbook
writers, the Excel functions) consumes the :class:`Orders` it returns, or the :class:`Assessed`
pair built from it, so a value can never be read one way in one place and another way in another.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .derived_sales import SalesHistory
from .export_inputs import ExportInputs, has_product_lines, resolve_export_inputs, sales_contribution
from .headers import InputFileError, canonical_series, header_map, require
from .order_ids import duplicate_errors
from .parallel import run_all
from .parsing import (
    BLANK,
    choice_names,
    excel_error_messages,
    first_errors,
    message_rows,
    parse_channel_codes,
    parse_counts,
    parse_datetimes,
    parse_method_codes,
    without_empty,
)
from .rules import CHANNELS, METHODS, Rules, default_rules
from .text import stripped_texts

ORDER_COLUMNS = (
    "order_id", "shop", "channel", "method", "paid_at", "listed_at",
    "last_month_sales", "fulfilled_at", "cancelled_at",
)
REQUIRED = ("channel", "paid_at")
DATETIME_FIELDS = ("paid_at", "listed_at", "fulfilled_at", "cancelled_at")
# Fields only matched against other tables (a products list, scans): an Excel error in one matches
# nothing, so it is the row's error rather than a silent miss.
MATCHED_FIELDS = ("product_id", "product_info", "tracking_no")


def _blank_column(n: int) -> pd.Series:
    """A column the input lacks: all blank, typed so every parser takes its fast path."""
    return pd.Series(np.full(n, np.nan))


@dataclass(eq=False)
class Orders:
    """An order table parsed once: typed columns (one entry per row) and why rows are bad.

    Attributes:
        frame: the table as given (never modified).
        columns: the raw column behind each canonical field the table has.
        header_names: per canonical field, the headers of ``frame`` read for it (the others are
            extra columns).
        channel, method: int8 codes into ``CHANNELS`` / ``METHODS`` (``BLANK``/``UNKNOWN`` else).
        paid_at, listed_at, fulfilled_at, cancelled_at: ``datetime64[us]`` (NaT = blank or bad).
        last_month_sales: float (NaN = unknown or bad).
        field_errors: per field, the parse error of each row (None where fine).
        inputs: what the export lacks, filled (listing dates from a products list, last
            month's sales derived from the export, first scans, one order out of several
            product lines); the values the assessment uses.
        platform_deadline: the export's own deadline (发货期限), where it has one (else None).
        error: the row's whole error text (None where the row is fine), repeated order ids
            and product-line conflicts included.
    """

    frame: pd.DataFrame
    columns: dict[str, pd.Series]
    header_names: dict[str, list]
    channel: np.ndarray
    method: np.ndarray
    paid_at: np.ndarray
    listed_at: np.ndarray
    fulfilled_at: np.ndarray
    cancelled_at: np.ndarray
    last_month_sales: np.ndarray
    field_errors: dict[str, np.ndarray]
    inputs: ExportInputs
    platform_deadline: np.ndarray | None
    error: np.ndarray

    def __len__(self) -> int:
        return len(self.paid_at)

    def columns_besides(self, fields) -> list:
        """The headers of ``frame``, in order, not read as one of ``fields``: what a sheet laying
        out ``fields`` must still carry as given (a product id, the 产品信息 cell, a tracking
        number, the platform's deadline, columns no field reads), so nothing is lost."""
        taken = {c for name in fields for c in self.header_names.get(name, ())}
        return [c for c in self.frame.columns if c not in taken]

    def raw(self, name: str) -> pd.Series | None:
        """The raw column of a canonical field (positional index), or None when the table lacks it."""
        return self.columns.get(name)

    @cached_property
    def order_ids(self) -> np.ndarray:
        """Order ids as stripped text ("" where blank or absent)."""
        return stripped_texts(self.raw("order_id"), len(self))

    @cached_property
    def shop_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-row shop codes and the shop name of each code (see :func:`shop_codes`)."""
        return shop_codes(self.raw("shop"), len(self))

    @property
    def shops(self) -> np.ndarray:
        """Each row's shop name (stripped text, "" for none)."""
        codes, names = self.shop_codes
        return names[codes]

    @property
    def channel_names(self) -> np.ndarray:
        """``POP``/``JIT`` per row (None where blank or unknown)."""
        return choice_names(self.channel, CHANNELS)

    @property
    def method_names(self) -> np.ndarray:
        """``pickup``/``self`` per row (None where blank or unknown)."""
        return choice_names(self.method, METHODS)


def shop_codes(series: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row shop codes and the shop name of each code (stripped text, "" for none).

    Text and categorical columns are normalised once per distinct value; object columns (mixed
    values, where 1 and 1.0 hash alike but read differently) once per row.
    """
    if series is None:
        return np.zeros(n, dtype=np.int64), np.array([""], dtype=object)
    series = series.reset_index(drop=True)
    if series.dtype == object:
        names = np.array(["" if pd.isna(v) else str(v).strip() for v in series], dtype=object)
        codes, uniques = pd.factorize(names)
        return codes, np.asarray(uniques, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    names = np.array([str(v).strip() for v in uniques] + [""], dtype=object)
    return np.where(codes < 0, len(uniques), codes), names


def parse_orders(
    frame: pd.DataFrame,
    *,
    rules: Rules | None = None,
    headers: dict | None = None,
    channel: str | None = None,
    products: pd.DataFrame | None = None,
    scans: pd.DataFrame | None = None,
    history_from=None,
    dayfirst: bool = False,
    duplicates: np.ndarray | None = None,
    sales_history: SalesHistory | None = None,
    row_numbers: np.ndarray | None = None,
) -> Orders:
    """Parse an order table (canonical or alias headers) once, at the boundary.

    Only ``paid_at`` and ``channel`` are required (``channel=`` gives the channel of every row
    whose own is blank or absent, for exports without one). ``products``, ``scans`` and
    ``history_from`` fill what the export lacks (see :mod:`~xlcompliance.core.export_inputs`);
    ``dayfirst`` reads text dates written day first (13/04/2024), never guessed without it.
    A bad value is that row's error; the other rows are unaffected. For rows that are part of a
    partitioned export, ``duplicates`` replaces the repeated-order-id check with one made over
    more rows than these, and (rows holding every line of their orders) ``sales_history`` the derived
    sales' :class:`~xlcompliance.core.derived_sales.SalesHistory` of the whole export,
    ``row_numbers`` the 0-based rows that line messages cite.

    Raises:
        InputFileError: a required column is missing (the message names it and the headers found).
    """
    rules = rules or default_rules()
    tz = rules.timezone
    found = header_map(frame.columns, "orders", headers)
    if "paid_at" not in found:
        require(frame, REQUIRED if channel is None else ("paid_at",), "orders", headers)
    if channel is None and "channel" not in found:
        raise InputFileError(
            "orders: no channel column (POP or JIT); this export does not say, so give it for the whole "
            "file: channel='POP' or 'JIT' (command line: --channel POP|JIT)"
        )
    columns = {k: v.reset_index(drop=True) for k, v in canonical_series(frame, "orders", headers).items()}
    n = len(frame)
    if channel is not None:
        whole = pd.Series([channel] * n, dtype=object)
        given = columns.get("channel")
        if given is None:
            columns["channel"] = whole
        else:
            given = given.astype(object)
            columns["channel"] = given.where(~(given.isna() | given.astype(str).str.strip().eq("")), whole)

    def col(name):
        series = columns.get(name)
        return _blank_column(n) if series is None else series

    matched = [name for name in MATCHED_FIELDS if name in columns]
    # One row per order (no product lines): the repeated-id check needs the id column alone.
    one_row_each = "order_id" in columns and not has_product_lines(columns)
    checks_ids = duplicates is None and one_row_each
    (
        (paid, e_paid), (codes, e_channel), (method, e_method), (listed, e_listed), (sales, e_sales),
        (fulfilled, e_fulfilled), (cancelled, e_cancelled), *id_errors,
    ) = run_all([  # each column on its own: numpy and Arrow parse two at once
        lambda: parse_datetimes(col("paid_at"), "paid_at", tz, dayfirst),
        lambda: parse_channel_codes(col("channel")),
        lambda: parse_method_codes(col("method")),
        lambda: parse_datetimes(col("listed_at"), "listed_at", tz, dayfirst),
        lambda: parse_counts(col("last_month_sales"), "last_month_sales"),
        lambda: parse_datetimes(col("fulfilled_at"), "fulfilled_at", tz, dayfirst),
        lambda: parse_datetimes(col("cancelled_at"), "cancelled_at", tz, dayfirst),
        # an Excel error (#N/A) in an id or shop is no id or shop to group or match by
        *(lambda name=name: excel_error_messages(col(name), name) for name in ("order_id", "shop", *matched)),
        *([lambda: duplicate_errors(columns["order_id"])] if checks_ids else []),
    ], n)
    if checks_ids:
        duplicates = id_errors.pop()
    blank_paid = np.isnat(paid) & ~message_rows(e_paid)
    e_paid[blank_paid] = "paid_at is blank"
    e_channel[codes == BLANK] = "channel is blank (expected POP or JIT)"
    e_method[(codes != CHANNELS.index("JIT")) & message_rows(e_method)] = None  # method only matters for JIT
    ordering = _ordering_errors(paid, listed, fulfilled, cancelled)
    field_errors = {
        **dict(zip(("order_id", "shop", *matched), id_errors, strict=True)),
        "paid_at": e_paid, "channel": e_channel, "method": e_method, "listed_at": e_listed,
        "last_month_sales": e_sales, "fulfilled_at": e_fulfilled, "cancelled_at": e_cancelled,
    }
    field_errors = {name: without_empty(errors) for name, errors in field_errors.items()}
    own_error = first_errors(*field_errors.values(), ordering)
    inputs = resolve_export_inputs(
        columns, n, paid=paid, channel=codes, listed=listed, sales=sales, fulfilled=fulfilled,
        cancelled=cancelled, row_valid=~message_rows(own_error), rules=rules, products=products, scans=scans,
        history_from=history_from, headers=headers, duplicates=duplicates, sales_history=sales_history,
        row_numbers=row_numbers,
    )
    scanned_early = ~np.isnat(paid) & ~np.isnat(inputs.fulfilled) & (inputs.fulfilled < paid) & ~message_rows(ordering)
    for i in np.flatnonzero(scanned_early):  # a scan from the scans file before the payment
        ordering[i] = f"fulfilled_at {pd.Timestamp(inputs.fulfilled[i])} is before paid_at {pd.Timestamp(paid[i])}"
    if scanned_early.any():
        own_error = first_errors(*field_errors.values(), ordering)
    platform = None
    if "platform_deadline" in columns:
        platform, _ = parse_datetimes(columns["platform_deadline"], "platform_deadline", tz)
    return Orders(
        frame=frame,
        columns=columns,
        header_names=found,
        channel=codes,
        method=method,
        paid_at=paid,
        listed_at=listed,
        fulfilled_at=fulfilled,
        cancelled_at=cancelled,
        last_month_sales=sales,
        field_errors=field_errors,
        inputs=inputs,
        platform_deadline=platform,
        error=first_errors(own_error, inputs.errors),  # the same join: messages in field order
    )


def order_sales(frame: pd.DataFrame, *, rules: Rules | None = None, headers: dict | None = None,
                scans: pd.DataFrame | None = None, dayfirst: bool = False) -> SalesHistory | None:
    """What an order table's rows alone count toward derived last month's sales (None without
    product lines), parsing only the columns that takes, as :func:`parse_orders` parses them:
    for a part of an export holding whole orders (see ``sales_contribution``)."""
    rules = rules or default_rules()
    columns = {k: v.reset_index(drop=True) for k, v in canonical_series(frame, "orders", headers).items()}
    n = len(frame)
    paid, fulfilled, cancelled = (
        parse_datetimes(columns.get(name, _blank_column(n)), name, rules.timezone, dayfirst)[0]
        for name in ("paid_at", "fulfilled_at", "cancelled_at")
    )
    return sales_contribution(columns, n, paid=paid, fulfilled=fulfilled, cancelled=cancelled, rules=rules,
                              scans=scans, headers=headers)


def _ordering_errors(paid, listed, fulfilled, cancelled) -> np.ndarray:
    """listed_at after paid_at, or fulfilment / cancellation before it, per row."""
    ordering = np.empty(len(paid), dtype=object)
    for values, name in ((listed, "listed_at"), (fulfilled, "fulfilled_at"), (cancelled, "cancelled_at")):
        wrong = (values > paid) if name == "listed_at" else (values < paid)  # False where either is NaT
        word = "after" if name == "listed_at" else "before"
        for i in np.flatnonzero(wrong):
            msg = f"{name} {pd.Timestamp(values[i])} is {word} paid_at {pd.Timestamp(paid[i])}"
            ordering[i] = msg if ordering[i] is None else f"{ordering[i]}; {msg}"
    return ordering


__all__ = ["ORDER_COLUMNS", "Orders", "order_sales", "parse_orders", "shop_codes"]
