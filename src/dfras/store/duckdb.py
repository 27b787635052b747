"""The embedded store: one DuckDB file, no server.

Reads of input files happen inside DuckDB (its CSV and Parquet readers stream the file), so
memory stays bounded as files grow; DuckDB spills to a temp folder beside the store past its
memory limit. A transaction that is interrupted (crash, kill -9) is rolled back when the file
is next opened: the store is as it was before the batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from dfras.domain.errors import UserError
from dfras.store.base import RejectedRecord
from dfras.store.schema import SCHEMA_VERSION, all_ddl, seed_statements

#: Reader error types mapped to quarantine rule codes.
_REJECT_RULES = {
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "TOO MANY COLUMNS": "too_many_columns",
    "MISSING COLUMNS": "missing_columns",
    "UNQUOTED VALUE": "unterminated_quote",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "CAST": "bad_type",
}

#: Longest record the CSV reader accepts; longer records are quarantined, not loaded.
MAX_RECORD_BYTES = 2_000_000
#: How much of a rejected record's raw text is kept in quarantine.
RAW_KEEP_CHARS = 10_000


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
    ) -> None:
        self.location = str(path)
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
        try:
            self.con = duckdb.connect(self.location, read_only=read_only, config=config)
        except duckdb.IOException as exc:
            msg = str(exc)
            if "lock" in msg.lower():
                raise UserError(
                    f"the store {self.location} is in use by another DFRAS process",
                    hint="wait for the running import to finish, or use that process",
                ) from exc
            raise UserError(f"cannot open store {self.location}: {msg}") from exc
        self._in_tx = False
        if not read_only:
            self._ensure_schema()

    # -- schema ---------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self.transaction():
            for ddl in all_ddl():
                self.con.execute(ddl)
            version = self.meta("schema_version")
            if version is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
                self.set_meta("data_version", "0")
                for stmt in seed_statements():
                    self.con.execute(stmt)

    def meta(self, key: str) -> str | None:
        rows = self.con.execute("SELECT value FROM store_meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("DELETE FROM store_meta WHERE key = ?", [key])
        self.con.execute("INSERT INTO store_meta VALUES (?, ?)", [key, value])

    # -- running SQL ----------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
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
            self.con.execute("ROLLBACK")
            raise
        self._in_tx = False
        self.con.execute("COMMIT")

    def table_exists(self, name: str) -> bool:
        rows = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        return bool(rows[0][0])

    def size_bytes(self) -> int | None:
        if self.location == ":memory:":
            return None
        p = Path(self.location)
        return p.stat().st_size if p.exists() else None

    def close(self) -> None:
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
        """A table expression streaming ``path`` as text columns, in file order.

        CSV records the reader cannot parse (bad encoding, wrong field count, unclosed quote,
        oversized) are set aside; :meth:`take_rejects` returns them after the read.
        """
        lit = "'" + str(path).replace("'", "''") + "'"
        if file_format == "parquet":
            cols = ", ".join(f'TRY_CAST("{_dq(c)}" AS {t}) AS "{_dq(c)}"' for c, t in columns)
            return f"(SELECT {cols} FROM read_parquet({lit}))"
        self.con.execute("DROP TABLE IF EXISTS dfras_rejects")
        self.con.execute("DROP TABLE IF EXISTS dfras_scans")
        col_spec = "{" + ", ".join(f"'{_sq(c)}': '{t}'" for c, t in columns) + "}"
        return (
            f"read_csv({lit}, header=true, auto_detect=false, delim='{_sq(delimiter)}', "
            f"quote='\"', escape='\"', columns={col_spec}, "
            f"store_rejects=true, rejects_table='dfras_rejects', rejects_scan='dfras_scans', "
            f"max_line_size={MAX_RECORD_BYTES}, null_padding=false, strict_mode=true)"
        )

    def take_rejects(self) -> list[RejectedRecord]:
        """Records the last CSV read set aside, with record numbers (header excluded)."""
        rejects = self._collect_rejects()
        self.con.execute("DROP TABLE IF EXISTS dfras_rejects")
        self.con.execute("DROP TABLE IF EXISTS dfras_scans")
        return rejects

    def row_hash_sql(self, expressions: Sequence[str]) -> str:
        """SQL for a fingerprint of a row's values (change detection within this engine)."""
        return f"CAST(hash({', '.join(expressions)}) AS VARCHAR)"

    def _collect_rejects(self) -> list[RejectedRecord]:
        if not self.table_exists("dfras_rejects"):
            return []
        rows = self.con.execute(
            f"""SELECT line, error_type, column_name, error_message,
                       left(csv_line, {RAW_KEEP_CHARS}), length(csv_line)
                FROM dfras_rejects ORDER BY line"""
        ).fetchall()
        seen: dict[int, RejectedRecord] = {}
        for line, etype, column, message, raw, raw_len in rows:
            record = int(line) - 1  # the reader counts the header as record 1
            if record in seen:
                continue
            rule = _REJECT_RULES.get(str(etype), "unreadable_record")
            text = _reject_message(rule, column, str(message))
            if raw_len and raw_len > RAW_KEEP_CHARS:
                text += f" (raw record kept truncated to {RAW_KEEP_CHARS:,} characters)"
            seen[record] = RejectedRecord(
                source_row=record, rule=rule, message=text, raw=(raw or "").rstrip("\n")
            )
        return list(seen.values())


def _reject_message(rule: str, column: str | None, message: str) -> str:
    where = f" in column {column}" if column else ""
    if rule == "invalid_encoding":
        return f"bytes that are not valid UTF-8{where}; re-export the file as UTF-8"
    if rule == "line_too_long":
        return f"record longer than the {MAX_RECORD_BYTES:,}-byte limit ({message})"
    if rule == "unterminated_quote":
        return f"a quoted value is never closed{where}; the file may be truncated"
    if rule in ("too_many_columns", "missing_columns"):
        return f"{message}; check the delimiter and quoting of this record"
    return message


def _sq(text: str) -> str:
    return text.replace("'", "''")


def _dq(text: str) -> str:
    return text.replace('"', '""')
