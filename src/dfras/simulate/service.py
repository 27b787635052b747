"""``simulate``: fit, run a scenario against today's baseline, rank mitigations, store it all.

The entry the faces call (CLI, ``dfras ask``, later the API). One call fits the model on the
store's delivery fact, simulates the scenario and the status quo with the same seed (common
random numbers), summarises both, simulates each candidate mitigation on top of the scenario,
ranks them by the failed + late orders they avoid, writes the scenario and its quantiles to
``simulation_scenarios`` / ``monte_carlo_results`` and returns a :class:`Simulation`.

Example:
    >>> from dfras.store import open_store
    >>> from dfras.simulate.scenarios import NewClient
    >>> sim = simulate(open_store("dfras.duckdb"), NewClient(monthly_orders=20_000,
    ...                cities={"Chennai": 1.0}), runs=2000, seed=1)  # doctest: +SKIP
    >>> sim.mitigations[0]["name"]  # doctest: +SKIP
    'add capacity at 5 warehouses'
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dfras.simulate import mitigations as mit
from dfras.simulate.calendar import Calendar
from dfras.simulate.engine import RunArrays, SimSpec, base_spec, simulate_runs
from dfras.simulate.model import FittedModel, fit_model
from dfras.simulate.results import breakdowns, capacity_report, new_risks
from dfras.simulate.scenarios import Scenario
from dfras.simulate.storage import save_simulation

if TYPE_CHECKING:
    from dfras.store.base import Store

DEFAULT_DAYS = 30
AFTER_PERIOD_DAYS = 7


@dataclass
class Simulation:
    """A scenario's simulated period against today's baseline, with ranked mitigations."""

    scenario_id: str
    name: str
    kind: str
    parameters: dict[str, Any]
    label: str
    start: date
    end: date
    runs: int
    seed: int
    summary: dict[str, Any]
    capacity: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    mitigations: list[dict[str, Any]]
    notes: list[str]
    model: dict[str, Any]
    narrative: str = ""
    seconds: float = 0.0
    data_version: str | None = None
    created_at: datetime = field(default_factory=datetime.now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario_id": self.scenario_id,
            "name": self.name,
            "type": self.kind,
            "parameters": self.parameters,
            "label": self.label,
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "runs": self.runs,
            "seed": self.seed,
            "interval": "90% (5th to 95th percentile over runs)",
            "summary": self.summary,
            "over_capacity": self.capacity,
            "new_risks": self.risks,
            "mitigations": self.mitigations,
            "notes": self.notes,
            "model": self.model,
            "narrative": self.narrative,
            "seconds": round(self.seconds, 2),
            "data_version": self.data_version,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


def window_for(
    model: FittedModel, scenario: Scenario, start: date | None, days: int | None
) -> tuple[date, int]:
    """The simulated days: given, else the scenario's period and the week after it (where a
    backlog built up in the period is worked off), else the 30 days after the data's last day."""
    period = scenario.period()
    if start is None:
        start = period[0] if period else model.cutoff
    if days is None:
        days = DEFAULT_DAYS
        if period:
            days = max((period[1] - start).days + 1, 0) + AFTER_PERIOD_DAYS
    return start, days


def simulate(
    store: Store,
    scenario: Scenario,
    *,
    runs: int = 10_000,
    seed: int = 1,
    start: date | None = None,
    days: int | None = None,
    calendar: Path | None = None,
    mitigation_runs: int | None = None,
    save: bool = True,
    model: FittedModel | None = None,
) -> Simulation:
    """Simulate ``scenario`` against the status quo (see the module docstring)."""
    from dfras.domain.errors import UserError
    from dfras.fact import service as fact_service
    from dfras.store.meta import read_meta

    if runs < 100:
        raise UserError(f"--runs must be at least 100 for 90% intervals, got {runs}")
    if days is not None and not 1 <= days <= 366:
        raise UserError(f"--days must be between 1 and 366, got {days}")
    t0 = time.perf_counter()
    fact_service.ensure_current(store)
    if model is None:
        span = store.fetchall("SELECT min(order_day), max(order_day) FROM delivery_fact")[0]
        years = list(
            range(span[0].year if span[0] else 2025, (span[1].year if span[1] else 2025) + 2)
        )
        cal = Calendar.load(calendar, years=years)
        model = fit_model(store, calendar_days=cal.festival_days())
    start, days = window_for(model, scenario, start, days)
    base = base_spec(model, start, days)
    spec = base_spec(model, start, days)
    notes = scenario.apply(model, spec)
    base_runs = simulate_runs(model, base, runs=runs, seed=seed)
    scen_runs = simulate_runs(model, spec, runs=runs, seed=seed)
    summary = breakdowns(model, scen_runs, base_runs)
    capacity = capacity_report(model, start, scen_runs, base_runs, spec.capacity)
    risks = new_risks(summary, capacity)
    m_runs = min(runs, mitigation_runs or 2000)
    ranked = rank_mitigations(model, spec, scen_runs, capacity, scenario, runs=m_runs, seed=seed)
    sim = Simulation(
        scenario_id=uuid.uuid4().hex[:12],
        name=getattr(scenario, "name", "") or scenario.kind,
        kind=scenario.kind,
        parameters=scenario.parameters(),
        label=scenario.label(),
        start=start,
        end=start + timedelta(days=days - 1),
        runs=runs,
        seed=seed,
        summary=summary,
        capacity=capacity,
        risks=risks,
        mitigations=ranked,
        notes=notes,
        model=model.to_dict(),
        data_version=read_meta(store, "data_version"),
    )
    from dfras.simulate.narrative import narrate

    sim.narrative = narrate(sim)
    sim.seconds = time.perf_counter() - t0
    if save:
        save_simulation(store, sim)
    return sim


def rank_mitigations(
    model: FittedModel,
    spec: SimSpec,
    scen_runs: RunArrays,
    capacity: list[dict[str, Any]],
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Simulate each candidate on top of the scenario; rank by failed + late avoided."""
    ref = scen_runs.total[:runs]
    ref_bad = ref[:, 1] + ref[:, 3]
    out: list[dict[str, Any]] = []
    for cand in mit.candidates(model, spec, capacity, scenario):
        r = simulate_runs(model, cand.spec, runs=runs, seed=seed)
        bad = r.total[:, 1] + r.total[:, 3]
        avoided = ref_bad - bad
        p05, p95 = np.percentile(avoided, [5, 95])
        still = [
            model.warehouses[w].warehouse_id
            for w in range(len(model.warehouses))
            if (r.over_days[:, w] > 0).mean() >= 0.5
        ]
        out.append(
            {
                "name": cand.name,
                "action": cand.action,
                "parameters": cand.parameters,
                "avoided_mean": round(float(avoided.mean()), 1),
                "avoided_p05": round(float(p05), 1),
                "avoided_p95": round(float(p95), 1),
                "failed_avoided": round(float((ref[:, 1] - r.total[:, 1]).mean()), 1),
                "late_avoided": round(float((ref[:, 3] - r.total[:, 3]).mean()), 1),
                "still_over_capacity": still,
                "runs": runs,
            }
        )
    out.sort(key=lambda m: -m["avoided_mean"])
    return out
