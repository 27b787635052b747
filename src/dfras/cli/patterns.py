"""``dfras anomalies``, ``dfras patterns`` and ``dfras correlations``: what the pattern scan found.

Each reads the stored scan (rescanning first when the data moved on, or with ``--rescan``) and
lists the findings of a scope: entity filters match the finding's entity, a period keeps the
findings whose window overlaps it. ``dfras correlations --graph ID`` prints the causal chain of
one correlation as a graph (nodes and edges JSON).
"""

from __future__ import annotations

from typing import Any

import typer

from dfras.cli.app import FormatOption, app, open_store
from dfras.cli.output import Format, console, emit, print_table
from dfras.cli.scope_options import (
    AsOfOpt,
    CityOpt,
    ClientOpt,
    DateFieldOpt,
    DriverOpt,
    EndOpt,
    PartnerOpt,
    PeriodOpt,
    RouteOpt,
    ScopeArgs,
    StartOpt,
    StateOpt,
    WarehouseOpt,
    build_scope,
)

RescanOpt = typer.Option(False, "--rescan", help="Scan the whole store again first.")


def _scope(store: Any, args: ScopeArgs) -> Any:
    from dfras.analysis.explain import default_as_of

    return build_scope(args, default_as_of=default_as_of(store))


@app.command()
def anomalies(
    city: list[str] | None = CityOpt,
    state: list[str] | None = StateOpt,
    client: list[int] | None = ClientOpt,
    warehouse: list[int] | None = WarehouseOpt,
    driver: list[int] | None = DriverOpt,
    partner: list[str] | None = PartnerOpt,
    route: list[str] | None = RouteOpt,
    period: str | None = PeriodOpt,
    start: str | None = StartOpt,
    end: str | None = EndOpt,
    date_field: str = DateFieldOpt,
    as_of: str | None = AsOfOpt,
    explain_id: str | None = typer.Option(
        None, "--explain", help="Explain one anomaly's window with the root-cause engine (id)."
    ),
    rescan: bool = RescanOpt,
    fmt: Format = FormatOption,
) -> None:
    """Bursts of failures, returns or late deliveries at a city, warehouse, partner, client,
    driver or route: observed against expected, with interval and significance."""
    from dfras.patterns import service

    args = ScopeArgs(
        city, state, client, warehouse, driver, partner, route, period, start, end, date_field,
        as_of,
    )  # fmt: skip
    store = open_store()
    try:
        if rescan:
            service.scan(store)
        if explain_id:
            detail = service.explain_anomaly(store, explain_id)
            emit(detail, fmt) if fmt != Format.table else console.print(detail["narrative"])
            return
        found = service.list_anomalies(store, _scope(store, args))
    finally:
        store.close()
    _show([d.to_dict() for d in found], fmt, "Anomalies", "no anomaly found in this scope")


@app.command()
def patterns(
    city: list[str] | None = CityOpt,
    state: list[str] | None = StateOpt,
    client: list[int] | None = ClientOpt,
    warehouse: list[int] | None = WarehouseOpt,
    driver: list[int] | None = DriverOpt,
    partner: list[str] | None = PartnerOpt,
    route: list[str] | None = RouteOpt,
    period: str | None = PeriodOpt,
    start: str | None = StartOpt,
    end: str | None = EndOpt,
    date_field: str = DateFieldOpt,
    as_of: str | None = AsOfOpt,
    kind: list[str] | None = typer.Option(
        None, "--type", help="Recurring, Anomaly, Seasonal or Trend (repeatable; default all)."
    ),
    rescan: bool = RescanOpt,
    fmt: Format = FormatOption,
) -> None:
    """Recurring causes, anomalies, seasonal profiles and trends, with confidence and figures."""
    from dfras.patterns import service

    args = ScopeArgs(
        city, state, client, warehouse, driver, partner, route, period, start, end, date_field,
        as_of,
    )  # fmt: skip
    types = [k.capitalize() for k in kind] if kind else None
    store = open_store()
    try:
        if rescan:
            service.scan(store)
        found = service.list_patterns(store, _scope(store, args), types=types)
    finally:
        store.close()
    _show([d.to_dict() for d in found], fmt, "Patterns", "no pattern found in this scope")


@app.command()
def correlations(
    city: list[str] | None = CityOpt,
    period: str | None = PeriodOpt,
    start: str | None = StartOpt,
    end: str | None = EndOpt,
    as_of: str | None = AsOfOpt,
    kind: list[str] | None = typer.Option(
        None, "--type", help="Temporal, Spatial or Statistical (repeatable; default all)."
    ),
    graph: str | None = typer.Option(
        None, "--graph", help="Print the causal chain of one correlation (id) as graph JSON."
    ),
    rescan: bool = RescanOpt,
    fmt: Format = FormatOption,
) -> None:
    """External events (weather, traffic, strikes, festivals) linked to failures: in time, in
    neighbouring cities, and across cities."""
    from dfras.patterns import service

    args = ScopeArgs(city=city, period=period, start=start, end=end, as_of=as_of)
    store = open_store()
    try:
        if rescan:
            service.scan(store)
        if graph:
            chain = service.causal_chain(store, graph)
            emit(chain, Format.json)
            return
        types = [k.capitalize() for k in kind] if kind else None
        found = service.list_correlations(store, _scope(store, args), types=types)
    finally:
        store.close()
    rows = [c.to_dict() for c in found]
    if fmt != Format.table:
        emit(rows, fmt, rows=[_flat_correlation(r) for r in rows])
        return
    if not rows:
        console.print("no event correlation found in this scope")
        return
    print_table(
        [_flat_correlation(r) for r in rows],
        title="Event correlations",
        columns=["correlation_id", "type", "event", "outcome", "city", "window", "strength",
                 "confidence", "distance_km"],
    )  # fmt: skip


def _show(rows: list[dict[str, Any]], fmt: Format, title: str, empty: str) -> None:
    flat = [_flat_pattern(r) for r in rows]
    if fmt != Format.table:
        emit(rows, fmt, rows=flat)
        return
    if not rows:
        console.print(empty)
        return
    print_table(
        flat,
        title=title,
        columns=["pattern_id", "type", "entity", "outcome", "window", "confidence", "summary"],
    )


def _flat_pattern(r: dict[str, Any]) -> dict[str, Any]:
    entity = ", ".join(f"{k}={v}" for k, v in r["entity"].items()) or "network"
    return {
        "pattern_id": r["pattern_id"],
        "type": r["type"],
        "entity": entity,
        "outcome": r["outcome"],
        "window": f"{r['window']['start']} to {r['window']['end']}",
        "confidence": round(r["confidence"], 4),
        "summary": r["description"],
    }


def _flat_correlation(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "correlation_id": r["correlation_id"],
        "type": r["type"],
        "event": f"{r['primary_event']['type']}={r['primary_event']['key']}",
        "outcome": r["secondary_event"]["key"],
        "city": r["entity"].get("city", "(all cities)"),
        "window": f"{r['window']['start']} to {r['window']['end']}"
        if r["window"]["start"]
        else "(whole period)",
        "strength": round(r["strength"], 4),
        "confidence": round(r["confidence"], 4),
        "distance_km": r["distance_km"],
    }
