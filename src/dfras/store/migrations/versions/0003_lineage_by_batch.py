"""Rows of the canonical tables no longer carry a stored fingerprint (``_row_hash``: imports
compute one only when they compare rows, a key repeated in a file or a re-import) nor copies of
their batch's file and import time (``_source_file``, ``_ingested_at``: ``ingest_batches`` has
them, joined on ``_batch_id``). Every column written costs a large import time; these were
written on every row. The downgrade adds the columns back, empty.

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


#: (column, type) of the columns dropped.
DROPPED = (("_source_file", "TEXT"), ("_ingested_at", "TIMESTAMP"), ("_row_hash", "TEXT"))


def upgrade() -> None:
    for name in CANONICAL_TABLES:
        for column, _ in DROPPED:
            op.execute(f"ALTER TABLE {name} DROP COLUMN IF EXISTS {column}")


def downgrade() -> None:
    for name in CANONICAL_TABLES:
        for column, sql_type in DROPPED:
            op.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {column} {sql_type}")
