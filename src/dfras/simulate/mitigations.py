"""Candidate mitigations for a scenario, each a changed copy of the scenario's inputs.

Which candidates are tried depends on what the scenario shows:

- **add capacity** at the warehouses over capacity in at least half the runs, up to the 90th
  percentile of their peak day's load (what it would take to stay under it 9 runs out of 10);
- **spread the new orders by spare capacity** (a new client): each city's new orders go to its
  warehouses in proportion to their spare capacity instead of today's shares;
- **address verification at order capture**: address failures ("Address not found",
  "Incorrect address") halved — the effect verification is commonly credited with, an
  assumption the result states;
- **move the weakest partner's orders to the strongest** in the cities the scenario touches
  (half of them), by failed + late rate.

The service simulates each with the scenario's seed and ranks them by the failed + late orders
avoided against the scenario, with a 90% interval of the run-wise difference.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dfras.simulate.engine import SimSpec
from dfras.simulate.model import FittedModel
from dfras.simulate.scenarios import (
    NewClient,
    Scenario,
    city_mix,
    client_units,
    move_partner,
    scale_causes,
)

ADDRESS_CAUSES = ["Address not found", "Incorrect address"]
VERIFICATION_FACTOR = 0.5


@dataclass
class Candidate:
    name: str
    action: str
    spec: SimSpec
    parameters: dict[str, Any] = field(default_factory=dict)


def candidates(
    model: FittedModel, spec: SimSpec, capacity: list[dict[str, Any]], scenario: Scenario
) -> list[Candidate]:
    out: list[Candidate] = []
    over = [c for c in capacity if c["p_over_capacity"] >= 0.5]
    if over:
        s = copy.deepcopy(spec)
        added = {}
        for c in over:
            w = model.warehouse_index(c["warehouse_id"])
            need = c["peak_load_ratio"]["p95"] * spec.capacity[w]
            new = max(spec.capacity[w], float(np.ceil(need)))
            added[str(c["warehouse_id"])] = round(float(new - spec.capacity[w]), 1)
            s.capacity[w] = new
        ids = ", ".join(added)
        out.append(
            Candidate(
                f"add capacity at {len(added)} warehouse{'s' if len(added) > 1 else ''}",
                f"add daily picking and dispatch capacity at warehouses {ids} "
                f"(orders a day: {', '.join(f'{k} +{v:g}' for k, v in added.items())})",
                s,
                {"added_per_day": added},
            )
        )
    if isinstance(scenario, NewClient) and spec.client_unit_daily.sum() > 0:
        s = copy.deepcopy(spec)
        mix = city_mix(model, scenario.cities)
        daily = float(spec.client_unit_daily.sum())
        s.client_unit_daily = client_units(model, s, mix, daily, by_spare=True)
        out.append(
            Candidate(
                "spread the new orders by spare capacity",
                "route the client's orders in each city to the warehouses with spare capacity "
                "(in proportion to it) instead of today's shares",
                s,
            )
        )
    known = {k.lower() for shares in model.cause_shares.values() for k in shares}
    if any(c.lower() in known for c in ADDRESS_CAUSES):
        s = copy.deepcopy(spec)
        scale_causes(model, s, ADDRESS_CAUSES, VERIFICATION_FACTOR)
        out.append(
            Candidate(
                "address verification",
                "verify addresses at order capture (pincode check, geo-pin): address failures "
                f"× {VERIFICATION_FACTOR:g} (assumed effect)",
                s,
                {"causes": ADDRESS_CAUSES, "factor": VERIFICATION_FACTOR},
            )
        )
    partner = _partner_swap(model, spec, scenario)
    if partner is not None:
        out.append(partner)
    return out


def _partner_swap(model: FittedModel, spec: SimSpec, scenario: Scenario) -> Candidate | None:
    """Half of the weakest partner's orders to the strongest, in the touched cities."""
    if isinstance(scenario, NewClient):
        cities = {int(c) for c in np.flatnonzero(city_mix(model, scenario.cities) > 0)}
    else:
        cities = set(range(len(model.cities)))
    rate = model.unit_a / (model.unit_a + model.unit_b)
    bad: dict[int, list[float]] = {}
    for k in range(len(spec.cell_unit)):
        u = spec.cell_unit[k]
        if model.unit_city[u] not in cities or model.partners[spec.cell_partner[k]] == "(none)":
            continue
        r = rate[u] * spec.cell_mult[k]
        bad.setdefault(int(spec.cell_partner[k]), []).append(
            float(r[0] + r[2]) * spec.cell_share[k]
        )
    if len(bad) < 2:
        return None
    score = {p: sum(v) / len(v) for p, v in bad.items()}
    worst, best = max(score, key=lambda p: score[p]), min(score, key=lambda p: score[p])
    s = copy.deepcopy(spec)
    move_partner(model, s, worst, best, 0.5, cities)
    a, b = model.partners[worst], model.partners[best]
    return Candidate(
        f"move half of {a}'s orders to {b}",
        f"reallocate half of {a}'s orders to {b} in the affected cities",
        s,
        {"from": a, "to": b, "share": 0.5},
    )
