"""The shared store: PostgreSQL, many tenants in one database, isolated by row-level security.

Every statement runs in a transaction that first sets the tenant
(``set_config('dfras.tenant_id', tenant, true)``, local to the transaction); the tables'
policies (see :mod:`dfras.store.migrations.tenancy`) then show and accept only that tenant's
rows. The store connects as the URL's role: the service role (``dfras_service``: DML only, not
the owner, RLS forced) in production. With no tenant, nothing is visible.

SQL arrives in the canonical dialect and is compiled by :mod:`dfras.query.dialect`. Input files
are parsed by an in-process DuckDB with the same typed reader and reject rules as the embedded
store, and the typed rows are streamed into a temporary table with COPY. Connections come from
a psycopg pool shared per URL within the process.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from dfras.domain.errors import UserError
from dfras.query.dialect import compile_statements
from dfras.store.base import RejectedRecord
from dfras.store.migrations.tenancy import TENANT_SETTING

_POOLS: dict[str, Any] = {}
_POOLS_LOCK = threading.Lock()
#: Rows per COPY chunk when streaming a parsed file into PostgreSQL.
_COPY_BATCH = 50_000

#: PostgreSQL type OID → DuckDB type, for working copies (numeric is handled apart).
_PG_TO_DUCKDB = {
    16: "BOOLEAN",
    20: "BIGINT",
    21: "SMALLINT",
    23: "INTEGER",
    25: "VARCHAR",
    700: "FLOAT",
    701: "DOUBLE",
    1043: "VARCHAR",
    1082: "DATE",
    1114: "TIMESTAMP",
    1184: "TIMESTAMPTZ",
}


_KEY_COLUMNS_SQL = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = to_regclass(%s) AND i.indisprimary
ORDER BY array_position(i.indkey, a.attnum)
"""


def shared_pool(url: str, *, max_size: int = 8) -> Any:
    """The process's connection pool for ``url`` (created on first use)."""
    from psycopg_pool import ConnectionPool

    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            pool = ConnectionPool(
                url, min_size=1, max_size=max_size, kwargs={"autocommit": True}, open=False
            )
            try:
                pool.open(wait=True, timeout=10)
            except Exception as exc:
                pool.close()
                raise UserError(
                    f"cannot connect to PostgreSQL at {_safe(url)}: {exc}",
                    hint="check the URL, that PostgreSQL runs, and that the role may log in",
                ) from exc
            _POOLS[url] = pool
        return pool


def close_pools() -> None:
    """Close every pool of this process (tests, shutdown)."""
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.close()
        _POOLS.clear()


