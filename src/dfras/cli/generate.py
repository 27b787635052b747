"""``dfras generate``: a synthetic data set with known planted causes."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from dfras.cli.app import FormatOption, app
from dfras.cli.output import Format, console, emit, err_console
from dfras.domain.errors import UserError


def _day(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise UserError(f"{text!r} is not a date", hint="write dates as YYYY-MM-DD") from exc


@app.command()
def generate(
    out: Path = typer.Argument(..., help="Folder to write the eight CSVs and truth files to."),
    orders: int = typer.Option(20_000, "--orders", "-n", min=1, help="Number of orders."),
    seed: int = typer.Option(7, "--seed", help="Random seed (same seed, same files)."),
    scenario: str = typer.Option("default", "--scenario", help="Planted causes: default or null."),
    start: str = typer.Option("2025-01-01", "--start", help="First order day (YYYY-MM-DD)."),
    end: str = typer.Option("2025-09-12", "--end", help="Last order day (YYYY-MM-DD)."),
    fmt: Format = FormatOption,
) -> None:
    """Write orders, clients, warehouses, drivers and the four logs, plus truth.json."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dfras.generate import SCENARIOS
    from dfras.generate import generate as run

    if scenario not in SCENARIOS:
        raise UserError(
            f"unknown scenario {scenario!r}", hint=f"choose one of {', '.join(SCENARIOS)}"
        )
    first, last = _day(start), _day(end)
    if last < first:
        raise UserError("--end is before --start")
    out.mkdir(parents=True, exist_ok=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=fmt != Format.table,
    ) as bar:
        task = bar.add_task("generating", total=1.0)

        def progress(step: str, fraction: float) -> None:
            bar.update(task, description=step, completed=fraction)

        summary = run(
            out,
            orders=orders,
            seed=seed,
            scenario=scenario,
            start=first,
            end=last,
            progress=progress,
        )
    rows = [{"file": name, "rows": n} for name, n in summary.rows.items()]
    emit(summary, fmt, rows=rows, title=f"Generated in {out}")
    if fmt == Format.table:
        console.print(
            f"{summary.planted} planted cause(s), scenario {scenario}, seed {seed}, "
            f"{summary.seconds:.1f} s; truth in {out / 'truth.json'}"
        )
