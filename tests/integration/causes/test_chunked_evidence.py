"""The evidence of the outcome orders is gathered in chunks (by order id) so that its memory
stays bounded at 10M orders; the causes must not depend on how many chunks were used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dfras.causes import service
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.query.causes import RCA_TABLE
from dfras.store import open_store


def _causes(store: Any) -> list[tuple[Any, ...]]:
    rows = store.fetch_dicts(f"SELECT * FROM {RCA_TABLE} ORDER BY order_id")
    return [tuple(v for k, v in r.items() if k != "analysis_timestamp") for r in rows]


def test_causes_are_the_same_in_one_chunk_or_many(tmp_path: Path) -> None:
    generate(tmp_path / "data", orders=6000, seed=11)
    store = open_store(str(tmp_path / "s.duckdb"))
    try:
        ingest_paths(store, [tmp_path / "data"], causes=False, alerts=False)
        outcome_orders = store.fetchall(
            "SELECT count(*) FROM delivery_fact WHERE is_failed OR is_returned OR is_late"
        )[0][0]
        assert outcome_orders > 700  # so that 300 a chunk makes several chunks
        service.refresh(store)
        whole = _causes(store)
        service.refresh(store, chunk_orders=300)
        chunked = _causes(store)
        assert len(whole) == outcome_orders
        assert chunked == whole
        leftovers = store.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'cause_%'"
        )
        assert leftovers == []  # the scratch tables are gone
    finally:
        store.close()
