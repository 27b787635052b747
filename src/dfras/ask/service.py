"""``ask``: a plain-English question in, the analysis it calls for out, with how it was read.

The question is parsed against the names in the data (:mod:`dfras.ask.parser`), then routed:
``explain`` and ``festival`` run :func:`dfras.analysis.explain.explain` on the scope (a festival
question scoped to festival days, with a "how to prepare" paragraph), ``compare`` runs
:func:`dfras.analysis.compare.compare` on the two scopes, and ``simulate`` says plainly that
what-if simulation is not in this release. The analyses are imported only when a question
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
    #: the explanation or comparison that was run (None for what-if questions)
    analysis: Any
    narrative: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "understood": self.understood.to_dict(),
            "analysis": self.analysis.to_dict() if self.analysis is not None else None,
            "narrative": self.narrative,
        }


def ask(store: Store, question: str, *, as_of: datetime | None = None) -> Answer:
    """Answer ``question`` on ``store``; relative periods count from ``as_of`` (default: the
    latest order_date). Raises UserError on an unknown or ambiguous name."""
    from dfras.fact import service as fact_service

    if not question.strip():
        raise UserError("the question is empty", hint='ask e.g. "why did orders fail last week?"')
    fact_service.ensure_current(store)
    latest = store.fetchall("SELECT max(order_date) FROM delivery_fact")[0][0]
    if latest is None:
        raise UserError("the store holds no orders", hint="import data first: dfras ingest PATH")
    as_of = as_of or latest
    assert as_of is not None
    catalogue = EntityCatalogue.load(store)
    understood = parse_question(question, as_of=as_of.date(), catalogue=catalogue)
    if understood.intent == "simulate":
        return Answer(question, as_of, understood, None, _simulation_text(understood))
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
    if understood.intent == "festival":
        narrative = f"{narrative}\n\n{_how_to_prepare(explanation)}"
    return Answer(question, as_of, understood, explanation, narrative)


def _simulation_text(u: Understood) -> str:
    sim = u.simulation or {}
    if sim.get("client_id") is not None:
        change = (
            f"more orders from {sim['client']} (client {sim['client_id']}, already in the data)"
        )
    else:
        change = f"onboarding {sim.get('client') or 'a new client'}"
    if sim.get("extra_orders"):
        change += f", about {sim['extra_orders']:,} extra orders per {sim.get('per') or 'month'},"
    return (
        "What-if simulation is not available yet in this release, so this question is not "
        f"answered. It asks what {change} would do to {u.outcome} risks and how to mitigate "
        "them. Until simulation lands, the current picture is one question away: "
        'e.g. dfras ask "why did orders fail last month?" shows which segments fail more '
        "than the rest today."
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
