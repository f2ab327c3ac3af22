"""Request and response schemas of the HTTP API (kept apart from the domain records)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from corpus.schema import no_control_chars
from corpus.store import Replication


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    _no_control = field_validator("*")(no_control_chars)


class RegionProfile(_In):
    """Who is asking: their own region is never recommended back to them."""

    name: str | None = Field(default=None, max_length=200,
                             description="own region, e.g. 'Kabupaten Sragen'")
    province: str | None = Field(default=None, max_length=100,
                                 description="with level 'provinsi' and no name: the province "
                                             "whose own innovations are excluded")
    level: str | None = Field(default=None, max_length=40)


class FiltersIn(_In):
    """Which innovations may be recommended."""

    sectors: list[str] = Field(default_factory=list, max_length=25)
    provinces: list[str] = Field(default_factory=list, max_length=38)
    levels: list[str] = Field(default_factory=list, max_length=6)
    min_tier: str | None = Field(default=None, max_length=40)
    year_from: StrictInt | None = Field(default=None, ge=1990, le=2100)
    year_to: StrictInt | None = Field(default=None, ge=1990, le=2100)
    exclude_region: str | None = Field(default=None, max_length=200)


class RecommendationRequest(_In):
    """A problem statement and what to recommend."""

    text: str = Field(min_length=1, description="the region's problem statement")
    k: StrictInt = Field(default=10, ge=1)
    region: RegionProfile | None = None
    filters: FiltersIn = Field(default_factory=FiltersIn)


class ChannelOut(BaseModel):
    """One channel's score and rank among candidates."""

    score: float
    rank: int | None


class ChannelsOut(BaseModel):
    """Per-channel scores behind a result."""

    dense: ChannelOut
    lexical: ChannelOut
    prior: float


class ExplanationOut(BaseModel):
    """Why the innovation fits, in Indonesian."""

    matched_terms: list[str]
    sector_label: str
    sector_match: bool
    award_label: str
    reasons: list[str]
    thin: bool = Field(description="the record has too little text to judge it by")


class RecommendationOut(BaseModel):
    """One recommended innovation."""

    id: str
    title: str
    score: float = Field(description="the ranking score: the calibrated probability, or the "
                         "fused score when no relevance model is loaded")
    probability: float | None = Field(description="calibrated probability that the "
                                      "innovation answers the problem")
    match_level: str | None = Field(description="the probability in words: sangat cocok, "
                                    "cocok, lemah")
    agency: str
    region: str
    province: str
    level: str
    year: int | None
    sector: str
    award_tier: str
    awards: list[str]
    known_replications: int
    detail_level: str
    summary: str = Field(description="what it does in one line: problem -> solution")
    problem: str = Field(description="the problem it answered, short (the first sentence)")
    solution: str = Field(description="what it does, short (the first sentence)")
    channels: ChannelsOut
    explanation: ExplanationOut
    sources: list[str]


class RecommendationResponse(BaseModel):
    """Ranked innovations, or an honest no-match with its reason."""

    query: str
    no_match: bool
    reason: str | None
    confidence: float | None = Field(description="calibrated probability of the best result")
    caution: bool
    calibrated: bool = Field(description="false when no relevance model is loaded: ranked by "
                             "fusion and never withheld")
    results: list[RecommendationOut]


class InnovationOut(BaseModel):
    """A stored innovation with its derived award tier."""

    id: str
    title: str
    acronym_expansion: str
    agency: str
    region: str
    province: str
    level: str
    year: int | None
    awards: list[str]
    award_tier: str
    sector: str
    problem: str
    solution: str
    outcome: str
    sources: list[str]
    detail_level: str
    known_replications: int = Field(description="replications known from the sources (stored)")
    recorded_replications: int = Field(
        default=0, description="regions with an MoU or implementation in /v1/replications")
    total_replications: int = Field(
        default=0, description="what the ranking and explanations use: the sum of both")


class InnovationPage(BaseModel):
    """A page of innovations."""

    items: list[InnovationOut]
    total: int
    page: int
    page_size: int


class InnovationDetail(InnovationOut):
    """An innovation with its replication records."""

    replications: list[Replication]


class WriteOut(BaseModel):
    """What a write changed."""

    created: list[str]
    updated: list[str]
    deleted: list[str]


class ReplicationPage(BaseModel):
    """A page of replication records."""

    items: list[Replication]
    total: int
    page: int
    page_size: int


class StatsOut(BaseModel):
    """Counts for the portal's dashboards."""

    innovations: int
    by_sector: dict[str, int]
    by_province: dict[str, int]
    by_award_tier: dict[str, int]
    replications: int = Field(description="known replications, one per innovation, region "
                                          "and stage: named by the catalogue's sources or "
                                          "recorded in /v1/replications")
    replications_from_sources: int = Field(description="of those, named by the sources")
    replications_by_stage: dict[str, int]
    interests: dict[str, int] = Field(description="public statements of interest: "
                                      "'unconfirmed' and 'confirmed' (then also counted "
                                      "among replications at stage 'interest')")

