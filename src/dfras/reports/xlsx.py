"""The Excel report (XlsxWriter): one sheet per section, native Excel charts.

Every text cell is written as a string, never parsed as a formula, and a value that begins
with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is prefixed with an apostrophe,
so a city or note crafted as a formula cannot run when the file is opened or re-exported to CSV.
"""

from __future__ import annotations

import io
import re
from typing import Any

import xlsxwriter

from dfras.reports.content import ReportContent

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets (see the module docstring)."""
    return "'" + text if text.startswith(_RISKY) else text


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _write(ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, neutralise(str(value)), fmt)


def _table(ws: Any, top: int, columns: list[str], rows: list[list[Any]], bold: Any) -> int:
    for c, name in enumerate(columns):
        _write(ws, top, c, name, bold)
        ws.set_column(c, c, max(12, min(len(name) + 4, 40)))
    for r, row in enumerate(rows, start=top + 1):
        for c, v in enumerate(row):
            _write(ws, r, c, v)
    return top + len(rows)


def render(content: ReportContent) -> bytes:
    """The report as an .xlsx file's bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = wb.add_format({"bold": True, "bg_color": "#EBEDF3"})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()

    ws = wb.add_worksheet(_sheet_name("Summary", used))
    ws.set_column(0, 0, 110)
    _write(ws, 0, 0, content.title, title)
    _write(
        ws,
        1,
        0,
        f"Scope: {content.scope['description']}; data as of {content.as_of}; "
        f"generated {content.generated_at} by DFRAS {content.version}",
    )
    for i, p in enumerate(content.narrative, start=3):
        _write(ws, i, 0, p, wrap)

    ws = wb.add_worksheet(_sheet_name("KPIs", used))
    _table(ws, 0, ["figure", "value"], [list(k) for k in content.kpis], bold)
    ws.set_column(0, 0, 40)

    name = _sheet_name("Causes", used)
    ws = wb.add_worksheet(name)
    last = _table(
        ws,
        0,
        ["cause", "category", "orders", "share"],
        [[c["cause"], c["category"], c["orders"], c["share"]] for c in content.causes],
        bold,
    )
    if content.causes:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "Orders by primary cause",
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, 2, last, 2],
            }
        )
        chart.set_title({"name": "Orders by primary cause"})
        chart.set_legend({"none": True})
        ws.insert_chart(1, 5, chart, {"x_scale": 1.4, "y_scale": 1.4})

    name = _sheet_name("Trend", used)
    ws = wb.add_worksheet(name)
    last = _table(
        ws,
        0,
        ["week", "orders", "failed", "late", "returned", "failure_share"],
        [
            [w["week"], w["orders"], w["failed"], w["late"], w["returned"], w["failure_share"]]
            for w in content.weekly
        ],
        bold,
    )
    if content.weekly:
        chart = wb.add_chart({"type": "line"})
        for col, label in ((2, "failed"), (3, "late"), (4, "returned")):
            chart.add_series(
                {
                    "name": label,
                    "categories": [name, 1, 0, last, 0],
                    "values": [name, 1, col, last, col],
                }
            )
        chart.set_title({"name": "Outcomes per week"})
        ws.insert_chart(1, 7, chart, {"x_scale": 1.5, "y_scale": 1.3})

    ws = wb.add_worksheet(_sheet_name("Recommendations", used))
    _table(
        ws,
        0,
        [
            "outcome",
            "segment",
            "cause",
            "action",
            "outcomes_avoided",
            "cost_saved",
            "cod_at_risk",
            "value",
        ],
        [
            [
                r["outcome"],
                ", ".join(f"{k}={v}" for k, v in (r["segment"] or {}).items()),
                r.get("cause"),
                r["action"],
                r["outcomes_avoided"],
                r["cost_saved"],
                r["cod_at_risk"],
                r["value"],
            ]
            for r in content.recommendations
        ],
        bold,
    )

    for t in content.appendix:
        ws = wb.add_worksheet(_sheet_name(t.title, used))
        _table(ws, 0, t.columns, t.rows, bold)
    wb.close()
    return buf.getvalue()
