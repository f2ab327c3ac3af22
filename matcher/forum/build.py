"""Turn forum participants into a ForumProblem over engine affinities, then plan and schedule."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from corpus.schema import Innovation
from matcher.engine import Recommender
from matcher.filters import is_own_region
from matcher.forum.affinity import (
    ADMISSIBLE_RANK,
    PlanningStopped,
    forced_affinities,
    pair_affinities,
)
from matcher.forum.assign import DEFAULT_TIME_LIMIT, greedy, solve
from matcher.forum.event import EventSettings
from matcher.forum.model import Constraints, ForumProblem, Innovator, Pair, Region
from matcher.forum.plan import Plan
from matcher.forum.schedule import Schedule, schedule
from matcher.index import build_index, make_analyzer
from models.cache import EmbeddingCache


@dataclass(frozen=True)
class RegionSpec:
    """A region as an organiser lists it: its problems, capacity and sector interests."""

    id: str
    name: str
    statements: tuple[str, ...]
    province: str = ""
    level: str = ""
    capacity: int = 1
    sectors: tuple[str, ...] = ()
    contact: str = ""  # as the organiser gave it (an office, a phone), shown on agendas


@dataclass(frozen=True)
class InnovatorSpec:
    """An innovator: a corpus innovation id, or an innovation described inline."""

    id: str
    capacity: int = 1
    innovation_id: str | None = None
    inline: Innovation | None = None
    name: str = ""
    home_region_id: str | None = None
    contact: str = ""


@dataclass(frozen=True)
class ForumRules:
    """Organiser constraints in terms of ids."""

    forbidden: frozenset[Pair] = frozenset()
    required: frozenset[Pair] = frozenset()
    province_quota: int | None = None


@dataclass(frozen=True)
class Summary:
    """Coverage of a plan: who is served, how well, how capacity and topics spread."""

    regions: int
    regions_served: int
    innovators: int
    innovators_used: int
    pairs: int
    mean_affinity: float
    min_region_affinity: float | None
    region_capacity_used: float
    innovator_capacity_used: float
    by_province: dict[str, int]
    by_sector: dict[str, int]


@dataclass(frozen=True)
class ForumResult:
    """The optimal plan, the greedy baseline, the timetable and the coverage summary."""

    problem: ForumProblem
    plan: Plan
    baseline: Plan
    schedule: Schedule
    summary: Summary
    innovations: dict[str, Innovation] = field(default_factory=dict)  # by innovator id
    regions: dict[str, RegionSpec] = field(default_factory=dict)
    innovators: dict[str, InnovatorSpec] = field(default_factory=dict)
    forced: frozenset[Pair] = frozenset()  # required pairs below the admissibility rules
    event: EventSettings = field(default_factory=EventSettings)
    statements: dict[Pair, str] = field(default_factory=dict)  # the statement each pair met
    forced_probability: dict[Pair, float] = field(default_factory=dict)  # below the threshold


@dataclass(frozen=True, eq=False)
class BuiltProblem:
    """A ForumProblem with what the outputs need beside it."""

    problem: ForumProblem
    items: dict[str, Innovation]  # each innovator's innovation
    forced: frozenset[Pair]  # required pairs forced in below the admissibility rules
    statements: dict[Pair, str]  # the region statement that earned each pair its affinity
    forced_probability: dict[Pair, float]  # a forced pair's own probability (planned at the
    #                                        threshold)


class ForumInputError(ValueError):
    """Participants that cannot form a forum (unknown innovation, duplicate ids, ...)."""


def _with_inline(rec: Recommender, innovators: Sequence[InnovatorSpec],
                 cache: EmbeddingCache | None) -> Recommender:
    inline = [s.inline for s in innovators if s.inline is not None]
    if not inline:
        return rec
    clash = [i.id for i in inline if i.id in rec.corpus.by_id]
    if clash:
        raise ForumInputError(f"inline innovations reuse corpus ids: {', '.join(clash)}")
    corpus = rec.corpus.changed(inline, ())
    analyzer = make_analyzer(corpus)
    index = build_index(corpus, rec.embedder, analyzer, cache=cache)
    return Recommender(corpus, index, rec.embedder, analyzer, fusion=rec.fusion,
                       relevance=rec.relevance, gate=rec.gate, candidates=rec.candidates)


def _innovation(rec: Recommender, spec: InnovatorSpec) -> Innovation:
    if spec.inline is not None:
        return spec.inline
    item = rec.corpus.by_id.get(spec.innovation_id or "")
    if item is None:
        raise ForumInputError(f"innovator {spec.id!r}: unknown innovation id "
                              f"{spec.innovation_id!r}")
    return item


def build_problem(rec: Recommender, regions: Sequence[RegionSpec],
                  innovators: Sequence[InnovatorSpec], rules: ForumRules = ForumRules(),
                  *, cache: EmbeddingCache | None = None, depth: int = ADMISSIBLE_RANK,
                  stop: Callable[[], str | None] = lambda: None
                  ) -> BuiltProblem:
    """The ForumProblem, each innovator's innovation, and the required pairs forced in.

    Affinity is the calibrated probability that the innovation answers the region's best
    statement; a pair is admissible when that statement is not a no-match, the innovation
    ranks in its top `depth` at or above the no-match threshold, and (if the region lists
    sector interests) is in one of those sectors. A required pair that is not admissible
    is forced in with its probability, however low, and reported as forced.
    An innovator's home region is the region whose name is the innovation's own region.
    """
    rec = _with_inline(rec, innovators, cache)
    items = {s.id: _innovation(rec, s) for s in innovators}
    statements = {r.id: r.statements for r in regions}
    scored = pair_affinities(rec, statements, {i: item.id for i, item in items.items()},
                             depth, stop=stop)
    sectors = {r.id: set(r.sectors) for r in regions}
    scored = {p: s for p, s in scored.items()
              if not sectors[p[0]] or items[p[1]].sector in sectors[p[0]]}
    to_force = {p: items[p[1]].id for p in sorted(rules.required)
                if p not in scored and p[0] in statements and p[1] in items}
    forced = forced_affinities(rec, statements, to_force, stop=stop)
    # A forced pair counts at the no-match threshold when planning, so a near-zero
    # probability neither pins the worst-served region in fair mode nor drags totals; the
    # outputs show its own probability beside the flag.
    floor = rec.relevance.manifest.threshold if rec.relevance is not None else 0.0
    scored |= {p: replace(s, affinity=max(s.affinity, floor)) for p, s in forced.items()}
    region_objs = tuple(Region(r.id, r.name, r.province, r.capacity, tuple(r.sectors))
                        for r in regions)
    innovator_objs = tuple(
        Innovator(s.id, items[s.id].id, s.name or items[s.id].title,
                  s.home_region_id or _home_region(items[s.id], regions),
                  items[s.id].province, items[s.id].sector, s.capacity)
        for s in innovators)
    problem = ForumProblem(
        region_objs, innovator_objs, {p: s.affinity for p, s in scored.items()},
        {p: f"{s.explanation} (masalah: \u201c{s.statement}\u201d)" for p, s in scored.items()},
        Constraints(rules.forbidden, rules.required, rules.province_quota))
    return BuiltProblem(problem, items, frozenset(to_force),
                        {p: s.statement for p, s in scored.items()},
                        {p: s.affinity for p, s in forced.items()})


def _home_region(item: Innovation, regions: Sequence[RegionSpec]) -> str | None:
    for region in regions:
        if is_own_region(item, region.name):
            return region.id
    return None


def summarise(problem: ForumProblem, plan: Plan, items: dict[str, Innovation]) -> Summary:
    """Coverage figures of a plan."""
    served = {m.region_id for m in plan.pairs}
    used = {m.innovator_id for m in plan.pairs}
    region_cap = sum(r.capacity for r in problem.regions)
    innovator_cap = sum(i.capacity for i in problem.innovators)
    return Summary(
        regions=len(problem.regions), regions_served=len(served),
        innovators=len(problem.innovators), innovators_used=len(used), pairs=len(plan.pairs),
        mean_affinity=statistics.fmean(m.affinity for m in plan.pairs) if plan.pairs else 0.0,
        min_region_affinity=plan.min_region_affinity,
        region_capacity_used=len(plan.pairs) / region_cap if region_cap else 0.0,
        innovator_capacity_used=len(plan.pairs) / innovator_cap if innovator_cap else 0.0,
        by_province=dict(Counter(problem.region_by_id[m.region_id].province or "-"
                                 for m in plan.pairs).most_common()),
        by_sector=dict(Counter(items[m.innovator_id].sector for m in plan.pairs).most_common()))


def plan_forum(rec: Recommender, regions: Sequence[RegionSpec],
               innovators: Sequence[InnovatorSpec], rules: ForumRules = ForumRules(), *,
               mode: str = "fair", tables_per_round: int | None = None,
               event: EventSettings | None = None,
               cache: EmbeddingCache | None = None, deadline: float | None = None,
               cancelled: Callable[[], bool] = lambda: False) -> ForumResult:
    """Score, solve (with the greedy baseline beside it) and schedule a forum.

    `deadline` (a time.monotonic() value) bounds the whole plan: scoring stops with
    PlanningStopped when it passes, and the solver gets what remains (a plan it cannot
    prove optimal in time has status "limit"). `cancelled` stops scoring the same way."""
    def stop() -> str | None:
        if cancelled():
            return "planning was cancelled"
        if deadline is not None and time.monotonic() > deadline:
            return "the planning deadline passed"
        return None

    event = event or EventSettings()
    if event.rooms and tables_per_round is not None and tables_per_round > len(event.rooms):
        raise ForumInputError(f"{tables_per_round} tables per round but only "
                              f"{len(event.rooms)} rooms named; name one room per table")
    if tables_per_round is None and event.rooms:
        tables_per_round = len(event.rooms)
    built = build_problem(rec, regions, innovators, rules, cache=cache, stop=stop)
    problem, items = built.problem, built.items
    reason = stop()
    if reason:
        raise PlanningStopped(f"{reason} before solving")
    limit = DEFAULT_TIME_LIMIT if deadline is None else \
        max(0.5, min(DEFAULT_TIME_LIMIT, deadline - time.monotonic()))
    plan = solve(problem, mode, time_limit=limit)
    baseline = greedy(problem)
    timetable = schedule([m.pair for m in plan.pairs], tables_per_round)
    return ForumResult(problem, plan, baseline, timetable, summarise(problem, plan, items),
                       items, {r.id: r for r in regions}, {s.id: s for s in innovators},
                       built.forced, event, built.statements, built.forced_probability)
