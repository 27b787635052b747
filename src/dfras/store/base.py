"""The storage interface every store implements (DuckDB now, PostgreSQL and Spark later).

Analysis, ingestion and the faces speak only to this interface. SQL handed to it is written in
the project's canonical dialect (DuckDB's); a store whose engine differs compiles it through
:mod:`dfras.query.dialect` before running it, so no engine-specific SQL leaks upward.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pyarrow is imported where tables are read, not at start-up
    import pyarrow as pa


@dataclass(frozen=True)
class RejectedRecord:
    """A record the file reader could not parse (bad encoding, wrong column count, ...)."""

    source_row: int
    rule: str
    message: str
    raw: str


class Store(Protocol):
    """A place canonical tables live and queries run."""

    engine: str
    location: str

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None: ...

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]: ...

    def fetch_dicts(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]: ...

    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def table_exists(self, name: str) -> bool: ...

    def replace_table(self, name: str, select_sql: str, *, plain: Sequence[str] = ()) -> None:
        """(Re)create ``name`` from ``select_sql``. ``plain``: columns whose values are nearly
        all distinct, which an engine that compresses by column may store uncompressed."""
        ...

    def statement_progress(self) -> float | None:
        """How far the statement this store runs has come (0-1), asked from another thread;
        None when none runs or the engine cannot tell (see :mod:`dfras.store.progress`)."""
        ...

    def rebuilding(self) -> AbstractContextManager[None]:
        """Around the rebuild of a derived table (replaced whole, never updated in place): the
        engine stores it as written, without compacting it later."""
        ...

    def temp_table_from_arrow(self, name: str, data: pa.Table) -> None:
        """(Re)create the temporary table ``name`` holding ``data``: small results computed in
        Python (the per-pattern cause verdicts) that a following query joins back."""
        ...

    def index_for_lookup(self, table: str, column: str) -> None:
        """Make single-row lookups of ``table`` by ``column`` fast (an order's detail), where
        the engine does not already (a primary key, or none to have: Spark)."""
        ...

    def drop_index_for_lookup(self, table: str, column: str) -> None:
        """Drop what :meth:`index_for_lookup` made (before a bulk load, which would otherwise
        maintain it row by row); nothing where the engine's indexes are not its own to drop."""
        ...

    def file_reader(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> str:
        """A table expression of the file's records as ``columns`` (name, SQL type), with
        ``_file_row``: each record's number among the records read, in file order. Called
        before the batch's transaction begins; valid in it until :meth:`take_rejects`."""
        ...

    def read_ahead(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> None:
        """Start reading a file the next :meth:`file_reader` call will ask for, while the
        current batch finishes (an engine that reads one file at a time does nothing)."""
        ...

    def take_rejects(self) -> list[RejectedRecord]: ...

    def category_type(self, values: Sequence[str]) -> str | None:
        """A column type that holds only ``values``, compactly (an enumeration), or None where
        the engine has none: working tables of text labels then keep them as text."""
        ...

    def row_hash_sql(self, expressions: Sequence[str]) -> str: ...

    def distinct_count_sql(self, column: str, low: int, high: int) -> str:
        """An aggregate counting the distinct values of the integer ``column``, whose values
        all lie between ``low`` and ``high`` (an engine may count them faster knowing so)."""
        ...

    def size_bytes(self) -> int | None: ...

    def close(self) -> None: ...


def iter_batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Slices of ``rows`` of at most ``size`` items, for bounded parameter lists."""
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
