"""POST /v1/recommendations."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from matcher.live import LiveEngine
from service.api.convert import make_filters, recommendation_response
from service.api.deps import get_config, get_engine, reject_unknown_query
from service.api.errors import ApiError
from service.api.responses import READ_ERRORS, errors
from service.api.schemas import RecommendationRequest, RecommendationResponse
from service.settings import ServiceConfig

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


@router.post("/recommendations", response_model=RecommendationResponse,
             responses=errors(400, 413, 415))
def recommend(request: RecommendationRequest, engine: LiveEngine = Depends(get_engine),
              config: ServiceConfig = Depends(get_config)) -> RecommendationResponse:
    """Proven innovations for a region's problem statement, with reasons; or no-match."""
    check_query(request.text, request.k, config)
    filters = make_filters(request.filters, request.region)
    answer = engine.current().recommend(request.text, filters=filters, k=request.k)
    return recommendation_response(answer)
