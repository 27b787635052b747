"""Per-order root cause, the entry the faces call: refresh, list a scope's causes, one order.

What: :func:`refresh` recomputes ``root_cause_analysis`` for every failed, returned and late
order; :func:`ensure_current` does so when the data version has moved on (the causes record
the version they were built from, like the delivery fact); :func:`list_causes` and
:func:`order_detail` read the result.

How a refresh works (see docs/causes.md): the engine computes each outcome order's evidence
and groups the orders by evidence pattern; per outcome, a latent-class model is fitted by EM
on those pattern counts (Python sees only patterns, never orders) with one extra frozen
class, *unexplained*, whose evidence is distributed as among all orders of the outcome; each
pattern gets its posterior over causes, hence a primary cause, a calibrated confidence,
contributing causes and the recorded reason's status; the engine joins the verdicts back and
writes the table in one statement.

Example:
    >>> from dfras.store import open_store
    >>> store = open_store(":memory:")
    >>> ensure_current(store)  # nothing imported: an empty table
    True
    >>> list_causes(store)
    []
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from dfras.analysis.scope import Scope
from dfras.causes import OrderCause, OrderDetail, messages
from dfras.causes import evidence as ev
from dfras.domain.errors import UserError
from dfras.domain.tables import DOMAINS
from dfras.fact import service as fact_service
from dfras.query import causes as q
from dfras.store.base import Store
from dfras.store.meta import is_built_from_current_data, read_meta, write_meta

#: Contributing causes: other causes at least this likely ...
CONTRIBUTING_MIN = 0.2
#: ... or at least this likely with evidence pointing to them in the order.
CONTRIBUTING_WITH_EVIDENCE = 0.05
#: Recorded reason statuses (docs/causes.md): confirmed at this posterior ...
CONFIRM_AT = 0.5
#: ... or when it is the primary cause and that carries at least this much;
PRIMARY_SUPPORT = 0.3
#: contradicted when the primary is this sure and the recorded reason below CONTRADICT_BELOW.
CONTRADICT_PRIMARY = 0.7
CONTRADICT_BELOW = 0.1
UNEXPLAINED = "(unexplained)"
#: Outcome orders whose evidence is gathered in one statement (within a 1 GB engine even right
#: after a 10M-order import; a 1M-order store has about 240,000, so two chunks).
CHUNK_ORDERS = 200_000


def is_current(store: Store) -> bool:
    """Whether the causes reflect every committed batch."""
    return is_built_from_current_data(store, q.RCA_TABLE, "causes_version")


def refresh(store: Store, *, chunk_orders: int = CHUNK_ORDERS) -> float:
    """Recompute every order's cause in one transaction; returns the seconds it took.

    The evidence is gathered ``chunk_orders`` outcome orders at a time (by order id
    modulo the number of chunks), which bounds its memory: at 10M orders it is the step
    that outgrows a 1 GB engine in one piece."""
    started = time.perf_counter()
    fact_service.ensure_current(store)
    if store.engine == "postgres":
        _refresh_through_copy(store)
        return time.perf_counter() - started
    spec = sql_spec()
    with store.rebuilding(), store.transaction():
        version = read_meta(store, "data_version") or "0"
        for statement in q.norms_sql():
            store.execute(statement)
        outcome_orders = int(store.fetchall(q.OUTCOME_ORDERS_SQL)[0][0])
        chunks = max(1, math.ceil(outcome_orders / max(1, chunk_orders)))
        if store.engine == "spark":
            chunks = 1  # Spark spills what does not fit; and its tables take no INSERT
        for i in range(chunks):
            store.execute(q.features_sql(spec, (i, chunks)))
        verdicts: list[dict[str, Any]] = []
        for outcome in ev.OUTCOMES:
            rows = store.fetch_dicts(q.pattern_counts_sql(ev.MODEL_FEATURES[outcome]), [outcome])
            verdicts += judge_patterns(outcome, rows)
        store.temp_table_from_arrow(
            q.PATTERNS_TABLE, pa.Table.from_pylist(verdicts, schema=q.pattern_schema())
        )
        store.execute(q.build_rca_sql(spec), [datetime.now().replace(microsecond=0)])
        for scratch in (q.FEATURES_TABLE, q.PATTERNS_TABLE, *q.SCRATCH_TABLES):
            store.execute(f"DROP TABLE IF EXISTS {scratch}")
        write_meta(store, "causes_version", version)
    return time.perf_counter() - started


#: What the causes are computed from (and what reading them needs), for a PostgreSQL store.
_COPY_TABLES = (*DOMAINS, "delivery_fact", "store_meta")


def _refresh_through_copy(store: Any) -> None:
    """PostgreSQL: compute the tenant's causes in a DuckDB copy filled through its
    RLS-filtered connection, and write them back (the SQL uses DuckDB's list functions)."""
    from dfras.store.working import refresh_through_copy

    refresh_through_copy(
        store,
        read=_COPY_TABLES,
        compute=refresh,
        write=(q.RCA_TABLE,),
        meta_keys=("causes_version",),
    )


def _readable(store: Any) -> Any:
    """The store to read causes from: a tenant's working copy on PostgreSQL."""
    if store.engine != "postgres":
        return store
    from dfras.store.working import working_copy

    return working_copy(store, (*_COPY_TABLES, q.RCA_TABLE))


def ensure_current(store: Store) -> bool:
    """Recompute the causes if they are stale; True when a recompute happened."""
    if is_current(store):
        return False
    refresh(store)
    return True


def list_causes(
    store: Store,
    *,
    scope: Scope | None = None,
    outcome: str | None = None,
    limit: int | None = None,
) -> list[OrderCause]:
    """The per-order causes of the orders in ``scope`` (all when None), by order id."""
    if outcome is not None and outcome not in ev.OUTCOMES:
        raise UserError(f"unknown outcome {outcome!r}", hint=f"use {', '.join(ev.OUTCOMES)}")
    if limit is not None and limit < 0:
        raise UserError("--limit must not be negative")
    ensure_current(store)
    store = _readable(store)
    where, params = (scope or Scope()).where("f")
    sql = q.list_causes_sql(where, outcome=outcome is not None, limit=limit)
    rows = store.fetch_dicts(sql, [*params, *([outcome] if outcome else [])])
    return [OrderCause.from_row(r) for r in rows]


def order_detail(store: Store, order_id: int) -> OrderDetail:
    """One order's timeline, its cause with evidence, and the sentence for the customer."""
    ensure_current(store)
    store = _readable(store)
    found = store.fetch_dicts(q.ORDER_SQL, [order_id])
    if not found:
        raise UserError(
            f"no order {order_id} in the store",
            hint="check the id, or import the orders first with `dfras ingest PATH`",
        )
    order = found[0]
    picks, attempts = q.split_order_logs(store.fetch_dicts(q.ORDER_LOGS_SQL, [order_id, order_id]))
    rows = store.fetch_dicts(q.CAUSE_SQL, [order_id])
    cause = OrderCause.from_row(rows[0]) if rows else None
    return OrderDetail(
        order_id=int(order_id),
        status=order["status"],
        timeline=messages.timeline(order, picks, attempts),
        cause=cause,
        customer_message=messages.customer_message(order, cause),
    )


def sql_spec() -> q.CauseSqlSpec:
    """The thresholds and vocabularies of :mod:`dfras.causes.evidence`, for the SQL."""
    keys = {name.casefold(): name for name in ev.cause_names("failure")}
    keys.update(ev.ALIASES)
    return q.CauseSqlSpec(
        slow_factor=ev.SLOW_FACTOR,
        transit_factor=ev.TRANSIT_SLOW_FACTOR,
        min_route_attempts=ev.MIN_ROUTE_ATTEMPTS,
        excess_edges=ev.EXCESS_EDGES_H,
        excess_levels=ev.EXCESS_LEVELS,
        stages=ev.STAGES,
        reason_keys=keys,
        pattern_features=ev.MODEL_FEATURES,
        late_severity_edges=ev.LATE_SEVERITY_EDGES_H,
    )


def judge_patterns(outcome: str, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fit the outcome's model to its pattern counts; one verdict per pattern.

    Each verdict has the keys of :data:`dfras.query.causes.PATTERN_COLUMNS`.
    """
    import numpy as np

    from dfras.causes.model import fit_latent_classes

    if not rows:
        return []
    feats = ev.MODEL_FEATURES[outcome]
    names = ev.cause_names(outcome)
    n_causes = len(names)
    x = np.array([[ev.FEATURES[f].code(r[f]) for f in feats] for r in rows], dtype=np.int64)
    counts = np.array([r["n"] for r in rows], dtype=float)
    n_levels = [len(ev.FEATURES[f].levels) for f in feats]
    marginals = {}
    for i, f in enumerate(feats):
        seen = x[:, i] >= 0
        marginals[f] = np.bincount(x[seen, i], weights=counts[seen], minlength=n_levels[i])
    seeds = ev.prior_theta(outcome, marginals)
    # the frozen last class: evidence distributed as among all of this outcome's orders
    seeds = [
        np.vstack([s, (marginals[f] + 1.0) / (marginals[f] + 1.0).sum()])
        for s, f in zip(seeds, feats, strict=True)
    ]
    fit = fit_latent_classes(x, counts, n_levels, prior_theta=seeds, frozen=(n_causes,))
    post = fit.posterior
    causes = post[:, :n_causes]
    at = np.arange(len(rows))
    stage = np.array(
        [names.index(r["late_stage"]) if r.get("late_stage") in names else -1 for r in rows]
    )
    best = np.where(stage >= 0, stage, causes.argmax(axis=1))
    confidence = post[at, best]
    pointed = np.zeros_like(causes, dtype=bool)
    for p in ev.pointers(outcome):
        codes = [ev.FEATURES[p.feature].levels.index(lv) for lv in p.levels]
        pointed[:, names.index(p.cause)] |= np.isin(x[:, feats.index(p.feature)], codes)
    contributes = (causes >= CONTRIBUTING_MIN) | (pointed & (causes >= CONTRIBUTING_WITH_EVIDENCE))
    contributes[at, best] = False
    ranked = np.argsort(-causes, axis=1, kind="stable")
    recorded, status = _recorded_status(
        outcome, [r.get("recorded_key") for r in rows], causes, best
    )
    # the likelihood ratio of each observed level for the primary cause
    ratio = np.full(x.shape, np.nan)
    for k in range(len(feats)):
        seen = x[:, k] >= 0
        ratio[seen, k] = fit.likelihood_ratios(k)[best[seen], x[seen, k]]
    strong = (ratio >= 2.0) | (ratio <= 0.5)
    weight = np.where(strong, np.abs(np.log(np.where(strong, ratio, 1.0))), -1.0)
    by_weight = np.argsort(-weight, axis=1, kind="stable")
    levels = [ev.FEATURES[f].levels for f in feats]
    posteriors = np.round(post, 4).tolist()
    template = "{" + ", ".join(f'"{k}": %r' for k in (*names, UNEXPLAINED)) + "}"
    fixed = {
        c.name: (c.category, c.severity, json.dumps(list(c.preventive))) for c in ev.CAUSES[outcome]
    }
    out = []
    for i, row in enumerate(rows):
        name = names[best[i]]
        category, severity, preventive = fixed[name]
        findings = [
            {
                "evidence": feats[f],
                "value": levels[f][x[i, f]],
                "likelihood_ratio": round(float(ratio[i, f]), 2),
            }
            for f in by_weight[i]
            if strong[i, f]
        ]
        out.append(
            {
                "outcome": outcome,
                "pattern": row["pattern"],
                "primary_cause": name,
                "confidence": float(confidence[i]),
                "contributing_causes": json.dumps(
                    [names[j] for j in ranked[i] if contributes[i, j]]
                ),
                "cause_category": category,
                "impact_severity": severity,
                "recorded_posterior": recorded[i],
                "recorded_reason_status": status[i],
                "cause_posteriors": template % tuple(posteriors[i]),
                "findings": findings,
                "preventive_measures": preventive,
            }
        )
    return out


def _recorded_status(
    outcome: str, keys: list[str | None], causes: Any, best: Any
) -> tuple[list[float | None], list[str | None]]:
    """Per pattern: the recorded reason's posterior and its status (None when not recorded).

    confirmed: posterior >= CONFIRM_AT, or it is the primary cause carrying at least
    PRIMARY_SUPPORT; contradicted: the primary carries CONTRADICT_PRIMARY and the recorded
    reason less than CONTRADICT_BELOW; unsupported otherwise. A reason that names none of the
    outcome's causes has posterior 0 (compared by name). Late orders get none: a failure
    reason on a delivered order is not a claim about its delay stage.
    """
    names = ev.cause_names(outcome)
    posteriors: list[float | None] = []
    statuses: list[str | None] = []
    for i, key in enumerate(keys):
        if key is None or key == "none" or outcome == "late":
            posteriors.append(None)
            statuses.append(None)
            continue
        named = ev.recorded_cause(outcome, key)
        j = names.index(named) if named is not None else -1
        posterior = float(causes[i, j]) if j >= 0 else 0.0
        confidence = float(causes[i, best[i]])
        if posterior >= CONFIRM_AT or (j == best[i] and confidence >= PRIMARY_SUPPORT):
            status = "confirmed"
        elif confidence >= CONTRADICT_PRIMARY and posterior < CONTRADICT_BELOW:
            status = "contradicted"
        else:
            status = "unsupported"
        posteriors.append(posterior)
        statuses.append(status)
    return posteriors, statuses
