"""Regions without a province each form their own province-quota group."""

from __future__ import annotations

from matcher.forum import Constraints, ForumProblem, Innovator, Region, greedy, solve


def test_regions_without_province_are_not_one_quota_group():
    regions = tuple(Region(f"R{n}", f"Region {n}", "", 1) for n in range(4))
    innovator = Innovator("I1", "inv", "Innovator", None, "", "x", capacity=4)
    problem = ForumProblem(regions, (innovator,), {(r.id, "I1"): 0.8 for r in regions},
                           constraints=Constraints(province_quota=1))
    for plan in (solve(problem, "total"), solve(problem, "fair"), greedy(problem)):
        assert len(plan.pairs) == 4


def test_quota_still_binds_within_a_named_province():
    regions = tuple(Region(f"R{n}", f"Region {n}", "Jawa Timur", 1) for n in range(3))
    innovator = Innovator("I1", "inv", "Innovator", None, "", "x", capacity=3)
    problem = ForumProblem(regions, (innovator,), {(r.id, "I1"): 0.8 for r in regions},
                           constraints=Constraints(province_quota=2))
    assert len(solve(problem, "total").pairs) == 2
