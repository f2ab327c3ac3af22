"""/v1/replications: who adopted which innovation, when, and how far they got."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from corpus.store import (
    DuplicateReplicationError,
    Replication,
    ReplicationIn,
    Stage,
    UnknownInnovationError,
    UnknownReplicationError,
)
from matcher.live import LiveEngine
from service.api.deps import get_config, get_engine, reject_unknown_query, require_api_key
from service.api.errors import ApiError
from service.api.responses import READ_ERRORS, WRITE_ERRORS, errors
from service.api.routes.innovations import page_size_for
from service.api.schemas import ReplicationPage
from service.settings import ServiceConfig

ReplicationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a replication's id")]

router = APIRouter(prefix="/v1/replications", tags=["replications"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)


@router.post("", response_model=Replication, status_code=201,
             dependencies=[Depends(require_api_key)],
             responses=WRITE_ERRORS | errors(404, 409))
def add_replication(record: ReplicationIn, engine: LiveEngine = Depends(get_engine)
                    ) -> Replication:
    """Record a replication; MoU-signed and implemented ones count as known replications."""
    try:
        return engine.write(lambda store: store.add_replication(record))
    except UnknownInnovationError:
        raise ApiError(404, "unknown_innovation",
                       f"no innovation with id {record.innovation_id!r}") from None
    except DuplicateReplicationError as exc:
        raise _conflict(exc) from None


def _conflict(exc: DuplicateReplicationError) -> ApiError:
    return ApiError(409, "duplicate_replication", str(exc),
                    [{"field": "existing", "message": f"replication {exc.existing.id}",
                      "existing": exc.existing.model_dump(mode="json")}])


def _unknown(replication_id: int) -> ApiError:
    return ApiError(404, "unknown_replication", f"no replication with id {replication_id}")


@router.get("/{replication_id}", response_model=Replication, responses=errors(404))
def get_replication(replication_id: ReplicationId, engine: LiveEngine = Depends(get_engine)
                    ) -> Replication:
    """One replication record."""
    found = engine.store.replication(replication_id)
    if found is None:
        raise _unknown(replication_id)
    return found


@router.put("/{replication_id}", response_model=Replication,
            dependencies=[Depends(require_api_key)],
            responses=WRITE_ERRORS | errors(404, 409))
def replace_replication(replication_id: ReplicationId, record: ReplicationIn,
                        engine: LiveEngine = Depends(get_engine)) -> Replication:
    """Correct a replication record."""
    try:
        return engine.write(lambda store: store.replace_replication(replication_id, record))
    except UnknownReplicationError:
        raise _unknown(replication_id) from None
    except UnknownInnovationError:
        raise ApiError(404, "unknown_innovation",
                       f"no innovation with id {record.innovation_id!r}") from None
    except DuplicateReplicationError as exc:
        raise _conflict(exc) from None


@router.delete("/{replication_id}", status_code=204, dependencies=[Depends(require_api_key)],
               responses=errors(401, 403, 404, 503))
def delete_replication(replication_id: ReplicationId, engine: LiveEngine = Depends(get_engine)
                       ) -> Response:
    """Remove a replication record recorded in error."""
    try:
        engine.write(lambda store: store.delete_replication(replication_id))
    except UnknownReplicationError:
        raise _unknown(replication_id) from None
    return Response(status_code=204)


@router.get("", response_model=ReplicationPage)
def list_replications(innovation_id: str | None = None, stage: Stage | None = None,
                      page: int = Query(default=1, ge=1),
                      page_size: int | None = Query(default=None, ge=1),
                      engine: LiveEngine = Depends(get_engine),
                      config: ServiceConfig = Depends(get_config)) -> ReplicationPage:
    """Replication records, newest first (50 per page by default)."""
    page_size = page_size_for(page_size, 50, config)
    items = engine.store.replications(innovation_id)
    if stage is not None:
        items = [r for r in items if r.stage == stage]
    start = (page - 1) * page_size
    return ReplicationPage(items=items[start:start + page_size], total=len(items), page=page,
                           page_size=page_size)
