"""Helpers shared by the alert tests (imported by name: test folders are not packages):
an HTTP receiver that verifies signatures, free ports, private copies of generated stores."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dfras.alerts.signing import HEADER, verify_signature
from dfras.store import open_store

SECRET = "test-signing-secret"
ORDERS = 10_000
ALERT_TABLES = (
    "alert_rules",
    "alert_channels",
    "alerts",
    "alert_history",
    "alert_deliveries",
    "alert_rule_state",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """A webhook receiver on a fixed port that can be stopped and started again; it answers
    401 to a request whose signature does not verify, and ``status`` otherwise."""

    port: int
    secret: str = SECRET
    status: int = 200
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                signature = self.headers.get(HEADER)
                ok = signature is not None and verify_signature(signature, body, receiver.secret)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(Received(self.path, headers, body, ok))
                code = receiver.status if ok or self.path != "/hook" else 401
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def fresh_copy(source: Path, target_dir: Path) -> Path:
    """A private copy of a generated store with no alert tables, for one test to change."""
    target = target_dir / "store.duckdb"
    shutil.copy(source, target)
    store = open_store(str(target))
    try:
        for table in ALERT_TABLES:
            store.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        store.close()
    return target
