"""A real ``dfras serve`` on a real PostgreSQL database created here: two tenants (``acme``,
``globex``), each with a small generated data set, users of every role, and the server
authenticating every request."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

psycopg = pytest.importorskip("psycopg")

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
OWNER = "dfras_owner"
SECRET = "s" * 48
PASSWORD = "correct horse battery staple"
ROLES = (
    "company_admin",
    "operations_manager",
    "fleet_manager",
    "warehouse_manager",
    "data_analyst",
    "customer_service",
)


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as con:
        con.execute(sql)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Deployment:
    owner_url: str
    service_url: str
    admin_url: str
    base_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    secret: str = SECRET
    password: str = PASSWORD
    ids: dict[str, dict[str, object]] = field(default_factory=dict)

    def start_another(self, env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
        """A second server on the same database, with other settings."""
        return start_server(self.service_url, env)

    @staticmethod
    def stop(proc: subprocess.Popen[bytes]) -> None:
        stop(proc)

    def client(self, tenant: str | None = None, role: str | None = None) -> httpx.Client:
        headers = {}
        if tenant and role:
            headers["Authorization"] = f"Bearer {self.tokens[(tenant, role)]}"
        return httpx.Client(base_url=self.base_url, timeout=60, headers=headers)


def start_server(location: str, env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    cmd = [sys.executable, "-m", "dfras", "--db", location, "serve", "--port", str(port)]
    full = {**os.environ, "DFRAS_JWT_SECRET": SECRET, "DFRAS_SCHEDULE_TICK": "0", **env}
    full.pop("DFRAS_REDIS_URL", None) if "DFRAS_REDIS_URL" not in env else None
    log = open(os.environ.get("DFRAS_TEST_SERVER_LOG", os.devnull), "ab")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=full, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dfras serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("dfras serve did not answer within 40 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    try:
        _admin("SELECT 1")
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    from dfras.generate import generate
    from dfras.ingest.service import ingest_paths
    from dfras.store import tenants
    from dfras.store.migrations import runner
    from dfras.store.postgres import PostgresStore, close_pools

    _admin(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') "
        f"THEN CREATE ROLE {OWNER} LOGIN CREATEROLE; END IF; END $$"
    )
    name = f"dfras_sec_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE DATABASE {name} OWNER {OWNER}")
    dep = Deployment(
        owner_url=f"postgresql://{OWNER}@127.0.0.1:5432/{name}",
        service_url=f"postgresql://dfras_service@127.0.0.1:5432/{name}",
        admin_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
    )
    try:
        runner.upgrade(dep.owner_url)
        for i, tenant in enumerate(("acme", "globex")):
            tenants.add(dep.owner_url, tenant, tenant.title())
            data = tmp_path_factory.mktemp(f"data-{tenant}")
            # globex is smaller, so acme has order ids globex does not have
            generate(data, orders=600 if tenant == "acme" else 300, seed=31 + i)
            store = PostgresStore(dep.service_url, tenant=tenant)
            try:
                ingest_paths(store, [data], alerts=False)
                dep.ids[tenant] = {
                    "all_orders": {
                        r[0] for r in store.fetchall("SELECT order_id FROM delivery_fact")
                    },
                    "order_ids": [
                        r[0]
                        for r in store.fetchall(
                            "SELECT order_id FROM delivery_fact ORDER BY order_id LIMIT 3"
                        )
                    ],
                    "warehouses": [
                        r[0]
                        for r in store.fetchall(
                            "SELECT DISTINCT warehouse_id FROM delivery_fact "
                            "WHERE warehouse_id IS NOT NULL ORDER BY 1"
                        )
                    ],
                }
            finally:
                store.close()
        # the first admin of each tenant through the CLI (as the owner role), the rest below
        for tenant in ("acme", "globex"):
            out = subprocess.run(
                [
                    sys.executable, "-m", "dfras", "users", "add", "--tenant", tenant,
                    "--email", f"admin@{tenant}.test", "--role", "company_admin",
                    "--database", dep.owner_url, "--format", "json",
                ],
                env={**os.environ, "DFRAS_USER_PASSWORD": PASSWORD},
                capture_output=True,
                text=True,
            )  # fmt: skip
            assert out.returncode == 0, out.stderr
        dep.base_url, dep.process = start_server(dep.service_url, {"DFRAS_RATE_LIMIT": "100000"})
        with dep.client() as c:
            for tenant in ("acme", "globex"):
                r = c.post(
                    "/api/v1/auth/login",
                    json={"tenant": tenant, "email": f"admin@{tenant}.test", "password": PASSWORD},
                )
                assert r.status_code == 200, r.text
                admin = r.json()["access_token"]
                dep.tokens[(tenant, "company_admin")] = admin
                for role in ROLES[1:]:
                    scopes = (
                        {"warehouse_id": [str(dep.ids[tenant]["warehouses"][0])]}  # type: ignore[index]
                        if role == "warehouse_manager"
                        else {}
                    )
                    r = c.post(
                        "/api/v1/users",
                        headers={"Authorization": f"Bearer {admin}"},
                        json={
                            "email": f"{role}@{tenant}.test",
                            "password": PASSWORD,
                            "role": role,
                            "scopes": scopes,
                        },
                    )
                    assert r.status_code == 201, r.text
                    r = c.post(
                        "/api/v1/auth/login",
                        json={
                            "tenant": tenant,
                            "email": f"{role}@{tenant}.test",
                            "password": PASSWORD,
                        },
                    )
                    assert r.status_code == 200, r.text
                    dep.tokens[(tenant, role)] = r.json()["access_token"]
        yield dep
    finally:
        if dep.process is not None:
            stop(dep.process)
        close_pools()
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
