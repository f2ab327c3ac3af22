"""Fair mode: bisection for the best worst-served region, then max total above that floor.

Putting t in the MILP (max t, t <= each region's sum) leaves a weak LP bound: fractions of
scarce innovators spread over every region, so HiGHS cannot close the gap at national scale.
Instead we bisect on a threshold tau with feasibility probes ("can every served region get
summed affinity >= tau?"), each strengthened by two rows per served region r that every
integer plan reaching tau satisfies:

  capped: sum_i min(a_ri, tau) x_ri >= tau   (same integer points, tighter LP)
  cover:  sum_{a_ri >= tau} x_ri + sum_{a_ri < tau} x_ri / k_r >= 1

where k_r is the fewest of r's sub-tau affinities reaching tau within r's capacity (0 weight
when none do: r then needs one innovator of affinity >= tau). A feasible probe raises the lower
bound to the found plan's actual minimum; an infeasible one proves the optimum is below tau.
The bracket starts from a max-flow single-cover plan (cover.py) below and a slot-counting bound
above; the bound is often tight, so the first probe sits just below it. With the rows the LP
relaxation is tight: it settles most probes (infeasible: proven; integral: found), and a
small feasibility MILP over the pairs with small reduced costs settles most of the rest
(widened until it finds a plan or is the full MILP: milp.first_plan). The same rows, at the
final floor, make the second stage (max total) nearly integral, and reduced-cost fixing
(milp.optimum) proves it on a small MILP. Out of time, the best plan found is kept together
with the best proven bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, OptimizeResult
from scipy.sparse import csr_array

from matcher.forum.milp import (
    INFEASIBLE,
    OPTIMAL,
    PairingModel,
    first_plan,
    integral,
    max_total,
    relax,
)

PROBE_TOL = 1e-7  # bisection stops when the bracket is this narrow
_EPS = 1e-9  # slack in the cut derivation, so rounding never cuts off a plan
_PROBE_SHARE = 0.4  # share of the remaining time one probe may use
_CLOSE = 1e-3  # relative bracket below which a found plan is first tried as the optimum
_GALLOP_PARTS = 64  # the first probe sits this share of the bracket below the slot bound


@dataclass(frozen=True, eq=False)
class MaxMin:
    """Best worst-region affinity found, and the proven bound (no plan reaches `bound`)."""

    x: np.ndarray
    value: float
    bound: float
    proven: bool
    probes: int


def threshold_rows(model: PairingModel, tau: float) -> list[LinearConstraint]:
    """The capped and cover rows that every plan with all served regions >= tau satisfies."""
    if tau <= 0:
        return []  # every plan qualifies
    s = model.served
    capped = csr_array((np.minimum(s.data, tau), s.indices, s.indptr), shape=s.shape)
    coef = np.empty_like(s.data)
    for j in range(s.shape[0]):
        lo, hi = s.indptr[j], s.indptr[j + 1]
        a = s.data[lo:hi]
        big = a >= tau - _EPS
        small = np.sort(a[~big])[::-1][: model.region_capacity[j]]
        reach = np.flatnonzero(np.cumsum(small) >= tau - _EPS)
        coef[lo:hi] = np.where(big, 1.0, 1.0 / (reach[0] + 1) if len(reach) else 0.0)
    cover = csr_array((coef, s.indices, s.indptr), shape=s.shape)
    return [LinearConstraint(capped, tau, np.inf), LinearConstraint(cover, 1.0, np.inf)]


def _prefix_sums(model: PairingModel) -> np.ndarray:
    """Row j: running sums of region j's best affinities, up to its capacity (then +inf)."""
    s = model.served
    width = int(model.region_capacity.max())
    out = np.full((s.shape[0], width), np.inf)
    for j in range(s.shape[0]):
        top = np.sort(s.data[s.indptr[j]:s.indptr[j + 1]])[::-1][: model.region_capacity[j]]
        out[j, : len(top)] = np.cumsum(top)
    return out


