"""The HTML report: one self-contained page (inline CSS and SVG charts, no scripts)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from dfras.reports.content import ReportContent

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_TEMPLATE = _ENV.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ r.title }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1b1f24;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
td,th{border:1px solid #dde;padding:.25rem .4rem;text-align:left}th{background:#f3f4f8}
.kpis{display:grid;grid-template-columns:repeat(3,1fr);gap:.5rem}
.kpi{border:1px solid #dde;padding:.5rem}.kpi b{display:block;font-size:1.3rem}
.meta{color:#555;font-size:.85rem}
</style></head><body>
<h1>{{ r.title }}</h1>
<p class="meta">Scope: {{ r.scope.description }} · data as of {{ r.as_of or "n/a" }} ·
generated {{ r.generated_at }} by DFRAS {{ r.version }}</p>
<h2>Summary</h2>
{% for p in r.narrative %}<p>{{ p }}</p>{% endfor %}
<h2>Key figures</h2>
<div class="kpis">{% for label, value in r.kpis %}<div class="kpi">{{ label }}<b>{{ value }}</b></div>{% endfor %}</div>
<h2>Causes</h2>
{% if r.causes %}{{ causes_chart | safe }}
<table><tr><th>Cause</th><th>Category</th><th>Orders</th><th>Share</th></tr>
{% for c in r.causes %}<tr><td>{{ c.cause }}</td><td>{{ c.category }}</td><td>{{ "{:,}".format(c.orders) }}</td><td>{{ pct(c.share) }}</td></tr>{% endfor %}
</table>{% else %}<p>No failed, returned or late orders in scope.</p>{% endif %}
<h2>Weekly trend</h2>
{% if r.weekly %}{{ trend_chart | safe }}{% else %}<p>No orders in scope.</p>{% endif %}
<h2>Recommendations</h2>
{% if r.recommendations %}<table><tr><th>Outcome</th><th>Segment</th><th>Action</th><th>Outcomes avoided</th><th>Value (₹)</th></tr>
{% for x in r.recommendations %}<tr><td>{{ x.outcome }}</td><td>{{ seg(x.segment) }}</td><td>{{ x.action }}</td><td>{{ x.outcomes_avoided }}</td><td>{{ "{:,.0f}".format(x.value) }}</td></tr>{% endfor %}
</table>{% else %}<p>No recommendation: the engine found no segment whose excess is significant after correction for multiple testing.</p>{% endif %}
<h2>Appendix</h2>
{% for t in r.appendix %}<h3>{{ t.title }}</h3>
{% if t.rows %}<table><tr>{% for c in t.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr>{% for v in row %}<td>{{ cell(v) }}</td>{% endfor %}</tr>{% endfor %}</table>
{% else %}<p>None.</p>{% endif %}{% endfor %}
</body></html>"""
)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.1f}%"


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def bar_chart(labels: list[str], values: list[float], *, width: int = 640) -> str:
    """Horizontal bars as inline SVG."""
    top = max(values) if values and max(values) > 0 else 1.0
    row, label_w = 22, 200
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(values) + 8}" role="img">'
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        w = (width - label_w - 80) * v / top
        y = i * row + 4
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{_esc(label[:30])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="16" fill="#3b6fb6"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11">{v:,.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    labels: list[str], values: list[float], *, width: int = 640, height: int = 180
) -> str:
    """A line of values over labels (e.g. weekly failure share) as inline SVG."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = (width - 40) / max(len(values) - 1, 1)
    pts = " ".join(
        f"{20 + i * step:.1f},{height - 20 - (height - 40) * v / top:.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
        f'<polyline fill="none" stroke="#b63b3b" stroke-width="2" points="{pts}"/>'
        f'<text x="20" y="{height - 4}" font-size="11">{_esc(labels[0])}</text>'
        f'<text x="{width - 90}" y="{height - 4}" font-size="11">{_esc(labels[-1])}</text>'
        f'<text x="20" y="12" font-size="11">max {top * 100:.1f}% of orders failed</text></svg>'
    )


def render(content: ReportContent) -> bytes:
    """The report as one HTML page (UTF-8)."""
    causes = content.causes
    html = _TEMPLATE.render(
        r=content,
        pct=_pct,
        cell=_cell,
        seg=lambda s: ", ".join(f"{k}={v}" for k, v in (s or {}).items()),
        causes_chart=bar_chart([c["cause"] for c in causes], [float(c["orders"]) for c in causes]),
        trend_chart=line_chart(
            [w["week"] for w in content.weekly],
            [float(w["failure_share"] or 0) for w in content.weekly],
        ),
    )
    return html.encode("utf-8")
