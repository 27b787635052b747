"""Derived tables are stored as their rebuild writes them: what earlier writes deleted is
compacted before the rebuild, and nothing is merged after it in the same process."""

from __future__ import annotations

from pathlib import Path

from dfras.store.duckdb import DuckDBStore

ROW_GROUP = 122_880


def _row_groups(store: DuckDBStore, table: str) -> int:
    return int(
        store.fetchall(f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')")[
            0
        ][0]
    )


def _thinned(store: DuckDBStore, table: str) -> None:
    """Three full row groups, then two rows in three deleted: they fit in one row group."""
    store.execute(f"CREATE TABLE {table} AS SELECT range AS id FROM range({3 * ROW_GROUP})")
    store.execute("CHECKPOINT")
    assert _row_groups(store, table) == 3
    store.execute(f"DELETE FROM {table} WHERE id % 3 <> 0")


def test_what_earlier_writes_deleted_is_compacted_before_the_rebuild(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb")
    _thinned(store, "domain_rows")
    with store.rebuilding():
        assert _row_groups(store, "domain_rows") == 1
    store.close()


def test_a_rebuilt_table_is_not_merged_later_in_the_process(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb")
    with store.rebuilding():
        _thinned(store, "derived")
    # the rebuild's own checkpoint and a later one (after a small write) leave it as written
    store.execute("CREATE TABLE small_write AS SELECT 1 AS x")
    store.execute("CHECKPOINT")
    assert _row_groups(store, "derived") == 3
    assert store.fetchall("SELECT count(*) FROM derived")[0][0] == ROW_GROUP
    store.close()
    reopened = DuckDBStore(tmp_path / "s.duckdb")
    assert reopened.fetchall("SELECT count(*), sum(id % 3) FROM derived")[0] == (ROW_GROUP, 0)
    reopened.close()


def test_inside_a_transaction_a_rebuild_changes_nothing(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb")
    with store.transaction():
        with store.rebuilding():
            store.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert store.fetchall("SELECT current_setting('max_vacuum_tasks')")[0][0] != 0
    store.close()
