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
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from dfras.domain.errors import UserError
from dfras.store.base import RejectedRecord
from dfras.store.schema import SCHEMA_VERSION, UPGRADES, all_ddl, seed_statements

if TYPE_CHECKING:  # pyarrow is imported where tables are read, not at start-up
    import pyarrow as pa

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
#: When several reader errors hit one record, the one that explains the others names it: a
#: record with a field too many also fails to cast the shifted fields, for instance.
_RULE_PRIORITY = (
    "line_too_long",
    "invalid_encoding",
    "unterminated_quote",
    "too_many_columns",
    "missing_columns",
    "bad_type",
)
#: Read size of the scan for over-long lines; at most MAX_RECORD_BYTES (see _long_lines).
_SCAN_CHUNK = 1 << 20
#: The temporary table a file is read into before it is checked and landed.
_STAGE = "dfras_stage"
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
        self._in_tx = False
        self._shortened: _ShortenedCopy | None = None
        if not read_only:
            self._ensure_schema()

    def cursor(self) -> DuckDBStore:
        """Another connection to the same open database, for one thread of the same process
        (a DuckDB connection must not be shared between threads)."""
        return DuckDBStore.over_connection(self.con.cursor(), self.location, self._tables)

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
        store._shortened = None
        return store

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

    def replace_table(self, name: str, select_sql: str) -> None:
        """(Re)create table ``name`` as the result of ``select_sql``."""
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {select_sql}")

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
        self._drop_shortened()
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
        """Read ``path`` into a staging table and return a table expression over its records,
        each with ``_file_row``, its number among the records read, in file order.

        The read is a plain single-table load, which the engine parallelises and keeps in file
        order, so a record's number follows from its row id in the staging table. (Numbering during the
        read, with a window over the whole file, would make the rest of the landing query run
        on one thread.) CSV records the reader cannot parse (bad encoding, wrong field count,
        unclosed quote, oversized) are set aside; :meth:`take_rejects` returns them.
        """
        lit = "'" + str(path).replace("'", "''") + "'"
        self.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        if file_format == "parquet":
            cols = ", ".join(f'TRY_CAST("{_dq(c)}" AS {t}) AS "{_dq(c)}"' for c, t in columns)
            source = f"(SELECT {cols} FROM read_parquet({lit}))"
        else:
            self.execute("DROP TABLE IF EXISTS dfras_rejects")
            self.execute("DROP TABLE IF EXISTS dfras_scans")
            self._drop_shortened()
            long_lines = _long_lines(path, MAX_RECORD_BYTES)
            if long_lines:
                # The reader loses a record longer than its buffer (or blames the wrong one):
                # read a copy whose over-long lines are cut short and made to fail.
                self._shortened = _write_shortened(
                    path, self._scratch_dir(), long_lines, delimiter, len(columns)
                )
                lit = "'" + str(self._shortened.path).replace("'", "''") + "'"
            col_spec = "{" + ", ".join(f"'{_sq(c)}': '{t}'" for c, t in columns) + "}"
            source = (
                f"read_csv({lit}, header=true, auto_detect=false, delim='{_sq(delimiter)}', "
                f"quote='\"', escape='\"', columns={col_spec}, "
                f"store_rejects=true, rejects_table='dfras_rejects', rejects_scan='dfras_scans', "
                f"max_line_size={MAX_RECORD_BYTES}, null_padding=false, strict_mode=true)"
            )
        self.execute(f"CREATE TEMP TABLE {_STAGE} AS SELECT * FROM {source}")
        first, last, count = self.fetchall(
            f"SELECT min(rowid), max(rowid), count(*) FROM {_STAGE}"
        )[0]
        if count and last - first + 1 != count:  # row ids with gaps: number them in order
            return f"(SELECT row_number() OVER (ORDER BY rowid) AS _file_row, * FROM {_STAGE})"
        # inside a transaction, new rows' ids start at a large offset rather than at 0
        return f"(SELECT rowid - {int(first or 0) - 1} AS _file_row, * FROM {_STAGE})"

    def category_type(self, values: Sequence[str]) -> str | None:
        """An ENUM of ``values``: one or two bytes a value where text takes sixteen in a
        temporary table, so a 10M-order working table of labels fits the memory limit."""
        if not values:
            return None
        return "ENUM(" + ", ".join("'" + _sq(v) + "'" for v in values) + ")"

    def take_rejects(self) -> list[RejectedRecord]:
        """Records the last CSV read set aside, with record numbers (header excluded); the
        staging table of the read is dropped too."""
        rejects = self._collect_rejects()
        self.execute("DROP TABLE IF EXISTS dfras_rejects")
        self.execute("DROP TABLE IF EXISTS dfras_scans")
        self.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        self._drop_shortened()
        return rejects

    def _scratch_dir(self) -> Path:
        if self.location == ":memory:":
            return Path(tempfile.gettempdir())
        scratch = Path(self.location).resolve().parent / ".dfras-tmp"
        scratch.mkdir(exist_ok=True)
        return scratch

    def _drop_shortened(self) -> None:
        if self._shortened is not None:
            self._shortened.path.unlink(missing_ok=True)
            self._shortened = None

    def row_hash_sql(self, expressions: Sequence[str]) -> str:
        """SQL for a fingerprint of a row's values (change detection within this engine)."""
        return f"CAST(hash({', '.join(expressions)}) AS VARCHAR)"

    def _collect_rejects(self) -> list[RejectedRecord]:
        if not self.table_exists("dfras_rejects"):
            return []
        rows = self.con.execute(
            f"""SELECT line, line_byte_position, error_type, column_name, error_message,
                       left(csv_line, {RAW_KEEP_CHARS}), length(csv_line)
                FROM dfras_rejects ORDER BY line, byte_position"""
        ).fetchall()
        cut_at = self._cut_records(rows)
        seen: dict[int, RejectedRecord] = {}
        for line, _start, etype, column, message, raw, raw_len in rows:
            record = int(line) - 1  # the reader counts the header as record 1
            rule = _REJECT_RULES.get(str(etype), "unreadable_record")
            if record in cut_at:
                rule, message = "line_too_long", cut_at[record]
            if record in seen and _rank(seen[record].rule) <= _rank(rule):
                continue
            text = _reject_message(rule, column, str(message))
            raw = raw or ""
            if self._shortened is not None:
                raw = self._shortened.strip_marker(raw)
            if raw_len and raw_len > RAW_KEEP_CHARS and record not in cut_at:
                text += f" (raw record kept truncated to {RAW_KEEP_CHARS:,} characters)"
            seen[record] = RejectedRecord(
                source_row=record, rule=rule, message=text, raw=raw.strip("\r\n")
            )
        return [seen[n] for n in sorted(seen)]

    def _cut_records(self, rows: list[tuple[Any, ...]]) -> dict[int, str]:
        """Records holding a line cut short by _write_shortened: record number → reader-style
        message. A cut line belongs to the last rejected record starting at or before it."""
        if self._shortened is None:
            return {}
        # the reader's byte positions count from 1
        starts = sorted({(int(r[1]) - 1, int(r[0]) - 1) for r in rows if r[1] is not None})
        out: dict[int, str] = {}
        for cut in self._shortened.cuts:
            owner = [rec for pos, rec in starts if pos <= cut.new_start]
            if owner:
                out[owner[-1]] = (
                    f"a line of {cut.length:,} bytes; raw text truncated to its first "
                    f"{cut.kept:,} bytes"
                )
        return out


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


