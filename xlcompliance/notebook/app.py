"""The what-if notebook app: ipywidgets over :mod:`xlcompliance.scenarios`.

``build_app()`` returns a :class:`WhatIfApp` holding every widget (so code and tests can drive
them) and ``.ui`` to display. The widgets only collect lever values and show results; every
number comes from :func:`~xlcompliance.scenarios.what_if` and
:func:`~xlcompliance.scenarios.priority_list`, i.e. from the engine.
"""

from __future__ import annotations

import html
import tempfile
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.assessment import assess_orders, now_platform, resolve_as_of
from ..core.calendar import Calendar, default_calendar
from ..core.monthly import month_margins, monthly_summary
from ..core.rules import Rules, default_rules
from ..core.scenarios import Levers, WhatIf, priority_list, what_if
from ..io.reading import read_table

UPLOAD_TYPES = ".csv,.xlsx,.xlsm"
PRIORITY_ROWS = 200  # rows of the priority list shown (the frame itself is complete)
TABLE_CSS = (
    "<style>.xlc-results td, .xlc-results th, .xlc-priority td, .xlc-priority th, .xlc-flips td,"
    " .xlc-flips th {padding: 2px 10px; text-align: left; white-space: nowrap}</style>"
)


def _sample():
    from ..io.sample import SAMPLE_AS_OF, sample_path

    orders = read_table(sample_path("orders.csv"), kind="orders")
    penalties = read_table(sample_path("penalties.csv"), kind="penalties")
    return orders, penalties, SAMPLE_AS_OF


def _table(data, kind: str) -> pd.DataFrame | None:
    if data is None or isinstance(data, pd.DataFrame):
        return data
    return read_table(data, kind=kind)


def fmt_rate(rate) -> str:
    """A rate as shown by the app (two decimals of a percent); a dash when there is none."""
    return "—" if rate is None or pd.isna(rate) else f"{rate:.2%}"


def _fmt_when(ts) -> str:
    return "—" if ts is None or pd.isna(ts) else f"{pd.Timestamp(ts):%Y-%m-%d %H:%M}"


def _yes_no(row: pd.Series) -> str:
    if row["qualifies"]:
        return "yes 达标"
    if row["assessed"] == 0:
        return "no (nothing assessed)"
    if row["provisional"]:
        reach = (
            "reaches the threshold so far" if row["on_time_needed"] == 0 else "below the threshold"
        )
        return f"no — provisional, {reach}"
    return "no 未达标"


def results_html(result: WhatIf) -> str:
    """Baseline vs scenario as an HTML table (rate cells carry ``xlc-rate-*`` classes)."""
    b, s = result.baseline, result.scenario
    rows = [
        ("on-time rate 及时发货率", fmt_rate(b["rate"]), fmt_rate(s["rate"]), "xlc-rate"),
        (
            "on time / assessed",
            f"{b['on_time']} / {b['assessed']}",
            f"{s['on_time']} / {s['assessed']}",
            "xlc-counts",
        ),
        ("pending 待发货", str(b["pending"]), str(s["pending"]), "xlc-pending"),
        ("qualifies 是否达标", _yes_no(b), _yes_no(s), "xlc-qualifies"),
        ("refund due 应返还", f"{b['refund_due']:.2f}", f"{s['refund_due']:.2f}", "xlc-refund"),
        (
            "refund due by 返还截止",
            _fmt_when(b["refund_due_date"]),
            _fmt_when(s["refund_due_date"]),
            "xlc-due",
        ),
        ("penalties 罚款", f"{b['penalties']:.2f}", f"{s['penalties']:.2f}", "xlc-penalties"),
        ("net penalty cost 净罚款", f"{b['net_cost']:.2f}", f"{s['net_cost']:.2f}", "xlc-net"),
        (
            "late orders allowed 还可迟发",
            str(b["late_allowed"]),
            str(s["late_allowed"]),
            "xlc-late-allowed",
        ),
    ]
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
        f"<td class='{cls}-baseline'>{html.escape(v0)}</td>"
        f"<td class='{cls}-scenario'><b>{html.escape(v1)}</b></td></tr>"
        for label, v0, v1, cls in rows
    )
    source = {
        "statement": "from the penalty statement",
        "estimate": "estimated per late order",
        "none": "no statement, no estimate",
    }[result.penalty_source]
    threshold = float(result.levers.threshold) if result.levers.threshold is not None else None
    notes = [f"Penalties: {source}."]
    if result.added:
        notes.append(f"{result.added} extra late order(s) added.")
    if result.fixed:
        notes.append(f"{result.fixed} late order(s) fixed.")
    if threshold is not None:
        notes.append(f"Scenario threshold {threshold:.1%}.")
    notes += result.notes
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    title = f"{result.shop or '(no shop)'} · {result.month}"
    return (
        f"{TABLE_CSS}<div class='xlc-results'><h4>{html.escape(title)}</h4>"
        "<table><tr><th></th><th>baseline 现状</th><th>scenario 情景</th></tr>"
        f"{body}</table><ul style='font-size:90%'>{note_html}</ul></div>"
    )


