"""Recommendations tied to the type of each cause, priced with configurable unit costs.

Every recommendation names the segment it answers, the action suited to that kind of cause
(address verification for a client's address failures, staffing or slotting for a slow
warehouse, reallocating a partner's volume in a city, buffers for weather days), the expected
effect — the excess outcomes avoided if the segment performed at its baseline — and that effect
in money: failed attempts, returns to origin and cash-on-delivery at risk, with unit costs from
``DFRAS_COST_FAILED_ATTEMPT``, ``DFRAS_COST_RTO`` (rupees; defaults below) so recommendations
rank by money saved as well as by orders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from dfras.analysis.findings import Finding

#: Default unit costs (INR): a failed delivery attempt and a return to origin.
DEFAULT_FAILED_ATTEMPT = 150.0
DEFAULT_RTO = 250.0


@dataclass(frozen=True)
class UnitCosts:
    failed_attempt: float = DEFAULT_FAILED_ATTEMPT
    rto: float = DEFAULT_RTO

    @classmethod
    def from_env(cls) -> UnitCosts:
        return cls(
            failed_attempt=float(
                os.environ.get("DFRAS_COST_FAILED_ATTEMPT", DEFAULT_FAILED_ATTEMPT)
            ),
            rto=float(os.environ.get("DFRAS_COST_RTO", DEFAULT_RTO)),
        )


_BY_REASON = {
    "Stockout": "Raise safety stock and check inventory sync for the items this segment sells out of",
    "Stock delay on item": "Raise safety stock and check inventory sync for the items this segment sells out of",
    "Incorrect address": "Verify addresses at order capture (pincode–city check, OTP or geo-pin confirmation)",
    "Address not found": "Verify addresses at order capture (geo-pin confirmation) and share landmarks with drivers",
    "Warehouse delay": "Add picking staff or re-slot fast movers at the warehouse; review the dispatch cut-off",
    "Slow packing": "Add packing staff at peak hours or pre-pack fast movers",
    "Breakdown": "Enforce vehicle maintenance checks with the partner and keep standby vehicles",
    "Traffic congestion": "Shift delivery windows off peak hours and re-plan routes around congestion",
    "Heavy congestion": "Shift delivery windows off peak hours and re-plan routes around congestion",
    "Weather disruption": "Add weather buffers: extend promised dates and pre-alert customers on severe-weather days",
    "System issue": "Fix the order/warehouse system fault; add monitoring on failed syncs",
}

_BY_ATTRIBUTE = {
    "warehouse_id": "Review picking and dispatch at this warehouse: staffing, slotting and stock",
    "client_id": "Work with this client on address quality and order data (verification at capture)",
    "driver_id": "Coach or re-assign this driver; check the routes and areas assigned",
    "partner_company": "Reallocate part of this partner's volume to better-performing partners here",
    "route_code": "Re-plan this route (stops, timing) and check its drivers' load",
    "city": "Review the city's delivery operations: partner mix, routes and promised dates",
    "pincode_area": "Check serviceability and address quality for this pincode area",
    "weather_condition": "Add weather buffers: extend promised dates and pre-alert customers on such days",
    "traffic_condition": "Shift delivery windows off peak congestion and re-plan routes",
    "event_type": "Plan capacity and promised-date buffers for these event days",
    "order_hour": "Add evening dispatch capacity or move the cut-off so late orders are not held overnight",
    "weekday": "Plan staffing and stock for this weekday's pattern",
    "payment_mode": "Confirm COD orders before dispatch (call or OTP)",
}


def recommend(
    findings: list[Finding],
    *,
    outcome: str,
    cod_share: float = 0.5,
    avg_cod_amount: float = 0.0,
    costs: UnitCosts | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Recommendations for the cause findings, ranked by money saved."""
    costs = costs or UnitCosts.from_env()
    out: list[dict[str, Any]] = []
    for f in findings:
        if f.role != "cause" or f.excess <= 0 or outcome == "delay":
            continue
        reason = f.cause or (f.main_causes[0]["cause"] if f.main_causes else None)
        action = _BY_REASON.get(reason or "") if reason else None
        if action is None:
            attr = next(
                (
                    a
                    for a in (
                        "partner_company",
                        "warehouse_id",
                        "client_id",
                        "driver_id",
                        "route_code",
                        "order_hour",
                        "weather_condition",
                        "traffic_condition",
                        "event_type",
                        "city",
                        "pincode_area",
                        "weekday",
                        "payment_mode",
                    )
                    if a in f.conditions
                ),
                None,
            )
            action = _BY_ATTRIBUTE.get(attr or "", "Investigate this segment's operations")
        if f.window:
            action += f" (the problem window ran {f.window['start']} to {f.window['end']})"
        avoided = f.excess
        if outcome == "failure":
            saved = avoided * costs.failed_attempt
            cod = avoided * cod_share * avg_cod_amount
        elif outcome == "return":
            saved = avoided * costs.rto
            cod = avoided * cod_share * avg_cod_amount
        else:  # late deliveries: no attempt cost, but the customer promise is at stake
            saved = 0.0
            cod = 0.0
        out.append(
            {
                "segment": f.conditions,
                "window": f.window,
                "cause": reason,
                "action": action,
                "outcomes_avoided": round(avoided, 1),
                "cost_saved": round(saved, 2),
                "cod_at_risk": round(cod, 2),
                "value": round(saved + cod, 2),
            }
        )
    out.sort(key=lambda r: (-float(r["value"]), -float(r["outcomes_avoided"])))
    return out[:limit]
