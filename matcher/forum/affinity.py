"""Affinity of each (region, innovator) pair from the engine's relevance, with its reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matcher.engine import Recommender
from matcher.forum.model import Pair

# An innovation is admissible for a statement only if it ranks this high for it and its
# affinity is at least this share of the scale (the best candidate scores about 1).
ADMISSIBLE_RANK = 30
MIN_AFFINITY = 0.5


@dataclass(frozen=True)
class Scored:
    """A pair's affinity in [0, 1], the statement that earned it and why."""

    affinity: float
    statement: str
    explanation: str


def statement_scores(rec: Recommender, statement: str, depth: int = ADMISSIBLE_RANK
                     ) -> dict[str, tuple[float, str]]:
    """Affinity and reason of the innovations ranked within `depth` for one statement.

    Empty when the engine calls the statement a no-match: nothing is admissible for it.
    """
    answer = rec.recommend(statement, k=depth)
    if answer.no_match:
        return {}
    # Fused scores lie in [0, 1 + prior_weight]; rescale so affinities stay within [0, 1].
    scale = 1.0 + rec.fusion.prior_weight
    scores = {r.innovation.id: (min(1.0, r.score / scale), " ".join(r.explanation.reasons))
              for r in answer.results}
    return {i: s for i, s in scores.items() if s[0] >= MIN_AFFINITY}


def pair_affinities(rec: Recommender, statements: Mapping[str, Sequence[str]],
                    innovations: Mapping[str, str], depth: int = ADMISSIBLE_RANK
                    ) -> dict[Pair, Scored]:
    """Best-statement affinity per admissible (region_id, innovator_id) pair.

    `statements` maps region ids to their problem statements; `innovations` maps innovator
    ids to innovation ids in the recommender's corpus.
    """
    out: dict[Pair, Scored] = {}
    rec.warm([t for ts in statements.values() for t in ts])
    for region_id, region_statements in statements.items():
        for statement in region_statements:
            scores = statement_scores(rec, statement, depth)
            for innovator_id, innovation_id in innovations.items():
                if innovation_id not in scores:
                    continue
                value, reason = scores[innovation_id]
                key = (region_id, innovator_id)
                if key not in out or value > out[key].affinity:
                    out[key] = Scored(value, statement, reason)
    return out


__all__ = ["Scored", "pair_affinities", "statement_scores"]
