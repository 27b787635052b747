"""The fitted model the simulation draws from: volumes, outcome rates, capacity, sensitivities.

Everything is estimated from the delivery fact (aggregates from :mod:`dfras.query.simulation`)
on data before a cut-off day, so the same fit serves a forecast (cut-off = the day after the
as-of day) and a backtest (cut-off = any earlier day). What is fitted, and why:

- **volume**: orders per city per day over the last 28 days, adjusted for a weekday profile
  (182 days), as a Gamma posterior on the daily level; day-to-day over-dispersion (a Gamma day
  factor per city and day); and the month-ahead forecast error measured on the data's own
  history (each earlier month forecast from the 28 days before it), beyond Poisson noise;
- **where orders go**: shares of each city's orders per warehouse ("unit") and, within a unit,
  per partner;
- **outcome rates** per order placed (failed, returned, delivered late), settled orders only:
  per unit a Beta posterior shrunk towards its city (32 pseudo-orders), per partner in a unit a
  multiplier shrunk towards 1; a month-level random effect on the logit scale whose spread
  is the month-to-month variation beyond binomial noise seen in history;
- **capacity** per warehouse (see :func:`_capacity`), and the load → delay → outcome link: how
  much slack on-time deliveries had (a day's wait makes the ones with under a day late) and the
  failure rate of orders that waited a day or more in the warehouse against the rest;
- **conditions**: rate ratios of orders tagged with an event or weather, and of COD orders, and
  the cause mix of failed orders per city.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from dfras.domain.errors import UserError
from dfras.query import simulation as q

if TYPE_CHECKING:
    from dfras.store.base import Store

OUTCOMES = ("failed", "returned", "late")
LEVEL_DAYS = 28
PROFILE_DAYS = 182
#: the rates window: at most this many days of settled orders
RATE_DAYS = 365
#: orders younger than this (before the data's as-of day) may still be open: not used for rates
SETTLE_DAYS = 21
UNIT_PRIOR = 32.0
PARTNER_PRIOR = 30.0


@dataclass
class Warehouse:
    """A warehouse as the simulation sees it: where it is and what it can handle per day."""

    warehouse_id: int
    name: str
    city: str | None
    stated_capacity: int | None
    peak_daily: int
    mean_daily: float
    capacity: float
    capacity_source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "warehouse_id": self.warehouse_id,
            "name": self.name,
            "city": self.city,
            "stated_capacity": self.stated_capacity,
            "observed_peak_daily": self.peak_daily,
            "observed_mean_daily": round(self.mean_daily, 2),
            "capacity_per_day": round(self.capacity, 1),
            "capacity_source": self.capacity_source,
        }


@dataclass
class Ratio:
    """A rate ratio of one condition level against the rest, per outcome, with its log sd."""

    level: str
    orders: int
    ratio: dict[str, float]
    log_sd: dict[str, float]
    rate: dict[str, float]


@dataclass
class FittedModel:
    """What the Monte Carlo engine draws from (see the module docstring)."""

    cutoff: date
    rate_window: tuple[date, date]
    cities: list[str]
    level: np.ndarray  # (C,) orders per day, weekday-adjusted
    level_shape: np.ndarray  # (C,) Gamma posterior shape of the level (scale = level/shape)
    weekday: np.ndarray  # (7,) multipliers, Monday first, mean 1
    volume_sd: float  # month-ahead log-volume forecast error beyond Poisson
    day_shape: np.ndarray  # (C,) Gamma shape of the day factor (inf = Poisson only)
    warehouses: list[Warehouse]
    unit_city: np.ndarray  # (U,) city index
    unit_wh: np.ndarray  # (U,) warehouse index or -1 (orders with no warehouse log)
    unit_share: np.ndarray  # (U,) share of its city's orders
    partners: list[str]
    cell_unit: np.ndarray  # (K,) unit index
    cell_partner: np.ndarray  # (K,) partner index
    cell_share: np.ndarray  # (K,) share of its unit's orders
    cell_mult: np.ndarray  # (K, 3) rate multiplier against the unit's rate
    unit_a: np.ndarray  # (U, 3) Beta posterior a per outcome
    unit_b: np.ndarray  # (U, 3) Beta posterior b per outcome
    tau: np.ndarray  # (3,) month random effect sd, logit scale
    slack_1d: float  # share of on-time deliveries with under a day of slack
    slack_2d: float  # share with under two days
    wait_fail: tuple[float, float, float, float]  # failed, orders: waited < 1 day; >= 1 day
    conditions: dict[str, dict[str, Ratio]] = field(default_factory=dict)
    cause_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    cause_source: str = "recorded failure_reason"
    festival_days: list[date] = field(default_factory=list)
    festival_uplift: tuple[float, float, int] = (1.0, 0.0, 0)  # ratio, log sd, days seen

    @property
    def units(self) -> int:
        return len(self.unit_city)

    def warehouse_index(self, warehouse_id: int) -> int:
        for i, w in enumerate(self.warehouses):
            if w.warehouse_id == warehouse_id:
                return i
        raise UserError(
            f"no warehouse {warehouse_id} in the data",
            hint="warehouse ids: " + ", ".join(str(w.warehouse_id) for w in self.warehouses[:20]),
        )

    def city_index(self, city: str) -> int:
        for i, c in enumerate(self.cities):
            if c.lower() == city.strip().lower():
                return i
        raise UserError(
            f"no city named {city!r} in the data", hint="cities: " + ", ".join(self.cities)
        )

    def partner_index(self, partner: str) -> int:
        for i, p in enumerate(self.partners):
            if p.lower() == partner.strip().lower():
                return i
        raise UserError(
            f"no partner named {partner!r} in the data",
            hint="partners: " + ", ".join(p for p in self.partners if p != "(none)"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The fitted inputs in words and numbers (what a reader needs to check a result)."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "rate_window": [d.isoformat() for d in self.rate_window],
            "daily_orders_by_city": {
                c: round(float(v), 2) for c, v in zip(self.cities, self.level, strict=True)
            },
            "weekday_profile": [round(float(x), 3) for x in self.weekday],
            "volume_forecast_sd": round(self.volume_sd, 3),
            "month_effect_sd": {
                o: round(float(t), 3) for o, t in zip(OUTCOMES, self.tau, strict=True)
            },
            "slack_under_1_day": round(self.slack_1d, 3),
            "slack_under_2_days": round(self.slack_2d, 3),
            "failure_rate_waited_under_1_day": _rate(self.wait_fail[0], self.wait_fail[1]),
            "failure_rate_waited_1_day_or_more": _rate(self.wait_fail[2], self.wait_fail[3]),
            "festival_volume_uplift": round(self.festival_uplift[0], 3),
            "festival_days_seen": self.festival_uplift[2],
            "cause_source": self.cause_source,
            "warehouses": [w.to_dict() for w in self.warehouses],
        }


def _rate(k: float, n: float) -> float | None:
    return round(k / n, 4) if n else None


def fit_model(
    store: Store, *, cutoff: date | None = None, calendar_days: list[date] | None = None
) -> FittedModel:
    """Fit on orders placed before ``cutoff`` (default: the day after the last order day)."""
    first, last, n = store.fetchall(q.DATA_SPAN)[0]
    if not n:
        raise UserError("the store holds no orders", hint="import data first: dfras ingest PATH")
    first, last = _as_date(first), _as_date(last)
    cutoff = cutoff or last + timedelta(days=1)
    if cutoff <= first + timedelta(days=LEVEL_DAYS):
        raise UserError(
            f"cannot fit before {cutoff}: the data starts on {first}, and the simulation needs "
            f"at least {LEVEL_DAYS} days of orders before the cut-off",
            hint=f"use a date after {first + timedelta(days=LEVEL_DAYS)}",
        )
    rate_end = min(cutoff, last + timedelta(days=1) - timedelta(days=SETTLE_DAYS))
    rate_start = max(first, rate_end - timedelta(days=RATE_DAYS))
    if rate_end <= rate_start:
        rate_end = cutoff
    win = [rate_start.isoformat(), rate_end.isoformat()]

    city_days = store.fetchall(
        q.CITY_DAYS,
        [max(first, cutoff - timedelta(days=RATE_DAYS)).isoformat(), cutoff.isoformat()],
    )
    cities = sorted({str(r[0]) for r in city_days})
    cix = {c: i for i, c in enumerate(cities)}
    weekday, level, shape, day_shape, volume_sd = _volume(city_days, cities, cutoff)

    cells = store.fetchall(q.CELLS, win)
    warehouses = _warehouses(store, win, cells)
    wix = {w.warehouse_id: i for i, w in enumerate(warehouses)}
    partners = sorted({str(r[2]) for r in cells})
    pix = {p: i for i, p in enumerate(partners)}

    units: dict[tuple[int, int], int] = {}
    for city, wid, *_ in cells:
        if city in cix:
            units.setdefault((cix[city], wix[int(wid)] if wid is not None else -1), len(units))
    # every city gets at least one unit, even with no settled orders
    for c in range(len(cities)):
        if not any(k[0] == c for k in units):
            units[(c, -1)] = len(units)
    U = len(units)
    unit_city = np.array([k[0] for k in units], dtype=np.int64)
    unit_wh = np.array([k[1] for k in units], dtype=np.int64)
    counts = np.zeros((U, 4))
    cell_rows: list[tuple[int, int, np.ndarray]] = []
    for city, wid, partner, orders, failed, returned, late in cells:
        if city not in cix:
            continue
        u = units[(cix[city], wix[int(wid)] if wid is not None else -1)]
        row = np.array([orders, failed, returned, late], dtype=float)
        counts[u] += row
        cell_rows.append((u, pix[str(partner)], row))

    # unit shares of the city's orders, and unit rates shrunk towards the city's
    unit_share = np.zeros(U)
    unit_a = np.zeros((U, 3))
    unit_b = np.zeros((U, 3))
    for c in range(len(cities)):
        members = np.flatnonzero(unit_city == c)
        tot = counts[members, 0].sum()
        unit_share[members] = (counts[members, 0] + 0.5) / (tot + 0.5 * len(members))
        city_rate = (counts[members, 1:].sum(axis=0) + 0.5) / (tot + 1.0)
        unit_a[members] = counts[members, 1:] + UNIT_PRIOR * city_rate
        unit_b[members] = counts[members, :1] - counts[members, 1:] + UNIT_PRIOR * (1 - city_rate)

    unit_rate = unit_a / (unit_a + unit_b)
    cell_unit = np.array([r[0] for r in cell_rows], dtype=np.int64)
    cell_partner = np.array([r[1] for r in cell_rows], dtype=np.int64)
    cell_n = np.array([r[2][0] for r in cell_rows])
    cell_k = np.array([r[2][1:] for r in cell_rows]).reshape(-1, 3)
    cell_share = cell_n / np.maximum(counts[cell_unit, 0], 1.0)
    prior = PARTNER_PRIOR * unit_rate[cell_unit]
    cell_mult = ((cell_k + prior) / (cell_n[:, None] + PARTNER_PRIOR)) / unit_rate[cell_unit]
    # units without settled orders: one pseudo-cell
    for u in range(U):
        if not np.any(cell_unit == u):
            cell_unit = np.append(cell_unit, u)
            cell_partner = np.append(cell_partner, pix.setdefault("(none)", len(pix)))
            cell_share = np.append(cell_share, 1.0)
            cell_mult = np.vstack([cell_mult, np.ones((1, 3))])
    partners = sorted(pix, key=lambda p: pix[p])

    tau = _month_effect(store.fetchall(q.CITY_MONTHS, win), cix, counts, unit_city)
    slack = dict(store.fetchall(q.SLACK, win))
    total_ontime = max(sum(slack.values()), 1)
    slack_1d = slack.get(0, 0) / total_ontime
    slack_2d = (slack.get(0, 0) + slack.get(1, 0)) / total_ontime
    waits = {int(r[0]): r for r in store.fetchall(q.WAIT_BINS, win)}
    short, long1, long2 = (waits.get(i, (i, 0, 0, 0, 0)) for i in range(3))
    wait_fail = (
        float(short[2]),
        float(short[1]),
        float(long1[2] + long2[2]),
        float(long1[1] + long2[1]),
    )
    model = FittedModel(
        cutoff=cutoff,
        rate_window=(rate_start, rate_end),
        cities=cities,
        level=level,
        level_shape=shape,
        weekday=weekday,
        volume_sd=volume_sd,
        day_shape=day_shape,
        warehouses=warehouses,
        unit_city=unit_city,
        unit_wh=unit_wh,
        unit_share=unit_share,
        partners=partners,
        cell_unit=cell_unit,
        cell_partner=cell_partner,
        cell_share=cell_share,
        cell_mult=cell_mult,
        unit_a=unit_a,
        unit_b=unit_b,
        tau=tau,
        slack_1d=slack_1d,
        slack_2d=slack_2d,
        wait_fail=wait_fail,
    )
    for column in ("event_type", "weather_condition", "payment_mode"):
        model.conditions[column] = _ratios(store.fetchall(q.condition_levels(column), win))
    model.cause_shares, model.cause_source = _cause_shares(store, win)
    _festival(store, model, city_days, calendar_days or [], win)
    return model


# -- volume -----------------------------------------------------------------------------------


def _volume(
    rows: list[tuple[Any, ...]], cities: list[str], cutoff: date
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Weekday profile, daily level (Gamma posterior), day over-dispersion, forecast error."""
    C = len(cities)
    cix = {c: i for i, c in enumerate(cities)}
    start = min(_as_date(r[1]) for r in rows)
    days = (cutoff - start).days
    grid = np.zeros((C, days))
    for city, day, orders in rows:
        grid[cix[city], (_as_date(day) - start).days] = orders
    dates = [start + timedelta(days=i) for i in range(days)]
    dow = np.array([d.weekday() for d in dates])
    recent = slice(max(0, days - PROFILE_DAYS), days)
    by_dow = np.array([grid[:, recent][:, dow[recent] == k].sum() for k in range(7)])
    n_dow = np.array([max(1, int((dow[recent] == k).sum())) for k in range(7)])
    weekday = by_dow / n_dow
    weekday = weekday / weekday.mean() if weekday.mean() > 0 else np.ones(7)
    weekday = np.where(weekday > 0, weekday, 1.0)

    def level_at(end: int) -> tuple[np.ndarray, np.ndarray]:
        lo = max(0, end - LEVEL_DAYS)
        w = weekday[dow[lo:end]]
        total = grid[:, lo:end].sum(axis=1)
        return (total + 0.5) / w.sum(), total + 0.5

    level, shape = level_at(days)
    # day-to-day over-dispersion: variance of daily counts beyond Poisson, last 8 weeks
    lo = max(0, days - 56)
    expected = level[:, None] * weekday[dow[lo:days]][None, :]
    resid = grid[:, lo:days] - expected
    excess = (resid**2 - expected).sum(axis=1) / np.maximum((expected**2).sum(axis=1), 1e-9)
    day_shape = np.where(excess > 1e-3, 1.0 / np.maximum(excess, 1e-3), np.inf)
    # month-ahead forecast error measured on history
    errs: list[float] = []
    month_starts = [i for i, d in enumerate(dates) if d.day == 1 and i >= LEVEL_DAYS]
    for i in month_starts:
        j = next((k for k in month_starts if k > i), None)
        if j is None:
            break
        lvl, _ = level_at(i)
        pred = lvl * weekday[dow[i:j]].sum()
        actual = grid[:, i:j].sum(axis=1)
        ok = pred > 5
        for p, a in zip(pred[ok], actual[ok], strict=True):
            errs.append(math.log((a + 0.5) / p) ** 2 - 1.0 / p)
    volume_sd = math.sqrt(max(float(np.mean(errs)), 0.0)) if len(errs) >= 3 else 0.15
    return weekday, level, shape, day_shape, volume_sd


