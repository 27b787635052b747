"""The tables of users, refresh tokens and API keys (tenant tables: every row has tenant_id).

Written in the canonical dialect like the rest of the schema; on PostgreSQL a migration adds
them with row-level security on tenant_id, so a lookup can only ever see the tenant the
transaction is set to.
"""

from __future__ import annotations

from dfras.store.base import Store

AUTH_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS users (
  tenant_id VARCHAR NOT NULL,
  user_id VARCHAR NOT NULL,
  email VARCHAR NOT NULL,
  password_hash VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  scopes VARCHAR NOT NULL,
  active BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_login_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS refresh_tokens (
  tenant_id VARCHAR NOT NULL,
  token_hash VARCHAR NOT NULL,
  user_id VARCHAR NOT NULL,
  family_id VARCHAR NOT NULL,
  issued_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  used_at TIMESTAMP,
  revoked_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS api_keys (
  tenant_id VARCHAR NOT NULL,
  key_id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  secret_hash VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  scopes VARCHAR NOT NULL,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP,
  last_used_at TIMESTAMP,
  revoked_at TIMESTAMP
)""",
)


def ensure_auth_tables(store: Store) -> None:
    if store.engine == "postgres":  # revision 0002 creates them with row-level security
        return
    for ddl in AUTH_DDL:
        store.execute(ddl)
