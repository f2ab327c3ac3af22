"""GET /v1/stats, /healthz and /readyz."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from corpus.store import StoreUnavailableError
from matcher.live import LiveEngine
from service.api.deps import get_engine, reject_unknown_query
from service.api.schemas import StatsOut

router = APIRouter(tags=["stats"],
                   dependencies=[Depends(reject_unknown_query)])


@router.get("/v1/stats", response_model=StatsOut)
def stats(engine: LiveEngine = Depends(get_engine)) -> StatsOut:
    """Counts by sector, province, award tier and replication stage."""
    corpus = engine.current().corpus
    replications = engine.store.replications()
    return StatsOut(
        innovations=len(corpus),
        by_sector=dict(Counter(r.sector for r in corpus).most_common()),
        by_province=dict(Counter(r.province or "(nasional)" for r in corpus).most_common()),
        by_award_tier=dict(Counter(r.award_tier.value for r in corpus).most_common()),
        replications=len(replications),
        replications_by_stage=dict(Counter(r.stage.value for r in replications).most_common()))


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
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
