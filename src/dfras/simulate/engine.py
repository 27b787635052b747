"""The Monte Carlo engine: vectorised, seeded draws of a period's orders and outcomes.

One run is one possible month. Nothing is drawn per order: per run the engine draws

1. parameters from their posteriors — each city's volume level (Gamma × the month-ahead
   forecast error), each unit's outcome rates (Beta) shifted by a month effect per city
   (logit-normal), the condition ratios of a festival or weather period (log-normal);
2. orders per site (a warehouse, or a city's orders with no warehouse log) and day (Poisson
   around level × weekday × uplift × a Gamma day factor per city, so days vary more than
   Poisson when history says they do), the new client's orders likewise, and each site's
   month split over its (city × warehouse) units in proportion to their means;
3. warehouse load per day against capacity: what a warehouse cannot take today waits for
   tomorrow (first in, first out); every order-day of waiting may make an otherwise on-time
   order late (the share of on-time deliveries with under a day of slack) or fail (the
   fitted failure excess of orders that waited a day or more);
4. each unit's month of orders split over its partners (binomial chain), and outcomes per
   cell: failed, then returned, then delivered late, as a binomial chain with the drawn rates.

Runs are processed in chunks (a few hundred MB at most, whatever ``runs``), each from its own
seed streams, so a baseline and a scenario with the same seed share their parameter and volume
draws (common random numbers): their difference has far less noise than either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from dfras.simulate.model import FittedModel

STATS = ("orders", "failed", "returned", "late")
CHUNK = 2000
CHUNK_CELLS = 8_000_000


@dataclass
class SimSpec:
    """One simulated period: the model's inputs as a scenario changed them."""

    start: date
    days: int
    uplift: np.ndarray  # (D,) volume multiplier of existing orders
    period: np.ndarray  # (D,) bool: festival / weather days
    period_log_ratio: np.ndarray  # (3,) log rate ratio on period days
    period_log_sd: np.ndarray  # (3,)
    capacity: np.ndarray  # (W,)
    unit_share: np.ndarray  # (U,) existing orders' share of their city
    cell_unit: np.ndarray  # (K,)
    cell_partner: np.ndarray  # (K,)
    cell_share: np.ndarray  # (K,)
    cell_mult: np.ndarray  # (K, 3)
    fail_mult_city: np.ndarray  # (C,) failure-rate multiplier (cause-rate scenarios)
    client_unit_daily: np.ndarray  # (U,) new client's mean orders per day per unit
    client_from: int = 0  # first day index the client ships
    client_ratio: np.ndarray = field(default_factory=lambda: np.ones(3))
    client_volume_sd: float = 0.0

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


@dataclass
class RunArrays:
    """Per-run results: counts per city, warehouse and partner, and capacity events."""

    city: np.ndarray  # (R, C, 4) orders, failed, returned, late
    warehouse: np.ndarray  # (R, W, 4)
    partner: np.ndarray  # (R, P, 4)
    over_days: np.ndarray  # (R, W) days with arrivals + backlog above capacity
    first_over: np.ndarray  # (R, W) first such day index, -1 if none
    peak_ratio: np.ndarray  # (R, W) busiest day's arrivals / capacity
    overload: np.ndarray  # (R, W, 2) orders made failed / late by waiting

    @property
    def total(self) -> np.ndarray:
        out: np.ndarray = self.city.sum(axis=1)
        return out


def base_spec(model: FittedModel, start: date, days: int) -> SimSpec:
    """The status quo for ``days`` days from ``start``: no change at all."""
    return SimSpec(
        start=start,
        days=days,
        uplift=np.ones(days),
        period=np.zeros(days, dtype=bool),
        period_log_ratio=np.zeros(3),
        period_log_sd=np.zeros(3),
        capacity=np.array([w.capacity for w in model.warehouses], dtype=float),
        unit_share=model.unit_share.copy(),
        cell_unit=model.cell_unit.copy(),
        cell_partner=model.cell_partner.copy(),
        cell_share=model.cell_share.copy(),
        cell_mult=model.cell_mult.copy(),
        fail_mult_city=np.ones(len(model.cities)),
        client_unit_daily=np.zeros(model.units),
    )


