"""Plain-English answers built from results by templates (no language model).

Every number in the text comes from the result object it describes; the text says what was
tested, what stood out with its effect and interval, what is noise, and what to do about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dfras.analysis.attributes import ATTRIBUTES

if TYPE_CHECKING:
    from dfras.analysis.compare import Comparison
    from dfras.analysis.findings import Explanation, Finding

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_OUTCOME_WORDS = {
    "failure": ("failure rate", "failed", "closed orders", "failures"),
    "return": ("return rate", "returned", "closed orders", "returns"),
    "late": ("late rate", "late", "delivered orders", "late deliveries"),
    "delay": ("mean delay", "delayed", "delivered orders", "delay-hours"),
}


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def describe_value(attr: str, value: Any) -> str:
    """A condition in words: 'warehouse 30', 'weather Rain', 'orders placed on Mondays'."""
    if attr == "weekday" and isinstance(value, int) and 0 <= value < 7:
        return f"orders placed on {_WEEKDAYS[value]}s"
    if attr == "order_hour":
        return f"orders placed at {value}:00–{value}:59"
    names = {
        "warehouse_id": "warehouse",
        "client_id": "client",
        "driver_id": "driver",
        "route_code": "route",
        "partner_company": "partner",
        "pincode_area": "pincode area",
    }
    if attr in names:
        return f"{names[attr]} {value}"
    label = ATTRIBUTES[attr].label if attr in ATTRIBUTES else attr
    return f"{label} {value}"


def describe_conditions(conditions: dict[str, Any], window: dict[str, str] | None = None) -> str:
    text = " with ".join(describe_value(a, v) for a, v in conditions.items())
    if window:
        text += f" from {window['start']} to {window['end']}"
    return text


def _finding_line(i: int, f: Finding, outcome: str) -> str:
    name, _, _, plural = _OUTCOME_WORDS[outcome]
    where = describe_conditions(f.conditions, f.window)
    if outcome == "delay":
        return (
            f"{i}. {where[0].upper() + where[1:]}: deliveries arrive {f.mean_difference:+.1f} h "
            f"later on average than the rest (95% CI {f.ci[0]:+.1f} to {f.ci[1]:+.1f} h; "
            f"{f.support:,} orders; {f.excess:,.0f} excess delay-hours; q = {f.q_value:.2g})."
        )
    if f.kind == "cause":
        lead = f"{f.cause} at {where}"
        rate_text = f"{pct(f.rate)} of its closed orders failed with {f.cause} vs {pct(f.baseline)} elsewhere"
    else:
        lead = where[0].upper() + where[1:]
        rate_text = f"{name} {pct(f.rate)} vs {pct(f.baseline)} for the rest"
    line = (
        f"{i}. {lead}: {rate_text} (risk ratio {f.risk_ratio:.2f}, 95% CI {f.ci[0]:.2f}–"
        f"{f.ci[1]:.2f}; {f.outcomes:,} of {f.support:,}; about {f.excess:,.0f} excess {plural}; "
        f"q = {f.q_value:.2g})."
    )
    if f.main_causes:
        reasons = ", ".join(f"{c['cause']} ({c['outcomes']})" for c in f.main_causes[:3])
        line += f" Recorded reasons over-represented here: {reasons}."
    return line


def explain_narrative(e: Explanation) -> str:
    """The narrative of an explanation."""
    name, verb, population, plural = _OUTCOME_WORDS[e.outcome]
    scope = e.scope.get("description", "all orders")
    as_of = e.as_of.date().isoformat() if e.as_of else "n/a"
    if e.support == 0:
        return (
            f"No significant cause found: there are no {population} in scope ({scope}) as of "
            f"{as_of}, so there is nothing to explain. Check the scope's names and period "
            "(dfras info shows what the store holds)."
        )
    if e.outcome == "delay":
        head = (
            f"Delivered orders in scope ({scope}): mean delay {e.rate:+.1f} h against the promised "
            f"date over {e.support:,} deliveries, as of {as_of}."
        )
    else:
        head = (
            f"{name[0].upper() + name[1:]} in scope ({scope}): {pct(e.rate)} — {e.outcomes:,} "
            f"{verb} of {e.support:,} {population}, as of {as_of}."
        )
    t = e.tested
    tested = (
        f"{t.hypotheses:,} hypotheses were tested ({t.singles:,} single attributes, {t.pairs:,} "
        f"pairs, {t.triples:,} triples, {t.windows:,} time windows, {t.per_cause:,} per-cause "
        f"segments; segments of at least {t.min_support} orders) with the false discovery rate "
        f"held at {pct(t.fdr)}."
    )
    if t.hypotheses == 0:
        return "\n".join(
            [
                head,
                "No significant cause found: there are too few orders to test any cause; "
                f"segments need at least {t.min_support} "
                f"{population} and this scope has {e.support:,}. Widen the period or the scope "
                "(for example 'past week' or 'last month' instead of 'yesterday').",
            ]
        )
    if not e.significant:
        reasons = _reason_breakdown(e.reasons)
        return "\n".join(
            [
                head,
                f"No significant cause found: {tested} No segment, combination or time window "
                "stands out from the rest by more than chance would produce.",
                *(
                    [f"Recorded failure reasons (observed, not a tested cause): {reasons}."]
                    if reasons
                    else []
                ),
                "Treat differences between cities, partners or warehouses in this scope as noise "
                "until more data shows otherwise.",
            ]
        )
    causes = [f for f in e.segments if f.role == "cause"]
    symptoms = [f for f in e.segments if f.role == "symptom"]
    lines = [head, tested, "Main causes, largest excess first:"]
    for i, f in enumerate(causes[:6], 1):
        lines.append(_finding_line(i, f, e.outcome))
    if not causes:
        lines.append("No who/where/when segment stands out; only how the outcome showed does.")
    if symptoms:
        shown = "; ".join(
            f"{describe_conditions(f.conditions)} ({pct(f.rate)} vs {pct(f.baseline)})"
            if e.outcome != "delay"
            else describe_conditions(f.conditions)
            for f in symptoms[:3]
        )
        lines.append(f"How it shows (symptoms, not causes to act on by themselves): {shown}.")
    lines.append(
        f"Everything else tested is within chance: {t.hypotheses - len(e.segments):,} "
        "hypotheses showed no significant difference."
    )
    if e.recommendations:
        lines.append("What to do:")
        for r in e.recommendations[:3]:
            money = f", about ₹{r['value']:,.0f}" if r.get("value") else ""
            lines.append(
                f"- {describe_conditions(r['segment'], r.get('window'))}: {r['action']} — "
                f"expected {r['outcomes_avoided']:,.0f} fewer {plural}{money} if it performed "
                "at the baseline."
            )
    return "\n".join(lines)


def _reason_breakdown(reasons: list[dict[str, Any]]) -> str:
    total = sum(int(r["failed"]) for r in reasons)
    if not total:
        return ""
    return ", ".join(f"{r['reason']} {pct(int(r['failed']) / total)}" for r in reasons[:6])


def compare_narrative(c: Comparison) -> str:
    """The narrative of a comparison."""
    name = _OUTCOME_WORDS[c.outcome][0]
    a, b = c.scopes
    d = c.difference
    if d.get("value") is None:
        return f"Cannot compare: {'; '.join(c.notes) or 'a scope is empty'}."
    fmt = (
        (lambda x: f"{x:+.1f} h") if c.outcome == "delay" else (lambda x: f"{100 * x:+.1f} points")
    )
    val = (lambda x: f"{x:.1f} h") if c.outcome == "delay" else pct
    lines = [
        f"{name[0].upper() + name[1:]}: {a['description']} {val(a['rate'])} ({a['support']:,} orders) "
        f"vs {b['description']} {val(b['rate'])} ({b['support']:,} orders): difference "
        f"{fmt(d['value'])} (95% CI {fmt(d['ci'][0])} to {fmt(d['ci'][1])}).",
    ]
    lo, hi = d["ci"]
    if lo <= 0 <= hi:
        lines.append("The interval includes zero: the two scopes are not significantly different.")
    if c.outcome != "delay" and c.decomposition:
        top = c.decomposition[0]
        lines.append(
            f"By {ATTRIBUTES[top['attribute']].label}: {fmt(top['mix'])} comes from a different mix "
            f"of orders and {fmt(top['rate'])} from different rates in the same conditions."
        )
    if c.causes:
        parts = ", ".join(
            f"{x['cause']} {pct(x['share_a'])} vs {pct(x['share_b'])}" for x in c.causes[:5]
        )
        lines.append(f"Recorded failure reasons, share of failures (A vs B): {parts}.")
    return "\n".join(lines)
