"""Order attributes: when, where, for whom, through which warehouse, driver and route.

Orders are spread over the date span with a weekday profile (busier Mondays, quiet Sundays),
a gentle growth over the span and an hour-of-day profile (a morning and an evening peak); ids
follow the order date. Each order picks a city by volume, then a customer, warehouse (by
capacity), driver (skewed) and route of that city, and a client (skewed). The external
conditions (traffic, weather, event) are drawn independently per order, except where a
planted storm forces ``Storm`` on one city's orders for a few days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dfras.generate import vocab
from dfras.generate.causes import Plan
from dfras.generate.entities import CITY_VOLUME, N_CITIES, ROUTES_PER_CITY, World
from dfras.generate.sampling import (
    BoolArray,
    GroupSampler,
    IntArray,
    Streams,
    categorical,
)

DAY = 86_400
WEEKDAY_PROFILE = (1.10, 1.00, 1.00, 1.00, 1.05, 0.95, 0.80)  # Monday..Sunday
HOUR_PROFILE = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.3, 2.4,
    2.3, 2.1, 2.0, 1.9, 1.9, 2.0, 2.2, 2.4, 2.5, 2.3, 1.6, 0.9,
)  # fmt: skip
TRAFFIC_MIX = (0.45, 0.35, 0.20)  # Clear, Moderate, Heavy
WEATHER_MIX = (0.56, 0.25, 0.15, 0.04)  # Clear, Rain, Fog, Storm
EVENT_MIX = (0.76, 0.09, 0.08, 0.07)  # none, Festival, Holiday, Strike
OTHER_PHONE_STYLE_SHARE = 0.10
STORM = vocab.WEATHER.index("Storm")
RAIN = vocab.WEATHER.index("Rain")


@dataclass
class Orders:
    """One entry per order (index = order_id - 1); codes index the ``vocab`` tuples."""

    ts: IntArray  # order_date, epoch seconds
    day: IntArray  # epoch day of order_date
    weekday: IntArray  # 0 = Monday
    hour: IntArray
    city: IntArray
    customer: IntArray
    client: IntArray
    warehouse: IntArray
    driver: IntArray
    partner: IntArray
    route: IntArray
    phone_style: IntArray
    cod: BoolArray
    amount_paise: IntArray
    promised_days: IntArray
    traffic: IntArray
    weather: IntArray
    event: IntArray

    @property
    def count(self) -> int:
        return len(self.ts)

    def attribute(self, name: str) -> IntArray:
        """The integer-coded attribute a planted cause can condition on."""
        value: IntArray = getattr(self, name)
        return value


def planted_mask(
    orders: Orders,
    match: dict[str, int],
    hours: tuple[int, int] | None,
    days: tuple[int, int] | None,
) -> BoolArray:
    """Orders satisfying all conditions of a planted cause."""
    mask = np.ones(orders.count, dtype=bool)
    for name, value in match.items():
        mask &= orders.attribute(name) == value
    if hours is not None:
        mask &= (orders.hour >= hours[0]) & (orders.hour <= hours[1])
    if days is not None:
        mask &= (orders.day >= days[0]) & (orders.day <= days[1])
    return mask


def _timestamps(rng: np.random.Generator, n: int, first_day: int, last_day: int) -> IntArray:
    days = np.arange(first_day, last_day + 1)
    weekday = (days + 3) % 7
    growth = 1.0 + 0.25 * (days - first_day) / max(1, last_day - first_day)
    weights = np.asarray(WEEKDAY_PROFILE)[weekday] * growth
    day = days[categorical(rng, weights, n)]
    hour = categorical(rng, HOUR_PROFILE, n)
    ts = day * DAY + hour * 3600 + rng.integers(0, 3600, n)
    return np.sort(ts).astype(np.int64)


def build_orders(streams: Streams, n: int, world: World, plan: Plan) -> Orders:
    """Draw every order's attributes (vectorised)."""
    rng = streams.rng("orders")
    ts = _timestamps(rng, n, plan.start_day, plan.end_day)
    day = ts // DAY
    city = categorical(rng, CITY_VOLUME, n)

    k = world.customers
    customer = GroupSampler(k.city, k.weight, N_CITIES).draw(rng, city)
    w = world.warehouses
    warehouse = GroupSampler(w.city, w.capacity.astype(float), N_CITIES).draw(rng, city)
    d = world.drivers
    driver = GroupSampler(d.city, d.weight, N_CITIES).draw(rng, city)
    cum = np.cumsum(world.clients.weight)
    client = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    client = np.minimum(client, len(cum) - 1).astype(np.int64)

    style = k.phone_style[customer]
    other = rng.random(n) < OTHER_PHONE_STYLE_SHARE
    style = np.where(other, (style + rng.integers(1, 5, n)) % 5, style)

    rng = streams.rng("conditions")
    traffic = categorical(rng, TRAFFIC_MIX, n)
    weather = categorical(rng, WEATHER_MIX, n)
    event = categorical(rng, EVENT_MIX, n)
    for p in plan.planted:
        if p.kind == "window" and p.cause == "Weather disruption":
            storm = planted_mask_raw(day, city, p.match.get("city"), p.days)
            weather[storm] = np.where(rng.random(int(storm.sum())) < 0.95, STORM, RAIN)

    rng = streams.rng("order-values")
    return Orders(
        ts=ts,
        day=day,
        weekday=(day + 3) % 7,
        hour=(ts % DAY) // 3600,
        city=city,
        customer=customer,
        client=client,
        warehouse=warehouse,
        driver=driver,
        partner=d.partner[driver],
        route=city * ROUTES_PER_CITY + rng.integers(0, ROUTES_PER_CITY, n),
        phone_style=style,
        cod=rng.random(n) < 0.5,
        amount_paise=rng.integers(20_000, 500_001, n).astype(np.int64),
        promised_days=rng.integers(2, 6, n).astype(np.int64),
        traffic=traffic,
        weather=weather,
        event=event,
    )


def planted_mask_raw(
    day: IntArray, city: IntArray, city_code: int | None, days: tuple[int, int] | None
) -> BoolArray:
    """City-and-window mask used before the ``Orders`` object exists."""
    mask = np.ones(len(day), dtype=bool) if city_code is None else city == city_code
    if days is not None:
        mask &= (day >= days[0]) & (day <= days[1])
    return mask
