"""Scenarios: what a what-if changes in the fitted model's inputs for one simulated period.

Each scenario is a small dataclass with its parameters (stored as JSON with the results) and
an ``apply`` that turns the status-quo :class:`SimSpec` into the changed one. Names are checked
against the fitted data (a city, partner, warehouse or cause the data does not have is a
:class:`UserError` listing what it has).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from dfras.domain.errors import UserError
from dfras.simulate.engine import SimSpec
from dfras.simulate.model import OUTCOMES, FittedModel

AVG_DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Scenario:
    """Base: a named change. ``kind`` is the scenario type stored with its results."""

    kind: str = field(default="baseline", init=False)

    def parameters(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("kind", None)
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out.items()}

    def period(self) -> tuple[date, date] | None:
        """The days the scenario is about, when it names them."""
        return None

    def apply(self, model: FittedModel, spec: SimSpec) -> list[str]:
        """Change ``spec`` in place; returns notes on what was assumed."""
        return []

    def label(self) -> str:
        return "today's operations"


@dataclass
class NewClient(Scenario):
    monthly_orders: int = 20_000
    cities: dict[str, float] = field(default_factory=dict)
    cod_share: float | None = None
    start: date | None = None
    name: str = "new client"

    def __post_init__(self) -> None:
        self.kind = "new-client"
        if self.monthly_orders <= 0:
            raise UserError(f"--monthly-orders must be positive, got {self.monthly_orders}")
        if self.cod_share is not None and not 0 <= self.cod_share <= 1:
            raise UserError(f"--cod-share must be between 0 and 1, got {self.cod_share}")

    def label(self) -> str:
        where = ", ".join(self.cities) if self.cities else "the current city mix"
        return f"onboarding {self.name} with {self.monthly_orders:,} orders a month in {where}"

    def apply(self, model: FittedModel, spec: SimSpec) -> list[str]:
        notes: list[str] = []
        mix = city_mix(model, self.cities)
        if not self.cities:
            notes.append("no city given: the client's orders follow today's city mix")
        daily = self.monthly_orders / AVG_DAYS_PER_MONTH
        spec.client_unit_daily = client_units(model, spec, mix, daily)
        if self.start is not None:
            spec.client_from = max(0, (self.start - spec.start).days)
        spec.client_volume_sd = max(model.volume_sd, 0.1)
        pay = model.conditions.get("payment_mode", {})
        if self.cod_share is not None and "COD" in pay and "Prepaid" in pay:
            total_rate = _overall_rates(pay)
            client = np.array(
                [
                    self.cod_share * pay["COD"].rate[o]
                    + (1 - self.cod_share) * pay["Prepaid"].rate[o]
                    for o in OUTCOMES
                ]
            )
            spec.client_ratio = client / np.maximum(total_rate, 1e-9)
        return notes


@dataclass
class Period(Scenario):
    """A festival or weather period: days with more orders and/or different outcome rates."""

    start: date = date(2025, 1, 1)
    end: date = date(2025, 1, 1)
    event: str = "Festival"
    condition_column: str = "event_type"
    uplift: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        self.kind = "festival" if self.condition_column == "event_type" else "weather"
        if self.end < self.start:
            raise UserError(f"the period ends ({self.end}) before it starts ({self.start})")
        if self.uplift is not None and self.uplift <= 0:
            raise UserError(f"--uplift must be positive, got {self.uplift}")

    def period(self) -> tuple[date, date] | None:
        return (self.start, self.end)

    def label(self) -> str:
        what = self.name or self.event
        return f"{what} from {self.start} to {self.end}"

    def apply(self, model: FittedModel, spec: SimSpec) -> list[str]:
        notes: list[str] = []
        on = np.array([self.start <= d <= self.end for d in spec.dates])
        spec.period = on
        levels = model.conditions.get(self.condition_column, {})
        found = next((r for k, r in levels.items() if k.lower() == self.event.lower()), None)
        if found is None:
            notes.append(
                f"the data has no orders with {self.condition_column} = {self.event}: outcome "
                "rates on these days are left as usual"
            )
        else:
            spec.period_log_ratio = np.array([math.log(found.ratio[o]) for o in OUTCOMES])
            spec.period_log_sd = np.array([found.log_sd[o] for o in OUTCOMES])
        if self.uplift is not None:
            uplift = self.uplift
            notes.append(f"volume on these days × {uplift:.2f} (given)")
        elif self.kind == "festival":
            uplift, _, seen = model.festival_uplift
            if seen >= 3:
                notes.append(
                    f"volume on festival days × {uplift:.2f}, fitted on {seen} past festival days"
                )
            else:
                notes.append(
                    f"only {seen} festival days in the history: volume left as usual (give --uplift)"
                )
        else:
            uplift = 1.0
        spec.uplift = np.where(on, uplift, 1.0)
        return notes


@dataclass
class MovePartner(Scenario):
    source: str = ""
    target: str = ""
    share: float = 1.0
    cities: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kind = "move-partner"
        if not 0 < self.share <= 1:
            raise UserError(f"--share must be in (0, 1], got {self.share}")

    def label(self) -> str:
        return f"moving {self.share:.0%} of {self.source}'s orders to {self.target}"

    def apply(self, model: FittedModel, spec: SimSpec) -> list[str]:
        a, b = model.partner_index(self.source), model.partner_index(self.target)
        if a == b:
            raise UserError("--from and --to name the same partner")
        only = {model.city_index(c) for c in self.cities} if self.cities else None
        return move_partner(model, spec, a, b, self.share, only)


@dataclass
class Capacity(Scenario):
    warehouse: int = 0
    change: float = 0.2

    def __post_init__(self) -> None:
        self.kind = "capacity"
        if self.change <= -1:
            raise UserError(f"--change must be above -100%, got {self.change:+.0%}")

    def label(self) -> str:
        return f"warehouse {self.warehouse} capacity {self.change:+.0%}"

    def apply(self, model: FittedModel, spec: SimSpec) -> list[str]:
        w = model.warehouse_index(self.warehouse)
        spec.capacity[w] *= 1 + self.change
        return [f"warehouse {self.warehouse}: {spec.capacity[w]:.1f} orders a day"]


@dataclass
class CauseRate(Scenario):
    cause: str = ""
    factor: float = 0.5

    def __post_init__(self) -> None:
        self.kind = "cause-rate"
        if self.factor < 0:
            raise UserError(f"--factor must be ≥ 0, got {self.factor}")

    def label(self) -> str:
        return f"{self.cause} failures × {self.factor:g}"

    def apply(self, model: FittedModel, spec: SimSpec) -> list[str]:
        return scale_causes(model, spec, [self.cause], self.factor)


# -- helpers shared with mitigations ----------------------------------------------------------


def city_mix(model: FittedModel, cities: dict[str, float]) -> np.ndarray:
    """Shares of the new orders per city: given (normalised), or today's mix."""
    mix = np.zeros(len(model.cities))
    if cities:
        for name, share in cities.items():
            if share <= 0:
                raise UserError(f"city share for {name} must be positive, got {share}")
            mix[model.city_index(name)] += share
    else:
        mix = model.level.copy()
    return mix / mix.sum()