# -- rates ------------------------------------------------------------------------------------


def _month_effect(
    rows: list[tuple[Any, ...]], cix: dict[str, int], counts: np.ndarray, unit_city: np.ndarray
) -> np.ndarray:
    """Spread of a city's monthly rate around its window rate beyond binomial noise (logit sd),
    by the method of moments over every full (city, month)."""
    C = len(cix)
    rate = np.zeros((C, 3))
    for c in range(C):
        tot = counts[unit_city == c].sum(axis=0)
        rate[c] = (tot[1:] + 0.5) / (tot[0] + 1.0)
    num = np.zeros(3)
    den = np.zeros(3)
    for city, _month, orders, *ks in rows:
        if city not in cix or orders < 20:
            continue
        p = rate[cix[city]]
        k = np.array(ks, dtype=float)
        var_b = orders * p * (1 - p)
        num += (k - orders * p) ** 2 - var_b
        den += var_b**2
    tau2 = np.where(den > 0, num / np.maximum(den, 1e-12), 0.0)
    return np.sqrt(np.clip(tau2, 0.0, 1.0))


def _ratios(rows: list[tuple[Any, ...]]) -> dict[str, Ratio]:
    """Each level's outcome rate against all other levels (ratio of rates per order)."""
    tot = np.array([r[1:] for r in rows], dtype=float).sum(axis=0) if rows else np.zeros(4)
    out: dict[str, Ratio] = {}
    for level, orders, *ks in rows:
        k = np.array(ks, dtype=float)
        rest_n = tot[0] - orders
        rest_k = tot[1:] - k
        ratio: dict[str, float] = {}
        sd: dict[str, float] = {}
        rate: dict[str, float] = {}
        for i, name in enumerate(OUTCOMES):
            a, n, b, m = k[i] + 0.5, orders + 1.0, rest_k[i] + 0.5, rest_n + 1.0
            ratio[name] = float((a / n) / (b / m))
            sd[name] = float(math.sqrt(max(1 / a - 1 / n + 1 / b - 1 / m, 0.0)))
            rate[name] = float(a / n)
        out[str(level)] = Ratio(str(level), int(orders), ratio, sd, rate)
    return out