def simulate_runs(model: FittedModel, spec: SimSpec, *, runs: int, seed: int) -> RunArrays:
    """``runs`` Monte Carlo runs of ``spec`` (deterministic for a given seed)."""
    parts: list[RunArrays] = []
    done = 0
    chunk_no = 0
    # runs per chunk: at most CHUNK, fewer for wide models, so a chunk's site-day and cell
    # arrays stay near CHUNK_CELLS numbers; depends on the model and the days only, so a
    # baseline and its scenario split their runs alike (common random numbers)
    width = (len(model.warehouses) + len(model.cities)) * spec.days + 8 * len(model.cell_unit)
    size = max(50, min(CHUNK, CHUNK_CELLS // max(1, width)))
    while done < runs:
        n = min(size, runs - done)
        parts.append(_chunk(model, spec, n, seed, chunk_no))
        done += n
        chunk_no += 1
    return RunArrays(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in RunArrays.__dataclass_fields__)
    )


def _rng(seed: int, chunk: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, chunk, stream]))


def _chunk(model: FittedModel, spec: SimSpec, R: int, seed: int, chunk: int) -> RunArrays:
    C, U, W, P = len(model.cities), model.units, len(model.warehouses), len(model.partners)
    D, K = spec.days, len(spec.cell_unit)
    dates = spec.dates
    dow = np.array([d.weekday() for d in dates])
    weekday = model.weekday[dow]

    # 1. parameters
    rp = _rng(seed, chunk, 1)
    shape = model.level_shape
    level_f = rp.gamma(shape, 1.0 / shape, size=(R, C))
    sd = model.volume_sd
    level_f *= np.exp(sd * rp.standard_normal((R, C)) - sd * sd / 2)
    rates = rp.beta(model.unit_a, model.unit_b, size=(R, U, 3))
    month = rp.standard_normal((R, C, 3)) * model.tau
    period_ratio = np.exp(spec.period_log_ratio + spec.period_log_sd * rp.standard_normal((R, 3)))
    f0, n0, f1, n1 = model.wait_fail
    wait_excess = np.maximum(
        rp.beta(f1 + 0.5, n1 - f1 + 0.5, size=R) - rp.beta(f0 + 0.5, n0 - f0 + 0.5, size=R), 0.0
    )
    client_f = np.exp(spec.client_volume_sd * rp.standard_normal(R) - spec.client_volume_sd**2 / 2)

    # 2. orders per unit and day
    rv = _rng(seed, chunk, 2)
    finite = np.isfinite(model.day_shape)
    day_f = np.ones((R, C, D))
    if finite.any():
        ds = model.day_shape[finite]
        day_f[:, finite, :] = rv.gamma(
            ds[None, :, None], 1.0 / ds[None, :, None], (R, int(finite.sum()), D)
        )
    city_mean = (model.level * level_f)[:, :, None] * day_f * (weekday * spec.uplift)[None, None, :]
    uc = model.unit_city
    # orders are drawn per site and day — a warehouse, or a city's orders without one — and
    # split over the site's units (cities) per month: a sum of Poissons is Poisson, and a
    # Poisson split in proportion to its means is a multinomial, so this is exact and costs
    # sites × days instead of (city × warehouse) units × days
    site = np.where(model.unit_wh >= 0, model.unit_wh, W + uc)
    S = W + C
    to_site = np.zeros((C, S))
    np.add.at(to_site, (uc, site), spec.unit_share)
    mu = np.matmul(city_mean.transpose(0, 2, 1), to_site).transpose(0, 2, 1)  # (R, S, D)
    load_exist = rv.poisson(mu)
    rc = _rng(seed, chunk, 3)
    load_client = np.zeros_like(load_exist)
    client_site = np.zeros(S)
    np.add.at(client_site, site, spec.client_unit_daily)
    on_days = (np.arange(D) >= spec.client_from).astype(float)
    cs = np.flatnonzero(client_site > 0)
    if cs.size:
        mu_c = client_site[cs][None, :, None] * (weekday * on_days)[None, None, :]
        load_client[:, cs, :] = rc.poisson(mu_c * client_f[:, None, None])

    # 3. capacity: backlog per warehouse and day
    load_w = (load_exist + load_client)[:, :W, :]
    cap = spec.capacity[None, :]
    backlog = np.zeros((R, W))
    c1 = np.zeros((R, W))
    c2 = np.zeros((R, W))
    over_days = np.zeros((R, W), dtype=np.int32)
    first_over = np.full((R, W), -1, dtype=np.int32)
    peak = np.zeros((R, W))
    for d in range(D):
        todo = backlog + load_w[:, :, d]
        peak = np.maximum(peak, load_w[:, :, d] / cap)
        over = todo > cap
        over_days += over
        first_over = np.where((first_over < 0) & over, d, first_over)
        old = np.maximum(backlog - cap, 0.0)
        backlog = np.maximum(todo - cap, 0.0)
        c2 += old
        c1 += backlog - old

    # month totals per site and group, (existing, client) × (normal, period), split to units
    pd_ = spec.period
    ru = _rng(seed, chunk, 6)
    groups = np.zeros((R, model.units, 4))
    for g, (load, days) in enumerate(
        ((load_exist, ~pd_), (load_exist, pd_), (load_client, ~pd_), (load_client, pd_))
    ):
        totals = load[:, :, days].sum(axis=2)
        if not totals.any():
            continue
        if g < 2:
            weight = city_mean[:, :, days].sum(axis=2)[:, uc] * spec.unit_share[None, :]
        else:
            weight = np.broadcast_to(
                spec.client_unit_daily * float((weekday * on_days)[days].sum()), (R, model.units)
            )
        groups[:, :, g] = _chain(ru, totals[:, :, None], site, np.ascontiguousarray(weight))[..., 0]

    # 4. partner split and outcomes (only the groups that have orders)
    active = [g for g in range(4) if groups[:, :, g].any()] or [0]
    groups = np.ascontiguousarray(groups[:, :, active]).astype(np.int64)
    rs = _rng(seed, chunk, 4)
    n = _split(rs, groups, spec)  # (R, K, G)
    logit = np.log(rates / (1 - rates)) + month[:, uc, :]
    unit_p = 1.0 / (1.0 + np.exp(-logit))  # (R, U, 3)
    p = unit_p[:, spec.cell_unit, :] * spec.cell_mult[None, :, :]
    p[:, :, 0] *= spec.fail_mult_city[uc[spec.cell_unit]][None, :]
    factors = {
        0: None,
        1: period_ratio[:, None, :],
        2: spec.client_ratio[None, None, :],
        3: spec.client_ratio[None, None, :] * period_ratio[:, None, :],
    }
    ro = _rng(seed, chunk, 5)
    cell_counts = np.zeros((R, K, 4))
    for i, g in enumerate(active):
        f = factors[g]
        pg = p if f is None else p * f
        pg = np.clip(pg, 0.0, 0.95)
        tot = pg.sum(axis=2, keepdims=True)
        if tot.max() > 0.98:
            pg = np.where(tot > 0.98, pg * (0.98 / np.maximum(tot, 1e-12)), pg)
        ng = n[:, :, i]
        failed = ro.binomial(ng, pg[..., 0])
        rest = ng - failed
        returned = ro.binomial(rest, np.minimum(pg[..., 1] / (1 - pg[..., 0]), 1.0))
        rest = rest - returned
        late = ro.binomial(rest, np.minimum(pg[..., 2] / (1 - pg[..., 0] - pg[..., 1]), 1.0))
        cell_counts[:, :, 0] += ng
        cell_counts[:, :, 1] += failed
        cell_counts[:, :, 2] += returned
        cell_counts[:, :, 3] += late

    # overload: waiting orders that become late or fail, per warehouse → its units → cells
    unit_counts = _to_units(cell_counts, spec.cell_unit, U)  # (R, U, 4)
    has_wh = model.unit_wh >= 0
    wh_counts = _group(unit_counts[:, has_wh, :], model.unit_wh[has_wh], W)
    ontime = np.maximum(wh_counts[..., 0] - wh_counts[..., 1:].sum(axis=2), 0.0)
    q = ontime / np.maximum(wh_counts[..., 0], 1.0)
    h2 = (model.slack_2d - model.slack_1d) / max(1.0 - model.slack_1d, 1e-9)
    xl = ro.binomial(c1.astype(np.int64), np.clip(q * model.slack_1d, 0, 1))
    xl += ro.binomial(c2.astype(np.int64), np.clip(q * h2, 0, 1))
    xf = ro.binomial(c1.astype(np.int64), np.clip(q * wait_excess[:, None], 0, 1))
    xf = np.minimum(xf, ontime)
    xl = np.minimum(xl, ontime - xf)
    overload = np.stack([xf, xl], axis=2).astype(float)
    # each warehouse's extras go to its units in proportion to their orders (binomial chain)
    extra_u = np.zeros((R, U, 2))
    if overload.any():
        extra_u = _chain(rs, overload, model.unit_wh, unit_counts[:, :, 0])
    # … and within a unit to its cells by their on-time deliveries (never to '(none)': orders
    # with no fleet log, which are not delivered)
    delivering = np.array([model.partners[p] != "(none)" for p in spec.cell_partner])
    ontime_cells = cell_counts[..., 0] - cell_counts[..., 1:].sum(axis=2)
    extra_cells = np.zeros((R, K, 2))
    if extra_u.any():
        extra_cells = _chain(
            rs, extra_u, spec.cell_unit, np.maximum(ontime_cells, 0.0) * delivering[None, :]
        )
    cell_counts[:, :, 1] += extra_cells[:, :, 0]
    cell_counts[:, :, 3] += extra_cells[:, :, 1]

    # aggregate
    city_of_cell = uc[spec.cell_unit]
    wh_of_cell = model.unit_wh[spec.cell_unit]
    city = _group(cell_counts, city_of_cell, C)
    partner = _group(cell_counts, spec.cell_partner, P)
    warehouse = _group(cell_counts[:, wh_of_cell >= 0, :], wh_of_cell[wh_of_cell >= 0], W)
    return RunArrays(
        city=city,
        warehouse=warehouse,
        partner=partner,
        over_days=over_days,
        first_over=first_over,
        peak_ratio=peak,
        overload=overload,
    )


