"""Tenant-aware PostgreSQL DDL: a table plus its tenant column, keys, row-level security, grants.

Every tenant table on PostgreSQL is made the same way, so a migration adding one says only
what differs (its columns and keys) and cannot forget the isolation:

- a trailing ``tenant_id`` column, NOT NULL, defaulting to the transaction's tenant
  (``current_setting('dfras.tenant_id', true)``) and referencing ``tenants``; trailing, so the
  store's positional ``INSERT INTO t VALUES (...)`` statements still fill the other columns;
- a primary key that starts with ``tenant_id`` (where the table has one), else an index
  leading with it;
- row-level security ENABLED and FORCED (so even the owner role is filtered), one policy for
  every command: rows are visible and writable only when ``tenant_id`` equals the tenant set
  for the transaction; with no tenant set, nothing is visible;
- DML grants (no DDL, no TRUNCATE) to the service role.

Example (a later revision adding a table)::

    from dfras.store.migrations.tenancy import create_tenant_table, drop_tenant_table

    def upgrade() -> None:
        for stmt in create_tenant_table(
            "alerts", "CREATE TABLE alerts (alert_id VARCHAR, raised_at TIMESTAMP)",
            primary_key=("alert_id",),
        ):
            op.execute(stmt)

    def downgrade() -> None:
        for stmt in drop_tenant_table("alerts"):
            op.execute(stmt)
"""

from __future__ import annotations

from collections.abc import Sequence

#: The login role the service (API, CLI for tenants) connects as: DML only, no ownership.
SERVICE_ROLE = "dfras_service"
#: The session setting that carries the tenant of the current transaction.
TENANT_SETTING = "dfras.tenant_id"
#: The SQL expression for that tenant (NULL when unset: no row matches).
CURRENT_TENANT = f"current_setting('{TENANT_SETTING}', true)"
POLICY = "tenant_isolation"


def pg_columns(create_sql: str) -> list[tuple[str, str]]:
    """(name, PostgreSQL type) of each column of a canonical (DuckDB-dialect) CREATE TABLE."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(create_sql, read="duckdb")
    schema = tree.this
    if not isinstance(schema, exp.Schema):
        raise ValueError(f"not a CREATE TABLE with columns: {create_sql[:60]}")
    out: list[tuple[str, str]] = []
    for col in schema.expressions:
        if not isinstance(col, exp.ColumnDef):
            continue
        kind = col.args.get("kind")
        pg_type = kind.sql(dialect="postgres") if kind is not None else "TEXT"
        extras = " ".join(c.sql(dialect="postgres") for c in col.args.get("constraints") or [])
        out.append((col.name, f"{pg_type} {extras}".strip()))
    return out


def table_name(create_sql: str) -> str:
    """The table a canonical CREATE TABLE statement creates."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(create_sql, read="duckdb")
    table = tree.find(exp.Table)
    if table is None:
        raise ValueError(f"no table in {create_sql[:60]}")
    return table.name


def create_tenant_table(
    name: str,
    create_sql: str | Sequence[tuple[str, str]],
    *,
    primary_key: Sequence[str] | None = None,
    indexes: Sequence[Sequence[str]] = (),
) -> list[str]:
    """Statements creating tenant table ``name``: columns (a canonical CREATE TABLE, or
    (name, PostgreSQL type) pairs) plus ``tenant_id``, keys, RLS FORCED, policy and grants."""
    columns = pg_columns(create_sql) if isinstance(create_sql, str) else list(create_sql)
    if any(c == "tenant_id" for c, _ in columns):
        raise ValueError(f"{name}: tenant_id is added by create_tenant_table, not declared")
    lines = [f"{col} {typ}" for col, typ in columns]
    lines.append(
        f"tenant_id TEXT NOT NULL DEFAULT {CURRENT_TENANT} "
        "REFERENCES tenants (tenant_id) ON DELETE CASCADE"
    )
    if primary_key:
        lines.append(f"PRIMARY KEY (tenant_id, {', '.join(primary_key)})")
    stmts = [f"CREATE TABLE {name} (\n  " + ",\n  ".join(lines) + "\n)"]
    if not primary_key and not indexes:
        stmts.append(f"CREATE INDEX {name}_tenant_idx ON {name} (tenant_id)")
    for i, cols in enumerate(indexes):
        stmts.append(f"CREATE INDEX {name}_idx{i} ON {name} (tenant_id, {', '.join(cols)})")
    stmts += rls_statements(name)
    return stmts


def rls_statements(name: str) -> list[str]:
    """Row-level security (enabled and forced), the tenant policy, and the service grants."""
    same = f"tenant_id = {CURRENT_TENANT}"
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {name} USING ({same}) WITH CHECK ({same})",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {SERVICE_ROLE}",
    ]


def drop_tenant_table(name: str) -> list[str]:
    """The downgrade of :func:`create_tenant_table` (the policy goes with the table)."""
    return [f"DROP TABLE IF EXISTS {name}"]


def ensure_service_role() -> str:
    """A statement creating the service role when missing (needs CREATEROLE); it gets a login
    but no password: the operator sets one (or trusts local connections)."""
    return f"""DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SERVICE_ROLE}') THEN
    CREATE ROLE {SERVICE_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$"""
