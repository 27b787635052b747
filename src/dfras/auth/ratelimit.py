"""Sliding-window limits: requests per user or API key, and failed logins per account and address.

A window keeps the timestamps of the events of the last ``window`` seconds; an event is allowed
while fewer than ``limit`` are inside it. With Redis (``DFRAS_REDIS_URL``) the window is a
sorted set shared by every server process; without it, an in-process window serves one process.
"""

from __future__ import annotations

import math
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Decision:
    """Whether one event is allowed, how many remain, and when to retry if not."""

    allowed: bool
    remaining: int
    retry_after: float


class SlidingWindow(Protocol):
    def hit(self, key: str, limit: int, window: float) -> Decision: ...

    def peek(self, key: str, limit: int, window: float) -> Decision: ...

    def reset(self, key: str) -> None: ...


class MemoryWindow:
    """One process's sliding windows (tests, single-process servers)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _trim(self, key: str, window: float) -> deque[float]:
        now = self._clock()
        q = self._events.setdefault(key, deque())
        while q and q[0] <= now - window:
            q.popleft()
        return q

    def hit(self, key: str, limit: int, window: float) -> Decision:
        with self._lock:
            q = self._trim(key, window)
            if len(q) >= limit:
                return Decision(False, 0, max(q[0] + window - self._clock(), 0.0))
            q.append(self._clock())
            return Decision(True, limit - len(q), 0.0)

    def peek(self, key: str, limit: int, window: float) -> Decision:
        with self._lock:
            q = self._trim(key, window)
            if len(q) >= limit:
                return Decision(False, 0, max(q[0] + window - self._clock(), 0.0))
            return Decision(True, limit - len(q), 0.0)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


class RedisWindow:
    """Sliding windows in Redis sorted sets, shared by every server process."""

    def __init__(self, url: str, prefix: str = "dfras:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def _check(self, key: str, limit: int, window: float, record: bool) -> Decision:
        name = self._prefix + key
        now = time.time()
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(name, "-inf", now - window)
        pipe.zcard(name)
        pipe.zrange(name, 0, 0, withscores=True)
        _, count, oldest = pipe.execute()
        if count >= limit:
            first = oldest[0][1] if oldest else now
            return Decision(False, 0, max(first + window - now, 0.0))
        if record:
            pipe = self._redis.pipeline()
            pipe.zadd(name, {f"{now:.6f}:{secrets.token_hex(4)}": now})
            pipe.expire(name, math.ceil(window) + 1)
            pipe.execute()
            count += 1
        return Decision(True, limit - count, 0.0)

    def hit(self, key: str, limit: int, window: float) -> Decision:
        return self._check(key, limit, window, record=True)

    def peek(self, key: str, limit: int, window: float) -> Decision:
        return self._check(key, limit, window, record=False)

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


def default_window() -> SlidingWindow:
    """Redis when ``DFRAS_REDIS_URL`` is set, else one process's memory."""
    url = os.environ.get("DFRAS_REDIS_URL")
    return RedisWindow(url) if url else MemoryWindow()
