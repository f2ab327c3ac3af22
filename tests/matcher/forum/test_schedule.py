"""Meeting timetable: max-degree rounds, nobody twice in a round, tables within limits."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from forum_cases import forums
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.forum import Schedule, schedule, solve

SETTINGS = settings(max_examples=60, deadline=None)

edges = st.lists(st.tuples(st.sampled_from([f"R{k}" for k in range(6)]),
                           st.sampled_from([f"I{k}" for k in range(5)])), max_size=30)


def _max_degree(pairs: list[tuple[str, str]]) -> int:
    degree = Counter([("r", r) for r, _ in pairs] + [("i", i) for _, i in pairs])
    return max(degree.values(), default=0)


def _check(pairs: list[tuple[str, str]], plan: Schedule, tables: int | None) -> None:
    met = [(m.region_id, m.innovator_id) for rnd in plan.rounds for m in rnd]
    assert Counter(met) == Counter(pairs), "every meeting exactly once"
    for rnd in plan.rounds:
        assert len({m.region_id for m in rnd}) == len(rnd), "a region meets twice in a round"
        assert len({m.innovator_id for m in rnd}) == len(rnd), "an innovator twice in a round"
        assert len({m.table for m in rnd}) == len(rnd), "two meetings share a table"
        assert all(m.table >= 1 for m in rnd)
        if tables is not None:
            assert all(m.table <= tables for m in rnd)
    assert plan.max_degree == _max_degree(pairs)


@SETTINGS
@given(edges)
def test_rounds_equal_max_degree(pairs: list[tuple[str, str]]) -> None:
    plan = schedule(pairs)
    _check(pairs, plan, None)
    assert plan.n_rounds == _max_degree(pairs)
    booth = {}
    for rnd in plan.rounds:  # without a table limit each innovator keeps one table
        for m in rnd:
            assert booth.setdefault(m.innovator_id, m.table) == m.table


@SETTINGS
@given(edges, st.integers(1, 6))
def test_table_limit_adds_only_necessary_rounds(pairs: list[tuple[str, str]],
                                                tables: int) -> None:
    plan = schedule(pairs, tables_per_round=tables)
    _check(pairs, plan, tables)
    expected = max(_max_degree(pairs), math.ceil(len(pairs) / tables)) if pairs else 0
    assert plan.n_rounds == expected
    sizes = [len(rnd) for rnd in plan.rounds]
    assert not sizes or max(sizes) - min(sizes) <= 1


@SETTINGS
@given(forums())
def test_schedules_a_solved_plan(problem) -> None:
    plan = solve(problem, "fair")
    timetable = schedule(plan.pairs)
    _check([m.pair for m in plan.pairs], timetable, None)
    assert timetable.n_rounds == _max_degree([m.pair for m in plan.pairs])


def test_national_scale_timetable() -> None:
    rng = random.Random(3)
    pairs = list({(f"R{rng.randrange(550)}", f"I{rng.randrange(100)}") for _ in range(3500)})
    plan = schedule(pairs, tables_per_round=100)
    _check(pairs, plan, 100)
    assert plan.n_rounds == max(_max_degree(pairs), math.ceil(len(pairs) / 100))


def test_empty_and_invalid_input() -> None:
    assert schedule([]).rounds == ()
    assert schedule([], tables_per_round=3).n_rounds == 0
    with pytest.raises(ValueError, match="tables_per_round"):
        schedule([("R", "I")], tables_per_round=0)
    with pytest.raises(ValueError, match="region_id, innovator_id"):
        schedule(["R-I"])
