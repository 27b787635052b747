"""Summaries of Monte Carlo runs: expected counts with 90% intervals, against the baseline.

Intervals are the 5th and 95th percentiles over runs (each run already carries parameter,
volume and count noise). Differences to the baseline are taken run by run (both simulated with
the same seed, so common random numbers cancel most of the shared noise) and summarised the
same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from dfras.simulate.engine import STATS, RunArrays
from dfras.simulate.model import FittedModel


def quantiles(x: np.ndarray) -> dict[str, float]:
    """Mean, 5th, 50th and 95th percentile over runs (axis 0)."""
    p05, p50, p95 = np.percentile(x, [5, 50, 95], axis=0)
    return {"mean": float(np.mean(x)), "p05": float(p05), "p50": float(p50), "p95": float(p95)}


def compare_stats(run: np.ndarray, base: np.ndarray) -> dict[str, dict[str, float]]:
    """Per statistic: the scenario's quantiles, the baseline's mean, and the run-wise change."""
    out: dict[str, dict[str, float]] = {}
    for i, s in enumerate(STATS):
        q = quantiles(run[:, i])
        delta = quantiles(run[:, i] - base[:, i])
        q.update(
            baseline_mean=float(base[:, i].mean()),
            delta_mean=delta["mean"],
            delta_p05=delta["p05"],
            delta_p95=delta["p95"],
        )
        out[s] = {k: round(v, 2) for k, v in q.items()}
    return out


def breakdowns(model: FittedModel, run: RunArrays, base: RunArrays) -> dict[str, Any]:
    """Totals and per city / warehouse / partner, each entity with every statistic."""
    wh_names = [str(w.warehouse_id) for w in model.warehouses]
    out: dict[str, Any] = {"total": compare_stats(run.total, base.total)}
    names: Sequence[str]
    for level, names, a, b in (
        ("city", model.cities, run.city, base.city),
        ("warehouse", wh_names, run.warehouse, base.warehouse),
        ("partner", model.partners, run.partner, base.partner),
    ):
        rows: list[dict[str, Any]] = []
        for j, name in enumerate(names):
            if a[:, j, 0].max() == 0 and b[:, j, 0].max() == 0:
                continue
            rows.append({"name": name, **compare_stats(a[:, j, :], b[:, j, :])})
        rows.sort(key=lambda r: -(r["failed"]["mean"] + r["late"]["mean"]))
        out[f"by_{level}"] = rows
    return out


def capacity_report(
    model: FittedModel, start: date, run: RunArrays, base: RunArrays, capacity: np.ndarray
) -> list[dict[str, Any]]:
    """Warehouses that go over capacity in at least 5% of runs (scenario or baseline): how
    often, for how many days, from when, and how far over."""
    rows: list[dict[str, Any]] = []
    for w, wh in enumerate(model.warehouses):
        p_over = float((run.over_days[:, w] > 0).mean())
        p_base = float((base.over_days[:, w] > 0).mean())
        if max(p_over, p_base) < 0.05:
            continue
        first = run.first_over[:, w]
        first_day = int(np.median(first[first >= 0])) if (first >= 0).any() else None
        rows.append(
            {
                "warehouse_id": wh.warehouse_id,
                "name": wh.name,
                "city": wh.city,
                "capacity_per_day": round(float(capacity[w]), 1),
                "capacity_source": wh.capacity_source,
                "p_over_capacity": round(p_over, 3),
                "p_over_capacity_baseline": round(p_base, 3),
                "over_capacity_days": quantiles(run.over_days[:, w].astype(float)),
                "first_over_day": (start + timedelta(days=first_day)).isoformat()
                if first_day is not None
                else None,
                "peak_load_ratio": {
                    k: round(v, 2) for k, v in quantiles(run.peak_ratio[:, w]).items()
                },
                "orders_failed_by_waiting": round(float(run.overload[:, w, 0].mean()), 1),
                "orders_late_by_waiting": round(float(run.overload[:, w, 1].mean()), 1),
            }
        )
    rows.sort(key=lambda r: (-r["p_over_capacity"], -r["over_capacity_days"]["mean"]))
    for r in rows:
        r["over_capacity_days"] = {k: round(v, 1) for k, v in r["over_capacity_days"].items()}
    return rows


def is_new_overload(c: dict[str, Any]) -> bool:
    """Over capacity in most runs, and in at least 25 points more runs than today."""
    return bool(
        c["p_over_capacity"] >= 0.5 and c["p_over_capacity"] - c["p_over_capacity_baseline"] >= 0.25
    )


def new_risks(summary: dict[str, Any], capacity: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the scenario adds over today: warehouses newly over capacity, and cities,
    warehouses and partners whose failed + late orders rise (90% interval above zero)."""
    risks: list[dict[str, Any]] = []
    for c in capacity:
        if is_new_overload(c):
            risks.append(
                {
                    "kind": "over capacity",
                    "level": "warehouse",
                    "name": str(c["warehouse_id"]),
                    "detail": f"{c['name']} ({c['city']}) over capacity in "
                    f"{c['p_over_capacity']:.0%} of runs (today {c['p_over_capacity_baseline']:.0%}),"
                    f" about {c['over_capacity_days']['p50']:.0f} days, from "
                    f"{c['first_over_day']}",
                    "size": c["orders_failed_by_waiting"] + c["orders_late_by_waiting"],
                }
            )
    for level in ("city", "warehouse", "partner"):
        for row in summary[f"by_{level}"]:
            for stat in ("failed", "late", "returned"):
                s = row[stat]
                if s["delta_p05"] > 0 and s["delta_mean"] >= 1:
                    risks.append(
                        {
                            "kind": f"more {stat}",
                            "level": level,
                            "name": row["name"],
                            "detail": f"{s['delta_mean']:+,.0f} {stat} orders "
                            f"(90% interval {s['delta_p05']:+,.0f} to {s['delta_p95']:+,.0f})",
                            "size": s["delta_mean"],
                        }
                    )
    risks.sort(key=lambda r: -float(r["size"]))
    return risks
