"""Background jobs (imports, explanations): queued, running, succeeded or failed, with progress.

Jobs live in the server process (a restart forgets them; the work they did is in the store).
Imports run one at a time (they write); explanations run on their own worker, so a long
import does not hold up an explanation whose data is already there.
"""

from __future__ import annotations

import contextvars
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dfras.domain.errors import DfrasError, NotFound

#: Finished jobs kept for GET before the oldest is forgotten.
KEEP_JOBS = 500


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One piece of background work and what became of it."""

    id: str
    kind: str
    status: str = "queued"  # queued | running | succeeded | failed
    stage: str | None = None
    done: int = 0
    total: int = 0
    #: what ``done`` and ``total`` count (an import: ``bytes`` of its files, then ``percent``)
    unit: str | None = None
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    #: whose job it is: another tenant cannot see it (not part of the job's JSON)
    tenant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": {
                "stage": self.stage,
                "done": self.done,
                "total": self.total,
                "unit": self.unit,
            },
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "result": self.result,
            "error": self.error,
        }


Work = Callable[[Job], Any]


class JobQueue:
    """Runs work in the background, one worker per lane."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._lanes = {
            "write": ThreadPoolExecutor(1, thread_name_prefix="dfras-write"),
            "compute": ThreadPoolExecutor(1, thread_name_prefix="dfras-compute"),
        }

    def submit(self, kind: str, work: Work, *, lane: str = "compute") -> Job:
        from dfras.service.runtime import REQUEST_TENANT

        job = Job(id=uuid.uuid4().hex, kind=kind, tenant=REQUEST_TENANT.get())
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].status in ("queued", "running"):
                    break
                self._jobs.pop(oldest)
        # the job runs in the submitting request's context: its tenant, nobody else's
        self._lanes[lane].submit(contextvars.copy_context().run, self._run, job, work)
        return job

    def _run(self, job: Job, work: Work) -> None:
        job.status, job.started_at = "running", _now()
        try:
            job.result = work(job)
            job.status = "succeeded"
        except DfrasError as exc:
            job.status = "failed"
            job.error = {
                "title": "The job could not finish",
                "detail": exc.message,
                "hint": exc.hint,
            }
        except Exception as exc:  # reported on the job; the server keeps running
            job.status = "failed"
            job.error = {
                "title": "Internal error",
                "detail": f"{type(exc).__name__}: {exc}",
                "hint": "see the server log for the request id",
            }
        finally:
            job.finished_at = _now()

    def get(self, job_id: str, kind: str | None = None) -> Job:
        from dfras.service.runtime import REQUEST_TENANT

        job = self._jobs.get(job_id)
        if job is not None and job.tenant != REQUEST_TENANT.get():
            job = None  # another tenant's job does not exist for this caller
        if job is None or (kind is not None and job.kind != kind):
            raise NotFound(
                f"no {kind or 'job'} {job_id!r}",
                hint="jobs are kept in memory until the server restarts; start it again",
            )
        return job

    def running(self) -> int:
        return sum(1 for j in list(self._jobs.values()) if j.status in ("queued", "running"))

    def shutdown(self) -> None:
        for lane in self._lanes.values():
            lane.shutdown(wait=False, cancel_futures=True)
