"""Concurrent cache misses of one kind, answered together.

A request that misses the cache joins a queue. A single drain computes queued keys in one
batch on a worker thread. Requests that arrive while that batch runs wait for the next one,
which takes them all at once (up to ``max_batch``). A lone request is therefore computed
immediately, as before. Under load, many requests share each engine round trip: order
details make one IN-list lookup per part for the whole batch instead of one lookup per order.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from fastapi.concurrency import run_in_threadpool

K = TypeVar("K", bound=Hashable)

#: What a batch returns for a key it did not find.
MISSING: Any = object()


class MissBatcher(Generic[K]):
    """Coalesces concurrent lookups into calls of ``compute(keys) -> (version, {key: value})``
    (keys a batch leaves out come back as :data:`MISSING`)."""

    def __init__(
        self,
        compute: Callable[[list[K]], tuple[str, dict[K, Any]]],
        *,
        max_batch: int = 32,
    ) -> None:
        self._compute = compute
        self._max = max_batch
        self._waiting: list[tuple[K, asyncio.Future[tuple[str, Any]]]] = []
        self._drain_task: asyncio.Task[None] | None = None

    async def get(self, key: K) -> tuple[str, Any]:
        """(the store version it was read at, the value or :data:`MISSING`); an exception
        raised by the batch is raised here."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[str, Any]] = loop.create_future()
        self._waiting.append((key, future))
        if self._drain_task is None:
            # a fresh context: the drain serves many requests, not the one that started it
            self._drain_task = loop.create_task(self._drain(), context=contextvars.Context())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
                live = [(k, f) for k, f in batch if not f.done()]  # callers gone are skipped
                if not live:
                    continue
                keys = list(dict.fromkeys(k for k, _ in live))
                try:
                    version, found = await run_in_threadpool(self._compute, keys)
                except Exception as exc:  # every waiter of the batch gets the error
                    for _, f in live:
                        if not f.done():
                            f.set_exception(exc)
                    continue
                for k, f in live:
                    if not f.done():
                        f.set_result((version, found.get(k, MISSING)))
        finally:
            self._drain_task = None
