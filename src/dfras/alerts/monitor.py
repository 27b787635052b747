"""``dfras monitor``: periodic evaluation and outbox delivery on an APScheduler interval job.

Each tick opens the store, evaluates, delivers what is due, and closes it again, so imports
(which need the DuckDB file to themselves) can run between ticks; a tick that finds the store
busy says so and waits for the next one. Ticks never overlap (one instance, missed runs
coalesced).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from dfras.alerts.outbox import RetryPolicy
from dfras.alerts.service import EvaluationReport, tick
from dfras.domain.errors import UserError
from dfras.store.open import open_store

TickResult = EvaluationReport | str
OnTick = Callable[[TickResult], None]


def run_tick(location: str, *, policy: RetryPolicy | None = None) -> TickResult:
    """One tick against the store at ``location``; a busy store is a message, not an error."""
    try:
        store = open_store(location)
    except UserError as exc:
        return f"skipped: {exc.message}"
    try:
        return tick(store, policy=policy)
    finally:
        store.close()


def run_monitor(
    location: str,
    *,
    interval: float,
    on_tick: OnTick,
    policy: RetryPolicy | None = None,
    ticks: int | None = None,
) -> int:
    """Run ticks every ``interval`` seconds until interrupted (or after ``ticks`` ticks);
    returns the number of ticks run."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler()
    count = 0

    def job() -> None:
        nonlocal count
        on_tick(run_tick(location, policy=policy))
        count += 1
        if ticks is not None and count >= ticks:
            scheduler.shutdown(wait=False)

    scheduler.add_job(
        job,
        "interval",
        seconds=interval,
        next_run_time=datetime.now(),
        max_instances=1,
        coalesce=True,
        id="dfras-alerts-tick",
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    return count
