"""``dfras ingest``: import exports (CSV or Parquet files, or folders) into the store."""

from __future__ import annotations

from pathlib import Path

import typer

from dfras.cli.app import FormatOption, app, state, store_location
from dfras.cli.output import Format, console, emit, err_console


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders to import."),
    mapping: Path | None = typer.Option(
        None, "--mapping", "-m", help="YAML/TOML file mapping another export layout."
    ),
    domain: str | None = typer.Option(
        None, "--domain", help="Force the domain of every file (e.g. orders)."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Exit with code 2 when any row was quarantined."
    ),
    defer_causes: bool = typer.Option(
        False,
        "--defer-causes",
        help="Compute per-order causes on first use instead of right after the import.",
    ),
    lake: Path | None = typer.Option(
        None,
        "--lake",
        help="Also write the result to this Parquet lake (changed partitions only).",
    ),
    fmt: Format = FormatOption,
) -> None:
    """Import files: each file is one atomic batch; bad rows go to quarantine, never lost.

    With --lake the embedded engine still parses and validates (same rules, same
    quarantine), then the changed month partitions are written to the lake."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from dfras.ingest.mapping import load_mapping
    from dfras.ingest.service import ingest_paths
    from dfras.store.open import open_store as open_embedded

    checked = load_mapping(mapping) if mapping else None
    # the embedded engine reads and validates files whatever --engine says
    store = open_embedded(store_location(), tenant=state.tenant)
    exported = None
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[amount]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=fmt != Format.table,
        ) as bar:
            task = bar.add_task("importing", total=None, amount="")

            def progress(name: str, done: int, total: int, unit: str) -> None:
                # bytes while the files are read; the stages after show their percentage only
                amount = f"{done / 1e6:,.0f}/{total / 1e6:,.0f} MB" if unit == "bytes" else ""
                bar.update(task, description=name, completed=done, total=total, amount=amount)

            report = ingest_paths(
                store,
                paths,
                mapping=checked,
                domain=domain,
                progress=progress,
                causes=not defer_causes,
            )
            if lake is not None:
                from dfras.lake.export import export_lake

                bar.update(task, description=f"writing lake {lake}")
                exported = export_lake(store, lake.expanduser())
    finally:
        store.close()
    rows = [
        {
            "file": Path(b.source_file).name,
            "domain": b.domain,
            "status": b.status,
            "read": b.rows_read,
            "inserted": b.rows_inserted,
            "updated": b.rows_updated,
            "unchanged": b.rows_unchanged,
            "warned": b.rows_warned,
            "quarantined": b.rows_quarantined,
            "seconds": round(b.seconds, 2),
            "notes": "; ".join(
                b.notes + ([f"{b.error}" + (f" — {b.hint}" if b.hint else "")] if b.error else [])
            ),
        }
        for b in report.batches
    ]
    emit(report, fmt, rows=rows, title="Import")
    if fmt == Format.table:
        from dfras.alerts.rules import NO_RULES

        if report.fact_seconds is not None:
            console.print(f"delivery fact rebuilt in {report.fact_seconds:.2f} s")
        if report.causes_seconds is not None:
            console.print(f"per-order causes recomputed in {report.causes_seconds:.2f} s")
        if report.patterns_seconds is not None:
            console.print(
                f"anomalies, patterns and correlations rescanned in "
                f"{report.patterns_seconds:.2f} s (see `dfras patterns`)"
            )
        if isinstance(report.alerts, str) and report.alerts != NO_RULES:
            err_console.print(f"[yellow]alerts:[/] {report.alerts}", highlight=False)
        elif report.alerts is not None and not isinstance(report.alerts, str):
            console.print(
                f"alert rules evaluated: {report.alerts.opened} alert(s) opened; see `dfras alerts`"
            )
        if exported is not None:
            console.print(
                f"lake {exported.lake}: {exported.rewritten} partition(s) rewritten "
                f"in {exported.seconds:.1f} s"
            )
        if report.rows_quarantined:
            console.print(
                f"[yellow]{report.rows_quarantined:,} row(s) quarantined[/]: "
                "see `dfras quality` for the rules broken and example rows"
            )
        for b in report.rejected:
            err_console.print(f"[bold red]rejected:[/] {b.error}", highlight=False)
            if b.hint:
                err_console.print(f"[yellow]what to do:[/] {b.hint}", highlight=False)
    if report.rejected or (strict and report.rows_quarantined):
        raise typer.Exit(2)
