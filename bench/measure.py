"""Measuring a whole command: wall time and the peak resident memory of its process.

Uses ``os.wait4`` so the operating system's own accounting gives the peak RSS of exactly the
process measured (DuckDB's threads live in that process).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass


@dataclass
class Run:
    wall_s: float
    peak_rss_mb: float
    exit_code: int


def run_once(cmd: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to completion, output discarded; wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return Run(wall_s=wall, peak_rss_mb=usage.ru_maxrss / 1024.0, exit_code=proc.returncode)


def median(values: list[float]) -> float:
    return statistics.median(values)
