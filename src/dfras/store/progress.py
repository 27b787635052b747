"""Watching a long piece of store work move, for a progress bar.

An import's batch is one long statement on a large file (half a minute for 10M orders), and
the fact is built in a few long steps, so progress counted in files or steps would stand still
for most of an import. While such work runs, :class:`Ticker` asks the store how far its running
statement has come (:meth:`~dfras.store.base.Store.statement_progress`) a few times a second and
reports the share done. The share reported never goes back: a batch's later, short statements
start again from nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType

from dfras.store.base import Store

#: Seconds between two looks at the running statement.
TICK_SECONDS = 0.25


class Ticker:
    """Within ``with Ticker(store, on_share):``, ``on_share(share)`` is called from a thread of
    its own with the share (0–1, never decreasing) of the store's running work done."""

    def __init__(
        self, store: Store, on_share: Callable[[float], None], *, every: float | None = None
    ) -> None:
        self._store = store
        self._on_share = on_share
        self._every = TICK_SECONDS if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dfras-progress", daemon=True)
        self.share = 0.0

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                share = self._store.statement_progress()
            except Exception:  # progress is a courtesy: it never disturbs the work
                return
            if share is not None and share > self.share:
                self.share = min(share, 1.0)
                self._on_share(self.share)


def watching(
    store: Store, report: Callable[[float], None] | None
) -> AbstractContextManager[object]:
    """Around a piece of work: ``report(share)`` told 0 now, then as the work moves (a
    :class:`Ticker`); nothing at all when nobody is told (``report`` None)."""
    if report is None:
        return nullcontext()
    report(0.0)
    return Ticker(store, report)
