"""An import reports its progress in bytes of its files, moving within a file, then the fact's
percentage; the embedded store tells how far a running statement has come."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dfras.generate import generate
from dfras.ingest import service
from dfras.ingest.service import ingest_paths
from dfras.store.duckdb import DuckDBStore


def test_progress_counts_bytes_then_the_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "data", orders=20_000, seed=4)
    monkeypatch.setattr("dfras.store.progress.TICK_SECONDS", 0.005)
    store = DuckDBStore(tmp_path / "s.duckdb")
    calls: list[tuple[str, int, int, str]] = []

    def progress(stage: str, done: int, total: int, unit: str) -> None:
        calls.append((stage, done, total, unit))

    ingest_paths(store, [tmp_path / "data"], causes=False, alerts=False, progress=progress)
    store.close()
    files = [p for p in (tmp_path / "data").iterdir() if service.is_data_file(p)]
    total = sum(p.stat().st_size for p in files)
    in_bytes = [c for c in calls if c[3] == "bytes"]
    assert {c[2] for c in in_bytes} == {total}
    assert [c[1] for c in in_bytes] == sorted(c[1] for c in in_bytes)  # never goes back
    assert in_bytes[-1][1] == total
    # each file is announced where the files before it end
    starts = {c[0]: c[1] for c in reversed(in_bytes)}
    assert starts["clients.csv"] == 0
    assert {name for name in starts if name.endswith(".csv")} == {p.name for p in files}
    # and the count moves while a file's batch runs, not only from one file to the next
    within = [c for c in in_bytes if c[1] not in set(starts.values()) | {total}]
    assert within
    fact = [c for c in calls if c[0] == "building the delivery fact"]
    assert fact[0][1:] == (0, 100, "percent") and fact[-1][1:] == (100, 100, "percent")
    assert calls[-1] == ("imported", 100, 100, "percent")


@pytest.mark.parametrize("connection", ["own", "cursor"])
def test_a_running_statement_reports_its_share(tmp_path: Path, connection: str) -> None:
    """The store's own connection, and a cursor of it (the service's writes)."""
    opened = DuckDBStore(tmp_path / "s.duckdb")
    store = opened if connection == "own" else opened.cursor(progress=True)
    assert store.statement_progress() is None  # nothing runs
    shares: list[float] = []
    running = threading.Event()

    def work() -> None:
        running.set()
        store.fetchall("SELECT sum(hash(range)) FROM range(400000000)")

    thread = threading.Thread(target=work)
    thread.start()
    running.wait()
    while thread.is_alive():
        share = store.statement_progress()
        if share is not None:
            shares.append(share)
        thread.join(0.02)
    assert shares and all(0.0 <= s <= 1.0 for s in shares)
    assert max(shares) > 0.0
    assert store.statement_progress() is None
    opened.close()
