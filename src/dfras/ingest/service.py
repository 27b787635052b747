"""The ingestion entry the faces call: many files, each its own atomic batch, then the fact.

Files are taken master data first (clients, warehouses, drivers), then orders, then the logs,
so references resolve whatever order the user named them in. A file refused as a whole does not
stop the others; the report says which were refused and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from dfras.alerts.rules import NO_RULES, list_rules
from dfras.domain.errors import FileRejected
from dfras.fact import service as fact_service
from dfras.ingest.batch import BatchResult, load_file
from dfras.ingest.detect import expand_paths, inspect_file, recognise_domain
from dfras.ingest.identity import file_digest
from dfras.ingest.mapping import Mapping
from dfras.ingest.read_ahead import ReadAhead
from dfras.orders import lookups
from dfras.store.base import Store
from dfras.store.progress import watching

#: ``progress(stage, done, total, unit)``: how far an import has come. ``unit`` is ``bytes``
#: while the files are imported (``stage`` names the file; the share of a file done moves
#: while its batch runs, see :mod:`dfras.store.progress`), then ``percent`` of each stage
#: after them (the fact, moving as its steps run; the causes, summaries, patterns, alerts).
Progress = Callable[[str, int, int, str], None]


@dataclass
class IngestReport:
    """The outcome of one ``dfras ingest`` run."""

    batches: list[BatchResult] = field(default_factory=list)
    fact_seconds: float | None = None
    causes_seconds: float | None = None
    summaries_seconds: float | None = None
    patterns_seconds: float | None = None
    #: the post-import alert evaluation (an EvaluationReport), or why it did not run
    alerts: Any = None
    seconds: float = 0.0

    @property
    def rejected(self) -> list[BatchResult]:
        return [b for b in self.batches if b.status == "rejected"]

    @property
    def rows_quarantined(self) -> int:
        return sum(b.rows_quarantined for b in self.batches)


def _load_order(path: Path, mapping: Mapping | None) -> tuple[int, str]:
    try:
        forced = mapping.domain_for_file(path) if mapping else None
        return (recognise_domain(inspect_file(path), forced).load_order, path.name)
    except FileRejected:
        return (9, path.name)


def is_data_file(path: Path) -> bool:
    """Files the generator writes beside the data (truth.json, truth_orders.csv) are not data."""
    return not path.name.lower().startswith(("truth", ".", "_"))


def _load_one(
    store: Store,
    path: Path,
    report: IngestReport,
    *,
    mapping: Mapping | None,
    domain: str | None,
    digest: Future[str],
    on_landed: Callable[[], None] | None = None,
) -> None:
    """Load one file into ``report``: a file refused as a whole is recorded, not raised."""
    try:
        report.batches.append(
            load_file(
                store,
                path,
                mapping=mapping,
                domain_hint=domain,
                digest=digest,
                on_landed=on_landed,
            )
        )
    except FileRejected as exc:
        report.batches.append(
            BatchResult(
                source_file=str(path),
                domain=None,
                status="rejected",
                error=exc.message,
                hint=exc.hint,
            )
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # its load says why
        return 0


def _file_share(
    progress: Progress, name: str, before: int, size: int, total: int, share: float
) -> None:
    """A file's import as bytes: ``before`` of ``total`` were done before it, and ``share`` of
    its ``size``."""
    progress(name, before + int(size * share), total, "bytes")


def _stage(progress: Progress | None, stage: str) -> Callable[[float, int], None] | None:
    """A callback for a stage built in steps (``done`` of ``steps``), reported in percent."""
    if progress is None:
        return None
    return lambda done, steps: progress(stage, round(100 * done / max(steps, 1)), 100, "percent")


def _step(progress: Progress | None, stage: str) -> None:
    """The start of a stage that reports nothing more until it ends."""
    if progress is not None:
        progress(stage, 0, 100, "percent")


def _alert_rules_enabled(store: Store) -> bool:
    """Whether an alert rule is enabled: asked before the evaluation code (statistics, numpy:
    about 0.1 s to load) is loaded, which an import into a store without rules never needs."""
    try:
        return bool(list_rules(store, enabled_only=True))
    except Exception:  # the evaluation reports the problem (it never fails an import)
        return True


def ingest_paths(
    store: Store,
    paths: list[Path],
    *,
    mapping: Mapping | None = None,
    domain: str | None = None,
    progress: Progress | None = None,
    causes: bool = True,
    alerts: bool = True,
) -> IngestReport:
    """Import every file under ``paths``, then bring the delivery fact up to date, and the
    per-order causes, daily summaries, outcome series and pattern scan too unless ``causes``
    is False (they are then recomputed on first use); then evaluate the alert rules
    (``alerts``), whose failures never fail the import."""
    started = time.perf_counter()
    lookups.drop(store)  # a bulk load does not maintain serving indexes row by row
    files = [p for p in expand_paths(paths) if is_data_file(p) or p in paths]
    files.sort(key=lambda p: _load_order(p, mapping))
    report = IngestReport()
    # the files' digests are computed on a thread of their own, ahead of the loads they
    # identify: hashing then overlaps the engine's work instead of preceding it
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dfras-digest")
    digests = [hasher.submit(file_digest, path) for path in files]
    ahead = ReadAhead(store, files, digests, mapping=mapping, domain=domain)
    ahead.start()
    sizes = [_size(path) for path in files]
    total, done = sum(sizes), 0
    try:
        for i, path in enumerate(files):
            on_share = None
            if progress is not None:
                on_share = partial(_file_share, progress, path.name, done, sizes[i], total)
            with watching(store, on_share):
                _load_one(
                    store,
                    path,
                    report,
                    mapping=mapping,
                    domain=domain,
                    digest=digests[i],
                    on_landed=partial(ahead.landed, i),
                )
            done += sizes[i]
    finally:
        hasher.shutdown(cancel_futures=True)
    if progress:
        progress("imported the files", total, total, "bytes")
    if not fact_service.is_current(store):
        report.fact_seconds = fact_service.refresh(
            store, _stage(progress, "building the delivery fact")
        )
    if causes:
        from dfras.causes import service as causes_service

        if not causes_service.is_current(store):
            _step(progress, "finding each order's cause")
            report.causes_seconds = causes_service.refresh(store)
    if causes:
        from dfras.summaries import service as summaries_service

        if not summaries_service.is_current(store):
            _step(progress, "refreshing the daily summaries")
            report.summaries_seconds = summaries_service.refresh(store)
        from dfras.patterns import service as patterns_service

        if not patterns_service.is_current(store):
            _step(progress, "scanning for anomalies and patterns")
            began = time.perf_counter()
            patterns_service.scan(store)
            report.patterns_seconds = time.perf_counter() - began
    if alerts and any(b.status == "committed" for b in report.batches):
        if not _alert_rules_enabled(store):
            report.alerts = NO_RULES
        else:
            from dfras.alerts import service as alerts_service

            _step(progress, "evaluating alert rules")
            report.alerts = alerts_service.after_import(store)
    if progress:
        progress("imported", 100, 100, "percent")
    report.seconds = time.perf_counter() - started
    return report
