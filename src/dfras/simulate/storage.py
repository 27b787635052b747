"""Storing simulations: ``simulation_scenarios`` and ``monte_carlo_results``.

``simulation_scenarios`` holds one row per simulation: id, name, type, parameters and the whole
result (JSON text), seed, runs, when, and the data version it was fitted on.
``monte_carlo_results`` holds quantiles, not raw runs: one row per (variant, level, entity,
statistic) with the mean, 5th/50th/95th percentiles, the baseline's mean and the run-wise
change. 10,000 runs × every cell raw would be millions of rows per scenario and say nothing
the quantiles do not; the seed and parameters reproduce any run exactly.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dfras.query import simulation as q

if TYPE_CHECKING:
    from dfras.simulate.service import Simulation
    from dfras.store.base import Store


def ensure_tables(store: Store) -> None:
    if store.engine == "postgres":  # the migrations own the schema there
        return
    store.execute(q.CREATE_SCENARIOS)
    store.execute(q.CREATE_RESULTS)


def save_simulation(store: Store, sim: Simulation) -> None:
    """Write the scenario row and its quantile rows in one transaction."""
    ensure_tables(store)
    rows: list[list[Any]] = []
    for level, entities in _levels(sim.summary):
        for name, stats in entities:
            for stat, v in stats.items():
                rows.append(
                    [sim.scenario_id, "scenario", level, name, stat, v["mean"], v["p05"],
                     v["p50"], v["p95"], v["baseline_mean"], v["delta_mean"], v["delta_p05"],
                     v["delta_p95"]]
                )  # fmt: skip
    for m in sim.mitigations:
        rows.append(
            [sim.scenario_id, f"mitigation: {m['name']}", "total", "all", "failed_plus_late_avoided",
             m["avoided_mean"], m["avoided_p05"], None, m["avoided_p95"], None, None, None, None]
        )  # fmt: skip
    with store.transaction():
        store.execute(
            q.INSERT_SCENARIO,
            [
                sim.scenario_id,
                sim.name,
                sim.kind,
                json.dumps(sim.parameters, default=str),
                json.dumps(sim.to_dict(), default=str),
                sim.seed,
                sim.runs,
                sim.created_at.replace(microsecond=0),
                sim.data_version,
            ],
        )
        for row in rows:
            store.execute(q.INSERT_RESULT, row)


def list_simulations(store: Store) -> list[dict[str, Any]]:
    if not store.table_exists(q.SCENARIOS_TABLE):
        return []
    return store.fetch_dicts(q.LIST_SCENARIOS)


def _levels(summary: dict[str, Any]) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    out: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
        ("total", [("all", summary["total"])])
    ]
    for level in ("city", "warehouse", "partner"):
        ents = [
            (r["name"], {k: v for k, v in r.items() if k != "name"}) for r in summary[f"by_{level}"]
        ]
        out.append((level, ents))
    return out


def get_simulation(store: Store, scenario_id: str) -> dict[str, Any]:
    """One stored simulation's whole result, as it was when it ran."""
    from dfras.domain.errors import NotFound

    rows = (
        store.fetchall(q.GET_SCENARIO, [scenario_id])
        if store.table_exists(q.SCENARIOS_TABLE)
        else []
    )
    if not rows:
        raise NotFound(
            f"no simulation {scenario_id!r}", hint="list them with `dfras simulate list`"
        )
    result: dict[str, Any] = json.loads(rows[0][0])
    return result
