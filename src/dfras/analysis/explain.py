"""Segment explanation: which attribute combinations have an outcome rate above the rest.

The engine counts every attribute and allowed pair with a few grouping-sets queries over the
materialised population (pruned by support; see ``dfras.query.segments``), the daily series
of each entity for time windows, and each recorded reason per attribute value (per-cause
findings). Python then tests each group against the rest of the scope where its attributes are
known (Fisher's exact test; Welch and rank tests for delay), controls the false discovery rate
with Benjamini–Hochberg over *every* hypothesis tested, drops combinations that add nothing
over a simpler one and singles a pair explains away, extends the strongest pairs by a third
attribute, and ranks what is left by excess outcomes.
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
from dfras.analysis.pruning import prune
from dfras.analysis.recommend import recommend
from dfras.analysis.scope import Scope
from dfras.analysis.windows import scan_windows
from dfras.fact import service as fact_service
from dfras.query import segments as q
from dfras.stats.means import mann_whitney_upper, welch_difference
from dfras.stats.proportions import bh_qvalues, fisher_upper, risk_ratio
from dfras.store.base import Store

_DOMAINS = [d for d in KNOWN if d != "order"]

#: Above this many orders in scope, symptoms are tested alone but not paired with context
#: attributes: those pairs mostly restate the per-cause findings and would double the work.
SYMPTOM_PAIRS_UP_TO = 250_000


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
    symptom_pairs: bool | None = None,
) -> Explanation:
    """Explain an outcome within a scope; see the module docstring for the method.

    ``symptom_pairs`` (default: only for scopes up to ``SYMPTOM_PAIRS_UP_TO`` orders) also
    tests each symptom together with each low-cardinality context attribute.
    """
    started = time.perf_counter()
    store = fact_service.for_analysis(store)
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
        empty = Explanation(
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
        )
        empty.narrative = explain_narrative(empty)
        empty.seconds = time.perf_counter() - started
        return empty
    binned = [n for n in names if ATTRIBUTES[n].binned]
    edges = _edges(store, binned, f"{out.population} AND {where}", params)
    exprs = q.attribute_exprs(names, edges)
    if symptom_pairs is None:
        symptom_pairs = n_all <= SYMPTOM_PAIRS_UP_TO
    sets: list[tuple[str, ...]] = [(n,) for n in names]
    sets += attribute_pairs(names, symptom_pairs=symptom_pairs)
    ties: dict[str, float] = {}
    if out.measured:
        for key in q.rank_keys(sets):
            ties[q.rank_key(key)] = float(
                store.fetchall(q.tie_term_query(out, where, key), params)[0][0]
            )
    acc = _Accumulator(fdr=fdr)
    # one snapshot: the labels' enumeration must hold every label the population has
    with store.transaction():
        types = _label_types(store, exprs)
        store.execute(
            q.base_table_sql(exprs, out, where, sets, min_support=min_support, types=types),
            params,
        )
    tables = [
        (_decoded(store.fetch_arrow(query.sql)), query.columns)
        for query in q.counts_queries(exprs, sets, out, min_support=min_support)
    ]
    # singles first: which values stand out decides which pair counts are worth keeping
    for pairs_phase in (False, True):
        for table, columns in tables:
            _test_chunk(table, columns, out, totals, ties, acc, pairs=pairs_phase)
    tested.singles, tested.pairs = acc.singles_tested, acc.pairs_tested
    if windows:
        wins = _windows(store, exprs, out, min_support)
        tested.windows = len(wins)
        for f in wins:
            acc.add(f, keep=True)
    if per_cause and out.name == "failure":
        # context attributes only: a symptom per reason (a stock note among stockouts) is the
        # evidence of that reason, not a finding about it
        context = [n for n in exprs if ATTRIBUTES[n].role == "context"]
        causes = _per_cause(store, context, acc.single_support)
        tested.per_cause = len(causes)
        for f in causes:
            acc.add(f, keep=f.p_value <= fdr)
    findings = acc.findings
    # causes and symptoms are separate families: many true symptom discoveries (a failure's
    # notes and complaints) must not loosen the bar for causes
    acc.assign_q_values()
    tested.hypotheses = acc.hypotheses
    significant = [f for f in findings if f.q_value <= fdr and f.excess > 0]

    def counter(fs: list[Finding]) -> dict[tuple[Any, ...], dict[str, int]]:
        return _reason_counts(store, exprs, fs, where, params)

    def overlaps(combos: list[tuple[Finding, Finding]]) -> list[tuple[int, int]]:
        return _overlap_counts(store, exprs, combos, where, params)

    kept = prune(
        significant,
        index=acc.index,
        fdr=fdr,
        reason_counter=counter if out.name == "failure" else None,
        overlap_counter=overlaps if out.name == "failure" else None,
    )
    if triples and out.name != "delay":
        extra = _triples(store, names, kept, out, min_support, fdr)
        tested.triples = extra[1]
        tested.hypotheses += extra[1]
        kept += extra[0]
    store.execute(f"DROP TABLE IF EXISTS {q.BASE_TABLE}")
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
    return q.edges_from_counts(store.fetch_dicts(q.edges_sql(binned, where), params), binned)


@dataclass
class _Cell:
    """Counts of a tested group that is not itself a candidate (kept for lookups)."""

    support: int
    outcomes: int

    @property
    def rate(self) -> float:
        return self.outcomes / self.support if self.support else 0.0


class _Accumulator:
    """Every hypothesis's p-value by family, the candidate findings, and a count index."""

    def __init__(self, *, fdr: float) -> None:
        self.fdr = fdr
        self.pvalues: dict[str, list[float]] = {"cause": [], "symptom": []}
        self.findings: list[Finding] = []
        self.positions: list[tuple[str, int]] = []
        self.index: dict[tuple[Any, ...], Any] = {}
        self.single_support: dict[tuple[str, Any], int] = {}
        self.singles_tested = 0
        self.pairs_tested = 0
        #: per attribute, the values whose single stood out (p ≤ fdr)
        self.standing_out: dict[str, list[Any]] = {}

    @property
    def hypotheses(self) -> int:
        return sum(len(v) for v in self.pvalues.values())

    def add(self, f: Finding, *, keep: bool) -> None:
        family = role_of(f.conditions)
        self.pvalues[family].append(f.p_value)
        if keep:
            self.findings.append(f)
            self.positions.append((family, len(self.pvalues[family]) - 1))

    def add_many(self, family: str, p: np.ndarray) -> int:
        start = len(self.pvalues[family])
        self.pvalues[family].extend(p.tolist())
        return start

    def keep(self, f: Finding, family: str, position: int) -> None:
        self.findings.append(f)
        self.positions.append((family, position))

    def assign_q_values(self) -> None:
        q = {fam: bh_qvalues(np.array(ps, dtype=np.float64)) for fam, ps in self.pvalues.items()}
        for f, (fam, pos) in zip(self.findings, self.positions, strict=True):
            f.q_value = float(q[fam][pos])


