"""Store access for page requests, through the server's gate (:mod:`dfras.service.gate`):
reads share the open store (one cursor each), a write (resolving a cause) waits for the reads
in flight and holds off new ones — the same way into the store the API uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from dfras.service.runtime import Runtime
from dfras.store.base import Store


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@contextmanager
def reading(request: Request) -> Iterator[Store]:
    """A read cursor on the app's store for one request."""
    with _runtime(request).gate.reading() as store:
        yield store


@contextmanager
def writing(request: Request) -> Iterator[Store]:
    """The app's store, alone, for one short write."""
    with _runtime(request).gate.writing() as store:
        yield store