class PostgresStore:
    """One tenant's view of a PostgreSQL database."""

    engine = "postgres"

    def __init__(self, url: str, *, tenant: str | None, check_tenant: bool = True) -> None:
        self.url = url
        self.location = _safe(url)
        self.tenant = tenant
        self._pool = shared_pool(url)
        self._conn = self._pool.getconn()
        self._in_tx = False
        self._reader: Any = None  # the DuckDB store that parses input files
        self._read_seq = 0
        self._read_table: str | None = None  # the temporary table of the last file read
        if check_tenant and tenant is not None and not self.fetchall("SELECT 1 FROM tenants"):
            self.close()
            raise UserError(
                f"no tenant {tenant!r} in {self.location}",
                hint="the platform admin adds it with `dfras tenants add` (as the owner role)",
            )

    # -- running SQL ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing, with the tenant set for exactly this transaction. Re-entrant."""
        if self._in_tx:
            yield
            return
        with self._conn.transaction():
            self._conn.execute(
                "SELECT set_config(%s, %s, true)", [TENANT_SETTING, self.tenant or ""]
            )
            self._in_tx = True
            try:
                yield
            finally:
                self._in_tx = False

    def _run(self, sql: str, params: Sequence[Any] | None) -> Any:
        stmts = compile_statements(sql, "postgres")
        with self.transaction():
            cur = self._conn.cursor()
            for stmt in stmts[:-1]:
                cur.execute(stmt.replace("%%", "%"))
            cur.execute(stmts[-1], list(params or []))
            return cur

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._run(sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.transaction():
            return list(self._run(sql, params).fetchall())

    def fetch_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        with self.transaction():
            cur = self._run(sql, params)
            names = [d.name for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        with self.transaction():
            cur = self._run(sql, params)
            names = [d.name for d in cur.description or []]
            rows = cur.fetchall()
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def table_exists(self, name: str) -> bool:
        # temporary tables included; a table the role cannot see does not exist for it
        rows = self.fetchall("SELECT to_regclass(?) IS NOT NULL", [name])
        return bool(rows[0][0])

    def index_for_lookup(self, table: str, column: str) -> None:
        """Nothing to do: the migrations give every tenant table its keys and indexes (the
        service role may not create any)."""

    def drop_index_for_lookup(self, table: str, column: str) -> None:
        """Nothing to do: the migrations' indexes stay."""

    def rebuilding(self) -> contextlib.AbstractContextManager[None]:
        """Nothing to do: PostgreSQL writes the rebuilt rows as they come."""
        return contextlib.nullcontext()

    def statement_progress(self) -> float | None:
        """None: PostgreSQL reports no progress of a running statement to its client."""
        return None

    def replace_table(self, name: str, select_sql: str, *, plain: Sequence[str] = ()) -> None:
        """Replace this tenant's rows of ``name`` by the result of ``select_sql`` (``plain`` is
        for engines that compress by column; PostgreSQL stores rows).

        The tables are shared by the tenants and owned by the owner role: the service role
        deletes and inserts (RLS confines both to the tenant), it never drops or creates.
        """
        with self.transaction():
            cur = self._run(f"SELECT * FROM ({select_sql}) q LIMIT 0", None)
            cols = ", ".join(d.name for d in cur.description or [])
            self.execute(f"DELETE FROM {name}")
            self.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM ({select_sql}) q")

    def copy_to_duckdb(self, table: str, con: Any, target: str | None = None) -> int:
        """Copy this tenant's rows of ``table`` (all columns but tenant_id) into the DuckDB
        connection ``con`` as table ``target`` (CSV through COPY: fast and typed)."""
        target = target or table
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as fh:
            spool = Path(fh.name)
            with self.transaction():
                cur = self._conn.cursor()
                cur.execute(f"SELECT * FROM {table} LIMIT 0")
                desc = [d for d in cur.description or [] if d.name != "tenant_id"]
                types = {d.name: _duckdb_type(d) for d in desc}
                cols = ", ".join(d.name for d in desc)
                # in key order: the copy's row order (which DuckDB's approximate quantile
                # sketches depend on) is then the same whatever PostgreSQL's heap order is
                keys = [
                    r[0]
                    for r in cur.execute(_KEY_COLUMNS_SQL, [table]).fetchall()
                    if r[0] != "tenant_id"
                ]
                order = f" ORDER BY {', '.join(keys)}" if keys else ""
                with cur.copy(
                    f"COPY (SELECT {cols} FROM {table}{order}) TO STDOUT (FORMAT csv)"
                ) as cp:
                    for chunk in cp:
                        fh.write(chunk)
        try:
            spec = ", ".join(f'"{c}" {t}' for c, t in types.items())
            con.execute(f'DROP TABLE IF EXISTS "{target}"')
            con.execute(f'CREATE TABLE "{target}" ({spec})')
            if spool.stat().st_size:
                col_spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
                con.execute(
                    f"""INSERT INTO "{target}" SELECT * FROM read_csv('{spool}', header=false,
                    auto_detect=false, delim=',', quote='"', escape='"', columns={col_spec},
                    allow_quoted_nulls=false)"""
                )
        finally:
            spool.unlink(missing_ok=True)
        return int(con.execute(f'SELECT count(*) FROM "{target}"').fetchone()[0])

    def load_arrow(self, table: str, data: pa.Table) -> None:
        """Replace this tenant's rows of ``table`` by ``data``.

        PostgreSQL refuses COPY into a table with row-level security, so the rows are COPYed
        into a temporary table and moved with one INSERT (which the policy checks).
        """
        cols = ", ".join(data.column_names)
        with self.transaction():
            cur = self._conn.cursor()
            cur.execute("DROP TABLE IF EXISTS dfras_load")
            cur.execute(
                f"CREATE TEMPORARY TABLE dfras_load ON COMMIT DROP AS "
                f"SELECT {cols} FROM {table} LIMIT 0"
            )
            _copy_rows(cur, f"COPY dfras_load ({cols}) FROM STDIN", data)
            cur.execute(f"DELETE FROM {table}")
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM dfras_load")

    def temp_table_from_arrow(self, name: str, data: pa.Table) -> None:
        """A session temporary table (this connection's), filled by COPY; nested columns
        (lists, structs) are stored as JSONB."""
        cols = [(f.name, _arrow_pg_type(f.type)) for f in data.schema]
        nested = [t == "JSONB" for _, t in cols]
        with self.transaction():
            cur = self._conn.cursor()
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(
                f"CREATE TEMPORARY TABLE {name} ("
                + ", ".join(f'"{_dq(c)}" {t}' for c, t in cols)
                + ")"
            )
            _copy_rows(cur, f"COPY {name} FROM STDIN", data, as_json=nested)

    # -- reading input files --------------------------------------------------------------

    def file_reader(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> str:
        """Parse ``path`` with the embedded store's reader (same types, same reject rules),
        COPY the typed rows with their numbers (``_file_row``) into a temporary table, and return
        a select of it. Called before the batch's transaction: the table outlives the COPY's own
        transaction and is dropped at the next read or when the store closes."""
        from dfras.store.duckdb import DuckDBStore

        if self._reader is None:
            self._reader = DuckDBStore(":memory:")
        self._drop_read_table()
        expr = self._reader.file_reader(
            path, columns=columns, delimiter=delimiter, file_format=file_format
        )
        self._read_seq += 1
        tmp = f"dfras_read_{self._read_seq}"
        names = [c for c, _ in columns]
        pg_types = [_pg_type(t) for _, t in columns]
        spec = ", ".join(f'"{_dq(c)}" {t}' for c, t in zip(names, pg_types, strict=True))
        quoted = ", ".join(f'"{_dq(c)}"' for c in names)
        with self.transaction():
            cur = self._conn.cursor()
            cur.execute(f"DROP TABLE IF EXISTS {tmp}")
            cur.execute(f"CREATE TEMPORARY TABLE {tmp} (_file_row BIGINT, {spec})")
            self._read_table = tmp
            reader = self._reader.con.execute(f"SELECT _file_row, {quoted} FROM {expr}")
            with cur.copy(f"COPY {tmp} FROM STDIN") as cp:
                while batch := reader.fetchmany(_COPY_BATCH):
                    for row in batch:
                        cp.write_row(row)
        return f"(SELECT _file_row, {quoted} FROM {tmp}) AS {tmp}_rows"

    def read_ahead(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> None:
        """The next file is parsed ahead by the embedded reader; its COPY waits for its batch."""
        if self._reader is not None:
            self._reader.read_ahead(
                path, columns=columns, delimiter=delimiter, file_format=file_format
            )

    def _drop_read_table(self) -> None:
        if self._read_table is None or self._conn is None:
            return
        with self.transaction():
            self._conn.execute(f"DROP TABLE IF EXISTS {self._read_table}")
        self._read_table = None

    def category_type(self, values: Sequence[str]) -> str | None:
        return None  # analysis runs on the tenant's DuckDB copy; text is fine here

    def take_rejects(self) -> list[RejectedRecord]:
        if self._reader is None:
            return []
        rejects: list[RejectedRecord] = self._reader.take_rejects()
        return rejects

    def row_hash_sql(self, expressions: Sequence[str]) -> str:
        """A fingerprint of a row's values (change detection within this engine)."""
        return (
            "md5("
            + " || '|' || ".join(f"coalesce(CAST({e} AS VARCHAR), '\\N')" for e in expressions)
            + ")"
        )

    def distinct_count_sql(self, column: str, low: int, high: int) -> str:
        return f"count(DISTINCT {column})"

    def size_bytes(self) -> int | None:
        return None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._read_table is not None and self._conn is not None:
            # the pooled connection outlives this store: leave it without our temporary table
            import psycopg

            with contextlib.suppress(psycopg.Error):
                self._drop_read_table()
        if self._conn is not None:
            self._pool.putconn(self._conn)
            self._conn = None


def _duckdb_type(desc: Any) -> str:
    if desc.type_code == 1700:  # numeric
        precision, scale = desc.precision, desc.scale
        return f"DECIMAL({precision or 18},{scale or 0})" if precision else "DOUBLE"
    return _PG_TO_DUCKDB.get(desc.type_code, "VARCHAR")


def _copy_rows(cur: Any, copy_sql: str, data: pa.Table, as_json: list[bool] | None = None) -> None:
    """COPY ``data`` row by row (in batches); columns flagged in ``as_json`` as JSON text."""
    with cur.copy(copy_sql) as cp:
        for batch in data.to_batches(_COPY_BATCH):
            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                if as_json is not None:
                    row = tuple(
                        json.dumps(v) if j and v is not None else v
                        for v, j in zip(row, as_json, strict=True)
                    )
                cp.write_row(row)


def _arrow_pg_type(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "TEXT"
    if pa.types.is_floating(t):
        return "DOUBLE PRECISION"
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    return "JSONB"


def _pg_type(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    return {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION"}.get(t, t)


def _dq(text: str) -> str:
    return text.replace('"', '""')


def _safe(url: str) -> str:
    from dfras.store.migrations.runner import _safe as safe

    return safe(url)
