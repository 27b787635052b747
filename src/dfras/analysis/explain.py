"""Segment explanation: which attribute combinations have an outcome rate above the rest.

The engine counts every attribute and allowed pair in one grouping-sets query (pruned by
support), the daily series of each entity for time windows, and each recorded reason per
attribute value (per-cause findings). Python then tests each group against the rest of the
scope where its attributes are known (Fisher's exact test; Welch and rank tests for delay),
controls the false discovery rate with Benjamini–Hochberg over *every* hypothesis tested, drops
combinations that add nothing over a simpler one and singles a pair explains away, extends the
strongest pairs by a third attribute, and ranks what is left by excess outcomes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from dfras.analysis.attributes import (
    ATTRIBUTES,
    KNOWN,
    WINDOW_ATTRIBUTES,
    attribute_pairs,
    role_of,
)
from dfras.analysis.findings import Explanation, Finding, Tested
from dfras.analysis.narrative import explain_narrative
from dfras.analysis.outcomes import Outcome, get_outcome
from dfras.analysis.pruning import index_findings, prune
from dfras.analysis.recommend import recommend
from dfras.analysis.scope import Scope
from dfras.analysis.windows import scan_windows
from dfras.fact import service as fact_service
from dfras.query import segments as q
from dfras.stats.means import mann_whitney_upper, welch_difference
from dfras.stats.proportions import bh_qvalues, fisher_upper, risk_ratio
from dfras.store.base import Store

_DOMAINS = [d for d in KNOWN if d != "order"]


@dataclass
class _Totals:
    """Population totals per pattern of known domains, to total over any attribute set."""

    rows: list[dict[str, Any]]

    def over(self, domains: set[str]) -> tuple[float, float, float, float]:
        n = k = s = ss = 0.0
        for r in self.rows:
            if all(r[f"k_{d}"] for d in domains if d != "order"):
                n += r["n"] or 0
                k += r["k"] or 0
                s += r.get("s") or 0
                ss += r.get("ss") or 0
        return n, k, s, ss


def as_of_time(store: Store) -> datetime | None:
    """The default as-of time: the latest order_date (the data's own clock)."""
    return store.fetchall("SELECT max(order_date) FROM delivery_fact")[0][0]


def explain(
    store: Store,
    *,
    scope: Scope | None = None,
    outcome: str | Outcome = "failure",
    fdr: float = 0.05,
    min_support: int = 25,
    attributes: list[str] | None = None,
    windows: bool = True,
    per_cause: bool = True,
    triples: bool = True,
    limit: int = 20,
    as_of: datetime | None = None,
) -> Explanation:
    """Explain an outcome within a scope; see the module docstring for the method."""
    started = time.perf_counter()
    fact_service.ensure_current(store)
    scope = scope or Scope()
    out = outcome if isinstance(outcome, Outcome) else get_outcome(outcome)
    as_of = as_of or as_of_time(store)
    where, params = scope.where()
    names = attributes or [
        n
        for n, a in ATTRIBUTES.items()
        if not (a.delay_component and out.name in ("late", "delay"))
    ]
    totals = _Totals(store.fetch_dicts(q.availability_query(out, where), params))
    n_all, k_all, s_all, _ = totals.over(set())
    tested = Tested(attributes=names, min_support=min_support, fdr=fdr)
    reasons = store.fetch_dicts(q.reason_totals_query(where), params)
    if n_all == 0:
        return Explanation(
            scope=scope.to_dict(),
            outcome=out.name,
            as_of=as_of,
            support=0,
            outcomes=0,
            rate=None,
            segments=[],
            tested=tested,
            reasons=reasons,
            significant=False,
            seconds=time.perf_counter() - started,
        )
    binned = [n for n in names if ATTRIBUTES[n].binned]
    edges = _edges(store, binned, f"{out.population} AND {where}", params)
    exprs = q.attribute_exprs(names, edges)
    sets: list[tuple[str, ...]] = [(n,) for n in names]
    sets += attribute_pairs(names)
    ties: dict[str, float] = {}
    if out.measured:
        for key in q.rank_keys(sets):
            ties[q.rank_key(key)] = float(
                store.fetchall(q.tie_term_query(out, where, key), params)[0][0]
            )
    groups: list[dict[str, Any]] = []
    for query in q.counts_queries(exprs, sets, out, where, params, min_support=min_support):
        for g in store.fetch_dicts(query.sql, query.params):
            g["attrs"] = _set_of(int(g["gid"]), query.columns)
            groups.append(g)

    findings = _test_groups(groups, out, totals, ties)
    tested.singles = sum(1 for f in findings if f.size == 1)
    tested.pairs = sum(1 for f in findings if f.size == 2)
    if windows:
        wins = _windows(store, exprs, out, where, params, min_support)
        tested.windows = len(wins)
        findings += wins
    if per_cause and out.name == "failure":
        causes = _per_cause(store, exprs, names, groups, where, params)
        tested.per_cause = len(causes)
        findings += causes

    # causes and symptoms are separate families: many true symptom discoveries (a failure's
    # notes and complaints) must not loosen the bar for causes
    for role in ("cause", "symptom"):
        family = [f for f in findings if role_of(f.conditions) == role]
        qvals = bh_qvalues(np.array([f.p_value for f in family], dtype=np.float64))
        for f, qv in zip(family, qvals, strict=True):
            f.q_value = float(qv)
    tested.hypotheses = len(findings)
    significant = [f for f in findings if f.q_value <= fdr and f.excess > 0]

    def counter(fs: list[Finding]) -> dict[tuple[Any, ...], dict[str, int]]:
        return _reason_counts(store, exprs, fs, where, params)

    def overlaps(combos: list[tuple[Finding, Finding]]) -> list[tuple[int, int]]:
        return _overlap_counts(store, exprs, combos, where, params)

    kept = prune(
        significant,
        index=index_findings(findings),
        fdr=fdr,
        reason_counter=counter if out.name == "failure" else None,
        overlap_counter=overlaps if out.name == "failure" else None,
    )
    if triples and out.name != "delay":
        extra = _triples(store, exprs, names, kept, out, where, params, min_support, fdr)
        tested.triples = extra[1]
        tested.hypotheses += extra[1]
        kept += extra[0]
    for f in kept:
        f.role = role_of(f.conditions)
    # causes (who, where, when, conditions) first, then the symptoms that describe them
    kept.sort(key=lambda f: (f.role != "cause", -f.excess))
    kept = kept[:limit]
    if out.measured:
        _add_medians(store, exprs, kept, out, where, params)
    result = Explanation(
        scope=scope.to_dict(),
        outcome=out.name,
        as_of=as_of,
        support=int(n_all),
        outcomes=int(k_all),
        rate=(s_all / n_all if out.measured else k_all / n_all) if n_all else None,
        segments=kept,
        tested=tested,
        reasons=reasons,
        significant=bool(kept),
    )
    if kept:
        cod = store.fetchall(
            f"""SELECT avg(CASE WHEN payment_mode = 'COD' THEN 1.0 ELSE 0.0 END),
                       avg(amount) FILTER (WHERE payment_mode = 'COD')
                FROM delivery_fact WHERE {out.population} AND {where}""",
            params,
        )[0]
        result.recommendations = recommend(
            kept, outcome=out.name, cod_share=float(cod[0] or 0), avg_cod_amount=float(cod[1] or 0)
        )
    result.narrative = explain_narrative(result)
    result.seconds = time.perf_counter() - started
    return result


def _edges(
    store: Store, binned: list[str], where: str, params: list[Any]
) -> dict[str, list[float]]:
    if not binned:
        return {}
    row = store.fetch_dicts(q.edges_sql(binned, where), params)[0]
    out: dict[str, list[float]] = {}
    for name in binned:
        vals = [row[k] for k in row if k.startswith(f"{name}@") and row[k] is not None]
        out[name] = sorted({round(float(v), 2) for v in vals})
    return out


def _set_of(gid: int, names: list[str]) -> tuple[str, ...]:
    """Attributes grouped in a row: GROUPING_ID sets bit (len−1−i) when names[i] is NOT grouped."""
    width = len(names)
    return tuple(n for i, n in enumerate(names) if not (gid >> (width - 1 - i)) & 1)


def _test_groups(
    groups: list[dict[str, Any]], out: Outcome, totals: _Totals, ties: dict[str, float]
) -> list[Finding]:
    kind = "segment"
    rows = []
    for g in groups:
        attrs = g["attrs"]
        values = {a: g[f"a_{a}"] for a in attrs}
        if any(v is None for v in values.values()):
            continue  # unknown for these orders: not a level
        domains: set[str] = {ATTRIBUTES[a].domain for a in attrs}
        rows.append((values, domains, g))
    if not rows:
        return []
    tot = np.array([totals.over(d) for _, d, _ in rows])
    n = np.array([float(g["n"]) for _, _, g in rows])
    k = np.array([float(g["k"] or 0) for _, _, g in rows])
    if out.measured:
        return _test_measured(rows, tot, n, ties)
    n_tot, k_tot = tot[:, 0], tot[:, 1]
    p = fisher_upper(k, n, k_tot, n_tot)
    n0, k0 = n_tot - n, k_tot - k
    rr, lo, hi = risk_ratio(k, n, k0, np.maximum(n0, 1))
    base = np.where(n0 > 0, k0 / np.maximum(n0, 1), 0.0)
    out_rows = []
    for i, (values, _, _) in enumerate(rows):
        if n0[i] <= 0:
            continue
        out_rows.append(
            Finding(
                conditions=values,
                kind=kind,
                support=int(n[i]),
                outcomes=int(k[i]),
                rate=float(k[i] / n[i]),
                baseline=float(base[i]),
                risk_ratio=float(rr[i]),
                ci=(float(lo[i]), float(hi[i])),
                excess=float(k[i] - n[i] * base[i]),
                p_value=float(p[i]),
            )
        )
    return out_rows


def _test_measured(
    rows: list[tuple[dict[str, Any], set[str], dict[str, Any]]],
    tot: np.ndarray,
    n: np.ndarray,
    ties: dict[str, float],
) -> list[Finding]:
    s = np.array([float(g["s"] or 0) for _, _, g in rows])
    ss = np.array([float(g["ss"] or 0) for _, _, g in rows])
    keys = [q.rank_key(frozenset(d)) for _, d, _ in rows]
    rs = np.array([float(g[key] or 0) for key, (_, _, g) in zip(keys, rows, strict=True)])
    tie = np.array([ties[key] for key in keys])
    n_tot, _, s_tot, ss_tot = tot[:, 0], tot[:, 1], tot[:, 2], tot[:, 3]
    diff, lo, hi = welch_difference(n, s, ss, n_tot - n, s_tot - s, ss_tot - ss)
    p = mann_whitney_upper(rs, n, n_tot, tie)
    out = []
    for i, (values, _, g) in enumerate(rows):
        n0 = n_tot[i] - n[i]
        if n0 <= 1 or n[i] <= 1:
            continue
        mean = s[i] / n[i]
        base = (s_tot[i] - s[i]) / n0
        out.append(
            Finding(
                conditions=values,
                kind="segment",
                support=int(n[i]),
                outcomes=int(g["k"] or 0),
                rate=float(mean),
                baseline=float(base),
                risk_ratio=float(mean / base) if base > 0 else float("nan"),
                ci=(float(lo[i]), float(hi[i])),
                excess=float(diff[i] * n[i]),
                p_value=float(p[i]),
                mean_difference=float(diff[i]),
                median=float(g["med"]) if g.get("med") is not None else None,
            )
        )
    return out


def _windows(
    store: Store,
    exprs: dict[str, str],
    out: Outcome,
    where: str,
    params: list[Any],
    min_support: int,
) -> list[Finding]:
    found: list[Finding] = []
    for name in WINDOW_ATTRIBUTES:
        if name not in exprs:
            continue
        rows = store.fetchall(q.daily_query(name, exprs[name], out, where), params)
        for w in scan_windows(rows, min_support=min_support):
            found.append(
                Finding(
                    conditions={name: w.value},
                    kind="window",
                    support=w.n,
                    outcomes=w.k,
                    rate=w.rate,
                    baseline=w.baseline,
                    risk_ratio=w.risk_ratio,
                    ci=w.ci,
                    excess=w.excess,
                    p_value=w.p_value,
                    window={"start": w.start.isoformat(), "end": w.end.isoformat()},
                )
            )
    return found


def _per_cause(
    store: Store,
    exprs: dict[str, str],
    names: list[str],
    groups: list[dict[str, Any]],
    where: str,
    params: list[Any],
) -> list[Finding]:
    """Each recorded reason as its own outcome: a value whose rate of that reason is high."""
    support: dict[tuple[str, Any], int] = {}
    for g in groups:
        attrs = g["attrs"]
        if len(attrs) == 1 and g[f"a_{attrs[0]}"] is not None:
            support[(attrs[0], g[f"a_{attrs[0]}"])] = int(g["n"])
    rows = store.fetch_dicts(q.reason_counts_query(exprs, where), params)
    flags = ", ".join(f"({KNOWN[d]}) AS k_{d}" for d in _DOMAINS)
    reason_totals = store.fetch_dicts(
        f"""SELECT {flags}, coalesce(reason_code, failure_reason, '(none recorded)') AS reason,
                   count(*) AS n_all, count(*) FILTER (WHERE is_failed) AS k
            FROM delivery_fact WHERE is_closed AND {where} GROUP BY ALL""",
        params,
    )
    pop = store.fetch_dicts(
        f"SELECT {flags}, count(*) AS n FROM delivery_fact WHERE is_closed AND {where} GROUP BY ALL",
        params,
    )
    cells: list[tuple[str, Any, str, float, float, float, float]] = []
    for r in rows:
        attrs = _set_of(int(r["gid"]), names)
        if len(attrs) != 1:
            continue
        a = attrs[0]
        v = r[f"a_{a}"]
        if v is None or (a, v) not in support:
            continue
        dom = ATTRIBUTES[a].domain
        n_tot = sum(p["n"] for p in pop if dom == "order" or p[f"k_{dom}"])
        k_tot = sum(
            t["k"]
            for t in reason_totals
            if t["reason"] == r["reason"] and (dom == "order" or t[f"k_{dom}"])
        )
        if k_tot < 10:
            continue
        cells.append(
            (a, v, r["reason"], float(r["k"]), float(support[(a, v)]), float(k_tot), float(n_tot))
        )
    if not cells:
        return []
    k = np.array([c[3] for c in cells])
    n = np.array([c[4] for c in cells])
    kt = np.array([c[5] for c in cells])
    nt = np.array([c[6] for c in cells])
    p = fisher_upper(k, n, kt, nt)
    rr, lo, hi = risk_ratio(k, n, kt - k, np.maximum(nt - n, 1))
    found = []
    for i, (a, v, reason, *_rest) in enumerate(cells):
        n0 = nt[i] - n[i]
        if n0 <= 0:
            continue
        base = (kt[i] - k[i]) / n0
        found.append(
            Finding(
                conditions={a: v},
                kind="cause",
                cause=reason,
                support=int(n[i]),
                outcomes=int(k[i]),
                rate=float(k[i] / n[i]),
                baseline=float(base),
                risk_ratio=float(rr[i]),
                ci=(float(lo[i]), float(hi[i])),
                excess=float(k[i] - n[i] * base),
                p_value=float(p[i]),
            )
        )
    return found


def _index(findings: list[Finding]) -> dict[tuple[Any, ...], Finding]:
    return {f.key(): f for f in findings}


def _sub(f: Finding, drop: str) -> tuple[Any, ...]:
    cond = {k: v for k, v in f.conditions.items() if k != drop}
    return (f.kind, f.cause, tuple(sorted((k, str(v)) for k, v in cond.items())))


def _add_medians(
    store: Store,
    exprs: dict[str, str],
    kept: list[Finding],
    out: Outcome,
    where: str,
    params: list[Any],
) -> None:
    """Median delay inside and outside each reported segment (a few small queries)."""
    for f in kept:
        if f.window is not None or f.kind != "segment":
            continue
        sql, p2 = q.medians_query(exprs, f.conditions, out, where)
        inside, rest = store.fetchall(sql, p2 + params)[0]
        f.median = float(inside) if inside is not None else None
        f.median_rest = float(rest) if rest is not None else None


def _reason_counts(
    store: Store,
    exprs: dict[str, str],
    findings: list[Finding],
    where: str,
    params: list[Any],
    limit: int = 60,
) -> dict[tuple[Any, ...], dict[str, int]]:
    """Recorded reasons of the failed orders inside each given segment or window (one query)."""
    segs = sorted(findings, key=lambda f: -f.excess)[:limit]
    if not segs:
        return {}
    parts: list[str] = []
    all_params: list[Any] = []
    for i, f in enumerate(segs):
        conds = " AND ".join(f"{exprs[a]} = ?" for a in f.conditions)
        extra: list[Any] = []
        if f.window:
            conds += " AND order_day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)"
            extra = [f.window["start"], f.window["end"]]
        parts.append(
            f"SELECT {i} AS seg, coalesce(reason_code, failure_reason, '(none recorded)') AS reason, "
            f"count(*) AS k FROM delivery_fact WHERE is_closed AND is_failed AND {where} AND {conds} "
            "GROUP BY 2"
        )
        all_params += params + list(f.conditions.values()) + extra
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in store.fetch_dicts(" UNION ALL ".join(parts), all_params):
        out.setdefault(segs[int(r["seg"])].key(), {})[r["reason"]] = int(r["k"])
    return out


def _condition_sql(exprs: dict[str, str], f: Finding) -> tuple[str, list[Any]]:
    conds = [f"{exprs[a]} = ?" for a in f.conditions]
    params: list[Any] = list(f.conditions.values())
    if f.window:
        conds.append("order_day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)")
        params += [f.window["start"], f.window["end"]]
    return " AND ".join(conds), params


def _overlap_counts(
    store: Store,
    exprs: dict[str, str],
    combos: list[tuple[Finding, Finding]],
    where: str,
    params: list[Any],
) -> list[tuple[int, int]]:
    """For each (per-cause finding, explainer): closed orders in both, and failures in both
    with the per-cause finding's reason — one grouped query per explainer."""
    reason = "CASE WHEN is_failed THEN coalesce(reason_code, failure_reason, '(none recorded)') END"
    by_b: dict[int, list[int]] = {}
    for i, (_, b) in enumerate(combos):
        by_b.setdefault(id(b), []).append(i)
    out: list[tuple[int, int]] = [(0, 0)] * len(combos)
    for idxs in by_b.values():
        b = combos[idxs[0]][1]
        attrs = sorted({a for i in idxs for a in combos[i][0].conditions})
        cb, pb = _condition_sql(exprs, b)
        cols = ", ".join(f"{exprs[a]} AS a_{a}" for a in attrs)
        sets = ", ".join(f"(a_{a}), (a_{a}, reason)" for a in attrs)
        gid = "GROUPING_ID(" + ", ".join([f"a_{a}" for a in attrs] + ["reason"]) + ")"
        rows = store.fetch_dicts(
            f"""WITH base AS (
                  SELECT {cols}, {reason} AS reason FROM delivery_fact
                  WHERE is_closed AND {where} AND {cb}
                )
                SELECT {gid} AS gid, {", ".join(f"a_{a}" for a in attrs)}, reason, count(*) AS n
                FROM base GROUP BY GROUPING SETS ({sets})""",
            params + pb,
        )
        width = len(attrs) + 1
        n_of: dict[tuple[str, str], int] = {}
        k_of: dict[tuple[str, str, str], int] = {}
        for r in rows:
            gid_v = int(r["gid"])
            grouped = [a for j, a in enumerate(attrs) if not (gid_v >> (width - 1 - j)) & 1]
            if len(grouped) != 1:
                continue
            a = grouped[0]
            v = str(r[f"a_{a}"])
            if (gid_v & 1) == 0:  # reason grouped
                if r["reason"] is not None:
                    k_of[(a, v, r["reason"])] = int(r["n"])
            else:
                n_of[(a, v)] = int(r["n"])
        for i in idxs:
            f = combos[i][0]
            ((a, v),) = f.conditions.items()
            out[i] = (n_of.get((a, str(v)), 0), k_of.get((a, str(v), f.cause or ""), 0))
    return out


def _triples(
    store: Store,
    exprs: dict[str, str],
    names: list[str],
    kept: list[Finding],
    out: Outcome,
    where: str,
    params: list[Any],
    min_support: int,
    fdr: float,
) -> tuple[list[Finding], int]:
    """Extend the strongest kept pairs by a third attribute; keep extensions that stand out
    within the pair (Bonferroni over the extensions tried)."""
    pairs = sorted(
        (f for f in kept if f.kind == "segment" and f.size == 2), key=lambda f: -f.excess
    )[:5]
    candidates: list[tuple[Finding, Finding]] = []
    for pair in pairs:
        extend = [
            n
            for n in names
            if n not in pair.conditions
            and not (
                ATTRIBUTES[n].high_cardinality
                and any(ATTRIBUTES[a].high_cardinality for a in pair.conditions)
            )
        ]
        sql, p2 = q.extension_query(exprs, pair.conditions, extend, out, where, min_support)
        rows = []
        for g in store.fetch_dicts(sql, params + p2):
            attrs = _set_of(int(g["gid"]), extend)
            if len(attrs) != 1 or g[f"a_{attrs[0]}"] is None:
                continue
            n, k = int(g["n"]), int(g["k"] or 0)
            if pair.support - n <= 0:
                continue
            rows.append(({**pair.conditions, attrs[0]: g[f"a_{attrs[0]}"]}, n, k))
        if not rows:
            continue
        n_arr = np.array([r[1] for r in rows], dtype=np.float64)
        k_arr = np.array([r[2] for r in rows], dtype=np.float64)
        p = fisher_upper(k_arr, n_arr, float(pair.outcomes), float(pair.support))
        rr, lo, hi = risk_ratio(k_arr, n_arr, pair.outcomes - k_arr, pair.support - n_arr)
        base = pair.baseline
        for i, (cond, n, k) in enumerate(rows):
            candidates.append(
                (
                    pair,
                    Finding(
                        conditions=cond,
                        kind="segment",
                        support=n,
                        outcomes=k,
                        rate=k / n,
                        baseline=base,
                        risk_ratio=float(rr[i]),
                        ci=(float(lo[i]), float(hi[i])),
                        excess=k - n * base,
                        p_value=float(p[i]),
                    ),
                )
            )
    m = len(candidates)
    found = []
    for pair, t in candidates:
        adj = min(1.0, t.p_value * m)
        if adj <= fdr and t.rate > pair.rate:
            t.q_value = max(adj, pair.q_value)
            found.append(t)
    return found, m


def default_as_of(store: Store) -> date | None:
    t = as_of_time(store)
    return t.date() if t else None