def _cause_shares(store: Store, win: list[str]) -> tuple[dict[str, dict[str, float]], str]:
    """Share of each city's failed orders per cause: the per-order primary cause when the
    causes table is current, otherwise the recorded failure reason."""
    from dfras.store.meta import is_built_from_current_data

    source = "recorded failure_reason"
    sql = q.CAUSES_RECORDED
    if is_built_from_current_data(store, "root_cause_analysis", "causes_version"):
        sql, source = q.CAUSES_PER_ORDER, "per-order primary cause"
    shares: dict[str, dict[str, float]] = {}
    for city, cause, failed in store.fetchall(sql, win):
        shares.setdefault(str(city), {})[str(cause)] = float(failed)
    for city, causes in shares.items():
        total = sum(causes.values())
        shares[city] = {k: v / total for k, v in causes.items()}
    return shares, source


# -- capacity ---------------------------------------------------------------------------------


def _warehouses(store: Store, win: list[str], cells: list[tuple[Any, ...]]) -> list[Warehouse]:
    """Warehouses with their daily capacity.

    The warehouses table's ``capacity`` carries no unit. It is taken as orders per day when the
    warehouse's observed peak day reached at least half of it (it is then plausibly the same
    unit); otherwise the **demonstrated capacity** is used: the largest number of orders the
    warehouse took in one day in the window — what it has shown it can handle.
    """
    stated: dict[int, tuple[str, str | None, int | None]] = {}
    if store.table_exists("warehouses"):
        for wid, name, city, cap in store.fetchall(q.WAREHOUSES):
            stated[int(wid)] = (str(name), city, int(cap) if cap is not None else None)
    peak: dict[int, int] = {}
    total: dict[int, int] = {}
    for wid, _day, orders in store.fetchall(q.WAREHOUSE_DAYS, win):
        peak[int(wid)] = max(peak.get(int(wid), 0), int(orders))
        total[int(wid)] = total.get(int(wid), 0) + int(orders)
    days = max((date.fromisoformat(win[1]) - date.fromisoformat(win[0])).days, 1)
    city_of: dict[int, str] = {}
    for city, wid, *_ in cells:
        if wid is not None:
            city_of.setdefault(int(wid), str(city))
    out = []
    for wid in sorted(set(peak) | {int(r[1]) for r in cells if r[1] is not None}):
        name, city, cap = stated.get(wid, (f"Warehouse {wid}", None, None))
        pk = peak.get(wid, 0)
        if cap is not None and pk >= 0.5 * cap:
            capacity, source = float(cap), "stated"
        else:
            capacity, source = float(max(pk, 1)), "demonstrated peak day"
        out.append(
            Warehouse(
                warehouse_id=wid,
                name=name,
                city=city or city_of.get(wid),
                stated_capacity=cap,
                peak_daily=pk,
                mean_daily=total.get(wid, 0) / days,
                capacity=capacity,
                capacity_source=source,
            )
        )
    return out


