"""The DuckDB store remembers which tables exist (a catalog lookup per order detail adds up),
and forgets as soon as that could be wrong: a drop, an alter, a rollback; a temporary table
is never taken for another cursor's."""

from __future__ import annotations

import pytest

from dfras.store.duckdb import DuckDBStore


@pytest.fixture
def store(tmp_path):
    s = DuckDBStore(tmp_path / "t.duckdb")
    yield s
    s.close()


def test_a_dropped_table_is_forgotten(store: DuckDBStore) -> None:
    store.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert store.table_exists("t") and store.table_exists("t")
    cur = store.cursor()
    cur.execute("DROP TABLE t")  # through a cursor: the root forgets too
    assert not store.table_exists("t") and not cur.table_exists("t")
    cur.con.close()


def test_a_table_created_in_a_rolled_back_transaction_is_forgotten(store: DuckDBStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("CREATE TABLE u AS SELECT 1 AS x")
        assert store.table_exists("u")
        raise RuntimeError("undo")
    assert not store.table_exists("u")


def test_a_renamed_table_is_forgotten(store: DuckDBStore) -> None:
    store.execute("CREATE TABLE a AS SELECT 1 AS x")
    assert store.table_exists("a")
    store.execute("ALTER TABLE a RENAME TO b")
    assert not store.table_exists("a") and store.table_exists("b")


def test_a_temporary_table_belongs_to_its_cursor(store: DuckDBStore) -> None:
    one, two = store.cursor(), store.cursor()
    one.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
    assert one.table_exists("scratch")
    assert not two.table_exists("scratch")
    one.con.close()
    two.con.close()
