"""The lookups an order's detail uses: built by the server's gate when it opens the store and
after its writes; an import goes without them (it drops the log lookups, a bulk load would
maintain them row by row, and rebuilds the fact as a new table); used by the engine for the
detail's fact and log queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dfras.ingest.service import ingest_paths
from dfras.orders import query as oq
from dfras.orders.lookups import LOG_LOOKUPS, SERVING_LOOKUPS
from dfras.query import causes as cq
from dfras.query.fact import FACT_TABLE
from dfras.service.gate import StoreGate
from dfras.store import open_store


def _indexes(store: Any) -> set[str]:
    return {r[0] for r in store.fetchall("SELECT index_name FROM duckdb_indexes()")}


WANTED = {f"{t}_{c}_lookup" for t, c in SERVING_LOOKUPS}
LOGS = {f"{t}_{c}_lookup" for t, c in LOG_LOOKUPS}
FACT = f"{FACT_TABLE}_order_id_lookup"


def _plan(cur: Any, folder: Path, sql: str, params: list[Any]) -> str:
    """The engine's profile of one query (JSON text)."""
    profile = folder / "profile.json"
    cur.execute("PRAGMA enable_profiling = 'json'")
    cur.execute(f"PRAGMA profiling_output = '{profile}'")
    cur.fetchall(sql, params)
    cur.execute("PRAGMA disable_profiling")
    return profile.read_text()


def test_gate_builds_the_lookups_and_an_import_goes_without_them(
    sample_data: Path, tmp_path: Path
) -> None:
    location = str(tmp_path / "store.duckdb")
    store = open_store(location)
    ingest_paths(store, [sample_data / "orders.csv", sample_data / "fleet_logs.csv",
                         sample_data / "warehouse_logs.csv"], causes=False, alerts=False)  # fmt: skip
    assert not WANTED & _indexes(store)
    store.close()

    gate = StoreGate(location, wait=5)
    with gate.reading() as cur:
        assert _indexes(cur) >= WANTED
        ids = [r[0] for r in cur.fetchall("SELECT order_id FROM fleet_logs ORDER BY 1 LIMIT 8")]
        # one order, and a batch of eight (the server's concurrent misses): both log tables
        # looked up through their index, neither scanned
        for batch in (ids[:1], ids):
            plan = _plan(cur, tmp_path, cq.order_logs_sql(len(batch)), batch + batch)
            assert (plan.count("Index Scan"), plan.count("Sequential Scan")) == (2, 0)
            plan = _plan(cur, tmp_path, oq.order_rows_sql(len(batch)), batch)
            assert (plan.count("Index Scan"), plan.count("Sequential Scan")) == (1, 0)
    with gate.writing() as cur:  # an import through the server: dropped, then built again
        ingest_paths(cur, [sample_data / "feedback.csv"], causes=False, alerts=False)
        assert not (LOGS | {FACT}) & _indexes(cur)
    with gate.reading() as cur:
        assert _indexes(cur) >= WANTED
    gate.close()
