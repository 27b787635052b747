"""The cause catalogue, the scenarios, and the choice of which entities carry planted causes.

A *cause* is what made one order fail, come back or arrive late: a failure reason code
(``Stockout``, ``Traffic congestion``...), a return reason, or a delay stage (``picking``,
``dispatch``, ``transit``, ``reattempt``). A *planted cause* is a structural effect hidden in a
scenario, e.g. "warehouse 37 fails 3x as often, through stockouts": it raises the hazard of one
cause on the orders matching its conditions. ``choose_plan`` picks the concrete warehouse,
client, driver, partner, city and dates from the seed, so each seed hides its causes in
different places, and records them for ``truth.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from dfras.generate import vocab
from dfras.generate.entities import CITY_VOLUME, World

FAILURE_CAUSES: tuple[str, ...] = (
    "Stockout",
    "Warehouse delay",
    "Traffic congestion",
    "Incorrect address",
    "Address not found",
    "Breakdown",
    "System issue",
    "Weather disruption",
)
FAILURE_MIX: tuple[float, ...] = (0.16, 0.14, 0.14, 0.13, 0.13, 0.10, 0.08, 0.12)
STOCKOUT, WH_DELAY, TRAFFIC, BAD_ADDRESS, NOT_FOUND, BREAKDOWN, SYSTEM, WEATHER = range(8)

RETURN_CAUSES: tuple[str, ...] = ("Incorrect address", "Customer refused", "Damaged package")
RETURN_MIX: tuple[float, ...] = (0.40, 0.35, 0.25)
RET_ADDRESS, RET_REFUSED, RET_DAMAGED = range(3)

LATE_STAGES: tuple[str, ...] = ("picking", "dispatch", "transit", "reattempt")
LATE_MIX: tuple[float, ...] = (0.30, 0.25, 0.30, 0.15)
PICKING, DISPATCH, TRANSIT, REATTEMPT = range(4)

CATEGORY: dict[str, str] = {
    "Stockout": "Inventory",
    "Warehouse delay": "Operational",
    "Traffic congestion": "External",
    "Incorrect address": "Human",
    "Address not found": "Logistics",
    "Breakdown": "Fleet",
    "System issue": "System",
    "Weather disruption": "External",
    "Customer refused": "Human",
    "Damaged package": "Logistics",
    **{stage: "Delay" for stage in LATE_STAGES},
}

# Base rates before planted effects. The default scenario's are set so that, with its planted
# causes on top, about 8% of closed orders fail, 4% come back and 15% of deliveries are late;
# the null scenario uses those overall figures directly as its constant probabilities.
BASE_RATES: dict[str, tuple[float, float, float]] = {  # failure, return, late
    "default": (0.067, 0.04, 0.11),
    "null": (0.08, 0.04, 0.15),
}
MAX_FAIL = 0.90
MAX_LATE = 0.95
RECORDED_REASON_ACCURACY = 0.75
BAD_ADDRESS_CUSTOMER_MULTIPLIER = 12.0

SCENARIOS: dict[str, str] = {
    "default": "nine planted causes (entity, combination, window, trend, recurring, seasonal) "
    "with consistent log evidence, over base rates of 8% failures, 4% returns, 15% late",
    "null": "no planted cause: constant failure, return and late probabilities, every "
    "attribute drawn independently; same volumes and messiness as default",
}


@dataclass(frozen=True)
class Planted:
    """One planted cause: which orders it touches and how it changes their hazards.

    ``match`` maps an order attribute (``warehouse``, ``client``, ``driver``, ``partner``,
    ``city``, ``weather``, ``traffic``, ``weekday``) to the internal 0-based code it must
    equal; ``hours`` is an inclusive hour-of-day range and ``days`` an inclusive range of
    epoch days of the order date. ``mode`` says how the hazard of ``cause`` changes:
    ``add`` adds ``(multiplier - 1) x base rate`` (the outcome rate becomes ``multiplier``
    times the base), ``shift`` multiplies the cause's hazard and rescales the other causes so
    the order's total stays put, ``trend`` adds ``(growth(day) - 1) x base rate``.
    """

    id: str
    kind: str
    outcome: str
    cause: str
    multiplier: float
    mode: str
    conditions: dict[str, Any]
    description: str
    match: dict[str, int] = field(default_factory=dict)
    hours: tuple[int, int] | None = None
    days: tuple[int, int] | None = None
    trend_rate: float = 0.0
    trend_cap: float = 1.0
    delay_hours: float = 0.0

    @property
    def cause_index(self) -> int:
        names = FAILURE_CAUSES if self.outcome == "failure" else LATE_STAGES
        return names.index(self.cause)

    def growth(self, day: np.ndarray) -> np.ndarray:
        """The trend factor (1 before the start, then compounding, capped) per epoch day."""
        assert self.days is not None
        elapsed = np.clip(day - self.days[0], 0, None)
        return np.minimum((1.0 + self.trend_rate) ** elapsed, self.trend_cap)

    def effect(self) -> dict[str, Any]:
        if self.mode == "trend":
            return {
                "type": "trend",
                "value": self.trend_rate,
                "unit": "per_day",
                "applies_to": "picking_minutes",
                "cap": self.trend_cap,
            }
        out: dict[str, Any] = {
            "type": "rate_multiplier",
            "value": self.multiplier,
            "applies_to": "cause" if self.mode == "shift" else "outcome",
        }
        if self.delay_hours:
            out["delay_hours"] = self.delay_hours
        return out


@dataclass(frozen=True)
class Plan:
    """A scenario made concrete for one seed and date span."""

    scenario: str
    planted: tuple[Planted, ...]
    background: bool  # customer-level address risk and per-site norms
    evidence: bool  # whether logs carry traces of the true causes
    start_day: int
    end_day: int
    base_fail: float
    base_return: float
    base_late: float


def epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def day_text(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()


def _warehouse_volume(world: World) -> np.ndarray:
    w = world.warehouses
    cap_in_city = np.bincount(w.city, weights=w.capacity, minlength=len(CITY_VOLUME))
    return CITY_VOLUME[w.city] / CITY_VOLUME.sum() * w.capacity / cap_in_city[w.city]


def choose_plan(
    rng: np.random.Generator, world: World, scenario: str, start: date, end: date
) -> Plan:
    """Pick the entities, cells and dates of the scenario's planted causes."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; valid: {', '.join(sorted(SCENARIOS))}")
    d0, d1 = epoch_day(start), epoch_day(end)
    rates = BASE_RATES[scenario]
    if scenario == "null":
        return Plan(scenario, (), False, False, d0, d1, *rates)

    cities = vocab.CITY_NAMES
    storm_city = int(np.argmax(CITY_VOLUME))
    combo_city = int(rng.choice([c for c in range(len(cities)) if c != storm_city]))
    combo_partner = int(rng.integers(0, len(vocab.PARTNERS)))

    volume = _warehouse_volume(world)
    busy = np.flatnonzero(volume >= np.median(volume))
    w_stock, w_trend, w_monday = (int(x) for x in rng.choice(busy, 3, replace=False))

    top_clients = np.argsort(-world.clients.weight, kind="stable")[:3]
    client = int(rng.choice(top_clients))

    d = world.drivers
    lead = (d.rank == 1) & (CITY_VOLUME[d.city] >= 1.0) & (d.city != storm_city)
    lead &= ~((d.city == combo_city) & (d.partner == combo_partner))
    candidates = np.flatnonzero(lead) if lead.any() else np.flatnonzero(d.rank == 1)
    driver = int(rng.choice(candidates))

    span = d1 - d0
    storm_start = d0 + int(rng.integers(0, max(1, span - 16)))
    storm = (storm_start, min(d1, storm_start + 2))
    trend_start = d0 + round(span * rng.uniform(0.35, 0.55))

    planted = (
        Planted(
            "warehouse_stockout", "entity", "failure", "Stockout", 3.0, "add",
            {"warehouse_id": w_stock + 1},
            f"Warehouse {w_stock + 1} fails three times as often as the rest, through stockouts.",
            match={"warehouse": w_stock},
        ),
        Planted(
            "client_bad_addresses", "entity", "failure", "Incorrect address", 4.0, "add",
            {"client_id": client + 1},
            f"Client {client + 1}, one of the busiest, sends wrong addresses: its orders fail "
            "four times as often as the base rate, the extra failures all 'Incorrect address'.",
            match={"client": client},
        ),
        Planted(
            "driver_address_not_found", "entity", "failure", "Address not found", 5.0, "shift",
            {"driver_id": driver + 1},
            f"Driver {driver + 1} (a high-volume driver in {cities[int(d.city[driver])]}) "
            "reports 'Address not found' five times as often as others, while his overall "
            "failure rate stays ordinary (his other failure causes are correspondingly rarer).",
            match={"driver": driver},
        ),
        Planted(
            "partner_city_breakdowns", "combination", "failure", "Breakdown", 2.5, "add",
            {"partner_company": vocab.PARTNERS[combo_partner], "city": cities[combo_city]},
            f"{vocab.PARTNERS[combo_partner]} in {cities[combo_city]} fails 2.5 times as often "
            "(vehicle breakdowns); the partner elsewhere and the city's other partners are normal.",
            match={"partner": combo_partner, "city": combo_city},
        ),
        Planted(
            "rain_heavy_traffic_late", "combination", "late", "transit", 3.0, "add",
            {"weather_condition": "Rain", "traffic_condition": "Heavy"},
            "Rain together with heavy traffic makes deliveries late three times as often, with "
            "long transit (about 18 extra hours); rain alone or heavy traffic alone is normal.",
            match={"weather": vocab.WEATHER.index("Rain"), "traffic": vocab.TRAFFIC.index("Heavy")},
            delay_hours=18.0,
        ),
        Planted(
            "city_storm", "window", "failure", "Weather disruption", 5.0, "add",
            {"city": cities[storm_city]},
            f"A three-day storm in {cities[storm_city]} ({day_text(storm[0])} to "
            f"{day_text(storm[1])}): orders placed then record weather 'Storm' and fail five "
            "times as often, with 'Weather disruption'.",
            match={"city": storm_city},
            days=storm,
        ),
        Planted(
            "warehouse_slowdown", "trend", "late", "picking", 1.0, "trend",
            {"warehouse_id": w_trend + 1},
            f"Warehouse {w_trend + 1} gets slower from {day_text(trend_start)}: picking minutes "
            "grow 2% a day (capped at 6x) and its late rate grows with them.",
            match={"warehouse": w_trend},
            days=(trend_start, d1),
            trend_rate=0.02,
            trend_cap=6.0,
        ),
        Planted(
            "monday_stockouts", "recurring", "failure", "Stockout", 4.0, "add",
            {"warehouse_id": w_monday + 1, "weekday": 0},
            f"Warehouse {w_monday + 1} runs out of stock every Monday: its Monday orders fail "
            "four times as often, through stockouts.",
            match={"warehouse": w_monday, "weekday": 0},
        ),
        Planted(
            "evening_orders_late", "seasonal", "late", "dispatch", 2.0, "add",
            {"hour_range": [20, 23]},
            "Orders placed 20:00-23:59 miss the day's last dispatch and are late twice as "
            "often (dispatch stage).",
            hours=(20, 23),
        ),
    )  # fmt: skip
    return Plan(scenario, planted, True, True, d0, d1, *rates)
