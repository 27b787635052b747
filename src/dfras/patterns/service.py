"""The pattern scan, the entry the faces call: anomalies, patterns, event correlations.

:func:`scan` reads the outcome series (kept current with the data), runs the four detectors —
anomalies (bursts), trends (change points), seasonal profiles, recurring causes — and the event
correlations, and stores what it finds in ``pattern_detections`` and ``event_correlations``.
False alarms are controlled once over every pattern hypothesis of the scan: a weighted
Benjamini–Hochberg procedure (each detector family gets a fixed share of the error budget,
``FAMILY_SHARES``), so under no real pattern at all the chance of reporting any is at most the
FDR level. Correlations form their own family. :func:`ensure_current` rescans when the data
version moved on; :func:`list_anomalies`, :func:`list_patterns`, :func:`list_correlations` read
the stored results for a scope, :func:`causal_chain` draws one correlation as a graph.

Example:
    >>> from dfras.store import open_store
    >>> store = open_store(":memory:")
    >>> scan(store).detections
    []
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from dfras.analysis.scope import FILTERS, Scope
from dfras.domain.errors import NotFound, UserError
from dfras.patterns import anomalies as an
from dfras.patterns import correlate as co
from dfras.patterns import recurring as rc
from dfras.patterns import seasonal as se
from dfras.patterns import series as sr
from dfras.patterns import trends as tr
from dfras.patterns.chain import causal_chain as _causal_chain
from dfras.patterns.events import Event, find_events
from dfras.patterns.records import (
    CORRELATIONS_TABLE,
    PATTERNS_TABLE,
    Correlation,
    Detection,
    entity_dict,
    save_correlations,
    save_detections,
)
from dfras.query import patterns as q
from dfras.stats.proportions import bh_qvalues, risk_ratio
from dfras.store.base import Store
from dfras.store.meta import read_meta, write_meta

FDR = 0.05
FAMILY_SHARES = {"Anomaly": 0.4, "Trend": 0.2, "Seasonal": 0.2, "Recurring": 0.2}
#: Entities below this many closed orders are not scanned (too little history to judge).
MIN_CLOSED = 100
#: Anomalies explained by the root-cause engine during the scan (others: on request).
EXPLAIN_TOP = 2
PATTERN_TYPES = ("Anomaly", "Trend", "Seasonal", "Recurring")
CORRELATION_TYPES = ("Temporal", "Spatial", "Statistical")
_LABELS = {
    "city": "city",
    "warehouse_id": "warehouse",
    "partner_company": "partner",
    "client_id": "client",
    "driver_id": "driver",
    "route_code": "route",
    "all": "the network",
}


@dataclass
class ScanResult:
    """What one scan found and what it tried."""

    detections: list[Detection] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    tested: dict[str, int] = field(default_factory=dict)
    settled_end: date | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "detections": [d.to_dict() for d in self.detections],
            "correlations": [c.to_dict() for c in self.correlations],
            "events": [e.to_dict() for e in self.events],
            "tested": self.tested,
            "settled_end": self.settled_end.isoformat() if self.settled_end else None,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def describe_entity(column: str, value: str) -> str:
    return "the network" if column == "all" else f"{_LABELS.get(column, column)} {value}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def scan(
    store: Store,
    scope: Scope | None = None,
    *,
    fdr: float = FDR,
    explain_top: int = EXPLAIN_TOP,
    save: bool = True,
) -> ScanResult:
    """Find and store anomalies, patterns and event correlations (see the module docstring).

    ``scope`` narrows the scan: its period limits the days, its entity filters the series
    scanned and the orders behind the causes and events. A scan of everything replaces the
    stored results; a narrower one replaces only what it re-examined.
    """
    if store.engine == "postgres":
        return _scan_through_copy(store, scope, fdr=fdr, explain_top=explain_top, save=save)
    t0 = time.perf_counter()
    result = ScanResult()
    scope = scope or Scope()
    sr.ensure_current(store)
    result.seconds["series"] = time.perf_counter() - t0
    end = sr.settled_end(store)
    if scope.period is not None and end is not None:
        end = min(end, scope.period.end)
    result.settled_end = end
    where, params = scope.where()
    t = time.perf_counter()
    series = sr.load_series(store, end=end, min_closed=MIN_CLOSED) if end else None
    result.seconds["load"] = time.perf_counter() - t
    if series is not None:
        series = _restrict(series, scope)
    if end is None or series is None or series.size == 0:
        if save:
            _save(store, result, scope)
        return result

    # -- every pattern family's p-values ---------------------------------------------------
    t = time.perf_counter()
    cands = [an.candidates(series, outcome) for outcome in sr.OUTCOMES]
    result.seconds["anomaly_tests"] = time.perf_counter() - t
    t = time.perf_counter()
    seasonal = _seasonal_profiles(store, series, end)
    result.seconds["seasonal_tests"] = time.perf_counter() - t
    t = time.perf_counter()
    recurrences = _recurrences(store, series, end, where, params)
    result.seconds["recurring_tests"] = time.perf_counter() - t

    # anomalies are selected first (their windows are left out of the trend fits), with the
    # anomaly family's share of the joint procedure; trends then join the same procedure
    n_trend_guess = series.size * len(sr.OUTCOMES)
    families = {
        "Anomaly": np.concatenate([c.p_value for c in cands]),
        "Trend": np.ones(n_trend_guess),
        "Seasonal": np.array([p.p_value for _, _, p in seasonal]),
        "Recurring": np.array([r.p_value for r in recurrences]),
    }
    t = time.perf_counter()
    trend_fits = _trends(series, cands, families, fdr)
    families["Trend"] = np.array([f.p_value for _, f in trend_fits])
    result.seconds["trend_tests"] = time.perf_counter() - t
    qv = _weighted_bh(families)
    result.tested = {k: len(v) for k, v in families.items()}

    # -- detections ------------------------------------------------------------------------
    offset = 0
    anomalies: list[an.Anomaly] = []
    for c in cands:
        anomalies += an.select(series, c, qv["Anomaly"][offset : offset + len(c.p_value)], fdr=fdr)
        offset += len(c.p_value)
    anomalies.sort(key=lambda a: (a.p_value, -a.observed))
    t = time.perf_counter()
    for i, a in enumerate(anomalies):
        result.detections.append(_anomaly_detection(store, series, a, explain=i < explain_top))
    result.seconds["explain"] = time.perf_counter() - t
    t = time.perf_counter()
    for (outcome, fit), qq in zip(trend_fits, qv["Trend"], strict=True):
        stage = _stage_dating(store, series, fit, end) if qq <= fdr else None
        d = _trend_detection(series, outcome, fit, float(qq), fdr, end, stage)
        if d:
            result.detections.append(d)
    for (outcome, info, prof), qq in zip(seasonal, qv["Seasonal"], strict=True):
        if qq <= fdr and se.meaningful(prof):
            result.detections.append(_seasonal_detection(series, outcome, info, prof, float(qq)))
    chosen = []
    for r, qq in zip(recurrences, qv["Recurring"], strict=True):
        r.q_value = float(qq)
        if qq <= fdr and rc.reportable(r):
            chosen.append(r)
    _weekday_of(store, chosen, end, where, params, fdr)
    result.detections += [_recurring_detection(r) for r in chosen]
    result.seconds["describe"] = time.perf_counter() - t

    # -- events and correlations -------------------------------------------------------------
    t = time.perf_counter()
    result.events, result.correlations, n_corr = _correlations(
        store, series, end, where, params, fdr
    )
    result.tested["Correlation"] = n_corr
    result.seconds["correlations"] = time.perf_counter() - t
    t = time.perf_counter()
    if save:
        _save(store, result, scope)
    result.seconds["save"] = time.perf_counter() - t
    result.seconds["total"] = time.perf_counter() - t0
    return result


#: What a scan reads (and rewrites) of a PostgreSQL tenant, computed in a DuckDB copy.
_COPY_READ = (
    "delivery_fact",
    "store_meta",
    q.DAILY_TABLE,
    q.HOURLY_TABLE,
    PATTERNS_TABLE,
    CORRELATIONS_TABLE,
)
_COPY_WRITE = (q.DAILY_TABLE, q.HOURLY_TABLE, PATTERNS_TABLE, CORRELATIONS_TABLE)


def _scan_through_copy(
    store: Store, scope: Scope | None, *, fdr: float, explain_top: int, save: bool
) -> ScanResult:
    """PostgreSQL: the scan runs on a DuckDB copy of the tenant's fact, series and stored
    results (read through RLS); the series and results are written back when saved."""
    from dfras.fact import service as fact_service
    from dfras.store.working import refresh_through_copy

    fact_service.ensure_current(store)
    found: list[ScanResult] = []

    def compute(copy: Store) -> None:
        found.append(scan(copy, scope, fdr=fdr, explain_top=explain_top, save=save))

    refresh_through_copy(
        store,
        read=_COPY_READ,
        compute=compute,
        write=_COPY_WRITE if save else (),
        meta_keys=("series_version", "patterns_version") if save else (),
    )
    return found[0]


def is_current(store: Store) -> bool:
    version = read_meta(store, "data_version") or "0"
    return read_meta(store, "patterns_version") == version and sr.is_current(store)


def ensure_current(store: Store) -> bool:
    """Rescan everything when the data moved on since the last full scan."""
    if is_current(store):
        return False
    scan(store)
    return True


def list_anomalies(store: Store, scope: Scope | None = None) -> list[Detection]:
    """Stored anomalies matching ``scope`` (entity filters and period overlap)."""
    return list_patterns(store, scope, types=["Anomaly"])


def list_patterns(
    store: Store, scope: Scope | None = None, *, types: list[str] | None = None
) -> list[Detection]:
    """Stored patterns of the given types (default all four) matching ``scope``."""
    wanted = types or list(PATTERN_TYPES)
    bad = [t for t in wanted if t not in PATTERN_TYPES]
    if bad:
        raise UserError(f"unknown pattern type {bad[0]!r}", hint=f"use {', '.join(PATTERN_TYPES)}")
    ensure_current(store)
    marks = ", ".join("?" for _ in wanted)
    rows = store.fetch_dicts(
        f"SELECT * FROM {PATTERNS_TABLE} WHERE pattern_type IN ({marks}) "
        "ORDER BY pattern_confidence DESC, pattern_id",
        wanted,
    )
    found = [Detection.from_row(r) for r in rows]
    return [d for d in found if _matches(scope, d.entity_column, d.entity_value, d, d.affected)]


def list_correlations(
    store: Store, scope: Scope | None = None, *, types: list[str] | None = None
) -> list[Correlation]:
    """Stored event correlations matching ``scope`` (city filter and period overlap)."""
    wanted = types or list(CORRELATION_TYPES)
    bad = [t for t in wanted if t not in CORRELATION_TYPES]
    if bad:
        raise UserError(
            f"unknown correlation type {bad[0]!r}", hint=f"use {', '.join(CORRELATION_TYPES)}"
        )
    ensure_current(store)
    marks = ", ".join("?" for _ in wanted)
    rows = store.fetch_dicts(
        f"SELECT * FROM {CORRELATIONS_TABLE} WHERE correlation_type IN ({marks}) "
        "ORDER BY confidence_score DESC, correlation_strength DESC, correlation_id",
        wanted,
    )
    out = []
    for r in rows:
        c = Correlation.from_row(r)
        origin = (c.evidence.get("event") or {}).get("city")
        cities = {x for x in (c.city, origin) if x}
        if scope and scope.filters.get("city") and not cities & set(scope.filters["city"]):
            continue
        if not _overlaps(scope, c.window_start, c.window_end):
            continue
        out.append(c)
    return out


def causal_chain(store: Store, correlation_id: str) -> dict[str, Any]:
    """The event → city → routes/partners/warehouses → failed orders graph of a correlation."""
    ensure_current(store)
    rows = store.fetch_dicts(
        f"SELECT * FROM {CORRELATIONS_TABLE} WHERE correlation_id = ?", [correlation_id]
    )
    if not rows:
        raise NotFound(
            f"no correlation {correlation_id!r}",
            hint="list them with `dfras correlations`; ids change only when the data does",
        )
    return _causal_chain(store, Correlation.from_row(rows[0]))


def explain_anomaly(store: Store, pattern_id: str) -> dict[str, Any]:
    """The root-cause engine's explanation of one stored anomaly's window (computed now)."""
    rows = store.fetch_dicts(f"SELECT * FROM {PATTERNS_TABLE} WHERE pattern_id = ?", [pattern_id])
    if not rows:
        raise NotFound(f"no pattern {pattern_id!r}", hint="list them with `dfras anomalies`")
    d = Detection.from_row(rows[0])
    return _explain_window(
        store, d.entity_column, d.entity_value, d.outcome, d.window_start, d.window_end
    )


def get_pattern(store: Store, pattern_id: str) -> Detection:
    """One stored pattern of any type."""
    ensure_current(store)
    rows = store.fetch_dicts(f"SELECT * FROM {PATTERNS_TABLE} WHERE pattern_id = ?", [pattern_id])
    if not rows:
        raise NotFound(f"no pattern {pattern_id!r}", hint="list them with `dfras patterns`")
    return Detection.from_row(rows[0])


def anomaly_with_explanation(store: Store, pattern_id: str) -> dict[str, Any]:
    """One stored anomaly and the root-cause engine's explanation of its window."""
    d = get_pattern(store, pattern_id)
    if d.pattern_type != "Anomaly":
        raise NotFound(
            f"pattern {pattern_id!r} is a {d.pattern_type}, not an anomaly",
            hint="see GET /patterns/{id}",
        )
    return {**d.to_dict(), "explanation": explain_anomaly(store, pattern_id)}


