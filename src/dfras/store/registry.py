"""Which tables of a PostgreSQL store are tenant tables: read from the database itself.

A tenant table is one with a ``tenant_id`` column in the public schema (``tenants`` apart).
Reading the catalogue rather than a list in code means a table added by a later revision is
covered at once by tenant removal and by the isolation tests, which are generated from here.
"""

from __future__ import annotations

from typing import Any

TENANT_TABLES_SQL = """
SELECT c.table_name
FROM information_schema.columns c
JOIN information_schema.tables t
  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
  AND t.table_type = 'BASE TABLE' AND c.table_name <> 'tenants'
ORDER BY c.table_name
"""


def tenant_tables(store: Any) -> list[str]:
    """Names of the tenant tables of the store's database, sorted."""
    return [r[0] for r in store.fetchall(TENANT_TABLES_SQL)]
