"""Concurrent misses are computed together; a lone one at once; errors reach every waiter."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from dfras.service.batching import MISSING, MissBatcher


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` on a fresh event loop in its own thread (another test's loop, such as the
    browser driver's, may be running in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class _Lookups:
    """A slow computation that records the keys of each call."""

    def __init__(self, seconds: float = 0.05, fail_on: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.seconds = seconds
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, keys: list[int]) -> tuple[str, dict[int, Any]]:
        with self.lock:
            self.calls.append(list(keys))
        time.sleep(self.seconds)
        if self.fail_on is not None and self.fail_on in keys:
            raise RuntimeError(f"store unreadable at {self.fail_on}")
        return "v1", {k: k * 10 for k in keys if k % 7 != 0}


def test_concurrent_misses_share_batches() -> None:
    work = _Lookups()
    batcher: MissBatcher[int] = MissBatcher(work, max_batch=16)

    async def main() -> list[tuple[str, Any]]:
        return await asyncio.gather(*(batcher.get(k) for k in range(1, 41)))

    results = _run(main())
    assert results == [("v1", k * 10 if k % 7 else MISSING) for k in range(1, 41)]
    # all forty queued before the drain first ran: batches of at most 16, in arrival order
    assert [len(c) for c in work.calls] == [16, 16, 8]
    assert work.calls[0] == list(range(1, 17))
    assert sorted(k for c in work.calls for k in c) == list(range(1, 41))


def test_a_lone_miss_is_computed_at_once_and_repeated_keys_once() -> None:
    work = _Lookups(seconds=0.0)
    batcher: MissBatcher[int] = MissBatcher(work)

    async def main() -> list[Any]:
        first = await batcher.get(3)
        second = await asyncio.gather(batcher.get(5), batcher.get(5))
        return [first, *second]

    assert _run(main()) == [("v1", 30), ("v1", 50), ("v1", 50)]
    assert work.calls == [[3], [5]]


def test_an_error_reaches_every_waiter_of_its_batch_only() -> None:
    work = _Lookups(fail_on=4)
    batcher: MissBatcher[int] = MissBatcher(work)

    async def main() -> list[Any]:
        first = await batcher.get(1)
        rest = await asyncio.gather(*(batcher.get(k) for k in (2, 4, 5)), return_exceptions=True)
        after = await batcher.get(6)
        return [first, *rest, after]

    first, second, third, fourth, after = _run(main())
    assert after == ("v1", 60)
    assert first == ("v1", 10)
    for failed in (second, third, fourth):
        assert isinstance(failed, RuntimeError)
        assert "unreadable at 4" in str(failed)


def test_a_waiter_gone_is_skipped() -> None:
    work = _Lookups()
    batcher: MissBatcher[int] = MissBatcher(work)

    async def main() -> Any:
        first = asyncio.ensure_future(batcher.get(1))
        await asyncio.sleep(0.01)  # the first batch is running
        gone = asyncio.ensure_future(batcher.get(2))
        kept = asyncio.ensure_future(batcher.get(3))
        await asyncio.sleep(0)
        gone.cancel()
        return await first, await kept

    assert _run(main()) == (("v1", 10), ("v1", 30))
    assert work.calls == [[1], [3]]


@pytest.mark.parametrize("size", [1, 5])
def test_batches_never_exceed_the_limit(size: int) -> None:
    work = _Lookups(seconds=0.01)
    batcher: MissBatcher[int] = MissBatcher(work, max_batch=size)

    async def main() -> None:
        await asyncio.gather(*(batcher.get(k) for k in range(1, 21)))

    _run(main())
    assert max(len(c) for c in work.calls) <= size
