"""Tenants (companies) of a PostgreSQL store: the platform admin's add, list and remove.

Run as the owner role: only it may see every tenant (the ``platform_admin`` policy on
``tenants``); the service role sees its own tenant row only. A new tenant gets its reference
data and bookkeeping rows; removing one deletes every row of it, table by table, under that
tenant's own setting (row-level security applies to the owner too), then the tenant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dfras.domain.errors import UserError
from dfras.store.migrations.tenancy import TENANT_SETTING
from dfras.store.postgres import PostgresStore
from dfras.store.registry import tenant_tables
from dfras.store.schema import SCHEMA_VERSION, seed_statements

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"tenant_id": self.tenant_id, "name": self.name, "created_at": self.created_at}


def _check(tenant_id: str) -> None:
    if not _ID.match(tenant_id):
        raise UserError(
            f"tenant id {tenant_id!r} is not valid",
            hint="use 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit",
        )


def add(url: str, tenant_id: str, name: str | None = None) -> Tenant:
    """Create a tenant with its reference data and an empty data version."""
    _check(tenant_id)
    store = PostgresStore(url, tenant=tenant_id, check_tenant=False)
    try:
        if store.fetchall("SELECT 1 FROM tenants WHERE tenant_id = ?", [tenant_id]):
            raise UserError(f"tenant {tenant_id!r} already exists")
        with store.transaction():
            store.execute(
                "INSERT INTO tenants (tenant_id, name) VALUES (?, ?)",
                [tenant_id, name or tenant_id],
            )
            store.execute(
                "INSERT INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )
            store.execute("INSERT INTO store_meta VALUES ('data_version', '0')")
            for stmt in seed_statements():
                store.execute(stmt)
        return _get(store, tenant_id)
    finally:
        store.close()


def list_all(url: str) -> list[Tenant]:
    """Every tenant (as the owner role; the service role sees only its own)."""
    store = PostgresStore(url, tenant=None, check_tenant=False)
    try:
        rows = store.fetchall("SELECT tenant_id, name, created_at FROM tenants ORDER BY tenant_id")
    finally:
        store.close()
    return [Tenant(*r) for r in rows]


def remove(url: str, tenant_id: str) -> dict[str, int]:
    """Delete every row of the tenant, then the tenant; rows deleted per table."""
    store = PostgresStore(url, tenant=tenant_id, check_tenant=False)
    try:
        if not store.fetchall("SELECT 1 FROM tenants WHERE tenant_id = ?", [tenant_id]):
            raise UserError(f"no tenant {tenant_id!r}", hint="`dfras tenants list` names them")
        counts: dict[str, int] = {}
        with store.transaction():
            for table in reversed(tenant_tables(store)):
                counts[table] = int(store.fetchall(f"SELECT count(*) FROM {table}")[0][0])
                store.execute(f"DELETE FROM {table}")
            store.execute("DELETE FROM tenants WHERE tenant_id = ?", [tenant_id])
        return counts
    finally:
        store.close()


def _get(store: PostgresStore, tenant_id: str) -> Tenant:
    rows = store.fetchall(
        "SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = ?", [tenant_id]
    )
    return Tenant(*rows[0])


__all__ = ["TENANT_SETTING", "Tenant", "add", "list_all", "remove"]
