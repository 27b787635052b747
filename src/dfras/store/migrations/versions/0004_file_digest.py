"""A batch records its file's digest as ``source_digest``: BLAKE3, ``blake3:``-prefixed, where
it was a bare SHA-256 (``source_sha256``). Hashing every input file with SHA-256 took 3.9% of a
1M-order import, BLAKE3 about 1.4%. The digests already recorded are kept as they are: imports
compare a file with them by SHA-256 (see ``dfras.ingest.identity``). The downgrade renames the
column back; digests recorded by this revision then match no file's SHA-256, so those files
are imported again (which changes nothing) rather than skipped.

Frozen text, like the revisions before it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("ingest_batches", "source_sha256", new_column_name="source_digest")


def downgrade() -> None:
    op.alter_column("ingest_batches", "source_digest", new_column_name="source_sha256")
