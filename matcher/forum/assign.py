"""Optimal forum pairing as a MILP solved by HiGHS (scipy.optimize.milp), plus a greedy baseline.

Variables are binary x[r, i] over admissible, non-forbidden pairs. Constraints: each region and
each innovator within capacity; required pairs fixed to 1; at most `province_quota` regions of
one province per innovator.

mode "total" maximises the summed affinity. mode "fair" is lexicographic: first maximise
t = min over served regions of the region's summed assigned affinity (regions without any
admissible, non-forbidden innovator are excluded and reported as unserved), then, with every
served region kept at >= t* - FAIR_TOLERANCE, maximise the summed affinity.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from matcher.forum.feasibility import (
    ForumInfeasibleError,
    conflict_cause,
    minimal_conflict,
    precheck,
)
from matcher.forum.model import ForumProblem, Pair
from matcher.forum.plan import Plan, make_plan, region_totals

FAIR_TOLERANCE = 1e-6
MODES = ("fair", "total")
_STATUS = {0: "optimal", 1: "limit", 2: "infeasible", 3: "unbounded", 4: "error"}


@dataclass(frozen=True)
class _Model:
    """Matrices of the pairing MILP over a fixed candidate list."""

    pairs: tuple[Pair, ...]
    weight: np.ndarray  # affinity per candidate
    caps: csr_array  # region, innovator and province-quota rows
    cap_ub: np.ndarray
    served: csr_array  # one row per served region: its affinities
    required: frozenset[Pair]

    def lower(self, required: frozenset[Pair] | None = None) -> np.ndarray:
        """Lower bounds of x: 1 for required pairs, else 0."""
        req = self.required if required is None else required
        return np.array([1.0 if p in req else 0.0 for p in self.pairs])


def _build(problem: ForumProblem) -> _Model:
    """Assemble constraint matrices for the problem's candidate pairs."""
    pairs = problem.candidates
    regions, innovators = problem.region_by_id, problem.innovator_by_id
    groups: dict[tuple, list[int]] = defaultdict(list)
    for k, (r, i) in enumerate(pairs):
        groups[("r", r)].append(k)
        groups[("i", i)].append(k)
        groups[("q", i, regions[r].province)].append(k)
    rows, cols, ub = [], [], []
    quota = problem.constraints.province_quota
    for key, ks in groups.items():
        if key[0] == "r":
            limit = regions[key[1]].capacity
        elif key[0] == "i":
            limit = innovators[key[1]].capacity
        else:
            limit = quota if quota is not None else len(ks)
        if len(ks) > limit:  # rows that cannot bind are left out
            rows.extend([len(ub)] * len(ks))
            cols.extend(ks)
            ub.append(float(limit))
    n = len(pairs)
    caps = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(ub), n))
    weight = np.array([problem.affinity[p] for p in pairs], dtype=float)
    region_ids = sorted({r for r, _ in pairs})
    row_of = {r: j for j, r in enumerate(region_ids)}
    served = csr_array((weight, ([row_of[r] for r, _ in pairs], list(range(n)))),
                       shape=(len(region_ids), n))
    return _Model(pairs, weight, caps, np.array(ub), served, problem.constraints.required)


def _run(c: np.ndarray, lower: np.ndarray, upper: np.ndarray, integral: np.ndarray,
         constraints: list[LinearConstraint], time_limit: float | None, gap: float):
    """Call HiGHS through scipy.optimize.milp with the given options."""
    options: dict = {"mip_rel_gap": gap, "presolve": True, "disp": False}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 0.01)
    return milp(c, integrality=integral, bounds=Bounds(lower, upper),
                constraints=constraints, options=options)


def _chosen(model: _Model, x: np.ndarray) -> list[Pair]:
    """Pairs whose binary variable is set in a solver solution."""
    return [p for p, v in zip(model.pairs, x[:len(model.pairs)], strict=True) if v > 0.5]


def _caps_constraint(model: _Model, extra: int = 0) -> list[LinearConstraint]:
    """Capacity and quota rows, padded with `extra` zero columns."""
    if model.caps.shape[0] == 0:
        return []
    a = model.caps
    if extra:
        a = csr_array((a.data, a.indices, a.indptr), shape=(a.shape[0], a.shape[1] + extra))
    return [LinearConstraint(a, -np.inf, model.cap_ub)]


