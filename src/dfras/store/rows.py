"""Writing a few rows into a result table, the same call on every engine.

Result tables that Python fills (pattern detections, model versions, predictions) change by
deleting some rows and adding others, or by setting one column of some rows. DuckDB and
PostgreSQL do that with ``DELETE``, multi-row ``INSERT`` and ``UPDATE``; Spark's tables take no
row changes, so there the table is rewritten whole (these tables hold hundreds to a few hundred
thousand rows, never the orders themselves).

Example:
    >>> from dfras.store import open_store
    >>> store = open_store(":memory:")
    >>> store.execute("CREATE TABLE t (k VARCHAR, v BIGINT)")
    >>> write_rows(store, "t", [["a", 1], ["b", 2]])
    >>> write_rows(store, "t", [["a", 3]], delete_keys=("k", ["a"]))
    >>> set_column(store, "t", "v", "0", "k = 'b'")
    >>> store.fetchall("SELECT * FROM t ORDER BY k")
    [('a', 3), ('b', 0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dfras.store.base import Store

#: Parameters in one INSERT statement (PostgreSQL accepts at most 65,535).
_PARAMS_PER_STATEMENT = 30_000
_KEYS_PER_DELETE = 500


def write_rows(
    store: Store,
    table: str,
    values: Sequence[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    delete_where: str | None = None,
    delete_params: Sequence[Any] = (),
    delete_keys: tuple[str, Sequence[Any]] | None = None,
) -> None:
    """Delete the rows matching ``delete_where`` (with ``delete_params``) and those whose
    column ``delete_keys[0]`` is in ``delete_keys[1]``, then add ``values``: rows of
    ``columns`` (default: the table's columns, in order; columns left out take their default,
    such as a multi-tenant store's tenant). All or nothing."""
    if store.engine == "spark":
        _rewrite(store, table, values, columns, delete_where, delete_params, delete_keys)
        return
    into = f"{table} ({', '.join(columns)})" if columns else table
    with store.transaction():
        if delete_where is not None:
            store.execute(f"DELETE FROM {table} WHERE {delete_where}", list(delete_params))
        if delete_keys is not None:
            key, keys = delete_keys
            for i in range(0, len(keys), _KEYS_PER_DELETE):
                batch = list(keys[i : i + _KEYS_PER_DELETE])
                marks = ", ".join("?" for _ in batch)
                store.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", batch)
        if not values:
            return
        width = len(values[0])
        row_marks = "(" + ", ".join("?" for _ in range(width)) + ")"
        per_statement = max(1, _PARAMS_PER_STATEMENT // width)
        for i in range(0, len(values), per_statement):
            rows = values[i : i + per_statement]
            sql = f"INSERT INTO {into} VALUES " + ", ".join(row_marks for _ in rows)
            store.execute(sql, [x for row in rows for x in row])


def _rewrite(
    store: Store,
    table: str,
    values: Sequence[Sequence[Any]],
    columns: Sequence[str] | None,
    delete_where: str | None,
    delete_params: Sequence[Any],
    delete_keys: tuple[str, Sequence[Any]] | None,
) -> None:
    import pyarrow as pa

    schema = store.fetch_arrow(f"SELECT * FROM {table} LIMIT 0").schema
    names = list(columns) if columns else schema.names
    new = pa.Table.from_pylist(  # columns left out are NULL (a lake has no defaults)
        [dict(zip(names, row, strict=True)) for row in values], schema=schema
    )
    store.temp_table_from_arrow(f"{table}_added", new)
    keep = ["TRUE"]
    if delete_where is not None:
        keep.append(f"NOT coalesce(({delete_where}), FALSE)")
    scratch = [f"{table}_added"]
    if delete_keys is not None:
        key, keys = delete_keys
        gone = pa.table({key: pa.array(list(keys), schema.field(key).type)})
        store.temp_table_from_arrow(f"{table}_deleted", gone)
        scratch.append(f"{table}_deleted")
        keep.append(f"{key} NOT IN (SELECT {key} FROM {table}_deleted)")
    store.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} WHERE {' AND '.join(keep)} "
        f"UNION ALL SELECT * FROM {table}_added",
        list(delete_params),
    )
    for name in scratch:
        store.execute(f"DROP TABLE IF EXISTS {name}")


def set_column(store: Store, table: str, column: str, value_sql: str, where: str) -> None:
    """``UPDATE table SET column = value_sql WHERE where``; on Spark, the table rewritten with
    the column's new value where ``where`` holds."""
    if store.engine != "spark":
        store.execute(f"UPDATE {table} SET {column} = {value_sql} WHERE {where}")
        return
    names = store.fetch_arrow(f"SELECT * FROM {table} LIMIT 0").schema.names
    select = ", ".join(
        f"CASE WHEN coalesce(({where}), FALSE) THEN {value_sql} ELSE {n} END AS {n}"
        if n == column
        else n
        for n in names
    )
    store.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM {table}")
