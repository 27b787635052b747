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
from pathlib import Path


@dataclass
class Run:
    wall_s: float
    peak_rss_mb: float
    exit_code: int
    cpu_s: float = 0.0  # user + system CPU seconds of the process (a loaded machine's check)


def run_once(
    cmd: list[str], *, env: dict[str, str] | None = None, stdout: Path | None = None
) -> Run:
    """Run ``cmd`` to completion, output discarded (or written to ``stdout``); wall seconds and
    peak RSS in MB. Data the runs before it wrote is flushed to disk first, so that the disk
    syncs this run makes (a store's commits and close) do not wait behind their write-back."""
    os.sync()
    started = time.perf_counter()
    sink = stdout.open("wb") if stdout is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, stdout=sink, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace")
    if stdout is not None:
        sink.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return Run(
        wall_s=wall,
        peak_rss_mb=usage.ru_maxrss / 1024.0,
        exit_code=proc.returncode,
        cpu_s=usage.ru_utime + usage.ru_stime,
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_tree(cmd: list[str], *, env: dict[str, str] | None = None, every_s: float = 0.2) -> Run:
    """Like :func:`run_once`, but the peak is of the whole process tree's summed RSS, sampled
    from /proc every ``every_s`` seconds: a PySpark driver's JVM is a child process that
    ``os.wait4`` on the Python process does not count. Output is kept in ``Run``'s stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    peak = 0
    while proc.poll() is None:
        tree, todo = 0, [proc.pid]
        while todo:
            pid = todo.pop()
            tree += _rss_kb(pid)
            todo += _children(pid)
        peak = max(peak, tree)
        time.sleep(every_s)
    wall = time.perf_counter() - started
    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {out[-2000:]}")
    run = Run(wall_s=wall, peak_rss_mb=peak / 1024.0, exit_code=proc.returncode)
    run.stdout = out  # type: ignore[attr-defined]
    return run
