"""The lake's manifest: the one file a reader opens, replaced atomically and always last.

Schema (``FORMAT`` = 1), JSON::

    {"format": "dfras-lake", "format_version": 1, "schema_version": <store schema>,
     "exported_at": ISO time, "data_version": "...", "fact_version": "...",
     "causes_version": "...", "batches": [batch ids in commit order],
     "tables": {"<name>": {"layer": "raw", "columns": [[name, type], ...], "rows": n,
                "partitions": {"year=2024/month=05": {"rows": n, "hash": "...",
                                                      "files": ["raw/orders/.../part-....parquet"]}}}}}

Paths are relative to the lake folder. A partition's ``hash`` is a content fingerprint
(row count and order-independent row hashes), so an export rewrites only partitions whose
content changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dfras.domain.errors import UserError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class Partition:
    rows: int
    hash: str
    files: list[str]


@dataclass
class TableEntry:
    layer: str
    columns: list[tuple[str, str]]
    partitions: dict[str, Partition] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions.values())

    def files(self) -> list[str]:
        return [f for key in sorted(self.partitions) for f in self.partitions[key].files]


@dataclass
class Manifest:
    schema_version: int
    exported_at: str = ""
    data_version: str = "0"
    fact_version: str | None = None
    causes_version: str | None = None
    batches: list[str] = field(default_factory=list)
    tables: dict[str, TableEntry] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "dfras-lake",
            "format_version": FORMAT_VERSION,
            "schema_version": self.schema_version,
            "exported_at": self.exported_at,
            "data_version": self.data_version,
            "fact_version": self.fact_version,
            "causes_version": self.causes_version,
            "batches": self.batches,
            "tables": {
                name: {
                    "layer": t.layer,
                    "columns": [list(c) for c in t.columns],
                    "rows": t.rows,
                    "partitions": {
                        key: {"rows": p.rows, "hash": p.hash, "files": p.files}
                        for key, p in sorted(t.partitions.items())
                    },
                }
                for name, t in self.tables.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        tables = {
            name: TableEntry(
                layer=t["layer"],
                columns=[(c[0], c[1]) for c in t["columns"]],
                partitions={
                    key: Partition(rows=int(p["rows"]), hash=p["hash"], files=list(p["files"]))
                    for key, p in t["partitions"].items()
                },
            )
            for name, t in data.get("tables", {}).items()
        }
        return cls(
            schema_version=int(data["schema_version"]),
            exported_at=data.get("exported_at", ""),
            data_version=str(data.get("data_version", "0")),
            fact_version=data.get("fact_version"),
            causes_version=data.get("causes_version"),
            batches=list(data.get("batches", [])),
            tables=tables,
        )


def read_manifest(lake: Path, *, required: bool = True) -> Manifest | None:
    """The lake's manifest (None, or a UserError when ``required``, if there is none)."""
    path = Path(lake) / MANIFEST
    if not path.exists():
        if required:
            raise UserError(
                f"no lake at {lake} (no {MANIFEST})",
                hint="export one first with `dfras lake export DIR`",
            )
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the lake manifest {path}: {exc}") from exc
    if data.get("format") != "dfras-lake" or int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise UserError(
            f"{path} is not a DFRAS lake manifest this version reads",
            hint=f"expected format dfras-lake, version {FORMAT_VERSION} or lower",
        )
    return Manifest.from_json(data)


def write_manifest(lake: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (write aside, fsync, rename)."""
    path = Path(lake) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w") as fh:
        json.dump(manifest.to_json(), fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
