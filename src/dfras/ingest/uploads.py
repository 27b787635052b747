"""Imports that arrive over HTTP: files saved beside the store, imported as one run, the
quality report as the result.

The upload folder lives next to the store (same disk, so 10M-order files do not fill /tmp) and
is removed when the import finishes, whatever happened.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from dfras.domain.errors import UserError
from dfras.ingest.service import Progress, ingest_paths
from dfras.quality.report import build_report
from dfras.store.base import Store

#: Files one import may carry (the eight domains, plus room for split files).
MAX_FILES = 64
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def upload_dir(store_location: str) -> Path:
    """A fresh folder for one upload, beside the store (or in the temp folder for :memory:)."""
    import tempfile

    base = (
        Path(tempfile.gettempdir())
        if store_location == ":memory:"
        else Path(store_location).resolve().parent
    )
    folder = base / ".dfras-uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def safe_name(name: str | None, index: int) -> str:
    """The file's own name without folders or odd characters (its extension kept)."""
    base = Path(name or "").name
    clean = _SAFE.sub("_", base).strip("._")
    if not clean:
        raise UserError(
            f"upload #{index + 1} has no usable file name",
            hint="send each file with its name, e.g. orders.csv",
        )
    return clean


def import_folder(
    store: Store,
    folder: Path,
    *,
    domain: str | None = None,
    causes: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import every file saved under ``folder`` (then delete it); the batches and the quality report."""
    try:
        files = sorted(p for p in folder.glob("*/*") if p.is_file())
        if not files:
            raise UserError(
                "the upload holds no files", hint="send at least one CSV or Parquet file"
            )
        report = ingest_paths(store, files, domain=domain, progress=progress, causes=causes)
        return {
            "batches": [
                {
                    "file": Path(b.source_file).name,
                    "domain": b.domain,
                    "status": b.status,
                    "batch_id": b.batch_id,
                    "rows_read": b.rows_read,
                    "rows_inserted": b.rows_inserted,
                    "rows_updated": b.rows_updated,
                    "rows_unchanged": b.rows_unchanged,
                    "rows_warned": b.rows_warned,
                    "rows_quarantined": b.rows_quarantined,
                    "notes": b.notes,
                    "error": b.error,
                    "hint": b.hint,
                    "seconds": round(b.seconds, 3),
                }
                for b in report.batches
            ],
            "rejected": len(report.rejected),
            "seconds": round(report.seconds, 3),
            "quality": build_report(store).to_dict(),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


RECENT_BATCHES_SQL = """SELECT batch_id, domain, source_file, rows_read, rows_accepted,
  rows_inserted, rows_updated, rows_unchanged, rows_warned, rows_quarantined, started_at,
  finished_at FROM ingest_batches ORDER BY started_at DESC NULLS LAST LIMIT ?"""


def recent_batches(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The latest committed import batches, newest first."""
    rows = store.fetch_dicts(RECENT_BATCHES_SQL, [limit])
    for r in rows:
        r["source_file"] = Path(r["source_file"]).name if r["source_file"] else None
    return rows
