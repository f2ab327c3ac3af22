"""Exhaustive oracle for tiny forums (tests only): every feasible plan, best total and max-min.

It enumerates, region by region, every subset of the region's admissible, non-forbidden
innovators that contains its required pairs and fits its capacity, pruning on innovator
capacity and province quota. Exponential: keep instances to a handful of regions/innovators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from matcher.forum.model import ForumProblem, Pair

TOLERANCE = 1e-6


@dataclass(frozen=True)
class BruteResult:
    """Optima over all feasible plans; max_min is None when no region is served."""

    best_total: float
    max_min: float | None
    best_total_at_max_min: float  # best total among plans with min >= max_min - TOLERANCE
    plans: int


def feasible_plans(problem: ForumProblem) -> Iterator[tuple[Pair, ...]]:
    """Every plan satisfying capacities, forbidden/required pairs and the province quota."""
    candidates = set(problem.candidates)
    required = problem.constraints.required
    if not required <= candidates:
        return
    per_region: dict[str, list[Pair]] = defaultdict(list)
    for pair in sorted(candidates):
        per_region[pair[0]].append(pair)
    innovators = problem.innovator_by_id
    quota = problem.constraints.province_quota
    regions = problem.regions

    def rec(k: int, chosen: list[Pair], load: dict, qload: dict) -> Iterator[tuple[Pair, ...]]:
        if k == len(regions):
            yield tuple(chosen)
            return
        region = regions[k]
        forced = [p for p in per_region[region.id] if p in required]
        optional = [p for p in per_region[region.id] if p not in required]
        for size in range(region.capacity - len(forced) + 1):
            for extra in combinations(optional, size):
                picks = forced + list(extra)
                new_load, new_q = dict(load), dict(qload)
                ok = True
                for _, i in picks:
                    new_load[i] = new_load.get(i, 0) + 1
                    key = (i, problem.quota_group(region.id))
                    new_q[key] = new_q.get(key, 0) + 1
                    if new_load[i] > innovators[i].capacity or \
                            (quota is not None and new_q[key] > quota):
                        ok = False
                if ok:
                    yield from rec(k + 1, chosen + picks, new_load, new_q)

    yield from rec(0, [], {}, {})


def brute_force(problem: ForumProblem) -> BruteResult | None:
    """Best total and lexicographic (max-min, then total) by enumeration; None if infeasible."""
    served = sorted({r for r, _ in problem.candidates})
    scores: list[tuple[float, float]] = []
    for plan in feasible_plans(problem):
        totals = dict.fromkeys(served, 0.0)
        for pair in plan:
            totals[pair[0]] += problem.affinity[pair]
        total = sum(problem.affinity[p] for p in plan)
        scores.append((min(totals.values()) if totals else 0.0, total))
    if not scores:
        return None
    best_min = max(m for m, _ in scores)
    return BruteResult(
        best_total=max(t for _, t in scores),
        max_min=best_min if served else None,
        best_total_at_max_min=max(t for m, t in scores if m >= best_min - TOLERANCE),
        plans=len(scores),
    )
