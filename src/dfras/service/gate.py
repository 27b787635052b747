"""The server's one way into the store: shared reads, exclusive writes, and letting go of the
file when another DFRAS process asks for it.

DuckDB lets one process at a time open a file for writing. The server opens the store once and
gives each request its own cursor. Reads run side by side; a write (an import, a resolution
update) waits for the reads in flight and holds off new ones, so no request ever sees a
half-imported store or races a lazy refresh. When a CLI command wants the store it creates the
marker file (:func:`dfras.store.duckdb.waiting_marker`) while it waits; the gate then stops
admitting work, closes the file once the requests in flight finish, and reopens it when the
command is done (requests meanwhile wait; answers already cached keep being served). On every
(re)open the derived tables (fact, causes, summaries) are brought current before any read, and
the data version read then is part of every cache key.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from dfras.domain.errors import DfrasError, UserError
from dfras.store.duckdb import DuckDBStore, waiting_marker
from dfras.store.meta import read_meta


class StoreBusy(DfrasError):
    """The store stayed in another process's hands for longer than a request may wait."""


#: How long a request waits for the store (another process's import, say) before a 503.
def request_wait_seconds() -> float:
    return float(os.environ.get("DFRAS_REQUEST_WAIT", "60"))


class StoreGate:
    """Readers-writer access to one DuckDB store for the threads of the server."""

    def __init__(self, location: str, *, wait: float | None = None) -> None:
        self.location = location
        self.wait = request_wait_seconds() if wait is None else wait
        self._marker = str(waiting_marker(location)) if location != ":memory:" else None
        self._cond = threading.Condition()
        self._root: DuckDBStore | None = None
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self.data_version = "0"
        #: Bumped by every write through the gate (with the data version: the cache key).
        self.generation = 0
        self.opened_at: float | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    # -- the store's state ----------------------------------------------------------------

    @property
    def version(self) -> str | None:
        """What cached answers are keyed by: the data version and the local write count; None
        while the store is closed (another process may be changing it)."""
        if self._root is None:
            return None
        return f"{self.data_version}.{self.generation}"

    def _wanted_elsewhere(self) -> bool:
        return self._marker is not None and os.path.exists(self._marker)

    def _open(self) -> None:
        from dfras.orders import lookups
        from dfras.summaries import service as summaries

        try:
            root = DuckDBStore(self.location, lock_wait=self.wait, announce=False)
        except UserError as exc:
            raise StoreBusy(exc.message, hint=exc.hint or "retry in a few seconds") from exc
        try:
            summaries.ensure_current(root)  # the fact and causes too
            lookups.build(root)
            self.data_version = read_meta(root, "data_version") or "0"
        except BaseException:
            root.close()
            raise
        self._root = root
        # another process may have written while the file was closed (an alert evaluated, a
        # rule added by the CLI): answers cached before this open are not trusted after it
        self.generation += 1
        self.opened_at = time.time()
        if self._marker is not None and self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch, name="dfras-store-watch", daemon=True
            )
            self._watcher.start()

    def _watch(self) -> None:
        """Let go of the store soon after another process asks for it, even when idle."""
        while not self._stop.wait(0.1):
            if self._root is not None and self._wanted_elsewhere():
                with self._cond:
                    self._release_if_idle()

    def _release_if_idle(self) -> None:
        if (
            self._root is not None
            and self._readers == 0
            and not self._writing
            and self._wanted_elsewhere()
        ):
            self._close()
            self._cond.notify_all()

    def _close(self) -> None:
        if self._root is not None:
            self._root.close()
            self._root = None

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._close()

    # -- admission ------------------------------------------------------------------------

    def _admit(self, write: bool) -> DuckDBStore:
        """Wait until this thread may use the store; returns the open root connection."""
        deadline = time.monotonic() + self.wait
        with self._cond:
            if write:
                self._writers_waiting += 1
            try:
                while True:
                    if self._root is not None and self._wanted_elsewhere():
                        self._release_if_idle()
                    elif self._root is None and not self._wanted_elsewhere():
                        self._open()
                    if self._root is not None and not self._wanted_elsewhere():
                        free = not self._writing and (
                            self._readers == 0 if write else self._writers_waiting == 0
                        )
                        if free:
                            if write:
                                self._writing = True
                            else:
                                self._readers += 1
                            return self._root
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise StoreBusy(
                            f"the store {self.location} is busy (another DFRAS process is "
                            "using it, or an import is running)",
                            hint="retry in a few seconds",
                        )
                    self._cond.wait(min(left, 0.05))
            finally:
                if write:
                    self._writers_waiting -= 1

    def _leave(self, write: bool) -> None:
        with self._cond:
            if write:
                self._writing = False
                self.generation += 1
                if self._root is not None:
                    self.data_version = read_meta(self._root, "data_version") or "0"
            else:
                self._readers -= 1
            self._release_if_idle()
            self._cond.notify_all()

    @contextmanager
    def reading(self) -> Iterator[DuckDBStore]:
        """A cursor for reads, alongside other readers."""
        root = self._admit(write=False)
        cur = root.cursor()
        try:
            yield cur
        finally:
            cur.con.close()
            self._leave(write=False)

    @contextmanager
    def writing(self) -> Iterator[DuckDBStore]:
        """A cursor for writes, alone; derived tables are brought current (and the serving
        lookups rebuilt) before release."""
        from dfras.orders import lookups
        from dfras.summaries import service as summaries

        root = self._admit(write=True)
        cur = root.cursor(progress=True)  # imports report how far they have come
        try:
            yield cur
            summaries.ensure_current(cur)
            lookups.build(cur)
        finally:
            cur.con.close()
            self._leave(write=True)

    def check(self) -> dict[str, str]:
        """Open the store if needed (readiness): its location and data version."""
        with self.reading():
            return {"store": self.location, "data_version": self.data_version}