def _split(rng: np.random.Generator, counts: np.ndarray, spec: SimSpec) -> np.ndarray:
    """Split per-unit counts (R, U, G) over each unit's cells by their shares (binomial chain,
    i.e. a multinomial draw per unit): (R, K, G)."""
    R, U, G = counts.shape
    K = len(spec.cell_unit)
    out = np.zeros((R, K, G), dtype=np.int64)
    order = np.argsort(spec.cell_unit, kind="stable")
    rank = np.zeros(K, dtype=np.int64)
    seen: dict[int, int] = {}
    for k in order:
        u = int(spec.cell_unit[k])
        rank[k] = seen.get(u, 0)
        seen[u] = rank[k] + 1
    share_left = np.zeros(U)
    np.add.at(share_left, spec.cell_unit, spec.cell_share)
    remaining = counts.astype(np.int64)
    for j in range(int(rank.max()) + 1 if K else 0):
        ks = np.flatnonzero(rank == j)
        us = spec.cell_unit[ks]
        last = np.array([seen[int(u)] == j + 1 for u in us])
        prob = np.where(last, 1.0, spec.cell_share[ks] / np.maximum(share_left[us], 1e-12))
        draw = rng.binomial(remaining[:, us, :], np.clip(prob, 0, 1)[None, :, None])
        out[:, ks, :] = draw
        remaining[:, us, :] -= draw
        share_left[us] -= spec.cell_share[ks]
    return out


