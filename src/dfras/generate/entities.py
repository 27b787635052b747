"""The master data of a synthetic world: cities, warehouses, clients, drivers, customers, routes.

Counts scale with the number of orders in the sample's ratios (clients ~ N/20, drivers ~ N/5,
50 warehouses, a customer pool of ~ N/3 so customers come back). Every warehouse, driver and
customer lives in one city; an order's warehouse, driver and customer come from its city.
Besides the CSV columns, each entity carries the hidden parameters the outcome model uses:
order weights (skewed, so some clients and drivers have many orders), a warehouse's median
queue, picking and dispatch times, a route's median transit time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dfras.generate import messiness as mess
from dfras.generate import vocab
from dfras.generate.sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    Streams,
    categorical,
    ranks_within_groups,
    zipf_weights,
)

N_CITIES = len(vocab.CITIES)
CITY_VOLUME = np.array([c[2] for c in vocab.CITIES], dtype=np.float64)
CITY_TRANSIT_H = np.array([c[3] for c in vocab.CITIES], dtype=np.float64)
ROUTES_PER_CITY = 10
CLIENT_ZIPF = 0.7
DRIVER_ZIPF = 0.9
CUSTOMER_ZIPF = 0.5
BAD_ADDRESS_CUSTOMER_SHARE = 0.03


@dataclass(frozen=True)
class Warehouses:
    city: IntArray
    capacity: IntArray
    queue_median_h: FloatArray
    pick_median_min: FloatArray
    dispatch_median_min: FloatArray
    pincode: pa.Array
    manager: pa.Array
    phone: pa.Array
    created: IntArray

    @property
    def count(self) -> int:
        return len(self.city)


@dataclass(frozen=True)
class Clients:
    weight: FloatArray
    name: pa.Array
    gst: pa.Array
    contact: pa.Array
    phone: pa.Array
    email: pa.Array
    line1: pa.Array
    line2: pa.Array
    city: IntArray
    pincode: pa.Array
    created: IntArray

    @property
    def count(self) -> int:
        return len(self.weight)


@dataclass(frozen=True)
class Drivers:
    city: IntArray
    partner: IntArray
    rank: IntArray
    weight: FloatArray
    active: BoolArray
    name: pa.Array
    phone: pa.Array
    license: pa.Array
    vehicle: pa.Array
    created: IntArray

    @property
    def count(self) -> int:
        return len(self.city)


@dataclass(frozen=True)
class Customers:
    city: IntArray
    weight: FloatArray
    bad_address: BoolArray
    name: pa.Array
    phone_digits: IntArray
    phone_style: IntArray
    line1: pa.Array
    line2: pa.Array
    pincode: pa.Array

    @property
    def count(self) -> int:
        return len(self.city)


@dataclass(frozen=True)
class World:
    warehouses: Warehouses
    clients: Clients
    drivers: Drivers
    customers: Customers
    route_transit_h: FloatArray  # median transit hours, index city * ROUTES_PER_CITY + j


def entity_counts(orders: int) -> dict[str, int]:
    """How many warehouses, clients, drivers and customers a run of ``orders`` orders has."""
    return {
        "warehouses": 50 if orders >= 500 else max(N_CITIES, orders // 10),
        "clients": max(5, orders // 20),
        "drivers": max(N_CITIES, orders // 5),
        "customers": max(4 * N_CITIES, orders // 3),
    }


def _cities(rng: np.random.Generator, count: int) -> IntArray:
    """A city per entity: one in every city first, the rest in proportion to order volume."""
    first = rng.permutation(N_CITIES)[: min(count, N_CITIES)]
    rest = categorical(rng, CITY_VOLUME, max(0, count - N_CITIES))
    return np.concatenate([first, rest]).astype(np.int64)


def _created(rng: np.random.Generator, size: int, before: int) -> IntArray:
    """Creation timestamps spread over the years before ``before`` (epoch seconds)."""
    earliest = before - 5 * 365 * 86_400
    return rng.integers(earliest, before - 30 * 86_400, size=size, dtype=np.int64)


def _phones(rng: np.random.Generator, size: int) -> pa.Array:
    return mess.format_phones(mess.phone_numbers(rng, size), mess.phone_styles(rng, size))


def build_world(streams: Streams, orders: int, start_ts: int, *, heterogeneous: bool) -> World:
    """All master data for a run; ``heterogeneous=False`` gives every site the same norms."""
    counts = entity_counts(orders)
    pool = min(500, 20 + orders // 500)  # pincodes per city
    rng = streams.rng("pincode-pool")
    pool_codes = mess.pincodes(rng, N_CITIES * pool)

    def city_pincodes(r: np.random.Generator, city: IntArray) -> pa.Array:
        return pool_codes.take(pa.array(city * pool + r.integers(0, pool, len(city))))

    # warehouses
    rng = streams.rng("warehouses")
    n = counts["warehouses"]
    w_city = _cities(rng, n)
    if heterogeneous:
        queue_h = rng.uniform(6.0, 16.0, n)
        pick_min = rng.uniform(10.0, 20.0, n)
        dispatch_min = rng.uniform(30.0, 60.0, n)
    else:
        queue_h, pick_min, dispatch_min = np.full(n, 10.0), np.full(n, 15.0), np.full(n, 45.0)
    warehouses = Warehouses(
        city=w_city,
        capacity=rng.integers(500, 1601, n).astype(np.int64),
        queue_median_h=queue_h,
        pick_median_min=pick_min,
        dispatch_median_min=dispatch_min,
        pincode=city_pincodes(rng, w_city),
        manager=mess.person_names(rng, n),
        phone=_phones(rng, n),
        created=_created(rng, n, start_ts),
    )

    # clients
    rng = streams.rng("clients")
    n = counts["clients"]
    c_city = categorical(rng, CITY_VOLUME, n)
    state = [vocab.CITY_STATES[c] for c in range(N_CITIES)]
    gst_state = mess.from_vocab(tuple(vocab.STATE_GST_CODE[s] for s in state), c_city)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    pan = pa.array(["".join(r) for r in letters[rng.integers(0, 26, (n, 6))].tolist()])
    ids = np.arange(1, n + 1)
    gst = mess.join(
        gst_state,
        pc.utf8_slice_codeunits(pan, 0, 5),
        mess.int_text(ids, 4),
        pc.utf8_slice_codeunits(pan, 5, 6),
        "1Z",
        mess.int_text(ids % 10),
    )
    surnames = [
        mess.from_vocab(vocab.LAST_NAMES, rng.integers(0, len(vocab.LAST_NAMES), n))
        for _ in range(3)
    ]
    patterns = []
    for p in vocab.CLIENT_NAME_PATTERNS:
        pieces: list[pa.Array | str] = []
        rest = p
        while "{" in rest:
            head, _, tail = rest.partition("{")
            if head:
                pieces.append(head)
            pieces.append(surnames[int(tail[0])])
            rest = tail[2:]
        if rest:
            pieces.append(rest)
        patterns.append(mess.join(*pieces))
    name = mess.pick(patterns, rng.integers(0, len(patterns), n))
    contact = mess.person_names(rng, n)
    line1, line2 = mess.addresses(rng, n, 0.5)
    clients = Clients(
        weight=zipf_weights(rng.permutation(n) + 1, CLIENT_ZIPF),
        name=name,
        gst=gst,
        contact=contact,
        phone=_phones(rng, n),
        email=mess.emails(rng, contact),
        line1=line1,
        line2=line2,
        city=c_city,
        pincode=city_pincodes(rng, c_city),
        created=_created(rng, n, start_ts),
    )

    # drivers
    rng = streams.rng("drivers")
    n = counts["drivers"]
    d_city = _cities(rng, n)
    d_rank = ranks_within_groups(rng, d_city)
    ids = np.arange(1, n + 1)
    vehicle_state = tuple(vocab.STATE_VEHICLE_CODE[s] for s in state)
    letter_pairs = pa.array(["".join(p) for p in letters[rng.integers(0, 26, (n, 2))].tolist()])
    drivers = Drivers(
        city=d_city,
        partner=rng.integers(0, len(vocab.PARTNERS), n).astype(np.int64),
        rank=d_rank,
        weight=zipf_weights(d_rank, DRIVER_ZIPF),
        active=rng.random(n) < 0.6,
        name=mess.person_names(rng, n),
        phone=_phones(rng, n),
        license=mess.join(
            "DL", mess.int_text(ids, 4), mess.int_text(rng.integers(0, 10_000, n), 4)
        ),
        vehicle=mess.join(
            mess.from_vocab(vehicle_state, d_city),
            mess.int_text(rng.integers(1, 100, n), 2),
            letter_pairs,
            mess.int_text(rng.integers(0, 10_000, n), 4),
        ),
        created=_created(rng, n, start_ts),
    )

    # customers (the people orders are delivered to; they repeat across orders)
    rng = streams.rng("customers")
    n = counts["customers"]
    k_city = _cities(rng, n)
    line1, line2 = mess.addresses(rng, n, 0.5)
    customers = Customers(
        city=k_city,
        weight=zipf_weights(ranks_within_groups(rng, k_city), CUSTOMER_ZIPF),
        bad_address=(rng.random(n) < BAD_ADDRESS_CUSTOMER_SHARE) & heterogeneous,
        name=mess.person_names(rng, n),
        phone_digits=mess.phone_numbers(rng, n),
        phone_style=mess.phone_styles(rng, n),
        line1=line1,
        line2=line2,
        pincode=city_pincodes(rng, k_city),
    )

    rng = streams.rng("routes")
    factor = rng.uniform(0.6, 1.5, N_CITIES * ROUTES_PER_CITY) if heterogeneous else 1.0
    base = np.repeat(CITY_TRANSIT_H if heterogeneous else np.full(N_CITIES, 5.0), ROUTES_PER_CITY)
    return World(warehouses, clients, drivers, customers, base * factor)
