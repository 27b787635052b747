"""Comparison of two scopes: how big the gap is, and where it comes from.

For each attribute the difference in outcome rate is split exactly (Kitagawa's decomposition)
into a *mix* part — one scope has more orders in conditions that fail more — and a *rate* part —
it does worse in the same conditions:

    r_A − r_B = Σ_j (w_Aj − w_Bj)·(r_Aj + r_Bj)/2  +  Σ_j (r_Aj − r_Bj)·(w_Aj + w_Bj)/2

with w the share of a scope's orders at level j and r the rate there. Orders where an attribute
is unknown form a level of their own, so the two parts always add up to the difference. A level
present on one side only carries its rate across (its whole effect is mix). The difference gets
a Newcombe (hybrid Wilson score) interval; delay hours get Welch's interval.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from dfras.analysis.attributes import ATTRIBUTES
from dfras.analysis.outcomes import Outcome, get_outcome
from dfras.analysis.scope import Scope
from dfras.fact import service as fact_service
from dfras.query import segments as q
from dfras.query.fact import FACT_TABLE
from dfras.stats.means import welch_difference
from dfras.stats.proportions import wilson_interval
from dfras.store.base import Store

UNKNOWN = "(unknown)"


@dataclass
class Comparison:
    outcome: str
    as_of: datetime | None
    scopes: list[dict[str, Any]]
    difference: dict[str, Any]
    decomposition: list[dict[str, Any]]
    causes: list[dict[str, Any]]
    narrative: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        """Whether the difference's interval excludes zero."""
        ci = self.difference.get("ci")
        return ci is not None and not (ci[0] <= 0 <= ci[1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "scopes": self.scopes,
            "difference": self.difference,
            "significant": self.significant,
            "decomposition": self.decomposition,
            "causes": self.causes,
            "narrative": self.narrative,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def compare(
    store: Store,
    *,
    scope_a: Scope,
    scope_b: Scope | None = None,
    outcome: str | Outcome = "failure",
    attributes: list[str] | None = None,
    level: float = 0.95,
) -> Comparison:
    """Compare ``scope_a`` with ``scope_b`` (or with every other order when it is None)."""
    started = time.perf_counter()
    store = fact_service.for_analysis(store)
    out = outcome if isinstance(outcome, Outcome) else get_outcome(outcome)
    wa, pa = scope_a.where()
    if scope_b is None:
        wb, pb = f"NOT ({wa})", list(pa)
        b_desc: dict[str, Any] = {
            "conditions": {},
            "period": None,
            "description": "all other orders",
        }
    else:
        wb, pb = scope_b.where()
        b_desc = scope_b.to_dict()
    side = f"CASE WHEN {wa} THEN 'A' WHEN {wb} THEN 'B' END"
    side_params = pa + pb
    defining = set(scope_a.filters) | (set(scope_b.filters) if scope_b else set())
    names = [
        n
        for n in (attributes or list(ATTRIBUTES))
        if not ATTRIBUTES[n].high_cardinality and n not in defining
    ]
    binned = [n for n in names if ATTRIBUTES[n].binned]
    edges = _edges(store, binned, out, f"({wa}) OR ({wb})", pa + pb)
    exprs = q.attribute_exprs(names, edges)
    value = out.value if out.measured else f"CASE WHEN {out.event} THEN 1 ELSE 0 END"
    cols = ", ".join(
        f"coalesce(CAST({e} AS VARCHAR), '{UNKNOWN}') AS a_{n}" for n, e in exprs.items()
    )
    grouping = ", ".join(f"(side, a_{n})" for n in names)
    gid = "GROUPING_ID(" + ", ".join(f"a_{n}" for n in names) + ")"
    sql = f"""WITH base AS (
  SELECT {side} AS side, {cols}, {value} AS y
  FROM {FACT_TABLE} WHERE {out.population}
)
SELECT {gid} AS gid, side, {", ".join(f"a_{n}" for n in names)},
       count(*) AS n, sum(y) AS s, sum(y * y) AS ss
FROM base WHERE side IS NOT NULL
GROUP BY GROUPING SETS ({grouping})"""
    rows = store.fetch_dicts(sql, side_params)
    totals = store.fetch_dicts(
        f"""SELECT side, count(*) AS n, sum(y) AS s, sum(y * y) AS ss FROM (
              SELECT {side} AS side, {value} AS y FROM {FACT_TABLE} WHERE {out.population}
            ) t WHERE side IS NOT NULL GROUP BY side""",
        side_params,
    )
    tot = {r["side"]: r for r in totals}
    na, nb = (float(tot.get(x, {}).get("n") or 0) for x in ("A", "B"))
    sa, sb = (float(tot.get(x, {}).get("s") or 0) for x in ("A", "B"))
    ssa, ssb = (float(tot.get(x, {}).get("ss") or 0) for x in ("A", "B"))
    ra = sa / na if na else None
    rb = sb / nb if nb else None
    difference = _difference(out, na, sa, ssa, nb, sb, ssb, level)
    decomposition = _decompose(rows, names, na, nb) if na and nb else []
    causes = _causes(store, side, side_params) if out.name == "failure" else []
    as_of = store.fetchall(f"SELECT max(order_date) FROM {FACT_TABLE}")[0][0]
    scopes = [
        {**scope_a.to_dict(), "label": "A", "support": int(na), "rate": ra},
        {**b_desc, "label": "B", "support": int(nb), "rate": rb},
    ]
    result = Comparison(
        outcome=out.name,
        as_of=as_of,
        scopes=scopes,
        difference=difference,
        decomposition=decomposition,
        causes=causes,
        seconds=0.0,
    )
    if not na or not nb:
        result.notes.append("one of the scopes has no orders for this outcome")
    from dfras.analysis.narrative import compare_narrative

    result.narrative = compare_narrative(result)
    result.seconds = time.perf_counter() - started
    return result


def _edges(
    store: Store, binned: list[str], out: Outcome, where: str, params: list[Any]
) -> dict[str, list[float]]:
    if not binned:
        return {}
    rows = store.fetch_dicts(q.edges_sql(binned, f"{out.population} AND ({where})"), params)
    return q.edges_from_counts(rows, binned)


def _difference(
    out: Outcome, na: float, sa: float, ssa: float, nb: float, sb: float, ssb: float, level: float
) -> dict[str, Any]:
    if not na or not nb:
        return {"value": None, "ci": None, "method": None}
    if out.measured:
        d, lo, hi = welch_difference([na], [sa], [ssa], [nb], [sb], [ssb], level=level)
        return {"value": float(d[0]), "ci": [float(lo[0]), float(hi[0])], "method": "Welch"}
    pa, pb = sa / na, sb / nb
    la, ua = wilson_interval([sa], [na], level=level)
    lb, ub = wilson_interval([sb], [nb], level=level)
    diff = pa - pb
    low = diff - float(np.sqrt((pa - la[0]) ** 2 + (ub[0] - pb) ** 2))
    high = diff + float(np.sqrt((ua[0] - pa) ** 2 + (pb - lb[0]) ** 2))
    return {"value": diff, "ci": [low, high], "method": "Newcombe hybrid score"}


def _set_of(gid: int, names: list[str]) -> str | None:
    grouped = q.grouped_attributes(gid, names)
    return grouped[0] if len(grouped) == 1 else None


def _decompose(
    rows: list[dict[str, Any]], names: list[str], na: float, nb: float
) -> list[dict[str, Any]]:
    """Kitagawa split of the difference, attribute by attribute, largest contribution first."""
    per: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for r in rows:
        attr = _set_of(int(r["gid"]), names)
        if attr is None:
            continue
        level = r[f"a_{attr}"]
        per.setdefault(attr, {}).setdefault(level, {})[r["side"]] = (
            float(r["n"]),
            float(r["s"] or 0),
        )
    out: list[dict[str, Any]] = []
    for attr, levels in per.items():
        mix = rate = 0.0
        detail: list[dict[str, Any]] = []
        for level, sides in levels.items():
            n_a, s_a = sides.get("A", (0.0, 0.0))
            n_b, s_b = sides.get("B", (0.0, 0.0))
            w_a, w_b = n_a / na, n_b / nb
            r_a = s_a / n_a if n_a else None
            r_b = s_b / n_b if n_b else None
            if r_a is None:
                r_a = r_b
            if r_b is None:
                r_b = r_a
            assert r_a is not None and r_b is not None
            m = (w_a - w_b) * (r_a + r_b) / 2.0
            t = (r_a - r_b) * (w_a + w_b) / 2.0
            mix += m
            rate += t
            detail.append(
                {
                    "value": level,
                    "share_a": w_a,
                    "share_b": w_b,
                    "rate_a": r_a if n_a else None,
                    "rate_b": r_b if n_b else None,
                    "mix": m,
                    "rate": t,
                }
            )
        # ties broken by value: engines return groups in no particular order
        detail.sort(key=lambda d: (-abs(float(d["mix"]) + float(d["rate"])), str(d["value"])))
        out.append(
            {"attribute": attr, "mix": mix, "rate": rate, "total": mix + rate, "levels": detail[:8]}
        )
    out.sort(key=lambda d: (-max(abs(float(d["mix"])), abs(float(d["rate"]))), d["attribute"]))
    return out


def _causes(store: Store, side: str, params: list[Any]) -> list[dict[str, Any]]:
    """Recorded failure reasons of each scope side by side: failed orders and share."""
    rows = store.fetch_dicts(
        f"""SELECT coalesce(reason_code, failure_reason, '(none recorded)') AS cause,
                   count(*) FILTER (WHERE side = 'A') AS failed_a,
                   count(*) FILTER (WHERE side = 'B') AS failed_b
            FROM (SELECT {side} AS side, * FROM {FACT_TABLE} WHERE is_closed AND is_failed) t
            WHERE side IS NOT NULL GROUP BY 1 ORDER BY failed_a + failed_b DESC""",
        params,
    )
    ta = sum(r["failed_a"] for r in rows) or 1
    tb = sum(r["failed_b"] for r in rows) or 1
    return [
        {
            "cause": r["cause"],
            "failed_a": int(r["failed_a"]),
            "failed_b": int(r["failed_b"]),
            "share_a": r["failed_a"] / ta,
            "share_b": r["failed_b"] / tb,
        }
        for r in rows
    ]
