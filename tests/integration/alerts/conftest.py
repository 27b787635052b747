"""Real receivers for alert delivery (an HTTP server that verifies signatures, an SMTP server)
and generated stores (a planted-cause and a null data set), built once per session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alerts_support import ORDERS, HttpReceiver, free_port, fresh_copy

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(port=free_port())
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.messages: list[tuple[str, list[str], bytes]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 Message accepted for delivery"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def _build(folder: Path, scenario: str) -> tuple[Path, dict[str, Any]]:
    generate(folder, orders=ORDERS, seed=7, scenario=scenario)
    path = folder / "store.duckdb"
    store = open_store(str(path))
    try:
        report = ingest_paths(store, [folder], causes=False)
        assert not report.rejected
    finally:
        store.close()
    return path, json.loads((folder / "truth.json").read_text())


@pytest.fixture(scope="session")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _build(tmp_path_factory.mktemp("alerts-planted"), "default")


@pytest.fixture(scope="session")
def null_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _build(tmp_path_factory.mktemp("alerts-null"), "null")


@pytest.fixture
def planted_store(planted_db: tuple[Path, dict[str, Any]], tmp_path: Path) -> Iterator[Any]:
    store = open_store(str(fresh_copy(planted_db[0], tmp_path)))
    yield store
    store.close()
