"""The frozen result of pairing: chosen pairs, fairness figures, alternates and solver facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from matcher.forum.feasibility import CAPACITY, Unserved, unserved
from matcher.forum.model import ForumProblem, Pair

MAX_ALTERNATES = 3


@dataclass(frozen=True)
class Match:
    """One proposed region-innovator pair with its affinity and upstream explanation."""

    region_id: str
    innovator_id: str
    affinity: float
    explanation: str

    @property
    def pair(self) -> Pair:
        """The (region_id, innovator_id) key."""
        return (self.region_id, self.innovator_id)


@dataclass(frozen=True)
class Alternate:
    """An admissible innovator not chosen for a region, best first."""

    innovator_id: str
    affinity: float


@dataclass(frozen=True, eq=False)
class Plan:
    """Proposed pairs; min_region_affinity is over served regions (None when none is served)."""

    mode: str  # "total" | "fair" | "greedy"
    pairs: tuple[Match, ...]
    total: float
    min_region_affinity: float | None
    unserved: tuple[Unserved, ...]
    unmatched: tuple[str, ...]  # served regions that nevertheless received no innovator
    alternates: Mapping[str, tuple[Alternate, ...]]
    status: str  # "optimal" | "limit" (time limit hit: best found) | "greedy"
    solve_seconds: float
    min_region_bound: float | None = None  # fair: proven, no plan's minimum reaches this

    def region_totals(self) -> dict[str, float]:
        """Assigned affinity per region that received at least one pair."""
        totals: dict[str, float] = defaultdict(float)
        for m in self.pairs:
            totals[m.region_id] += m.affinity
        return dict(totals)


def region_totals(problem: ForumProblem, chosen: Iterable[Pair]) -> dict[str, float]:
    """Total assigned affinity of every served region (0.0 when it got nothing)."""
    totals = {r: 0.0 for r, _ in problem.candidates}
    for pair in chosen:
        totals[pair[0]] += problem.affinity[pair]
    return totals


def make_plan(problem: ForumProblem, chosen: Iterable[Pair], *, mode: str, status: str,
              seconds: float, bound: float | None = None) -> Plan:
    """Assemble a Plan from chosen pairs: totals, unserved, unmatched and alternates."""
    chosen = sorted(set(chosen), key=lambda p: (p[0], -problem.affinity[p], p[1]))
    pairs = tuple(Match(r, i, problem.affinity[(r, i)], problem.explanation((r, i)))
                  for r, i in chosen)
    totals = region_totals(problem, chosen)
    picked = set(chosen)
    matched = {r for r, _ in chosen}
    others: dict[str, list[Alternate]] = defaultdict(list)
    for r, i in problem.candidates:
        if (r, i) not in picked:
            others[r].append(Alternate(i, problem.affinity[(r, i)]))
    alternates = {r: tuple(sorted(alts, key=lambda a: (-a.affinity, a.innovator_id))
                           [:MAX_ALTERNATES]) for r, alts in sorted(others.items())}
    unmatched = tuple(r.id for r in problem.regions if r.id in totals and r.id not in matched)
    best = {r: tuple(a.innovator_id for a in alternates.get(r, ())) for r in unmatched}
    out_of_capacity = tuple(
        Unserved(r, "capacity exhausted: every admissible innovator's meetings went to other "
                    "regions; best alternates: " + ", ".join(ids), CAPACITY, ids)
        for r, ids in best.items())
    return Plan(
        mode=mode,
        pairs=pairs,
        total=sum(m.affinity for m in pairs),
        min_region_affinity=min(totals.values()) if totals else None,
        unserved=unserved(problem) + out_of_capacity,
        unmatched=unmatched,
        alternates=MappingProxyType(alternates),
        status=status,
        solve_seconds=seconds,
        min_region_bound=bound,
    )
