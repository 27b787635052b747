"""Reading input files into the staging database, ahead of their batches.

Each file is parsed by DuckDB's own reader (typed, streaming, in parallel) into a table of an
in-memory database attached to the store, ``dfras_staging``, in file order, so a record's
number follows from its row id. The reads run on a second connection with a thread of its
own: while one file's checks and bookkeeping run (counts, quarantine, issues, the commit:
mostly one core's work), the files after it are read on the other core (which ones:
:mod:`dfras.ingest.read_ahead`). On 1M orders that took the import from 8.98 to 8.38 s
(medians of 12 paired runs; see docs/benchmarks.md).

A staged table is committed before the batch's transaction begins (the batch reads it
outside that transaction's snapshot otherwise) and dropped once the batch has landed it. A
batch's transaction never writes the staging database: a transaction writes one database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dfras.store.base import RejectedRecord

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

#: The in-memory database files are read into (attached to the store's own database).
STAGING_DB = "dfras_staging"


@dataclass(frozen=True)
class StagedFile:
    """One file as read: its table, the table expression a batch selects from, and the
    records the reader set aside (with their record numbers)."""

    table: str
    reader: str
    rejects: list[RejectedRecord]


ReadKey = tuple[str, tuple[tuple[str, str], ...], str, str]


class Stager:
    """Reads files into :data:`STAGING_DB` on a connection and a thread of its own.

    :meth:`read_ahead` starts reading a file the batch after this one will ask for;
    :meth:`read` returns it (waiting if need be), or reads it now when nobody read ahead.
    Every read runs on the one worker thread, in submission order; drops use a connection of
    their own from the caller's thread.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, scratch: Path) -> None:
        con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {STAGING_DB}")
        self._con = con.cursor()
        self._drops = con.cursor()
        self._scratch = scratch
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dfras-stage")
        self._ahead: dict[ReadKey, Future[StagedFile]] = {}
        self._numbers = itertools.count(1)
        # several stores (threads of a service) may share the database: names of their own
        self._prefix = f"{STAGING_DB}.file_{uuid.uuid4().hex[:8]}_"

    def read_ahead(
        self, path: Path, *, columns: Sequence[tuple[str, str]], delimiter: str, file_format: str
    ) -> None:
        key = _key(path, columns, delimiter, file_format)
        if key not in self._ahead:
            self._ahead[key] = self._submit(path, columns, delimiter, file_format)

    def read(
        self, path: Path, *, columns: Sequence[tuple[str, str]], delimiter: str, file_format: str
    ) -> StagedFile:
        """The file as staged; raises what the reader raised. Reads ahead are asked for in
        the order they were started: those started before this one were skipped (their
        files were imported already) and are given up; with none for this file, all are."""
        key = _key(path, columns, delimiter, file_format)
        keys = list(self._ahead)
        skipped = keys[: keys.index(key)] if key in self._ahead else keys
        for other in skipped:
            self._discard(self._ahead.pop(other))
        future = self._ahead.pop(key, None)
        if future is None:
            future = self._submit(path, columns, delimiter, file_format)
        return future.result()

    def drop(self, staged: StagedFile) -> None:
        """Free a staged table once its batch has read it (or failed). On a third connection,
        from the caller's thread: the worker may be busy reading the files ahead."""
        self._drops.execute(f"DROP TABLE IF EXISTS {staged.table}")

    def close(self) -> None:
        """Stop a read under way, give up pending ones, and close the connections."""
        for future in self._ahead.values():
            future.cancel()
        self._ahead.clear()
        with contextlib.suppress(duckdb.Error):
            self._con.interrupt()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._con.close()
        self._drops.close()

    def _submit(
        self, path: Path, columns: Sequence[tuple[str, str]], delimiter: str, file_format: str
    ) -> Future[StagedFile]:
        table = f"{self._prefix}{next(self._numbers)}"
        return self._pool.submit(
            stage_file,
            self._con,
            path,
            columns=columns,
            delimiter=delimiter,
            file_format=file_format,
            table=table,
            scratch=self._scratch,
        )

    def _discard(self, future: Future[StagedFile]) -> None:
        if future.cancel():
            return
        # a read nobody asked for: its error belongs to no batch
        with contextlib.suppress(Exception):
            self.drop(future.result())


