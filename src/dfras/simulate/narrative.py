"""The simulation in words: what changes, with intervals, what goes over capacity, what helps.

Every number comes from the :class:`~dfras.simulate.service.Simulation`; intervals are 90%.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dfras.simulate.results import is_new_overload

if TYPE_CHECKING:
    from dfras.simulate.service import Simulation


def _count(s: dict[str, Any], what: str) -> str:
    return (
        f"{s['mean']:,.0f} {what} (90% interval {s['p05']:,.0f}–{s['p95']:,.0f}; "
        f"today {s['baseline_mean']:,.0f}, {s['delta_mean']:+,.0f})"
    )


def narrate(sim: Simulation) -> str:
    t = sim.summary["total"]
    lines = [
        f"Simulated {sim.label}, {sim.start} to {sim.end}, {sim.runs:,} runs (seed {sim.seed}): "
        f"{t['orders']['mean']:,.0f} orders, {_count(t['failed'], 'failed')}, "
        f"{_count(t['late'], 'late')}, {_count(t['returned'], 'returned')}."
    ]
    over = [c for c in sim.capacity if is_new_overload(c)]
    already = [c for c in sim.capacity if c["p_over_capacity"] >= 0.5 and not is_new_overload(c)]
    if over:
        names = "; ".join(
            f"{c['name']} (warehouse {c['warehouse_id']}, {c['city']}: over its "
            f"{c['capacity_per_day']:g} orders a day in {c['p_over_capacity']:.0%} of runs, "
            f"about {c['over_capacity_days']['p50']:.0f} days from {c['first_over_day']})"
            for c in over[:6]
        )
        more = f" and {len(over) - 6} more" if len(over) > 6 else ""
        lines.append(f"Over capacity: {names}{more}.")
    else:
        lines.append("The change pushes no warehouse over capacity in most runs.")
    if already:
        names = ", ".join(
            f"{c['name']} ({c['city']}, {c['p_over_capacity_baseline']:.0%} of runs today)"
            for c in already[:6]
        )
        lines.append(f"Already at risk of going over capacity today: {names}.")
    risks = [r for r in sim.risks if r["kind"] != "over capacity"][:5]
    if risks:
        lines.append(
            "New risks against today: "
            + "; ".join(f"{r['level']} {r['name']}: {r['detail']}" for r in risks)
            + "."
        )
    elif not over:
        lines.append("No city, warehouse or partner gets significantly worse (90% intervals).")
    if sim.mitigations:
        top = sim.mitigations[:3]
        lines.append(
            "Mitigations, by simulated effect: "
            + "; ".join(
                f"{i}. {m['action']} — {m['avoided_mean']:,.0f} fewer failed or late orders "
                f"(90% interval {m['avoided_p05']:,.0f} to {m['avoided_p95']:,.0f})"
                for i, m in enumerate(top, start=1)
            )
            + "."
        )
    for n in sim.notes:
        lines.append(f"Note: {n}.")
    return "\n".join(lines)
