"""Optimal forum pairing as MILPs solved by HiGHS (scipy.optimize.milp), plus a greedy baseline.

Variables are binary x[r, i] over admissible, non-forbidden pairs. Constraints: each region and
each innovator within capacity; required pairs fixed to 1; at most `province_quota` regions of
one province per innovator.

mode "total" maximises the summed affinity. mode "fair" is lexicographic: first maximise
t = min over served regions of the region's summed assigned affinity (regions without any
admissible, non-forbidden innovator are excluded and reported as unserved), then, with every
served region kept at >= t* - FAIR_TOLERANCE, maximise the summed affinity (see fair.py for how
t* is found).
"""

from __future__ import annotations

import time
from collections import defaultdict

from matcher.forum.cover import fair_start
from matcher.forum.fair import max_total_above, maximise_min
from matcher.forum.feasibility import (
    ForumInfeasibleError,
    conflict_cause,
    minimal_conflict,
    precheck,
)
from matcher.forum.milp import (
    INFEASIBLE,
    OPTIMAL,
    PairingModel,
    build_model,
    feasible,
    max_total,
)
from matcher.forum.model import ForumProblem
from matcher.forum.plan import Plan, make_plan

FAIR_TOLERANCE = 1e-6
MODES = ("fair", "total")
DEFAULT_TIME_LIMIT = 10.0
STAGE1_SHARE = 0.6  # of the time limit, for finding the best worst-region affinity


def _explain(problem: ForumProblem, model: PairingModel) -> ForumInfeasibleError:
    """Find a minimal culprit set of required pairs by dropping them one at a time."""
    culprits = minimal_conflict(sorted(model.required), lambda req: feasible(model, req))
    return ForumInfeasibleError([conflict_cause(problem, culprits)])


def _check(problem: ForumProblem, model: PairingModel) -> None:
    """Raise an explained error if the required pairs alone break a capacity or quota."""
    if model.caps.shape[0] and (model.caps @ model.lower() > model.cap_ub + 1e-9).any():
        raise _explain(problem, model)


def solve(problem: ForumProblem, mode: str = "fair", *,
          time_limit: float | None = DEFAULT_TIME_LIMIT, mip_rel_gap: float = 1e-7) -> Plan:
    """Optimal pairs by MILP; raises ForumInfeasibleError listing causes when none exists.

    time_limit (seconds, None = none) bounds the solver; a plan cut short has status "limit".
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    causes = precheck(problem)
    if causes:
        raise ForumInfeasibleError(causes)
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    model = build_model(problem)

    if model.n == 0:
        return make_plan(problem, [], mode=mode, status="optimal", seconds=0.0)
    _check(problem, model)
    bound = None
    if mode == "total" or not model.region_ids:
        res = max_total(model, deadline, mip_rel_gap)
        if res.x is None:
            if res.status == INFEASIBLE:
                raise _explain(problem, model)
            raise RuntimeError("HiGHS found no plan within the time limit")
        x, proven = res.x, res.status == OPTIMAL
    else:
        stage1 = None if deadline is None else start + time_limit * STAGE1_SHARE
        best = maximise_min(model, fair_start(problem, model), stage1)
        bound = best.bound
        x, proven = max_total_above(model, best.value - FAIR_TOLERANCE, best.x, deadline,
                                    mip_rel_gap)
        proven = proven and best.proven
    return make_plan(problem, model.chosen(x), mode=mode, status="optimal" if proven else "limit",
                     seconds=time.perf_counter() - start, bound=bound)


def greedy(problem: ForumProblem) -> Plan:
    """Baseline: required pairs, then highest affinity first while every constraint allows."""
    causes = precheck(problem)
    if causes:
        raise ForumInfeasibleError(causes)
    start = time.perf_counter()
    regions, innovators = problem.region_by_id, problem.innovator_by_id
    quota = problem.constraints.province_quota
    load: dict[tuple, int] = defaultdict(int)

    def take(r: str, i: str) -> None:
        for key in (("r", r), ("i", i), ("q", i, problem.quota_group(r))):
            load[key] += 1

    required = sorted(problem.constraints.required)
    for r, i in required:
        take(r, i)
    chosen = list(required)
    taken = set(required)
    order = sorted(problem.candidates, key=lambda p: (-problem.affinity[p], p))
    for r, i in order:
        if (r, i) in taken or load[("r", r)] >= regions[r].capacity \
                or load[("i", i)] >= innovators[i].capacity \
                or (quota is not None and load[("q", i, problem.quota_group(r))] >= quota):
            continue
        take(r, i)
        chosen.append((r, i))
    return make_plan(problem, chosen, mode="greedy", status="greedy",
                     seconds=time.perf_counter() - start)
