"""Imports over HTTP: upload the files, the import runs in the background, poll its job."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from fastapi.responses import Response

from dfras.auth.roles import Permission
from dfras.domain.errors import UserError
from dfras.ingest import uploads
from dfras.service.jobs import Job as JobState
from dfras.service.models import Job, JsonObject
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, job_response, runtime

router = APIRouter(tags=["imports"])

Domain = Literal[
    "orders",
    "clients",
    "warehouses",
    "drivers",
    "warehouse_logs",
    "fleet_logs",
    "external_factors",
    "feedback",
]


@router.post(
    "/imports",
    status_code=202,
    response_model=Job,
    responses=problem_responses(400, 413, 422, 503),
)
async def start_import(
    files: Annotated[list[UploadFile], File(description="CSV or Parquet files of any domains")],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.IMPORT_DATA.value))],
    domain: Annotated[Domain | None, Form()] = None,
    defer_causes: Annotated[bool, Form()] = False,
) -> Response:
    """Upload files (multipart, field ``files``, repeated); they are imported in the
    background, one batch per file; poll ``GET /imports/{job_id}`` for progress, and the
    batches and the quality report once done."""
    if len(files) > uploads.MAX_FILES:
        raise UserError(
            f"{len(files)} files in one import; at most {uploads.MAX_FILES}",
            hint="split the upload into several imports",
        )
    folder = uploads.upload_dir(rt.location)
    for i, upload in enumerate(files):
        target = folder / f"{i:02d}" / uploads.safe_name(upload.filename, i)
        target.parent.mkdir()
        with target.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                out.write(chunk)

    def work(job: JobState) -> Any:
        def progress(name: str, done: int, total: int, unit: str) -> None:
            job.stage, job.done, job.total, job.unit = name, done, total, unit

        job.stage = "waiting for the store"
        result = rt.write(
            lambda s: uploads.import_folder(
                s, folder, domain=domain, causes=not defer_causes, progress=progress
            )
        )
        job.stage = "done"
        return result

    return job_response(rt.jobs.submit("import", work, lane="write"), 202)


@router.get("/imports", response_model=list[JsonObject], responses=problem_responses(503))
async def imports(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.IMPORT_DATA.value))],
) -> Response:
    """The latest committed import batches (one per file), newest first."""
    return await rt.answer("imports", {}, lambda s: uploads.recent_batches(s))


@router.get("/imports/{job_id}", response_model=Job, responses=problem_responses(404, 422))
def import_job(
    job_id: Annotated[str, Path(min_length=1, max_length=64)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.IMPORT_DATA.value))],
) -> Response:
    """An import job: progress while it runs; the batches and quality report when done."""
    return job_response(rt.jobs.get(job_id, "import"), 200)