def client_units(
    model: FittedModel, spec: SimSpec, mix: np.ndarray, daily: float, *, by_spare: bool = False
) -> np.ndarray:
    """New orders per unit and day: each city's share over its warehouses, in proportion to
    their current orders (or to their spare capacity with ``by_spare``)."""
    out = np.zeros(model.units)
    for c, share in enumerate(mix):
        if share <= 0:
            continue
        units = np.flatnonzero((model.unit_city == c) & (model.unit_wh >= 0))
        if units.size == 0:
            units = np.flatnonzero(model.unit_city == c)
            weights = np.ones(units.size)
        elif by_spare:
            wh = model.unit_wh[units]
            load = np.array([model.warehouses[w].mean_daily for w in wh])
            weights = np.maximum(spec.capacity[wh] - load, 0.0) + 1e-6
        else:
            weights = spec.unit_share[units]
        out[units] += daily * share * weights / weights.sum()
    return out


def move_partner(
    model: FittedModel, spec: SimSpec, a: int, b: int, share: float, cities: set[int] | None
) -> list[str]:
    """Move ``share`` of partner ``a``'s orders to ``b`` in every unit (of ``cities``)."""
    notes: list[str] = []
    uc = model.unit_city
    moved_units = 0
    b_cells = np.flatnonzero(spec.cell_partner == b)
    b_mult_all = spec.cell_mult[b_cells].mean(axis=0) if b_cells.size else np.ones(3)
    for k in np.flatnonzero(spec.cell_partner == a):
        u = int(spec.cell_unit[k])
        if cities is not None and int(uc[u]) not in cities:
            continue
        moved = spec.cell_share[k] * share
        spec.cell_share[k] -= moved
        target = np.flatnonzero((spec.cell_unit == u) & (spec.cell_partner == b))
        if target.size:
            spec.cell_share[target[0]] += moved
        else:
            same_city = [j for j in b_cells if uc[spec.cell_unit[j]] == uc[u]]
            mult = spec.cell_mult[same_city].mean(axis=0) if same_city else b_mult_all
            spec.cell_unit = np.append(spec.cell_unit, u)
            spec.cell_partner = np.append(spec.cell_partner, b)
            spec.cell_share = np.append(spec.cell_share, moved)
            spec.cell_mult = np.vstack([spec.cell_mult, mult[None, :]])
        moved_units += 1
    if not moved_units:
        raise UserError(
            f"{model.partners[a]} has no orders to move in the chosen cities",
            hint="check --from and --city",
        )
    notes.append(
        f"moved orders keep their warehouse and take {model.partners[b]}'s rates there "
        "(its city's average where it does not serve that warehouse yet)"
    )
    return notes


