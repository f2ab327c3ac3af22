"""A quick fair starting plan: the best threshold every region can reach with one more innovator.

For a threshold tau, each served region whose required pairs sum below tau gets one more
innovator with affinity >= tau - (its required sum). Whether all such regions can be covered
at once, within capacities and quotas, is a max-flow question:

  source -> innovator (spare capacity) -> (innovator, province) (spare quota)
         -> region (one unit, over qualifying pairs) -> sink (one unit per region in need)

Bisection over the finitely many candidate thresholds yields a feasible plan whose minimum is a
lower bound for fair mode's stage 1 (often close to the optimum when innovators are scarce).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow

from matcher.forum.milp import PairingModel
from matcher.forum.model import ForumProblem

_EPS = 1e-12


class _Network:
    """Static parts of the cover flow network; `plan(tau)` adds the qualifying pairs."""

    def __init__(self, problem: ForumProblem, model: PairingModel) -> None:
        """Index innovators, (innovator, province) groups and regions as flow nodes."""
        innovators = problem.innovator_by_id
        quota = problem.constraints.province_quota
        row_of = {r: j for j, r in enumerate(model.region_ids)}
        inn_ids = sorted({i for _, i in model.pairs})
        inn_of = {i: n for n, i in enumerate(inn_ids)}
        groups: dict[tuple[str, str], int] = {}
        self.row = np.array([row_of[r] for r, _ in model.pairs], dtype=int)
        inn = np.array([inn_of[i] for _, i in model.pairs], dtype=int)
        self.grp = np.array([groups.setdefault((i, problem.quota_group(r)), len(groups))
                             for r, i in model.pairs], dtype=int)
        self.lower = model.lower()
        taken = self.lower > 0
        inn_spare = np.array([innovators[i].capacity for i in inn_ids]) \
            - np.bincount(inn[taken], minlength=len(inn_ids))
        grp_limit = np.full(len(groups), quota if quota is not None else 1 << 30)
        grp_spare = grp_limit - np.bincount(self.grp[taken], minlength=len(groups))
        self.region_spare = model.region_capacity - np.bincount(
            self.row[taken], minlength=len(model.region_ids))
        self.base = model.served @ self.lower
        self.weight = model.weight
        # nodes: 0 source, 1 sink, innovators, groups, regions
        self.g0 = 2 + len(inn_ids)
        self.r0 = self.g0 + len(groups)
        self.size = self.r0 + len(model.region_ids)
        grp_inn = np.zeros(len(groups), dtype=int)
        grp_inn[self.grp] = inn
        self.static = (
            np.concatenate([np.zeros(len(inn_ids), dtype=int), 2 + grp_inn]),
            np.concatenate([2 + np.arange(len(inn_ids)), self.g0 + np.arange(len(groups))]),
            np.concatenate([np.maximum(inn_spare, 0), np.maximum(grp_spare, 0)]),
        )

    def plan(self, tau: float) -> np.ndarray | None:
        """Plan giving every region below tau one more qualifying innovator, or None."""
        need = self.base < tau - _EPS
        if not need.any():
            return self.lower.copy()
        if (self.region_spare[need] < 1).any():
            return None
        ok = (self.lower == 0) & need[self.row] & (self.base[self.row] + self.weight >= tau - _EPS)
        arcs = np.flatnonzero(ok)
        needy = np.flatnonzero(need)
        src, dst, cap = self.static
        src = np.concatenate([src, self.g0 + self.grp[arcs], self.r0 + needy])
        dst = np.concatenate([dst, self.r0 + self.row[arcs], np.ones(len(needy), dtype=int)])
        cap = np.concatenate([cap, np.ones(len(arcs) + len(needy), dtype=int)])
        graph = csr_array((cap.astype(np.int32), (src, dst)), shape=(self.size, self.size))
        result = maximum_flow(graph, 0, 1)
        if result.flow_value < len(needy):
            return None
        used = np.asarray(result.flow[self.g0 + self.grp[arcs], self.r0 + self.row[arcs]])
        x = self.lower.copy()
        x[arcs[used.ravel() > 0]] = 1.0
        return x


def fair_start(problem: ForumProblem, model: PairingModel) -> np.ndarray:
    """The single-cover plan at the highest threshold reachable (required pairs if none)."""
    net = _Network(problem, model)
    values = np.unique(np.concatenate([net.base, net.base[net.row] + net.weight]))
    best, lo, hi = net.lower, 0, len(values) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        x = net.plan(float(values[mid]))
        if x is None:
            hi = mid - 1
        else:
            best, lo = x, mid + 1
    return best
