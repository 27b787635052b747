"""The ticker reports a running statement's share done, never going back, and stops cleanly."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from dfras.store.progress import Ticker


class _Statements:
    """A stand-in store whose running statement reports the given shares in turn."""

    def __init__(self, shares: list[float | None]) -> None:
        self._shares: Iterator[float | None] = iter(shares)
        self.asked = 0
        self.done = threading.Event()

    def statement_progress(self) -> float | None:
        self.asked += 1
        try:
            return next(self._shares)
        except StopIteration:
            self.done.set()
            return None


def test_shares_are_reported_in_order_and_never_go_back() -> None:
    store = _Statements([None, 0.1, 0.4, 0.2, None, 0.7, 1.3])
    seen: list[float] = []
    with Ticker(store, seen.append, every=0.001):  # type: ignore[arg-type]
        assert store.done.wait(5)
    assert seen == [0.1, 0.4, 0.7, 1.0]


def test_a_failing_store_stops_the_ticker_not_the_work() -> None:
    class Broken:
        def statement_progress(self) -> float | None:
            raise RuntimeError("connection closed")

    seen: list[float] = []
    started = time.perf_counter()
    with Ticker(Broken(), seen.append, every=0.001) as ticker:  # type: ignore[arg-type]
        time.sleep(0.05)
    assert seen == [] and ticker.share == 0.0
    assert time.perf_counter() - started < 2