def scale_causes(model: FittedModel, spec: SimSpec, causes: list[str], factor: float) -> list[str]:
    """Multiply the failure rate attributable to ``causes`` by ``factor``, per city."""
    known = {k.lower(): k for shares in model.cause_shares.values() for k in shares}
    wanted = [known.get(c.strip().lower()) for c in causes]
    if not any(wanted):
        raise UserError(
            f"no failed orders with cause {', '.join(causes)!r} in the data",
            hint="causes: " + ", ".join(sorted(known.values())),
        )
    for c, city in enumerate(model.cities):
        shares = model.cause_shares.get(city, {})
        part = sum(shares.get(w, 0.0) for w in wanted if w)
        spec.fail_mult_city[c] *= 1 - part * (1 - factor)
    names = ", ".join(w for w in wanted if w)
    return [f"{names}: failure rate share per city from the {model.cause_source}, × {factor:g}"]


def _overall_rates(levels: dict[str, Any]) -> np.ndarray:
    n = sum(r.orders for r in levels.values())
    return np.array(
        [sum(r.rate[o] * r.orders for r in levels.values()) / max(n, 1) for o in OUTCOMES]
    )


# -- building a scenario from its type and parameters (the API's way in) ---------------------

SCENARIO_TYPES: dict[str, tuple[type[Scenario], dict[str, Any]]] = {
    "new-client": (NewClient, {}),
    "festival": (Period, {"condition_column": "event_type", "event": "Festival"}),
    "weather": (Period, {"condition_column": "weather_condition"}),
    "move-partner": (MovePartner, {}),
    "capacity": (Capacity, {}),
    "cause-rate": (CauseRate, {}),
}
_DATE_PARAMS = ("start", "end")


def build_scenario(kind: str, parameters: dict[str, Any]) -> Scenario:
    """The scenario of ``kind`` with ``parameters`` (the dataclass fields; dates as ISO text).

    A UserError names the parameter that is unknown, missing or out of range."""
    if kind not in SCENARIO_TYPES:
        raise UserError(
            f"unknown scenario type {kind!r}", hint=f"use one of {', '.join(SCENARIO_TYPES)}"
        )
    cls, fixed = SCENARIO_TYPES[kind]
    allowed = {f for f in cls.__dataclass_fields__ if f != "kind"} - set(fixed)
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise UserError(
            f"{kind}: unknown parameter(s) {', '.join(unknown)}",
            hint=f"{kind} takes {', '.join(sorted(allowed))}",
        )
    args = dict(parameters)
    for key in _DATE_PARAMS:
        if isinstance(args.get(key), str):
            try:
                args[key] = date.fromisoformat(args[key])
            except ValueError as exc:
                raise UserError(f"{kind}: {key} {args[key]!r} is not a date (YYYY-MM-DD)") from exc
    if cls is Period and "start" not in args:
        raise UserError(f"{kind}: give the period with start (and end)")
    if cls is Period and "end" not in args:
        args["end"] = args["start"]
    if cls is MovePartner and not (args.get("source") and args.get("target")):
        raise UserError(f"{kind}: give source and target partners")
    if cls is CauseRate and not args.get("cause"):
        raise UserError(f"{kind}: give the cause")
    try:
        return cls(**args, **fixed)
    except TypeError as exc:  # a value of the wrong type reaching the dataclass checks
        raise UserError(f"{kind}: {exc}") from exc
