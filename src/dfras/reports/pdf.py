"""The PDF report (fpdf2, pure Python): summary, key figures, a causes chart, the weekly trend,
recommendations and the appendix tables.

Text uses the PDF core fonts, so characters outside Latin-1 are spelled out (₹ as "Rs",
arrows and ellipses in ASCII): the file renders the same on every reader with no font files.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from dfras.reports.content import ReportContent

_SPELL = {
    "₹": "Rs ",
    "…": "...",
    "→": "->",
    "–": "-",
    "—": "-",
    "≥": ">=",
    "≤": "<=",
    "×": "x",
    "“": '"',
    "”": '"',
    "’": "'",
    "‘": "'",
    "·": "-",
    "−": "-",
}


def latin1(text: Any) -> str:
    """``text`` as the core fonts can draw it."""
    s = "" if text is None else str(text)
    for k, v in _SPELL.items():
        s = s.replace(k, v)
    return s.encode("latin-1", "replace").decode("latin-1")


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return latin1(v)


class _Doc(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = latin1(title)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.report_title} - page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font("Helvetica", "B", 13)
        self.cell(0, 8, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(180)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_font("Helvetica", "", 10)

    def para(self, text: str) -> None:
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def grid(
        self, columns: list[str], rows: list[list[Any]], widths: list[float] | None = None
    ) -> None:
        usable = self.w - self.l_margin - self.r_margin
        widths = widths or [usable / len(columns)] * len(columns)
        self.set_font("Helvetica", "B", 7.5)
        self.set_fill_color(235, 237, 243)
        for c, w in zip(columns, widths, strict=True):
            self.cell(w, 5.5, latin1(c)[:40], border=1, fill=True)
        self.ln()
        self.set_font("Helvetica", "", 7.5)
        for row in rows:
            if self.get_y() > self.h - 22:
                self.add_page()
            for v, w in zip(row, widths, strict=True):
                text = _cell_text(v)
                limit = max(int(w / 1.45), 4)
                self.cell(w, 5, text if len(text) <= limit else text[: limit - 2] + "..", border=1)
            self.ln()
        self.ln(2)

    def bars(self, labels: list[str], values: list[float]) -> None:
        """A horizontal bar chart drawn with rectangles."""
        top = max(values) if values and max(values) > 0 else 1.0
        label_w, chart_w = 60.0, self.w - self.l_margin - self.r_margin - 80.0
        self.set_font("Helvetica", "", 8)
        self.set_fill_color(59, 111, 182)
        for label, v in zip(labels, values, strict=True):
            if self.get_y() > self.h - 22:
                self.add_page()
            y = self.get_y()
            self.set_xy(self.l_margin, y)
            self.cell(label_w, 5, latin1(label)[:38])
            w = max(chart_w * v / top, 0.3)
            self.rect(self.l_margin + label_w, y + 0.8, w, 3.6, style="F")
            self.set_xy(self.l_margin + label_w + w + 2, y)
            self.cell(20, 5, f"{v:,.0f}")
            self.set_y(y + 5.5)
        self.ln(2)


def render(content: ReportContent) -> bytes:
    """The report as PDF bytes."""
    doc = _Doc(content.title)
    doc.set_title(latin1(content.title))
    doc.set_creator(f"DFRAS {content.version}")
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 10, latin1(content.title), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    doc.set_text_color(90)
    doc.multi_cell(
        0,
        5,
        latin1(
            f"Scope: {content.scope['description']} - data as of {content.as_of or 'n/a'} - "
            f"generated {content.generated_at} by DFRAS {content.version}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.set_text_color(0)
    doc.heading("Summary")
    for p in content.narrative:
        doc.para(p)
    doc.heading("Key figures")
    doc.grid(["Figure", "Value"], [list(k) for k in content.kpis], [120, 60])
    doc.heading("Causes")
    if content.causes:
        doc.bars([c["cause"] for c in content.causes], [float(c["orders"]) for c in content.causes])
    else:
        doc.para("No failed, returned or late orders in scope.")
    if content.weekly:
        doc.heading("Failed orders per week")
        doc.bars(
            [w["week"] for w in content.weekly[-26:]],
            [float(w["failed"]) for w in content.weekly[-26:]],
        )
    doc.heading("Recommendations")
    if content.recommendations:
        doc.grid(
            ["Outcome", "Segment", "Action", "Avoided", "Value (Rs)"],
            [
                [
                    r["outcome"],
                    ", ".join(f"{k}={v}" for k, v in (r["segment"] or {}).items()),
                    r["action"],
                    r["outcomes_avoided"],
                    r["value"],
                ]
                for r in content.recommendations
            ],
            [16, 44, 88, 16, 16],
        )
    else:
        doc.para(
            "No recommendation: the engine found no segment whose excess is significant after "
            "correction for multiple testing."
        )
    doc.add_page()
    doc.heading("Appendix")
    for t in content.appendix:
        doc.set_font("Helvetica", "B", 10)
        doc.cell(0, 7, latin1(t.title), new_x="LMARGIN", new_y="NEXT")
        if t.rows:
            doc.grid(t.columns, t.rows)
        else:
            doc.para("None.")
    return bytes(doc.output())
