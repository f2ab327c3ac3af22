"""Forum inputs: validation with clear messages, derived rules, immutability."""

from __future__ import annotations

import dataclasses

import pytest

from matcher.forum import Constraints, ForumProblem, Innovator, Region

REGIONS = [Region("R1", "Kota Bandung", "Jawa Barat", 2), Region("R2", "Kab. Badung", "Bali")]
INNOVATORS = [Innovator("I1", "INV-1", "Ani", "R2", "Bali", "kesehatan", 2)]


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="region 'R9': capacity must be >= 1, got 0"):
        Region("R9", "X", "P", 0)
    with pytest.raises(ValueError, match="innovator 'I9': capacity must be an int"):
        Innovator("I9", "X", "Y", None, "P", "s", 1.5)


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate region ids: R1"):
        ForumProblem([*REGIONS, REGIONS[0]], INNOVATORS, {})
    with pytest.raises(ValueError, match="duplicate innovator ids: I1"):
        ForumProblem(REGIONS, [*INNOVATORS, INNOVATORS[0]], {})


@pytest.mark.parametrize("field", ["forbidden", "required"])
def test_constraints_naming_unknown_ids(field: str) -> None:
    constraints = Constraints(**{field: frozenset({("R7", "I1"), ("R1", "I8")})})
    with pytest.raises(ValueError, match=field) as info:
        ForumProblem(REGIONS, INNOVATORS, {}, constraints=constraints)
    assert "unknown region 'R7'" in str(info.value)
    assert "unknown innovator 'I8'" in str(info.value)


def test_affinity_must_name_known_ids_and_lie_in_unit_interval() -> None:
    with pytest.raises(ValueError, match="affinity names unknown ids"):
        ForumProblem(REGIONS, INNOVATORS, {("R3", "I1"): 0.5})
    with pytest.raises(ValueError, match=r"affinity of \('R1', 'I1'\) must be a number in"):
        ForumProblem(REGIONS, INNOVATORS, {("R1", "I1"): 1.5})
    with pytest.raises(ValueError, match="must be a number"):
        ForumProblem(REGIONS, INNOVATORS, {("R1", "I1"): float("nan")})


def test_quota_and_pair_shapes_are_validated() -> None:
    with pytest.raises(ValueError, match="province_quota"):
        Constraints(province_quota=0)
    with pytest.raises(ValueError, match="required pair must be"):
        Constraints(required=frozenset({"R1-I1"}))


def test_home_region_is_always_forbidden() -> None:
    problem = ForumProblem(REGIONS, INNOVATORS, {("R1", "I1"): 0.4, ("R2", "I1"): 0.9},
                           constraints=Constraints(forbidden=frozenset({("R1", "I1")})))
    assert problem.home_pairs == {("R2", "I1")}
    assert problem.forbidden == {("R1", "I1"), ("R2", "I1")}
    assert problem.candidates == ()


def test_problem_is_frozen() -> None:
    affinity = {("R1", "I1"): 0.4}
    problem = ForumProblem(REGIONS, INNOVATORS, affinity)
    affinity[("R2", "I1")] = 0.9  # the caller's dict is copied
    assert dict(problem.affinity) == {("R1", "I1"): 0.4}
    with pytest.raises(TypeError):
        problem.affinity[("R1", "I1")] = 1.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.regions = ()  # type: ignore[misc]
