"""Which tables go to the lake, in which area, partitioned by which month."""

from __future__ import annotations

from dataclasses import dataclass

from dfras.domain.tables import DOMAINS, LANDING_COLUMNS

#: Partition value of rows whose month is unknown (Hive's own name for it).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class LakeTable:
    """One table of the lake: its area, the SELECT it is exported from, and its month."""

    name: str
    layer: str  # raw | processed
    source: str  # a SELECT over the embedded store
    month: str | None = None  # timestamp column the partitions follow; None: unpartitioned

    @property
    def folder(self) -> str:
        return f"{self.layer}/{self.name}"


#: Time column of each canonical table (the record's own time, as in the reference design).
_MONTH_OF = {
    "orders": "order_date",
    "warehouse_logs": "picking_start",
    "fleet_logs": "departure_time",
    "external_factors": "recorded_at",
    "feedback": "created_at",
}


def lake_tables() -> list[LakeTable]:
    """Every table exported, canonical tables first (the order readers register them)."""
    landing = ", ".join(name for name, _ in LANDING_COLUMNS)
    out = [
        LakeTable(
            name=d.name,
            layer="raw",
            source=f"SELECT * EXCLUDE ({landing}) FROM {d.name}",
            month=_MONTH_OF.get(d.name),
        )
        for d in sorted(DOMAINS.values(), key=lambda d: d.load_order)
    ]
    out += [
        LakeTable("status_codes", "raw", "SELECT * FROM status_codes"),
        LakeTable("failure_reasons", "raw", "SELECT * FROM failure_reasons"),
        LakeTable("ingest_batches", "raw", "SELECT * FROM ingest_batches"),
        LakeTable("delivery_fact", "processed", "SELECT * FROM delivery_fact", "order_date"),
        LakeTable(
            "root_cause_analysis",
            "processed",
            "SELECT r.*, o.order_date AS _order_date FROM root_cause_analysis r "
            "LEFT JOIN orders o ON o.order_id = r.order_id",
            "_order_date",
        ),
    ]
    return out
