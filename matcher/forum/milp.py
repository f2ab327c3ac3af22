"""The pairing MILP's matrices and a thin wrapper over scipy.optimize.milp (HiGHS)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, linprog, milp
from scipy.sparse import csr_array, vstack

from matcher.forum.model import ForumProblem, Pair

OPTIMAL, LIMIT, INFEASIBLE = 0, 1, 2


@dataclass(frozen=True, eq=False)
class PairingModel:
    """Binary x over candidate pairs; capacity/quota rows; one affinity row per served region."""

    pairs: tuple[Pair, ...]
    weight: np.ndarray  # affinity per candidate
    caps: csr_array  # region, innovator and province-quota rows (<= cap_ub)
    cap_ub: np.ndarray
    served: csr_array  # row j: affinities of served region region_ids[j]
    region_ids: tuple[str, ...]
    region_capacity: np.ndarray  # capacity of region_ids[j]
    required: frozenset[Pair]
    supply: int  # most pairs the innovators can take (capacities and quotas)
    row: np.ndarray  # served-region row of each pair
    innovator: np.ndarray  # innovator index of each pair

    @property
    def n(self) -> int:
        """Number of binary variables."""
        return len(self.pairs)

    def lower(self, required: frozenset[Pair] | None = None) -> np.ndarray:
        """Lower bounds of x: 1 for required pairs, else 0."""
        req = self.required if required is None else required
        return np.array([1.0 if p in req else 0.0 for p in self.pairs])

    def cap_constraints(self, extra: int = 0) -> list[LinearConstraint]:
        """Capacity and quota rows, padded with `extra` zero columns on the right."""
        if self.caps.shape[0] == 0:
            return []
        a = self.caps
        if extra:
            a = csr_array((a.data, a.indices, a.indptr), shape=(a.shape[0], a.shape[1] + extra))
        return [LinearConstraint(a, -np.inf, self.cap_ub)]

    def binary(self, x: np.ndarray) -> np.ndarray:
        """Round a solver solution to 0/1 over the pair variables."""
        return (np.asarray(x)[: self.n] > 0.5).astype(float)

    def chosen(self, x: np.ndarray) -> list[Pair]:
        """Pairs set in a solver solution."""
        return [p for p, v in zip(self.pairs, self.binary(x), strict=True) if v]

    def region_min(self, x: np.ndarray) -> float:
        """Smallest summed affinity over served regions in a solution."""
        return float((self.served @ self.binary(x)).min())

    def total(self, x: np.ndarray) -> float:
        """Summed affinity of a solution."""
        return float(self.weight @ self.binary(x))


def build_model(problem: ForumProblem) -> PairingModel:
    """Assemble constraint matrices for the problem's candidate pairs."""
    pairs = problem.candidates
    regions, innovators = problem.region_by_id, problem.innovator_by_id
    groups: dict[tuple, list[int]] = defaultdict(list)
    for k, (r, i) in enumerate(pairs):
        groups[("r", r)].append(k)
        groups[("i", i)].append(k)
        groups[("q", i, problem.quota_group(r))].append(k)
    rows: list[int] = []
    cols: list[int] = []
    ub: list[float] = []
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
    region_ids = tuple(sorted({r for r, _ in pairs}))
    row_of = {r: j for j, r in enumerate(region_ids)}
    served = csr_array((weight, ([row_of[r] for r, _ in pairs], list(range(n)))),
                       shape=(len(region_ids), n))
    capacity = np.array([regions[r].capacity for r in region_ids], dtype=int)
    per_province: dict[str, int] = defaultdict(int)
    for key, ks in groups.items():
        if key[0] == "q":
            per_province[key[1]] += len(ks) if quota is None else min(len(ks), quota)
    supply = sum(min(innovators[i].capacity, k) for i, k in per_province.items())
    inn_of = {i: k for k, i in enumerate(sorted({i for _, i in pairs}))}
    return PairingModel(pairs, weight, caps, np.array(ub), served, region_ids, capacity,
                        problem.constraints.required, supply,
                        np.array([row_of[r] for r, _ in pairs], dtype=int),
                        np.array([inn_of[i] for _, i in pairs], dtype=int))


