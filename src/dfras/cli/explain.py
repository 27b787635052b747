"""``dfras explain`` and ``dfras compare``: why an outcome is high, and where a gap comes from."""

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
    parse_as_of,
)

OutcomeOpt = typer.Option("failure", "--outcome", "-o", help="failure, return, late or delay.")


@app.command()
def explain(
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
    outcome: str = OutcomeOpt,
    fdr: float = typer.Option(0.05, "--fdr", help="False discovery rate to hold (0–1)."),
    min_support: int = typer.Option(25, "--min-support", help="Smallest segment tested."),
    limit: int = typer.Option(20, "--limit", help="Segments to report."),
    fmt: Format = FormatOption,
) -> None:
    """Which segments, combinations and time windows have the outcome above the rest."""
    from dfras.analysis.explain import default_as_of
    from dfras.analysis.explain import explain as run
    from dfras.domain.errors import UserError

    if not 0 < fdr < 1:
        raise UserError("--fdr must be between 0 and 1")
    args = ScopeArgs(
        city,
        state,
        client,
        warehouse,
        driver,
        partner,
        route,
        period,
        start,
        end,
        date_field,
        as_of,
    )
    store = open_store()
    try:
        scope = build_scope(args, default_as_of=default_as_of(store))
        result = run(
            store,
            scope=scope,
            outcome=outcome,
            fdr=fdr,
            min_support=min_support,
            limit=limit,
            as_of=parse_as_of(as_of),
        )
    finally:
        store.close()
    data = result.to_dict()
    rows = [_segment_row(s) for s in data["segments"]]
    if fmt != Format.table:
        emit(data, fmt, rows=rows)
        return
    console.print(result.narrative, highlight=False)
    if rows:
        print_table(rows, title="Segments (causes first, then symptoms)")


def segment_label(s: dict[str, Any]) -> str:
    """A segment's conditions, window and reason on one line (for tables)."""
    cond = ", ".join(f"{k}={v}" for k, v in s["conditions"].items())
    if s.get("window"):
        cond += f" [{s['window']['start']}…{s['window']['end']}]"
    if s.get("cause"):
        cond += f" ({s['cause']})"
    return cond


def _segment_row(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "segment": segment_label(s),
        "role": s["role"],
        "support": s["support"],
        "rate": s["rate"],
        "baseline": s["baseline"],
        "risk_ratio": s["risk_ratio"],
        "ci": f"{s['ci'][0]:.2f}–{s['ci'][1]:.2f}",
        "excess": s["excess"],
        "q_value": s["q_value"],
    }


@app.command()
def compare(
    city: list[str] | None = CityOpt,
    warehouse: list[int] | None = WarehouseOpt,
    partner: list[str] | None = PartnerOpt,
    client: list[int] | None = ClientOpt,
    period: str | None = PeriodOpt,
    start: str | None = StartOpt,
    end: str | None = EndOpt,
    vs_city: list[str] | None = typer.Option(None, "--vs-city", help="City of scope B."),
    vs_warehouse: list[int] | None = typer.Option(None, "--vs-warehouse", help="Warehouse of B."),
    vs_partner: list[str] | None = typer.Option(None, "--vs-partner", help="Partner of scope B."),
    vs_client: list[int] | None = typer.Option(None, "--vs-client", help="Client of scope B."),
    vs_period: str | None = typer.Option(None, "--vs-period", help="Period of scope B."),
    vs_start: str | None = typer.Option(None, "--vs-start", help="First day of scope B."),
    vs_end: str | None = typer.Option(None, "--vs-end", help="Last day of scope B."),
    vs_rest: bool = typer.Option(False, "--vs-rest", help="Compare A with all other orders."),
    as_of: str | None = AsOfOpt,
    outcome: str = OutcomeOpt,
    fmt: Format = FormatOption,
) -> None:
    """Compare two scopes: the gap, its mix and rate parts per attribute, causes side by side.

    Scope A takes the plain options, scope B the --vs-* ones (unset --vs-* options repeat A's);
    --vs-rest compares A with every other order.
    """
    from dfras.analysis.compare import compare as run
    from dfras.analysis.explain import default_as_of

    store = open_store()
    try:
        base_as_of = default_as_of(store)
        a = ScopeArgs(
            city=city,
            warehouse=warehouse,
            partner=partner,
            client=client,
            period=period,
            start=start,
            end=end,
            as_of=as_of,
        )
        scope_a = build_scope(a, default_as_of=base_as_of)
        scope_b = None
        if not vs_rest:
            b = ScopeArgs(
                city=vs_city or city,
                warehouse=vs_warehouse or warehouse,
                partner=vs_partner or partner,
                client=vs_client or client,
                period=vs_period if (vs_period or vs_start or vs_end) else period,
                start=vs_start if (vs_period or vs_start or vs_end) else start,
                end=vs_end if (vs_period or vs_start or vs_end) else end,
                as_of=as_of,
            )
            scope_b = build_scope(b, default_as_of=base_as_of)
        result = run(store, scope_a=scope_a, scope_b=scope_b, outcome=outcome)
    finally:
        store.close()
    data = result.to_dict()
    rows = [
        {"attribute": d["attribute"], "mix": d["mix"], "rate": d["rate"], "total": d["total"]}
        for d in data["decomposition"]
    ]
    if fmt != Format.table:
        emit(data, fmt, rows=rows)
        return
    console.print(result.narrative, highlight=False)
    if rows:
        print_table(rows[:10], title="Where the difference comes from (mix + rate = total)")
    if data["causes"]:
        print_table(data["causes"], title="Recorded failure reasons, A vs B")