TICK_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25)


def rate_ticks(lo: float, hi: float, most: int = 6) -> tuple[list[float], float]:
    """Evenly spaced rate ticks (a round step: 0.5 %, 1 %, 2 %, 5 % ...) from below ``lo`` up to
    ``hi``, at most ``most`` of them; returns the ticks and the axis bottom (the first tick)."""
    for step in TICK_STEPS:
        first = np.floor(lo / step + 1e-9) * step
        if (hi - first) / step <= most - 1 + 1e-9:
            break
    count = int(round((hi - first) / step)) + 1
    values = [float(round(first + i * step, 6)) for i in range(count)]
    return values, values[0]


def curve_svg(
    curve: pd.DataFrame, threshold: Fraction, current: int, *, width=460, height=220
) -> str:
    """The rate against extra late orders, the threshold line and the current point, as SVG."""
    if curve.empty or curve["rate"].isna().all():
        return (
            "<div class='xlc-chart'><i>No assessed orders this month: no rate to chart.</i></div>"
        )
    left, right, top, bottom = 48, 12, 12, 32
    k = curve["extra_late"].to_numpy(dtype=float)
    r = curve["rate"].to_numpy(dtype=float)
    th = float(threshold)
    hi = 1.0
    tick_values, lo = rate_ticks(min(np.nanmin(r), th) - 0.01, hi)
    kmax = max(k.max(), 1.0)

    def x(v):
        return left + (width - left - right) * v / kmax

    def y(v):
        return top + (height - top - bottom) * (hi - v) / (hi - lo)

    points = " ".join(
        f"{x(a):.1f},{y(b):.1f}" for a, b in zip(k, r, strict=True) if not np.isnan(b)
    )
    at = curve[curve["extra_late"] == current]
    dot = ""
    if len(at) and not pd.isna(at["rate"].iloc[0]):
        cr = float(at["rate"].iloc[0])
        dot = (
            f"<circle class='xlc-current' cx='{x(current):.1f}' cy='{y(cr):.1f}' r='5' "
            "fill='#d62728'>"
            f"<title>{current} extra late: {fmt_rate(cr)}</title></circle>"
        )
    step = tick_values[1] - tick_values[0] if len(tick_values) > 1 else 0.01
    spec = ".0%" if step >= 0.01 - 1e-9 else ".1%"
    ticks = "".join(
        f"<text class='xlc-tick' x='{left - 4}' y='{y(v) + 4:.1f}' font-size='10' "
        f"text-anchor='end'>{v:{spec}}</text>"
        for v in tick_values
    )
    return (
        f"<svg class='xlc-chart' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>"
        f"<rect x='{left}' y='{top}' width='{width - left - right}' "
        f"height='{height - top - bottom}' fill='none' stroke='#ccc'/>"
        f"<line x1='{left}' x2='{width - right}' y1='{y(th):.1f}' y2='{y(th):.1f}' "
        "stroke='#d62728' stroke-dasharray='5,4'/>"
        f"<text x='{width - right - 2}' y='{y(th) - 4:.1f}' font-size='10' "
        f"text-anchor='end' fill='#d62728'>threshold {th:.1%}</text>"
        f"<polyline points='{points}' fill='none' stroke='#1f77b4' stroke-width='2'/>{dot}{ticks}"
        f"<text x='{left}' y='{height - 8}' font-size='11'>0</text>"
        f"<text x='{width - right}' y='{height - 8}' font-size='11' "
        f"text-anchor='end'>{int(kmax)}</text>"
        f"<text x='{(left + width) / 2:.0f}' y='{height - 8}' font-size='11' text-anchor='middle'>"
        "extra late orders 额外迟发单数</text></svg>"
    )


