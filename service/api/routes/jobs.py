"""GET /v1/jobs/{id}: how far a bulk upload has come."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from corpus.jobs import DONE, Job
from matcher.live import LiveEngine
from service.api.deps import get_engine, reject_unknown_query
from service.api.errors import ApiError
from service.api.responses import READ_ERRORS, errors

router = APIRouter(prefix="/v1/jobs", tags=["jobs"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)


class JobOut(BaseModel):
    """A bulk upload stored in the background."""

    id: str
    status: str = Field(description="queued, running, indexing (every row stored; this "
                                    "server's index is still taking the last batch in), "
                                    "done (stored and searchable here) or failed")
    total: int = Field(description="innovations in the upload")
    done: int = Field(description="innovations stored so far")
    created: int
    updated: int
    error: str = Field(description="why it failed ('' unless failed)")
    created_at: str
    updated_at: str
    status_url: str


def job_out(job: Job, generation: int) -> JobOut:
    """The answer for one job, seen from an engine at `generation`: a job is done for a
    client once what it stored can be found, not merely once it is committed."""
    status = job.status
    if status == DONE and generation < job.generation:
        status = "indexing"
    fields = {k: v for k, v in vars(job).items() if k != "generation"}
    return JobOut(**fields | {"status": status}, status_url=f"/v1/jobs/{job.id}")


@router.get("/{job_id}", response_model=JobOut, responses=errors(404))
def get_job(job_id: Annotated[str, Path(max_length=64)], request: Request,
            engine: LiveEngine = Depends(get_engine)) -> JobOut:
    """Progress of a bulk upload."""
    job = request.app.state.jobs.jobs.get(job_id)
    if job is None:
        raise ApiError(404, "unknown_job", f"no job with id {job_id!r}")
    return job_out(job, engine.snapshot().generation)
