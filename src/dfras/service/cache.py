"""The response cache: answers keyed by what was asked and the store's version.

Every key carries the gate's version (data version + local write count), so an import or a
resolution update makes older entries unreachable at once; they age out (in-process: least
recently used first; Redis: a TTL). With ``DFRAS_REDIS_URL`` set the cache lives in Redis and
survives server restarts; otherwise it is a bounded in-process map. A cache
failure never fails a request: a Redis outage means computing the answer again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from typing import Any, Protocol

log = logging.getLogger("dfras.cache")

#: Entries kept in process; values are serialised JSON bytes.
MAX_ENTRIES = 2_000
#: Redis entries live this long (seconds); version keys make them unreachable earlier.
REDIS_TTL = 24 * 3600


class Cache(Protocol):
    backend: str

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...

    def clear(self) -> None: ...


class MemoryCache:
    """A bounded least-recently-used map, safe across threads."""

    backend = "memory"

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class RedisCache:
    """Entries in Redis under ``dfras:<store path hash>:`` (they outlive the server process)."""

    backend = "redis"

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = f"dfras:{namespace}:"

    def get(self, key: str) -> bytes | None:
        try:
            value = self._redis.get(self.prefix + key)
        except Exception as exc:  # a cache outage costs time, never the answer
            log.warning("redis get failed: %s", exc)
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes) -> None:
        try:
            self._redis.set(self.prefix + key, value, ex=REDIS_TTL)
        except Exception as exc:
            log.warning("redis set failed: %s", exc)

    def clear(self) -> None:
        try:
            for key in self._redis.scan_iter(match=self.prefix + "*", count=1000):
                self._redis.delete(key)
        except Exception as exc:
            log.warning("redis clear failed: %s", exc)


def make_cache(store_location: str) -> Cache:
    """Redis when ``DFRAS_REDIS_URL`` is set, else in process."""
    url = os.environ.get("DFRAS_REDIS_URL")
    if url:
        namespace = hashlib.sha256(os.path.abspath(store_location).encode()).hexdigest()[:12]
        return RedisCache(url, namespace)
    return MemoryCache()


def cache_key(version: str, kind: str, params: Any) -> str:
    """``version:kind:hash(params)``: params are anything JSON can write, in any key order."""
    text = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    return f"{version}:{kind}:{digest}"
