"""``ask``: a plain-English question in, the analysis it calls for out, with how it was read.

The question is parsed against the names in the data (:mod:`dfras.ask.parser`), then routed:
``explain`` and ``festival`` run :func:`dfras.analysis.explain.explain` on the scope (a festival
question scoped to festival days, with a "how to prepare" paragraph), ``compare`` runs
:func:`dfras.analysis.compare.compare` on the two scopes, and ``simulate`` runs a new-client
Monte Carlo simulation (:mod:`dfras.simulate`); a festival question also simulates the next
festival in the calendar. The analyses are imported only when a question
needs them, so the command starts quickly.

Example:
    >>> from dfras.store import open_store
    >>> store = open_store(":memory:")
    >>> ask(store, "why did orders fail yesterday?")  # doctest: +SKIP
    Answer(question='why did orders fail yesterday?', ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dfras.ask.catalogue import EntityCatalogue
from dfras.ask.parser import Understood, parse_question
from dfras.domain.errors import UserError

if TYPE_CHECKING:
    from dfras.store.base import Store

#: what to get ready for, by the category of a recorded failure reason
_PREPARE_BY_CATEGORY = {
    "Inventory": "stock up on fast-moving items and sync inventory before the festival starts",
    "Operational": "add picking and packing shifts and move the dispatch cut-off earlier",
    "External": "plan routes around festival traffic and add buffer days to promised dates",
    "Logistics": "verify addresses at order capture (pincode check, geo-pin) before dispatch",
    "Fleet": "service vehicles beforehand and keep standby vehicles and drivers on call",
    "Technical": "freeze system changes over the festival and monitor order and stock syncs",
    "System": "freeze system changes over the festival and monitor order and stock syncs",
    "Human": "brief and staff up drivers and handlers for the festival volume",
}
_PREPARE_BY_WORD = {
    "weather": "add weather buffers to promised dates and alert customers on bad-weather days",
    "traffic": "plan routes around festival traffic and add buffer days to promised dates",
    "congestion": "plan routes around festival traffic and add buffer days to promised dates",
    "address": "verify addresses at order capture (pincode check, geo-pin) before dispatch",
    "stock": "stock up on fast-moving items and sync inventory before the festival starts",
}


@dataclass
class Answer:
    """A question, how it was understood, the analysis it ran, and the answer in words."""

    question: str
    as_of: datetime | None
    understood: Understood
    #: the explanation, comparison or simulation that was run
    analysis: Any
    narrative: str
    #: festival questions: the simulated festival period (a Simulation)
    simulation: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "understood": self.understood.to_dict(),
            "analysis": self.analysis.to_dict() if self.analysis is not None else None,
            "narrative": self.narrative,
            "simulation": self.simulation.to_dict() if self.simulation is not None else None,
        }


def ask(store: Store, question: str, *, as_of: datetime | None = None) -> Answer:
    """Answer ``question`` on ``store``; relative periods count from ``as_of`` (default: the
    latest order_date). Raises UserError on an unknown or ambiguous name."""
    from dfras.fact import service as fact_service

    if not question.strip():
        raise UserError("the question is empty", hint='ask e.g. "why did orders fail last week?"')
    store = fact_service.for_analysis(store)
    latest = store.fetchall("SELECT max(order_date) FROM delivery_fact")[0][0]
    if latest is None:
        raise UserError("the store holds no orders", hint="import data first: dfras ingest PATH")
    as_of = as_of or latest
    assert as_of is not None
    catalogue = EntityCatalogue.load(store)
    understood = parse_question(question, as_of=as_of.date(), catalogue=catalogue)
    if understood.intent == "simulate":
        sim = _simulate_onboarding(store, understood)
        return Answer(question, as_of, understood, sim, _onboarding_text(understood, sim))
    if understood.intent == "compare":
        from dfras.analysis.compare import compare

        comparison = compare(
            store,
            scope_a=understood.scope,
            scope_b=understood.compare_with,
            outcome=understood.outcome,
        )
        return Answer(question, as_of, understood, comparison, comparison.narrative)
    from dfras.analysis.explain import explain

    explanation = explain(store, scope=understood.scope, outcome=understood.outcome, as_of=as_of)
    narrative = explanation.narrative or _plain_summary(explanation)
    simulation = None
    if understood.intent == "festival":
        narrative = f"{narrative}\n\n{_how_to_prepare(explanation)}"
        simulation = _simulate_festival(store, question, as_of.date())
        if simulation is not None:
            narrative = (
                f"{narrative}\n\nWhat the next festival period may bring: {simulation.narrative}"
            )
    return Answer(question, as_of, understood, explanation, narrative, simulation)


#: Monte Carlo runs behind an answer (kept quick; `dfras simulate` defaults to 10,000)
ASK_RUNS = 1000
_PER = {"month": 1.0, "week": 365.25 / 12 / 7, "day": 365.25 / 12}


def _simulate_onboarding(store: Store, u: Understood) -> Any:
    """Question 6: simulate the extra monthly orders (in the cities the question names)."""
    from dfras.simulate.scenarios import NewClient
    from dfras.simulate.service import simulate

    sim = u.simulation or {}
    extra = sim.get("extra_orders")
    if not extra:
        raise UserError(
            "the what-if question does not say how many orders",
            hint='say e.g. "with about 20,000 extra orders a month"',
        )
    monthly = round(extra * _PER.get(sim.get("per") or "month", 1.0))
    cities = {str(c): 1.0 for c in u.scope.filters.get("city", [])}
    name = sim.get("client") or "the new client"
    return simulate(
        store,
        NewClient(monthly_orders=monthly, cities=cities, name=name),
        runs=ASK_RUNS,
        seed=1,
        save=False,
    )


def _onboarding_text(u: Understood, sim: Any) -> str:
    from dfras.simulate.results import is_new_overload

    over = [c for c in sim.capacity if is_new_overload(c)]
    head = f"If we onboard {sim.parameters.get('name')}: "
    if over:
        names = ", ".join(f"{c['name']} ({c['city']})" for c in over[:6])
        head += (
            f"{len(over)} warehouse{'s' if len(over) > 1 else ''} would go over capacity: {names}. "
        )
    if sim.mitigations:
        top = sim.mitigations[0]
        head += (
            f"The mitigation with the largest simulated effect: {top['action']} "
            f"({top['avoided_mean']:,.0f} fewer failed or late orders).\n"
        )
    return head + sim.narrative


def _simulate_festival(store: Store, question: str, after: Any) -> Any:
    """Question 5: simulate the next festival in the calendar (the one the question names,
    if the calendar knows it); None when the calendar has none ahead."""
    import re

    from dfras.simulate.calendar import Calendar
    from dfras.simulate.scenarios import Period
    from dfras.simulate.service import simulate

    cal = Calendar.load(None, years=[after.year, after.year + 1])
    named = re.search(
        r"\b(diwali|deepavali|holi|dussehra|navratri|eid|christmas|pongal|onam|ganesh)\b",
        question.lower(),
    )
    try:
        ev = cal.find(named.group(1) if named else None, after=after)
    except UserError:
        return None
    return simulate(
        store,
        Period(start=ev.start, end=ev.end, event="Festival", name=ev.name),
        runs=ASK_RUNS,
        seed=1,
        save=False,
    )


def _plain_summary(e: Any) -> str:
    """A one-line fallback when the analysis came back without a narrative."""
    head = f"{e.outcomes:,} of {e.support:,} orders in scope ({e.scope.get('description')})."
    if not e.significant:
        return f"{head} No significant cause found."
    return f"{head} {len(e.segments)} segments stand out; see the table."


def _how_to_prepare(e: Any) -> str:
    """Preparation for festival days: from the recommendations, else the recorded reasons."""
    if e.recommendations:
        steps = "; ".join(
            f"{r['action']} (about {r['outcomes_avoided']:,.0f} fewer failures)"
            for r in e.recommendations[:3]
        )
        return f"How to prepare: {steps}."
    reasons = [r for r in e.reasons if r.get("failed")]
    total = sum(int(r["failed"]) for r in reasons)
    if not total:
        return (
            "How to prepare: no failed orders are recorded on these days, so there is nothing "
            "specific to prepare for beyond the usual festival volume."
        )
    lead = (
        "How to prepare: no cause stands out on these days, so prepare for the reasons recorded "
        "on their failed orders in proportion to how often they occur (observed, not tested): "
        if not e.significant
        else "How to prepare, by the reasons recorded on these days' failed orders: "
    )
    parts = []
    for r in reasons[:3]:
        share = int(r["failed"]) / total
        parts.append(f"{r['reason']} ({share:.0%} of {total:,} failures) — {_prepare_for(r)}")
    return lead + "; ".join(parts) + "."


def _prepare_for(reason: dict[str, Any]) -> str:
    category = reason.get("category")
    if category in _PREPARE_BY_CATEGORY:
        return _PREPARE_BY_CATEGORY[category]
    text = str(reason.get("reason", "")).lower()
    for word, action in _PREPARE_BY_WORD.items():
        if word in text:
            return action
    return "review these orders' warehouse and fleet logs before the festival"
