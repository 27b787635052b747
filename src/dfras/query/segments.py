"""Segment counting queries: every attribute and pair counted over one materialised population.

The explanation's candidate search materialises the scope's population once (a narrow base
table), then counts it with a few ``GROUP BY GROUPING SETS`` queries: one set per attribute and
per allowed pair, pruned by support in ``HAVING``, with ``GROUPING_ID`` telling the sets apart.
Low-cardinality sets are summed in blocks from one fine grouping; each high-cardinality
attribute's sets read only the orders where it is known. Measured outcomes (delay hours) also
get the sums a Welch interval and a rank test need. Everything returned is aggregated; Python
sees only groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dfras.analysis.attributes import ATTRIBUTES, BIN_QUANTILES, KNOWN, bin_sql
from dfras.analysis.outcomes import Outcome
from dfras.query.fact import FACT_TABLE


@dataclass(frozen=True)
class SegmentQuery:
    sql: str
    params: list[object]
    columns: list[str]
    sets: list[tuple[str, ...]]


def grouped_attributes(gid: int, names: list[str]) -> tuple[str, ...]:
    """The attributes a row of a GROUPING SETS query is grouped by: ``GROUPING_ID`` sets bit
    (len − 1 − i) when ``names[i]`` is *not* grouped."""
    width = len(names)
    return tuple(n for i, n in enumerate(names) if not (gid >> (width - 1 - i)) & 1)


def edges_sql(binned: list[str], where: str) -> str:
    """Counts of each binned attribute's values, rounded to three significant digits, within
    the population (one scan; :func:`edges_from_counts` turns them into cut points).

    Why a histogram rather than the engine's quantile function: exact quantiles hold every
    value in memory (16 of them over 10M orders do not fit a 1 GB engine), and approximate
    ones differ between engines (DuckDB's t-digest, Spark's Greenwald–Khanna), which would give
    DuckDB and Spark different bins and so different segments. Counting rounded values is
    exact, bounded (a few thousand groups per attribute) and the same on every engine."""
    cols = []
    for name in binned:
        col = f"CAST({ATTRIBUTES[name].expr or name} AS DOUBLE)"
        scale = f"power(10, floor(log10(abs({col}))) - 2)"
        cols.append(
            f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} = 0 THEN 0.0 "
            f"ELSE round({col} / {scale}) * {scale} END AS h_{name}"
        )
    gid = "GROUPING_ID(" + ", ".join(f"h_{n}" for n in binned) + ")"
    sets = ", ".join(f"(h_{n})" for n in binned)
    return f"""SELECT {gid} AS gid, {", ".join(f"h_{n}" for n in binned)}, count(*) AS n
