"""The explanation's counting queries against a plain count of each set, on generated data.

Blocks (low-cardinality sets summed from one fine grouping) and per-entity queries (a
high-cardinality attribute's sets over the orders where it survived the support bar) must give
exactly the groups a separate ``GROUP BY`` per set gives; the delay mid-ranks (running counts
over one ordering) must equal the ranks scipy assigns within each known-domain population.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import rankdata

from dfras.analysis.attributes import ATTRIBUTES, attribute_pairs
from dfras.analysis.explain import _edges
from dfras.analysis.outcomes import get_outcome
from dfras.query import segments as q

MIN_SUPPORT = 5


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, make_store: Any) -> Any:
    s, _ = make_store(tmp_path_factory.mktemp("counting"), orders=6000, seed=11)
    return s


def _base(store: Any, outcome: str) -> tuple[Any, dict[str, str], list[tuple[str, ...]]]:
    out = get_outcome(outcome)
    names = [n for n, a in ATTRIBUTES.items() if not (a.delay_component and outcome == "delay")]
    binned = [n for n in names if ATTRIBUTES[n].binned]
    exprs = q.attribute_exprs(names, _edges(store, binned, out.population, []))
    sets: list[tuple[str, ...]] = [(n,) for n in names]
    sets += attribute_pairs(names, symptom_pairs=True)
    store.execute(q.base_table_sql(exprs, out, "TRUE", sets, min_support=MIN_SUPPORT))
    return out, exprs, sets


def _rank_column(attrs: tuple[str, ...]) -> str:
    """The rank column a set is tested with: ranks among orders where its domains are known."""
    return q.rank_key(frozenset(ATTRIBUTES[a].domain for a in attrs) - {"order"})


def _groups(store: Any, queries: list[q.SegmentQuery], measures: list[str]) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    for query in queries:
        for row in store.fetch_dicts(query.sql, query.params):
            attrs = q.grouped_attributes(int(row["gid"]), query.columns)
            key = (attrs, tuple(row[f"a_{a}"] for a in attrs))
            assert key not in found, f"{key} counted twice"
            names = [_rank_column(attrs) if m == "rank" else m for m in measures]
            found[key] = tuple(float(row[m] or 0) for m in names)
    return found


def _direct(store: Any, sets: list[tuple[str, ...]], measures: str) -> Any:
    found: dict[Any, Any] = {}
    for s in sets:
        cols = ", ".join(f"a_{a}" for a in s)
        rows = store.fetchall(
            f"SELECT {cols}, {measures.replace('RANK', _rank_column(s))} FROM {q.BASE_TABLE} "
            f"GROUP BY {cols} HAVING count(*) >= {MIN_SUPPORT}"
        )
        for row in rows:
            found[(s, tuple(row[: len(s)]))] = tuple(float(v or 0) for v in row[len(s) :])
    return found


def _known(found: dict[Any, Any]) -> dict[Any, Any]:
    # groups with an unknown value are never tested; the per-entity queries leave out the
    # orders whose entity fell below the support bar (NULL in the base)
    return {k: v for k, v in found.items() if all(x is not None for x in k[1])}


def test_failure_counts_match_a_count_per_set(store: Any) -> None:
    out, exprs, sets = _base(store, "failure")
    queries = q.counts_queries(exprs, sets, out, min_support=MIN_SUPPORT)
    got = _known(_groups(store, queries, ["n", "k"]))
    want = _known(_direct(store, sets, "count(*), sum(y)"))
    assert got == want
    assert len(got) > 1000
    # fewer passes than sets: the blocks and the per-entity chunks
    assert len(queries) < len(sets) / 3


def test_delay_counts_and_mid_ranks(store: Any) -> None:
    out, exprs, sets = _base(store, "delay")
    keys = q.rank_keys(sets)
    ranks = [q.rank_key(k) for k in keys]
    queries = q.counts_queries(exprs, sets, out, min_support=MIN_SUPPORT)
    got = _known(_groups(store, queries, ["n", "k", "s", "ss", "rank"]))
    direct_measures = "count(*), count(*) FILTER (WHERE v > 0), sum(v), sum(v * v), sum(RANK)"
    want = _known(_direct(store, sets, direct_measures))
    assert got.keys() == want.keys()
    for key, values in want.items():
        assert got[key] == pytest.approx(values, rel=1e-9), key
    flags = [f"k_{d}" for d in ("warehouse", "fleet", "external", "feedback")]
    rows = store.fetch_dicts(f"SELECT v, {', '.join(flags + ranks)} FROM {q.BASE_TABLE}")
    v = np.array([float(r["v"]) for r in rows])
    for key in keys:
        member = np.array([all(r[f"k_{d}"] for d in key) for r in rows])
        expected = rankdata(v[member])  # mid-ranks: ties share their average rank
        actual = np.array(
            [float(r[q.rank_key(key)]) for r, m in zip(rows, member, strict=True) if m]
        )
        assert actual == pytest.approx(expected), key
        assert all(r[q.rank_key(key)] is None for r, m in zip(rows, member, strict=True) if not m)
    store.execute(f"DROP TABLE IF EXISTS {q.BASE_TABLE}")


def test_blocks_place_every_set_once() -> None:
    names = list(ATTRIBUTES)
    low = [
        s
        for s in [(n,) for n in names] + attribute_pairs(names)
        if not any(ATTRIBUTES[a].high_cardinality for a in s)
    ]
    blocks = q.attribute_blocks(low, size=4)
    placed = [s for _, part in blocks for s in part]
    assert sorted(placed) == sorted(low)
    for attrs, part in blocks:
        assert len(attrs) <= 4
        assert all(a in attrs for s in part for a in s)
    assert len(blocks) < len(low) / 4
