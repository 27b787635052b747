"""Plain words for one order: its timeline and the sentence customer service can read out.

What: :func:`timeline` turns an order's records (the order, its warehouse logs, its fleet
attempts) into dated steps, each naming the record it comes from; :func:`customer_message`
turns the order's cause into one polite sentence from a template per cause.

Why templates: what customer service tells a customer must be plain, consistent and never
claim more than the evidence does. The wording hedges with the confidence: a cause at 0.5 or
more is stated, a weaker one is "most likely", and below 0.2 the sentence says the records do
not show a clear reason. Internal detail (log ids, drivers, scores) never reaches the customer.

Example:
    >>> order = {"status": "Failed", "promised_delivery_date": None, "delay_hours": None}
    >>> customer_message(order, None)[:42]
    'Your order could not be delivered; our rec'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dfras.causes import OrderCause, TimelineStep

#: Why it happened, in words a customer understands (completes "... because ...").
REASONS: dict[str, str] = {
    "Stockout": "the item was out of stock at our warehouse",
    "Warehouse delay": "our warehouse took too long to pack and dispatch it",
    "Traffic congestion": "heavy traffic held up our delivery partner",
    "Incorrect address": "the delivery address we had was incomplete or incorrect",
    "Address not found": "our driver could not find the delivery address",
    "Breakdown": "the delivery vehicle broke down on the way",
    "System issue": "a technical problem in our warehouse systems held it up",
    "Weather disruption": "severe weather made the delivery unsafe",
    "Customer refused": "the parcel was refused at the door",
    "Damaged package": "the package was damaged on its way",
    "picking": "it waited longer than usual to be picked at our warehouse",
    "dispatch": "it waited longer than usual at our warehouse to be handed to the courier",
    "transit": "it took longer than usual on the road with our delivery partner",
    "reattempt": "the first delivery attempt did not succeed and it had to go out again",
}

#: What comes next, for the customer (completes the sentence after a semicolon).
NEXT: dict[str, str] = {
    "Stockout": "we are sorry, and we will let you know as soon as it is available again",
    "Incorrect address": "please check your full address and phone number so we can deliver",
    "Address not found": "please share a landmark or location pin so our driver can find you",
    "Customer refused": "please contact us if you did not mean to refuse it",
    "Damaged package": "we are sorry, and a replacement or refund can be arranged",
}
_SORRY = "we apologise for the inconvenience"
STATED_AT = 0.5
HEDGED_AT = 0.2


def customer_message(order: dict[str, Any], cause: OrderCause | None) -> str:
    """One polite sentence on what happened to the order and why, for the customer."""
    status = order.get("status")
    if cause is None:
        return _without_cause(order)
    reason = REASONS.get(cause.primary_cause)
    what = {
        "failure": "Your order could not be delivered",
        "return": "Your order was returned to the seller",
        "late": f"Your order arrived {_late_by(cause, order)}",
    }.get(cause.outcome, f"Your order is {str(status).lower()}")
    if reason is None or cause.confidence < HEDGED_AT:
        tail = "we apologise for the delay" if cause.outcome == "late" else _SORRY
        return f"{what}; our records do not show a clear reason, and {tail}."
    link = "because" if cause.confidence >= STATED_AT else "most likely because"
    after = NEXT.get(cause.primary_cause)
    if after is None:
        after = "we apologise for the delay" if cause.outcome == "late" else _SORRY
    return f"{what} {link} {reason}; {after}."


def timeline(
    order: dict[str, Any], picks: list[dict[str, Any]], attempts: list[dict[str, Any]]
) -> list[TimelineStep]:
    """Ordered → picking start/end → dispatch → each attempt's departure/arrival → outcome."""
    steps = [
        TimelineStep(
            order["order_date"],
            "ordered",
            f"order placed, promised by {_stamp(order.get('promised_delivery_date'))}",
            f"orders#{order['order_id']}",
        )
    ]
    for p in picks:
        rec = f"warehouse_logs#{p['log_id']}"
        where = f"warehouse {p['warehouse_id']}"
        steps.append(TimelineStep(p["picking_start"], "picking started", f"at {where}", rec))
        if p.get("picking_end") is not None:
            minutes = _minutes(p["picking_start"], p["picking_end"])
            note = f"; note: {p['notes']}" if p.get("notes") else ""
            steps.append(
                TimelineStep(p["picking_end"], "picking finished", f"{minutes}{note}", rec)
            )
        if p.get("dispatch_time") is not None:
            steps.append(TimelineStep(p["dispatch_time"], "dispatched", f"from {where}", rec))
        else:
            steps.append(TimelineStep(None, "no dispatch", f"this pick at {where} never left", rec))
    for i, a in enumerate(attempts, start=1):
        rec = f"fleet_logs#{a['fleet_log_id']}"
        who = f"driver {a['driver_id']}" + (f", route {a['route_code']}" if a["route_code"] else "")
        steps.append(TimelineStep(a["departure_time"], f"attempt {i} departed", who, rec))
        if a.get("arrival_time") is not None:
            gps = a.get("gps_delay_notes")
            detail = f"GPS note: {gps}" if gps else "no GPS note"
            steps.append(TimelineStep(a["arrival_time"], f"attempt {i} ended", detail, rec))
    steps.append(_outcome_step(order, attempts))
    dated = sorted((s for s in steps if s.at is not None), key=_at)
    return dated + [s for s in steps if s.at is None]


