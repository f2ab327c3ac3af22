"""Forum pairing optimisation: constraints hold and optima match the exhaustive oracle."""

from __future__ import annotations

import random

import numpy as np
import pytest
from forum_cases import TOL, check_plan, forums
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from matcher.forum import (
    Constraints,
    ForumProblem,
    Innovator,
    Region,
    greedy,
    solve,
)
from matcher.forum.brute import brute_force, feasible_plans
from matcher.forum.cover import fair_start
from matcher.forum.fair import slot_bound, threshold_rows
from matcher.forum.milp import build_model

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(forums())
def test_total_mode_matches_brute_force(problem: ForumProblem) -> None:
    plan = solve(problem, "total")
    check_plan(problem, plan)
    best = brute_force(problem)
    assert best is not None
    assert plan.status == "optimal"
    assert abs(plan.total - best.best_total) < TOL


def _proved_by_full_milp() -> ForumProblem:
    """A forum whose fair-mode second stage once proved its incumbent optimal yet said "limit"."""
    regions = [Region(f"R{k}", f"Kabupaten {k}", "Jawa Barat", 2) for k in range(2)]
    innovators = [Innovator(f"I{k}", f"INV-{k}", f"Inovator {k}", None, "Bali", "kesehatan", 1)
                  for k in range(4)]
    affinity = {(r.id, i.id): 0.0 for r in regions for i in innovators}
    affinity.update({("R0", "I1"): 0.05, ("R0", "I3"): 0.05,
                     ("R1", "I0"): 0.1, ("R1", "I1"): 0.1})
    return ForumProblem(regions, innovators, affinity, {p: "" for p in affinity}, Constraints())


@SETTINGS
@given(forums())
@example(_proved_by_full_milp())
def test_fair_mode_is_lexicographic_optimum(problem: ForumProblem) -> None:
    plan = solve(problem, "fair")
    check_plan(problem, plan)
    best = brute_force(problem)
    assert best is not None
    assert plan.status == "optimal"
    if best.max_min is None:
        assert plan.min_region_affinity is None
        assert abs(plan.total - best.best_total) < TOL
    else:
        assert abs(plan.min_region_affinity - best.max_min) < TOL
        assert abs(plan.total - best.best_total_at_max_min) < TOL
        assert plan.min_region_bound is not None
        assert plan.min_region_bound >= plan.min_region_affinity


@SETTINGS
@given(forums())
def test_greedy_is_valid_and_never_beats_the_optimum(problem: ForumProblem) -> None:
    plan = greedy(problem)
    check_plan(problem, plan)
    assert plan.status == "greedy"
    assert plan.total <= solve(problem, "total").total + TOL
    fair = solve(problem, "fair")
    if fair.min_region_affinity is not None:
        assert plan.min_region_affinity <= fair.min_region_affinity + TOL


@SETTINGS
@given(forums())
def test_fair_start_is_a_valid_lower_bound(problem: ForumProblem) -> None:
    model = build_model(problem)
    if not model.region_ids:
        return
    x = fair_start(problem, model)
    chosen = set(model.chosen(x))
    assert problem.constraints.required <= chosen
    best = brute_force(problem)
    assert best is not None and best.max_min is not None
    assert model.region_min(x) <= best.max_min + TOL


def _direct_maxmin(problem: ForumProblem) -> float:
    """The textbook formulation: max t with t <= every served region's sum (small sizes only)."""
    model = build_model(problem)
    n, m = model.n, len(model.region_ids)
    s = model.served
    rows = csr_array((s.data, s.indices, s.indptr), shape=(m, n + 1)) + csr_array(
        (-np.ones(m), (np.arange(m), np.full(m, n))), shape=(m, n + 1))
    caps = csr_array((model.caps.data, model.caps.indices, model.caps.indptr),
                     shape=(model.caps.shape[0], n + 1))
    c = np.zeros(n + 1)
    c[-1] = -1
    res = milp(c, integrality=np.append(np.ones(n), 0),
               bounds=Bounds(np.append(model.lower(), 0), np.append(np.ones(n), np.inf)),
               constraints=[LinearConstraint(caps, -np.inf, model.cap_ub),
                            LinearConstraint(rows, 0, np.inf)],
               options={"mip_rel_gap": 1e-9})
    return -res.fun


def _random_forum(seed: int, n_regions: int, n_innovators: int, density: float,
                  quota: int | None) -> ForumProblem:
    rng = random.Random(seed)
    provinces = [f"P{k}" for k in range(4)]
    regions = [Region(f"R{k}", f"Kota {k}", rng.choice(provinces), rng.randint(1, 4))
               for k in range(n_regions)]
    innovators = [Innovator(f"I{k}", f"X{k}", f"Inovator {k}",
                            rng.choice([None, *(r.id for r in regions)]),
                            rng.choice(provinces), "s", rng.randint(1, 4))
                  for k in range(n_innovators)]
    affinity = {(r.id, i.id): round(rng.random(), 3) for r in regions for i in innovators
                if rng.random() < density}
    return ForumProblem(regions, innovators, affinity,
                        constraints=Constraints(province_quota=quota))


