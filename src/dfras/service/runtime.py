"""What every route reaches the store through: the gate, the response cache, the job queue.

Routes stay thin: they parse, call :meth:`Runtime.answer` (cached read) or
:meth:`Runtime.write` with a core service, and return what it gives.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from dfras.service import metrics
from dfras.service.batching import MissBatcher
from dfras.service.cache import Cache, cache_key, make_cache
from dfras.service.gate import StoreGate
from dfras.service.jobs import Job, JobQueue
from dfras.store.base import Store

T = TypeVar("T")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | tuple):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """JSON bytes (dates ISO, decimals as numbers, NaN and infinities as null)."""
    try:
        return json.dumps(value, default=_default, separators=(",", ":"), allow_nan=False).encode()
    except ValueError:
        plain = json.loads(json.dumps(value, default=_default))
        return json.dumps(_finite(plain), separators=(",", ":")).encode()


#: The tenant of the request being served (set by the principal dependency). A PostgreSQL
#: store is opened for this tenant only; with none set, no store is opened at all.
REQUEST_TENANT: ContextVar[str | None] = ContextVar("dfras_request_tenant", default=None)
#: The caller's per-user scopes (attribute -> allowed values), merged into every scope.
REQUEST_SCOPES: ContextVar[dict[str, tuple[str, ...]] | None] = ContextVar(
    "dfras_request_scopes", default=None
)


class PostgresGate:
    """The gate's interface over a PostgreSQL database shared by tenants.

    No lock is needed (PostgreSQL has its own concurrency control); every use opens a store
    for the tenant of the current request (:data:`REQUEST_TENANT`), whose transactions set
    that tenant, so row-level security confines it. The version that keys cached answers
    starts with the tenant: one tenant's cached answer can never be another's.
    """

    def __init__(self, url: str) -> None:
        self.location = url
        self.data_version = "0"
        self.opened_at: float | None = time.time()
        self._generation: dict[str, int] = {}
        self._lock = threading.Lock()

    def _tenant(self) -> str:
        tenant = REQUEST_TENANT.get()
        if not tenant:
            from dfras.auth.errors import AuthenticationFailed

            raise AuthenticationFailed("no tenant for this request", hint="log in first")
        return tenant

    @contextmanager
    def _open(self, tenant: str | None) -> Iterator[Store]:
        from dfras.store.postgres import PostgresStore

        store = PostgresStore(self.location, tenant=tenant, check_tenant=False)
        try:
            yield store
        finally:
            store.close()

    @property
    def version(self) -> str | None:
        from dfras.store.meta import read_meta

        tenant = self._tenant()
        with self._open(tenant) as store:
            data = read_meta(store, "data_version") or "0"
        return f"{tenant}:{data}.{self._generation.get(tenant, 0)}"

    @contextmanager
    def reading(self) -> Iterator[Store]:
        with self._open(self._tenant()) as store:
            yield store

    @contextmanager
    def writing(self) -> Iterator[Store]:
        from dfras.summaries import service as summaries

        tenant = self._tenant()
        try:
            with self._open(tenant) as store:
                yield store
                summaries.ensure_current(store)
        finally:
            with self._lock:
                self._generation[tenant] = self._generation.get(tenant, 0) + 1

    def check(self) -> dict[str, str]:
        """Readiness: the database answers (no tenant: no tenant data is read)."""
        from dfras.store.postgres import _safe

        with self._open(None) as store:
            store.fetchall("SELECT 1")
        return {"store": _safe(self.location), "data_version": "per tenant"}

    def close(self) -> None:
        from dfras.store.postgres import close_pools

        close_pools()


@dataclass(frozen=True)
class Freshness:
    """How to tell whether stored derived results are current, and how to refresh them."""

    is_current: Callable[[Store], bool]
    refresh: Callable[[Store], Any]


def compute_concurrency() -> int:
    """``DFRAS_COMPUTE_CONCURRENCY``: uncached answers computed at once (default 4)."""
    return max(1, int(os.environ.get("DFRAS_COMPUTE_CONCURRENCY", "4")))


class Runtime:
    """The server's shared state for one store."""

    def __init__(self, store_location: str) -> None:
        from dfras.store.open import is_postgres_url

        self.location = store_location
        self.postgres = is_postgres_url(store_location)
        self.gate: Any = (
            PostgresGate(store_location) if self.postgres else StoreGate(store_location)
        )
        self.cache: Cache = make_cache(store_location)
        self.jobs = JobQueue()
        self._pending: dict[str, str] = {}
        self._pending_lock = threading.Lock()
        #: Uncached answers computed at once (more only thrash the engine's memory and cores).
        self._computing = threading.BoundedSemaphore(compute_concurrency())
        self._batchers: dict[tuple[str, str | None], MissBatcher[Any]] = {}

    def lookup(self, kind: str, params: Any) -> bytes | None:
        """A cached answer for the current store version, if there is one."""
        version = self.gate.version
        if version is None:  # the store is closed: whatever is cached may be out of date
            metrics.CACHE.labels(kind, "closed").inc()
            return None
        hit = self.cache.get(cache_key(version, kind, params))
        metrics.CACHE.labels(kind, "hit" if hit is not None else "miss").inc()
        return hit

    def _read(self, kind: str, work: Callable[[Store], T]) -> tuple[str, T]:
        """``work`` on a read cursor (within the compute limit), timed; with the version read."""
        with self._computing, self.gate.reading() as store:
            version = self.gate.version or "closed"
            started = time.perf_counter()
            value = work(store)
            metrics.COMPUTE.labels(kind).observe(time.perf_counter() - started)
        return version, value

    def compute(self, kind: str, params: Any, work: Callable[[Store], Any]) -> bytes:
        """Run ``work`` on a read cursor and cache its JSON under the version it read."""
        version, body = self._read(kind, lambda store: dumps(work(store)))
        self.cache.set(cache_key(version, kind, params), body)
        return body

    def batcher(
        self, kind: str, work: Callable[[Store, list[Any]], dict[Any, Any]]
    ) -> MissBatcher[Any]:
        """The batcher of ``kind``'s misses for the current request's tenant:
        ``work(store, keys)`` runs on a read cursor of that tenant's store for many keys at
        once (see :mod:`dfras.service.batching`); tenants never share a batch."""
        tenant = REQUEST_TENANT.get()
        if (kind, tenant) not in self._batchers:

            def compute(keys: list[Any]) -> tuple[str, dict[Any, Any]]:
                # the batch runs outside any one request: it reads as the tenant it serves
                token = REQUEST_TENANT.set(tenant)
                try:
                    return self._read(kind, lambda store: work(store, keys))
                finally:
                    REQUEST_TENANT.reset(token)

            self._batchers[(kind, tenant)] = MissBatcher(compute)
        return self._batchers[(kind, tenant)]

    async def answer_batched(
        self,
        kind: str,
        params: Any,
        key: Any,
        batcher: MissBatcher[Any],
        finish: Callable[[Any], Any],
    ) -> Response:
        """Like :meth:`answer`, the miss computed together with concurrent ones: ``finish``
        turns this request's value (or :data:`MISSING`) into its answer (and may raise)."""
        hit = self.lookup(kind, params)
        if hit is not None:
            return json_response(hit, cache="hit")
        version, value = await batcher.get(key)
        body = dumps(finish(value))
        self.cache.set(cache_key(version, kind, params), body)
        return json_response(body, cache="miss")

    def compute_bytes(self, kind: str, params: Any, work: Callable[[Store], bytes]) -> bytes:
        """Like :meth:`compute` for work that already returns bytes (a report file)."""
        version, body = self._read(kind, work)
        self.cache.set(cache_key(version, kind, params), body)
        return body

    async def answer(
        self,
        kind: str,
        params: Any,
        work: Callable[[Store], Any],
        *,
        fresh: Freshness | None = None,
    ) -> Response:
        """The cached answer (straight from the event loop, no thread), else computed on a
        worker thread now; ``X-Cache`` says which. ``fresh`` brings stored results (a pattern
        scan) current first, as a write, so the read itself never writes."""
        hit = self.lookup(kind, params)
        if hit is not None:
            return json_response(hit, cache="hit")
        if fresh is not None:
            await run_in_threadpool(self.ensure, fresh)
        body = await run_in_threadpool(self.compute, kind, params, work)
        return json_response(body, cache="miss")

    def ensure(self, fresh: Freshness) -> None:
        """Run ``fresh.refresh`` as a write when ``fresh.is_current`` says the stored results
        are behind the data (once: concurrent callers find them current after the first)."""
        with self.gate.reading() as store:
            if fresh.is_current(store):
                return
        self.write(lambda s: None if fresh.is_current(s) else fresh.refresh(s))

    def background(
        self, kind: str, job_kind: str, params: Any, work: Callable[[Store], Any]
    ) -> bytes | Job:
        """The cached answer if there is one, else a background job computing it (the same
        job again while an identical request is still queued or running)."""
        hit = self.lookup(kind, params)
        if hit is not None:
            return hit
        key = cache_key(self.gate.version or "closed", kind, params)
        with self._pending_lock:
            running = self._pending.get(key)
            if running is not None:
                job = self.jobs.get(running)
                if job.status in ("queued", "running"):
                    return job

            def run(job: Job) -> Any:
                try:
                    job.stage = kind
                    return json.loads(self.compute(kind, params, work))
                finally:
                    with self._pending_lock:
                        self._pending.pop(key, None)

            job = self.jobs.submit(job_kind, run, lane="compute")
            self._pending[key] = job.id
        return job

    def write(self, work: Callable[[Store], Any]) -> Any:
        """Run ``work`` alone on the store (older cached answers become unreachable)."""
        with self.gate.writing() as store:
            return work(store)

    def close(self) -> None:
        self.jobs.shutdown()
        self.gate.close()


def json_response(body: bytes, *, status: int = 200, cache: str | None = None) -> Response:
    headers = {"X-Cache": cache} if cache else None
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def job_response(job: Job, status: int, *, location: str | None = None) -> Response:
    """A job's state, with ``Location`` pointing where to poll it (default
    ``/api/v1/<kind>s/<id>``)."""
    resp = json_response(dumps(job.to_dict()), status=status)
    resp.headers["Location"] = f"/api/v1/{location or job.kind + 's'}/{job.id}"
    return resp


async def runtime(request: Request) -> Runtime:
    """The runtime of the app serving ``request`` (a FastAPI dependency)."""
    rt: Runtime = request.app.state.runtime
    return rt