def _label_types(store: Store, exprs: dict[str, str]) -> dict[str, str]:
    """A compact column type per text attribute (an enumeration of every label it takes in
    the fact), where the engine has one; empty otherwise. At 10M orders the population's
    sixteen label columns took 2.4 GB as text, past the engine's memory limit, and every
    counting pass read them back from disk."""
    names = [n for n in exprs if not ATTRIBUTES[n].numeric]
    if not names or store.category_type(["-"]) is None:
        return {}
    lists = store.fetchall(q.labels_query(exprs, names))[0]
    out = {}
    for n, values in zip(names, lists, strict=True):
        labels = sorted(str(v) for v in values or [])
        sql_type = store.category_type(labels)
        if sql_type is not None:
            out[n] = sql_type
    return out


def _decoded(table: Any) -> Any:
    """``table`` with dictionary-encoded columns (enumerated labels) as plain values."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    return table


def _pa_array(values: list[Any], type_: Any) -> Any:
    import pyarrow as pa

    return pa.array(values, type=type_)


def _test_chunk(
    table: Any,
    columns: list[str],
    out: Outcome,
    totals: _Totals,
    ties: dict[str, float],
    acc: _Accumulator,
    *,
    pairs: bool,
) -> None:
    """Test the groups of one counts query (its singles, or its pairs), set by set, with
    numpy; build findings for candidates only, and keep pair counts only where both values
    stood out alone (the lookups pruning makes)."""
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return
    gid_all = np.asarray(table.column("gid").to_numpy(zero_copy_only=False), dtype=np.int64)
    n_all = np.asarray(table.column("n").to_numpy(zero_copy_only=False), dtype=np.float64)
    k_all = np.nan_to_num(
        np.asarray(table.column("k").to_numpy(zero_copy_only=False), dtype=np.float64)
    )
    for gid in np.unique(gid_all):
        attrs = q.grouped_attributes(int(gid), columns)
        if (len(attrs) > 1) != pairs:
            continue
        rows = np.nonzero(gid_all == gid)[0]
        cols = [table.column(f"a_{a}").take(rows) for a in attrs]
        known = np.ones(len(rows), dtype=bool)
        for c in cols:
            known &= np.asarray(pc.is_valid(c).to_numpy(zero_copy_only=False), dtype=bool)
        if not known.any():
            continue
        rows = rows[known]
        cols = [c.filter(known) for c in cols]
        interesting = np.ones(len(rows), dtype=bool)
        if pairs:
            for a, c in zip(attrs, cols, strict=True):
                seen = acc.standing_out.get(a)
                if not seen:
                    interesting[:] = False
                    break
                interesting &= np.asarray(
                    pc.is_in(c, value_set=_pa_array(seen, c.type)).to_numpy(zero_copy_only=False),
                    dtype=bool,
                )
        domains: set[str] = {ATTRIBUTES[a].domain for a in attrs}
        family = "cause" if all(ATTRIBUTES[a].role == "context" for a in attrs) else "symptom"
        n = n_all[rows]
        k = k_all[rows]
        n_tot, k_tot, s_tot, ss_tot = totals.over(domains)
        if len(attrs) == 1:
            acc.singles_tested += len(rows)
            for v, nn in zip(cols[0].to_pylist(), n, strict=True):
                acc.single_support[(attrs[0], v)] = int(nn)
        else:
            acc.pairs_tested += len(rows)
        if out.measured:
            s = np.nan_to_num(
                table.column("s").to_numpy(zero_copy_only=False)[rows].astype(np.float64)
            )
            ss = np.nan_to_num(
                table.column("ss").to_numpy(zero_copy_only=False)[rows].astype(np.float64)
            )
            key = q.rank_key(frozenset(domains))
            rs = np.nan_to_num(
                table.column(key).to_numpy(zero_copy_only=False)[rows].astype(np.float64)
            )
            ok = (n > 1) & (n_tot - n > 1)
            diff, lo, hi = welch_difference(n, s, ss, n_tot - n, s_tot - s, ss_tot - ss)
            p = np.where(
                ok,
                mann_whitney_upper(rs, n, np.full_like(n, n_tot), np.full_like(n, ties[key])),
                1.0,
            )
            base = np.where(ok, (s_tot - s) / np.maximum(n_tot - n, 1), 0.0)
            mean = s / np.maximum(n, 1)
            excess = diff * n
        else:
            ok = (n_tot - n) > 0
            p = np.where(
                ok, fisher_upper(k, n, np.full_like(n, k_tot), np.full_like(n, n_tot)), 1.0
            )
            k0, n0 = k_tot - k, np.maximum(n_tot - n, 1)
            rr, lo, hi = risk_ratio(k, n, k0, n0)
            base = np.where(ok, k0 / n0, 0.0)
            excess = k - n * base
        start = acc.add_many(family, p)
        candidates = ok & ((len(attrs) == 1) | ((p <= acc.fdr) & (excess > 0)))
        needed = np.nonzero(candidates | interesting)[0]
        values = [c.take(needed).to_pylist() for c in cols]
        for j_row, i in enumerate(needed):
            cond = {a: values[j][j_row] for j, a in enumerate(attrs)}
            key_ = ("segment", None, tuple(sorted((a, str(v)) for a, v in cond.items())))
            if len(attrs) == 1 and p[i] <= acc.fdr:
                acc.standing_out.setdefault(attrs[0], []).append(cond[attrs[0]])
            if not candidates[i]:
                acc.index[key_] = _Cell(int(n[i]), int(k[i]))
                continue
            if out.measured:
                f = Finding(
                    conditions=cond,
                    kind="segment",
                    support=int(n[i]),
                    outcomes=int(k[i]),
                    rate=float(mean[i]),
                    baseline=float(base[i]),
                    risk_ratio=float(mean[i] / base[i]) if base[i] > 0 else float("nan"),
                    ci=(float(lo[i]), float(hi[i])),
                    excess=float(excess[i]),
                    p_value=float(p[i]),
                    mean_difference=float(diff[i]),
                )
            else:
                f = Finding(
                    conditions=cond,
                    kind="segment",
                    support=int(n[i]),
                    outcomes=int(k[i]),
                    rate=float(k[i] / n[i]),
                    baseline=float(base[i]),
                    risk_ratio=float(rr[i]),
                    ci=(float(lo[i]), float(hi[i])),
                    excess=float(excess[i]),
                    p_value=float(p[i]),
                )
            acc.index[key_] = f
            acc.keep(f, family, start + int(i))


def _windows(store: Store, exprs: dict[str, str], out: Outcome, min_support: int) -> list[Finding]:
    found: list[Finding] = []
    for name in WINDOW_ATTRIBUTES:
        if name not in exprs:
            continue
        rows = store.fetchall(q.daily_query(name, out))
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
    store: Store, names: list[str], support: dict[tuple[str, Any], int]
) -> list[Finding]:
    """Each recorded reason as its own outcome: a value whose rate of that reason is high.

    Counted from the materialised base (the failure outcome's orders carry their reason)."""
    table = store.fetch_arrow(q.base_reason_counts_query(names))
    patterns = store.fetch_dicts(q.base_reason_totals_query())
    pop: dict[str, float] = {}
    by_reason: dict[tuple[str, str], float] = {}
    for dom in ("order", *_DOMAINS):
        known = [pat for pat in patterns if dom == "order" or pat[f"k_{dom}"]]
        pop[dom] = float(sum(pat["n"] for pat in known))
        for pat in known:
            if pat["reason"] is not None:
                key = (dom, pat["reason"])
                by_reason[key] = by_reason.get(key, 0.0) + float(pat["n"])
    cells: list[tuple[str, Any, str, float, float, float, float]] = []
    gids = np.asarray(table.column("gid").to_numpy(zero_copy_only=False), dtype=np.int64)
    reasons_all = table.column("reason")
    k_all = table.column("k")
    # one grouping set per attribute: read its three columns at once, not row by row
    for gid in np.unique(gids):
        attrs = q.grouped_attributes(int(gid), names)
        if len(attrs) != 1:
            continue
        a = attrs[0]
        dom = ATTRIBUTES[a].domain
        rows = np.nonzero(gids == gid)[0]
        values = table.column(f"a_{a}").take(rows).to_pylist()
        reasons = reasons_all.take(rows).to_pylist()
        ks = k_all.take(rows).to_pylist()
        for v, reason, k_v in zip(values, reasons, ks, strict=True):
            n_v = support.get((a, v))
            k_tot = by_reason.get((dom, reason), 0.0)
            if n_v is None or k_tot < 10:
                continue
            cells.append((a, v, reason, float(k_v), float(n_v), k_tot, pop[dom]))
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
    limit: int = 30,
) -> dict[tuple[Any, ...], dict[str, int]]:
    """Recorded reasons of the failed orders inside each given segment or window (one query)."""
    segs = sorted(findings, key=lambda f: -f.excess)[:limit]
    if not segs:
        return {}
    parts: list[str] = []
    all_params: list[Any] = []
    for i, f in enumerate(segs):
        conds, cparams = _condition_sql(exprs, f)
        parts.append(
            f"SELECT {i} AS seg, reason, count(*) AS k FROM {q.BASE_TABLE} "
            f"WHERE reason IS NOT NULL AND {conds} GROUP BY 2"
        )
        all_params += cparams
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in store.fetch_dicts(" UNION ALL ".join(parts), all_params):
        out.setdefault(segs[int(r["seg"])].key(), {})[r["reason"]] = int(r["k"])
    return out


