"""The rules data in plain words, for a sheet a seller reads (no file keys, no internal names)."""

from __future__ import annotations

import datetime as dt

from ..core.rules import WEEKDAYS, Rules


def plain_source(text: str) -> str:
    """A rules-file source note in plain words."""
    text = text.replace("seed 2024-04-12 announcement", "AliExpress announcement of 2024-04-12")
    text = text.replace("SPEC: ", "").replace("SPEC:", "")
    text = text.replace("paid_at - listed_at", "time from first listing to payment")
    if text.startswith("assumption"):
        text = "Assumption (a default the announcement does not pin down)" + text[len("assumption"):]
    return text[:1].upper() + text[1:]


def _when(d: dt.date | None) -> str:
    return "any date" if d is None else d.isoformat()


def _hours(h: float) -> str:
    return f"{h:g} hours"


def plain_rules(rules: Rules) -> list[tuple[str, str, str]]:
    """``(setting in English / 中文, value, where it comes from)`` for every rule value."""
    src = rules.sources
    rows: list[tuple[str, str, str]] = []
    for rs in rules.rule_sets:
        key = f"rule_sets.{rs.name}"
        if rs.conditional:
            who = []
            if rs.listed_within_days is not None:
                who.append(f"products first listed at most {rs.listed_within_days:g} days before payment")
            if rs.max_last_month_sales is not None:
                who.append(f"products with at most {rs.max_last_month_sales} orders last month")
            scope = f"Relaxed rules ({rs.name}) for " + " or ".join(who)
            scope += f", orders paid from {_when(rs.valid_from)}" + (
                f" until {_when(rs.valid_to)}" if rs.valid_to else ""
            )
            rows.append((scope + " / 放宽规则适用范围", "", plain_source(src.get(f"{key}.listed_within_days", ""))))
        else:
            rows.append((f"Standard rules ({rs.name}) for every other order / 标准规则", "",
                         plain_source(src.get(f"{key}.name", ""))))
        rows.append(("  POP: first carrier scan within / POP 上网时限", _hours(rs.pop_hours),
                     plain_source(src.get(f"{key}.pop_hours", ""))))
        rows.append(("  JIT self-send: arrives at the warehouse within / JIT 自寄到仓时限", _hours(rs.self_send_hours),
                     plain_source(src.get(f"{key}.self_send_hours", ""))))
        n = rs.pickup_days
        rows.append((
            "  JIT pickup: collected and scanned by / JIT 上门揽收时限",
            f"day T + {n} working day{'s' if n != 1 else ''}, {rules.pickup_deadline_time:%H:%M:%S}",
            plain_source(src.get(f"{key}.pickup_days", "")),
        ))
    rows.append((
        "JIT pickup: day T is the payment day when paid before / 截单时间（之前付款当天为 T）",
        f"{rules.cutoff:%H:%M:%S} (otherwise the next working day)",
        plain_source(src.get("jit.cutoff", "")),
    ))
    rows.append(("A JIT order without a method is treated as / 未填发货方式视为", rules.default_method,
                 plain_source(src.get("jit.default_method", ""))))
    for i, ex in enumerate(rules.excluded_weekdays):
        days = ", ".join(WEEKDAYS[d] for d in ex.weekdays)
        rows.append((
            f"{ex.channel}: weekdays that do not count, for orders paid from {_when(ex.valid_from)} / 不计入的星期",
            days, plain_source(src.get(f"excluded_weekdays[{i}].weekdays", "")),
        ))
    if rules.statutory:
        first, last = rules.statutory_years
        rows.append((
            f"China's official holiday breaks {first}–{last} do not count (Holidays sheet) / 法定假期不计入",
            "POP and JIT" if rules.statutory_channels == "ALL" else rules.statutory_channels,
            plain_source(src.get("holidays.statutory", "")),
        ))
    rows.append(("On-time rate a month needs for the penalty refund / 返还所需及时发货率",
                 f"{float(rules.threshold) * 100:g} % or more", plain_source(src.get("refund.threshold", ""))))
    k = rules.due_months_after
    rows.append((
        "The refund is due by / 返还截止",
        f"the last day of the month {k} month{'s' if k != 1 else ''} later, {rules.due_time:%H:%M:%S}",
        plain_source(src.get("refund.due_months_after", "")),
    ))
    zone = plain_source(src.get("platform.timezone", ""))
    rows.append(("Times are platform time / 时间基准", f"{rules.timezone} (北京时间)", zone))
    return rows


__all__ = ["plain_rules", "plain_source"]