def slots_needed(prefix: np.ndarray, tau: float) -> np.ndarray:
    """Fewest innovators each served region needs to reach tau (width + 1: impossible)."""
    reached = prefix >= tau - _EPS
    return np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, prefix.shape[1] + 1)


def slot_bound(model: PairingModel, supply: int) -> float:
    """Smallest tau proven out of reach by counting: some region cannot reach it, or the
    regions together need more innovator slots than `supply`."""
    prefix = _prefix_sums(model)

    def reachable(tau: float) -> bool:
        need = slots_needed(prefix, tau)
        return bool((need <= prefix.shape[1]).all() and need.sum() <= supply)

    lo, hi = 0.0, float(prefix[np.isfinite(prefix)].max()) + 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if reachable(mid) else (lo, mid)
        if hi - lo <= PROBE_TOL / 2:
            break
    return hi


def probe(model: PairingModel, tau: float, time_limit: float | None) -> OptimizeResult:
    """Search for any plan giving every served region summed affinity >= tau.

    The LP relaxation answers most probes (infeasible: proven; integral: found); otherwise
    feasibility MILPs over the pairs with small reduced costs, widened as needed."""
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    cons = [*model.cap_constraints(), *threshold_rows(model, tau)]
    lp = relax(model, -model.weight, cons, time_limit)
    if lp.status == INFEASIBLE or lp.x is None:
        return lp
    if integral(lp.x):
        return lp
    return first_plan(model, cons, lp, deadline)


def maximise_min(model: PairingModel, start: np.ndarray, deadline: float | None) -> MaxMin:
    """Bisect on the worst served region's affinity from a feasible start plan."""
    best = start
    lo = model.region_min(best)
    hi = bound = slot_bound(model, model.supply)
    proven, probes = True, 0
    attempted, creeping = None, False
    # The slot bound is often close to the optimum, and a feasible probe's plan rarely clears
    # its tau by much, so the first probe sits just below the bound; bisection follows.
    step = (hi - lo) / _GALLOP_PARTS
    while hi - lo > PROBE_TOL:
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            proven = False
            break
        # Close to the top, first try to prove the plan in hand optimal, once per plan; but
        # not straight after the top probe or an attempt found it: such a plan just clears its tau,
        # and trying each next value in turn would creep up one grid step at a time.
        attempt = (hi - lo <= _CLOSE * max(1.0, hi) and attempted != lo and not creeping)
        if attempt:
            tau, attempted = lo + PROBE_TOL / 2, lo
        elif step:
            tau = max(hi - step, (lo + hi) / 2)
        else:
            tau = (lo + hi) / 2
        top = bool(step) and not attempt
        res = probe(model, tau, None if left is None else max(left * _PROBE_SHARE,
                                                              min(left, 0.5)))
        probes += 1
        creeping, step = False, 0.0
        if res.x is not None and model.region_min(res.x) > lo:
            lo, best = model.region_min(res.x), res.x
            creeping = attempt or top
        elif res.status == INFEASIBLE:
            hi = bound = tau
        elif res.x is not None:  # accepted within solver tolerance but no better: stop here
            hi = tau
        else:  # out of time without an answer: search lower, the bound stays unproven
            hi, proven = tau, False
    return MaxMin(model.binary(best), lo, bound, proven and hi - lo <= PROBE_TOL, probes)


def max_total_above(model: PairingModel, floor: float, start: np.ndarray,
                    deadline: float | None, gap: float) -> tuple[np.ndarray, bool]:
    """Best total with every served region >= floor, from a plan that reaches it;
    returns (solution, proven optimal within gap).

    The threshold rows make the LP nearly integral here, so reduced-cost fixing leaves a
    small MILP (see milp.optimum); `start` bounds how far it may have to look."""
    res = max_total(model, deadline, gap, threshold_rows(model, floor), incumbent=start)
    if res.x is None:
        return model.binary(start), False
    return res.x, res.status == OPTIMAL
