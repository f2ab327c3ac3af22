"""Typed, frozen results of a recommendation query."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.schema import Innovation


@dataclass(frozen=True)
class ChannelScore:
    """One channel's raw score and 1-based rank among candidates (None: not retrieved)."""

    score: float
    rank: int | None


@dataclass(frozen=True)
class Explanation:
    """Why an innovation fits a problem, in terms a regional head can read."""

    matched_terms: tuple[str, ...]
    sector: str
    sector_label: str
    sector_match: bool
    award_tier: str
    award_label: str
    awards: tuple[str, ...]
    known_replications: int
    reasons: tuple[str, ...]  # Indonesian sentences


@dataclass(frozen=True)
class Recommendation:
    """One recommended innovation with its scores and explanation."""

    innovation: Innovation
    score: float
    dense: ChannelScore
    lexical: ChannelScore
    prior: float
    explanation: Explanation


@dataclass(frozen=True)
class RecommendationSet:
    """The answer to one problem statement: results, or an honest no-match with its reason."""

    query: str
    results: tuple[Recommendation, ...]
    no_match: bool
    reason: str | None
    confidence: float | None  # estimated probability that the corpus answers the query
    caution: bool = False  # answered, but weakly: the results may not fit well