def _feasible(model: _Model, required: frozenset[Pair]) -> bool:
    """Whether some plan keeps exactly these required pairs (a pure feasibility MILP)."""
    n = len(model.pairs)
    res = _run(np.zeros(n), model.lower(required), np.ones(n), np.ones(n),
               _caps_constraint(model), None, 1e-4)
    return res.status != 2


def _explain_solver_infeasibility(problem: ForumProblem, model: _Model) -> ForumInfeasibleError:
    """Find a minimal culprit set of required pairs by dropping them one at a time."""
    culprits = minimal_conflict(sorted(model.required), lambda req: _feasible(model, req))
    return ForumInfeasibleError([conflict_cause(problem, culprits)])


def _solve_total(model: _Model, time_limit: float | None, gap: float):
    """Maximise total affinity."""
    n = len(model.pairs)
    return _run(-model.weight, model.lower(), np.ones(n), np.ones(n), _caps_constraint(model),
                time_limit, gap)


def _solve_maxmin(model: _Model, time_limit: float | None, gap: float):
    """Maximise t <= every served region's summed affinity; variable t is last."""
    n = len(model.pairs)
    c = np.zeros(n + 1)
    c[-1] = -1.0
    m = model.served.shape[0]
    t_col = csr_array((-np.ones(m), (np.arange(m), np.full(m, n))), shape=(m, n + 1))
    s = model.served
    rows = csr_array((s.data, s.indices, s.indptr), shape=(m, n + 1)) + t_col
    cons = [*_caps_constraint(model, 1), LinearConstraint(rows, 0.0, np.inf)]
    lower = np.append(model.lower(), 0.0)
    upper = np.append(np.ones(n), np.inf)
    return _run(c, lower, upper, np.append(np.ones(n), 0.0), cons, time_limit, gap)


def _solve_total_above(model: _Model, floor: float, time_limit: float | None, gap: float):
    """Maximise total affinity keeping every served region at or above `floor`."""
    n = len(model.pairs)
    cons = [*_caps_constraint(model), LinearConstraint(model.served, floor, np.inf)]
    return _run(-model.weight, model.lower(), np.ones(n), np.ones(n), cons, time_limit, gap)


def solve(problem: ForumProblem, mode: str = "fair", *, time_limit: float | None = None,
          mip_rel_gap: float = 1e-7) -> Plan:
    """Optimal pairs by MILP; raises ForumInfeasibleError listing causes when none exists."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    causes = precheck(problem)
    if causes:
        raise ForumInfeasibleError(causes)
    start = time.perf_counter()
    model = _build(problem)
    if not model.pairs:
        return make_plan(problem, [], mode=mode, status="optimal", seconds=0.0)

    def left() -> float | None:
        return None if time_limit is None else time_limit - (time.perf_counter() - start)

    statuses = []
    if mode == "fair":
        res = _solve_maxmin(model, left(), mip_rel_gap)
        statuses.append(res.status)
        if res.x is None:
            raise _failure(problem, model, res)
        totals = region_totals(problem, _chosen(model, res.x))
        floor = min(totals.values()) - FAIR_TOLERANCE
        res = _solve_total_above(model, floor, left(), mip_rel_gap)
    else:
        res = _solve_total(model, left(), mip_rel_gap)
    statuses.append(res.status)
    if res.x is None:
        raise _failure(problem, model, res)
    status = "optimal" if all(s == 0 for s in statuses) else \
        "+".join(_STATUS.get(s, str(s)) for s in statuses)
    return make_plan(problem, _chosen(model, res.x), mode=mode, status=status,
                     seconds=time.perf_counter() - start)


def _failure(problem: ForumProblem, model: _Model, res) -> Exception:
    """Turn a solver run without a solution into an explained error."""
    if res.status == 2:
        return _explain_solver_infeasibility(problem, model)
    return RuntimeError(f"HiGHS found no plan (status {_STATUS.get(res.status, res.status)}): "
                       f"{res.message}")


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
        for key in (("r", r), ("i", i), ("q", i, regions[r].province)):
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
                or (quota is not None and load[("q", i, regions[r].province)] >= quota):
            continue
        take(r, i)
        chosen.append((r, i))
    return make_plan(problem, chosen, mode="greedy", status="greedy",
                     seconds=time.perf_counter() - start)
