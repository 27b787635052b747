"""Slow analyses are computed once per data version, even when the same page is asked for
again while the first computation is still running."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace
from typing import Any

from dfras.web.views import cached, segment_label


class FakeRuntime:
    """The two methods of the server's runtime that ``cached`` uses, counting computations."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}
        self.computed = 0

    def lookup(self, kind: str, params: Any) -> bytes | None:
        return self.store.get(json.dumps([kind, params]))

    def compute(self, kind: str, params: Any, work: Any) -> bytes:
        self.computed += 1
        body = json.dumps(work(None)).encode()
        self.store[json.dumps([kind, params])] = body
        return body


def _request(rt: FakeRuntime) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(runtime=rt)))


def test_concurrent_identical_requests_compute_once() -> None:
    rt = FakeRuntime()

    def slow(_: Any) -> dict[str, int]:
        time.sleep(0.3)
        return {"answer": 42}

    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(cached(_request(rt), "k", [1], slow)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [{"answer": 42}] * 4
    assert rt.computed == 1
    # a different request is its own computation
    assert cached(_request(rt), "k", [2], lambda _: {"answer": 7}) == {"answer": 7}
    assert rt.computed == 2


def test_segment_labels_read_like_the_narrative() -> None:
    assert segment_label({"conditions": {"warehouse_id": 30}, "kind": "segment"}) == "Warehouse 30"
    label = segment_label(
        {"conditions": {"driver_id": 7}, "kind": "cause", "cause": "Address not found"}
    )
    assert label == "Driver 7: Address not found"
    windowed = segment_label(
        {"conditions": {"city": "Pune"}, "window": {"start": "2025-08-01", "end": "2025-08-07"}}
    )
    assert windowed.endswith("from 2025-08-01 to 2025-08-07")
