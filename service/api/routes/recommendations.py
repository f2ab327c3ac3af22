"""POST /v1/recommendations."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request

from corpus.demand import Demand
from corpus.store import StoreUnavailableError
from matcher.filters import Filters
from matcher.live import LiveEngine
from matcher.results import RecommendationSet
from service.api.convert import make_filters, recommendation_response
from service.api.deps import get_config, get_engine, reject_unknown_query
from service.api.errors import ApiError
from service.api.responses import READ_ERRORS, errors
from service.api.schemas import RecommendationRequest, RecommendationResponse
from service.settings import ServiceConfig

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["recommendations"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)


def check_query(text: str, k: int, config: ServiceConfig) -> None:
    """Enforce the query-length and k limits with messages that name them."""
    limits = config.limits
    if len(text) > limits.max_query_chars:
        raise ApiError(422, "query_too_long", f"text has {len(text)} characters; the limit "
                       f"is {limits.max_query_chars} (max_query_chars)")
    if k > limits.max_k:
        raise ApiError(422, "k_too_large", f"k is {k}; the limit is {limits.max_k} (max_k)")


def count_unmet(demand: Demand, answer: RecommendationSet, filters: Filters | None) -> None:
    """Count a no-match on a real problem as unmet demand (a store that cannot be written
    costs the count, never the answer)."""
    if answer.unmet_sector is None:
        return
    provinces = sorted(filters.provinces) if filters is not None else []
    try:
        demand.record(answer.unmet_sector, provinces[0] if len(provinces) == 1 else "")
    except StoreUnavailableError as exc:
        log.warning("unmet demand not counted: %s", exc)


@router.post("/recommendations", response_model=RecommendationResponse,
             responses=errors(400, 413, 415))
def recommend(request: RecommendationRequest, http: Request,
              engine: LiveEngine = Depends(get_engine),
              config: ServiceConfig = Depends(get_config)) -> RecommendationResponse:
    """Proven innovations for a region's problem statement, with reasons; or no-match."""
    check_query(request.text, request.k, config)
    filters = make_filters(request.filters, request.region)
    answer = engine.current().recommend(request.text, filters=filters, k=request.k)
    count_unmet(http.app.state.demand, answer, filters)
    return recommendation_response(answer)