def _rank(rule: str) -> int:
    return _RULE_PRIORITY.index(rule) if rule in _RULE_PRIORITY else len(_RULE_PRIORITY)


@dataclass(frozen=True)
class _Cut:
    """One over-long line of an input file, as cut short in the copy the reader reads."""

    new_start: int  # byte offset of the shortened line in the copy
    length: int  # bytes of the original line
    kept: int  # bytes of it kept


@dataclass(frozen=True)
class _ShortenedCopy:
    path: Path
    marker: bytes
    cuts: list[_Cut]

    def strip_marker(self, raw: str) -> str:
        """Raw record text up to the cut (the marker and padding are ours, not the file's)."""
        marker = self.marker.decode()
        at = raw.find(marker)
        if at >= 0:
            return raw[:at]
        for k in range(len(marker) - 1, 0, -1):
            if raw.endswith(marker[:k]):
                return raw[:-k]
        return raw


def _long_lines(path: Path, limit: int) -> list[tuple[int, int]]:
    """(start, end) byte offsets of the lines after the header longer than ``limit`` bytes.

    Reads the file in chunks no longer than ``limit``: a line inside one chunk is shorter than
    the chunk, so only lines crossing chunk boundaries need measuring (memory stays bounded).
    """
    spans: list[tuple[int, int]] = []
    pos = line_start = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            first = chunk.find(b"\n")
            if first >= 0:
                if pos + first - line_start > limit:
                    spans.append((line_start, pos + first))
                line_start = pos + chunk.rfind(b"\n") + 1
            pos += len(chunk)
    if pos - line_start > limit:
        spans.append((line_start, pos))
    return [span for span in spans if span[0] > 0]