def run_milp(c: np.ndarray, lower: np.ndarray, upper: np.ndarray, integral: np.ndarray,
             constraints: list[LinearConstraint], time_limit: float | None,
             gap: float = 1e-7) -> OptimizeResult:
    """Minimise c @ x with HiGHS; time_limit in seconds (None: no limit).

    Variables fixed by their bounds are substituted out first: the restricted MILPs of
    reduced-cost fixing (`optimum`, `first_plan`) keep a few thousand of tens of thousands
    of pairs, and
    HiGHS's set-up and SciPy's wrapper cost time per column."""
    options: dict = {"mip_rel_gap": gap, "presolve": True, "disp": False}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 0.05)
    fixed = lower == upper
    if not fixed.any() or fixed.all():
        return milp(c, integrality=integral, bounds=Bounds(lower, upper),
                    constraints=constraints, options=options)
    free = np.flatnonzero(~fixed)
    value = np.where(fixed, lower, 0.0)
    reduced = []
    for con in constraints:
        a = csr_array(con.A)
        shift = a @ value
        reduced.append(LinearConstraint(a[:, free], con.lb - shift, con.ub - shift))
    res = milp(c[free], integrality=integral[free], bounds=Bounds(lower[free], upper[free]),
               constraints=reduced, options=options)
    if res.x is not None:
        x = value.copy()
        x[free] = res.x
        res.x = x
        res.fun = float(c @ x)
    return res


def feasible(model: PairingModel, required: frozenset[Pair]) -> bool:
    """Whether some plan keeps exactly these required pairs (a pure feasibility MILP)."""
    n = model.n
    res = run_milp(np.zeros(n), model.lower(required), np.ones(n), np.ones(n),
                   model.cap_constraints(), None)
    return res.status != INFEASIBLE