def _key(
    path: Path, columns: Sequence[tuple[str, str]], delimiter: str, file_format: str
) -> ReadKey:
    return (str(path), tuple(columns), delimiter, file_format)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    columns: Sequence[tuple[str, str]],
    delimiter: str,
    file_format: str,
    table: str,
    scratch: Path,
) -> StagedFile:
    """Read ``path`` into ``table`` (committed) with each record's number, ``_file_row``.

    The read is a plain single-table load, which the engine parallelises and keeps in file
    order, so a record's number follows from its row id. (Numbering during the read, with a
    window over the whole file, would make the rest of the landing query run on one thread.)
    CSV records the reader cannot parse (bad encoding, wrong field count, unclosed quote,
    oversized) are set aside, with their record numbers, in ``rejects``.
    """
    lit = _path_literal(path)
    shortened: _ShortenedCopy | None = None
    con.execute(f"DROP TABLE IF EXISTS {table}")
    try:
        if file_format == "parquet":
            cols = ", ".join(f'TRY_CAST("{_dq(c)}" AS {t}) AS "{_dq(c)}"' for c, t in columns)
            source = f"(SELECT {cols} FROM read_parquet({lit}))"
        else:
            con.execute("DROP TABLE IF EXISTS dfras_rejects")
            con.execute("DROP TABLE IF EXISTS dfras_scans")
            long_lines = _long_lines(path, MAX_RECORD_BYTES)
            if long_lines:
                # The reader loses a record longer than its buffer (or blames the wrong one):
                # read a copy whose over-long lines are cut short and made to fail.
                shortened = _write_shortened(path, scratch, long_lines, delimiter, len(columns))
                lit = _path_literal(shortened.path)
            col_spec = "{" + ", ".join(f"'{_sq(c)}': '{t}'" for c, t in columns) + "}"
            source = (
                f"read_csv({lit}, header=true, auto_detect=false, delim='{_sq(delimiter)}', "
                f"quote='\"', escape='\"', columns={col_spec}, "
                f"store_rejects=true, rejects_table='dfras_rejects', rejects_scan='dfras_scans', "
                f"max_line_size={MAX_RECORD_BYTES}, null_padding=false, strict_mode=true)"
            )
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {source}")
        rejects = _collect_rejects(con, shortened) if file_format != "parquet" else []
    finally:
        if shortened is not None:
            shortened.path.unlink(missing_ok=True)
    if file_format != "parquet":
        con.execute("DROP TABLE IF EXISTS dfras_rejects")
        con.execute("DROP TABLE IF EXISTS dfras_scans")
    first, last, count = con.execute(
        f"SELECT min(rowid), max(rowid), count(*) FROM {table}"
    ).fetchall()[0]
    if count and last - first + 1 != count:  # row ids with gaps: number them in order
        reader = f"(SELECT row_number() OVER (ORDER BY rowid) AS _file_row, * FROM {table})"
    else:
        reader = f"(SELECT rowid - {int(first or 0) - 1} AS _file_row, * FROM {table})"
    return StagedFile(table=table, reader=reader, rejects=rejects)


def _path_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _collect_rejects(
    con: duckdb.DuckDBPyConnection, shortened: _ShortenedCopy | None
) -> list[RejectedRecord]:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dfras_rejects' AND temporary"
    ).fetchall()[0][0]
    if not exists:
        return []
    rows = con.execute(
        f"""SELECT line, line_byte_position, error_type, column_name, error_message,
                   left(csv_line, {RAW_KEEP_CHARS}), length(csv_line)
            FROM dfras_rejects ORDER BY line, byte_position"""
    ).fetchall()
    cut_at = _cut_records(rows, shortened)
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
        if shortened is not None:
            raw = shortened.strip_marker(raw)
        if raw_len and raw_len > RAW_KEEP_CHARS and record not in cut_at:
            text += f" (raw record kept truncated to {RAW_KEEP_CHARS:,} characters)"
        seen[record] = RejectedRecord(
            source_row=record, rule=rule, message=text, raw=raw.strip("\r\n")
        )
    return [seen[n] for n in sorted(seen)]


def _cut_records(rows: list[tuple[Any, ...]], shortened: _ShortenedCopy | None) -> dict[int, str]:
    """Records holding a line cut short by _write_shortened: record number → reader-style
    message. A cut line belongs to the last rejected record starting at or before it."""
    if shortened is None:
        return {}
    # the reader's byte positions count from 1
    starts = sorted({(int(r[1]) - 1, int(r[0]) - 1) for r in rows if r[1] is not None})
    out: dict[int, str] = {}
    for cut in shortened.cuts:
        owner = [rec for pos, rec in starts if pos <= cut.new_start]
        if owner:
            out[owner[-1]] = (
                f"a line of {cut.length:,} bytes; raw text truncated to its first "
                f"{cut.kept:,} bytes"
            )
    return out


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

    Such a line covers a whole aligned ``limit / 2``-byte block with no line break in it: a
    file where every such block holds one has none, which a few bytes at the start of each
    block tell (about 0.5% of the file read). Only then is the file read whole
    (:func:`_line_spans`).
    """
    block = max(limit // 2, 1)
    size = path.stat().st_size
    with path.open("rb", buffering=0) as fh:
        fd = fh.fileno()
        for start in range(0, size - block + 1, block):
            if not _has_break(fd, start, block):
                return _line_spans(path, limit)
    return []


def _has_break(fd: int, start: int, length: int) -> bool:
    """Whether the ``length`` bytes at ``start`` hold a line break; reads up to the first."""
    step = 4096
    pos, end = start, start + length
    while pos < end:
        data = os.pread(fd, min(step, end - pos), pos)
        if not data:
            return False
        if b"\n" in data:
            return True
        pos += len(data)
        step = min(step * 4, _SCAN_CHUNK)
    return False


def _line_spans(path: Path, limit: int) -> list[tuple[int, int]]:
    """The lines of :func:`_long_lines`, found by reading the whole file in chunks no longer
    than ``limit``: a line inside one chunk is shorter than the chunk, so only lines crossing
    chunk boundaries need measuring (memory stays bounded)."""
    spans: list[tuple[int, int]] = []
    pos = line_start = 0
    chunk = bytearray(_SCAN_CHUNK)  # one buffer, reused
    with path.open("rb", buffering=0) as fh:
        while size := fh.readinto(chunk):
            first = chunk.find(b"\n", 0, size)
            if first >= 0:
                if pos + first - line_start > limit:
                    spans.append((line_start, pos + first))
                line_start = pos + chunk.rfind(b"\n", 0, size) + 1
            pos += size
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