def _frame_html(frame: pd.DataFrame, css_class: str, empty: str, limit: int | None = None) -> str:
    if frame.empty:
        return f"<div class='{css_class}'><i>{html.escape(empty)}</i></div>"
    shown = frame if limit is None else frame.head(limit)
    more = "" if limit is None or len(frame) <= limit else f"<p>… {len(frame) - limit} more</p>"
    table = shown.to_html(index=False, escape=True, na_rep="", classes=css_class, border=0)
    return f"<div style='max-height:320px;overflow:auto'>{TABLE_CSS}{table}{more}</div>"


def priority_html(frame: pd.DataFrame) -> str:
    """Today's priority list as HTML; critical orders marked."""
    view = frame.assign(
        deadline=frame["deadline"].map(_fmt_when),
        paid_at=frame["paid_at"].map(_fmt_when),
        hours_left=frame["hours_left"].map(lambda h: f"{h:.1f}"),
        month=frame["month"].astype(str),
        method=frame["method"].fillna(""),
        critical=np.where(frame["critical"], "⚠ critical", ""),
    )
    return _frame_html(view, "xlc-priority", "No pending orders.", PRIORITY_ROWS)


class WhatIfApp:
    """The widgets, the data they work on, and the last result.

    Attributes:
        ui: the widget tree to display.
        result: the last :class:`~xlcompliance.scenarios.WhatIf` computed.
        priority: the last priority list (a DataFrame).
    """

    def __init__(
        self,
        orders=None,
        penalties=None,
        *,
        as_of=None,
        calendar: Calendar | None = None,
        rules: Rules | None = None,
        headers: dict | None = None,
    ):
        import ipywidgets as w

        self.rules = rules or default_rules()
        self.calendar = calendar or default_calendar(self.rules)
        self.headers = headers
        self._as_of_arg = as_of
        self._busy = False
        self._held = False
        self.result: WhatIf | None = None
        self.priority = pd.DataFrame()

        style = {"description_width": "190px"}
        wide = w.Layout(width="440px")
        self.title = w.HTML()
        self.message = w.HTML()
        self.upload_orders = w.FileUpload(
            accept=UPLOAD_TYPES, multiple=False, description="Orders 订单", layout=w.Layout(width="auto")
        )
        self.upload_penalties = w.FileUpload(
            accept=UPLOAD_TYPES, multiple=False, description="Penalties 罚款", layout=w.Layout(width="auto")
        )
        # what a real export lacks: listing dates (products list), first scans, the channel
        self.upload_products = w.FileUpload(
            accept=UPLOAD_TYPES, multiple=False, description="Products 商品", layout=w.Layout(width="auto")
        )
        self.upload_scans = w.FileUpload(
            accept=UPLOAD_TYPES, multiple=False, description="Scans 物流", layout=w.Layout(width="auto")
        )
        self.export_channel = w.Dropdown(
            options=[("(from the export)", None), ("POP", "POP"), ("JIT", "JIT")],
            value=None,
            description="channel if none 模式",
            layout=w.Layout(width="280px"),
            style={"description_width": "130px"},
        )
        self.products: pd.DataFrame | None = None
        self.scans: pd.DataFrame | None = None
        self.shop = w.Dropdown(description="shop 店铺", style=style, layout=wide)
        self.month = w.Dropdown(description="month 月份", style=style, layout=wide)
        self.pop_shift = w.IntSlider(
            0, -48, 72, description="POP delay (h) 延迟", style=style, layout=wide
        )
        self.jit_shift = w.IntSlider(
            0, -48, 72, description="JIT delay (h) 延迟", style=style, layout=wide
        )
        self.extra_late = w.IntSlider(
            0, 0, 20, description="extra late orders 额外迟发", style=style, layout=wide
        )
        self.fixed_share = w.FloatSlider(
            0.0,
            min=0.0,
            max=1.0,
            step=0.05,
            readout_format=".0%",
            description="late orders fixed 补救比例",
            style=style,
            layout=wide,
        )
        # Each rule set's own limit (one per distinct value, in rule-set order).
        sales = list(dict.fromkeys(
            rs.max_last_month_sales
            for rs in self.rules.rule_sets
            if rs.max_last_month_sales is not None
        ))
        days = list(dict.fromkeys(
            rs.listed_within_days
            for rs in self.rules.rule_sets
            if rs.listed_within_days is not None
        ))
        self.relax_new = w.Checkbox(
            False,
            description=(
                f"treat all products as new listings (≤ {' / '.join(f'{d:g}' for d in days)} days) 视为新品"
                if days
                else "treat all products as new listings 视为新品"
            ),
            indent=False,
            layout=w.Layout(width="460px"),
        )
        self.relax_low_sales = w.Checkbox(
            False,
            description=(
                f"treat all products as low-sales (≤ {' / '.join(map(str, sales))} last month) 视为低销量"
                if sales
                else "treat all products as low-sales 视为低销量"
            ),
            indent=False,
            layout=w.Layout(width="460px"),
        )
        self.penalty_per_late = w.Text(
            "",
            placeholder="e.g. 25.00",
            style=style,
            layout=wide,
            description="penalty / late order 单笔罚款",
        )
        self.threshold = w.FloatSlider(
            float(self.rules.threshold),
            min=0.80,
            max=1.0,
            step=0.005,
            readout_format=".1%",
            description="threshold 达标线",
            style=style,
            layout=wide,
        )
        self.results = w.HTML()
        self.chart = w.HTML()
        self.flips = w.HTML()
        self.priority_table = w.HTML()
        self.as_of_text = w.Text(
            description="As of 评估时间", placeholder="YYYY-MM-DD HH:MM", continuous_update=False,
            style=style, layout=wide,
        )
        self.download = w.Button(description="Download xlsx 下载", icon="download", layout=w.Layout(width="auto"))
        self.download_link = w.HTML()
        self.levers = (
            self.pop_shift,
            self.jit_shift,
            self.extra_late,
            self.fixed_share,
            self.relax_new,
            self.relax_low_sales,
            self.penalty_per_late,
            self.threshold,
        )
        names = (
            "shop",
            "month",
            "pop_shift",
            "jit_shift",
            "extra_late",
            "fixed_share",
            "relax_new",
            "relax_low_sales",
            "penalty_per_late",
            "threshold",
            "results",
            "chart",
            "flips",
            "priority_table",
            "message",
            "upload_orders",
            "upload_penalties",
            "upload_products",
            "upload_scans",
            "export_channel",
            "as_of_text",
            "download",
            "download_link",
        )
        for name in names:  # stable CSS hooks for the page and the browser test
            getattr(self, name).add_class("xlc-" + name.replace("_", "-"))

        h = w.HTML
        self.ui = w.VBox(
            [
                self.title,
                w.HBox([self.upload_orders, self.upload_penalties, self.as_of_text]),
                w.HBox([self.upload_products, self.upload_scans, self.export_channel]),
                self.message,
                w.HBox(
                    [
                        w.VBox(
                            [self.shop, self.month, self.pop_shift, self.jit_shift, self.extra_late]
                        ),
                        w.VBox(
                            [
                                self.fixed_share,
                                self.penalty_per_late,
                                self.threshold,
                                self.relax_new,
                                self.relax_low_sales,
                            ]
                        ),
                    ]
                ),
                w.HBox([self.results, self.chart]),
                w.HBox([self.download, self.download_link]),
                h("<h4>Orders whose status flips 状态变化的订单</h4>"),
                self.flips,
                h(
                    "<h4>Today's priority list 今日优先处理</h4><p>Pending orders, least time "
                    "left first; ⚠ = this order alone being late drops its month below the "
                    "threshold.</p>"
                ),
                self.priority_table,
            ]
        )
        self._defaults = {widget: widget.value for widget in self.levers}
        for widget in (self.shop, self.month, *self.levers):
            widget.observe(self._on_change, names="value")
        self.upload_orders.observe(self._on_upload, names="value")
        self.upload_penalties.observe(self._on_upload, names="value")
        self.upload_products.observe(self._on_upload, names="value")
        self.upload_scans.observe(self._on_upload, names="value")
        self.export_channel.observe(self._on_export_channel, names="value")
        self.as_of_text.observe(self._on_as_of, names="value")
        self.download.on_click(lambda _button: self.prepare_download())
        self._restoring_upload = False

        self.is_sample = orders is None  # the orders are the bundled sample
        self.sample_statement = orders is None and penalties is None  # so is the penalty statement
        if orders is None:
            orders, sample_penalties, sample_as_of = _sample()
            penalties = sample_penalties if penalties is None else penalties
            as_of = sample_as_of if as_of is None else as_of
            source = "bundled sample 示例数据"
        else:
            source = Path(orders).name if isinstance(orders, (str, Path)) else "orders"
        self.load(
            _table(orders, "orders"), _table(penalties, "penalties"), as_of=as_of, source=source
        )

    # --- data ----------------------------------------------------------------------------------

    def load(
        self,
        orders: pd.DataFrame,
        penalties: pd.DataFrame | None = None,
        *,
        as_of=None,
        source: str = "orders",
        **export_inputs,
    ) -> None:
        """Assess ``orders`` (the baseline), fill the shop/month choices and recompute.

        ``export_inputs`` (``products``, ``scans``, ``channel``) replace those the app holds
        (kept for the orders loaded next); the others stay as they are."""
        inputs = {"products": self.products, "scans": self.scans, "channel": self.export_channel.value}
        inputs.update(export_inputs)
        as_of = resolve_as_of(as_of, self.rules) if as_of is not None else now_platform(self.rules)
        engine = {"calendar": self.calendar, "rules": self.rules, "headers": self.headers}
        result = assess_orders(orders, as_of=as_of, **engine, **inputs)
        summary = monthly_summary(result, penalties, as_of=as_of, rules=self.rules, headers=self.headers)
        priority = priority_list(result, as_of=as_of, **engine)
        # all computed: only now replace the app's data (a failed load leaves it as it was)
        self.orders, self.penalties, self.source, self.as_of = orders, penalties, source, as_of
        self.products, self.scans = inputs["products"], inputs["scans"]
        self.assessment, self.assessed, self.summary, self.priority = result, result.frame, summary, priority
        self._show_as_of()
        counts = self.assessed["status"].value_counts()
        self.title.value = (
            f"<p><b>{html.escape(source)}</b>: {len(self.assessed)} orders "
            f"as of {self.as_of:%Y-%m-%d %H:%M} — "
            + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in counts.index if counts.get(k, 0))
            + "</p>"
        )
        self.priority_table.value = priority_html(self.priority)
        self._busy = True
        try:  # new data: levers back to the baseline, first shop, its latest final month
            for widget, value in self._defaults.items():
                widget.value = value
            shops = list(dict.fromkeys(self.summary["shop"]))
            self.shop.options = [(s or "(no shop)", s) for s in shops]
            self.shop.value = shops[0] if shops else None
            self._fill_months(default=True)
        finally:
            self._busy = False
        self.refresh()

    def _fill_months(self, default: bool = False) -> None:
        rows = self.summary[self.summary["shop"] == self.shop.value]
        options = [
            (f"{m} ({'provisional' if p else 'final'})", str(m))
            for m, p in zip(rows["month"], rows["provisional"], strict=True)
        ]
        current = self.month.value
        self.month.options = options
        values = [v for _, v in options]
        if not values:
            self.month.value = None
        elif not default and current in values:
            self.month.value = current
        else:  # the latest final month with assessed orders, else the latest month
            final = rows[~rows["provisional"] & (rows["assessed"] > 0)]
            self.month.value = str((final if len(final) else rows)["month"].iloc[-1])
        self._fit_extra_range()

    def _fit_extra_range(self) -> None:
        row = self.summary[
            (self.summary["shop"] == self.shop.value)
            & (self.summary["month"].astype(str) == str(self.month.value))
        ]
        allowed = 0
        if len(row):
            allowed = int(month_margins(row["on_time"], row["late"], row["pending"], self.rules.threshold)[0][0])
        self.extra_late.max = max(20, min(2 * allowed + 5, 1000))

    # --- events --------------------------------------------------------------------------------

    def _on_change(self, change) -> None:
        if self._busy:
            return
        if change["owner"] is self.shop:
            self._busy = True
            try:
                self._fill_months()
            finally:
                self._busy = False
        elif change["owner"] is self.month:
            self._busy = True
            try:
                self._fit_extra_range()
            finally:
                self._busy = False
        if not self._held:
            self.refresh()

    @contextmanager
    def hold_refresh(self):
        """Change several controls, then recompute once: ``with app.hold_refresh(): ...``."""
        self._held = True
        try:
            yield self
        finally:
            self._held = False
            self.refresh()

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files or self._restoring_upload:
            return
        kind = {
            self.upload_orders: "orders", self.upload_penalties: "penalties", self.upload_products: "products",
            self.upload_scans: "scans",
        }[change["owner"]]
        item = files[0]
        try:
            with tempfile.TemporaryDirectory(prefix="xlcompliance-upload-") as tmp:
                path = Path(tmp) / Path(item["name"]).name
                path.write_bytes(bytes(item["content"]))
                frame = read_table(path, kind=kind, headers=self.headers)
            # load() replaces the app's data only once everything is computed; the flags below
            # change only after it succeeded, so a failed upload leaves the app as it was
            if kind == "orders":  # the sample's statement does not belong to the user's orders
                penalties = None if self.sample_statement else self.penalties
                self.load(frame, penalties, as_of=self._as_of_for_new_orders(), source=item["name"])
                self.is_sample = False
                self.sample_statement = False
            elif kind == "penalties":
                self.load(self.orders, frame, as_of=self.as_of, source=self.source)
                self.sample_statement = False
            else:  # the current orders re-assessed with it; kept for orders uploaded later
                self.load(self.orders, self.penalties, as_of=self.as_of, source=self.source, **{kind: frame})
            self.message.value = f"<p style='color:#2ca02c'>Loaded {html.escape(item['name'])}.</p>"
        except Exception as exc:  # noqa: BLE001 -- the app must answer, never fail silently
            self._restore_upload(change["owner"], change["old"])
            name = Path(item["name"]).name
            text = str(exc) if isinstance(exc, ValueError | OSError) else (  # InputFileError: ValueError
                f"unexpected error: {type(exc).__name__}: {exc}"
            )
            if not text.startswith(name):
                text = f"{name}: {text}"
            self.message.value = f"<p style='color:#d62728'>{html.escape(text)}</p>"

    def _on_export_channel(self, change) -> None:
        """Re-assess the current orders with the channel chosen for rows without one."""
        if self._restoring_upload:
            return
        try:
            self.load(self.orders, self.penalties, as_of=self.as_of, source=self.source, channel=change["new"])
        except Exception as exc:  # noqa: BLE001 -- the app must answer, never fail silently
            self._restore_upload(self.export_channel, change["old"])
            self.message.value = f"<p style='color:#d62728'>{html.escape(str(exc))}</p>"
            return
        self.message.value = ""

    def _restore_upload(self, widget, old) -> None:
        """Put an upload button back to what it held (its counter too) after a failed upload."""
        self._restoring_upload = True
        try:
            widget.value = old
        finally:
            self._restoring_upload = False

    def _as_of_for_new_orders(self):
        """A user's export is assessed as of now, unless an as-of was chosen for the app."""
        return self._as_of_arg

    def _show_as_of(self) -> None:
        self._restoring_upload = True  # a programmatic change, not the user's
        try:
            self.as_of_text.value = f"{self.as_of:%Y-%m-%d %H:%M:%S}"
        finally:
            self._restoring_upload = False

    def _on_as_of(self, change) -> None:
        """Re-assess the same orders as of the moment typed (statuses, months and margins move)."""
        if self._restoring_upload or not change["new"].strip():
            return
        try:
            as_of = resolve_as_of(change["new"], self.rules)
            self.load(self.orders, self.penalties, as_of=as_of, source=self.source)
            self._as_of_arg = as_of  # an export uploaded next is assessed as of it too
        except ValueError as exc:
            self._show_as_of()
            self.message.value = f"<p class='xlc-error' style='color:#d62728'>{html.escape(str(exc))}</p>"
            return
        if "xlc-error" in self.message.value:
            self.message.value = ""

    def download_sheets(self) -> dict[str, pd.DataFrame]:
        """The scenario (baseline beside scenario), its flips and curve, and the priority list,
        as the sheets of the xlsx the download button gives."""
        result = self.result
        sheets = {}
        if result is not None:
            def cell(v):
                return str(v) if isinstance(v, pd.Period) else v

            sheets["Scenario"] = pd.DataFrame({
                "measure": list(result.baseline.index),
                "baseline": [cell(v) for v in result.baseline],
                "scenario": [cell(v) for v in result.scenario],
            })
            sheets["Flips"] = result.flips
            sheets["Curve"] = result.curve
        sheets["Priority"] = self.priority.assign(month=self.priority["month"].astype(str))
        return sheets

    def prepare_download(self) -> bytes:
        """Write :meth:`download_sheets` to an xlsx and offer it as a link (a data URL: the page
        saves it, nothing is stored on the server); returns the file's bytes."""
        import base64

        from ..io.outputs import write_sheets

        name = f"whatif-{self.shop.value or 'shop'}-{self.month.value or 'month'}.xlsx"
        with tempfile.TemporaryDirectory(prefix="xlcompliance-download-") as tmp:
            path = Path(tmp) / "whatif.xlsx"
            write_sheets(path, self.download_sheets(), money_columns=("penalties", "refund_due", "net_cost"))
            data = path.read_bytes()
        href = "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + (
            base64.b64encode(data).decode("ascii")
        )
        self.download_link.value = (
            f"<a download='{html.escape(name)}' href='{href}'>Save {html.escape(name)} 保存</a>"
        )
        return data

    # --- results -------------------------------------------------------------------------------

    def current_levers(self) -> Levers:
        """The lever values the widgets hold now."""
        threshold = Fraction(str(round(self.threshold.value, 4)))
        return Levers(
            pop_shift_hours=self.pop_shift.value,
            jit_shift_hours=self.jit_shift.value,
            extra_late=self.extra_late.value,
            fixed_share=round(self.fixed_share.value, 4),
            relax_new_listings=self.relax_new.value,
            relax_low_sales=self.relax_low_sales.value,
            penalty_per_late=self.penalty_per_late.value.strip() or None,
            threshold=None if threshold == self.rules.threshold else threshold,
        )

    def refresh(self) -> WhatIf | None:
        """Recompute the scenario with the engine and update the outputs."""
        if self.month.value is None:
            self.results.value = "<i>No months to show.</i>"
            return None
        try:
            levers = self.current_levers()
            result = what_if(
                self.assessment,
                self.penalties,
                shop=self.shop.value,
                month=self.month.value,
                levers=levers,
                curve_max=self.extra_late.max,
                as_of=self.as_of,
                calendar=self.calendar,
                rules=self.rules,
                headers=self.headers,
            )
        except ValueError as exc:
            self.message.value = (
                f"<p class='xlc-error' style='color:#d62728'>{html.escape(str(exc))}</p>"
            )
            return None
        if "xlc-error" in self.message.value:
            self.message.value = ""
        self.result = result
        self.download_link.value = ""  # a link made earlier holds the previous scenario
        self.results.value = results_html(result)
        threshold = levers.threshold if levers.threshold is not None else self.rules.threshold
        self.chart.value = curve_svg(result.curve, threshold, levers.extra_late)
        flips = result.flips.assign(
            **{
                c: result.flips[c].map(_fmt_when)
                for c in (
                    "paid_at",
                    "deadline_before",
                    "deadline_after",
                    "fulfilled_before",
                    "fulfilled_after",
                )
            }
        )
        self.flips.value = _frame_html(
            flips, "xlc-flips", "No order changes status in this scenario."
        )
        return result

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)


def build_app(
    orders=None,
    penalties=None,
    *,
    as_of=None,
    calendar: Calendar | None = None,
    rules: Rules | None = None,
    headers: dict | None = None,
) -> WhatIfApp:
    """The what-if app. With no ``orders`` it opens the bundled sample as of its export moment.

    Args:
        orders: an order table (DataFrame) or a path to a CSV/xlsx export.
        penalties: a penalty statement (DataFrame or path), optional.
        as_of: the moment of assessment (default: the sample's moment, or now for user data).
    """
    return WhatIfApp(
        orders, penalties, as_of=as_of, calendar=calendar, rules=rules, headers=headers
    )


__all__ = ["WhatIfApp", "build_app", "curve_svg", "rate_ticks", "results_html", "priority_html", "fmt_rate"]
