"""Pure fusion of the dense and lexical channels, and the "proven" prior."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from corpus.awards import TIER_RANK, AwardTier

FusionMethod = Literal["convex", "rrf"]
FUSION_METHODS: tuple[str, ...] = ("convex", "rrf")


@dataclass(frozen=True)
class FusionParams:
    """How the two channels are combined; defaults chosen on the dev set (docs/evaluation.md)."""

    method: FusionMethod = "convex"
    dense_weight: float = 0.5  # for Indonesian queries
    dense_weight_en: float = 0.8  # English queries share few words with Indonesian documents
    rrf_k: int = 60
    prior_weight: float = 0.1

    def __post_init__(self) -> None:
        if self.method not in FUSION_METHODS:
            raise ValueError(f"unknown fusion method {self.method!r}; known: "
                             f"{', '.join(FUSION_METHODS)}")
        for weight in (self.dense_weight, self.dense_weight_en):
            if not 0.0 <= weight <= 1.0:
                raise ValueError("dense weights must be within [0, 1]")
        if not self.prior_weight >= 0:  # also rejects NaN
            raise ValueError("prior_weight must be a number >= 0")
        if self.rrf_k <= 0:
            raise ValueError("rrf_k must be > 0")


def weight_for(params: FusionParams, lang: str) -> float:
    """The dense-channel weight for a query language ('id' or 'en')."""
    return params.dense_weight_en if lang == "en" else params.dense_weight


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to zeros."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    low, high = scores.min(), scores.max()
    if high - low < 1e-12:
        return np.zeros_like(scores)
    return (scores - low) / (high - low)


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score (descending; ties by position)."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.arange(1, len(order) + 1)
    return out


def rrf(rank_lists: list[np.ndarray], weights: list[float], k: int) -> np.ndarray:
    """Weighted reciprocal-rank fusion; a rank of 0 means absent from that channel."""
    total = np.zeros(len(rank_lists[0]), dtype=np.float64)
    for channel_ranks, weight in zip(rank_lists, weights, strict=True):
        present = channel_ranks > 0
        total[present] += weight / (k + channel_ranks[present])
    return total


def hybrid(dense: np.ndarray, lexical: np.ndarray, params: FusionParams, lang: str = "id",
           dense_ranks: np.ndarray | None = None,
           lexical_ranks: np.ndarray | None = None) -> np.ndarray:
    """Fused score per candidate from the two channels' scores (and ranks, for RRF)."""
    w = weight_for(params, lang)
    if params.method == "convex":
        return w * minmax(dense) + (1 - w) * minmax(lexical)
    d_ranks = ranks(dense) if dense_ranks is None else dense_ranks
    lex = np.asarray(lexical)
    l_ranks = np.where(lex > 0, ranks(lex), 0) if lexical_ranks is None else lexical_ranks
    fused = rrf([d_ranks, l_ranks], [w, 1 - w], params.rrf_k)
    # Rescale so the prior weight means the same for both methods.
    return fused * (params.rrf_k + 1)


def proven_prior(tier: AwardTier, known_replications: int) -> float:
    """Evidence that an innovation works elsewhere, in [0, 1]: award tier and replications."""
    tier_part = TIER_RANK[tier] / max(TIER_RANK.values())
    replication_part = min(known_replications, 3) / 3
    return 0.7 * tier_part + 0.3 * replication_part


def apply_prior(fused: np.ndarray, priors: np.ndarray, weight: float) -> np.ndarray:
    """Lift fused scores a little by the prior."""
    return fused + weight * np.asarray(priors, dtype=np.float64)