# -- detectors ---------------------------------------------------------------------------------


def _restrict(series: sr.SeriesSet, scope: Scope) -> sr.SeriesSet:
    keep = list(range(series.size))
    if scope.filters:
        keep = [
            i
            for i in keep
            if series.columns[i] in scope.filters
            and _same(series.values[i], scope.filters[series.columns[i]])
        ]
    first_day = 0
    if scope.period is not None:
        first_day = max(0, (scope.period.start - series.first).days)
    counts = {k: v[keep, first_day:] for k, v in series.counts.items()}
    return sr.SeriesSet(
        columns=[series.columns[i] for i in keep],
        values=[series.values[i] for i in keep],
        first=series.first + timedelta(days=first_day),
        days=series.days - first_day,
        counts=counts,
    )


def _same(value: str, wanted: list[Any]) -> bool:
    return value in {str(w) for w in wanted}


def _weighted_bh(families: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    sizes = {k: len(v) for k, v in families.items()}
    active = {k: FAMILY_SHARES[k] for k, n in sizes.items() if n}
    total_share = sum(active.values()) or 1.0
    m = sum(sizes.values())
    parts, weights = [], []
    for k, v in families.items():
        if len(v):
            parts.append(v)
            weights.append(np.full(len(v), active[k] / total_share * m / len(v)))
    if not parts:
        return {k: np.zeros(0) for k in families}
    p = np.concatenate(parts)
    w = np.concatenate(weights)
    qall = bh_qvalues(np.minimum(1.0, p / w))
    out, i = {}, 0
    for k, v in families.items():
        out[k] = qall[i : i + len(v)]
        i += len(v)
    return out


def _trends(
    series: sr.SeriesSet, cands: list[an.Candidates], families: dict[str, np.ndarray], fdr: float
) -> list[tuple[str, tr.TrendFit]]:
    """Change-point fits of every entity and outcome, anomaly windows left out."""
    # a provisional joint procedure (trends counted at p = 1) marks the anomaly windows
    prov = _weighted_bh(families)["Anomaly"]
    fits: list[tuple[str, tr.TrendFit]] = []
    offset = 0
    for c in cands:
        qq = prov[offset : offset + len(c.p_value)]
        offset += len(c.p_value)
        n, k = series.pair(c.outcome)
        n, k = n.copy(), k.copy()
        for a in an.select(series, c, qq, fdr=fdr):
            s = (a.start - series.first).days
            e = (a.end - series.first).days
            n[a.row, s : e + 1] = 0
            k[a.row, s : e + 1] = 0
        nw, kw, _ = tr.weekly(n, k, series.first)
        fits += [(c.outcome, f) for f in tr.scan(nw, kw)]
    return fits


def _seasonal_profiles(
    store: Store, series: sr.SeriesSet, end: date
) -> list[tuple[str, dict[str, Any], se.Profile]]:
    out: list[tuple[str, dict[str, Any], se.Profile]] = []
    network = series.columns.index("all") if "all" in series.columns else None
    for outcome in sr.OUTCOMES:
        n, k = series.pair(outcome)
        nw, kw = se.by_weekday(n, k, series.weekday)
        for p in se.test_profiles(nw, kw, network, kind="weekday"):
            out.append(
                (outcome, {"column": series.columns[p.row], "value": series.values[p.row]}, p)
            )
    rows = store.fetch_dicts(q.hourly_profile_sql(), [end])
    if len({r["hour"] for r in rows}) <= 1:
        return out  # order times carry no hour
    keys = sorted({(r["entity_column"], r["entity_value"]) for r in rows})
    big = set(zip(series.columns, series.values, strict=True))
    keys = [k_ for k_ in keys if k_ in big]
    ki = {k_: i for i, k_ in enumerate(keys)}
    blocks = 24 // se.HOUR_BLOCK
    for outcome, (event, population) in sr.OUTCOMES.items():
        n = np.zeros((len(keys), blocks))
        k = np.zeros((len(keys), blocks))
        for r in rows:
            i = ki.get((r["entity_column"], r["entity_value"]))
            if i is None or r["hour"] is None:
                continue
            n[i, int(r["hour"]) // se.HOUR_BLOCK] += r[population] or 0
            k[i, int(r["hour"]) // se.HOUR_BLOCK] += r[event] or 0
        net = ki.get(("all", "all"))
        for p in se.test_profiles(n, k, net, kind="hour"):
            col, val = keys[p.row]
            out.append((outcome, {"column": col, "value": val}, p))
    return out


def _recurrences(
    store: Store, series: sr.SeriesSet, end: date, where: str, params: list[Any]
) -> list[rc.Recurrence]:
    columns = tuple(c for c in q.SERIES_COLUMNS if c in set(series.columns))
    if not columns:
        return []
    weeks = store.fetch_dicts(q.reason_weeks_sql(where, columns), [MIN_CLOSED, end, *params])
    totals = {
        r["reason"]: int(r["failed"])
        for r in store.fetch_dicts(q.reason_totals_sql(where), [end, *params])
    }
    closed = series.counts["closed"]
    net = series.columns.index("all") if "all" in series.columns else None
    total_closed = float(closed[net].sum()) if net is not None else float(closed.sum())
    offset = series.first.weekday()
    closed_weeks: dict[tuple[str, str], dict[date, float]] = {}
    monday = series.first - timedelta(days=offset)
    wn, _, _ = tr.weekly(closed, closed, series.first)
    for i, (col, val) in enumerate(zip(series.columns, series.values, strict=True)):
        if col == "all":
            continue
        closed_weeks[(col, val)] = {
            monday + timedelta(days=7 * j): float(x) for j, x in enumerate(wn[i]) if x > 0
        }
    return rc.test_recurrences(weeks, closed_weeks, totals, total_closed)


def _weekday_of(
    store: Store,
    chosen: list[rc.Recurrence],
    end: date,
    where: str,
    params: list[Any],
    fdr: float,
) -> None:
    if not chosen:
        return
    import pyarrow as pa

    wanted = pa.table(
        {
            "c": [r.entity_column for r in chosen],
            "v": [r.entity_value for r in chosen],
            "r": [r.reason for r in chosen],
        },
        schema=pa.schema([("c", pa.string()), ("v", pa.string()), ("r", pa.string())]),
    )
    columns = tuple(sorted({r.entity_column for r in chosen}))
    args: list[Any] = []
    for _ in columns:
        args += [end, *params]
    store.temp_table_from_arrow(q.RECURRING_TARGETS, wanted)
    rows = store.fetch_dicts(q.weekday_of_reason_sql(where, columns), args)
    store.execute(f"DROP TABLE IF EXISTS {q.RECURRING_TARGETS}")
    found = rc.weekday_concentration(rows, alpha=fdr / max(len(chosen), 1))
    for r in chosen:
        r.weekday = found.get((r.entity_column, r.entity_value, r.reason), {})


def _correlations(
    store: Store,
    series: sr.SeriesSet,
    end: date,
    where: str,
    params: list[Any],
    fdr: float,
) -> tuple[list[Event], list[Correlation], int]:
    hits = store.fetch_dicts(q.condition_days_sql(where), params * len(q.CONDITION_COLUMNS))
    covered = store.fetch_dicts(q.covered_days_sql(where), params)
    events, _ = find_events(hits, covered, fdr=fdr)
    windows = co.CityWindows(series)
    cities = sorted({r["city"] for r in covered})
    cands = co.temporal(events, windows, end)
    spatial, unknown = co.spatial(events, windows, end, cities)
    cands += spatial
    assoc_params: list[Any] = []
    for _ in q.CONDITION_COLUMNS:
        assoc_params += [end, *params]
    cands += co.statistical(store.fetch_dicts(q.association_sql(where), assoc_params))
    if not cands:
        return events, [], 0
    qv = bh_qvalues(np.array([c.p_value for c in cands]))
    out: list[Correlation] = []
    for c, qq in zip(cands, qv, strict=True):
        if qq > fdr or c.strength <= 0.1:
            continue
        if c.kind == "Statistical" and not c.figures.get("meaningful"):
            continue
        if c.kind != "Statistical" and c.figures.get("ratio", 0) < an.MIN_RATIO:
            continue
        evidence: dict[str, Any] = {
            "test": c.figures,
            "q_value": float(qq),
            "event": c.event.to_dict() if c.event else None,
        }
        if c.event is not None:
            evidence["chain"] = (
                "dfras correlations --graph ID draws event → city → entities → orders"
            )
        if unknown:
            evidence["unknown_locations"] = sorted(unknown)
        minutes = ((c.end - c.start).days + 1) * 1440 if c.start and c.end else 0
        out.append(
            Correlation(
                correlation_type=c.kind,
                primary_type=c.primary[0],
                primary_key=c.primary[1],
                secondary_type=c.secondary[0],
                secondary_key=c.secondary[1],
                strength=c.strength,
                confidence=1.0 - float(qq),
                time_window_minutes=minutes,
                distance_km=c.distance_km,
                city=c.city,
                window_start=c.start,
                window_end=c.end,
                evidence=evidence,
            )
        )
    return events, out, len(cands)


# -- detections as records ---------------------------------------------------------------------


def _anomaly_detection(
    store: Store, series: sr.SeriesSet, a: an.Anomaly, *, explain: bool
) -> Detection:
    col, val = series.columns[a.row], series.values[a.row]
    who = describe_entity(col, val)
    days = (a.end - a.start).days + 1
    metrics: dict[str, Any] = {
        "observed": a.observed,
        "expected": round(a.expected, 3),
        "ratio": round(a.ratio, 4),
        "ci": [round(a.ci[0], 4), round(a.ci[1], 4)],
        "population": a.population,
        "rate": round(a.observed / max(a.population, 1), 4),
        "baseline_rate": round(a.baseline_rate, 4),
        "p_value": a.p_value,
        "q_value": a.q_value,
    }
    if explain:
        metrics["explanation"] = _explain_window(store, col, val, a.outcome, a.start, a.end)
    return Detection(
        pattern_type="Anomaly",
        name=f"{a.outcome} burst at {who}",
        description=(
            f"{_cap(who)}: {a.observed} {a.outcome} outcomes from {a.start} to {a.end} "
            f"against {a.expected:.1f} expected from its own history and weekday profile "
            f"({a.ratio:.1f}x, 95% CI {a.ci[0]:.1f}–{a.ci[1]:.1f})."
        ),
        entity_column=col,
        entity_value=val,
        outcome=a.outcome,
        window_start=a.start,
        window_end=a.end,
        confidence=1.0 - a.q_value,
        frequency=1,
        duration_days=days,
        metrics=metrics,
        algorithm="exact conditional binomial window scan (1-7 days), weekday-adjusted",
        parameters={
            "lengths": list(an.LENGTHS),
            "min_window_population": an.MIN_WINDOW_POPULATION,
            "min_events": an.MIN_EVENTS,
            "min_ratio": an.MIN_RATIO,
            "fdr": FDR,
            "min_closed": MIN_CLOSED,
        },
        affected={"entity": entity_dict(col, val)},
    )


def _stage_dating(
    store: Store, series: sr.SeriesSet, fit: tr.TrendFit, end: date
) -> tuple[str, tr.StageChange] | None:
    """The entity's stage time whose change dates the trend: the most significant one that
    changes in the trend's direction (slower with a worsening rate), if any is significant."""
    col, val = series.columns[fit.row], series.values[fit.row]
    best: tuple[str, tr.StageChange] | None = None
    for measure in q.STAGE_TIMES.get(col, ()):
        rows = store.fetchall(q.stage_days_sql(col, measure), [val, end])
        n, mean = np.zeros(series.days), np.zeros(series.days)
        for day, count, mean_log in rows:
            i = (rc.as_date(day) - series.first).days
            if 0 <= i < series.days and mean_log is not None:
                n[i], mean[i] = float(count), float(mean_log)
        change = tr.stage_change(n, mean)
        if change is None or change.p_value > tr.STAGE_ALPHA:
            continue
        if (change.after > change.before) != (fit.slope > 0):
            continue
        if best is None or change.p_value < best[1].p_value:
            best = (measure, change)
    return best


def _stage_note(stage: tuple[str, tr.StageChange] | None) -> str:
    if stage is None:
        return ""
    measure, change = stage
    moved = "rose" if change.after > change.before else "fell"
    return (
        f" Dated by its {measure.replace('_', ' ')}, which {moved} from {change.before:.1f} "
        f"to {change.after:.1f} (geometric means)."
    )


def _trend_detection(
    series: sr.SeriesSet,
    outcome: str,
    fit: tr.TrendFit,
    qq: float,
    fdr: float,
    end: date,
    stage: tuple[str, tr.StageChange] | None = None,
) -> Detection | None:
    if qq > fdr:
        return None
    n, k = series.pair(outcome)
    start_i, stop_i = tr.transition_start(n[fit.row], k[fit.row])
    rate_start = series.day(start_i)
    if stage is not None:  # every order's stage time dates the change more finely
        start_i, stop_i = stage[1].start, stage[1].end
    start = series.day(start_i)
    nb, kb = n[fit.row, :start_i].sum(), k[fit.row, :start_i].sum()
    na, ka = n[fit.row, start_i:].sum(), k[fit.row, start_i:].sum()
    before = kb / max(nb, 1)
    n_end = n[fit.row, max(start_i, stop_i - 28) : stop_i].sum()
    k_end = k[fit.row, max(start_i, stop_i - 28) : stop_i].sum()
    after = k_end / max(n_end, 1) if n_end > 0 else ka / max(na, 1)
    change = after / max(before, 1e-9)
    if not (change >= tr.MIN_CHANGE or change <= 1 / tr.MIN_CHANGE):
        return None
    rr, lo, hi = risk_ratio(ka, max(na, 1), kb, max(nb, 1))
    col, val = series.columns[fit.row], series.values[fit.row]
    who = describe_entity(col, val)
    word = "worsening" if change > 1 else "improvement"
    return Detection(
        pattern_type="Trend",
        name=f"{outcome} {word} at {who}",
        description=(
            f"{_cap(who)}: sustained {word} of the {outcome} rate from {start} "
            f"({before:.1%} before, {after:.1%} after the change; {fit.model} change point)."
            + _stage_note(stage)
        ),
        entity_column=col,
        entity_value=val,
        outcome=outcome,
        window_start=start,
        window_end=end,
        confidence=1.0 - qq,
        frequency=max(1, ((end - start).days + 1) // 7),
        duration_days=(end - start).days + 1,
        metrics={
            "direction": word,
            "model": fit.model,
            "transition_end": series.day(min(stop_i, series.days - 1)).isoformat(),
            "rate_before": round(float(before), 4),
            "rate_at_end": round(float(after), 4),
            "change": round(float(change), 4),
            "rate_ratio_after_vs_before": round(float(rr), 4),
            "ci": [round(float(lo), 4), round(float(hi), 4)],
            "slope_logit_per_week": round(fit.slope, 5),
            "likelihood_ratio": round(fit.lr, 3),
            "p_value": fit.p_value,
            "q_value": qq,
            "start_by_rate": rate_start.isoformat(),
            "dated_by": stage[0] if stage is not None else outcome + " rate",
            "stage_before": round(stage[1].before, 3) if stage is not None else None,
            "stage_after": round(stage[1].after, 3) if stage is not None else None,
            "stage_p_value": stage[1].p_value if stage is not None else None,
            "start_profile_interval": [series.day(i).isoformat() for i in stage[1].start_ci]
            if stage is not None
            else None,
            "orders_before": int(nb),
            "orders_after": int(na),
            "outcomes_before": int(kb),
            "outcomes_after": int(ka),
        },
        algorithm="binomial change point (step or ramp), weekly scan, daily start; dated by "
        "the entity's stage time when it changes significantly (weighted least squares)",
        parameters={"min_weeks": tr.MIN_WEEKS, "min_change": tr.MIN_CHANGE, "fdr": FDR},
        affected={"entity": entity_dict(col, val)},
    )


def _seasonal_detection(
    series: sr.SeriesSet, outcome: str, info: dict[str, Any], p: se.Profile, qq: float
) -> Detection:
    labels = se.WEEKDAYS if p.kind == "weekday" else se.hour_labels()
    col, val = info["column"], info["value"]
    who = describe_entity(col, val)
    against = "a flat profile" if col == "all" else "the network's profile"
    return Detection(
        pattern_type="Seasonal",
        name=f"{outcome} by {p.kind} at {who}",
        description=(
            f"{_cap(who)}: the {outcome} rate depends on the {p.kind} — {labels[p.peak]} "
            f"is {p.ratio:.2f}x the rest (95% CI {p.ci[0]:.2f}–{p.ci[1]:.2f}); tested against "
            f"{against}."
        ),
        entity_column=col,
        entity_value=val,
        outcome=outcome,
        window_start=series.first,
        window_end=series.day(series.days - 1),
        confidence=1.0 - qq,
        frequency=max(1, series.days // 7) if p.kind == "weekday" else series.days,
        duration_days=None,
        metrics={
            "id_key": p.kind,
            "profile": p.kind,
            "peak": labels[p.peak],
            "direction": p.direction,
            "ratio": round(p.ratio, 4),
            "ci": [round(p.ci[0], 4), round(p.ci[1], 4)],
            "chi2": round(p.statistic, 3),
            "df": p.df,
            "p_value": p.p_value,
            "q_value": qq,
            "rates": dict(zip(labels, [round(x, 4) for x in p.rates], strict=True)),
            "volumes": dict(zip(labels, p.volumes, strict=True)),
        },
        algorithm=f"Pearson chi-square of the {p.kind} profile against {against}",
        parameters={"min_expected": se.MIN_EXPECTED, "min_ratio": se.MIN_RATIO, "fdr": FDR},
        affected={"entity": entity_dict(col, val)},
    )


def _recurring_detection(r: rc.Recurrence) -> Detection:
    who = describe_entity(r.entity_column, r.entity_value)
    when = f", mostly on {r.weekday['weekday']}s" if r.weekday else ""
    return Detection(
        pattern_type="Recurring",
        name=f"recurring {r.reason} at {who}",
        description=(
            f"{_cap(who)}: '{r.reason}' failures again and again{when} — {r.observed} "
            f"against {r.expected:.1f} at the norm ({r.ratio:.1f}x, 95% CI {r.ci[0]:.1f}–"
            f"{r.ci[1]:.1f}), above the norm in {r.weeks_with_excess} of {r.weeks} weeks."
        ),
        entity_column=r.entity_column,
        entity_value=r.entity_value,
        outcome="failure",
        window_start=r.first_week,
        window_end=r.last_week + timedelta(days=6),
        confidence=1.0 - r.q_value,
        frequency=r.weeks_with_excess,
        duration_days=(r.last_week - r.first_week).days + 7,
        metrics={
            "id_key": r.reason,
            "cause": r.reason,
            "observed": r.observed,
            "expected": round(r.expected, 3),
            "ratio": round(r.ratio, 4),
            "ci": [round(r.ci[0], 4), round(r.ci[1], 4)],
            "p_value": r.p_value,
            "p_overall": r.p_overall,
            "p_without_worst_weeks": r.p_without_worst,
            "worst_weeks_share_of_excess": round(r.worst_share, 4),
            "q_value": r.q_value,
            "weeks_with_excess": r.weeks_with_excess,
            "weeks": r.weeks,
            "weekday": r.weekday or None,
        },
        algorithm="exact conditional binomial per cause, persisting without the worst weeks",
        parameters={
            "drop_weeks": rc.DROP_WEEKS,
            "min_events": rc.MIN_EVENTS,
            "min_ratio": rc.MIN_RATIO,
            "min_weeks": rc.MIN_WEEKS,
            "fdr": FDR,
        },
        affected={"entity": entity_dict(r.entity_column, r.entity_value), "cause": r.reason},
    )


def _explain_window(
    store: Store, column: str, value: str, outcome: str, start: date | None, end: date | None
) -> dict[str, Any]:
    from dfras.analysis.explain import explain
    from dfras.analysis.scope import make_scope

    filters: dict[str, Any] = {} if column == "all" else {column: value}
    scope = make_scope(
        start=start.isoformat() if start else None, end=end.isoformat() if end else None, **filters
    )
    e = explain(store, scope=scope, outcome=outcome, triples=False, limit=5)
    out: dict[str, Any] = {
        "narrative": e.narrative,
        "significant": e.significant,
        "segments": [s.to_dict() for s in e.segments[:5]],
        "reasons": e.reasons[:5],
    }
    if outcome == "failure" and start is not None and end is not None:
        out["reasons_against_usual"] = _reason_contrast(store, filters, start, end)
    return out


def _reason_contrast(
    store: Store, filters: dict[str, Any], start: date, end: date
) -> list[dict[str, Any]]:
    """Which recorded reasons the window's failures have beyond the entity's usual mix: each
    reason's count inside against inside-total × its share outside, with an exact binomial
    p-value (Bonferroni over the reasons)."""
    from scipy.stats import binom

    from dfras.analysis.scope import make_scope

    settled = sr.settled_end(store) or end
    where, params = make_scope(**filters).where()
    rows = store.fetch_dicts(
        q.reason_contrast_sql(where), [start, end, start, end, settled, *params]
    )
    inside = sum(r["inside"] for r in rows)
    outside = sum(r["outside"] for r in rows)
    if not inside or not outside:
        return []
    found = []
    for r in rows:
        share = r["outside"] / outside
        expected = inside * share
        p = float(binom.sf(r["inside"] - 1, inside, share)) if r["inside"] > expected else 1.0
        found.append(
            {
                "reason": r["reason"],
                "inside": int(r["inside"]),
                "expected_from_usual_mix": round(expected, 2),
                "share_inside": round(r["inside"] / inside, 4),
                "share_usually": round(share, 4),
                "p_value": min(1.0, p * len(rows)),
            }
        )
    # ties broken by the expected count and the name, so the list does not depend on row order
    found.sort(
        key=lambda x: (x["p_value"], -x["inside"], -x["expected_from_usual_mix"], x["reason"])
    )
    return found[:5]


def _save(store: Store, result: ScanResult, scope: Scope) -> None:
    full = not scope.filters and scope.period is None
    if full:
        old_p = {r[0] for r in store.fetchall(f"SELECT pattern_id FROM {PATTERNS_TABLE}")}
        old_c = {r[0] for r in store.fetchall(f"SELECT correlation_id FROM {CORRELATIONS_TABLE}")}
    else:
        old_p = {
            d.pattern_id
            for d in list_patterns_raw(store)
            if _matches(scope, d.entity_column, d.entity_value, d, d.affected)
        }
        old_c = set()
    save_detections(store, result.detections, replace=old_p)
    save_correlations(store, result.correlations, replace=old_c)
    if full:
        write_meta(store, "patterns_version", read_meta(store, "data_version") or "0")


def list_patterns_raw(store: Store) -> list[Detection]:
    return [Detection.from_row(r) for r in store.fetch_dicts(f"SELECT * FROM {PATTERNS_TABLE}")]


def _matches(
    scope: Scope | None, column: str, value: str, d: Detection, affected: dict[str, Any]
) -> bool:
    if scope is None:
        return True
    for name, values in scope.filters.items():
        if name not in FILTERS or not values:
            continue
        if column != name or not _same(value, values):
            return False
    return _overlaps(scope, d.window_start, d.window_end)


def _overlaps(scope: Scope | None, start: date | None, end: date | None) -> bool:
    if scope is None or scope.period is None or start is None or end is None:
        return True
    return start <= scope.period.end and end >= scope.period.start
