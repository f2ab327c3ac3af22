"""Conversions between domain objects and API schemas (shared by API and web pages)."""

from __future__ import annotations

from corpus.schema import Innovation
from matcher.filters import Filters
from matcher.results import RecommendationSet
from service.api.errors import ApiError
from service.api.schemas import (
    FiltersIn,
    InnovationOut,
    RecommendationOut,
    RecommendationResponse,
    RegionProfile,
)
from service.render import recommendation_dict


def make_filters(filters: FiltersIn, region: RegionProfile | None = None) -> Filters:
    """Domain filters from the request; a bad value is a 422 naming it.

    The asker's own region is excluded: by name, or, for a province government that gives
    only its province, by the province.
    """
    exclude = filters.exclude_region
    if not exclude and region is not None:
        provincial = (region.level or "").strip().lower() == "provinsi"
        exclude = region.name or (region.province if provincial else None)
    try:
        return Filters.create(sectors=filters.sectors, provinces=filters.provinces,
                              levels=filters.levels, min_tier=filters.min_tier,
                              year_from=filters.year_from, year_to=filters.year_to,
                              exclude_region=exclude)
    except ValueError as exc:
        raise ApiError(422, "invalid_filter", str(exc)) from None


def recommendation_response(answer: RecommendationSet) -> RecommendationResponse:
    """The API response for an answer."""
    return RecommendationResponse(
        query=answer.query, no_match=answer.no_match, reason=answer.reason,
        confidence=answer.confidence, caution=answer.caution, calibrated=answer.calibrated,
        results=[RecommendationOut.model_validate(recommendation_dict(r))
                 for r in answer.results])


# Fields that GET answers but that are derived, so a client may send them back unchanged.
READ_ONLY_FIELDS = ("award_tier", "recorded_replications", "total_replications",
                    "replications")


def innovation_out(item: Innovation, total_replications: int) -> InnovationOut:
    """The API form of an innovation, with its recorded and total replications."""
    return InnovationOut.model_validate({
        **item.model_dump(mode="json"), "award_tier": item.award_tier.value,
        "recorded_replications": total_replications - item.known_replications,
        "total_replications": total_replications})


def without_read_only(row: dict) -> dict:
    """A submitted innovation minus the derived fields GET adds."""
    return {k: v for k, v in row.items() if k not in READ_ONLY_FIELDS}
