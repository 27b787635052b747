"""``dfras monitor``: evaluate alert rules and deliver notifications on a schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from dfras.cli.app import FormatOption, app, store_location
from dfras.cli.output import Format, console, err_console, print_json


@app.command()
def monitor(
    interval: float = typer.Option(
        300.0, "--interval", help="Seconds between ticks (evaluation + delivery)."
    ),
    once: bool = typer.Option(False, "--once", help="Run one tick and exit."),
    ticks: int | None = typer.Option(
        None, "--ticks", help="Stop after this many scheduled ticks.", hidden=True
    ),
    retry_base: float = typer.Option(
        30.0, "--retry-base", help="First retry delay in seconds (doubles per attempt)."
    ),
    max_attempts: int = typer.Option(
        12, "--max-attempts", help="Attempts before a notification is given up on."
    ),
    fmt: Format = FormatOption,
) -> None:
    """Run the alert scheduler: every --interval seconds evaluate the rules, then send what
    is due in the outbox (failed sends are retried with exponential backoff)."""
    from dfras.alerts.monitor import run_monitor, run_tick
    from dfras.alerts.outbox import RetryPolicy
    from dfras.domain.errors import UserError

    if interval <= 0:
        raise UserError("--interval must be a positive number of seconds")
    location = store_location()
    if location != ":memory:" and not Path(location).exists():
        raise UserError(
            f"no store at {location}", hint="import data first, or point --db at the store"
        )
    policy = RetryPolicy(base_seconds=retry_base, max_attempts=max_attempts)

    def report(result: Any) -> None:
        if fmt == Format.json:
            print_json(result if isinstance(result, str) else result.to_dict())
            return
        if isinstance(result, str):
            err_console.print(result)
            return
        d = result.delivery
        console.print(
            f"{result.at:%Y-%m-%d %H:%M:%S} rules {len(result.rules)}: "
            f"{result.opened} opened, "
            f"{sum(len(r.resolved) for r in result.rules)} resolved, "
            f"{sum(1 for r in result.rules if r.status != 'evaluated')} not evaluated; "
            f"deliveries {len(d.delivered)} sent, {len(d.retrying)} to retry, "
            f"{len(d.failed)} given up",
            highlight=False,
        )
        for r in result.rules:
            if r.status != "evaluated":
                console.print(f"  {r.rule}: {r.status} — {r.reason}", highlight=False)

    if once:
        report(run_tick(location, policy=policy))
        return
    if fmt != Format.json:
        console.print(f"monitoring {location} every {interval:g} s (Ctrl-C to stop)")
    run_monitor(location, interval=interval, on_tick=report, policy=policy, ticks=ticks)
