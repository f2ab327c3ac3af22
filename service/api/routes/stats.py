"""GET /v1/stats, /healthz and /readyz."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from corpus.adoption import FROM_SOURCES, adoptions
from corpus.store import StoreUnavailableError
from matcher.live import LiveEngine
from service.api.deps import get_engine, reject_unknown_query
from service.api.responses import READ_ERRORS
from service.api.schemas import StatsOut

router = APIRouter(tags=["stats"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)


@router.get("/v1/stats", response_model=StatsOut)
def stats(request: Request, engine: LiveEngine = Depends(get_engine)) -> StatsOut:
    """Counts by sector, province, award tier and replication stage."""
    corpus = engine.current().corpus
    facts = corpus.facts.values()
    replications = adoptions(facts, engine.store.replications())
    return StatsOut(
        innovations=len(corpus),
        by_sector=dict(Counter(f.sector for f in facts).most_common()),
        by_province=dict(Counter(f.province or "(nasional)" for f in facts).most_common()),
        by_award_tier=dict(Counter(f.award_tier.value for f in facts).most_common()),
        replications=len(replications),
        replications_from_sources=sum(r.origin == FROM_SOURCES for r in replications),
        replications_by_stage=dict(Counter(r.stage for r in replications).most_common()),
        interests=request.app.state.interests.counts())


class HealthOut(BaseModel):
    """The process answers."""

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """The state reflects the store's last write."""

    status: Literal["ready"]
    innovations: int
    generation: int
    corpus_hash: str
    model: str


class NotReadyOut(BaseModel):
    """Why the server should not receive traffic yet."""

    status: Literal["not ready"]
    generation: int
    reason: str


@router.get("/healthz", response_model=HealthOut)
async def healthz() -> dict[str, str]:
    """The process is alive (answered on the event loop: never waits for work)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={
    503: {"model": NotReadyOut, "description": "behind the store, or the store cannot be "
                                               "written"}})
def readyz(engine: LiveEngine = Depends(get_engine)) -> JSONResponse:
    """The index is loaded and reflects the store's last write (a replica catches up with
    other processes' writes first, so it never stays behind unqueried)."""
    rec = engine.current()
    try:
        engine.store.check_writable()
    except StoreUnavailableError as exc:
        return JSONResponse({"status": "not ready", "generation": engine.generation,
                             "reason": str(exc)}, status_code=503)
    if engine.ready():
        return JSONResponse({"status": "ready", "innovations": len(rec.index),
                             "generation": engine.generation,
                             "corpus_hash": rec.index.corpus_hash,
                             "model": rec.index.manifest.model})
    return JSONResponse({"status": "not ready", "generation": engine.generation,
                         "reason": "the index is behind the store"}, status_code=503)
