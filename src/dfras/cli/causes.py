"""``dfras causes`` and ``dfras order``: per-order root causes, and one order's story."""

from __future__ import annotations

from typing import Any

import typer

from dfras.cli.app import FormatOption, app, open_store
from dfras.cli.output import Format, console, emit, print_table


@app.command()
def causes(
    city: list[str] | None = typer.Option(None, "--city", help="City (repeat for several)."),
    client: list[int] | None = typer.Option(None, "--client", help="Client id (repeatable)."),
    warehouse: list[int] | None = typer.Option(
        None, "--warehouse", help="Warehouse id (repeatable)."
    ),
    driver: list[int] | None = typer.Option(None, "--driver", help="Driver id (repeatable)."),
    partner: list[str] | None = typer.Option(
        None, "--partner", help="Partner company (repeatable)."
    ),
    route: list[str] | None = typer.Option(None, "--route", help="Route code (repeatable)."),
    start: str | None = typer.Option(None, "--start", help="First order day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last order day, YYYY-MM-DD."),
    outcome: str | None = typer.Option(
        None, "--outcome", "-o", help="Only failure, return or late orders."
    ),
    limit: int | None = typer.Option(None, "--limit", help="At most this many orders."),
    fmt: Format = FormatOption,
) -> None:
    """Per-order root cause of every failed, returned or late order in a scope."""
    from dfras.analysis.scope import make_scope
    from dfras.causes.service import list_causes

    scope = make_scope(
        start=start,
        end=end,
        city=city,
        client_id=client,
        warehouse_id=warehouse,
        driver_id=driver,
        partner_company=partner,
        route_code=route,
    )
    store = open_store()
    try:
        found = list_causes(store, scope=scope, outcome=outcome, limit=limit)
    finally:
        store.close()
    rows = [c.flat() for c in found]
    if fmt != Format.table:
        emit([c.to_dict() for c in found], fmt, rows=rows)
        return
    shown = rows[:50] if limit is None else rows
    print_table(
        shown,
        title=f"Per-order root causes ({scope.describe()})",
        columns=[
            "order_id",
            "outcome",
            "primary_cause",
            "confidence",
            "recorded_reason",
            "recorded_reason_status",
        ],
    )
    if len(rows) > len(shown):
        console.print(f"{len(rows) - len(shown):,} more: use --limit, or --format csv / json")
    if not rows:
        console.print("no failed, returned or late orders in this scope")


@app.command()
def order(
    order_id: int = typer.Argument(..., help="The order id."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output: table or json."),
) -> None:
    """One order: its timeline, its root cause with evidence, what to tell the customer."""
    from dfras.causes.service import order_detail
    from dfras.domain.errors import UserError

    if fmt == Format.csv:
        raise UserError("`dfras order` prints a table or json", hint="use --format json")
    store = open_store()
    try:
        detail = order_detail(store, order_id)
    finally:
        store.close()
    if fmt == Format.json:
        emit(detail, fmt)
        return
    print_table(
        [s.to_dict() for s in detail.timeline],
        title=f"Order {detail.order_id} ({detail.status})",
        columns=["at", "event", "detail", "record"],
    )
    cause = detail.cause
    if cause is not None:
        print_table(_cause_rows(cause.to_dict()), title="Root cause", columns=["field", "value"])
    console.print(f"[bold]Tell the customer:[/] {detail.customer_message}", highlight=False)


def _cause_rows(cause: dict[str, Any]) -> list[dict[str, Any]]:
    keep = (
        "primary_cause",
        "confidence",
        "contributing_causes",
        "category",
        "severity",
        "recorded_reason",
        "recorded_reason_status",
        "delay_split",
        "preventive_measures",
        "resolution_status",
    )
    rows = [{"field": k, "value": cause[k]} for k in keep if cause.get(k) not in (None, [])]
    for item in cause["evidence"].get("findings") or []:
        rows.append(
            {
                "field": f"evidence {item['evidence']} = {item['value']}",
                "value": f"likelihood ratio {item['likelihood_ratio']}",
            }
        )
    return rows