FROM (SELECT {", ".join(cols)} FROM {FACT_TABLE} WHERE {where}) x
GROUP BY GROUPING SETS ({sets})"""


def edges_from_counts(rows: list[dict[str, Any]], binned: list[str]) -> dict[str, list[float]]:
    """Cut points at ``BIN_QUANTILES`` from :func:`edges_sql`'s counts: for each quantile q,
    the smallest value whose cumulative count reaches q of the known values (rounded to 2
    decimals, duplicates merged)."""
    counts: dict[str, list[tuple[float, int]]] = {n: [] for n in binned}
    for r in rows:
        attrs = grouped_attributes(int(r["gid"]), [f"h_{n}" for n in binned])
        if len(attrs) != 1:
            continue
        value = r[attrs[0]]
        if value is not None:
            counts[attrs[0][2:]].append((float(value), int(r["n"])))
    out: dict[str, list[float]] = {}
    for name, pairs in counts.items():
        pairs.sort()
        total = sum(n for _, n in pairs)
        edges: set[float] = set()
        for q in BIN_QUANTILES:
            target, cum = q * total, 0
            for value, n in pairs:
                cum += n
                if cum >= target:
                    edges.add(round(value, 2))
                    break
        out[name] = sorted(edges)
    return out


def attribute_exprs(names: list[str], edges: dict[str, list[float]]) -> dict[str, str]:
    """SQL value of each attribute (binned numbers as labelled bins), NULL where unknown."""
    out = {}
    for name in names:
        a = ATTRIBUTES[name]
        if a.binned:
            expr = bin_sql(name, edges.get(name, []))
            out[name] = (
                expr if a.domain == "order" else f"CASE WHEN {KNOWN[a.domain]} THEN {expr} END"
            )
        else:
            out[name] = a.sql()
    return out


def rank_key(domains: set[str] | frozenset[str]) -> str:
    """Name of the rank column for orders where ``domains`` are all known."""
    return "r_" + ("_".join(sorted(d for d in domains if d != "order")) or "all")


def known_condition(domains: set[str] | frozenset[str]) -> str:
    conds = [KNOWN[d] for d in sorted(domains) if d != "order"]  # type: ignore[index]
    return " AND ".join(f"({c})" for c in conds) or "TRUE"


def rank_keys(sets: list[tuple[str, ...]]) -> list[frozenset[str]]:
    """The distinct known-domain sets of the grouping sets (one rank column each)."""
    keys = {frozenset(ATTRIBUTES[a].domain for a in s) - {"order"} for s in sets}
    return sorted(keys, key=lambda k: (len(k), sorted(k)))


def _base(
    exprs: dict[str, str],
    outcome: Outcome,
    where: str,
    *,
    event: str | None = None,
    keys: list[frozenset[str]] | None = None,
    materialized: bool = True,
    types: dict[str, str] | None = None,
) -> str:
    """The ``base`` CTE: the population's attribute values, known-domain flags and outcome.
    ``materialized=False`` lets each reader of the CTE compute only the columns it reads (a
    measured outcome's mid-ranks are always materialised: they are windows over the whole).
    ``types``: column types of attributes (see :func:`base_table_sql`)."""
    types = types or {}
    cols = ", ".join(
        f"CAST({e} AS {types[n]}) AS a_{n}" if n in types else f"{e} AS a_{n}"
        for n, e in exprs.items()
    )
    flags = ", ".join(f"({cond}) AS k_{dom}" for dom, cond in KNOWN.items() if dom != "order")
    if outcome.measured:
        measure = f"{outcome.value} AS v, order_day"
        # mid-ranks within the orders where the compared attributes are known: a segment is
        # ranked only against the orders it is compared with. An order's mid-rank among the
        # orders of one key is (orders of that key with a value ≤ its own) − (its ties − 1) / 2:
        # running counts over one ordering by value, shared by every key, instead of one sort
        # per key
        parts = []
        for key in keys or [frozenset()]:
            cond = " AND ".join(f"k_{d}" for d in sorted(key)) or "TRUE"
            member = f"CASE WHEN {cond} THEN 1 ELSE 0 END"
            parts.append(
                f"CASE WHEN {cond} THEN sum({member}) OVER (ORDER BY v RANGE BETWEEN "
                f"UNBOUNDED PRECEDING AND CURRENT ROW) - (sum({member}) OVER (PARTITION BY v) "
                f"- 1) / 2.0 END AS {rank_key(key)}"
            )
        ranks = ", " + ", ".join(parts)
        return f"""base0 AS MATERIALIZED (
  SELECT {cols}, {flags}, {measure}
  FROM {FACT_TABLE} WHERE {outcome.population} AND {where}
), base AS MATERIALIZED (SELECT *{ranks} FROM base0)"""
    ev = event or outcome.event
    hint = "MATERIALIZED" if materialized else "NOT MATERIALIZED"
    return f"""base AS {hint} (
  SELECT {cols}, {flags}, CASE WHEN {ev} THEN 1 ELSE 0 END AS y, order_day,
    CASE WHEN {ev} THEN coalesce(reason_code, failure_reason, '(none recorded)') END AS reason
  FROM {FACT_TABLE} WHERE {outcome.population} AND {where}
)"""


def _measures(outcome: Outcome, keys: list[frozenset[str]] | None = None) -> str:
    if outcome.measured:
        sums = ", ".join(f"sum({rank_key(k)}) AS {rank_key(k)}" for k in keys or [frozenset()])
        return (
            f"count(*) AS n, sum(v) AS s, sum(v * v) AS ss, {sums}, "
            "count(*) FILTER (WHERE v > 0) AS k"
        )
    return "count(*) AS n, sum(y) AS k"


BASE_TABLE = "dfras_explain_base"
#: The base's orders inside the pairs being extended to triples (see :func:`orders_of_sql`).
PAIRS_TABLE = "dfras_explain_pairs"


def labels_query(exprs: dict[str, str], names: list[str]) -> str:
    """One row: per attribute of ``names``, the list of distinct labels it takes in the fact
    (on DuckDB, the engine whose working tables can hold them as an enumeration)."""
    lists = ", ".join(
        f"list(DISTINCT {exprs[n]}) FILTER (WHERE {exprs[n]} IS NOT NULL)" for n in names
    )
    return f"SELECT {lists} FROM {FACT_TABLE}"


def base_table_sql(
    exprs: dict[str, str],
    outcome: Outcome,
    where: str,
    sets: list[tuple[str, ...]],
    *,
    min_support: int,
    types: dict[str, str] | None = None,
) -> str:
    """Materialise the population once: every attribute's value, the known-domain flags and
    the outcome (or, for a measured outcome, its value and the mid-ranks the rank test needs).
    The counting queries then read this narrow table instead of re-deriving it per chunk.
    ``types`` gives attributes a column type of their own (a compact enumeration of their
    labels, where the engine has one: see :meth:`dfras.store.base.Store.category_type`).

    Values of high-cardinality attributes held by fewer than ``min_support`` orders are set to
    NULL here: no group containing them can reach the support bar (a pair never has more orders
    than either of its members), so this loses nothing and spares the engine millions of
    groups (200,000 drivers with a handful of orders each, at a million orders)."""
    keys = rank_keys(sets) if outcome.measured else None
    high = [n for n in exprs if ATTRIBUTES[n].high_cardinality]
    columns = {n: f"a_{n}" for n in exprs}
    for n in high:
        columns[n] = (
            f"CASE WHEN a_{n} IN (SELECT a_{n} FROM base GROUP BY a_{n} "
            f"HAVING count(*) >= {int(min_support)}) THEN a_{n} END"
        )
    # every column named (no SELECT * REPLACE): the same statement runs on every engine
    flags = [f"k_{dom}" for dom in KNOWN if dom != "order"]
    # each support-bar subquery reads its one attribute from the fact: materialising the whole
    # population first, to read it back once per subquery, took twice as long (and at 10M
    # orders spilled gigabytes). (A measured outcome's ranks are materialised within the CTE.)
    base = _base(exprs, outcome, where, keys=keys, materialized=False, types=types)
    if outcome.measured:
        rest = ["v", "order_day", *(rank_key(k) for k in keys or [frozenset()])]
    else:
        rest = ["y", "order_day", "reason"]
    cols = ", ".join([f"{e} AS a_{n}" for n, e in columns.items()] + flags + rest)
    return f"CREATE OR REPLACE TEMP TABLE {BASE_TABLE} AS WITH {base} SELECT {cols} FROM base"


def counts_queries(
    exprs: dict[str, str],
    sets: list[tuple[str, ...]],
    outcome: Outcome,
    *,
    min_support: int,
    chunk: int = 40,
    block: int = 4,
) -> list[SegmentQuery]:
    """Queries counting every grouping set (attribute or pair) above ``min_support`` over the
    materialised base (see :func:`base_table_sql`); every set is counted by exactly one query.

    Sets of low-cardinality attributes are counted in blocks (:func:`attribute_blocks`): the
    base is grouped once by a block's attributes (a few thousand groups), and the block's
    singles and pairs are summed from that small result. Each set costs the engine a pass of
    its own over the base, so this turns dozens of passes into a handful. Sets with a
    high-cardinality attribute are counted directly, per such attribute over the orders where
    it is known, in chunks of ``chunk`` sets: one query per chunk keeps the engine's hash
    tables (one per grouping set) within its memory limit. Each query's ``GROUPING_ID`` is
    over its own ``columns``.
    """
    low: list[tuple[str, ...]] = []
    # per high-cardinality attribute, only the orders whose value survived the support bar
    # (the others are NULL in the base, and no set of theirs can be reported)
    by_entity: dict[str, list[tuple[str, ...]]] = {}
    for s in sets:
        entity = next((a for a in s if ATTRIBUTES[a].high_cardinality), None)
        if entity is None:
            low.append(s)
        else:
            by_entity.setdefault(entity, []).append(s)
    out = [
        _block_query(exprs, attrs, part, outcome, min_support=min_support)
        for attrs, part in attribute_blocks(low, size=block)
    ]
    for entity, entity_sets in by_entity.items():
        for i in range(0, len(entity_sets), chunk):
            part = entity_sets[i : i + chunk]
            names = [n for n in exprs if any(n in s for s in part)]
            grouping = ", ".join("(" + ", ".join(f"a_{n}" for n in s) + ")" for s in part)
            gid = "GROUPING_ID(" + ", ".join(f"a_{n}" for n in names) + ")"
            keys = rank_keys(part) if outcome.measured else None
            sql = f"""SELECT {gid} AS gid, {", ".join(f"a_{n}" for n in names)}, {_measures(outcome, keys)}
FROM {BASE_TABLE} WHERE a_{entity} IS NOT NULL
GROUP BY GROUPING SETS ({grouping})
HAVING count(*) >= {int(min_support)}"""
            out.append(SegmentQuery(sql=sql, params=[], columns=names, sets=part))
    return out


def attribute_blocks(
    sets: list[tuple[str, ...]], *, size: int = 4
) -> list[tuple[list[str], list[tuple[str, ...]]]]:
    """Group singles and pairs into blocks of at most ``size`` attributes, each set in exactly
    one block that holds all its attributes (greedy: a block grows by the attribute that
    brings the most pairs not yet placed).

    >>> attribute_blocks([("a",), ("a", "b"), ("b", "c"), ("a", "c"), ("d",)], size=3)
    [(['a', 'b', 'c'], [('a',), ('a', 'b'), ('b', 'c'), ('a', 'c')]), (['d'], [('d',)])]
    """
    order = {a: i for i, a in enumerate(dict.fromkeys(a for s in sets for a in s))}
    pending = [s for s in sets if len(s) == 2]
    blocks: list[list[str]] = []
    while pending:
        attrs = list(pending[0])
        while len(attrs) < size:
            gain = {
                c: sum(1 for s in pending if c in s and any(a in s for a in attrs))
                for c in order
                if c not in attrs
            }
            best = max(gain, key=lambda c: (gain[c], -order[c]), default=None)
            if best is None or gain[best] == 0:
                break
            attrs.append(best)
        blocks.append(attrs)
        pending = [s for s in pending if not all(a in attrs for a in s)]
    # singles ride along in a block that already holds their attribute; the rest share blocks
    loose = [a for a in order if not any(a in b for b in blocks)]
    blocks += [loose[i : i + size] for i in range(0, len(loose), size)]
    placed: list[list[tuple[str, ...]]] = [[] for _ in blocks]
    for s in sets:
        j = next(j for j, b in enumerate(blocks) if all(a in b for a in s))
        placed[j].append(s)
    return [
        (sorted(b, key=order.__getitem__), part)
        for b, part in zip(blocks, placed, strict=True)
        if part
    ]


def _block_query(
    exprs: dict[str, str],
    attrs: list[str],
    part: list[tuple[str, ...]],
    outcome: Outcome,
    *,
    min_support: int,
) -> SegmentQuery:
    """One block's sets, summed from the base grouped once by the block's attributes (every
    measure is a count or a sum, so the fine groups add up to any coarser one)."""
    names = [n for n in exprs if n in attrs]
    cols = ", ".join(f"a_{n}" for n in names)
    keys = rank_keys(part) if outcome.measured else None
    sums = ["CAST(sum(n) AS BIGINT) AS n", "CAST(sum(k) AS BIGINT) AS k"]
    if outcome.measured:
        sums += ["sum(s) AS s", "sum(ss) AS ss"]
        sums += [f"sum({rank_key(k)}) AS {rank_key(k)}" for k in keys or [frozenset()]]
    grouping = ", ".join("(" + ", ".join(f"a_{n}" for n in s) + ")" for s in part)
    sql = f"""SELECT GROUPING_ID({cols}) AS gid, {cols}, {", ".join(sums)}
FROM (SELECT {cols}, {_measures(outcome, keys)} FROM {BASE_TABLE} GROUP BY {cols}) fine
GROUP BY GROUPING SETS ({grouping})
HAVING sum(n) >= {int(min_support)}"""
    return SegmentQuery(sql=sql, params=[], columns=names, sets=part)


def availability_query(outcome: Outcome, where: str) -> str:
    """Population and outcome totals per pattern of known domains (16 rows at most)."""
    flags = [f"({cond})" for dom, cond in KNOWN.items() if dom != "order"]
    names = [dom for dom in KNOWN if dom != "order"]
    cols = ", ".join(f"{f} AS k_{n}" for f, n in zip(flags, names, strict=True))
    if outcome.measured:
        m = f"count(*) AS n, sum({outcome.value}) AS s, sum({outcome.value} * {outcome.value}) AS ss, count(*) FILTER (WHERE {outcome.value} > 0) AS k"
    else:
        m = f"count(*) AS n, sum(CASE WHEN {outcome.event} THEN 1 ELSE 0 END) AS k"
    return f"""SELECT {cols}, {m}
FROM {FACT_TABLE} WHERE {outcome.population} AND {where}
GROUP BY ALL"""


def tie_term_query(outcome: Outcome, where: str, key: frozenset[str] = frozenset()) -> str:
    """Σ(t³ − t) over groups of tied values where ``key``'s domains are known (the rank
    test's tie correction)."""
    return f"""SELECT coalesce(sum(t * t * t - t), 0) FROM (
  SELECT count(*) AS t FROM {FACT_TABLE}
  WHERE {outcome.population} AND {where} AND {known_condition(key)} GROUP BY {outcome.value}
) x"""


def daily_query(attribute: str, outcome: Outcome) -> str:
    """Per entity and day: population and outcomes (the input of the window scan), read from
    the materialised base (see :func:`base_table_sql`)."""
    k = "count(*) FILTER (WHERE v > 0)" if outcome.measured else "sum(y)"
    return f"""SELECT a_{attribute} AS value, order_day AS day, count(*) AS n, {k} AS k
FROM {BASE_TABLE} WHERE a_{attribute} IS NOT NULL
GROUP BY 1, 2 ORDER BY 1, 2"""


def reason_totals_query(where: str) -> str:
    """Recorded reasons of the scope's failed orders (the observed breakdown)."""
    return f"""SELECT coalesce(reason_code, failure_reason, '(none recorded)') AS reason,
       max(reason_category) AS category, count(*) AS failed
FROM {FACT_TABLE} WHERE is_closed AND is_failed AND {where}
GROUP BY 1 ORDER BY failed DESC, reason"""


def conditions_sql(conditions: dict[str, Any]) -> tuple[str, list[Any]]:
    """A segment's conditions over the materialised base's ``a_`` columns, with parameters."""
    return " AND ".join(f"a_{n} = ?" for n in conditions) or "TRUE", list(conditions.values())


def extension_query(
    fixed: dict[str, object],
    extend: list[str],
    outcome: Outcome,
    min_support: int,
) -> tuple[str, list[object]]:
    """Counts of a pair extended by each third attribute, within the pair's orders, read
    from :data:`PAIRS_TABLE` (see :func:`orders_of_sql`; the base's trimmed values lose
    nothing here: a triple never has more orders than the pair or the value it adds)."""
    where, params = conditions_sql(fixed)
    grouping = ", ".join(f"(a_{n})" for n in extend)
    gid = "GROUPING_ID(" + ", ".join(f"a_{n}" for n in extend) + ")"
    sql = f"""SELECT {gid} AS gid, {", ".join(f"a_{n}" for n in extend)}, {_measures(outcome)}
FROM {PAIRS_TABLE} WHERE {where}
GROUP BY GROUPING SETS ({grouping})
HAVING count(*) >= {int(min_support)}"""
    return sql, params


def orders_of_sql(conditions: list[dict[str, object]]) -> tuple[str, list[object]]:
    """Materialise the base's orders inside any of the given segments (one pass over the
    base, so the queries that then look inside each segment read a small table)."""
    params: list[object] = []
    alternatives = []
    for cond in conditions:
        sql, cond_params = conditions_sql(cond)
        alternatives.append(f"({sql})")
        params += cond_params
    where = " OR ".join(alternatives) or "FALSE"
    return (
        f"CREATE OR REPLACE TEMP TABLE {PAIRS_TABLE} AS SELECT * FROM {BASE_TABLE} WHERE {where}",
        params,
    )


def medians_query(
    exprs: dict[str, str], conditions: dict[str, object], outcome: Outcome, where: str
) -> tuple[str, list[object]]:
    """Median of the measured value inside one segment and in the rest of the scope."""
    conds, params = [], []
    for name, value in conditions.items():
        conds.append(f"{exprs[name]} = ?")
        params.append(value)
    inside = " AND ".join(conds) or "TRUE"
    known = " AND ".join(f"{exprs[n]} IS NOT NULL" for n in conditions) or "TRUE"
    sql = f"""SELECT median({outcome.value}) FILTER (WHERE {inside}) AS inside,
       median({outcome.value}) FILTER (WHERE NOT ({inside}) AND {known}) AS rest
FROM {FACT_TABLE} WHERE {outcome.population} AND {where}"""
    return sql, params + params


def base_reason_counts_query(names: list[str]) -> str:
    """Outcomes per attribute value and recorded reason, from the materialised base."""
    grouping = ", ".join(f"(reason, a_{n})" for n in names)
    gid = "GROUPING_ID(" + ", ".join(f"a_{n}" for n in names) + ")"
    return f"""SELECT {gid} AS gid, reason, {", ".join(f"a_{n}" for n in names)}, count(*) AS k
FROM {BASE_TABLE} WHERE reason IS NOT NULL GROUP BY GROUPING SETS ({grouping})"""


def base_reason_totals_query() -> str:
    """Population and outcomes per recorded reason and pattern of known domains."""
    flags = ", ".join(f"k_{d}" for d in KNOWN if d != "order")
    return f"""SELECT {flags}, reason, count(*) AS n FROM {BASE_TABLE} GROUP BY ALL"""
