"""Fixtures for the PostgreSQL store tests: each module gets its own fresh database on
127.0.0.1:5432 (user postgres, trust auth), migrated as the owner role and dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

psycopg = pytest.importorskip("psycopg")

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
OWNER = "dfras_owner"
SERVICE = "dfras_service"


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as con:
        con.execute(sql)


def _url(role: str, db: str) -> str:
    return f"postgresql://{role}@127.0.0.1:5432/{db}"


class PgDatabase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.owner_url = _url(OWNER, name)
        self.service_url = _url(SERVICE, name)
        self.admin_url = _url("postgres", name)


@pytest.fixture(scope="module")
def empty_db() -> Iterator[PgDatabase]:
    """A fresh database owned by the owner role, not migrated."""
    try:
        _admin("SELECT 1")
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    _admin(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') "
        f"THEN CREATE ROLE {OWNER} LOGIN CREATEROLE; END IF; END $$"
    )
    name = f"dfras_test_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE DATABASE {name} OWNER {OWNER}")
    try:
        yield PgDatabase(name)
    finally:
        from dfras.store import working
        from dfras.store.postgres import close_pools

        working.clear()
        close_pools()
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def pg_db(empty_db: PgDatabase) -> PgDatabase:
    """A migrated database with tenants ``a`` and ``b``."""
    from dfras.store import tenants
    from dfras.store.migrations import runner

    runner.upgrade(empty_db.owner_url)
    tenants.add(empty_db.owner_url, "a", "Tenant A")
    tenants.add(empty_db.owner_url, "b", "Tenant B")
    return empty_db
