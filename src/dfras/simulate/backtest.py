"""Backtest: fit on the data before a day, simulate the month after it, compare with what
happened.

For each month the engine's 90% interval per (city, statistic) — orders, failed, returned,
late — is checked against the actual counts; the coverage (share of cells inside) should be
near 90%. Months whose orders may still be open (within the settle window of the data's last
day) are refused, since their actual outcomes are not known yet.
"""

from __future__ import annotations

import calendar as cal
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from dfras.domain.errors import UserError
from dfras.query import simulation as q
from dfras.simulate.engine import STATS, base_spec, simulate_runs
from dfras.simulate.model import SETTLE_DAYS, fit_model

if TYPE_CHECKING:
    from dfras.store.base import Store


@dataclass
class Backtest:
    months: list[dict[str, Any]] = field(default_factory=list)
    cells: int = 0
    covered: int = 0
    by_statistic: dict[str, float] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        return self.covered / self.cells if self.cells else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "coverage": round(self.coverage, 4),
            "cells": self.cells,
            "covered": self.covered,
            "interval": "90%",
            "by_statistic": {k: round(v, 4) for k, v in self.by_statistic.items()},
            "months": self.months,
        }


def next_month(day: date) -> date:
    """The same day a month later (clamped to the month's length)."""
    y, m = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(y, m, min(day.day, cal.monthrange(y, m)[1]))


def backtest(
    store: Store, *, until: date, months: int = 1, runs: int = 2000, seed: int = 1
) -> Backtest:
    """Backtest ``months`` successive months starting at ``until``."""
    from dfras.fact import service as fact_service

    fact_service.ensure_current(store)
    last = store.fetchall(q.DATA_SPAN)[0][1]
    if last is None:
        raise UserError("the store holds no orders", hint="import data first: dfras ingest PATH")
    last = last if type(last) is date else last.date()
    settled = last - timedelta(days=SETTLE_DAYS)
    out = Backtest()
    hits = {s: [0, 0] for s in STATS}
    start = until
    for _ in range(months):
        end = next_month(start)
        if end - timedelta(days=1) > settled:
            raise UserError(
                f"cannot backtest {start} to {end - timedelta(days=1)}: orders after {settled} "
                f"may still be open (the data ends on {last})",
                hint=f"use an earlier --until, at most {months} month(s) before {settled}",
            )
        model = fit_model(store, cutoff=start)
        spec = base_spec(model, start, (end - start).days)
        runs_ = simulate_runs(model, spec, runs=runs, seed=seed)
        actual = {
            r[0]: r[1:]
            for r in store.fetchall(
                "SELECT city, count(*), sum(CASE WHEN is_failed THEN 1 ELSE 0 END), "
                "sum(CASE WHEN is_returned THEN 1 ELSE 0 END), "
                "sum(CASE WHEN is_late THEN 1 ELSE 0 END) FROM delivery_fact "
                "WHERE order_day >= CAST(? AS DATE) AND order_day < CAST(? AS DATE) GROUP BY 1",
                [start.isoformat(), end.isoformat()],
            )
        }
        rows: list[dict[str, Any]] = []
        for c, city in enumerate(model.cities):
            got = actual.get(city, (0, 0, 0, 0))
            lo, hi = np.percentile(runs_.city[:, c, :], [5, 95], axis=0)
            for i, s in enumerate(STATS):
                inside = bool(lo[i] <= float(got[i]) <= hi[i])
                hits[s][0] += inside
                hits[s][1] += 1
                out.cells += 1
                out.covered += inside
                rows.append(
                    {"city": city, "statistic": s, "actual": int(got[i]), "p05": float(lo[i]),
                     "p95": float(hi[i]), "mean": round(float(runs_.city[:, c, i].mean()), 1),
                     "inside": inside}
                )  # fmt: skip
        out.months.append(
            {
                "start": start.isoformat(),
                "end": (end - timedelta(days=1)).isoformat(),
                "coverage": round(sum(r["inside"] for r in rows) / len(rows), 4),
                "cells": rows,
            }
        )
        start = end
    out.by_statistic = {s: h[0] / h[1] for s, h in hits.items() if h[1]}
    return out
