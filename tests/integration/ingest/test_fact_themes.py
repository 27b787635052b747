"""The fact's feedback theme, classified once per distinct text, is each row's own text's theme."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfras.domain.themes import classify_theme
from dfras.fact import service as fact_service
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.query.fact import FACT_TABLE
from dfras.store.duckdb import DuckDBStore

#: free texts of every kind: unique, repeated across order ranges, blank, mixed case, one
#: keyword of a later theme beside one of an earlier theme (the earlier theme wins)
TEXTS = [
    "Rider could NOT FIND the gate, called twice",
    "item was out of stock, refund pending",
    "box torn and wet",
    "I cancelled before dispatch",
    "It was late and the box was broken",
    "never arrived",
    "Delivery was two days LATE",
    "   ",
    "",
    "rude on the phone",
    "no update for two days",
    "Great, thank you!",
    "ok",
]


@pytest.mark.parametrize("per_step", [None, 700])
def test_each_fact_row_has_its_texts_theme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_step: int | None
) -> None:
    generate(tmp_path / "data", orders=3000, seed=5)
    store = DuckDBStore(tmp_path / "s.duckdb")
    ingest_paths(store, [tmp_path / "data"], causes=False, alerts=False)
    ids = [r[0] for r in store.fetchall("SELECT feedback_id FROM feedback ORDER BY feedback_id")]
    # every text on many orders across the id range, a few of them unique to one order
    for i, fid in enumerate(ids):
        text = TEXTS[i % len(TEXTS)] if i % 5 else f"order note {i}: {TEXTS[i % len(TEXTS)]}"
        store.execute("UPDATE feedback SET feedback_text = ? WHERE feedback_id = ?", [text, fid])
    store.execute("UPDATE feedback SET feedback_text = NULL WHERE feedback_id = ?", [ids[3]])
    if per_step:
        monkeypatch.setattr(fact_service, "ORDERS_PER_STEP", per_step)
        assert len(fact_service.build_steps(store)) > 1
    fact_service.refresh(store)

    rows = store.fetchall(
        f"SELECT feedback_text, feedback_theme FROM {FACT_TABLE} WHERE feedback_count > 0"
    )
    assert len(rows) > 1000
    assert {theme for _, theme in rows} >= {"address", "stock", "damaged", "late", "other", None}
    assert [theme for text, theme in rows] == [classify_theme(text) for text, _ in rows]
    store.close()
