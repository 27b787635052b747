"""The public entry point: ``generate`` writes one synthetic data set and its answer key.

It validates the inputs, then runs the stages in order (master data, the scenario's planted
causes, orders, outcomes, timelines, evidence, tables), writes the eight CSVs in the sample
layout plus ``truth_orders.csv`` and ``truth.json``, and reports progress as it goes. The same
(orders, seed, scenario, start, end) always give byte-identical files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dfras.generate import logs, master, truth
from dfras.generate.causes import SCENARIOS, choose_plan, epoch_day
from dfras.generate.entities import build_world
from dfras.generate.evidence import build_evidence
from dfras.generate.orders import build_orders
from dfras.generate.outcomes import draw_outcomes
from dfras.generate.sampling import Streams
from dfras.generate.timeline import build_timeline
from dfras.generate.writer import Table, write_csv

DAY = 86_400
CSV_FILES: tuple[str, ...] = (
    "orders",
    "clients",
    "warehouses",
    "drivers",
    "warehouse_logs",
    "fleet_logs",
    "external_factors",
    "feedback",
)


@dataclass(frozen=True)
class GenerationSummary:
    """What one ``generate`` call wrote."""

    out_dir: Path
    orders: int
    seed: int
    scenario: str
    rows: dict[str, int] = field(default_factory=dict)  # file name (without .csv) -> data rows
    planted: int = 0
    seconds: float = 0.0


def _validate(orders: int, seed: int, scenario: str, start: date, end: date) -> None:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; valid: {', '.join(sorted(SCENARIOS))}")
    if orders < 1:
        raise ValueError(f"orders must be at least 1, got {orders}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")


def generate(
    out_dir: Path,
    *,
    orders: int,
    seed: int,
    scenario: str = "default",
    start: date = date(2025, 1, 1),
    end: date = date(2025, 9, 12),
    progress: Callable[[str, float], None] | None = None,
) -> GenerationSummary:
    """Write a synthetic data set with known planted causes into ``out_dir``.

    ``progress(stage, fraction)`` is called as the work advances (fraction in 0..1).
    Raises ``ValueError`` for an unknown scenario, fewer than one order, a negative seed or
    ``end`` before ``start``.
    """
    _validate(orders, seed, scenario, start, end)
    began = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = Streams(seed)
    start_ts = epoch_day(start) * DAY
    extract_ts = (epoch_day(end) + 1) * DAY - 1  # the extract is taken at the end of `end`

    report("entities", 0.0)
    world = build_world(streams, orders, start_ts, heterogeneous=scenario != "null")
    plan = choose_plan(streams.rng("plan"), world, scenario, start, end)
    report("orders", 0.05)
    order_data = build_orders(streams, orders, world, plan)
    report("outcomes", 0.15)
    outcomes = draw_outcomes(streams, order_data, world, plan)
    report("timelines", 0.25)
    timeline = build_timeline(streams, order_data, world, outcomes, plan, extract_ts)
    evidence = build_evidence(streams, order_data, outcomes, timeline, plan)

    # each table is built just before it is written, so only one is in memory at a time
    builders: list[Callable[[], Table]] = [
        lambda: master.orders_table(
            streams, order_data, world, outcomes, timeline, evidence, extract_ts
        ),
        lambda: master.clients_table(world),
        lambda: master.warehouses_table(world),
        lambda: master.drivers_table(world),
        lambda: logs.warehouse_logs(streams, order_data, timeline, evidence),
        lambda: logs.fleet_logs(streams, order_data, world, timeline, evidence),
        lambda: logs.external_factors(streams, order_data, timeline, evidence),
        lambda: logs.feedback(streams, order_data, world, timeline, evidence, plan, extract_ts),
        lambda: truth.truth_orders_table(order_data, outcomes, timeline, plan),
    ]
    rows: dict[str, int] = {}
    for i, build in enumerate(builders):
        table = build()
        report(f"writing {table.name}.csv", 0.35 + 0.55 * i / len(builders))
        path = out_dir / f"{table.name}.csv"
        rows[table.name] = write_csv(path, table.header, table.columns, table.rows)
        del table

    report("truth.json", 0.92)
    document = truth.truth_document(
        order_data,
        world,
        outcomes,
        timeline,
        plan,
        n_orders=orders,
        seed=seed,
        start=start,
        end=end,
    )
    truth.write_truth_json(out_dir / "truth.json", document)
    report("done", 1.0)
    return GenerationSummary(
        out_dir=out_dir,
        orders=orders,
        seed=seed,
        scenario=scenario,
        rows=rows,
        planted=len(plan.planted),
        seconds=round(time.perf_counter() - began, 3),
    )
