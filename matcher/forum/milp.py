"""The pairing MILP's matrices and a thin wrapper over scipy.optimize.milp (HiGHS)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import csr_array

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
    """Minimise c @ x with HiGHS; time_limit in seconds (None: no limit)."""
    options: dict = {"mip_rel_gap": gap, "presolve": True, "disp": False}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 0.05)
    return milp(c, integrality=integral, bounds=Bounds(lower, upper),
                constraints=constraints, options=options)


def feasible(model: PairingModel, required: frozenset[Pair]) -> bool:
    """Whether some plan keeps exactly these required pairs (a pure feasibility MILP)."""
    n = model.n
    res = run_milp(np.zeros(n), model.lower(required), np.ones(n), np.ones(n),
                   model.cap_constraints(), None)
    return res.status != INFEASIBLE


def max_total(model: PairingModel, time_limit: float | None, gap: float,
              extra: list[LinearConstraint] | None = None,
              lower: np.ndarray | None = None) -> OptimizeResult:
    """Maximise summed affinity under capacities, quotas, `extra` rows and pairs fixed to 1
    (`lower`, default: the required pairs)."""
    n = model.n
    return run_milp(-model.weight, model.lower() if lower is None else lower, np.ones(n),
                    np.ones(n), [*model.cap_constraints(), *(extra or [])], time_limit, gap)


def integral(x: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether every entry is within tol of 0 or 1."""
    return bool((np.minimum(x, 1.0 - x) <= tol).all())


def relax(model: PairingModel, c: np.ndarray, constraints: list[LinearConstraint],
          time_limit: float | None) -> OptimizeResult:
    """The LP relaxation (0 <= x <= 1, required pairs at 1)."""
    n = model.n
    return run_milp(c, model.lower(), np.ones(n), np.zeros(n), constraints, time_limit)


def near(model: PairingModel, c: np.ndarray, constraints: list[LinearConstraint],
         lp_x: np.ndarray, deadline: float | None, hops: int = 3) -> OptimizeResult | None:
    """Solve the MILP with x fixed to the LP values, except for the pairs of every region and
    innovator touched by a fractional value; widen by one hop while that is infeasible."""
    frac = np.minimum(lp_x, 1.0 - lp_x) > 1e-6
    regions = np.zeros(model.served.shape[0], dtype=bool)
    innovators = np.zeros(int(model.innovator.max()) + 1, dtype=bool)
    regions[model.row[frac]] = True
    innovators[model.innovator[frac]] = True
    fixed = np.maximum(np.round(lp_x), model.lower())
    for _ in range(hops):
        free = regions[model.row] | innovators[model.innovator]
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            return None
        res = run_milp(c, np.where(free, model.lower(), fixed), np.where(free, 1.0, fixed),
                       np.ones(model.n), constraints, left)
        if res.x is not None or res.status != INFEASIBLE:
            return res
        used = free & (lp_x > 1e-6)
        regions[model.row[used]] = True
        innovators[model.innovator[used]] = True
    return None
