"""One engine's fact build, explain and per-order causes, timed inside the process (JSON).

``python bench/engines.py duckdb STORE`` or ``python bench/engines.py spark LAKE [MASTER]``.
Start-up (Python, and for Spark the JVM and session) is timed apart from the work.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    engine, location = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    from dfras.analysis.explain import explain
    from dfras.causes import service as causes_service
    from dfras.fact import service as fact_service

    if engine == "spark":
        from dfras.store.spark import SparkStore, spark_session

        master = sys.argv[3] if len(sys.argv) > 3 else "local[*]"
        store = SparkStore(location, spark=spark_session(master, app_name="dfras-bench"))
    else:
        from dfras.store import open_store

        store = open_store(location)
    t1 = time.perf_counter()
    fact_s = fact_service.refresh(store)
    t2 = time.perf_counter()
    result = explain(store, outcome="failure")
    t3 = time.perf_counter()
    causes_s = causes_service.refresh(store)
    print(
        json.dumps(
            {
                "startup_s": t1 - t0,
                "fact_s": fact_s,
                "explain_s": t3 - t2,
                "causes_s": causes_s,
                "segments": len(result.segments),
                "orders": result.support,
            }
        )
    )
    store.close()


if __name__ == "__main__":
    main()