def _chain(
    rng: np.random.Generator, totals: np.ndarray, parent: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Split per-parent counts (R, W, S) over children (parent index per child, -1 = none) in
    proportion to per-run weights (R, U): a multinomial per parent as a binomial chain."""
    R, _, S = totals.shape
    U = len(parent)
    out = np.zeros((R, U, S))
    remaining = totals.astype(np.int64)
    weight_left = _group(weight[:, parent >= 0, None], parent[parent >= 0], totals.shape[1])[..., 0]
    rank = np.full(U, -1)
    seen: dict[int, int] = {}
    for u in range(U):
        if parent[u] >= 0:
            rank[u] = seen.get(int(parent[u]), 0)
            seen[int(parent[u])] = rank[u] + 1
    for j in range(int(rank.max()) + 1):
        us = np.flatnonzero(rank == j)
        ws = parent[us]
        share = weight[:, us] / np.maximum(weight_left[:, ws], 1e-12)
        draw = rng.binomial(remaining[:, ws, :], np.clip(share, 0, 1)[:, :, None])
        out[:, us, :] = draw
        remaining[:, ws, :] -= draw
        weight_left[:, ws] -= weight[:, us]
    return out


def _to_units(cells: np.ndarray, cell_unit: np.ndarray, U: int) -> np.ndarray:
    return _group(cells, cell_unit, U)


def _group(values: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """Sum (R, K, S) over K into (R, size, S) by ``index`` (sorted, then ``add.reduceat``)."""
    R, K, S = values.shape
    out = np.zeros((R, size, S))
    if K == 0:
        return out
    order = np.argsort(index, kind="stable")
    idx = index[order]
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    out[:, idx[starts], :] = np.add.reduceat(values[:, order, :].astype(float), starts, axis=1)
    return out
