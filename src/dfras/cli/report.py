"""``dfras report``: a report of a scope as HTML, PDF or Excel; ``dfras schedule``: reports
generated daily or weekly."""

from __future__ import annotations

from pathlib import Path

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


@app.command()
def report(
    output: Path = typer.Option(..., "--output", "-o", help="File to write: .html, .pdf or .xlsx."),
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
    title: str | None = typer.Option(None, "--title", help="Title on the first page."),
    fmt: Format = FormatOption,
) -> None:
    """Write a report of the scope: summary, key figures, causes with charts, recommendations
    and appendix tables; the format follows the file's extension."""
    from dfras.analysis.explain import default_as_of
    from dfras.reports.service import format_of, write_report

    format_of(output)  # refuse a bad extension before any work
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
        size = write_report(store, scope, output, title=title)
    finally:
        store.close()
    data = {"output": str(output), "format": format_of(output), "bytes": size}
    if fmt != Format.table:
        emit(data, fmt)
        return
    console.print(f"wrote {output} ({size:,} bytes)")


schedule_app = typer.Typer(
    help="Reports generated daily or weekly and delivered (to a folder until channels are set).",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")


@schedule_app.command("add")
def schedule_add(
    name: str = typer.Argument(..., help="Name of the schedule (letters, digits, - _ . space)."),
    frequency: str = typer.Option("weekly", "--frequency", help="daily or weekly."),
    weekday: int = typer.Option(0, "--weekday", help="0 = Monday … 6 = Sunday (weekly)."),
    hour: int = typer.Option(7, "--hour", help="Hour of day (server local time)."),
    report_format: str = typer.Option("pdf", "--report-format", help="html, pdf or xlsx."),
    city: list[str] | None = CityOpt,
    warehouse: list[int] | None = WarehouseOpt,
    partner: list[str] | None = PartnerOpt,
    client: list[int] | None = ClientOpt,
    period: str | None = PeriodOpt,
    channel: list[str] | None = typer.Option(None, "--channel", help="Delivery channel name."),
    fmt: Format = FormatOption,
) -> None:
    """Add or replace a report schedule."""
    from dfras.reports import schedule

    scope = {
        k: v
        for k, v in {
            "city": city,
            "warehouse_id": warehouse,
            "partner_company": partner,
            "client_id": client,
            "period": period,
        }.items()
        if v
    }
    store = open_store()
    try:
        saved = schedule.save(
            store,
            schedule.Schedule(
                name=name,
                frequency=frequency,
                weekday=weekday,
                hour=hour,
                format=report_format,
                scope=scope,
                channels=list(channel or []),
            ),
        )
    finally:
        store.close()
    if fmt != Format.table:
        emit(saved.to_dict(), fmt)
    else:
        console.print(f"saved schedule {name}")


@schedule_app.command("list")
def schedule_list(fmt: Format = FormatOption) -> None:
    """The report schedules and when each last ran."""
    from dfras.reports import schedule

    store = open_store()
    try:
        rows = [s.to_dict() for s in schedule.list_schedules(store)]
    finally:
        store.close()
    if fmt != Format.table:
        emit(rows, fmt, rows=rows)
        return
    if rows:
        print_table(rows, title="Report schedules")
    else:
        console.print("no report schedules")


@schedule_app.command("remove")
def schedule_remove(name: str = typer.Argument(...), fmt: Format = FormatOption) -> None:
    """Remove a report schedule."""
    from dfras.reports import schedule

    store = open_store()
    try:
        schedule.remove(store, name)
    finally:
        store.close()
    if fmt != Format.table:
        emit({"removed": name}, fmt)
    else:
        console.print(f"removed {name}")


@schedule_app.command("run")
def schedule_run(
    out: Path = typer.Option(
        Path("reports"),
        "--out",
        help="Folder for reports of schedules without channels (and the fallback).",
    ),
    fmt: Format = FormatOption,
) -> None:
    """Generate every report that is due now (run from cron; `dfras serve` does it itself)."""
    from dfras.reports import schedule

    store = open_store()
    try:
        from dfras.reports.delivery import ChannelDelivery

        sent = schedule.run_due(store, ChannelDelivery.from_store(store, out))
    finally:
        store.close()
    if fmt != Format.table:
        emit(sent, fmt, rows=sent)
        return
    if sent:
        print_table(sent, title="Reports sent")
    else:
        console.print("no report is due")
