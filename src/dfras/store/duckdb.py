"""The embedded store: one DuckDB file, no server.

Reads of input files happen inside DuckDB (its CSV and Parquet readers stream the file), so
memory stays bounded as files grow; DuckDB spills to a temp folder beside the store past its
memory limit. A transaction that is interrupted (crash, kill -9) is rolled back when the file
is next opened: the store is as it was before the batch.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from dfras.domain.errors import UserError
from dfras.store.base import RejectedRecord
from dfras.store.schema import (
    PLAIN_STORAGE,
    SCHEMA_VERSION,
    UPGRADES,
    all_ddl,
    seed_statements,
)
from dfras.store.staging import StagedFile, Stager

if TYPE_CHECKING:  # pyarrow is imported where tables are read, not at start-up
    import pyarrow as pa


#: Widest range of integers :meth:`DuckDBStore.distinct_count_sql` counts with a bitmap (8 MB
#: a thread); wider ranges are counted by hashing.
BITMAP_COUNT_MAX = 1 << 26

#: Statements after which a remembered table may be gone.
_DROPS = re.compile(r"\b(DROP|ALTER|RENAME|DETACH)\b", re.IGNORECASE)


class DuckDBStore:
    """A store in one DuckDB file (or ``:memory:``)."""

    engine = "duckdb"

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
        threads: int | None = None,
        lock_wait: float | None = None,
        announce: bool = True,
    ) -> None:
        """Open (creating) the store. When another process holds the file, wait up to
        ``lock_wait`` seconds (default ``DFRAS_LOCK_WAIT``) for it; with ``announce`` the wait
        is signalled by a marker file a running ``dfras serve`` watches for (it then lets go of
        the store until the marker is gone; see :func:`waiting_marker`)."""
        self.location = str(path)
        self._tables: set[str] = set()
        config: dict[str, Any] = {}
        limit = memory_limit or os.environ.get("DFRAS_MEMORY_LIMIT", "1GB")
        config["memory_limit"] = limit
        if threads or os.environ.get("DFRAS_THREADS"):
            config["threads"] = int(threads or os.environ["DFRAS_THREADS"])
        if self.location != ":memory:":
            parent = Path(self.location).resolve().parent
            if not parent.exists():
                raise UserError(
                    f"store folder {parent} does not exist",
                    hint="create it, or point --db / DFRAS_DB at an existing folder",
                )
            config["temp_directory"] = str(parent / ".dfras-tmp")
        self.con = _connect(
            self.location,
            read_only=read_only,
            config=config,
            lock_wait=lock_wait_seconds() if lock_wait is None else lock_wait,
            announce=announce,
        )
        _track_progress(self.con)
        self._in_tx = False
        self._stager: Stager | None = None
        self._staged: StagedFile | None = None
        if not read_only:
            self._ensure_schema()

    def cursor(self, *, progress: bool = False) -> DuckDBStore:
        """Another connection to the same open database, for one thread of the same process
        (a DuckDB connection must not be shared between threads). ``progress``: its
        statements' progress is kept (:meth:`statement_progress`), for long writes such as an
        import; the setting costs about 0.16 ms, which a short read is spared."""
        cursor = DuckDBStore.over_connection(self.con.cursor(), self.location, self._tables)
        if progress:
            _track_progress(cursor.con)
        return cursor

    @classmethod
    def over_connection(
        cls, con: Any, location: str, tables: set[str] | None = None
    ) -> DuckDBStore:
        """A store over an existing connection (a cursor of a shared in-memory database: its
        own transactions and temporary tables, the same tables); ``tables`` shares the set of
        tables known to exist with the connection it was opened from."""
        store = cls.__new__(cls)
        store.location = location
        store._tables = tables if tables is not None else set()
        store.con = con
        store._in_tx = False
        store._stager = None
        store._staged = None
        return store

    # -- schema ---------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self.transaction():
            for ddl in all_ddl(embedded=True):
                self.con.execute(ddl)
            version = self.meta("schema_version")
            if version is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
                self.set_meta("data_version", "0")
                for stmt in seed_statements():
                    self.con.execute(stmt)
            elif int(version) < SCHEMA_VERSION:
                for step in range(int(version) + 1, SCHEMA_VERSION + 1):
                    for stmt in UPGRADES.get(step, ()):
                        self.con.execute(stmt)
                self.set_meta("schema_version", str(SCHEMA_VERSION))

    def meta(self, key: str) -> str | None:
        rows = self.con.execute("SELECT value FROM store_meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("DELETE FROM store_meta WHERE key = ?", [key])
        self.con.execute("INSERT INTO store_meta VALUES (?, ?)", [key, value])

    # -- running SQL ----------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        if _DROPS.search(sql):
            self._tables.clear()
        self.con.execute(sql, params or [])

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def fetch_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        rel: Any = self.con.sql(sql, params=list(params) if params else None)
        # DuckDB 2 names it to_arrow_table; 1.x arrow()
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        table = fetch()
        import pyarrow as pa

        return table if isinstance(table, pa.Table) else table.read_all()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: commits on success, rolls back on any exception. Re-entrant."""
        if self._in_tx:
            yield
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._in_tx = False
            self._tables.clear()  # a table created in the transaction is gone again
            self.con.execute("ROLLBACK")
            raise
        self._in_tx = False
        self.con.execute("COMMIT")

    def replace_table(self, name: str, select_sql: str, *, plain: Sequence[str] = ()) -> None:
        """(Re)create table ``name`` as the result of ``select_sql``; the ``plain`` columns
        (nearly all values distinct) are stored uncompressed, as in the domain tables (see
        :data:`dfras.store.schema.PLAIN_STORAGE`)."""
        if not plain:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {select_sql}")
            return
        described = self.con.execute(f"DESCRIBE {select_sql}").fetchall()
        columns = ", ".join(
            f'"{_dq(column)}" {kind}' + (f" {PLAIN_STORAGE}" if column in plain else "")
            for column, kind, *_ in described
        )
        self.con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
        self.con.execute(f"INSERT INTO {name} {select_sql}")

    def statement_progress(self) -> float | None:
        """The running statement's progress as DuckDB estimates it (from the rows its scans
        have read), asked from another thread; None when no statement runs."""
        share = self.con.query_progress()
        return None if share < 0 else min(share / 100.0, 1.0)

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Around the rebuild of a derived table (the fact, the causes): the table is stored
        as the build writes it. A parallel build leaves partly filled row groups (two per
        step), and DuckDB's checkpoints merge adjacent ones that fit in fewer, rewriting them:
        0.8-1.8 s of CPU at 1M orders (the close 1.0-2.1 s longer), in about half the
        imports, for one row group fewer. So what earlier writes deleted is compacted first,
        by a checkpoint with merging on; from then on this process checkpoints with merging
        off (a checkpoint later in the same process, after any small write, would merge the
        rebuilt table still). A later process merges only tables it changes, and a derived
        table is only ever replaced whole. Inside a transaction nothing changes."""
        if self._in_tx:
            yield
            return
        self.con.execute("RESET max_vacuum_tasks")
        self.con.execute("CHECKPOINT")
        self.con.execute("SET max_vacuum_tasks = 0")
        yield
        self.con.execute("CHECKPOINT")

    def temp_table_from_arrow(self, name: str, data: pa.Table) -> None:
        view = f"_dfras_arrow_{name}"
        self.con.register(view, data)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {view}")
        finally:
            self.con.unregister(view)

    def index_for_lookup(self, table: str, column: str) -> None:
        """An ART index: an order's row by id in about 1 ms instead of 3 at 1M orders (a scan
        must decode a vector of every column). Dropped with the table when it is rebuilt."""
        self.con.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_{column}_lookup ON {table} ({column})"
        )

    def drop_index_for_lookup(self, table: str, column: str) -> None:
        self.con.execute(f"DROP INDEX IF EXISTS {table}_{column}_lookup")

    def table_exists(self, name: str) -> bool:
        """Whether the table (or view) exists. A table seen once is remembered by this store and
        its cursors (a catalog lookup costs about a millisecond, and every order detail asks
        three times) until a statement through them drops, alters or renames anything, or a
        transaction rolls back; another process cannot drop a table while this one has the
        file open."""
        if name in self._tables:
            return True
        rows = self.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        if any(r[0] != "LOCAL TEMPORARY" for r in rows):  # a temporary one is this cursor's
            self._tables.add(name)
        return bool(rows)

    def size_bytes(self) -> int | None:
        if self.location == ":memory:":
            return None
        p = Path(self.location)
        return p.stat().st_size if p.exists() else None

    def close(self) -> None:
        if self._stager is not None:
            self._stager.close()
            self._stager = None
        self.con.close()

    # -- reading input files --------------------------------------------------------------

    def file_reader(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> str:
        """Read ``path`` into the staging database (see :mod:`dfras.store.staging`), or take
        the read started ahead for it, and return a table expression over its records, each
        with ``_file_row``, its number among the records read, in file order. Called before
        the batch's transaction; :meth:`take_rejects` returns what the reader set aside."""
        stager = self._stager_for_reads()
        if self._staged is not None:  # a read whose batch failed before landing it
            stager.drop(self._staged)
            self._staged = None
        self._staged = stager.read(
            path, columns=columns, delimiter=delimiter, file_format=file_format
        )
        return self._staged.reader

    def read_ahead(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> None:
        """Start reading a file a later batch will ask :meth:`file_reader` for, while this
        batch's checks and bookkeeping run (or before the first batch). The reading connection
        is set up outside a transaction only: inside one, nothing is read ahead until it is."""
        if self._stager is None and self._in_tx:
            return
        self._stager_for_reads().read_ahead(
            path, columns=columns, delimiter=delimiter, file_format=file_format
        )

    def category_type(self, values: Sequence[str]) -> str | None:
        """An ENUM of ``values``: one or two bytes a value where text takes sixteen in a
        temporary table, so a 10M-order working table of labels fits the memory limit."""
        if not values:
            return None
        return "ENUM(" + ", ".join("'" + _sq(v) + "'" for v in values) + ")"

    def take_rejects(self) -> list[RejectedRecord]:
        """Records the last read set aside, with record numbers (header excluded); the staged
        table of the read is let go."""
        staged, self._staged = self._staged, None
        if staged is None or self._stager is None:
            return []
        self._stager.drop(staged)
        return staged.rejects

    def _stager_for_reads(self) -> Stager:
        if self._stager is None:
            self._stager = Stager(self.con, self._scratch_dir())
        return self._stager

    def _scratch_dir(self) -> Path:
        if self.location == ":memory:":
            return Path(tempfile.gettempdir())
        scratch = Path(self.location).resolve().parent / ".dfras-tmp"
        scratch.mkdir(exist_ok=True)
        return scratch

    def row_hash_sql(self, expressions: Sequence[str]) -> str:
        """SQL for a fingerprint of a row's values (change detection within this engine)."""
        return f"CAST(hash({', '.join(expressions)}) AS VARCHAR)"

    def distinct_count_sql(self, column: str, low: int, high: int) -> str:
        """Over a range of at most :data:`BITMAP_COUNT_MAX` values, the set bits of a bitmap
        of the values present: 5-8 times faster than a hash of every value (1M ids: 3-6 ms
        against 24-30 ms)."""
        if high - low < BITMAP_COUNT_MAX:
            return f"bit_count(bitstring_agg({column}, {int(low)}, {int(high)}))"
        return f"count(DISTINCT {column})"


def lock_wait_seconds() -> float:
    """How long to wait for another process to let go of the store (``DFRAS_LOCK_WAIT``)."""
    try:
        return float(os.environ.get("DFRAS_LOCK_WAIT", "120"))
    except ValueError as exc:
        raise UserError("DFRAS_LOCK_WAIT must be a number of seconds") from exc


def waiting_marker(location: str) -> Path:
    """The file a process creates while it waits for the store (``<store>.waiting``)."""
    return Path(location + ".waiting")


def _holder(message: str) -> str:
    """The process holding the lock, as DuckDB names it (``PID 123``), or ''."""
    import re

    m = re.search(r"PID (\d+)", message)
    return f" (process {m.group(1)})" if m else ""


def _connect(
    location: str,
    *,
    read_only: bool,
    config: dict[str, Any],
    lock_wait: float,
    announce: bool,
) -> duckdb.DuckDBPyConnection:
    """Connect, waiting politely while another process holds the file (see DuckDBStore)."""
    import time

    deadline = time.monotonic() + max(lock_wait, 0.0)
    marker = waiting_marker(location) if location != ":memory:" else None
    pause = 0.05
    announced = False
    try:
        while True:
            try:
                return duckdb.connect(location, read_only=read_only, config=config)
            except duckdb.IOException as exc:
                msg = str(exc)
                if "lock" not in msg.lower():
                    raise UserError(f"cannot open store {location}: {msg}") from exc
                if time.monotonic() >= deadline:
                    waited = f" after waiting {lock_wait:.0f} s" if lock_wait > 0 else ""
                    raise UserError(
                        f"the store {location} is in use by another DFRAS process"
                        f"{_holder(msg)}{waited}",
                        hint="let that import or command finish (or raise DFRAS_LOCK_WAIT); "
                        "while `dfras serve` runs, import through it: POST /api/v1/imports",
                    ) from exc
                if announce and marker is not None:
                    marker.write_text(str(os.getpid()))
                    announced = True
                time.sleep(pause)
                pause = min(pause * 1.5, 0.5)
    finally:
        if announced and marker is not None:
            marker.unlink(missing_ok=True)


def _track_progress(con: duckdb.DuckDBPyConnection) -> None:
    """Have the engine keep the progress of this connection's statements, which
    :meth:`DuckDBStore.statement_progress` reads (a setting of each connection, printed
    nowhere)."""
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET enable_progress_bar = true")


def _sq(text: str) -> str:
    return text.replace("'", "''")


def _dq(text: str) -> str:
    return text.replace('"', '""')
