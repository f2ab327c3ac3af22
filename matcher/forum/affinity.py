"""Affinity of each (region, innovator) pair from the engine's relevance, with its reasons."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from matcher.engine import Recommender
from matcher.forum.model import Pair

# Innovations ranked this deep for a statement are scored; deeper ones are never admissible.
ADMISSIBLE_RANK = 30


class UncalibratedError(ValueError):
    """Forum affinities need a relevance model: scores must mean the same in every region."""


@dataclass(frozen=True)
class Scored:
    """A pair's affinity (the calibrated probability), the statement that earned it and why."""

    affinity: float
    statement: str
    explanation: str


def statement_scores(rec: Recommender, statement: str, depth: int = ADMISSIBLE_RANK
                     ) -> dict[str, tuple[float, str]]:
    """Calibrated probability and reason of the admissible innovations for one statement.

    Admissible: ranked within `depth` and at or above the no-match threshold, so a pair's
    affinity is the same whatever the other regions wrote. Empty for a no-match statement.
    """
    if rec.relevance is None:
        raise UncalibratedError(
            f"forum planning needs a relevance model for {rec.embedder.name!r} (affinities "
            "must be comparable across regions); fit one with 'replika relevance fit'")
    answer = rec.recommend(statement, k=depth)
    if answer.no_match:
        return {}
    threshold = rec.relevance.manifest.threshold
    return {r.innovation.id: (float(r.probability), " ".join(r.explanation.reasons))
            for r in answer.results if r.probability is not None
            and r.probability >= threshold}


class PlanningStopped(RuntimeError):
    """Planning was stopped (its deadline passed, or the caller went away)."""


WARM_BATCH = 32  # statements encoded together between checks of `stop`


def pair_affinities(rec: Recommender, statements: Mapping[str, Sequence[str]],
                    innovations: Mapping[str, str], depth: int = ADMISSIBLE_RANK, *,
                    stop: Callable[[], str | None] = lambda: None) -> dict[Pair, Scored]:
    """Best-statement affinity per admissible (region_id, innovator_id) pair.

    `statements` maps region ids to their problem statements; `innovations` maps innovator
    ids to innovation ids in the recommender's corpus. `stop` is asked between statements;
    a reason it returns raises PlanningStopped saying how far scoring got.
    """
    out: dict[Pair, Scored] = {}
    flat = [t for ts in statements.values() for t in ts]
    done = 0
    for region_id, region_statements in statements.items():
        for statement in region_statements:
            reason = stop()
            if reason:
                raise PlanningStopped(f"{reason}: scored {done} of {len(flat)} problem "
                                      "statements")
            if done % WARM_BATCH == 0:
                rec.warm(flat[done:done + WARM_BATCH])
            done += 1
            scores = statement_scores(rec, statement, depth)
            for innovator_id, innovation_id in innovations.items():
                if innovation_id not in scores:
                    continue
                value, reason = scores[innovation_id]
                key = (region_id, innovator_id)
                if key not in out or value > out[key].affinity:
                    out[key] = Scored(value, statement, reason)
    return out


FORCED_NOTE = "dipaksa panitia: di bawah ambang kecocokan"


def forced_affinities(rec: Recommender, statements: Mapping[str, Sequence[str]],
                      pairs: Mapping[Pair, str], *,
                      stop: Callable[[], str | None] = lambda: None) -> dict[Pair, Scored]:
    """Probability of pairs an organiser requires although they are not admissible: the best
    calibrated probability over the region's statements, however deep the innovation ranks.

    `pairs` maps (region_id, innovator_id) to the innovator's innovation id; `stop` is asked
    before each statement, as in pair_affinities."""
    out = {}
    for (region_id, innovator_id), innovation_id in pairs.items():
        best = (0.0, statements[region_id][0])
        for text in statements[region_id]:
            reason = stop()
            if reason:
                raise PlanningStopped(f"{reason}: scoring the organiser's required pairs")
            value = rec.pair_probability(text, innovation_id)
            if value > best[0]:
                best = (value, text)
        out[(region_id, innovator_id)] = Scored(best[0], best[1], FORCED_NOTE)
    return out


__all__ = ["FORCED_NOTE", "PlanningStopped", "Scored", "UncalibratedError",
           "forced_affinities", "pair_affinities", "statement_scores"]
