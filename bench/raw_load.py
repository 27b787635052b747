"""Baseline: DuckDB's own read_csv loading the eight files raw into tables (no checks).

Usage: python bench/raw_load.py DATA_DIR DB_PATH [--fact]
With --fact, also builds a one-row-per-order table from the raw tables (the floor for the fact).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

FILES = (
    "clients",
    "warehouses",
    "drivers",
    "orders",
    "warehouse_logs",
    "fleet_logs",
    "external_factors",
    "feedback",
)


def main() -> None:
    data, db = Path(sys.argv[1]), sys.argv[2]
    con = duckdb.connect(db)
    for name in FILES:
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv(?)", [str(data / f"{name}.csv")]
        )
    if "--fact" in sys.argv:
        con.execute(
            """CREATE TABLE fact AS
            SELECT o.*, w.warehouse_id, f.driver_id, f.attempts, e.weather_condition, b.rating
            FROM orders o
            LEFT JOIN (SELECT order_id, max(warehouse_id) AS warehouse_id FROM warehouse_logs
                       GROUP BY 1) w USING (order_id)
            LEFT JOIN (SELECT order_id, max(driver_id) AS driver_id, count(*) AS attempts
                       FROM fleet_logs GROUP BY 1) f USING (order_id)
            LEFT JOIN (SELECT order_id, max(weather_condition) AS weather_condition
                       FROM external_factors GROUP BY 1) e USING (order_id)
            LEFT JOIN (SELECT order_id, max(rating) AS rating FROM feedback GROUP BY 1) b
              USING (order_id)"""
        )
    con.close()


if __name__ == "__main__":
    main()