# -- festival days ----------------------------------------------------------------------------


def _festival(
    store: Store,
    model: FittedModel,
    city_days: list[tuple[Any, ...]],
    calendar_days: list[date],
    win: list[str],
) -> None:
    """Festival days in history (calendar days, plus days the data tags as Festival far more
    than usual) and the volume uplift on them against the weekday-adjusted other days."""
    rows = store.fetchall(q.EVENT_DAYS, ["Festival", win[0], model.cutoff.isoformat()])
    share = sum(r[2] for r in rows) / max(sum(r[1] for r in rows), 1)
    data_days = {
        _as_date(d) for d, n, t in rows if n >= 20 and share > 0 and t / n >= max(2 * share, 0.3)
    }
    days = sorted(data_days | {d for d in calendar_days if d < model.cutoff})
    model.festival_days = days
    totals: dict[date, float] = {}
    for _city, day, orders in city_days:
        d = _as_date(day)
        totals[d] = totals.get(d, 0.0) + float(orders) / model.weekday[d.weekday()]
    fest = [totals[d] for d in days if d in totals]
    other = [v for d, v in totals.items() if d not in set(days)]
    if len(fest) >= 3 and other:
        ratio = float(np.mean(fest) / np.mean(other))
        sd = float(
            np.std(np.log(np.maximum(fest, 0.5) / np.mean(other)), ddof=1) / math.sqrt(len(fest))
        )
        model.festival_uplift = (ratio, sd, len(fest))
    else:
        model.festival_uplift = (1.0, 0.0, len(fest))


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    return date.fromisoformat(str(value)[:10])
