"""A real ``dfras serve`` process on a free local port, for API tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, base_url: str, process: subprocess.Popen[bytes]) -> None:
        self.base_url = base_url
        self.process = process

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)


def start_server(db: Path, env: dict[str, str] | None = None) -> Server:
    """Start ``dfras --db DB serve`` and wait until it answers its health check."""
    port = free_port()
    cmd = [sys.executable, "-m", "dfras", "--db", str(db), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dfras serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return Server(url, proc)
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("dfras serve did not answer within 30 s")


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path / "store.duckdb")
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated files of 1,500 orders (the eight domains)."""
    from dfras.generate import generate

    root = tmp_path_factory.mktemp("api-data")
    generate(root / "data", orders=1_500, seed=21)
    return root / "data"


@pytest.fixture(scope="module")
def small_store(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding ``small_data`` (imported in process, derived tables built)."""
    from dfras.ingest.service import ingest_paths
    from dfras.store import open_store

    path = tmp_path_factory.mktemp("api-store") / "s.duckdb"
    store = open_store(str(path))
    try:
        ingest_paths(store, [small_data])
    finally:
        store.close()
    return path
