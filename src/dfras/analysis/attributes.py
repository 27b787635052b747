"""The attributes an explanation searches over, and where each is known.

Every attribute is a column (or a binned number) of the delivery fact, named by its source
column so a finding reads ``{"warehouse_id": 37}``. Attributes that come from a log domain are
*unknown* for orders without that log (no fleet log yet, no feedback): the explanation compares
such an attribute only within the orders where it is known, so missingness itself never becomes
a cause. Inside a known domain an empty value is a real level: ``(none)`` (no GPS note, no event).

Example:
    >>> ATTRIBUTES["gps_delay_notes"].domain
    'fleet'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Availability = Literal["order", "warehouse", "fleet", "external", "feedback"]

#: SQL condition (over the fact) under which each domain's attributes are known.
KNOWN: dict[Availability, str] = {
    "order": "TRUE",
    "warehouse": "warehouse_log_count > 0",
    "fleet": "attempts > 0",
    "external": "external_count > 0",
    "feedback": "feedback_count > 0",
}

NONE_LEVEL = "(none)"


@dataclass(frozen=True)
class Attribute:
    name: str
    domain: Availability
    #: SQL expression over the fact; None → the column of the same name
    expr: str | None = None
    #: binned number: the fact column the bins are cut from
    binned: bool = False
    #: many distinct values (ids): not paired with another high-cardinality attribute
    high_cardinality: bool = False
    #: values are numbers (ids, hours); the others are text labels
    numeric: bool = False
    #: an empty value inside a known domain means "none" rather than unknown
    none_level: bool = False
    label: str = ""
    #: ``context``: who/where/when/conditions an order had (a cause can be acted on there);
    #: ``symptom``: how the outcome showed (notes, complaints, attempts, stage times) —
    #: searched and reported, but ranked after the causes they describe
    role: Literal["context", "symptom"] = "context"
    #: a component of the delay itself (picking, dispatch wait, transit, re-attempts): testing
    #: it against lateness would be a tautology, so late/delay explanations leave it out (the
    #: per-order delay split covers it)
    delay_component: bool = False

    def sql(self) -> str:
        """The attribute's value: NULL where unknown, a level otherwise."""
        col = self.expr or self.name
        if self.none_level:
            col = f"coalesce(CAST({col} AS VARCHAR), '{NONE_LEVEL}')"
        if self.domain == "order":
            return col
        return f"CASE WHEN {KNOWN[self.domain]} THEN {col} END"


ATTRIBUTES: dict[str, Attribute] = {
    a.name: a
    for a in (
        Attribute("city", "order", label="city"),
        Attribute("client_id", "order", numeric=True, high_cardinality=True, label="client"),
        Attribute("payment_mode", "order", label="payment mode"),
        Attribute("pincode_area", "order", high_cardinality=True, label="pincode area"),
        Attribute("weekday", "order", numeric=True, label="weekday ordered"),
        Attribute("order_hour", "order", numeric=True, label="hour ordered"),
        Attribute("amount", "order", binned=True, label="order amount"),
        Attribute("warehouse_id", "warehouse", numeric=True, label="warehouse"),
        Attribute(
            "warehouse_notes", "warehouse", none_level=True, label="warehouse note", role="symptom"
        ),
        Attribute(
            "picking_minutes",
            "warehouse",
            binned=True,
            label="picking minutes",
            role="symptom",
            delay_component=True,
        ),
        Attribute(
            "dispatch_wait_minutes",
            "warehouse",
            binned=True,
            label="dispatch wait",
            role="symptom",
            delay_component=True,
        ),
        Attribute("driver_id", "fleet", numeric=True, high_cardinality=True, label="driver"),
        Attribute("partner_company", "fleet", label="partner"),
        Attribute("route_code", "fleet", high_cardinality=True, label="route"),
        Attribute("gps_delay_notes", "fleet", none_level=True, label="GPS note", role="symptom"),
        Attribute(
            "transit_hours",
            "fleet",
            binned=True,
            label="transit hours",
            role="symptom",
            delay_component=True,
        ),
        Attribute(
            "attempts",
            "fleet",
            expr="CASE WHEN attempts >= 3 THEN '3+' ELSE CAST(attempts AS VARCHAR) END",
            label="delivery attempts",
            role="symptom",
            delay_component=True,
        ),
        Attribute("traffic_condition", "external", label="traffic"),
        Attribute("weather_condition", "external", label="weather"),
        Attribute("event_type", "external", none_level=True, label="event"),
        Attribute("feedback_theme", "feedback", label="feedback theme", role="symptom"),
    )
}

#: Quantile cut points of binned attributes: quartiles plus the 90th percentile, so the slow
#: tail (the orders a delay cause hides in) has a bin of its own.
BIN_QUANTILES = (0.25, 0.5, 0.75, 0.9)

#: Entity attributes scanned for time windows (bursts and sustained worsening). Clients are
#: left out: tens of thousands of sparse daily series would cost more than they find.
WINDOW_ATTRIBUTES = ("city", "warehouse_id", "partner_company")


def attribute_pairs(names: list[str], *, symptom_pairs: bool = True) -> list[tuple[str, str]]:
    """The pairs searched: context with context (except two high-cardinality ones), and —
    with ``symptom_pairs`` — a symptom with a low-cardinality context attribute (how an
    outcome shows at one place)."""
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            x, y = ATTRIBUTES[a], ATTRIBUTES[b]
            if x.high_cardinality and y.high_cardinality:
                continue
            if x.role == "symptom" and (y.role == "symptom" or not symptom_pairs):
                continue
            if y.role == "symptom" and not symptom_pairs:
                continue
            if (x.role == "symptom" and y.high_cardinality) or (
                y.role == "symptom" and x.high_cardinality
            ):
                continue
            out.append((a, b))
    return out


def role_of(conditions: dict[str, object]) -> str:
    """A finding is a cause when all its attributes are context, else a symptom."""
    return (
        "cause"
        if all(ATTRIBUTES[a].role == "context" for a in conditions if a in ATTRIBUTES)
        else "symptom"
    )


def bin_sql(name: str, edges: list[float]) -> str:
    """CASE expression labelling ``name`` with its bin, e.g. ``[12.5, 18)``."""
    col = ATTRIBUTES[name].expr or name
    if not edges:
        return f"CASE WHEN {col} IS NOT NULL THEN 'all' END"
    arms = []
    lo = None
    for e in edges:
        label = f"< {e:g}" if lo is None else f"[{lo:g}, {e:g})"
        arms.append(f"WHEN {col} < {e!r} THEN '{label}'")
        lo = e
    arms.append(f"WHEN {col} >= {edges[-1]!r} THEN '>= {edges[-1]:g}'")
    return "CASE " + " ".join(arms) + " END"