def integral(x: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether every entry is within tol of 0 or 1."""
    return bool((np.minimum(x, 1.0 - x) <= tol).all())


def _upper_rows(constraints: list[LinearConstraint]
                ) -> tuple[csr_array | None, np.ndarray | None]:
    """The rows lb <= A x <= ub as one A_ub x <= b_ub system (for linprog)."""
    blocks, rhs = [], []
    for con in constraints:
        a = csr_array(con.A)
        lb = np.broadcast_to(np.asarray(con.lb, dtype=float), a.shape[0])
        ub = np.broadcast_to(np.asarray(con.ub, dtype=float), a.shape[0])
        top, bottom = np.flatnonzero(np.isfinite(ub)), np.flatnonzero(np.isfinite(lb))
        if len(top):
            blocks.append(a[top])
            rhs.append(ub[top])
        if len(bottom):
            blocks.append(-a[bottom])
            rhs.append(-lb[bottom])
    if not blocks:
        return None, None
    return csr_array(vstack(blocks)), np.concatenate(rhs)


def relax(model: PairingModel, c: np.ndarray, constraints: list[LinearConstraint],
          time_limit: float | None) -> OptimizeResult:
    """The LP relaxation (0 <= x <= 1, required pairs at 1) by dual simplex, so x is a vertex;
    `reduced` holds the reduced costs (None without a solution)."""
    n = model.n
    a_ub, b_ub = _upper_rows(constraints)
    # presolve costs more than it saves on these LPs (0.31 s against 0.19 s at 550 x 100)
    options: dict = {"presolve": False}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 0.05)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=np.column_stack([model.lower(), np.ones(n)]),
                  method="highs-ds", options=options)
    if res.status != OPTIMAL:
        res.x = None
    res.reduced = None if res.x is None else res.lower.marginals + res.upper.marginals
    return res


@dataclass(frozen=True, eq=False)
class Outcome:
    """An integer plan (None: none found) and how it ended: OPTIMAL, LIMIT or INFEASIBLE."""

    x: np.ndarray | None
    status: int


_FIX_TOL = 1e-6  # reduced costs closer than this to the cut-off are never used to fix a pair
_FIRST_DELTA = 1e-5  # first cut-off, relative to the LP bound


def _fixed_bounds(lp: OptimizeResult, lower: np.ndarray, delta: float
                  ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Bounds that fix every pair whose reduced cost exceeds `delta` at its LP bound, and
    whether any pair is fixed (False: the bounds are the full MILP's)."""
    fix0 = (lp.x < 0.5) & (lp.reduced > delta + _FIX_TOL)
    fix1 = (lp.x >= 0.5) & (lp.reduced < -delta - _FIX_TOL)
    return (np.where(fix1, 1.0, lower), np.where(fix0, 0.0, 1.0),
            bool(fix0.any() or fix1.any()))


def optimum(model: PairingModel, c: np.ndarray, constraints: list[LinearConstraint],
            deadline: float | None, gap: float, incumbent: np.ndarray | None = None) -> Outcome:
    """Minimise c @ x over integer plans, exactly: the LP relaxation, then the MILP over the
    pairs that reduced-cost fixing cannot rule out.

    With LP bound z and reduced costs d, every plan within delta of z keeps each pair whose
    |d| exceeds delta at its LP bound; so once the MILP restricted to the other pairs has a
    plan within delta of z (or `incumbent` is), its optimum is the global one. Most
    forum LPs are integral (capacities alone are totally unimodular) or nearly so, and the
    restricted MILP is a small fraction of the full one."""

    def left() -> float | None:
        return None if deadline is None else max(deadline - time.perf_counter(), 0.0)

    n = model.n
    lower = model.lower()
    lp = relax(model, c, constraints, left())
    if lp.status == INFEASIBLE:
        return Outcome(None, INFEASIBLE)
    if lp.x is None or integral(lp.x):
        if lp.x is not None:
            return Outcome(model.binary(lp.x), OPTIMAL)
        res = run_milp(c, lower, np.ones(n), np.ones(n), constraints, left(), gap)
        return Outcome(None if res.x is None else model.binary(res.x), res.status)
    bound = float(lp.fun)
    best = None if incumbent is None else model.binary(incumbent)
    delta = _FIRST_DELTA * max(abs(bound), 1.0)
    while True:
        within = None if best is None else float(c @ best) - bound
        if within is not None:
            delta = min(delta, within)
        low, high, restricted = _fixed_bounds(lp, lower, delta)
        res = run_milp(c, low, high, np.ones(n), constraints, left(), gap)
        if res.x is not None and (best is None or c @ res.x < c @ best):
            best = model.binary(res.x)
        if res.status not in (OPTIMAL, INFEASIBLE):
            return Outcome(best, LIMIT)
        if not restricted or (best is not None and float(c @ best) - bound <= delta + _FIX_TOL):
            return Outcome(best, OPTIMAL if best is not None else INFEASIBLE)
        # nothing within delta: widen; a plan found: its own distance settles the next round
        delta = delta * 8 if res.x is None or best is None else float(c @ best) - bound


def first_plan(model: PairingModel, constraints: list[LinearConstraint], lp: OptimizeResult,
               deadline: float | None) -> OptimizeResult:
    """Any integer plan within the rows, or a proof that none exists, from a fractional LP
    optimum: feasibility MILPs over the pairs whose reduced cost is within delta, delta
    growing eightfold while they are infeasible, until nothing is fixed (the full MILP)."""
    n = model.n
    lower = model.lower()
    delta = _FIRST_DELTA * max(abs(float(lp.fun)), 1.0)
    while True:
        low, high, restricted = _fixed_bounds(lp, lower, delta)
        left = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
        res = run_milp(np.zeros(n), low, high, np.ones(n), constraints, left)
        if res.x is not None or res.status != INFEASIBLE or not restricted:
            return res
        delta *= 8


def max_total(model: PairingModel, deadline: float | None, gap: float,
              extra: list[LinearConstraint] | None = None,
              incumbent: np.ndarray | None = None) -> Outcome:
    """Maximise summed affinity under capacities, quotas, `extra` rows and the required pairs,
    exactly (see `optimum`); `incumbent` is any plan known to satisfy them."""
    return optimum(model, -model.weight, [*model.cap_constraints(), *(extra or [])], deadline,
                   gap, incumbent)
