"""Explained infeasibility: pre-checks on required pairs and a deletion filter for culprits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from matcher.forum.model import ForumProblem, Pair


@dataclass(frozen=True)
class Cause:
    """One reason a forum cannot be paired, with the pairs involved."""

    kind: str  # forbidden | home_region | inadmissible | region_capacity | ...
    message: str
    pairs: tuple[Pair, ...] = ()


class ForumInfeasibleError(ValueError):
    """No plan satisfies the constraints; `causes` says why, in organiser terms."""

    def __init__(self, causes: Iterable[Cause]) -> None:
        """Keep the causes and build a message listing each of them."""
        self.causes: tuple[Cause, ...] = tuple(causes)
        lines = "\n".join(f"- {c.message}" for c in self.causes) or "- (no cause found)"
        super().__init__(f"forum pairing is infeasible ({len(self.causes)} causes):\n{lines}")


NO_ADMISSIBLE, FORBIDDEN, CAPACITY = "no_admissible", "forbidden", "capacity"


@dataclass(frozen=True)
class Unserved:
    """A region the plan gives no innovator, and why (not an infeasibility): no admissible
    innovator, every admissible one forbidden, or their capacity went to other regions."""

    region_id: str
    reason: str
    code: str = NO_ADMISSIBLE  # NO_ADMISSIBLE | FORBIDDEN | CAPACITY
    alternates: tuple[str, ...] = ()  # best admissible innovators it could have met


def _fmt(pairs: Iterable[Pair]) -> str:
    """Render pairs as '(R1, I1), (R2, I3)'."""
    return ", ".join(f"({r}, {i})" for r, i in sorted(pairs))


def precheck(problem: ForumProblem) -> list[Cause]:
    """Causes that make the required pairs impossible; empty means a plan exists."""
    regions, innovators = problem.region_by_id, problem.innovator_by_id
    required = sorted(problem.constraints.required)
    explicit, home = problem.constraints.forbidden, problem.home_pairs
    causes: list[Cause] = []
    for r, i in required:
        pair = (r, i)
        if pair in home:
            causes.append(Cause("home_region", f"required pair ({r}, {i}) is forbidden: "
                                f"{regions[r].label()} is the home region of "
                                f"{innovators[i].label()}", (pair,)))
        if pair in explicit:
            causes.append(Cause("forbidden", f"required pair ({r}, {i}) is also forbidden "
                                f"({regions[r].label()}, {innovators[i].label()})", (pair,)))
        if pair not in problem.affinity:
            causes.append(Cause("inadmissible", f"required pair ({r}, {i}) is inadmissible: "
                                f"no affinity between {regions[r].label()} and "
                                f"{innovators[i].label()} (below the no-match threshold)",
                                (pair,)))
    by_region: dict[str, list[Pair]] = defaultdict(list)
    by_innovator: dict[str, list[Pair]] = defaultdict(list)
    by_quota: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for r, i in required:
        by_region[r].append((r, i))
        by_innovator[i].append((r, i))
        by_quota[(i, problem.quota_group(r))].append((r, i))
    for r, pairs in sorted(by_region.items()):
        cap = regions[r].capacity
        if len(pairs) > cap:
            causes.append(Cause("region_capacity", f"{regions[r].label()} has {len(pairs)} "
                                f"required pairs but capacity {cap}: {_fmt(pairs)}",
                                tuple(pairs)))
    for i, pairs in sorted(by_innovator.items()):
        cap = innovators[i].capacity
        if len(pairs) > cap:
            causes.append(Cause("innovator_capacity", f"{innovators[i].label()} has "
                                f"{len(pairs)} required pairs but capacity {cap}: "
                                f"{_fmt(pairs)}", tuple(pairs)))
    quota = problem.constraints.province_quota
    if quota is not None:
        for (i, province), pairs in sorted(by_quota.items()):
            if len(pairs) > quota:
                causes.append(Cause("province_quota", f"{innovators[i].label()} has "
                                    f"{len(pairs)} required pairs in province {province} but "
                                    f"the province quota is {quota}: {_fmt(pairs)}",
                                    tuple(pairs)))
    return causes


def unserved(problem: ForumProblem) -> tuple[Unserved, ...]:
    """Regions with no admissible, non-forbidden innovator, with the reason."""
    admissible: dict[str, list[str]] = defaultdict(list)
    for r, i in problem.affinity:
        admissible[r].append(i)
    served = {r for r, _ in problem.candidates}
    out = []
    for region in problem.regions:
        if region.id in served:
            continue
        found = sorted(admissible.get(region.id, ()))
        if not found:
            out.append(Unserved(region.id, "no admissible innovator (every affinity is below "
                                           "the no-match threshold)", NO_ADMISSIBLE))
        else:
            out.append(Unserved(region.id, f"all {len(found)} admissible innovators are "
                                           "forbidden (explicitly or as its home region): "
                                           + ", ".join(found), FORBIDDEN))
    return tuple(out)


def minimal_conflict(required: Sequence[Pair],
                     feasible: Callable[[frozenset[Pair]], bool]) -> tuple[Pair, ...]:
    """Deletion filter: an infeasible subset of required pairs whose every one-less subset is."""
    kept = list(required)
    for pair in required:
        trial = [p for p in kept if p != pair]
        if not feasible(frozenset(trial)):
            kept = trial
    return tuple(kept)


def conflict_cause(problem: ForumProblem, culprits: Sequence[Pair]) -> Cause:
    """Describe a minimal conflicting set of required pairs found by the solver."""
    if not culprits:
        return Cause("solver", "the solver reports the forum infeasible even without any "
                     "required pair")
    regions, innovators = problem.region_by_id, problem.innovator_by_id
    names = "; ".join(f"({r}, {i}) {regions[r].label()} with {innovators[i].label()}"
                      for r, i in sorted(culprits))
    return Cause("required_conflict", f"these {len(culprits)} required pairs cannot all hold "
                 f"together (dropping any one of them restores feasibility): {names}",
                 tuple(sorted(culprits)))
