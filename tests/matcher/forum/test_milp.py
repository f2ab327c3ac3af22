"""The solver helpers against plain HiGHS: reduced-cost fixing and fixed-variable substitution."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import Bounds, milp

from matcher.forum import Constraints, ForumProblem, Innovator, Region, solve
from matcher.forum.fair import threshold_rows
from matcher.forum.milp import INFEASIBLE, OPTIMAL, build_model, optimum, relax, run_milp


def _forum(seed: int, n_regions: int = 20, n_innovators: int = 10) -> ForumProblem:
    """A random forum with enough innovator slots for every region to be served."""
    rng = random.Random(seed)
    regions = [Region(f"R{k}", f"Kota {k}", f"P{k % 3}", rng.randint(2, 4))
               for k in range(n_regions)]
    innovators = [Innovator(f"I{k}", f"X{k}", f"Inovator {k}", None, f"P{k % 3}", "s",
                            rng.randint(4, 10)) for k in range(n_innovators)]
    affinity = {(r.id, i.id): round(rng.uniform(0.1, 0.6), 3)
                for r in regions for i in innovators if rng.random() < 0.6}
    return ForumProblem(regions, innovators, affinity,
                        constraints=Constraints(province_quota=4 if seed % 2 else None))


def _floor(problem: ForumProblem) -> float:
    """Fair mode's second-stage floor: the best worst-served region, less a hair."""
    return solve(problem, "fair", time_limit=None).min_region_affinity - 1e-6


def _plain(model, c, constraints) -> float | None:
    """The oracle: the full MILP, no fixing, no substitution."""
    res = milp(c, integrality=np.ones(model.n), bounds=Bounds(model.lower(), np.ones(model.n)),
               constraints=constraints, options={"mip_rel_gap": 1e-9})
    return None if res.x is None else float(res.fun)


@pytest.mark.parametrize("seed", range(12))
def test_reduced_cost_fixing_finds_the_plain_milp_optimum(seed: int) -> None:
    problem = _forum(seed)
    model = build_model(problem)
    cons = [*model.cap_constraints(), *threshold_rows(model, _floor(problem))]
    c = -model.weight
    expected = _plain(model, c, cons)
    got = optimum(model, c, cons, None, 1e-9)
    if expected is None:
        assert got.status == INFEASIBLE and got.x is None
        return
    assert got.status == OPTIMAL
    assert float(c @ got.x) == pytest.approx(expected, abs=1e-6)
    for con in cons:  # the plan itself satisfies every row
        assert (con.A @ got.x <= con.ub + 1e-9).all()
        assert (con.A @ got.x >= con.lb - 1e-9).all()


def test_some_instances_need_the_restricted_milp() -> None:
    """The oracle test above exercises fixing, not only integral LPs."""
    fractional = 0
    for seed in range(12):
        problem = _forum(seed)
        model = build_model(problem)
        lp = relax(model, -model.weight, [*model.cap_constraints(),
                                          *threshold_rows(model, _floor(problem))], None)
        fractional += lp.x is not None and bool((np.minimum(lp.x, 1 - lp.x) > 1e-6).any())
    assert fractional >= 4


def test_an_incumbent_plan_is_kept_or_beaten() -> None:
    model = build_model(_forum(3))
    cons = model.cap_constraints()
    start = np.zeros(model.n)
    got = optimum(model, -model.weight, cons, None, 1e-9, incumbent=start)
    assert got.status == OPTIMAL
    assert model.total(got.x) == pytest.approx(-_plain(model, -model.weight, cons), abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_substituting_fixed_variables_changes_nothing(seed: int) -> None:
    model = build_model(_forum(seed))
    rng = np.random.default_rng(seed)
    n = model.n
    lower, upper = model.lower(), np.ones(n)
    fix = rng.random(n) < 0.6
    upper = np.where(fix, 0.0, upper)  # forbid most pairs
    keep = rng.choice(np.flatnonzero(~fix), size=2, replace=False)
    lower[keep] = upper[keep] = 1.0  # and force two
    cons = model.cap_constraints()
    got = run_milp(-model.weight, lower, upper, np.ones(n), cons, None, 1e-9)
    want = milp(-model.weight, integrality=np.ones(n), bounds=Bounds(lower, upper),
                constraints=cons, options={"mip_rel_gap": 1e-9})
    assert got.status == want.status
    if want.x is not None:
        assert got.fun == pytest.approx(want.fun, abs=1e-6)
        assert got.x.shape == (n,)
        assert (got.x[fix] == 0).all() and (got.x[keep] == 1).all()