@pytest.mark.parametrize("seed", range(4))
def test_fair_matches_textbook_maxmin_on_medium_instances(seed: int) -> None:
    problem = _random_forum(seed, 14, 6, 0.5, 1 if seed % 2 else None)
    plan = solve(problem, "fair", time_limit=None)
    check_plan(problem, plan)
    assert plan.status == "optimal"
    assert abs(plan.min_region_affinity - _direct_maxmin(problem)) < TOL
    total = solve(problem, "total", time_limit=None)
    assert plan.total <= total.total + TOL
    assert total.min_region_affinity <= plan.min_region_affinity + TOL


def test_small_example_by_hand() -> None:
    regions = [Region("R1", "Kota Bandung", "Jawa Barat", 2),
               Region("R2", "Kab. Bogor", "Jawa Barat", 1),
               Region("R3", "Kab. Badung", "Bali", 1),
               Region("R4", "Kab. Alor", "NTT", 1)]
    innovators = [Innovator("I1", "INV-1", "Ani", "R1", "Jawa Barat", "kesehatan", 2),
                  Innovator("I2", "INV-2", "Budi", None, "Bali", "pendidikan", 2)]
    affinity = {("R1", "I1"): 0.9, ("R1", "I2"): 0.5, ("R2", "I1"): 0.7,
                ("R2", "I2"): 0.4, ("R3", "I2"): 0.3}
    problem = ForumProblem(regions, innovators, affinity, {("R2", "I1"): "same sector"},
                           Constraints(province_quota=1))
    total = solve(problem, "total")
    assert {m.pair for m in total.pairs} == {("R1", "I2"), ("R2", "I1"), ("R3", "I2")}
    assert total.total == pytest.approx(1.5)
    assert [u.region_id for u in total.unserved] == ["R4"]
    assert "no admissible innovator" in total.unserved[0].reason
    assert next(m for m in total.pairs if m.pair == ("R2", "I1")).explanation == "same sector"
    assert [a.innovator_id for a in total.alternates["R2"]] == ["I2"]
    fair = solve(problem, "fair")
    assert fair.min_region_affinity == pytest.approx(0.3)
    assert fair.total == pytest.approx(1.5)


def test_fair_trades_total_for_the_worst_region() -> None:
    regions = [Region("A", "A", "P", 1), Region("B", "B", "P", 1)]
    innovators = [Innovator("X", "X", "X", None, "Q", "s", 1),
                  Innovator("Y", "Y", "Y", None, "Q", "s", 1)]
    affinity = {("A", "X"): 1.0, ("A", "Y"): 0.2, ("B", "X"): 0.5, ("B", "Y"): 0.1}
    problem = ForumProblem(regions, innovators, affinity)
    total, fair = solve(problem, "total"), solve(problem, "fair")
    assert {m.pair for m in total.pairs} == {("A", "X"), ("B", "Y")}
    assert (total.total, total.min_region_affinity) == pytest.approx((1.1, 0.1))
    assert {m.pair for m in fair.pairs} == {("A", "Y"), ("B", "X")}
    assert (fair.total, fair.min_region_affinity) == pytest.approx((0.7, 0.2))


def test_unknown_mode_and_empty_problem() -> None:
    problem = ForumProblem([Region("R", "R", "P")], [Innovator("I", "X", "I", None, "P", "s")],
                           {})
    with pytest.raises(ValueError, match="unknown mode 'best'"):
        solve(problem, "best")
    plan = solve(problem)
    assert plan.pairs == () and plan.min_region_affinity is None
    assert [u.region_id for u in plan.unserved] == ["R"]


def test_time_limited_plan_is_still_valid() -> None:
    problem = _random_forum(7, 120, 30, 0.8, None)
    plan = solve(problem, "fair", time_limit=1.0)
    check_plan(problem, plan)
    assert plan.status in {"optimal", "limit"}
    assert plan.min_region_bound is not None
    assert plan.min_region_affinity <= plan.min_region_bound


@SETTINGS
@given(forums(), st.integers(1, 40))
def test_strengthening_rows_never_cut_off_a_plan(problem: ForumProblem, twentieths: int) -> None:
    """Every plan whose served regions all reach tau satisfies the rows added for tau."""
    model = build_model(problem)
    if not model.region_ids:
        return
    tau = twentieths / 20
    rows = threshold_rows(model, tau)
    index = {p: k for k, p in enumerate(model.pairs)}
    for plan in feasible_plans(problem):
        x = np.zeros(model.n)
        x[[index[p] for p in plan]] = 1.0
        if (model.served @ x).min() >= tau - 1e-12:
            for row in rows:
                assert (row.A @ x >= row.lb - 1e-9).all()


@SETTINGS
@given(forums())
def test_slot_bound_is_above_the_optimum(problem: ForumProblem) -> None:
    model = build_model(problem)
    best = brute_force(problem)
    if not model.region_ids or best is None:
        return
    assert best.max_min < slot_bound(model, model.supply)