def _condition_sql(exprs: dict[str, str], f: Finding) -> tuple[str, list[Any]]:
    """A finding's conditions over the materialised base (its ``a_`` columns)."""
    sql, params = q.conditions_sql(f.conditions)
    if f.window:
        sql += " AND order_day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)"
        params += [f.window["start"], f.window["end"]]
    return sql, params


def _overlap_counts(
    store: Store,
    exprs: dict[str, str],
    combos: list[tuple[Finding, Finding]],
    where: str,
    params: list[Any],
) -> list[tuple[int, int]]:
    """For each (per-cause finding, explainer): closed orders in both, and failures in both
    with the per-cause finding's reason — one grouped query per explainer."""
    by_b: dict[int, list[int]] = {}
    for i, (_, b) in enumerate(combos):
        by_b.setdefault(id(b), []).append(i)
    out: list[tuple[int, int]] = [(0, 0)] * len(combos)
    for idxs in by_b.values():
        b = combos[idxs[0]][1]
        attrs = sorted({a for i in idxs for a in combos[i][0].conditions})
        cb, pb = _condition_sql(exprs, b)
        sets = ", ".join(f"(a_{a}), (a_{a}, reason)" for a in attrs)
        gid = "GROUPING_ID(" + ", ".join([f"a_{a}" for a in attrs] + ["reason"]) + ")"
        rows = store.fetch_dicts(
            f"""SELECT {gid} AS gid, {", ".join(f"a_{a}" for a in attrs)}, reason, count(*) AS n
                FROM {q.BASE_TABLE} WHERE {cb} GROUP BY GROUPING SETS ({sets})""",
            pb,
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
    names: list[str],
    kept: list[Finding],
    out: Outcome,
    min_support: int,
    fdr: float,
) -> tuple[list[Finding], int]:
    """Extend the strongest kept pairs by a third attribute; keep extensions that stand out
    within the pair (Bonferroni over the extensions tried)."""
    pairs = sorted(
        (f for f in kept if f.kind == "segment" and f.size == 2), key=lambda f: -f.excess
    )[:5]
    candidates: list[tuple[Finding, Finding]] = []
    if pairs:
        sql, p1 = q.orders_of_sql([pair.conditions for pair in pairs])
        store.execute(sql, p1)
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
        sql, p2 = q.extension_query(pair.conditions, extend, out, min_support)
        rows = []
        for g in store.fetch_dicts(sql, p2):
            attrs = q.grouped_attributes(int(g["gid"]), extend)
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
    if pairs:
        store.execute(f"DROP TABLE IF EXISTS {q.PAIRS_TABLE}")
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
