"""Time the simulation in one process: fit, then 10,000 runs of a month (scenario only, and
scenario + baseline), printed as JSON. Used by ``bench/run.py simulate``.

Usage: python bench/simulate.py STORE RUNS
"""

from __future__ import annotations

import json
import sys
import time

from dfras.simulate.engine import base_spec, simulate_runs
from dfras.simulate.model import fit_model
from dfras.store import open_store


def main() -> None:
    store = open_store(sys.argv[1], read_only=True)
    runs = int(sys.argv[2])
    t = time.perf_counter()
    model = fit_model(store)
    fit_s = time.perf_counter() - t
    spec = base_spec(model, model.cutoff, 30)
    t, c = time.perf_counter(), time.process_time()
    r = simulate_runs(model, spec, runs=runs, seed=1)
    engine_s, engine_cpu_s = time.perf_counter() - t, time.process_time() - c
    print(
        json.dumps(
            {
                "fit_s": fit_s,
                "engine_s": engine_s,
                "engine_cpu_s": engine_cpu_s,
                "month_orders_mean": float(r.total[:, 0].mean()),
                "cells": len(spec.cell_unit),
                "warehouses": len(model.warehouses),
            }
        )
    )


if __name__ == "__main__":
    main()
