"""The answer key: ``truth.json`` (what was planted) and ``truth_orders.csv`` (per order).

``truth.json`` lists the planted causes with their conditions in the CSVs' own terms (source
column names, ids as integers), how strong they are and how many orders they touch, plus the
base rates, the background effects and the observed outcome counts. ``truth_orders.csv`` gives
every order's probabilities, its true cause (failures, returns and late deliveries that are
closed in the extract; empty otherwise and everywhere in the ``null`` scenario) and whether
the recorded failure reason names it. See docs/generator.md for the schema.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dfras.generate import causes as cz
from dfras.generate import messiness as mess
from dfras.generate.causes import Plan, day_text
from dfras.generate.entities import World
from dfras.generate.orders import Orders
from dfras.generate.outcomes import FAILED, LATE, RETURNED, Outcomes, expected_excess
from dfras.generate.timeline import STATUS_DELIVERED, Timeline
from dfras.generate.writer import Ints, Table, Text, fixed

SCHEMA_VERSION = 1
TRUTH_ORDERS = "truth_orders"
_CAUSE_NAMES = (*cz.FAILURE_CAUSES, *cz.RETURN_CAUSES, *cz.LATE_STAGES, "")
_RET0 = len(cz.FAILURE_CAUSES)
_LATE0 = _RET0 + len(cz.RETURN_CAUSES)
_NONE = len(_CAUSE_NAMES) - 1


def truth_orders_table(orders: Orders, out: Outcomes, t: Timeline, plan: Plan) -> Table:
    """One row per order: probabilities, true cause and category, recorded reason."""
    n = orders.count
    closed = t.closed
    failed = closed & (out.kind == FAILED)
    code = np.full(n, _NONE, dtype=np.int64)
    if plan.evidence:
        code[failed] = out.cause[failed]
        returned = closed & (out.kind == RETURNED)
        code[returned] = _RET0 + out.cause[returned]
        late = (t.status == STATUS_DELIVERED) & (out.kind == LATE)
        code[late] = _LATE0 + t.late_stage[late]
    categories = tuple(cz.CATEGORY.get(c, "") for c in _CAUSE_NAMES)
    recorded = np.where(failed, out.recorded, 0)
    no_text = pa.scalar(None, pa.string())
    reason = pc.if_else(pa.array(failed), mess.from_vocab(cz.FAILURE_CAUSES, recorded), no_text)
    correct = np.where(recorded == code, 1, 2)
    correct_text = mess.from_vocab(
        ("", "true", "false"), np.where(failed & plan.evidence, correct, 0)
    )
    return Table(
        TRUTH_ORDERS,
        (
            "order_id",
            "p_fail",
            "p_return",
            "p_late",
            "true_cause",
            "true_cause_category",
            "recorded_reason",
            "recorded_reason_correct",
        ),
        (
            Ints(np.arange(1, n + 1)),
            fixed(out.p_fail, 6),
            fixed(out.p_return, 6),
            fixed(out.p_late, 6),
            Text(mess.from_vocab(_CAUSE_NAMES, code)),
            Text(mess.from_vocab(categories, code)),
            Text(reason),
            Text(correct_text),
        ),
        n,
    )


def _planted_entries(orders: Orders, world: World, t: Timeline, plan: Plan) -> list[dict[str, Any]]:
    closed = t.closed
    delivered = t.status == STATUS_DELIVERED
    entries = []
    for p in plan.planted:
        eligible = closed if p.outcome == "failure" else delivered
        affected, excess = expected_excess(p, orders, world, plan, eligible)
        window = None
        if p.days is not None:
            window = {"start": day_text(p.days[0]), "end": day_text(p.days[1])}
        entries.append(
            {
                "id": p.id,
                "kind": p.kind,
                "outcome": p.outcome,
                "conditions": p.conditions,
                "window": window,
                "cause": p.cause,
                "category": cz.CATEGORY[p.cause],
                "effect": p.effect(),
                "affected_orders": affected,
                "expected_excess": round(excess, 3),
                "description": p.description,
            }
        )
    return entries


def _background(world: World, plan: Plan) -> list[dict[str, Any]]:
    if not plan.background:
        return []
    return [
        {
            "id": "repeat_address_customers",
            "outcome": "failure",
            "cause": "Incorrect address",
            "effect": {
                "type": "rate_multiplier",
                "value": cz.BAD_ADDRESS_CUSTOMER_MULTIPLIER,
                "applies_to": "cause",
            },
            "customers": int(world.customers.bad_address.sum()),
            "description": "A few percent of customers give wrong addresses habitually: their "
            "orders fail with 'Incorrect address' 12x as often, so the same phone number "
            "repeats address failures. Too many small entities to list; not a planted cause.",
        }
    ]


def _observed(out: Outcomes, t: Timeline) -> dict[str, Any]:
    closed = t.closed
    delivered = t.status == STATUS_DELIVERED
    n_closed = int(closed.sum())
    n_failed = int((closed & (out.kind == FAILED)).sum())
    n_returned = int((closed & (out.kind == RETURNED)).sum())
    n_delivered = int(delivered.sum())
    n_late = int((delivered & (out.kind == LATE)).sum())
    return {
        "orders": len(out.kind),
        "closed": n_closed,
        "delivered": n_delivered,
        "failed": n_failed,
        "returned": n_returned,
        "late": n_late,
        "failure_rate": round(n_failed / max(1, n_closed), 4),
        "return_rate": round(n_returned / max(1, n_closed), 4),
        "late_rate": round(n_late / max(1, n_delivered), 4),
    }


def truth_document(
    orders: Orders,
    world: World,
    out: Outcomes,
    t: Timeline,
    plan: Plan,
    *,
    n_orders: int,
    seed: int,
    start: date,
    end: date,
) -> dict[str, Any]:
    """The content of truth.json."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {
            "orders": n_orders,
            "seed": seed,
            "scenario": plan.scenario,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        "base_rates": {
            "failure": plan.base_fail,
            "return": plan.base_return,
            "late": plan.base_late,
            "failure_cause_mix": dict(zip(cz.FAILURE_CAUSES, cz.FAILURE_MIX, strict=True)),
            "return_cause_mix": dict(zip(cz.RETURN_CAUSES, cz.RETURN_MIX, strict=True)),
            "late_stage_mix": dict(zip(cz.LATE_STAGES, cz.LATE_MIX, strict=True)),
            "recorded_reason_accuracy": cz.RECORDED_REASON_ACCURACY if plan.evidence else None,
        },
        "planted": _planted_entries(orders, world, t, plan),
        "background": _background(world, plan),
        "observed": _observed(out, t),
        "categories": {c: cz.CATEGORY[c] for c in _CAUSE_NAMES if c},
        "files": {"truth_orders": f"{TRUTH_ORDERS}.csv"},
    }


def write_truth_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
