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
    thin: bool = False  # the record has too little text to judge it by


@dataclass(frozen=True)
class Recommendation:
    """One recommended innovation with its scores and explanation."""

    innovation: Innovation
    score: float
    dense: ChannelScore
    lexical: ChannelScore
    prior: float
    explanation: Explanation
    probability: float | None = None  # calibrated P(it answers the problem); None: uncalibrated
    level: str | None = None  # the probability in words: "sangat cocok", "cocok", "lemah"


@dataclass(frozen=True)
class RecommendationSet:
    """The answer to one problem statement: results, or an honest no-match with its reason."""

    query: str
    results: tuple[Recommendation, ...]
    no_match: bool
    reason: str | None
    confidence: float | None  # calibrated probability of the best result (None: uncalibrated)
    caution: bool = False  # answered, but weakly: the results may not fit well
    calibrated: bool = True  # False: no relevance model, ranked by fusion, never withheld
    # A no-match on a real problem statement (not nonsense, not off-domain): the sector it
    # reads as, so unmet demand can be counted without keeping the text.
    unmet_sector: str | None = None
