"""Infeasible forums fail with named causes, never a bare 'infeasible'."""

from __future__ import annotations

import pytest
from forum_cases import forums
from hypothesis import HealthCheck, assume, event, given, settings

import matcher.forum.assign as assign
from matcher.forum import (
    Constraints,
    ForumInfeasibleError,
    ForumProblem,
    Innovator,
    Region,
    greedy,
    solve,
)
from matcher.forum.brute import brute_force
from matcher.forum.feasibility import minimal_conflict, precheck

SETTINGS = settings(max_examples=60, deadline=None)

REGIONS = [Region("R1", "Kota Bandung", "Jawa Barat", 1),
           Region("R2", "Kab. Bogor", "Jawa Barat", 2),
           Region("R3", "Kab. Badung", "Bali", 2)]
INNOVATORS = [Innovator("I1", "INV-1", "Puskesmas Keliling", "R3", "Bali", "kesehatan", 1),
              Innovator("I2", "INV-2", "Sekolah Lapang", None, "Jawa Timur", "pertanian", 3)]
AFFINITY = {("R1", "I1"): 0.8, ("R2", "I1"): 0.6, ("R1", "I2"): 0.7, ("R2", "I2"): 0.5,
            ("R3", "I1"): 0.9, ("R3", "I2"): 0.4}


def _problem(**constraints) -> ForumProblem:
    return ForumProblem(REGIONS, INNOVATORS, AFFINITY, constraints=Constraints(**constraints))


def _causes(problem: ForumProblem) -> list[str]:
    with pytest.raises(ForumInfeasibleError) as info:
        solve(problem)
    with pytest.raises(ForumInfeasibleError):
        greedy(problem)
    assert "infeasible" in str(info.value)
    for cause in info.value.causes:
        assert cause.message in str(info.value)
    return [c.message for c in info.value.causes]


def test_required_pair_that_is_forbidden() -> None:
    pair = ("R1", "I2")
    (message,) = _causes(_problem(forbidden=frozenset({pair}), required=frozenset({pair})))
    assert "(R1, I2)" in message and "forbidden" in message
    assert "Kota Bandung" in message and "Sekolah Lapang" in message


def test_required_pair_with_own_home_region() -> None:
    (message,) = _causes(_problem(required=frozenset({("R3", "I1")})))
    assert "(R3, I1)" in message and "home region" in message
    assert "Kab. Badung" in message and "Puskesmas Keliling" in message


def test_required_pair_that_is_inadmissible() -> None:
    problem = ForumProblem(REGIONS, INNOVATORS, {k: v for k, v in AFFINITY.items()
                                                 if k != ("R2", "I2")},
                           constraints=Constraints(required=frozenset({("R2", "I2")})))
    (message,) = _causes(problem)
    assert "(R2, I2)" in message and "inadmissible" in message


def test_required_pairs_over_region_capacity() -> None:
    (message,) = _causes(_problem(required=frozenset({("R1", "I1"), ("R1", "I2")})))
    assert "region R1 (Kota Bandung) has 2 required pairs but capacity 1" in message


def test_required_pairs_over_innovator_capacity() -> None:
    (message,) = _causes(_problem(required=frozenset({("R1", "I1"), ("R2", "I1")})))
    assert "innovator I1 (Puskesmas Keliling) has 2 required pairs but capacity 1" in message


def test_required_pairs_over_province_quota() -> None:
    (message,) = _causes(_problem(required=frozenset({("R1", "I2"), ("R2", "I2")}),
                                  province_quota=1))
    assert "innovator I2 (Sekolah Lapang)" in message
    assert "2 required pairs in province Jawa Barat" in message and "quota is 1" in message


def test_every_cause_is_reported_at_once() -> None:
    messages = _causes(_problem(required=frozenset({("R3", "I1"), ("R1", "I1"), ("R1", "I2")}),
                                province_quota=1))
    assert len(messages) == 3  # home region, R1 over capacity, I1 over capacity
    assert any("home region" in m for m in messages)
    assert any("region R1" in m and "capacity 1" in m for m in messages)
    assert any("innovator I1" in m and "capacity 1" in m for m in messages)


def test_region_without_admissible_innovator_is_unserved_not_infeasible() -> None:
    affinity = {k: v for k, v in AFFINITY.items() if k[0] != "R2"}
    affinity[("R3", "I2")] = 0.4
    plan = solve(ForumProblem(REGIONS, INNOVATORS, affinity))
    assert [(u.region_id, "no admissible innovator" in u.reason) for u in plan.unserved] == [
        ("R2", True)]
    only_home = {("R3", "I1"): 0.9, ("R1", "I2"): 0.5}
    plan = solve(ForumProblem(REGIONS, INNOVATORS, only_home))
    reasons = {u.region_id: u.reason for u in plan.unserved}
    assert "forbidden" in reasons["R3"] and "I1" in reasons["R3"]
    assert "no admissible innovator" in reasons["R2"]


@SETTINGS
@given(forums(required="any"))
def test_infeasible_exactly_when_no_plan_exists(problem: ForumProblem) -> None:
    best = brute_force(problem)
    event("feasible" if best is not None else "infeasible")
    if best is not None:
        solve(problem, "total")
        return
    with pytest.raises(ForumInfeasibleError) as info:
        solve(problem, "fair")
    assert info.value.causes
    for cause in info.value.causes:
        assert cause.pairs
        for r, i in cause.pairs:
            assert f"({r}, {i})" in cause.message


def test_deletion_filter_finds_a_minimal_conflict() -> None:
    clash = {("A", "x"), ("B", "x"), ("C", "x")}  # any two of these conflict

    def feasible(kept: frozenset) -> bool:
        return len(kept & clash) < 2

    culprits = minimal_conflict(sorted([("A", "x"), ("Z", "y"), ("B", "x"), ("C", "x")]),
                                feasible)
    assert len(culprits) == 2 and set(culprits) <= clash


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(forums(required="candidates"))
def test_solver_side_conflicts_are_minimal(problem: ForumProblem) -> None:
    """With the pre-checks switched off the MILP still explains itself by culprit pairs."""
    assume(brute_force(problem) is None)
    original = assign.precheck
    assign.precheck = lambda _problem: []
    try:
        with pytest.raises(ForumInfeasibleError) as info:
            solve(problem, "total")
    finally:
        assign.precheck = original
    (cause,) = info.value.causes
    assert cause.kind == "required_conflict"
    culprits = set(cause.pairs)
    for r, i in culprits:
        assert f"({r}, {i})" in cause.message

    def with_required(required: set) -> ForumProblem:
        c = problem.constraints
        return ForumProblem(problem.regions, problem.innovators, problem.affinity,
                            constraints=Constraints(c.forbidden, frozenset(required),
                                                    c.province_quota))

    assert brute_force(with_required(culprits)) is None
    for pair in culprits:
        assert brute_force(with_required(culprits - {pair})) is not None
    assert precheck(problem)  # the pre-checks would have caught it, naming causes
