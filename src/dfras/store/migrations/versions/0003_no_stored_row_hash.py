"""Rows of the canonical tables no longer carry a stored fingerprint (``_row_hash``): imports
compute one only when they compare rows (a key repeated in a file, a re-import), which made
every large import cheaper. The downgrade adds the column back, empty.

Frozen text, like the revisions before it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CANONICAL_TABLES = (
    "clients",
    "warehouses",
    "drivers",
    "orders",
    "warehouse_logs",
    "fleet_logs",
    "external_factors",
    "feedback",
)


def upgrade() -> None:
    for name in CANONICAL_TABLES:
        op.execute(f"ALTER TABLE {name} DROP COLUMN IF EXISTS _row_hash")


def downgrade() -> None:
    for name in CANONICAL_TABLES:
        op.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS _row_hash TEXT")
