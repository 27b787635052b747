"""What a report says, gathered once from the core services and laid out by each format.

Figures come from the daily summaries (overview, breakdowns) and from the root-cause engine
(explain for failures and late deliveries): the narrative quotes the engine's own sentences,
including an explicit "nothing significant" when that is what it found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dfras import __version__
from dfras.analysis.explain import explain
from dfras.analysis.scope import Scope
from dfras.overview.service import overview, rate
from dfras.store.base import Store
from dfras.summaries import service as summaries

#: Outcomes a report explains.
EXPLAINED = ("failure", "late")
#: Rows of the appendix tables at most (the Excel file carries the same limit).
APPENDIX_ROWS = 200


@dataclass
class Table:
    """A titled table: column names and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class ReportContent:
    title: str
    generated_at: datetime
    scope: dict[str, Any]
    as_of: str | None
    narrative: list[str]
    kpis: list[tuple[str, str]]
    causes: list[dict[str, Any]]
    weekly: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    appendix: list[Table] = field(default_factory=list)
    version: str = __version__


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _money(value: float) -> str:
    return f"₹{value:,.0f}"


def weekly(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The daily trend summed into ISO weeks (Monday first), rates recomputed."""
    weeks: dict[date, dict[str, int]] = {}
    for d in trend:
        day = date.fromisoformat(d["date"])
        monday = day - timedelta(days=day.weekday())
        w = weeks.setdefault(monday, {"orders": 0, "failed": 0, "late": 0, "returned": 0})
        for k in w:
            w[k] += int(d[k])
    return [
        {"week": m.isoformat(), **w, "failure_share": rate(w["failed"], w["orders"])}
        for m, w in sorted(weeks.items())
    ]


def gather(store: Store, scope: Scope | None = None, *, title: str | None = None) -> ReportContent:
    """Everything a report of ``scope`` shows."""
    scope = scope or Scope()
    ov = overview(store, scope)
    kpis = [
        ("Orders", f"{ov['orders']:,}"),
        ("Closed orders", f"{ov['closed']:,}"),
        ("Failure rate (of closed)", _pct(ov["failure_rate"])),
        ("Return rate (of closed)", _pct(ov["return_rate"])),
        ("Late rate (of delivered)", _pct(ov["late_rate"])),
        ("First-attempt delivery rate", _pct(ov["first_attempt_rate"])),
        ("Open orders past their promise", f"{ov['overdue']:,}"),
        ("Revenue of failed and returned orders", _money(ov["lost_revenue"])),
        ("Cash on delivery at risk", _money(ov["cod_at_risk"])),
    ]
    narrative = [
        f"{ov['orders']:,} orders in scope ({scope.describe()}), data as of {ov['as_of']}. "
        f"{ov['failed']:,} failed and {ov['returned']:,} were returned out of {ov['closed']:,} "
        f"closed orders ({_pct(ov['failure_rate'])} and {_pct(ov['return_rate'])}); "
        f"{ov['late']:,} of {ov['delivered']:,} deliveries were late ({_pct(ov['late_rate'])})."
    ]
    findings: dict[str, dict[str, Any]] = {}
    recommendations: list[dict[str, Any]] = []
    if ov["orders"]:
        for outcome in EXPLAINED:
            e = explain(store, scope=scope, outcome=outcome, limit=10).to_dict()
            findings[outcome] = e
            narrative.append(e["narrative"])
            recommendations.extend({**r, "outcome": outcome} for r in e["recommendations"])
    recommendations.sort(key=lambda r: (-float(r["value"]), -float(r["outcomes_avoided"])))
    causes = ov["top_causes"]
    if causes:
        top = causes[0]
        narrative.append(
            f"The most frequent per-order cause is {top['cause']} ({top['category']}): "
            f"{top['orders']:,} orders, {_pct(top['share'])} of the failed, returned and late "
            "orders in scope."
        )
    counts = summaries.cause_counts(store, scope)
    total = sum(c["orders"] for c in counts)
    appendix = [
        Table(
            "All causes",
            ["cause", "category", "orders", "share"],
            [[c["cause"], c["category"], c["orders"], rate(c["orders"], total)] for c in counts][
                :APPENDIX_ROWS
            ],
        )
    ]
    for dim, label in (
        ("city", "By city"),
        ("partner_company", "By partner"),
        ("warehouse_id", "By warehouse"),
        ("client_id", "By client"),
    ):
        rows = summaries.breakdown(store, scope, dim)[:APPENDIX_ROWS]
        appendix.append(
            Table(
                label,
                [
                    dim,
                    "orders",
                    "closed",
                    "failed",
                    "returned",
                    "late",
                    "failure_rate",
                    "late_rate",
                    "lost_revenue",
                ],
                [
                    [
                        r["value"],
                        r["orders"],
                        r["closed"],
                        r["failed"],
                        r["returned"],
                        r["late"],
                        rate(r["failed"], r["closed"]),
                        rate(r["late"], r["delivered"]),
                        round(r["lost_revenue"], 2),
                    ]
                    for r in rows
                ],
            )
        )
    for outcome, e in findings.items():
        appendix.append(
            Table(
                f"Segments ({outcome})",
                [
                    "segment",
                    "role",
                    "support",
                    "rate",
                    "baseline",
                    "risk_ratio",
                    "ci_low",
                    "ci_high",
                    "q_value",
                ],
                [
                    [
                        _segment(s),
                        s["role"],
                        s["support"],
                        s["rate"],
                        s["baseline"],
                        s["risk_ratio"],
                        s["ci"][0],
                        s["ci"][1],
                        s["q_value"],
                    ]
                    for s in e["segments"]
                ],
            )
        )
    return ReportContent(
        title=title or "Delivery failure report",
        generated_at=datetime.now().replace(microsecond=0),
        scope=scope.to_dict(),
        as_of=ov["as_of"],
        narrative=narrative,
        kpis=kpis,
        causes=causes,
        weekly=weekly(ov["trend"]),
        recommendations=recommendations[:10],
        findings=findings,
        appendix=appendix,
    )


def _segment(s: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v}" for k, v in s["conditions"].items())
    if s.get("window"):
        text += f" [{s['window']['start']}…{s['window']['end']}]"
    if s.get("cause"):
        text += f" ({s['cause']})"
    return text