def _utf8_prefix(data: bytes) -> bytes:
    """``data`` without a multi-byte character cut at its end."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        b = data[n - back]
        if b & 0xC0 == 0x80:  # continuation byte: look further back for the lead byte
            continue
        need = 1 if b < 0xC0 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
        return data[: n - back] if need > back else data
    return data


def _write_shortened(
    src: Path, scratch: Path, spans: list[tuple[int, int]], delimiter: str, ncols: int
) -> _ShortenedCopy:
    """Copy ``src`` with each span cut to its first RAW_KEEP_CHARS bytes, made to fail.

    A cut line keeps its head and gets a marker, closes any open quote, then carries more
    fields than the header has, so the reader rejects its record (too many columns) whatever
    the record held; a quoted field is opened if the original line ended inside one, so every
    later record parses exactly as in the original. The quote state at any offset is the parity of
    the quote characters before it (escaped quotes come in pairs).
    """
    marker = f"[dfras-cut-{uuid.uuid4().hex[:12]}]".encode()
    padding = ((delimiter + "0") * (ncols + 1)).encode()
    dst = scratch / f"dfras-shortened-{uuid.uuid4().hex[:12]}{src.suffix}"
    cuts: list[_Cut] = []
    quotes = 0  # quote characters in the file before the read position
    with src.open("rb") as fin, dst.open("wb") as fout:

        def copy(n: int) -> int:
            counted = 0
            while n > 0:
                block = fin.read(min(n, _SCAN_CHUNK))
                if not block:
                    break
                counted += block.count(b'"')
                fout.write(block)
                n -= len(block)
            return counted

        pos = 0
        for start, end in spans:
            quotes += copy(start - pos)
            length = end - start
            head = _utf8_prefix(fin.read(min(RAW_KEEP_CHARS, length)))
            fin.seek(start + len(head))
            in_line = head.count(b'"')
            inside_after_head = (quotes + in_line) % 2 == 1
            last = head[-1:] if len(head) == length else b""
            rest = length - len(head)
            while rest > 0:
                block = fin.read(min(rest, _SCAN_CHUNK))
                in_line += block.count(b'"')
                last = block[-1:]
                rest -= len(block)
            new_start = fout.tell()
            fout.write(head + marker)
            if inside_after_head:
                fout.write(b'"')
            fout.write(padding)
            if (quotes + in_line) % 2 == 1:  # the original line ends inside a quoted value
                fout.write(delimiter.encode() + b'"')
            if last == b"\r":
                fout.write(b"\r")
            quotes += in_line
            cuts.append(_Cut(new_start=new_start, length=length, kept=len(head)))
            pos = end
        copy(1 << 62)
    return _ShortenedCopy(path=dst, marker=marker, cuts=cuts)


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