def _at(step: TimelineStep) -> datetime:
    assert step.at is not None
    return step.at


def _outcome_step(order: dict[str, Any], attempts: list[dict[str, Any]]) -> TimelineStep:
    status = order["status"]
    rec = f"orders#{order['order_id']}"
    last_arrival = next(
        (a["arrival_time"] for a in reversed(attempts) if a.get("arrival_time")), None
    )
    if status == "Delivered":
        late = order.get("delay_hours") or 0.0
        detail = f"{_hours(late)} late" if late > 0 else "on time"
        return TimelineStep(order.get("actual_delivery_date"), "delivered", detail, rec)
    if status == "Failed":
        reason = order.get("failure_reason") or "none"
        return TimelineStep(last_arrival, "failed", f"recorded reason: {reason}", rec)
    if status == "Returned":
        return TimelineStep(last_arrival, "returned", "returned to the seller", rec)
    return TimelineStep(None, str(status).lower(), "not closed yet", rec)


def _without_cause(order: dict[str, Any]) -> str:
    status = order.get("status")
    promised = _day(order.get("promised_delivery_date"))
    if status == "Delivered":
        return "Your order was delivered on time; thank you for shopping with us."
    if status in ("Pending", "In-Transit"):
        moving = "is on its way" if status == "In-Transit" else "is being prepared"
        return f"Your order {moving} and is due by {promised}; thank you for your patience."
    if status == "Failed":
        return f"Your order could not be delivered; our records do not show a clear reason, and {_SORRY}."
    if status == "Returned":
        return f"Your order was returned to the seller; our records do not show a clear reason, and {_SORRY}."
    return "We could not find the current state of your order; we are looking into it."


def _late_by(cause: OrderCause, order: dict[str, Any]) -> str:
    hours = order.get("delay_hours")
    if hours is None and cause.delay_split:
        hours = cause.delay_split.get("delay_hours")
    return f"{_hours(float(hours))} late" if hours else "late"


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"about {round(hours / 24)} days"
    if hours >= 1.5:
        return f"about {round(hours)} hours"
    return "about an hour" if hours >= 0.75 else f"about {max(1, round(hours * 60))} minutes"


def _minutes(start: datetime, end: datetime) -> str:
    return f"took {round((end - start).total_seconds() / 60)} min"


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "an unknown date"


def _day(value: datetime | None) -> str:
    return value.strftime("%d %B %Y") if value else "the promised date"
