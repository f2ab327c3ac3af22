"""/v1/replications: who adopted which innovation, when, and how far they got."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from corpus.store import Replication, ReplicationIn, Stage, UnknownInnovationError
from matcher.live import LiveEngine
from service.api.deps import get_config, get_engine, require_api_key
from service.api.errors import ApiError
from service.api.routes.innovations import page_size_for
from service.api.schemas import ReplicationPage
from service.settings import ServiceConfig

router = APIRouter(prefix="/v1/replications", tags=["replications"])


@router.post("", response_model=Replication, status_code=201,
             dependencies=[Depends(require_api_key)])
def add_replication(record: ReplicationIn, engine: LiveEngine = Depends(get_engine)
                    ) -> Replication:
    """Record a replication; MoU-signed and implemented ones count as known replications."""
    try:
        return engine.write(lambda store: store.add_replication(record))
    except UnknownInnovationError:
        raise ApiError(404, "unknown_innovation",
                       f"no innovation with id {record.innovation_id!r}") from None


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
